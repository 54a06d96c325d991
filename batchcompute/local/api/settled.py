"""The metrics of settled jobs, kept between requests.

A job in a final state whose tasks and instances are all in final states cannot change until it
is started again, which changes its state and, once it ends again, its EndTime. So its counts are
kept under (state, EndTime), and a list page counts only the jobs that may still change: without
this, a page's cost grows with the number of instances its jobs have ever run.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from ..model.states import FINAL
from ..state.store import Row
from .kept import KeptByJob

__all__ = ["Counts", "SettledCounts"]

#: (state -> how many of a job's tasks, state -> how many of its instances)
Counts = Tuple[Dict[str, int], Dict[str, int]]


class SettledCounts:
    """The counts of up to ``limit`` settled jobs (past it, they are all forgotten at once)."""

    def __init__(self, limit: int = 10000) -> None:
        self._kept: KeptByJob[Counts] = KeptByJob(limit)

    def get(self, row: Row) -> Optional[Counts]:
        """The counts kept for the job ``row`` as it is now (None: count them)."""
        return self._kept.get(row["id"], (row["state"], row["end_time"]))

    def keep(self, row: Row, counts: Counts) -> None:
        """Keep ``counts`` of the job ``row`` if they can no longer change."""
        if row["state"] not in FINAL or row["end_time"] is None:
            return
        tasks, instances = counts
        if any(state not in FINAL for state in (*tasks, *instances)):
            return
        self._kept.keep(row["id"], (row["state"], row["end_time"]), counts)
