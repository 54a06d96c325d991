"""The client against a misbehaving endpoint: dropped connections, 503 and Throttling answers,
stalled answers, refused connections and a hung server.

A failed call is retried within the client's budget and then gives up with the right error: a
NetworkError (NetworkTimeout, ConnectionRefused) when no answer came, a ClientError for the last
answer otherwise. Start and stop are retried only when the request surely did not take effect, and a
create retried after the answer was lost makes one resource, thanks to its IdempotentToken.
"""

from __future__ import annotations

import json
import socket
import time

import fixture_server as fx
import pytest
import requests
from client_helpers import (
    DROP,
    FORWARD,
    FORWARD_DROP,
    STALL,
    ScriptedEndpoint,
    answer,
    error,
    free_port,
    job_description,
)
from requests.adapters import HTTPAdapter

from batchcompute import ClientError
from batchcompute.core.transport import ConnectionRefused, NetworkError, NetworkTimeout, Retry

JOB = fx.JOB_ID
UNAVAILABLE = error(503, "ServiceUnavailable", "busy")
THROTTLED = error(400, "Throttling", "slow down")
SHORT = (1, 0.1)  # connect, read: a stalled answer is given up after 0.1 s


def budget(total: int) -> Retry:
    return Retry(total=total, backoff=0.01)


class CountingAdapter(HTTPAdapter):
    """Counts the requests sent, including those that never reached a server."""

    def __init__(self) -> None:
        super().__init__()
        self.sends = 0

    def send(self, request, **kwargs):
        self.sends += 1
        return super().send(request, **kwargs)


def counting_session() -> "tuple[requests.Session, CountingAdapter]":
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    return session, adapter


# -- recovered within the budget ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "failures",
    [
        [DROP],
        [UNAVAILABLE, UNAVAILABLE, UNAVAILABLE],
        [THROTTLED, THROTTLED],
        [error(500, "InternalError"), UNAVAILABLE],
        [STALL],
        [DROP, UNAVAILABLE, STALL],
    ],
    ids=["drop", "503x3", "throttling-x2", "500-503", "stall", "mixed"],
)
def test_recovers_within_the_budget(failures, endpoint, make_client):
    endpoint.then(*failures)
    client = make_client(endpoint.port, retries=budget(3), timeout=SHORT)
    job = client.get_job(JOB)
    assert (job.Id, job.State, job.StatusCode) == (JOB, "Running", 200)
    assert len(endpoint.requests) == len(failures) + 1
    assert {request.target for request in endpoint.requests} == {"/jobs/" + JOB}
    nonces = {request.header("x-acs-signature-nonce") for request in endpoint.requests}
    assert len(nonces) == len(endpoint.requests)


def test_retry_after_a_dropped_connection_uses_a_new_connection(endpoint, make_client):
    client = make_client(endpoint.port, retries=budget(2))
    client.get_job(JOB)
    endpoint.then(DROP)
    client.get_job(JOB)
    assert (len(endpoint.requests), endpoint.accepts) == (3, 2)


# -- giving up ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure, error_class, code",
    [
        (DROP, NetworkError, "ConnectionError"),
        (STALL, NetworkTimeout, "ReadTimeout"),
    ],
    ids=["drop", "stall"],
)
def test_gives_up_with_a_network_error(failure, error_class, code, endpoint, make_client):
    endpoint.default = failure
    client = make_client(endpoint.port, retries=budget(2), timeout=SHORT)
    with pytest.raises(NetworkError) as raised:
        client.get_job(JOB)
    err = raised.value
    assert type(err) is error_class
    assert (err.get_status_code(), err.get_code(), err.get_requestid()) == (0, code, None)
    assert len(endpoint.requests) == 3


@pytest.mark.parametrize("status, code", [(503, "ServiceUnavailable"), (400, "Throttling"), (502, "BadGateway")])
def test_gives_up_with_the_last_answer(status, code, endpoint, make_client):
    endpoint.then(error(status, code, "first"), error(status, code, "second"))
    endpoint.default = error(status, code, "last")
    client = make_client(endpoint.port, retries=budget(2))
    with pytest.raises(ClientError) as raised:
        client.list_jobs("", 10)
    err = raised.value
    assert not isinstance(err, NetworkError)
    assert (err.get_status_code(), err.get_code(), err.get_requestid(), err.get_msg()) == (
        status,
        code,
        fx.REQUEST_ID,
        "last",
    )
    assert len(endpoint.requests) == 3


@pytest.mark.parametrize(
    "reply",
    [
        error(400, "InvalidJsonFormat"),
        error(403, "SignatureDoesNotMatch"),
        error(404, "InvalidResource.NotFound"),
        error(409, "StateConflict"),
    ],
    ids=["400", "403", "404", "409"],
)
def test_answers_that_are_not_retried(reply, endpoint, make_client):
    endpoint.default = reply
    client = make_client(endpoint.port, retries=budget(3))
    with pytest.raises(ClientError) as raised:
        client.get_job(JOB)
    assert raised.value.get_code() == json.loads(reply.split(b"\r\n\r\n", 1)[1])["Code"]
    assert len(endpoint.requests) == 1


def test_retries_zero_means_one_attempt(endpoint, make_client):
    endpoint.default = UNAVAILABLE
    client = make_client(endpoint.port, retries=0)
    with pytest.raises(ClientError):
        client.get_job(JOB)
    assert len(endpoint.requests) == 1


