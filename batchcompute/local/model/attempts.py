"""Instance attempts as the store and the executors see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

__all__ = ["Key", "RunResult"]

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
