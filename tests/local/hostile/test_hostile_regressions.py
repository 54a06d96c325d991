"""Each finding of the security review in the HTTP layer, authentication and input validation, as a
regression test: what the server answered then (a 500, or an acceptance that failed later), and
the 4xx it answers now."""

from __future__ import annotations

import json

import pytest
from hostile_helpers import RawClient, alive, assert_clean, parse_answer, raw_exchange
from local_helpers import LOGS, cluster, job, task


@pytest.fixture
def raw(local_server):
    client = RawClient(local_server.host, local_server.port, local_server.access_key_id, local_server.access_key_secret)
    yield client
    client.close()


def _refused(raw, method, target, body=b"", status=400, code=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = raw.send(method, target, data)
    error = assert_clean(answer, target)
    assert answer[0] == status, (answer[0], error)
    if code:
        assert error["Code"] == code, error
    alive(raw)
    return error


def _with(desc, *path_and_value):
    *path, value = path_and_value
    target = desc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return desc


# -- 500s ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target, code",
    [
        ("/jobs?Marker=99999999999999999999999", "InvalidMarker"),
        ("/clusters?Marker=99999999999999999999999", "InvalidMarker"),
        ("/images?Marker=99999999999999999999999", "InvalidMarker"),
        ("/apps?Marker=99999999999999999999999", "InvalidMarker"),
        ("/jobs?MaxItemCount=99999999999999999999999", "InvalidMaxItemCount"),
        ("/jobs/job-x/tasks/t/instances/99999999999999999999999", "InvalidInstanceId"),
        ("/jobs/job-x/tasks/t/instances?Marker=99999999999999999999999", "InvalidMarker"),
        ("/jobs/job-x/tasks/t/instances/%C2%B2", "InvalidInstanceId"),
        ("/apps/a?Detail=True&Qualifier=%C2%B2", "InvalidQualifier"),
        ("/apps/a?Detail=True&Qualifier=99999999999999999999999", "InvalidQualifier"),
    ],
)
def test_numbers_out_of_range_and_non_ascii_digits_were_500(raw, target, code):
    _refused(raw, "GET", target, code=code)


def test_deep_nesting_was_a_recursion_error(raw):
    _refused(raw, "POST", "/jobs", b"[" * 100000, code="InvalidJsonFormat")
    _refused(raw, "POST", "/clusters", b'{"Name":' * 5000, code="InvalidJsonFormat")


def test_a_dependency_that_is_an_object_was_500(raw):
    body = job({"t1": task("true"), "t2": task("true")}, {"t1": [{}]})
    _refused(raw, "POST", "/jobs", body, code="InvalidDependencies")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_are_refused_at_the_parse(raw, constant):
    body = json.dumps(job({"t": task("true", timeout=77)})).replace('"Timeout": 77', '"Timeout": ' + constant)
    _refused(raw, "POST", "/jobs", body.encode(), code="InvalidJsonFormat")
    assert raw.json("GET", "/jobs?Marker&MaxItemCount=100")["Items"] == []


def test_events_that_are_not_a_list_were_500(raw):
    body = job({"t": task("true")})
    body["Notification"] = {"Topic": {"Name": "t", "Events": 5}}
    _refused(raw, "POST", "/jobs", body, code="InvalidEvents")


def test_an_idempotent_token_that_is_not_a_string_was_500(raw):
    _refused(raw, "POST", "/images", {"Platform": "Linux", "EcsImageId": "m-1", "IdempotentToken": 5})
    _refused(raw, "POST", "/images", {"Platform": "Linux", "EcsImageId": "m-1", "IdempotentToken": {"a": 1}})


def test_a_spot_price_limit_that_is_not_a_number_was_stored_and_broke_every_cluster_list(raw):
    desc = _with(cluster(), "Groups", "group1", "SpotPriceLimit", "abc")
    _refused(raw, "POST", "/clusters", desc, code="InvalidSpotPriceLimit")
    cluster_id = raw.json("POST", "/clusters", cluster())["Id"]
    change = {"Groups": {"group1": {"SpotPriceLimit": "abc"}}}
    _refused(raw, "PUT", "/clusters/" + cluster_id, change, code="InvalidSpotPriceLimit")
    assert [item["Id"] for item in raw.json("GET", "/clusters")["Items"]] == [cluster_id]


