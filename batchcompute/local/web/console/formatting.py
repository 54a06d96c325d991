"""Small pieces of HTML and text the templates use: times, durations, states, progress bars."""

from __future__ import annotations

import datetime
import json
import time
from typing import Any, Mapping, Optional
from urllib.parse import urlencode

from markupsafe import Markup

from ...model.states import STATES, State

__all__ = [
    "when",
    "duration",
    "state_badge",
    "progress_bar",
    "state_class",
    "query",
    "pretty_json",
    "FILTERS",
    "GLOBALS",
]

#: The order in which a progress bar stacks its segments (Waiting is the empty rest).
_BAR_ORDER = (State.FINISHED, State.FAILED, State.STOPPED, State.RUNNING)


def when(stamp: Optional[float]) -> str:
    """``2026-12-01 13:29:53`` (UTC); ``""`` for a time that has not come."""
    if stamp is None:
        return ""
    moment = datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(start: Optional[float], end: Optional[float], now: Optional[float] = None) -> str:
    """``45s``, ``3m 04s``, ``2h 05m``, ``3d 4h`` from ``start`` to ``end`` (or now)."""
    if start is None:
        return ""
    seconds = int(max(0.0, (end if end is not None else (now or time.time())) - start))
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if days:
        return "%dd %dh" % (days, hrs)
    if hours:
        return "%dh %02dm" % (hours, mins)
    if minutes:
        return "%dm %02ds" % (minutes, secs)
    return "%ds" % secs


def state_class(state: str) -> str:
    """The CSS class of a state: ``s-running``."""
    return "s-" + (state.lower() if state in STATES else "unknown")


def state_badge(state: str) -> Markup:
    return Markup('<span class="badge %s">%s</span>') % (state_class(state), state)


def progress_bar(counts: Mapping[str, int]) -> Markup:
    """Finished / total instances as a bar (finished, failed, stopped and running segments) and a
    ``3 / 10`` label."""
    total = sum(counts.values())
    parts = []
    offset = 0.0
    for state in _BAR_ORDER:
        share = 100.0 * counts.get(state, 0) / total if total else 0.0
        if share:
            parts.append(
                '<rect class="%s" x="%.2f" width="%.2f" height="8"></rect>' % (state_class(state), offset, share)
            )
            offset += share
    label = "%d / %d" % (counts.get(State.FINISHED, 0), total)
    return Markup(
        '<span class="progress"><svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="track" width="100" height="8"></rect>%s</svg><span class="count">%s</span></span>'
    ) % (Markup("".join(parts)), label)


def query(params: Mapping[str, Any], **more: Any) -> str:
    """``params`` and ``more`` as a query string."""
    return urlencode({**params, **more})


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


#: Template functions by name.
GLOBALS = {"duration": duration, "query": query}
#: Template filters by name.
FILTERS = {
    "when": when,
    "duration": duration,
    "state_badge": state_badge,
    "state_class": state_class,
    "progress_bar": progress_bar,
    "pretty_json": pretty_json,
}
