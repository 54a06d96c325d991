"""Pagination and polling: what ``Client.easy_list`` and ``Client.poll`` do with the calls."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ..core.exceptions import ClientError

__all__ = ["every_item", "wait_for_jobs", "STABLE_STATES"]

logger = logging.getLogger("batchcompute")

#: Job states that do not change by themselves.
STABLE_STATES = ("Finished", "Failed", "Stopped")


def _matcher(wanted: Any) -> Callable[[Any], Any]:
    """An easy_list filter as a predicate: membership for a list or tuple, the callable itself,
    or equality."""
    if isinstance(wanted, (list, tuple)):
        return lambda value: value in wanted
    if callable(wanted):
        return wanted  # type: ignore[no-any-return]
    return lambda value: value == wanted


def every_item(
    list_page: Callable[..., Any],
    resource_info: Tuple[Any, ...],
    marker: Any,
    page_size: int,
    filters: Mapping[str, Any],
) -> Iterator[Any]:
    """The items of ``list_page(*resource_info, marker, page_size)``, page after page (following
    NextMarker), that pass every filter; an item lacking a filtered attribute is skipped."""
    tests = [(name, _matcher(wanted)) for name, wanted in filters.items()]
    missing = object()
    while True:
        page = list_page(*(resource_info + (marker, page_size)))
        for item in page.Items:
            for name, test in tests:
                value = getattr(item, name, missing)
                if value is missing or not test(value):
                    break
            else:
                yield item
        marker = page.NextMarker
        if not marker:
            return


def _instance_metrics(job: Any) -> Tuple[int, int]:
    metrics = getattr(job, "InstanceMetrics", None) or {}
    try:
        counts = {key: int(value or 0) for key, value in metrics.items() if key.endswith("Count")}
    except (AttributeError, TypeError, ValueError):
        return 0, 0
    return counts.get("FinishedCount", 0), sum(counts.values())


def wait_for_jobs(
    get_job: Callable[[str], Any],
    stop_job: Callable[[str], Any],
    ids: Sequence[str],
    timeout: float,
    interval: float,
    progress: Optional[Callable[[int, int], Any]],
) -> List[str]:
    """``Client.poll`` for the job ids ``ids``: the problems found, [] when every job finished."""
    deadline = time.monotonic() + timeout
    last_progress: Optional[Tuple[int, int]] = None
    while True:
        states: Dict[str, str] = {}
        finished = total = 0
        for job_id in ids:
            job = get_job(job_id)
            states[job_id] = job.State
            done, count = _instance_metrics(job)
            finished += done
            total += count
        if (finished, total) != last_progress:
            last_progress = (finished, total)
            logger.info(
                "poll: %d of %d instances finished (%s)",
                finished,
                total,
                ", ".join("%s %s" % item for item in states.items()),
            )
        if progress is not None:
            progress(finished, total)
        errors = [
            "Job %s %s." % (job_id, "failed" if state == "Failed" else "stopped")
            for job_id, state in states.items()
            if state in ("Failed", "Stopped")
        ]
        if not errors and all(state == "Finished" for state in states.values()):
            return []
        remaining = deadline - time.monotonic()
        if not errors and remaining <= 0:
            errors = ["Timeout(%s)." % (timeout,)]
        if errors:
            _stop_unstable(stop_job, states)
            return errors
        time.sleep(max(0.0, min(interval, remaining)))


def _stop_unstable(stop_job: Callable[[str], Any], states: Mapping[str, str]) -> None:
    for job_id, state in states.items():
        if state not in STABLE_STATES:
            try:
                stop_job(job_id)
            except ClientError as err:
                logger.warning("poll: could not stop job %s: %s", job_id, err)
