"""What the API keeps of a job between requests, with what it was made of."""

from __future__ import annotations

import threading
from typing import Any, Dict, Generic, Optional, Tuple, TypeVar

__all__ = ["KeptByJob"]

V = TypeVar("V")


class KeptByJob(Generic[V]):
    """A value per job, valid while what it was made of stays equal; up to ``limit`` jobs (past
    it, they are all forgotten at once)."""

    def __init__(self, limit: int = 10000) -> None:
        self._kept: Dict[str, Tuple[Any, V]] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, job_id: str, made_of: Any) -> Optional[V]:
        """The value kept for ``job_id`` if it was made of ``made_of`` (None otherwise)."""
        kept = self._kept.get(job_id)
        return kept[1] if kept is not None and kept[0] == made_of else None

    def keep(self, job_id: str, made_of: Any, value: V) -> None:
        with self._lock:
            if len(self._kept) >= self._limit:
                self._kept.clear()
            self._kept[job_id] = (made_of, value)
