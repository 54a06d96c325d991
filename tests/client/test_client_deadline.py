"""``deadline=``: a whole call, its attempts and the waits between them, ends in time, also against
an endpoint that sends its answer a byte at a time (which a read timeout alone cannot stop)."""

from __future__ import annotations

import time

import pytest
from client_helpers import OK_JOB, STALL, Drip, answer

from batchcompute.core import ConfigError
from batchcompute.core.transport import NetworkTimeout

JOB = "job-00000000000000000000000000000001"


@pytest.mark.parametrize(
    "slow",
    [
        Drip(OK_JOB, 0.2),  # headers and body, a byte at a time
        Drip(OK_JOB[:-5], 0.05),  # most of it quickly, then no end
    ],
)
def test_a_dripping_endpoint_cannot_hold_a_call_past_its_deadline(slow, endpoint, make_client):
    endpoint.then(slow)
    client = make_client(endpoint.port, timeout=(2, 5), deadline=1.0)
    started = time.monotonic()
    with pytest.raises(NetworkTimeout) as caught:
        client.get_job(JOB)
    assert caught.value.code == "DeadlineExceeded"
    assert time.monotonic() - started < 2.0


def test_the_deadline_bounds_retries_and_their_waits(endpoint, make_client):
    endpoint.then(STALL, STALL, STALL)
    client = make_client(endpoint.port, timeout=(2, 0.4), retries=5, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(NetworkTimeout):
        client.get_job(JOB)
    assert time.monotonic() - started < 1.8


def test_a_call_within_its_deadline_is_untouched_and_the_connection_kept(endpoint, make_client):
    client = make_client(endpoint.port, deadline=5)
    for _ in range(3):
        assert client.get_job(JOB).State == "Running"
    assert endpoint.accepts == 1


def test_a_retry_that_would_outlast_the_deadline_gives_the_last_answer(endpoint, make_client):
    endpoint.then(answer(503, {"Code": "ServiceUnavailable", "Message": "busy"}, headers=(("Retry-After", "5"),)))
    client = make_client(endpoint.port, retries=3, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        client.get_job(JOB)
    assert getattr(caught.value, "status", None) == 503 and time.monotonic() - started < 0.5


@pytest.mark.parametrize("bad", [0, -1, "soon", True])
def test_a_deadline_must_be_positive_seconds(bad, make_client):
    with pytest.raises(ConfigError):
        make_client(1, deadline=bad)
