"""The Executor interface: what the scheduler asks of whatever runs instance attempts.

``start`` runs one attempt and reports it through two callbacks, called from another thread:
``on_started(pid, pid_start, node_ip)`` once its process is worth recording in the store (so that a
restarted server can find it; an executor that keeps its own records need not call it; ``node_ip``
names the machine it runs on when that is not this one), ``on_done(result)`` when it has ended.
``stop`` ends a started attempt; its ``on_done`` still follows. ``forget`` says that the end of an
attempt is recorded in the store. ``recover``, once at start-up, deals with the attempts a previous
server process left Running: the executor ends what is left of each, or adopts it (``adopt``).
While ``ready`` says no, nothing is started (waiting instances stay Waiting); ``close`` ends the
executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..model.attempts import Key, RecordedAttempt, RunResult

__all__ = [
    "InstanceRun",
    "RunResult",
    "RecordedAttempt",
    "Execution",
    "Executor",
    "Started",
    "Done",
    "STOPPED_CODE",
    "NOT_STARTED_CODE",
    "server_restarted",
    "never_started",
]

#: The ErrorCode of an attempt that was killed (or kept from starting) because its job stopped.
STOPPED_CODE = "Stopped"


#: The ErrorCode of an attempt whose command never ran: it goes back to the queue (not a retry).
NOT_STARTED_CODE = "NotStarted"


def never_started() -> RunResult:
    """How an attempt ended whose command never ran before the server stopped."""
    return RunResult(None, NOT_STARTED_CODE, "the server stopped before the command ran")


def server_restarted() -> RunResult:
    """How an attempt ended that the server lost when it stopped (MaxRetryCount decides)."""
    return RunResult(None, "ServerRestarted", "the server stopped while the instance was running")


@dataclass
class InstanceRun:
    """Everything needed to run one attempt of one instance."""

    key: Key
    run_seq: int  # which attempt of the instance
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


Started = Callable[[Optional[int], Optional[str], Optional[str]], None]
Done = Callable[[RunResult], None]


class Executor:
    """Runs instance attempts for the scheduler."""

    #: Whether each attempt has a record of the executor's own, made before its command can run and
    #: read by a restarted server (``unclaimed``): then the scheduler may start an attempt before
    #: the store has its claim, and record claims in batches.
    keeps_records = False

    def start(self, run: InstanceRun, on_started: Started, on_done: Done) -> Execution:
        """Start an attempt; ``on_started`` and ``on_done`` are called from another thread."""
        raise NotImplementedError

    def describe(self) -> str:
        """What runs the attempts, in a few words (for the console's settings page)."""
        return type(self).__name__

    def ready(self) -> bool:
        """Whether attempts can be started now."""
        return True

    def stop(self, execution: Execution) -> None:
        """End a started attempt (or keep it from starting); its ``on_done`` still follows."""
        execution.kill()

    def forget(self, execution: Execution) -> None:
        """The end of this attempt is recorded in the store: what the executor kept to recover it
        after a restart may go."""

    def recover(self, attempts: Sequence[RecordedAttempt]) -> Dict[Key, RunResult]:
        """End what is left of attempts that a previous server process left Running, and say how
        each ended; the scheduler records that (MaxRetryCount decides on a retry). An attempt
        left out of the answer is adopted: the scheduler hands it to ``adopt``.

        This executor knows nothing of a previous process: each attempt ended with it.
        """
        return {attempt.key: server_restarted() for attempt in attempts}

    def unclaimed(self) -> List[Tuple[Key, int, RunResult]]:
        """At start-up, after ``recover``: the attempts the executor has records of that
        ``recover`` was not asked about (their claims may not have reached the store), ended:
        instance, run_seq and how each ended."""
        return []

    def unclaimed_recorded(self) -> None:
        """The store has recorded what ``unclaimed`` told: those records may go."""

    def adopt(self, attempt: RecordedAttempt, on_done: Done) -> Execution:
        """Take over an attempt that ``recover`` left running: ``on_done`` when it ends."""
        raise NotImplementedError("%s adopts no attempt" % type(self).__name__)

    def close(self) -> None:
        """Release what the executor holds (after the scheduler has ended its attempts)."""
