"""The official SDK's internals (``Api``, ``RequestClient``, ``ResponseWrapper``, ``CheckedApi`` and the
helpers of ``batchcompute.core.api`` and ``batchcompute.utils.http``), checked against golden data.

Each file in tests/data/golden/api (written by tests/compat/record_api.py under the official
SDK) holds a call, the requests the official SDK made for it with the answers it got, and what
the call gave. For every case:

(a) each recorded ``Authorization`` (on the wire, or in the headers ``get_headers`` returned) is
    recomputed with this project's signing function;
(b) the call is replayed with this project's package through the same ``run_case`` against a
    recording server giving the same answers: method, path-and-query, body and every header the
    official SDK sent (except Date, nonce, Authorization and the HTTP library's own) must be the
    same, and our Authorization must verify;
(c) the outcome (type and value; an answer's status, headers and body; the headers a method
    returned, Date and nonce aside; the exception) must equal the official one.

Where the official SDK fails or sends something wrong only because it was ported from Python 2
(ints in a query, bytes bodies, ``None`` ...), this project does the useful thing instead; those
cases are listed in ``DEVIATIONS`` with what ours does.
"""

from __future__ import annotations

import glob
import hashlib
import inspect
import json
import os
import sys
from typing import Any, Callable, Dict, List

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (HERE, os.path.join(HERE, "compat")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import fixture_server as fx  # noqa: E402
import record_api as ra  # noqa: E402

import batchcompute  # noqa: E402
from batchcompute.core.signing import authorization, encode_query  # noqa: E402

GOLDEN_FILES = sorted(glob.glob(os.path.join(HERE, "data", "golden", "api", "*.json")))
CASES = {os.path.basename(path)[:-5]: json.load(open(path, encoding="utf-8")) for path in GOLDEN_FILES}
CASE_NAMES = sorted(CASES)

# Headers that differ per request or belong to the HTTP library, not to the protocol.
IGNORED_HEADERS = {"date", "x-acs-signature-nonce", "authorization", "user-agent", "connection", "accept-encoding"}


def _prefix(case: Dict[str, Any]) -> str:
    return case["setup"].get("set", {}).get("prefix", "x-acs-")


def _result(outcome: Dict[str, Any]) -> Dict[str, Any]:
    return outcome.get("result", {})


# -- what ours does where the official SDK fails --------------------------------------------------


def _value(expected: Any) -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert _result(outcome).get("value") == expected, outcome

    return check


def _header_items(name: str, value: Any) -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert dict((key, shown) for key, shown, _ in _result(outcome)["items"])[name] == value, outcome

    return check


def _signed(target: str) -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert _result(outcome)["value"] == authorization(ra.KEY_ID, ra.SECRET, "GET", target, {})

    return check


def _sent(path: str, body: bytes = b"") -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert _result(outcome)["status"] < 300, outcome
        (request,) = [exchange["request"] for exchange in exchanges]
        assert request["path"] == path
        assert request["body"].encode("utf-8") == body
        headers = {name.lower(): value for name, value in request["headers"]}
        assert headers["content-length"] == str(len(body))
        if body:
            assert headers["contentmd5"] == hashlib.md5(body).hexdigest()

    return check


def _client_error(status: int, code: str, request_id: Any, msg: str) -> Callable[..., None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        error = outcome["error"]
        assert (error["type"], error["status"], error["code"], error["request_id"], error["msg"]) == (
            "ClientError",
            status,
            code,
            request_id,
            msg,
        )

    return check


def _connection(kind: str, port: int) -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert _result(outcome) == {"type": kind, "host": ra.LOCAL, "port": port}

    return check


def _refused(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
    error = outcome["error"]
    assert "ConnectionRefusedError" in error["builtin_types"] and "OSError" in error["builtin_types"]
    assert (error["type"], error["status"], error["code"]) == ("ConnectionRefused", 0, "ConnectionRefused")


def _reason(expected: str) -> Callable[[Dict[str, Any], List[Dict[str, Any]]], None]:
    def check(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
        assert (_result(outcome)["status"], _result(outcome)["reason"]) == (501, expected)

    return check


HTML = fx.html_answer(502)["body"]
DEVIATIONS: Dict[str, Callable[[Dict[str, Any], List[Dict[str, Any]]], None]] = {
    # numbers and None where text is expected: the official SDK calls .encode() on them
    "api_attr_join_int": _value("1/x y"),
    "api_url_join_int": _value("/jobs/1"),
    "rc_get_url_int": _value("/jobs?MaxItemCount=10"),
    "api_get_auth_params_int": _signed("/jobs?MaxItemCount=10"),
    "api_get_params_int": _sent("/jobs?Marker&MaxItemCount=10"),
    "api_token_none": _header_items("x-acs-access-key-id", ra.KEY_ID),
    "utils_http_url_safe_none": _value(None),
    # params=None: the official SDK appends 'None' to the path
    "rc_get_url_none": _value("/jobs"),
    "api_get_auth_params_none": _signed("/jobs"),
    # non-ASCII paths are signed as UTF-8 (the official SDK fails), text bodies sent as UTF-8
    # with their length in bytes (it sends Latin-1 with the length in characters)
    "api_get_auth_unicode_path": _signed("/jobs/é"),
    "api_post_unicode_body": _sent("/jobs", '{"Name": "é"}'.encode("utf-8")),
    # the md5 of bytes is the md5 of those bytes (the official SDK hashes their repr, "b'...'")
    "api_raw_headers_bytes": _header_items("contentMd5", hashlib.md5(b"{}").hexdigest()),
    "api_post_bytes_body": _sent("/jobs", b'{"Name": "x"}'),
    "core_api_str_md5_bytes": _value(hashlib.md5(b"x").hexdigest()),
    # utf8() decodes bytes (the official SDK fails on them)
    "core_api_utf8_bytes": _value("x"),
    # the RequestClient sends to its own port (the official one sends plain HTTP to the port
    # registered for the region table unless its port is 443)
    "rc_connection_8443": _connection("HTTPConnection", 8443),
    # no answer: NetworkError, a ClientError (status 0) and an OSError as the official error was
    "rc_send_request_refused": _refused,
    "api_connection_refused": _refused,
    # the reason phrase is the standard one of the status, not the server's own words
    "rc_send_request_lower_case_method": _reason("Not Implemented"),
    # as the Client: the body's RequestId when the headers have none, the HTML body as text,
    # a JSON body that is not an object treated as empty (the official SDK fails)
    "checked_error_id_body_only": _client_error(404, "NF", "body-id", "m"),
    "checked_error_html": _client_error(
        502, "Json Error, a HTML returned from upstream server.", None, "response_body: " + HTML
    ),
    "checked_error_json_list": _client_error(400, "Unkown code", None, "Unkown reason"),
}


def _an_ip_address(outcome: Dict[str, Any], exchanges: List[Dict[str, Any]]) -> None:
    import ipaddress

    assert _result(outcome)["type"] == "str"
    ipaddress.ip_address(_result(outcome)["value"])


# What depends on the machine the case runs on.
HOST_DEPENDENT = {"utils_http_get_local_ip": _an_ip_address}


# -- the golden data -------------------------------------------------------------------------------


def test_golden_cases_present():
    assert len(CASES) >= 150, "golden cases missing: run tests/compat/record_api.py"
    assert {case["target"] for case in CASES.values()} >= {
        "api",
        "rc",
        "wrapper",
        "checked",
        "module:core.api",
        "module:utils.http",
    }
    assert set(DEVIATIONS) | set(HOST_DEPENDENT) <= set(CASES)


SIGNED = [
    (name, index)
    for name in CASE_NAMES
    for index in range(len(CASES[name]["exchanges"]))
    if fx.header(CASES[name]["exchanges"][index]["request"]["headers"], "Authorization")
]


@pytest.mark.parametrize("name, index", SIGNED, ids=["%s-%d" % item for item in SIGNED])
def test_recorded_signature(name, index):
    case = CASES[name]
    request = case["exchanges"][index]["request"]
    headers = dict(request["headers"])
    assert (
        authorization(ra.KEY_ID, ra.SECRET, request["method"], request["path"], headers, _prefix(case))
        == headers["Authorization"]
    )


HEADER_CASES = [name for name in CASE_NAMES if "Authorization" in _result(CASES[name]["outcome"]).get("exact", {})]


@pytest.mark.parametrize("name", HEADER_CASES)
def test_recorded_get_headers_signature(name):
    """The Authorization that get_headers returned signs the headers returned with it."""
    case = CASES[name]
    method, path, params = (case["call"]["args"] + ["", {}])[:3]
    headers = _result(case["outcome"])["exact"]
    query = encode_query(params)
    target = path + "?" + query if query else path
    assert authorization(ra.KEY_ID, ra.SECRET, method, target, headers) == headers["Authorization"]


# -- replaying with this project -------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with fx.RecordingServer() as srv:
        yield srv


def _check_request(official: Dict[str, Any], ours: Dict[str, Any], case: Dict[str, Any], port: int) -> None:
    where = "%s %s" % (official["method"], official["path"])
    assert (ours["method"], ours["path"]) == (official["method"], official["path"])
    assert ours["body"] == official["body"], where
    ours_by_name = {name.lower(): value for name, value in ours["headers"]}
    problems = []
    for name, value in official["headers"]:
        key = name.lower()
        if key in IGNORED_HEADERS:
            continue
        if key == "host":
            value = "%s:%d" % (value.rsplit(":", 1)[0], port)
        if ours_by_name.get(key) != value:
            problems.append("header %s: %r, official %r" % (name, ours_by_name.get(key), value))
    official_names = {name.lower() for name, _ in official["headers"]}
    problems += [
        "extra header %s: %s" % (name, value)
        for name, value in ours["headers"]
        if name.lower() not in official_names and name.lower().startswith(("x-acs-", "content"))
    ]
    assert not problems, "%s:\n  %s" % (where, "\n  ".join(problems))
    if "authorization" in official_names:
        headers = dict(ours["headers"])
        assert headers["Authorization"] == authorization(
            ra.KEY_ID, ra.SECRET, ours["method"], ours["path"], headers, _prefix(case)
        ), where


def _comparable(outcome: Dict[str, Any]) -> Dict[str, Any]:
    """An outcome without what may differ: the exact headers (Date, nonce, signature) of a
    returned dict, the classes of a built-in exception beyond its own."""
    outcome = json.loads(json.dumps(outcome))
    for key in ("result", "returned"):
        if isinstance(outcome.get(key), dict):
            outcome[key].pop("exact", None)
    error = outcome.get("error")
    if error:
        error["builtin_types"] = error["builtin_types"][:1]
    return outcome


@pytest.mark.parametrize("name", CASE_NAMES)
def test_replay(name, server):
    case = CASES[name]
    answer = fx.replay_responder(case["exchanges"]) if case["exchanges"] else None
    outcome, exchanges = ra.run_case(case, server, batchcompute, answer=answer, timeout=10)
    own_check = DEVIATIONS.get(name) or HOST_DEPENDENT.get(name)
    if own_check:
        own_check(outcome, exchanges)
        return
    official = [exchange["request"] for exchange in case["exchanges"]]
    ours = [exchange["request"] for exchange in exchanges]
    assert len(ours) == len(official), [(r["method"], r["path"]) for r in ours]
    for official_request, our_request in zip(official, ours):
        _check_request(official_request, our_request, case, server.port)
    assert _comparable(outcome) == _comparable(case["outcome"])


# -- beyond the golden data: what ours adds ----------------------------------------------------------


def test_signatures_match_the_official_parameter_lists():
    from batchcompute.client.checked import CheckedApi
    from batchcompute.core.api import Api
    from batchcompute.core.httpclient import RequestClient, ResponseWrapper

    def positional(func: Any) -> List[str]:
        return [
            p.name + ("=" if p.default is not p.empty else "")
            for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    assert positional(Api.__init__) == ["self", "endpoint", "access_id", "secret_key", "auth_token", "security"]
    assert positional(Api.get) == ["self", "resource", "resource_id=", "attrs=", "params="]
    assert positional(Api.post) == ["self", "resource", "resource_id=", "attrs=", "params=", "body="]
    assert (
        positional(Api.put)
        == positional(Api.patch)
        == ["self", "resource", "resource_id", "attrs=", "params=", "body="]
    )
    assert positional(Api.delete) == ["self", "resource", "resource_id", "attrs=", "params="]
    assert positional(Api.get_auth) == ["self", "method", "path=", "params=", "body=", "headers="]
    assert positional(RequestClient.send_request) == ["self", "method", "path=", "params=", "headers=", "body="]
    assert positional(ResponseWrapper.__init__) == ["self", "response_body", "raw_response"]
    assert positional(CheckedApi.__init__) == [
        "self",
        "region",
        "access_key_id",
        "access_key_secret",
        "security_token",
        "security_conn",
        "human_readable=",
    ]


def test_exported_where_the_official_sdk_has_them():
    import batchcompute.client.checked
    import batchcompute.core
    import batchcompute.core.api
    import batchcompute.utils
    import batchcompute.utils.http

    assert batchcompute.core.Api is batchcompute.core.api.Api
    assert batchcompute.utils.RequestClient is batchcompute.utils.http.RequestClient
    assert batchcompute.utils.http.RequestClient is batchcompute.core.api.RequestClient
    assert batchcompute.utils.http.ResponseWrapper is batchcompute.core.httpclient.ResponseWrapper
    assert batchcompute.client.checked.CheckedApi.__module__ == "batchcompute.client.checked"


def test_default_timeout_is_the_clients():
    from batchcompute.core import httpclient, transport

    assert httpclient.DEFAULT_TIMEOUT == transport.DEFAULT_TIMEOUT


def test_connections_are_reused(server, monkeypatch):
    import socket

    from batchcompute.core.api import Api

    opened = []
    connect = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kw: opened.append(1) or connect(*args, **kw))
    server.clear()
    batchcompute.Client.register_region("local", ra.LOCAL, server.port)
    api = Api(ra.LOCAL, ra.KEY_ID, ra.SECRET, "", False)
    try:
        for _ in range(3):
            assert api.get("jobs", fx.JOB_ID).status == 200
    finally:
        api.close()
    assert len(server.requests) == 3 and len(opened) == 1


def test_timeouts_apply(server):
    import threading
    import time

    from batchcompute.core.httpclient import RequestClient
    from batchcompute.core.transport import NetworkTimeout

    answered = threading.Event()
    calls = []

    def slow(request: Dict[str, Any]) -> Dict[str, Any]:
        calls.append(request["path"])
        time.sleep(0.3)
        answered.set()
        return fx.canned_answer(request)

    server.clear(slow)
    client = RequestClient(ra.LOCAL, server.port, timeout=(1, 0.05))
    with pytest.raises(NetworkTimeout) as caught:
        client.get("/jobs/" + fx.JOB_ID)
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, batchcompute.ClientError)
    assert answered.wait(5)
    assert calls == ["/jobs/" + fx.JOB_ID]  # one attempt: nothing is retried
    server.clear()


def test_https_is_verified():
    import ssl

    from batchcompute.core.httpclient import RequestClient

    secure = RequestClient("batchcompute.cn-qingdao.aliyuncs.com", 443)
    assert secure.secure and secure._transport.base_url.startswith("https://")
    connection = secure.get_http_connection()
    assert connection._context.verify_mode == ssl.CERT_REQUIRED and connection._context.check_hostname
    unverified = RequestClient("localhost", 8443, secure=True, verify=False).get_http_connection()
    assert type(unverified).__name__ == "HTTPSConnection" and unverified._context.verify_mode == ssl.CERT_NONE
    assert not RequestClient("localhost", 8080).secure


def test_a_redirect_is_an_answer(server):
    """requests reads the cookie jar of a request answered with a redirect: there is one, empty."""
    from batchcompute.core.httpclient import RequestClient

    server.clear(lambda request: {"status": 302, "headers": [["Location", "/x"], ["Set-Cookie", "a=b"]], "body": ""})
    client = RequestClient(ra.LOCAL, server.port)
    assert client.get("/jobs").status == 302
    server.clear()
    client.get("/jobs")
    assert fx.header(server.requests[-1]["headers"], "Cookie") is None


def test_send_request_sets_the_body_length(server):
    from batchcompute.core.httpclient import RequestClient

    server.clear()
    RequestClient(ra.LOCAL, server.port).send_request("POST", "/jobs", None, {"content-length": "1"}, "é")
    (request,) = server.requests
    assert fx.header(request["headers"], "Content-Length") == "2" and request["body"] == "é"


def test_headers_replace_standard_ones_whatever_their_case():
    from batchcompute.core.api import Api

    batchcompute.Client.register_region("local", ra.LOCAL, 80)
    headers = Api(ra.LOCAL, ra.KEY_ID, ra.SECRET, "", False, accept="text/plain").raw_headers("")
    assert headers["accept"] == "text/plain" and "Accept" not in headers


def test_wrapper_without_raw_response_set():
    import copy

    from batchcompute.core.httpclient import ResponseWrapper

    assert copy.copy(ResponseWrapper(b"x", None)).read() == b"x"