def test_retry_after_is_honoured(endpoint, make_client):
    endpoint.then(answer(503, {"Code": "ServiceUnavailable"}, (("Retry-After", "0.2"),)))
    client = make_client(endpoint.port, retries=budget(1))
    started = time.monotonic()
    client.get_job(JOB)
    assert time.monotonic() - started >= 0.2
    assert len(endpoint.requests) == 2


# -- start and stop -----------------------------------------------------------------------------------

ACTIONS = {
    "start_job": (lambda client: client.start_job(JOB), "/jobs/%s/start" % JOB),
    "stop_job": (lambda client: client.stop_job(JOB), "/jobs/%s/stop" % JOB),
    "recreate_cluster_instance": (
        lambda client: client.recreate_cluster_instance(fx.CLUSTER_ID, "group1", "i-1"),
        "/clusters/%s/groups/group1/instances/i-1/recreate" % fx.CLUSTER_ID,
    ),
}


@pytest.mark.parametrize(
    "failure, error_class",
    [
        (DROP, NetworkError),
        (STALL, NetworkTimeout),
    ],
    ids=["drop", "stall"],
)
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_is_not_retried_when_it_may_have_taken_effect(name, failure, error_class, endpoint, make_client):
    call, target = ACTIONS[name]
    endpoint.then(failure)
    client = make_client(endpoint.port, retries=budget(3), timeout=SHORT)
    with pytest.raises(error_class):
        call(client)
    assert [(request.method, request.target) for request in endpoint.requests] == [("POST", target)]


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_is_not_retried_after_a_500(name, endpoint, make_client):
    call, _ = ACTIONS[name]
    endpoint.then(error(500, "InternalError"))
    with pytest.raises(ClientError) as raised:
        call(make_client(endpoint.port, retries=budget(3)))
    assert raised.value.get_status_code() == 500
    assert len(endpoint.requests) == 1


@pytest.mark.parametrize("failures", [[UNAVAILABLE], [THROTTLED, UNAVAILABLE]], ids=["503", "throttling-503"])
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_is_retried_when_it_surely_did_not_take_effect(name, failures, endpoint, make_client):
    call, target = ACTIONS[name]
    endpoint.then(*failures)
    endpoint.default = answer(202)
    result = call(make_client(endpoint.port, retries=budget(3)))
    assert result.StatusCode == 202
    assert [request.target for request in endpoint.requests] == [target] * (len(failures) + 1)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_is_retried_after_a_refused_connection(name, make_client):
    session, adapter = counting_session()
    client = make_client(free_port(), retries=budget(2), session=session)
    with pytest.raises(ConnectionRefused):
        ACTIONS[name][0](client)
    assert adapter.sends == 3


# -- one job, however often create_job is sent --------------------------------------------------------


def test_retried_create_job_makes_one_job(local, make_client):
    keys = {"key_id": local.access_key_id, "secret": local.access_key_secret}
    with ScriptedEndpoint(default=FORWARD, upstream=(local.host, local.port)) as proxy:
        proxy.then(FORWARD_DROP)
        client = make_client(proxy.port, retries=budget(2), **keys)
        created = client.create_job(job_description("exactly-once"))
    first, retried = proxy.requests
    assert first.method == retried.method == "POST"
    assert first.target == retried.target and first.target.startswith("/jobs?IdempotentToken=")
    assert first.header("x-acs-signature-nonce") != retried.header("x-acs-signature-nonce")
    lost_answer = proxy.forwarded[0]
    assert lost_answer.startswith(b"HTTP/1.1 201 ")
    assert json.loads(lost_answer.split(b"\r\n\r\n", 1)[1])["Id"] == created.Id
    jobs = make_client(local.port, **keys).list_jobs("", 100)
    assert [(job.Id, job.Name) for job in jobs] == [(created.Id, "exactly-once")]


def test_create_job_without_a_token_twice_makes_two_jobs(local, make_client):
    """The control of the test above: the server does not merge equal bodies by itself."""
    for _ in range(2):
        assert local.request("POST", "/jobs", body=job_description("twice")).status_code == 201
    jobs = make_client(local.port, key_id=local.access_key_id, secret=local.access_key_secret).list_jobs("", 100)
    assert [job.Name for job in jobs] == ["twice", "twice"]


# -- bounded waits ------------------------------------------------------------------------------------


def test_hung_endpoint_does_not_hang_the_caller(endpoint, make_client):
    endpoint.default = STALL
    client = make_client(endpoint.port, timeout=(0.5, 0.5), retries=1)
    started = time.monotonic()
    with pytest.raises(NetworkTimeout):
        client.get_job(JOB)
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 5
    assert len(endpoint.requests) == 2


def test_refused_connection_fails_fast(make_client):
    client = make_client(free_port(), retries=budget(2))
    started = time.monotonic()
    with pytest.raises(ConnectionRefused) as raised:
        client.get_job(JOB)
    assert time.monotonic() - started < 2
    err = raised.value
    assert isinstance(err, ConnectionRefusedError) and err.get_code() == "ConnectionRefused"
    assert err.get_status_code() == 0


# -- the official SDK's except clauses ----------------------------------------------------------------


@pytest.mark.parametrize("failure", [DROP, STALL, None], ids=["drop", "stall", "refused"])
def test_socket_error_catches_network_errors(failure, endpoint, make_client):
    endpoint.default = failure
    client = make_client(endpoint.port if failure else free_port(), timeout=SHORT)
    try:
        client.get_job(JOB)
    except socket.error as err:
        caught = err
    assert isinstance(caught, NetworkError) and isinstance(caught, ClientError)
    assert caught.strerror == caught.get_msg() and caught.errno is None
    assert "HTTP Status: 0, Code: %s" % caught.get_code() in str(caught)
