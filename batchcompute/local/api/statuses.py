"""The JSON text of job statuses, kept between requests.

A job's status (``model.render.job``) is made of its row (``state.jobs.STATUS_COLUMNS``) and its
counts, nothing else: its text is kept with them and written again only when one of them is no
longer what it was. Whatever changes a job (a state, a priority, an instance that ends, a restart
of the job) changes its row or its counts, so no write has to remember to forget a text; a
restart of the server starts with none. A list page then costs its queries, not the rendering and
encoding of a hundred statuses that did not change.
"""

from __future__ import annotations

from ..model import render
from ..model.jsontext import compact
from ..state.store import Row
from .kept import KeptByJob
from .settled import Counts

__all__ = ["StatusTexts"]


class StatusTexts:
    """The status texts of up to ``limit`` jobs (past it, they are all forgotten at once)."""

    def __init__(self, limit: int = 10000) -> None:
        self._kept: KeptByJob[str] = KeptByJob(limit)

    def text(self, row: Row, counts: Counts) -> str:
        """The compact JSON text of ``render.job(row, *counts)``."""
        # The row's values, not the row: comparing two rows compares their columns' descriptions
        # too, and took as long as the rest of a kept text's check. Equal values render alike: the
        # store gives each column one type (an INTEGER column never gives 1.0, a REAL one never 1).
        made_of = (tuple(row), counts)
        text = self._kept.get(row["id"], made_of)
        if text is None:
            text = compact(render.job(row, *counts))
            self._kept.keep(row["id"], made_of, text)
        return text
