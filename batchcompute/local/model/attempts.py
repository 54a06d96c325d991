"""Instance attempts as the store and the executors see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

__all__ = ["Key", "RunResult", "RecordedAttempt"]

#: An instance: (job id, task name, instance id).
Key = Tuple[str, str, int]


@dataclass
class RunResult:
    """How an attempt ended: ExitCode (None when the command never ran) and the error, if any."""

    exit_code: Optional[int]
    error_code: str = ""
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.error_code


@dataclass(frozen=True)
class RecordedAttempt:
    """What the store records about an attempt that is Running: at start-up, one that a previous
    server process left behind when it died."""

    key: Key
    run_seq: int
    worker_id: str  # the cluster VM (or AutoCluster worker) it occupies
    cluster_id: Optional[str]  # None: an AutoCluster
    pid: Optional[int]  # as reported through on_started (None: never reported)
    pid_start: Optional[str]
