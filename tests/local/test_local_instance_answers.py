"""What the API answers about instances in every state, Waiting ones that never ran included:
metrics, get_instance, list_instances (paging, State filter), after a stop, a restart and a failure.

An executor of the tests' own (local_helpers.Holding) holds each attempt until the test ends it,
so states are exact.
"""

from __future__ import annotations

from local_helpers import Holding, job, task, wait_until

from batchcompute.local.run.executor import RunResult
from batchcompute.local.testing import local_server

METRIC_STATES = ("Waiting", "Running", "Finished", "Failed", "Stopped")


def _metrics(**counts):
    return {state + "Count": counts.get(state.lower(), 0) for state in METRIC_STATES}


class _Api:
    def __init__(self, server, job_id):
        self.server, self.job_id = server, job_id

    def get(self, path="", query=None, status=200):
        answer = self.server.request("GET", "/jobs/" + self.job_id + path, query)
        assert answer.status_code == status, answer.text
        return answer.json()

    def instance(self, name, n, status=200):
        return self.get("/tasks/%s/instances/%d" % (name, n), status=status)

    def ids(self, name, **query):
        answer = self.get("/tasks/%s/instances" % name, dict({"Marker": "", "MaxItemCount": 100}, **query))
        return [item["InstanceId"] for item in answer["Items"]], answer["NextMarker"]

    def states(self, name, count):
        return [self.instance(name, n)["State"] for n in range(count)]


def _never_ran(instance, job_id, name, n, state):
    logs = "oss://test-bucket/logs/%s.%s.%s.%d"
    assert instance == {
        "InstanceId": n,
        "State": state,
        "StartTime": "",
        "EndTime": instance["EndTime"],
        "RetryCount": 0,
        "Progress": 0 if state == "Waiting" else 100,
        "StdoutRedirectPath": logs % ("stdout", job_id, name, n),
        "StderrRedirectPath": logs % ("stderr", job_id, name, n),
        "Result": {"ExitCode": None, "ErrorCode": "", "ErrorMessage": "", "Detail": ""},
        "Error": {"Code": "", "Message": ""},
        "Outputs": {},
        "NodeIp": "",
    }
    assert (instance["EndTime"] == "") == (state == "Waiting")