# -- HTTP-layer errors were HTML -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, status",
    [
        (b"GET /jobs HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /jobs HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n", 431),
    ],
)
def test_http_layer_errors_are_json(local_server, data, status):
    _, received = raw_exchange(local_server.host, local_server.port, data)
    answer = parse_answer(received)
    assert answer[0] == status
    assert_clean(answer)


# -- Values accepted that failed later -----------------------------------------------------------


def test_a_log_path_at_the_store_root_was_written_outside_any_bucket(raw, local_server):
    for path in ("oss://", "oss://bucket", "oss://bucket-only-no-slash"):
        body = job({"t": _with(task("true"), "Parameters", "StdoutRedirectPath", path)})
        _refused(raw, "POST", "/jobs", body, code="InvalidStdoutRedirectPath")
    assert not any(p.is_file() for p in local_server.server.oss.root.iterdir())


def test_a_5000_character_path_segment_is_refused_when_it_arrives(raw):
    segment = "s" * 5000
    body = job({"t": _with(task("true"), "Parameters", "StdoutRedirectPath", "oss://b/%s/" % segment)})
    _refused(raw, "POST", "/jobs", body, code="InvalidStdoutRedirectPath")
    body = job({"t": task("true", InputMapping={"oss://b/x": "/" + segment})})
    _refused(raw, "POST", "/jobs", body, code="InvalidInputMapping")
    _refused(raw, "GET", "/jobs/" + segment, code="InvalidJobId")


def test_an_image_id_that_is_not_a_string_is_refused(raw):
    _refused(raw, "POST", "/clusters", _with(cluster(), "ImageId", [1]), code="InvalidImageId")
    auto = _with(task("true"), "AutoCluster", "ImageId", [1])
    _refused(raw, "POST", "/jobs", job({"t": auto}), code="InvalidImageId")
    cluster_id = raw.json("POST", "/clusters", cluster())["Id"]
    _refused(raw, "PUT", "/clusters/" + cluster_id, {"ImageId": [1]}, code="InvalidImageId")
    assert raw.json("GET", "/clusters/" + cluster_id)["ImageId"] == "img-ubuntu"


def test_a_1_mb_name_is_refused(raw):
    big = "n" * 1_000_000
    _refused(raw, "POST", "/jobs", job({"t": task("true")}, name=big))
    _refused(raw, "POST", "/clusters", cluster(name=big))
    _refused(raw, "POST", "/jobs", job({"t": task("true")}, name="n" * 300), code="InvalidName")
    assert raw.json("GET", "/jobs?Marker&MaxItemCount=100")["Items"] == []


def test_the_logs_of_an_accepted_job_land_inside_its_bucket(local_server):
    """The other side of the log-path checks: a good path still works."""
    body = job({"t": task("echo hi")})
    job_id = local_server.request("POST", "/jobs", body=body).json()["Id"]
    from local_helpers import wait_state

    wait_state(lambda ident: local_server.client().get_job(ident), job_id)
    assert local_server.read_object("%sstdout.%s.t.0" % (LOGS, job_id)) == "hi\n"


def test_a_bad_spot_price_stored_by_an_older_version_no_longer_breaks_the_lists(local_server, raw):
    cluster_id = raw.json("POST", "/clusters", cluster())["Id"]
    store = local_server.server.store
    with store.transaction() as conn:
        row = conn.execute("SELECT description FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
        desc = json.loads(row[0])
        desc["Groups"]["group1"]["SpotPriceLimit"] = "abc"
        conn.execute("UPDATE clusters SET description = ? WHERE id = ?", (json.dumps(desc), cluster_id))
    assert raw.json("GET", "/clusters")["Items"][0]["Groups"]["group1"]["SpotPriceLimit"] == 0.0
