"""Keyset paging, shared by every list answer: a page is the rows from its Marker on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

from .store import Connection, Row

__all__ = ["Page", "Filter", "fetch_page"]

#: A condition with one ``?`` placeholder, and its value.
Filter = Tuple[str, Any]


@dataclass(frozen=True)
class Page:
    """A page request: up to ``size`` rows, from the row whose key is ``marker`` (none: the first)."""

    size: int
    marker: Optional[Union[int, str]] = None


def fetch_page(
    conn: Connection,
    table: str,
    key: str,
    page: Page,
    filters: Sequence[Filter] = (),
    newest_first: bool = False,
    columns: str = "*",
) -> Tuple[List[Row], str]:
    """The rows of ``page`` in ``table`` ordered by its unique column ``key``, and the NextMarker:
    the key of the row after the page (one more row is fetched for it), "" after the last page.

    Filters whose value is None or "" are left out; ``columns`` (SQL, ``key`` among them) are
    those read.
    """
    conditions = [(sql, value) for sql, value in filters if value is not None and value != ""]
    if page.marker:
        conditions.append(("%s %s ?" % (key, "<=" if newest_first else ">="), page.marker))
    where = " WHERE " + " AND ".join(sql for sql, _ in conditions) if conditions else ""
    order = key + (" DESC" if newest_first else "")
    rows = conn.execute(
        "SELECT %s FROM %s%s ORDER BY %s LIMIT ?" % (columns, table, where, order),
        (*(value for _, value in conditions), page.size + 1),
    ).fetchall()
    if len(rows) > page.size:
        return rows[: page.size], str(rows[page.size][key])
    return rows, ""
