"""Status objects and the four response kinds."""

import datetime
import json
import os
import sys

import pytest

from batchcompute import ClientError
from batchcompute.client.response import (
    ActionResponse,
    Cluster,
    CreateResponse,
    GetResponse,
    Instance,
    Job,
    ListResponse,
    Task,
    client_error,
)
from batchcompute.core.times import service_time
from batchcompute.core.transport import HttpResponse
from batchcompute.resources import JobDescription
from batchcompute.utils.functions import str2datetime, utc2local

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from compat.status_scenarios import timezone  # noqa: E402

HEADERS = {"x-acs-request-id": "req-1", "Date": "Mon, 23 Nov 2026 07:00:00 GMT"}


def raw(body, status=200, headers=HEADERS):
    return HttpResponse(status, headers, json.dumps(body).encode() if not isinstance(body, bytes) else body)


JOB = {
    "Id": "job-00000000000000000000000000000001",
    "Name": "demo",
    "State": "Running",
    "Priority": 1,
    "CreationTime": "2016-11-01T15:25:03.020203Z",
    "StartTime": "",
    "EndTime": None,
    "TaskMetrics": {"RunningCount": 1, "FinishedCount": 0},
    "InstanceMetrics": {"RunningCount": 3},
}


def test_get_response_passes_attributes_through():
    response = GetResponse(raw(JOB), Job)
    assert response.StatusCode == 200 and response.RequestId == "req-1" and response.Date == HEADERS["Date"]
    assert response.Name == "demo" and response["State"] == "Running"
    assert response.TaskMetrics.RunningCount == 1
    assert response.Owner is None  # documented field the body left out


def test_time_fields_become_local_datetimes_and_blanks_none():
    job = GetResponse(raw(JOB), Job).item
    assert job.CreationTime == utc2local(datetime.datetime(2016, 11, 1, 15, 25, 3, 20203))
    assert job.StartTime is None and job.EndTime is None


def test_status_objects_are_read_only():
    job = Job(JOB)
    with pytest.raises(AttributeError):
        job.State = "Finished"
    with pytest.raises(AttributeError):
        job.TaskMetrics.RunningCount = 5
    with pytest.raises(AttributeError):
        job.NoSuchField


def test_status_objects_compare_equal_to_their_id_and_sort_by_it():
    first, second = Job({"Id": "job-2"}), Job({"Id": "job-1"})
    assert first == "job-2" and first != "job-1"
    assert sorted([first, second]) == ["job-1", "job-2"]
    assert Task({"TaskName": "a"}) == "a"
    assert Instance({"InstanceId": 0}).id == 0
    assert len({Job({"Id": "x"}), Job({"Id": "x"})}) == 1


def test_instance_output_and_cluster_group():
    instance = Instance({"InstanceId": 1, "Outputs": {"count": "3"}})
    assert instance.get_output("count") == "3"
    cluster = Cluster({"Id": "cls-1", "Groups": {"group1": {"DesiredVMCount": 2}}})
    assert cluster.get_group("group1").DesiredVMCount == 2
    with pytest.raises(KeyError):
        cluster.get_group("nope")


def test_description_get_response():
    response = GetResponse(raw({"Name": "j", "Priority": 1, "Type": "DAG", "DAG": {"Tasks": {}}}), JobDescription)
    assert isinstance(response.item, JobDescription) and response.Name == "j"


def test_list_response_is_iterable_indexable_and_sized():
    response = ListResponse(raw({"Items": [JOB, {"Id": "job-2"}], "NextMarker": "m"}), Job)
    assert len(response) == 2 and response[1] == "job-2" and [job.Id for job in response][0] == JOB["Id"]
    assert response.NextMarker == "m"
    assert ListResponse(raw({"Items": []}), Job).NextMarker == ""


def test_create_response_id_falls_back_to_name():
    assert CreateResponse(raw({"Id": "job-1"}, 201)).Id == "job-1"
    assert CreateResponse(raw({"Name": "app"}, 201)).Id == "app"
    assert CreateResponse(raw(b"", 201)).Id is None
    assert ActionResponse(raw(b"")).RequestId == "req-1"


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            {"Code": "InvalidResource.NotFound", "Message": "no such job", "RequestId": "r"},
            "InvalidResource.NotFound",
            "no such job",
        ),
        ({}, "Unkown code", "Unkown reason"),
        (
            b"<html>bad gateway</html>",
            "Json Error, a HTML returned from upstream server.",
            "response_body: <html>bad gateway</html>",
        ),
    ],
)
def test_client_error_fields(body, code, message):
    error = client_error(raw(body, 404))
    assert isinstance(error, ClientError)
    assert (error.get_status_code(), error.get_code(), error.get_msg()) == (404, code, message)
    assert error.get_requestid() == "req-1"


