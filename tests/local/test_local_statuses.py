"""Job statuses answered from kept JSON text (api.statuses): the same bytes as rendering them
afresh, after every kind of change of a job."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from local_helpers import job, task, wait_state, wait_until

from batchcompute.local.api import ApiRequest, ApiResponse
from batchcompute.local.api.jobs import list_jobs
from batchcompute.local.api.settled import SettledCounts
from batchcompute.local.api.statuses import StatusTexts
from batchcompute.local.model import render
from batchcompute.local.model.jsontext import JsonText, compact, page_text
from batchcompute.local.testing import local_server as start_server

COLUMNS = ("seq", "id", "name", "type", "summary", "priority", "state", "message")
TIMES = ("creation_time", "start_time", "end_time")


def _row(priority=0, state="Running", name="né", job_id="job-1"):
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    values = (1, job_id, name, "DAG", "", priority, state, "", 1.5, 2.25, None)
    marks = ", ".join("? AS %s" % column for column in COLUMNS + TIMES)
    return conn.execute("SELECT " + marks, values).fetchone()


def test_a_status_text_is_kept_while_its_row_and_counts_stay_the_same():
    texts = StatusTexts()
    counts = ({"Running": 1}, {"Running": 2, "Finished": 1})
    first = texts.text(_row(), counts)
    assert first == compact(render.job(_row(), *counts))
    assert texts.text(_row(), ({"Running": 1}, {"Running": 2, "Finished": 1})) is first
    changed = texts.text(_row(priority=3), counts)
    assert json.loads(changed)["Priority"] == 3
    recounted = texts.text(_row(priority=3), ({"Running": 1}, {"Running": 1, "Finished": 2}))
    assert json.loads(recounted)["InstanceMetrics"]["FinishedCount"] == 2
    assert texts.text(_row(priority=3, state="Stopped"), counts) == compact(render.job(_row(3, "Stopped"), *counts))


def test_past_the_limit_every_status_text_is_forgotten():
    texts = StatusTexts(limit=1)
    counts = ({}, {})
    first = texts.text(_row(), counts)
    texts.text(_row(job_id="job-2"), counts)
    again = texts.text(_row(), counts)
    assert again == first and again is not first
    assert texts.text(_row(), counts) is again


def test_a_page_of_written_items_is_the_text_of_the_whole_page():
    items = [{"Id": "job-1", "Name": 'né "x"'}, {"Id": "job-2", "Metrics": {"A": 1.5}}]
    for marker in ("", "42"):
        whole = {"Items": items, "NextMarker": marker}
        assert page_text([compact(item) for item in items], marker) == compact(whole)
    assert page_text([], "") == compact({"Items": [], "NextMarker": ""})


def test_an_answer_is_sent_as_compact_json_whether_written_already_or_not():
    body = {"Id": "job-1", "Name": "né"}
    assert ApiResponse(200, body).payload() == ApiResponse(200, JsonText(compact(body))).payload()
    assert ApiResponse(200, body).payload() == b'{"Id":"job-1","Name":"n\\u00e9"}'
    assert ApiResponse(204).payload() == b""


# -- through the server ----------------------------------------------------------------------------


def _page(server) -> bytes:
    return server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": 100}).content


def _fresh_page(server) -> bytes:
    """The first page as rendered with nothing kept from earlier answers."""
    ctx = dataclasses.replace(server.server.context, settled=SettledCounts(), statuses=StatusTexts())
    return list_jobs(ctx, ApiRequest("GET", "list_jobs", {}, {"Marker": "", "MaxItemCount": "100"})).payload()


def _check_pages(server) -> dict:
    """The page, answered twice (the second time from what the first kept), is what the store
    says now; its items by id."""
    fresh = _fresh_page(server)
    assert _page(server) == fresh
    assert _page(server) == fresh
    items = {item["Id"]: item for item in json.loads(fresh)["Items"]}
    for job_id, item in items.items():
        assert server.request("GET", "/jobs/" + job_id).json() == item
    return items


def test_a_list_page_follows_every_change_of_its_jobs(local_server, api, bc_shared_dir):
    """Each change is checked once its jobs are still again (the server has 2 workers)."""

    def held(flag: str) -> str:
        return 'while [ ! -e "%s" ]; do sleep 0.05; done' % (bc_shared_dir / flag)

    def instances_are(job_id, running, finished):
        metrics = api.get_job(job_id).InstanceMetrics
        return metrics.RunningCount == running and metrics.FinishedCount == finished

    done_id = api.create_job(job({"t": task("true")}, name="done")).Id
    wait_state(api.get_job, done_id)
    stepped = '[ "$BATCH_COMPUTE_DAG_INSTANCE_ID" = 0 ] || ' + held("go.$BATCH_COMPUTE_DAG_INSTANCE_ID")
    stepped_id = api.create_job(job({"t": task(stepped, 3)}, name="stepped")).Id
    wait_until(lambda: instances_are(stepped_id, 2, 1), what="instance 0 finished, 1 and 2 running")
    assert _check_pages(local_server)[stepped_id]["InstanceMetrics"]["FinishedCount"] == 1
    queued_id = api.create_job(job({"t": task(held("go.2"))}, name="queued")).Id  # no worker is free
    assert _check_pages(local_server)[queued_id]["State"] == "Waiting"

    api.stop_job(queued_id)
    assert _check_pages(local_server)[queued_id]["State"] == "Stopped"
    api.change_job_priority(queued_id, 7)
    assert _check_pages(local_server)[queued_id]["Priority"] == 7

    (bc_shared_dir / "go.1").write_text("")  # only the counts change: the job is still Running
    wait_until(lambda: instances_are(stepped_id, 1, 2), what="instance 1 finished")
    assert _check_pages(local_server)[stepped_id]["State"] == "Running"
    (bc_shared_dir / "go.2").write_text("")
    wait_state(api.get_job, stepped_id)
    assert _check_pages(local_server)[stepped_id]["InstanceMetrics"]["FinishedCount"] == 3

    api.start_job(queued_id)
    wait_state(api.get_job, queued_id)
    items = _check_pages(local_server)
    assert items[queued_id]["State"] == "Finished" and items[queued_id]["Priority"] == 7

    api.delete_job(done_id)
    assert done_id not in _check_pages(local_server)


def test_a_list_page_is_the_same_after_a_restart_of_the_server(tmp_path):
    with start_server(tmp_path / "data", workers=1) as server:
        api = server.client()
        finished_id = api.create_job(job({"t": task("true")})).Id
        wait_state(api.get_job, finished_id)
        stopped_id = api.create_job(job({"t": task("sleep 30")})).Id
        api.stop_job(stopped_id)
        before = _check_pages(server)
    with start_server(tmp_path / "data", workers=1) as server:
        assert _check_pages(server) == before
        server.client().change_job_priority(stopped_id, 3)
        assert _check_pages(server)[stopped_id]["Priority"] == 3