def test_waiting_stopped_restarted_instances_answer_as_rows(tmp_path):
    executor = Holding()
    with local_server(tmp_path / "data", workers=2, executor=executor, poll_interval=5) as server:
        body = job({"a": task("x", 5, retries=1), "b": task("y", 3)}, {"a": ["b"]})
        api = _Api(server, server.request("POST", "/jobs", body=body).json()["Id"])
        ident = api.job_id
        wait_until(lambda: len(executor.keys()) == 2, 10, "two attempts")
        assert executor.keys() == [(ident, "a", 0), (ident, "a", 1)]
        answer = api.get()
        assert answer["InstanceMetrics"] == _metrics(waiting=6, running=2)
        assert answer["TaskMetrics"] == _metrics(waiting=1, running=1)
        assert api.get("/tasks/b")["InstanceMetrics"] == _metrics(waiting=3)
        assert api.get("/tasks/a")["InstanceMetrics"] == _metrics(waiting=3, running=2)
        assert api.ids("a", MaxItemCount=2) == ([0, 1], "2")
        assert api.ids("a", MaxItemCount=2, Marker="2") == ([2, 3], "4")
        assert api.ids("a", MaxItemCount=2, Marker="4") == ([4], "")
        assert api.ids("a", State="Waiting") == ([2, 3, 4], "")
        assert api.ids("a", State="Waiting", MaxItemCount=2) == ([2, 3], "4")
        assert api.ids("a", State="Running") == ([0, 1], "")
        assert api.ids("a", State="Stopped") == ([], "")
        assert api.ids("b") == ([0, 1, 2], "")
        _never_ran(api.instance("a", 3), ident, "a", 3, "Waiting")
        _never_ran(api.instance("b", 2), ident, "b", 2, "Waiting")
        assert api.instance("a", 5, status=404)["Code"] == "InvalidResource.NotFound"
        assert api.instance("b", 3, status=404)["Code"] == "InvalidResource.NotFound"

        executor.end((ident, "a", 0), RunResult(0))
        wait_until(lambda: executor.keys() == [(ident, "a", 1), (ident, "a", 2)], 10, "the next instance")
        executor.end((ident, "a", 1), RunResult(1, "NonZeroExitCode", "the command exited with code 1"))
        wait_until(lambda: executor.keys() == [(ident, "a", 1), (ident, "a", 2)], 10, "the retry")
        assert api.states("a", 5) == ["Finished", "Running", "Running", "Waiting", "Waiting"]
        assert api.instance("a", 1)["RetryCount"] == 1

        assert server.request("POST", "/jobs/%s/stop" % ident).status_code == 202
        wait_until(lambda: not executor.keys(), 10, "the stop")
        answer = api.get()
        assert answer["State"] == "Stopped"
        assert answer["InstanceMetrics"] == _metrics(finished=1, stopped=7)
        assert answer["TaskMetrics"] == _metrics(stopped=2)
        assert api.states("a", 5) == ["Finished"] + ["Stopped"] * 4
        assert api.ids("a", State="Stopped", MaxItemCount=3) == ([1, 2, 3], "4")
        assert api.ids("b", State="Stopped") == ([0, 1, 2], "")
        stopped, task_b = api.instance("b", 1), api.get("/tasks/b")
        _never_ran(stopped, ident, "b", 1, "Stopped")
        assert stopped["EndTime"] == task_b["EndTime"] and task_b["StartTime"] == ""
        assert api.instance("a", 2)["StartTime"] != ""

        assert server.request("POST", "/jobs/%s/start" % ident).status_code == 202
        wait_until(lambda: len(executor.keys()) == 2, 10, "the restarted job")
        assert executor.keys() == [(ident, "a", 1), (ident, "a", 2)]
        assert api.get()["InstanceMetrics"] == _metrics(waiting=5, running=2, finished=1)
        _never_ran(api.instance("a", 4), ident, "a", 4, "Waiting")
        _never_ran(api.instance("b", 0), ident, "b", 0, "Waiting")
        assert api.ids("a", State="Waiting") == ([3, 4], "")

        for ended, started in (((1, 2), [("a", 3), ("a", 4)]), ((3, 4), [("b", 0), ("b", 1)])):
            for n in ended:
                executor.end((ident, "a", n), RunResult(0))
            wanted = [(ident, name, n) for name, n in started]
            wait_until(lambda: executor.keys() == wanted, 10, "the next attempts")  # noqa: B023
        assert api.get("/tasks/a")["State"] == "Finished"
        assert api.get("/tasks/b")["InstanceMetrics"] == _metrics(waiting=1, running=2)


def test_a_failed_job_stops_the_instances_that_never_ran(tmp_path):
    executor = Holding()
    with local_server(tmp_path / "data", workers=2, executor=executor, poll_interval=5) as server:
        api = _Api(server, server.request("POST", "/jobs", body=job({"f": task("x", 4)})).json()["Id"])
        ident = api.job_id
        wait_until(lambda: len(executor.keys()) == 2, 10, "two attempts")
        executor.end((ident, "f", 0), RunResult(3, "NonZeroExitCode", "the command exited with code 3"))
        wait_until(lambda: not executor.keys(), 10, "the other attempt to be stopped")
        answer = api.get()
        assert answer["State"] == "Failed" and answer["InstanceMetrics"] == _metrics(failed=1, stopped=3)
        assert api.states("f", 4) == ["Failed", "Stopped", "Stopped", "Stopped"]
        failed_task = api.get("/tasks/f")
        assert failed_task["State"] == "Failed"
        for n in (2, 3):
            _never_ran(api.instance("f", n), ident, "f", n, "Stopped")
            assert api.instance("f", n)["EndTime"] == failed_task["EndTime"]
        assert api.ids("f", State="Stopped", MaxItemCount=1) == ([1], "2")
        assert server.request("DELETE", "/jobs/" + ident).status_code == 204
        assert api.get(status=404)["Code"] == "InvalidResource.NotFound"
