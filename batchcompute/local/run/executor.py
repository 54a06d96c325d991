"""The Executor interface: what the scheduler asks of whatever runs an instance's attempts.

``start`` runs one attempt and reports it through two callbacks (from another thread):
``on_started(pid, pid_start)`` once its process is worth recording, ``on_done(result)`` when it has
ended. The returned Execution is the handle ``kill`` works on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

from ..model.attempts import Key, RunResult

__all__ = ["InstanceRun", "RunResult", "Execution", "Executor", "Started", "Done", "STOPPED_CODE"]

#: The ErrorCode of an attempt that was killed (or kept from starting) because its job stopped.
STOPPED_CODE = "Stopped"


@dataclass
class InstanceRun:
    """Everything needed to run one attempt of one instance."""

    key: Key
    command_line: str
    env: Dict[str, str]  # added to the server's environment
    stdout_url: str
    stderr_url: str
    timeout: float
    package_path: str = ""
    docker_image: str = ""
    input_mapping: Dict[str, str] = field(default_factory=dict)  # oss url -> local path
    output_mapping: Dict[str, str] = field(default_factory=dict)  # local path -> oss url


class Execution:
    """A handle on a started attempt."""

    def __init__(self) -> None:
        self.killed = False

    def kill(self) -> None:
        """End the attempt (or keep it from starting)."""
        self.killed = True


Started = Callable[[int, Optional[str]], None]
Done = Callable[[RunResult], None]


class Executor:
    """Starts attempts; ``on_started(pid, pid_start)`` and ``on_done(result)`` are called from
    another thread."""

    def start(self, run: InstanceRun, on_started: Started, on_done: Done) -> Execution:
        raise NotImplementedError
