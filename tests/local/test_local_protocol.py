"""The local server's HTTP side: signatures, errors, limits, routing, keep-alive."""

from __future__ import annotations

import http.client
import json

import pytest
from local_helpers import cluster, job, task

from batchcompute.core.exceptions import ClientError
from batchcompute.core.signing import gmt_date
from batchcompute.local.testing import local_server as start_server
from batchcompute.local.testing import signed_headers


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["Code"] == code
    assert body["Message"] and body["RequestId"] == response.headers["x-acs-request-id"]
    return body


def _job_count(server):
    return len(server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": 100}).json()["Items"])


def test_success_answers_carry_request_id_and_date(local_server):
    response = local_server.request("GET", "/quotas")
    assert response.status_code == 200 and response.headers["x-acs-request-id"] and response.headers["Date"]
    assert response.headers["Content-Type"] == "application/json"


def test_bad_signature_is_refused(local_server):
    response = local_server.request("POST", "/jobs", body=job({"t": task("true")}), secret="wrong-secret")
    body = _error(response, 403, "SignatureDoesNotMatch")
    assert "POST\\napplication/json" in body["Message"]  # the string the server signed, for debugging
    assert _job_count(local_server) == 0


def test_unknown_key_is_refused(local_server):
    _error(local_server.request("GET", "/jobs", key_id="NoSuchKey"), 403, "Forbidden")


def test_missing_authorization_is_refused(local_server):
    import requests

    _error(requests.get(local_server.endpoint + "/jobs"), 403, "Forbidden")


def test_date_skew_over_15_minutes_is_refused(local_server):
    import time

    stale = gmt_date(time.time() - 16 * 60)
    _error(local_server.request("GET", "/quotas", headers={"Date": stale}), 403, "Forbidden")
    assert local_server.request("GET", "/quotas", headers={"Date": gmt_date(time.time() - 14 * 60)}).ok


def test_replayed_nonce_is_refused(local_server):
    import requests

    target = "/jobs"
    body = json.dumps(job({"t": task("true")})).encode()
    headers = signed_headers("POST", target, body, local_server.access_key_id, local_server.access_key_secret)
    first = requests.post(local_server.endpoint + target, data=body, headers=headers)
    assert first.status_code == 201
    _error(requests.post(local_server.endpoint + target, data=body, headers=headers), 403, "Forbidden")
    assert _job_count(local_server) == 1


def test_body_not_matching_its_md5_is_refused(local_server):
    import requests

    body = json.dumps(job({"t": task("true")})).encode()
    headers = signed_headers("POST", "/jobs", body, local_server.access_key_id, local_server.access_key_secret)
    tampered = body.replace(b"true", b"echo")
    _error(requests.post(local_server.endpoint + "/jobs", data=tampered, headers=headers), 403, "InvalidHttpBody")


def test_signature_with_md5_line_is_accepted(local_server):
    """A client that also sends Content-MD5 signs it; the server checks what was sent."""
    import base64
    import hashlib

    body = json.dumps(cluster()).encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    assert local_server.request("POST", "/clusters", body=body, headers={"Content-MD5": md5}).status_code == 201


def test_unknown_api_version_is_refused(local_server):
    _error(
        local_server.request("GET", "/quotas", headers={"x-acs-version": "2099-01-01"}),
        403,
        "InvalidVersion.NotFound",
    )


def test_malformed_json_is_refused_and_nothing_created(local_server):
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'):
        _error(local_server.request("POST", "/jobs", body=body), 400, "InvalidJsonFormat")
    _error(local_server.request("POST", "/clusters", body=b"{"), 400, "InvalidJsonFormat")
    assert _job_count(local_server) == 0


def test_unknown_routes_and_methods(local_server):
    _error(local_server.request("GET", "/nothing/here"), 400, "InvalidUrlPattern")
    _error(local_server.request("GET", "/jobs/x/tasks/y/instances/0/extra"), 400, "InvalidUrlPattern")
    _error(local_server.request("PATCH", "/jobs"), 405, "MethodNotAllowed")
    _error(local_server.request("POST", "/quotas"), 405, "MethodNotAllowed")


def test_missing_resources_are_404(local_server):
    for path in (
        "/jobs/job-00000000000000000000000000000000",
        "/clusters/cls-none",
        "/images/img-none",
        "/apps/none",
    ):
        _error(local_server.request("GET", path), 404, "InvalidResource.NotFound")


def test_oversized_body_is_refused(tmp_path):
    with start_server(tmp_path / "d", max_body=2048) as server:
        big = job({"t": task("echo " + "x" * 4096)})
        _error(server.request("POST", "/jobs", body=big), 413, "InvalidHttpBody")
        assert server.request("GET", "/quotas").ok  # the connection (or a new one) still works
        assert _job_count(server) == 0


@pytest.mark.parametrize(
    "field, url",
    [
        ("StdoutRedirectPath", "oss://test-bucket/../../etc/"),
        ("StderrRedirectPath", "oss://test-bucket/a/./b/"),
        ("StdoutRedirectPath", "oss:///etc/"),
        ("StdoutRedirectPath", "/var/logs/"),
        ("StdoutRedirectPath", "oss://bucket/a\x00b/"),
        ("PackagePath", "oss://test-bucket/../x.tar.gz"),
        ("PackagePath", "oss://../x.tar.gz"),
    ],
)
def test_traversal_paths_are_invalid_parameters(local_server, field, url):
    desc = task("true")
    if field == "PackagePath":
        desc["Parameters"]["Command"]["PackagePath"] = url
    else:
        desc["Parameters"][field] = url
    response = local_server.request("POST", "/jobs", body=job({"t": desc}))
    assert response.status_code == 400, response.text
    assert response.json()["Code"] in ("Invalid" + field, "InvalidParameter")
    assert _job_count(local_server) == 0


def _app_job(logging):
    return {"Name": "a", "Type": "App", "App": {"AppName": "echo", "Inputs": {}, "Logging": logging}}


@pytest.mark.parametrize(
    "logging, code",
    [
        ({"StdoutPath": "oss://test-bucket/../../etc/"}, "InvalidStdoutPath"),
        ({"StdoutPath": "oss://test-bucket/logs/", "StderrPath": "/var/log/"}, "InvalidStderrPath"),
        ({"StderrPath": "oss://test-bucket/a/./b/"}, "InvalidStderrPath"),
        ({"StdoutPath": 7}, "InvalidStdoutPath"),
    ],
)
def test_a_bad_app_logging_path_is_invalid_by_its_name(local_server, logging, code):
    """Regression: these were refused as ``InvalidP``."""
    app = {"Name": "echo", "CommandLine": "echo hi", "InputParameters": {}, "OutputParameters": {}, "EnvVars": {}}
    assert local_server.request("POST", "/apps", body=app).status_code == 201
    _error(local_server.request("POST", "/jobs", body=_app_job(logging)), 400, code)
    assert _job_count(local_server) == 0


def test_a_bad_app_logging_path_through_the_client(local_server, api):
    api.create_app({"Name": "echo", "CommandLine": "echo hi", "InputParameters": {}, "OutputParameters": {}})
    with pytest.raises(ClientError) as caught:
        api.create_job(_app_job({"StdoutPath": "oss://test-bucket/logs/", "StderrPath": "oss://../x/"}))
    assert caught.value.get_status_code() == 400 and caught.value.get_code() == "InvalidStderrPath"


def test_log_paths_left_out_go_to_the_default_prefix(local_server):
    desc = task("true")
    del desc["Parameters"]["StdoutRedirectPath"], desc["Parameters"]["StderrRedirectPath"]
    response = local_server.request("POST", "/jobs", body=job({"t": desc}))
    assert response.status_code == 201, response.text
    app = {"Name": "echo", "CommandLine": "echo hi", "InputParameters": {}, "OutputParameters": {}, "EnvVars": {}}
    local_server.request("POST", "/apps", body=app)
    for logging in ({}, {"StdoutPath": "", "StderrPath": None}):
        response = local_server.request("POST", "/jobs", body=_app_job(logging))
        assert response.status_code == 201, response.text


def test_traversal_in_mappings_is_invalid(local_server):
    for key, value in (("InputMapping", {"oss://b/../../x": "in"}), ("OutputMapping", {"out": "oss://b//x"})):
        response = local_server.request("POST", "/jobs", body=job({"t": task("true", **{key: value})}))
        _error(response, 400, "Invalid" + key)
    assert _job_count(local_server) == 0


def test_cyclic_dag_is_bad(local_server):
    tasks = {name: task("true") for name in "abc"}
    body = _error(
        local_server.request("POST", "/jobs", body=job(tasks, {"a": ["b"], "b": ["c"], "c": ["a"]})),
        400,
        "BadDAG",
    )
    assert "a" in body["Message"]
    _error(local_server.request("POST", "/jobs", body=job({"a": task("true")}, {"a": ["a"]})), 400, "BadDAG")
    assert _job_count(local_server) == 0


def test_invalid_job_descriptions(local_server):
    both = task("true", ClusterId="cls-x")
    neither = task("true")
    del neither["AutoCluster"]
    cases = [
        (job({"a": task("true")}, {"a": ["zzz"]}), 400, "InvalidDependencies"),
        (job({"a": task("true")}, {"a": [{}]}), 400, "InvalidDependencies"),
        (job({"a": both}), 400, "InvalidClusterId"),
        (job({"a": neither}), 400, "MissingClusterId"),
        (job({"a": task("true", cluster_id="cls-unknown")}), 404, "InvalidResource.NotFound"),
        (job({}), 400, "MissingTasks"),
        (job({"a": task("")}), 400, "MissingCommandLine"),
        (job({"a": task("true", instances=0)}), 400, "InvalidInstanceCount"),
        (job({"a/b": task("true")}), 400, "InvalidTaskName"),
        (dict(job({"a": task("true")}), Priority="high"), 400, "InvalidPriority"),
        ({"Type": "DAG", "DAG": {"Tasks": {"a": task("true")}}}, 400, "MissingName"),
    ]
    for body, status, code in cases:
        _error(local_server.request("POST", "/jobs", body=body), status, code)
    assert _job_count(local_server) == 0


def test_idempotent_token(local_server):
    body = job({"t": task("true")})
    first = local_server.request("POST", "/jobs", {"IdempotentToken": "tok-1"}, body).json()["Id"]
    again = local_server.request("POST", "/jobs", {"IdempotentToken": "tok-1"}, body).json()["Id"]
    assert first == again and _job_count(local_server) == 1
    other = job({"t": task("false")})
    _error(
        local_server.request("POST", "/jobs", {"IdempotentToken": "tok-1"}, other),
        400,
        "IdempotentTokenMismatch",
    )


def test_many_requests_on_one_keep_alive_connection(local_server):
    connection = http.client.HTTPConnection(local_server.host, local_server.port, timeout=10)
    for _ in range(50):
        headers = signed_headers("GET", "/quotas", b"", local_server.access_key_id, local_server.access_key_secret)
        connection.request("GET", "/quotas", headers=headers)
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())
    connection.close()


def test_raw_path_is_what_is_signed(local_server):
    """The query is checked as sent (bare keys, percent-encoding), not re-encoded."""
    response = local_server.request("GET", "/jobs", "Marker&MaxItemCount=5&State=Waiting")
    assert response.status_code == 200 and response.json() == {"Items": [], "NextMarker": ""}
    response = local_server.request("GET", "/jobs", {"Marker": "", "MaxItemCount": "5", "ClusterId": "a b/c"})
    assert response.status_code == 200
    _error(local_server.request("GET", "/jobs", {"State": "Sleeping"}), 400, "InvalidState")
    _error(local_server.request("GET", "/jobs", {"MaxItemCount": "many"}), 400, "InvalidMaxItemCount")
