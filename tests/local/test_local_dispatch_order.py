"""The order in which Waiting instances start, one slot at a time, while the scheduler keeps the
next candidates it looked up: anything that changes what comes next is seen at the next claim.

An executor of the tests' own (local_helpers.Holding) holds each attempt until the test ends it;
between a claim and the end that frees the slot, the tests send no request.
"""

from __future__ import annotations

import pytest
from local_helpers import Holding, cluster, job, task, wait_until

from batchcompute.local.run.executor import RunResult
from batchcompute.local.testing import local_server

OK = RunResult(0)
FAILED = RunResult(1, "NonZeroExitCode", "the command exited with code 1")


def _create(server, body):
    answer = server.request("POST", "/jobs", body=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["Id"]


def _runs_next(executor, key):
    wait_until(lambda: executor.keys() == [key], 10, "%s to run" % (key,))


def _ends(executor, key, result, then):
    """End attempt ``key`` with ``result``: ``then`` is the attempt that runs next."""
    executor.end(key, result)
    _runs_next(executor, then)


@pytest.fixture
def one_slot(tmp_path):
    """A server with one slot, and the executor that holds its attempts."""
    executor = Holding()
    with local_server(tmp_path / "data", workers=1, executor=executor, poll_interval=5) as server:
        yield server, executor


def test_a_job_of_higher_priority_created_meanwhile_runs_next(one_slot):
    server, executor = one_slot
    low = _create(server, job({"t": task("true", 5)}, name="low", priority=1))
    _runs_next(executor, (low, "t", 0))
    high = _create(server, job({"t": task("true", 1)}, name="high", priority=9))
    _ends(executor, (low, "t", 0), OK, (high, "t", 0))
    _ends(executor, (high, "t", 0), OK, (low, "t", 1))


def test_a_retry_runs_before_the_instances_after_it(one_slot):
    server, executor = one_slot
    ident = _create(server, job({"t": task("true", 4, retries=1)}))
    _runs_next(executor, (ident, "t", 0))
    _ends(executor, (ident, "t", 0), OK, (ident, "t", 1))
    _ends(executor, (ident, "t", 1), FAILED, (ident, "t", 1))
    _ends(executor, (ident, "t", 1), OK, (ident, "t", 2))


def test_a_task_released_by_an_end_runs_before_the_tasks_after_it_by_name(one_slot):
    """Tasks start in name order among those that may run: "a" waits for "m", and once "m" has
    ended it comes before the instances of "z" that were next until then."""
    server, executor = one_slot
    tasks = {"m": task("true"), "a": task("true"), "z": task("true", 3)}
    ident = _create(server, job(tasks, {"m": ["a"]}))
    _runs_next(executor, (ident, "m", 0))
    _ends(executor, (ident, "m", 0), OK, (ident, "a", 0))
    _ends(executor, (ident, "a", 0), OK, (ident, "z", 0))


def test_a_stopped_job_gives_its_slot_to_the_next_job(one_slot):
    server, executor = one_slot
    first = _create(server, job({"t": task("true", 5)}, name="first", priority=5))
    _runs_next(executor, (first, "t", 0))
    second = _create(server, job({"t": task("true", 2)}, name="second", priority=1))
    assert server.request("POST", "/jobs/%s/stop" % first).status_code == 202
    _runs_next(executor, (second, "t", 0))
    _ends(executor, (second, "t", 0), OK, (second, "t", 1))


def test_a_cluster_vm_that_frees_up_goes_to_its_job_before_a_job_of_lower_priority(tmp_path):
    """Two slots, a cluster of one VM: while the VM is busy the other slot runs the AutoCluster
    job of lower priority; once the VM's instance has ended, the cluster's job has it again."""
    executor = Holding()
    with local_server(tmp_path / "data", workers=2, executor=executor, poll_interval=5) as server:
        answer = server.request("POST", "/clusters", body=cluster(vms=1))
        assert answer.status_code == 201, answer.text
        cluster_id = answer.json()["Id"]
        high = _create(server, job({"t": task("true", 2, cluster_id)}, name="on-cluster", priority=9))
        low = _create(server, job({"t": task("true", 5)}, name="auto", priority=1))
        wait_until(lambda: executor.keys() == sorted([(high, "t", 0), (low, "t", 0)]), 10, "both slots")
        executor.end((low, "t", 0), OK)
        wait_until(lambda: executor.keys() == sorted([(high, "t", 0), (low, "t", 1)]), 10, "the next instance")
        executor.end((high, "t", 0), OK)
        wait_until(lambda: executor.keys() == sorted([(high, "t", 1), (low, "t", 1)]), 10, "the cluster's job")
