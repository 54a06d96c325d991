"""One Client shared by threads: mixed calls against the in-process local server give no errors and
consistent results, and the client's pool reuses its keep-alive connections."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List

import fixture_server as fx
from client_helpers import job_description

THREADS = 8
ROUNDS = 5


def run_threads(work: Callable[[int], Any], count: int = THREADS) -> Dict[int, Any]:
    """``work(n)`` in ``count`` threads started together; their results, or the first error raised."""
    barrier = threading.Barrier(count)
    results: Dict[int, Any] = {}
    errors: List[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(10)
            results[n] = work(n)
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), name="worker-%d" % n) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a worker hangs"
    if errors:
        raise errors[0]
    return results


def test_threads_share_one_client(local, make_client):
    client = make_client(local.port, key_id=local.access_key_id, secret=local.access_key_secret)

    def work(n: int) -> Dict[str, str]:
        mine: Dict[str, str] = {}
        for round_ in range(ROUNDS):
            name = "thread-%d-round-%d" % (n, round_)
            job_id = client.create_job(job_description(name)).Id
            mine[job_id] = name
            job = client.get_job(job_id)
            assert (job.Id, job.Name) == (job_id, name)
            page = client.list_jobs("", 100)
            listed = {item.Id: item.Name for item in page}
            assert {ident: listed.get(ident) for ident in mine} == mine
        return mine

    created: Dict[str, str] = {}
    for mine in run_threads(work).values():
        created.update(mine)
    assert len(created) == THREADS * ROUNDS
    assert len(set(created.values())) == THREADS * ROUNDS
    everything = {job.Id: job.Name for job in client.easy_list("jobs")}
    assert everything == created


def test_sequential_calls_use_one_connection(endpoint, make_client):
    client = make_client(endpoint.port)
    for _ in range(20):
        assert client.get_job(fx.JOB_ID).StatusCode == 200
    assert (len(endpoint.requests), endpoint.accepts) == (20, 1)


def test_threads_reuse_pooled_connections(endpoint, make_client):
    client = make_client(endpoint.port)
    calls = 25

    def work(n: int) -> int:
        for _ in range(calls):
            assert client.get_job(fx.JOB_ID).Id == fx.JOB_ID
        return calls

    assert sum(run_threads(work).values()) == THREADS * calls
    assert len(endpoint.requests) == THREADS * calls
    assert endpoint.accepts <= THREADS
    nonces = {request.header("x-acs-signature-nonce") for request in endpoint.requests}
    assert len(nonces) == THREADS * calls
