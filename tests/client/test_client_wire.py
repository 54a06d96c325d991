"""The Client on the wire, method by method (spec: wire.md and client.md).

Every public method is called against the canned-answer recording server of tests/fixture_server.py.
For each request that arrives the test checks the request line, query, headers and JSON body, and
recomputes the signature from the rules of wire.md (independently of ``batchcompute.core.signing``);
then it checks what the client made of the answer, and of each kind of error answer. The STS token,
extra headers, camelCase aliases, ``Client.from_env``, unknown endpoints and ``IdempotentToken``
follow.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import hmac
import json
import os
import time
import uuid
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import fixture_server as fx
import pytest
from client_helpers import HOST, KEY_ID, SECRET

from batchcompute import Client, ClientError, ConfigError
from batchcompute.client.response import (
    ActionResponse,
    App,
    AppRevision,
    AvailableResource,
    Cluster,
    ClusterInstance,
    CreateResponse,
    GetResponse,
    Image,
    Instance,
    Job,
    ListResponse,
    Quota,
    SynchronousInstance,
    Task,
)
from batchcompute.core import regions
from batchcompute.core.transport import Retry
from batchcompute.resources import AppDescription, AppJobDescription, JobDescription

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "golden", "requests")

JOB, CLUSTER, IMAGE, APP = fx.JOB_ID, fx.CLUSTER_ID, fx.IMAGE_ID, fx.APP_NAME
VM = "i-2ze5ck4xqcklbtlprc3k"
ACS_HEADERS = {
    "x-acs-region-id",
    "x-acs-access-key-id",
    "x-acs-signature-method",
    "x-acs-signature-version",
    "x-acs-version",
    "x-acs-signature-nonce",
}


# -- the signature, from wire.md ----------------------------------------------------------------------

Headers = Sequence[Sequence[str]]


def header(headers: Headers, name: str) -> Optional[str]:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def string_to_sign(method: str, target: str, headers: Headers) -> str:
    def line(name: str) -> str:
        return (header(headers, name) or "").strip()

    acs = sorted((key, value) for key, value in headers if key.strip().lower().startswith("x-acs-"))
    canonical = "".join("%s:%s\n" % (key.strip().lower(), value) for key, value in acs)
    lines = [method, line("Accept"), line("Content-MD5"), line("Content-Type"), line("Date")]
    return "\n".join(lines) + "\n" + canonical + target


def expected_authorization(key_id: str, secret: str, method: str, target: str, headers: Headers) -> str:
    text = string_to_sign(method, target, headers).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), text, hashlib.sha1).digest()
    return "acs %s:%s" % (key_id, base64.b64encode(digest).decode("ascii"))


@pytest.mark.parametrize(
    "name", ["list_jobs_quoted_marker", "create_job_dag_dict", "security_token_post", "extra_headers_mixed_case_acs"]
)
def test_reference_signer_matches_the_official_sdk(name):
    """The signer above reproduces signatures the official SDK computed (tests/data/golden)."""
    with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as fh:
        case = json.load(fh)
    for exchange in case["exchanges"]:
        request = exchange["request"]
        headers = request["headers"]
        assert header(headers, "Authorization") == expected_authorization(
            case["client"]["key_id"], case["client"]["secret"], request["method"], request["path"], headers
        )


def region_of(host: str) -> str:
    return next(region for region, known in Client.get_regions().items() if known == host)


def check_request(
    request: Dict[str, Any],
    body: Any,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    token: Optional[str] = None,
    host: str = HOST,
) -> None:
    """Headers, body and signature of one recorded request (``body`` None: no body expected)."""
    headers = [tuple(pair) for pair in request["headers"]]
    date = header(headers, "Date")
    assert abs(calendar.timegm(time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT")) - time.time()) < 900
    assert header(headers, "x-acs-region-id") == region_of(host)
    assert header(headers, "x-acs-access-key-id") == key_id
    assert header(headers, "x-acs-signature-method") == "HMAC-SHA1"
    assert header(headers, "x-acs-signature-version") == "1.0"
    assert header(headers, "x-acs-version") == "2015-11-11"
    uuid.UUID(header(headers, "x-acs-signature-nonce"))
    assert header(headers, "x-acs-security-token") == token
    assert header(headers, "Accept") == "application/json"
    assert header(headers, "Content-Type") == "application/json"
    assert header(headers, "Content-MD5") is None
    sent = request["body"].encode("utf-8")
    assert header(headers, "Content-Length") == str(len(sent))
    if body is None:
        assert sent == b"" and header(headers, "contentMd5") is None
    else:
        assert json.loads(sent) == body
        assert header(headers, "contentMd5") == hashlib.md5(sent).hexdigest()
    acs = {key.lower() for key, _ in headers if key.lower().startswith("x-acs-")}
    assert acs == ACS_HEADERS | ({"x-acs-security-token"} if token else set())
    assert header(headers, "Authorization") == expected_authorization(
        key_id, secret, request["method"], request["path"], headers
    )


# -- descriptions, as the official SDK sent them ------------------------------------------------------


def golden(name: str) -> Tuple[Any, Any]:
    """The description argument of a recorded call and the body the official SDK sent for it."""
    with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as fh:
        case = json.load(fh)
    argument = case["call"]["args"][-1]
    if isinstance(argument, dict) and "$desc" in argument:
        argument = argument["json"]
    return argument, json.loads(case["exchanges"][0]["request"]["body"])


DAG_JOB, DAG_JOB_BODY = golden("create_job_dag_dict")
APP_JOB, APP_JOB_BODY = golden("create_job_app_sync")
CLUSTER_DESC, CLUSTER_BODY = golden("create_cluster_dict")
MODIFY_CLUSTER, MODIFY_CLUSTER_BODY = golden("modify_cluster_dict")
IMAGE_DESC, IMAGE_BODY = golden("create_image")
APP_DESC, APP_BODY = golden("create_app")
MODIFY_APP, MODIFY_APP_BODY = golden("modify_app")


# -- what the answers must become ---------------------------------------------------------------------

Check = Callable[[Any], None]


def _common(result: Any, status: int) -> None:
    assert result.StatusCode == status
    assert result.RequestId == fx.REQUEST_ID
    assert result.Date == fx.RESPONSE_DATE


def created(ident: str, status: int = 201) -> Check:
    def check(result: Any) -> None:
        assert type(result) is CreateResponse and result.Id == ident
        _common(result, status)

    return check


def got(item_class: type, status: int = 200, **attrs: Any) -> Check:
    def check(result: Any) -> None:
        assert type(result) is GetResponse and type(result.item) is item_class
        _common(result, status)
        for name, value in attrs.items():
            assert getattr(result, name) == value, name

    return check


def listed(item_class: type, ids: List[Any], next_marker: str = fx.NEXT_MARKER, key: str = "Id") -> Check:
    def check(result: Any) -> None:
        assert type(result) is ListResponse
        _common(result, 200)
        assert all(type(item) is item_class for item in result.Items)
        assert [getattr(item, key) for item in result] == ids and len(result) == len(ids)
        assert result.NextMarker == next_marker

    return check


def action(status: int) -> Check:
    def check(result: Any) -> None:
        assert type(result) is ActionResponse
        _common(result, status)

    return check


def items(item_class: type, ids: List[Any], key: str = "Id") -> Check:
    def check(result: Any) -> None:
        assert all(type(item) is item_class for item in result)
        assert [getattr(item, key) for item in result] == ids

    return check


def equals(value: Any) -> Check:
    def check(result: Any) -> None:
        assert result == value

    return check


def job_times(result: Any) -> None:
    got(Job, Id=JOB, Name="log-count", State="Finished")(result)
    assert isinstance(result.CreationTime, datetime.datetime)
    assert result.TaskMetrics.FinishedCount == 1


# -- the calls ----------------------------------------------------------------------------------------

Sent = Tuple[str, str, Any]  # method, path-and-query, JSON body or None


class Case(NamedTuple):
    method: str
    call: Callable[[Client], Any]
    sent: List[Sent]
    check: Check


def _cases(*rows: Tuple[str, str, Callable[[Client], Any], List[Sent], Check]) -> Dict[str, Case]:
    return {name: Case(method, call, sent, check) for name, method, call, sent, check in rows}


CASES = _cases(
    # jobs
    ("create_job", "create_job", lambda c: c.create_job(DAG_JOB), [("POST", "/jobs", DAG_JOB_BODY)], created(JOB)),
    (
        "create_job_sync",
        "create_job",
        lambda c: c.create_job(APP_JOB, sync=True),
        [("POST", "/jobs?sync", APP_JOB_BODY)],
        got(SynchronousInstance, 201, Outputs={"outputFile": "oss://my-bucket/out.txt"}),
    ),
    ("get_job", "get_job", lambda c: c.get_job(JOB), [("GET", "/jobs/" + JOB, None)], job_times),
    (
        "get_job_description",
        "get_job_description",
        lambda c: c.get_job_description(JOB),
        [("GET", "/jobs/%s?description" % JOB, None)],
        got(JobDescription, Name="log-count", Type="DAG"),
    ),
    (
        "get_job_description_app",
        "get_job_description",
        lambda c: c.get_job_description(fx.APP_JOB_ID),
        [("GET", "/jobs/%s?description" % fx.APP_JOB_ID, None)],
        got(AppJobDescription, Name="echo-job"),
    ),
    (
        "list_jobs",
        "list_jobs",
        lambda c: c.list_jobs("", 10, State="Running"),
        [("GET", "/jobs?Marker&MaxItemCount=10&State=Running", None)],
        listed(Job, [JOB, fx.RUNNING_JOB_ID]),
    ),
    (
        "list_jobs_filters",
        "list_jobs",
        lambda c: c.list_jobs(
            "m 1/2", 10, "Running", "cls-1", "", ProjectId="p_1", OrderBy="CreationTime", IsReverse=" "
        ),
        [
            (
                "GET",
                "/jobs?ClusterId=cls-1&Marker=m%201%2F2&MaxItemCount=10&OrderBy=CreationTime&ProjectId=p_1"
                "&State=Running",
                None,
            )
        ],
        listed(Job, [fx.JOB_ID_2], ""),
    ),
    ("start_job", "start_job", lambda c: c.start_job(JOB), [("POST", "/jobs/%s/start" % JOB, None)], action(202)),
    ("stop_job", "stop_job", lambda c: c.stop_job(JOB), [("POST", "/jobs/%s/stop" % JOB, None)], action(202)),
    ("delete_job", "delete_job", lambda c: c.delete_job(JOB), [("DELETE", "/jobs/" + JOB, None)], action(204)),
    (
        "change_job_priority",
        "change_job_priority",
        lambda c: c.change_job_priority(JOB, 5),
        [("PUT", "/jobs/" + JOB, {"Priority": 5})],
        action(200),
    ),
    (
        "get_task",
        "get_task",
        lambda c: c.get_task(JOB, "split"),
        [("GET", "/jobs/%s/tasks/split" % JOB, None)],
        got(Task, TaskName="split", State="Finished"),
    ),
    (
        "list_tasks",
        "list_tasks",
        lambda c: c.list_tasks(JOB, "", 50, "Running", "cls-1"),
        [("GET", "/jobs/%s/tasks?ClusterId=cls-1&Marker&MaxItemCount=50&State=Running" % JOB, None)],
        listed(Task, ["split", "count"], key="TaskName"),
    ),
    (
        "get_instance",
        "get_instance",
        lambda c: c.get_instance(JOB, "split", 1),
        [("GET", "/jobs/%s/tasks/split/instances/1" % JOB, None)],
        got(Instance, InstanceId=1, State="Finished"),
    ),
    (
        "list_instances",
        "list_instances",
        lambda c: c.list_instances(JOB, "split", 0, 100, "Finished"),
        [("GET", "/jobs/%s/tasks/split/instances?Marker=0&MaxItemCount=100&State=Finished" % JOB, None)],
        listed(Instance, [0, 1], key="InstanceId"),
    ),
    # clusters
    (
        "create_cluster",
        "create_cluster",
        lambda c: c.create_cluster(CLUSTER_DESC),
        [("POST", "/clusters", CLUSTER_BODY)],
        created(CLUSTER),
    ),
    (
        "get_cluster",
        "get_cluster",
        lambda c: c.get_cluster(CLUSTER),
        [("GET", "/clusters/" + CLUSTER, None)],
        got(Cluster, Id=CLUSTER, State="Active", Name="cluster-1"),
    ),
    (
        "list_clusters",
        "list_clusters",
        lambda c: c.list_clusters("", 10),
        [("GET", "/clusters?Marker&MaxItemCount=10", None)],
        listed(Cluster, [CLUSTER]),
    ),
    (
        "delete_cluster",
        "delete_cluster",
        lambda c: c.delete_cluster(CLUSTER),
        [("DELETE", "/clusters/" + CLUSTER, None)],
        action(204),
    ),
    (
        "modify_cluster",
        "modify_cluster",
        lambda c: c.modify_cluster(CLUSTER, MODIFY_CLUSTER),
        [("PUT", "/clusters/" + CLUSTER, MODIFY_CLUSTER_BODY)],
        action(200),
    ),
    (
        "change_cluster_desired_vm_count",
        "change_cluster_desired_vm_count",
        lambda c: c.change_cluster_desired_vm_count(CLUSTER, group1=3, group2=0),
        [
            (
                "PUT",
                "/clusters/" + CLUSTER,
                {"Groups": {"group1": {"DesiredVMCount": 3}, "group2": {"DesiredVMCount": 0}}},
            )
        ],
        action(200),
    ),
    (
        "change_cluster_spot_config",
        "change_cluster_spot_config",
        lambda c: c.change_cluster_spot_config(CLUSTER, "group1", "SpotWithPriceLimit", 0.5),
        [
            (
                "PUT",
                "/clusters/" + CLUSTER,
                {"Groups": {"group1": {"SpotStrategy": "SpotWithPriceLimit", "SpotPriceLimit": 0.5}}},
            )
        ],
        action(200),
    ),
    (
        "change_cluster_user_data",
        "change_cluster_user_data",
        lambda c: c.change_cluster_user_data(CLUSTER, {"role": "master"}),
        [("PUT", "/clusters/" + CLUSTER, {"UserData": {"role": "master"}})],
        action(200),
    ),
    (
        "change_cluster_input_mapping",
        "change_cluster_input_mapping",
        lambda c: c.change_cluster_input_mapping(CLUSTER, {"oss://my-bucket/in/": "/home/in/"}),
        [("PUT", "/clusters/" + CLUSTER, {"InputMapping": {"oss://my-bucket/in/": "/home/in/"}})],
        action(200),
    ),
    (
        "change_cluster_env_vars",
        "change_cluster_env_vars",
        lambda c: c.change_cluster_env_vars(CLUSTER, {"LANG": "C"}),
        [("PUT", "/clusters/" + CLUSTER, {"EnvVars": {"LANG": "C"}})],
        action(200),
    ),
    (
        "get_cluster_instance",
        "get_cluster_instance",
        lambda c: c.get_cluster_instance(CLUSTER, "group1", VM),
        [("GET", "/clusters/%s/groups/group1/instances/%s" % (CLUSTER, VM), None)],
        got(ClusterInstance, Id=VM, State="Running"),
    ),
    (
        "list_cluster_instances",
        "list_cluster_instances",
        lambda c: c.list_cluster_instances(CLUSTER, "group1", "", 10),
        [("GET", "/clusters/%s/groups/group1/instances?Marker&MaxItemCount=10" % CLUSTER, None)],
        listed(ClusterInstance, [VM]),
    ),
    (
        "recreate_cluster_instance",
        "recreate_cluster_instance",
        lambda c: c.recreate_cluster_instance(CLUSTER, "group1", VM),
        [("POST", "/clusters/%s/groups/group1/instances/%s/recreate" % (CLUSTER, VM), None)],
        action(202),
    ),
    (
        "delete_cluster_instance",
        "delete_cluster_instance",
        lambda c: c.delete_cluster_instance(CLUSTER, "group1", VM),
        [("DELETE", "/clusters/%s/groups/group1/instances/%s" % (CLUSTER, VM), None)],
        action(204),
    ),
    # images
    (
        "create_image",
        "create_image",
        lambda c: c.create_image(IMAGE_DESC),
        [("POST", "/images", IMAGE_BODY)],
        created(IMAGE),
    ),
    (
        "get_image",
        "get_image",
        lambda c: c.get_image(IMAGE),
        [("GET", "/images/" + IMAGE, None)],
        got(Image, Id=IMAGE, Platform="Linux"),
    ),
    (
        "list_images",
        "list_images",
        lambda c: c.list_images("", 10, "System"),
        [("GET", "/images?Marker&MaxItemCount=10&Type=System", None)],
        listed(Image, [IMAGE]),
    ),
    (
        "list_images_own",
        "list_images",
        lambda c: c.list_images(fx.NEXT_MARKER, 10, "Self"),
        [("GET", "/images?Marker=%s&MaxItemCount=10" % fx.NEXT_MARKER, None)],
        listed(Image, ["img-6ki7ji8vkigkmle9ukm00n"], ""),
    ),
    (
        "delete_image",
        "delete_image",
        lambda c: c.delete_image(IMAGE),
        [("DELETE", "/images/" + IMAGE, None)],
        action(204),
    ),
    # apps
    ("create_app", "create_app", lambda c: c.create_app(APP_DESC), [("POST", "/apps", APP_BODY)], created(APP)),
    (
        "get_app",
        "get_app",
        lambda c: c.get_app(APP, "Public"),
        [("GET", "/apps/echo?Scope=Public", None)],
        got(App, Name=APP),
    ),
    (
        "get_app_detail",
        "get_app_detail",
        lambda c: c.get_app_detail(APP, "2"),
        [("GET", "/apps/echo?Detail=True&Qualifier=2", None)],
        got(AppDescription, Name=APP, CommandLine="cat ${inputFile}"),
    ),
    (
        "get_app_revisions",
        "get_app_revisions",
        lambda c: c.get_app_revisions(APP),
        [("GET", "/apps/echo?Revisions=True", None)],
        listed(AppRevision, [1, 2], "", key="Revision"),
    ),
    (
        "list_apps",
        "list_apps",
        lambda c: c.list_apps(),
        [("GET", "/apps?Marker&MaxItemCount=50&Scope=Private", None)],
        listed(App, [APP, "wordcount"], key="Name"),
    ),
    (
        "modify_app",
        "modify_app",
        lambda c: c.modify_app(APP, MODIFY_APP),
        [("PUT", "/apps/echo", MODIFY_APP_BODY)],
        action(200),
    ),
    ("delete_app", "delete_app", lambda c: c.delete_app(APP), [("DELETE", "/apps/echo?Qualifier", None)], action(204)),
    (
        "delete_app_revision",
        "delete_app",
        lambda c: c.delete_app(APP, "3"),
        [("DELETE", "/apps/echo?Qualifier=3", None)],
        action(204),
    ),
    # account
    (
        "get_quotas",
        "get_quotas",
        lambda c: c.get_quotas(),
        [("GET", "/quotas", None)],
        got(Quota, AvailableClusterInstanceType=["ecs.sn1.medium", "ecs.sn2.large"]),
    ),
    (
        "get_available_resource",
        "get_available_resource",
        lambda c: c.get_available_resource(),
        [("GET", "/available", None)],
        got(AvailableResource, AvailableDataDiskType=["cloud_efficiency", "cloud_ssd"]),
    ),
    # helpers
    (
        "easy_list_jobs",
        "easy_list",
        lambda c: list(c.easy_list("jobs")),
        [
            ("GET", "/jobs?Marker&MaxItemCount=100", None),
            ("GET", "/jobs?Marker=%s&MaxItemCount=100" % fx.NEXT_MARKER, None),
        ],
        items(Job, [JOB, fx.RUNNING_JOB_ID, fx.JOB_ID_2]),
    ),
    (
        "easy_list_tasks",
        "easy_list",
        lambda c: list(c.easy_list("tasks", JOB, State=["Running", "Waiting"])),
        [
            ("GET", "/jobs/%s/tasks?Marker&MaxItemCount=100" % JOB, None),
            ("GET", "/jobs/%s/tasks?Marker=%s&MaxItemCount=100" % (JOB, fx.NEXT_MARKER), None),
        ],
        items(Task, ["count", "merge"], key="TaskName"),
    ),
    (
        "easy_list_instances",
        "easy_list",
        lambda c: list(c.easy_list("instances", JOB, "split", InstanceId=lambda i: i > 0)),
        [
            ("GET", "/jobs/%s/tasks/split/instances?Marker=0&MaxItemCount=100" % JOB, None),
            ("GET", "/jobs/%s/tasks/split/instances?Marker=%s&MaxItemCount=100" % (JOB, fx.NEXT_MARKER), None),
        ],
        items(Instance, [1, 2], key="InstanceId"),
    ),
    ("poll_finished", "poll", lambda c: c.poll([JOB], interval=0), [("GET", "/jobs/" + JOB, None)], equals([])),
    (
        "poll_failed",
        "poll",
        lambda c: c.poll([fx.RUNNING_JOB_ID, fx.FAILED_JOB_ID], interval=0),
        [
            ("GET", "/jobs/" + fx.RUNNING_JOB_ID, None),
            ("GET", "/jobs/" + fx.FAILED_JOB_ID, None),
            ("POST", "/jobs/%s/stop" % fx.RUNNING_JOB_ID, None),
        ],
        equals(["Job %s failed." % fx.FAILED_JOB_ID]),
    ),
    (
        "poll_timeout",
        "poll",
        lambda c: c.poll(fx.RUNNING_JOB_ID, timeout=0, interval=0),
        [("GET", "/jobs/" + fx.RUNNING_JOB_ID, None), ("POST", "/jobs/%s/stop" % fx.RUNNING_JOB_ID, None)],
        equals(["Timeout(0)."]),
    ),
)

DOCUMENTED = fx.DOCUMENTED_METHODS - {"get_regions"}  # get_regions sends nothing
CREATES = ["create_job", "create_job_sync", "create_cluster", "create_image", "create_app"]


def test_every_documented_method_has_a_case():
    assert DOCUMENTED == {case.method for case in CASES.values()}
    assert all(callable(getattr(Client, name)) for name in DOCUMENTED)


@pytest.mark.parametrize("name", sorted(CASES))
def test_call_on_the_wire(name, recording, make_client):
    case = CASES[name]
    result = case.call(make_client(recording.port))
    sent = recording.requests
    assert [(r["method"], r["path"]) for r in sent] == [(method, target) for method, target, _ in case.sent]
    for request, (_, _, body) in zip(sent, case.sent):
        check_request(request, body)
    case.check(result)


# -- error answers ------------------------------------------------------------------------------------

HTML = fx.html_answer(502)
ERRORS = {
    "json": (
        fx.error_answer(404, "InvalidResource.NotFound", "The job is not found"),
        (404, "InvalidResource.NotFound", fx.REQUEST_ID, "The job is not found"),
    ),
    "request_id_in_body": (
        fx.error_answer(403, "Forbidden", "Denied", request_id=None, body_request_id="body-id"),
        (403, "Forbidden", "body-id", "Denied"),
    ),
    "no_code_no_message": (
        fx.json_answer(409, {"RequestId": fx.REQUEST_ID}),
        (409, "Unkown code", fx.REQUEST_ID, "Unkown reason"),
    ),
    "empty_body": (fx.json_answer(500), (500, "Unkown code", fx.REQUEST_ID, "Unkown reason")),
    "html": (HTML, (502, "Json Error, a HTML returned from upstream server.", None, "response_body: " + HTML["body"])),
}


@pytest.mark.parametrize("kind", sorted(ERRORS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_error_answer(name, kind, recording, make_client):
    reply, (status, code, request_id, msg) = ERRORS[kind]
    recording.clear(lambda request: reply)
    with pytest.raises(ClientError) as raised:
        CASES[name].call(make_client(recording.port))
    err = raised.value
    observed = (err.get_status_code(), err.get_code(), err.get_requestid(), err.get_msg())
    assert observed == (status, code, request_id, msg)
    assert str(err) == "HTTP Status: %s, Code: %s, RequestID: %s, Message: %s." % (status, code, request_id, msg)
    method, target, body = CASES[name].sent[0]
    assert [(r["method"], r["path"]) for r in recording.requests] == [(method, target)]
    check_request(recording.requests[0], body)


# -- credentials and headers --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["get_job", "create_cluster", "change_job_priority"])
def test_security_token_is_sent_and_signed(name, recording, make_client):
    client = make_client(recording.port, security_token="  sts-token-1 \n")
    CASES[name].call(client)
    check_request(recording.requests[0], CASES[name].sent[0][2], token="sts-token-1")


def test_extra_headers_are_sent_and_signed(recording, make_client):
    client = make_client(recording.port, **{"X-Acs-Zone": "cn-qingdao-b", "x-acs-b-custom": "b", "X-Trace": "t-1"})
    client.list_jobs("", 10)
    headers = [tuple(pair) for pair in recording.requests[0]["headers"]]
    assert header(headers, "X-Acs-Zone") == "cn-qingdao-b"
    assert header(headers, "x-acs-b-custom") == "b"
    assert header(headers, "X-Trace") == "t-1"
    text = string_to_sign("GET", "/jobs?Marker&MaxItemCount=10", headers)
    assert "\nx-acs-zone:cn-qingdao-b\nx-acs-access-key-id:" in text and "\nx-acs-b-custom:b\n" in text
    assert header(headers, "Authorization") == expected_authorization(
        KEY_ID, SECRET, "GET", "/jobs?Marker&MaxItemCount=10", headers
    )


def test_extra_header_overrides_a_standard_one(recording, make_client):
    client = make_client(recording.port, **{"content-type": "application/json; charset=UTF-8"})
    client.get_job(JOB)
    request = recording.requests[0]
    headers = [tuple(pair) for pair in request["headers"]]
    assert [value for key, value in headers if key.lower() == "content-type"] == ["application/json; charset=UTF-8"]
    assert "\napplication/json; charset=UTF-8\n" in string_to_sign("GET", request["path"], headers)
    assert header(headers, "Authorization") == expected_authorization(KEY_ID, SECRET, "GET", request["path"], headers)


# -- camelCase aliases --------------------------------------------------------------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@pytest.mark.parametrize("name", sorted(name for name in DOCUMENTED if "_" in name))
def test_camel_case_alias(name):
    assert getattr(Client, camel(name)) is getattr(Client, name)


@pytest.mark.parametrize(
    "alias, name, args",
    [
        ("listJobs", "list_jobs", ("", 10, "Running")),
        ("getJobDescription", "get_job_description", (JOB,)),
        ("changeClusterDesiredVmCount", "change_cluster_desired_vm_count", (CLUSTER,)),
        ("getAvailableResource", "get_available_resource", ()),
    ],
)
def test_camel_case_call_sends_the_same_request(alias, name, args, recording, make_client):
    client = make_client(recording.port)
    getattr(client, name)(*args)
    getattr(client, alias)(*args)
    first, second = recording.requests
    assert (first["method"], first["path"], first["body"]) == (second["method"], second["path"], second["body"])
    check_request(second, json.loads(second["body"]) if second["body"] else None)


# -- configuration ------------------------------------------------------------------------------------


def test_from_env(recording, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", " env-key ")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token")
    with Client.from_env(HOST, port=recording.port, retries=0) as client:
        assert client.get_job(JOB).Id == JOB
    check_request(recording.requests[0], None, key_id="env-key", secret="env-secret", token="env-token")


def test_from_env_without_token(recording, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    with Client.from_env(HOST, port=recording.port, retries=0) as client:
        client.get_job(JOB)
    check_request(recording.requests[0], None, key_id="env-key", secret="env-secret")


@pytest.mark.parametrize("missing", ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
def test_from_env_needs_both_keys(missing, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
    monkeypatch.setenv(missing, "  ")
    with pytest.raises(ConfigError):
        Client.from_env(HOST)


def test_unknown_endpoint_fails_at_the_first_call(recording, make_client, monkeypatch):
    for region, host in list(regions.ENDPOINTS.items()):
        if host == "localhost":
            monkeypatch.delitem(regions.ENDPOINTS, region)
    client = make_client(recording.port, host="localhost")
    with pytest.raises(ConfigError, match="Invalid endpoint localhost"):
        client.get_job(JOB)
    assert recording.requests == []
    monkeypatch.setitem(regions.ENDPOINTS, "client-tests-localhost", "localhost")
    assert client.get_job(JOB).Id == JOB
    check_request(recording.requests[0], None, host="localhost")
    assert header(recording.requests[0]["headers"], "x-acs-region-id") == "client-tests-localhost"


def test_empty_endpoint_fails_at_the_first_call(make_client, recording):
    client = make_client(recording.port, host="")
    with pytest.raises(ConfigError, match="Empty endpoint string"):
        client.list_jobs("", 10)
    assert recording.requests == []


# -- IdempotentToken ----------------------------------------------------------------------------------


def failing_first(count: int, status: int = 503) -> Callable[[Dict[str, Any]], Dict[str, Any]]:
    """Answer ``status`` to the first ``count`` requests, then the canned answers."""
    seen: List[int] = []

    def respond(request: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(1)
        if len(seen) <= count:
            return fx.error_answer(status, "ServiceUnavailable", "try again")
        return fx.canned_answer(request)

    return respond


def query_of(target: str) -> Dict[str, Optional[str]]:
    return fx.split_target(target)[1]


def create(client: Client, name: str, *token: str) -> Any:
    if name == "create_job_sync":
        return client.create_job(APP_JOB, *token, sync=True)
    return getattr(client, name)(
        {"create_job": DAG_JOB, "create_cluster": CLUSTER_DESC, "create_image": IMAGE_DESC, "create_app": APP_DESC}[
            name
        ],
        *token,
    )


@pytest.mark.parametrize("name", CREATES)
def test_caller_token_is_sent(name, recording, make_client):
    client = make_client(recording.port, retries=Retry(total=2, backoff=0.01))
    recording.clear(failing_first(1))
    create(client, name, "tok en/1")
    sent = recording.requests
    assert len(sent) == 2
    for request in sent:
        query = request["path"].partition("?")[2]
        assert query.startswith("IdempotentToken=tok%20en%2F1")
        assert query_of(request["path"])["IdempotentToken"] == "tok en/1"
        check_request(request, CASES[name].sent[0][2])


@pytest.mark.parametrize("name", CREATES)
def test_generated_token_is_a_uuid_kept_across_retries(name, recording, make_client):
    client = make_client(recording.port, retries=Retry(total=3, backoff=0.01))
    recording.clear(failing_first(2))
    CASES[name].check(create(client, name))
    first_call = [query_of(r["path"]).get("IdempotentToken") for r in recording.requests]
    assert len(first_call) == 3 and len(set(first_call)) == 1
    uuid.UUID(first_call[0])
    for request in recording.requests:
        check_request(request, CASES[name].sent[0][2])
    recording.clear()
    create(client, name)
    second_call = query_of(recording.requests[0]["path"]).get("IdempotentToken")
    assert second_call and second_call != first_call[0]


@pytest.mark.parametrize("name", CREATES)
def test_no_token_without_retries(name, recording, make_client):
    create(make_client(recording.port, retries=0), name)
    assert [r["path"] for r in recording.requests] == [CASES[name].sent[0][1]]
    assert "IdempotentToken" not in recording.requests[0]["path"]
