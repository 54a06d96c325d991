"""The kept counts of settled jobs (api.settled): kept only when nothing can change them, and given
back only for the job as it was then."""

from __future__ import annotations

from batchcompute.local.api.settled import SettledCounts


def _row(state="Finished", end_time=2.0, job_id="job-1"):
    return {"id": job_id, "state": state, "end_time": end_time}


def test_counts_of_a_settled_job_are_kept_for_that_state_and_end_only():
    kept = SettledCounts()
    counts = ({"Finished": 1}, {"Finished": 3, "Failed": 1})
    kept.keep(_row(), counts)
    assert kept.get(_row()) is counts
    assert kept.get(_row(state="Running")) is None
    assert kept.get(_row(end_time=3.0)) is None
    assert kept.get(_row(job_id="job-2")) is None


def test_counts_that_may_still_change_are_not_kept():
    kept = SettledCounts()
    kept.keep(_row(state="Running", end_time=None), ({"Running": 1}, {"Running": 1}))
    kept.keep(_row(state="Failed"), ({"Failed": 1}, {"Failed": 1, "Running": 1}))  # still being killed
    kept.keep(_row(state="Stopped", end_time=None), ({"Stopped": 1}, {"Stopped": 1}))
    assert kept.get(_row(state="Failed")) is None and kept.get(_row(state="Stopped", end_time=None)) is None


def test_past_the_limit_everything_is_forgotten():
    kept = SettledCounts(limit=2)
    for n in range(3):
        kept.keep(_row(job_id="job-%d" % n), ({}, {"Finished": 1}))
    assert kept.get(_row(job_id="job-0")) is None and kept.get(_row(job_id="job-2")) is not None