def test_client_error_request_id_from_body_when_header_missing():
    error = client_error(raw({"Code": "X", "RequestId": "body-id"}, 500, headers={}))
    assert error.get_requestid() == "body-id"


def test_nested_metrics_of_two_jobs_are_not_equal():
    """Nested status objects have no id: two jobs' metrics are different objects, whatever their
    counts (they once inherited the jobs' id field and compared and hashed equal)."""
    first = GetResponse(raw(dict(JOB, Id="job-1")), Job)
    second = GetResponse(raw(dict(JOB, Id="job-2")), Job)
    assert first.InstanceMetrics is not second.InstanceMetrics
    assert first.InstanceMetrics != second.InstanceMetrics
    assert len({first.InstanceMetrics, second.InstanceMetrics}) == 2
    assert first.InstanceMetrics == first.InstanceMetrics


def test_status_objects_declare_their_fields_and_print_as_json():
    job = GetResponse(raw(JOB), Job)
    assert {"State", "Id", "TaskMetrics"} <= set(dir(job)) and {"State", "Id"} <= set(dir(Job))
    assert json.loads(str(job.item))["Name"] == "demo" and str(job.item).startswith("{\n    ")
    detail = job.detail()
    assert type(detail["TaskMetrics"]).__name__ == "TaskMetrics" and detail["TaskMetrics"].detail() == {
        "RunningCount": 1,
        "FinishedCount": 0,
    }


def test_a_status_object_from_an_answer_decodes_what_is_read_and_equals_the_eager_one():
    page = ListResponse(raw({"Items": [dict(JOB, Unknown=1)], "NextMarker": ""}), Job)
    job = page[0]
    assert job.State == "Running" and job._pending  # nothing nested decoded yet
    assert job.CreationTime == utc2local(datetime.datetime(2016, 11, 1, 15, 25, 3, 20203))
    eager = GetResponse(raw(JOB), Job).item
    eager._materialize()
    assert job.keys() == list(JOB) and str(job) == str(eager) and job.detail().keys() == eager.detail().keys()
    assert type(job.TaskMetrics).__name__ == "TaskMetrics" and job.TaskMetrics is job.TaskMetrics  # decoded once


def test_status_objects_of_one_page_decode_each_on_its_own():
    """What is left to decode is a set shared by every object in the same state: reading a field of
    one object leaves the others' still to decode, in whatever order they are read."""
    page = ListResponse(raw({"Items": [dict(JOB), dict(JOB, StartTime=JOB["CreationTime"])], "NextMarker": ""}), Job)
    first, second = page
    assert isinstance(first.CreationTime, datetime.datetime) and first._pending == second._pending - {"CreationTime"}
    assert isinstance(second.StartTime, datetime.datetime) and isinstance(second.CreationTime, datetime.datetime)
    assert first.StartTime is None and first.TaskMetrics.RunningCount == 1 and second.InstanceMetrics.RunningCount == 3
    first._materialize()
    second._materialize()
    assert first._pending is None and second._pending is None and first.CreationTime == second.StartTime


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_a_service_time_reads_as_its_utc_datetime_made_local(zone):
    """The service's own form takes a shorter way (offsets kept by its UTC hour): the same
    datetimes as parsing the text and converting it, in zones with summer time and far offsets,
    and None for a date that does not exist or a time that cannot be local."""
    texts = [
        "2016-11-01T15:25:03.020203Z",
        "2026-03-08T06:59:59.999999Z",  # New York, the last second of winter time
        "2026-03-08T07:00:00.000000Z",  # and the first of summer time
        "2026-11-01T05:30:00.000000Z",  # the hour that New York lives twice
        "2026-11-01T06:30:00.000000Z",
        "0001-01-01T00:00:00.000000Z",
        "9999-12-31T23:59:59.999999Z",  # past the last local datetime east of UTC
        "2016-02-30T00:00:00.000000Z",  # no such day
    ]
    with timezone(zone):
        for text in texts:
            try:
                expected = utc2local(str2datetime(text)) if str2datetime(text) else None
            except (OverflowError, OSError, ValueError):
                expected = None
            assert service_time(text) == expected, text
            assert service_time(text) == expected, text  # once more, from the kept offset


def test_service_time_offsets_follow_a_change_of_zone():
    text = "2026-07-01T12:00:00.000000Z"
    with timezone("UTC"):
        in_utc = service_time(text)
    with timezone("Asia/Tokyo"):
        in_tokyo = service_time(text)
    assert in_tokyo - in_utc == datetime.timedelta(hours=9)
