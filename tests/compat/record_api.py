"""Record golden data of the official SDK's internals: ``Api``, ``RequestClient``, ``ResponseWrapper``,
``CheckedApi`` and the helpers of ``batchcompute.core.api`` and ``batchcompute.utils.http``.

Run it with the interpreter of a virtualenv where the official ``batchcompute==2.1.7`` is
installed (NOT this project), from the repository root::

    /path/to/official-venv/bin/python tests/compat/record_api.py [case-name-prefix ...]

Like ``record_requests.py`` it starts the recording server of ``tests/fixture_server.py`` on
127.0.0.1, registers it with ``Client.register_region('local', '127.0.0.1', port)``, makes each
call of ``CASES`` below and writes ``tests/data/golden/api/<case>.json`` holding:

- ``target``: what is called: ``api`` (``Api('127.0.0.1', KEY_ID, SECRET, '', False)`` unless
  ``ctor`` says otherwise), ``rc`` (``RequestClient('127.0.0.1', port)``), ``checked``
  (``CheckedApi``), ``wrapper`` (``ResponseWrapper``), or ``module:<name>``;
- ``ctor``, ``setup`` (attributes set and the API version chosen before the call) and ``call``
  (a dotted method name with args and kwargs, or an attribute to read; ``invoke`` calls the result
  again), with the JSON forms of arguments that ``decode`` turns into objects;
- ``exchanges``: every request the call made (method, path-and-query, headers in order, body)
  with the answer it got;
- ``outcome``: the result as ``describe`` sees it (type, value; an answer's status, reason,
  headers and body; a dict of headers with Date and nonce replaced by placeholders and kept
  as they were under ``exact``), or the exception (type, the built-in classes it is an instance
  of, message; ClientError's fields).

``tests/test_official_api.py`` replays every case with this project's package through the same
``run_case`` and compares requests and outcomes.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import socket
import sys
import types
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
GOLDEN_DIR = os.path.join(TESTS, "data", "golden", "api")

for _path in (TESTS, HERE):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import fixture_server as fx  # noqa: E402
from record_requests import DEFAULT_VERSION, KEY_ID, SECRET, STS_TOKEN, to_json  # noqa: E402,F401

LOCAL = "127.0.0.1"
FIXED_DATE = "Tue, 01 Nov 2016 15:25:04 GMT"
DATE_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d GMT$"
)


# -- the cases -----------------------------------------------------------------------------------

CASES: List[Dict[str, Any]] = []


def case(
    name: str,
    target: str,
    function: Optional[str] = None,
    *args: Any,
    attr: Optional[str] = None,
    ctor: Optional[Dict[str, Any]] = None,
    setup: Optional[Dict[str, Any]] = None,
    answer: Any = None,
    invoke: Optional[Dict[str, Any]] = None,
    note: str = "",
    **kwargs: Any,
) -> None:
    """Add a case: call ``function`` (dotted) of the target with ``args`` and ``kwargs``, or read ``attr``."""
    call: Dict[str, Any] = {"attr": attr} if attr else {"method": function, "args": list(args), "kwargs": kwargs}
    if invoke is not None:
        call["invoke"] = invoke
    CASES.append(
        {
            "case": name,
            "target": target,
            "ctor": ctor or {},
            "setup": setup or {},
            "call": call,
            "answer": answer,
            "note": note,
        }
    )


def b(text: str) -> Dict[str, str]:
    """Bytes, as JSON."""
    return {"$bytes": text}


def fake_response(status: int, body: str, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """An object with ``status``, ``read()`` and ``getheader()``, as an HTTP answer has."""
    return {"$fake_response": {"status": status, "body": body, "headers": headers or {}}}


SIGNED = {
    "Date": FIXED_DATE,
    "x-acs-b": "1",
    "X-Acs-A": "2",
    "Accept": "application/json",
    "Content-Type": "text/x",
    "contentMd5": "abc",
    "Content-MD5": "def",
}
DAG_BODY = json.dumps({"Name": "log-count", "Priority": 1, "Type": "DAG"})
ERROR_404 = fx.error_answer(404, "InvalidResource.NotFound", "The specified job does not exist")

# module helpers
for _module in ("core.api", "utils.http"):
    _short = _module.replace(".", "_")
    case("%s_utf8_text" % _short, "module:" + _module, "utf8", "abc")
for _name in ("API_VERSION", "PY2", "PY3"):
    case("core_api_%s" % _name, "module:core.api", attr=_name)
for _name in ("HAVE_HTTPS_CONNECTION", "STRING"):
    case("utils_http_%s" % _name, "module:utils.http", attr=_name)
case("core_api_utf8_non_ascii", "module:core.api", "utf8", "é", note="the official SDK gives the text back")
case("core_api_utf8_bytes", "module:core.api", "utf8", b("x"))
case("core_api_str_md5_text", "module:core.api", "str_md5", "abc")
case("core_api_str_md5_non_ascii", "module:core.api", "str_md5", "é")
case("core_api_str_md5_empty", "module:core.api", "str_md5", "")
case("core_api_str_md5_int", "module:core.api", "str_md5", 5)
case("core_api_str_md5_bytes", "module:core.api", "str_md5", b("x"), note="the official SDK hashes \"b'x'\"")
case("core_api_iget", "module:core.api", "iget", {"Content-Type": 1}, "content-type")
case("core_api_iget_missing", "module:core.api", "iget", {"Content-Type": 1}, "x")
case("core_api_iget_last_match", "module:core.api", "iget", {"A": 2, "a": 1}, "A")
case("core_api_iget_last_match_2", "module:core.api", "iget", {"a": 1, "A": 2}, "a")
case("core_api_get_api_version", "module:core.api", "get_api_version")
case("core_api_get_api_version_set", "module:core.api", "get_api_version", setup={"api_version": "2016-01-01"})
case("core_api_get_region", "module:core.api", "get_region", "batchcompute.cn-qingdao.aliyuncs.com")
case("core_api_get_region_unknown", "module:core.api", "get_region", "nowhere.example")
case("core_api_get_region_empty", "module:core.api", "get_region", "")
case("core_api_gmt_time", "module:core.api", "gmt_time")
case("core_api_import_json", "module:core.api", "import_json")
case("utils_http_import_httplib", "module:utils.http", "import_httplib")
case("utils_http_get_local_ip", "module:utils.http", "get_local_ip", note="a str; its value depends on the host")
case(
    "utils_http_partial",
    "module:utils.http",
    "partial",
    {"$echo": True},
    1,
    x=2,
    invoke={"args": [3], "kwargs": {"y": 4}},
)
case(
    "utils_http_partial_keyword_override",
    "module:utils.http",
    "partial",
    {"$echo": True},
    x=2,
    invoke={"args": [], "kwargs": {"x": 5}},
)
for _i, _text in enumerate(["a b/c?d=é&", "abc", "", "x+y~z_.-*", "a%20b", ":@!$'()*,;="]):
    case("utils_http_url_safe_%d" % _i, "module:utils.http", "url_safe", _text)
case("utils_http_url_safe_bytes", "module:utils.http", "url_safe", b("a b"))
case("utils_http_url_safe_int", "module:utils.http", "url_safe", 5)
case("utils_http_url_safe_none", "module:utils.http", "url_safe", None)

# Api: paths
case("api_attributes_prefix", "api", attr="prefix")
case("api_attributes_version", "api", attr="version")
case("api_attributes_endpoint", "api", attr="endpoint")
case("api_attributes_host", "api", attr="host")
case("api_attributes_port", "api", attr="port")
case("api_security_port", "api", attr="port", ctor={"security": True})
case("api_security_connection", "api", "rc.get_http_connection", ctor={"security": True})
case("api_connection", "api", "rc.get_http_connection")
case("api_version_after_set_api_version", "api", attr="version", setup={"api_version": "2016-01-01"})
for _i, _attrs in enumerate([[], ["a", "b"], "ab", None, ["tasks", "split", "instances"]]):
    case("api_attr_join_%d" % _i, "api", "attr_join", _attrs)
case("api_attr_join_int", "api", "attr_join", [1, "x y"])
for _i, _parts in enumerate([[], ["jobs", "id"], ["/jobs", "id/"], ["jobs", "", "x"], ["jobs", "", ""]]):
    case("api_url_join_%d" % _i, "api", "url_join", _parts)
case("api_url_join_int", "api", "url_join", ["jobs", 1])

# Api: headers and signatures
case("api_raw_headers_empty", "api", "raw_headers", "")
case("api_raw_headers_none", "api", "raw_headers", None)
case("api_raw_headers_json", "api", "raw_headers", "{}")
case("api_raw_headers_bytes", "api", "raw_headers", b("{}"), note="the official SDK hashes \"b'{}'\"")
# A token with white space around it, and headers that replace standard ones or add to them.
TOKEN_AND_HEADERS = {
    "auth_token": " %s\n" % STS_TOKEN,
    "headers": {"x-acs-zone": "z", "X-Trace": "t", "x-acs-version": "override", "Accept": "text/plain"},
}
case(
    "api_raw_headers_token_and_headers",
    "api",
    "raw_headers",
    "{}",
    ctor=TOKEN_AND_HEADERS,
)
case("api_raw_headers_api_version", "api", "raw_headers", "", setup={"api_version": "2016-01-01"})
case(
    "api_raw_headers_prefix",
    "api",
    "raw_headers",
    "",
    setup={"set": {"prefix": "x-bcs-"}},
    note="the prefix changes what is signed, not the header names",
)
case("api_raw_headers_unknown_endpoint", "api", "raw_headers", "", ctor={"endpoint": "nowhere.example"})
case("api_raw_headers_empty_endpoint", "api", "raw_headers", "", ctor={"endpoint": ""})
case("api_token_none", "api", "raw_headers", "", ctor={"auth_token": None})
case("api_get_headers_get", "api", "get_headers", "GET", "/jobs", {"Marker": "", "MaxItemCount": "10"}, "")
case("api_get_headers_defaults", "api", "get_headers", "GET")
case("api_get_headers_post", "api", "get_headers", "POST", "/jobs", {}, '{"a": 1}')
case("api_get_auth_headers", "api", "get_auth", "GET", "/jobs", {"Marker": "", "MaxItemCount": "10"}, "", SIGNED)
case("api_get_auth_defaults", "api", "get_auth", "GET")
case("api_get_auth_no_headers", "api", "get_auth", "GET", "/jobs", {}, "", {})
case("api_get_auth_post", "api", "get_auth", "POST", "/jobs", {"IdempotentToken": "t"}, '{"a":1}', SIGNED)
case("api_get_auth_body_unused", "api", "get_auth", "POST", "/jobs", {}, "xyz", {})
case("api_get_auth_params_string", "api", "get_auth", "GET", "/jobs", "description", "", {})
case("api_get_auth_params_encoded", "api", "get_auth", "GET", "/jobs", {"a_b": "x y", "c": "é/"}, "", {})
case("api_get_auth_params_sorted", "api", "get_auth", "GET", "/jobs", {"b": "1", "a": "2", "A": "3"}, "", {})
case(
    "api_get_auth_params_none",
    "api",
    "get_auth",
    "GET",
    "/jobs",
    None,
    None,
    {},
    note="the official SDK signs '/jobsNone'",
)
case("api_get_auth_params_int", "api", "get_auth", "GET", "/jobs", {"MaxItemCount": 10}, "", {})
case("api_get_auth_unicode_path", "api", "get_auth", "GET", "/jobs/é", {}, "", {})
case(
    "api_get_auth_prefix",
    "api",
    "get_auth",
    "GET",
    "/jobs",
    {},
    "",
    {"Date": "D", "x-bcs-q": "v", "X-Bcs-A": "w", "x-acs-z": "z"},
    setup={"set": {"prefix": "x-bcs-"}},
)
case(
    "api_get_auth_prefix_upper",
    "api",
    "get_auth",
    "GET",
    "/jobs",
    {},
    "",
    {"Date": "D", "x-bcs-q": "v", "X-Bcs-A": "w", "x-acs-z": "z"},
    setup={"set": {"prefix": "X-Bcs-"}},
)
case(
    "api_get_auth_token_header",
    "api",
    "get_auth",
    "GET",
    "/quotas",
    {},
    "",
    {"Date": FIXED_DATE, "x-acs-security-token": STS_TOKEN},
    ctor={"auth_token": STS_TOKEN},
)

# Api: the verbs on the wire
case("api_get_job", "api", "get", "jobs", fx.JOB_ID)
case("api_get_defaults", "api", "get", "quotas")
case("api_get_attrs", "api", "get", "jobs", fx.JOB_ID, ["tasks", "split"])
case("api_get_attrs_string", "api", "get", "jobs", fx.JOB_ID, "tasks/split/instances")
case("api_get_params_string", "api", "get", "jobs", fx.JOB_ID, [], "description")
case("api_get_params_dict", "api", "get", "jobs", "", [], {"Marker": "", "MaxItemCount": "10", "State": "Running"})
case("api_get_params_int", "api", "get", "jobs", "", [], {"Marker": "", "MaxItemCount": 10})
case("api_get_keywords", "api", "get", resource="apps", resource_id=fx.APP_NAME, params={"Scope": "Public"})
case("api_post_text_body", "api", "post", "jobs", "", [], {"IdempotentToken": "tok"}, DAG_BODY)
case("api_post_dict_body", "api", "post", "jobs", "", [], {}, {"Name": "x", "Priority": 2})
case(
    "api_post_bytes_body",
    "api",
    "post",
    "jobs",
    "",
    [],
    {},
    b('{"Name": "x"}'),
    note="the official SDK sends the md5 of \"b'...'\"",
)
case(
    "api_post_unicode_body",
    "api",
    "post",
    "jobs",
    "",
    [],
    {},
    '{"Name": "é"}',
    note="the official SDK sends Latin-1 with the length in characters",
)
case("api_post_action", "api", "post", "jobs", fx.JOB_ID, ["stop"])
case("api_post_sync", "api", "post", "jobs", "", [], "sync", '{"Type": "App"}')
case("api_put", "api", "put", "jobs", fx.JOB_ID, [], {}, '{"Priority": 3}')
case("api_put_cluster", "api", "put", "clusters", fx.CLUSTER_ID, "", {}, {"Groups": {"group1": {"DesiredVMCount": 3}}})
case("api_patch", "api", "patch", "jobs", fx.JOB_ID, [], {}, '{"Priority": 3}')
case("api_delete", "api", "delete", "jobs", fx.JOB_ID)
case("api_delete_params", "api", "delete", "apps", fx.APP_NAME, [], {"Qualifier": ""})
case(
    "api_delete_cluster_instance",
    "api",
    "delete",
    "clusters",
    fx.CLUSTER_ID,
    ["groups", "group1", "instances", "i-2ze5ck4xqcklbtlprc3k"],
)
case(
    "api_token_and_headers_on_the_wire",
    "api",
    "get",
    "quotas",
    ctor=TOKEN_AND_HEADERS,
)
case("api_api_version_on_the_wire", "api", "get", "quotas", setup={"api_version": "2016-03-01"})
case(
    "api_prefix_on_the_wire",
    "api",
    "get",
    "quotas",
    ctor={"headers": {"x-bcs-q": "v"}},
    setup={"set": {"prefix": "x-bcs-"}},
)
case(
    "api_error_answer",
    "api",
    "get",
    "jobs",
    fx.JOB_ID,
    answer=ERROR_404,
    note="the Api returns error answers, it does not raise",
)
case("api_html_answer", "api", "get", "images", fx.IMAGE_ID, answer=fx.html_answer(502))
case("api_unknown_endpoint", "api", "get", "jobs", fx.JOB_ID, ctor={"endpoint": "nowhere.example"})
case("api_connection_refused", "api", "get", "jobs", fx.JOB_ID, ctor={"port": "$dead"})

# RequestClient
case("rc_methods", "rc", attr="methods")
case("rc_connection", "rc", "get_http_connection")
case("rc_connection_443", "rc", "get_http_connection", ctor={"port": 443})
case("rc_connection_8443", "rc", "get_http_connection", ctor={"port": 8443})
case("rc_get_url_dict", "rc", "get_url", "/jobs", {"Marker": "", "MaxItemCount": "10"})
case("rc_get_url_string", "rc", "get_url", "/jobs", "description")
case("rc_get_url_empty_string", "rc", "get_url", "/jobs", "")
case("rc_get_url_empty", "rc", "get_url", "/jobs", {})
case("rc_get_url_none", "rc", "get_url", "/jobs", None, note="the official SDK appends 'None'")
case("rc_get_url_encoded", "rc", "get_url", "/jobs", {"a_b": "x y/z", "c": "é"})
case("rc_get_url_sorted", "rc", "get_url", "/jobs", {"b": "1", "a": "2", "A": "3"})
case("rc_get_url_int", "rc", "get_url", "/jobs", {"MaxItemCount": 10})
case("rc_send_request_get", "rc", "send_request", "GET", "/jobs/" + fx.JOB_ID, {}, {"X-A": "1"}, "")
case("rc_send_request_post", "rc", "send_request", "POST", "/jobs", {"IdempotentToken": "t"}, {"X-A": "1"}, '{"a": 1}')
case("rc_send_request_keywords", "rc", "send_request", method="PUT", path="/jobs/" + fx.JOB_ID, body='{"Priority": 2}')
case("rc_send_request_no_path", "rc", "send_request", "GET")
case("rc_send_request_options", "rc", "send_request", "OPTIONS", "/jobs")
case(
    "rc_send_request_lower_case_method",
    "rc",
    "send_request",
    "get",
    "/jobs/x",
    note="sent as is: the fixture server answers 501",
)
case("rc_send_request_head", "rc", "send_request", "HEAD", "/jobs/" + fx.JOB_ID)
case("rc_send_request_error_answer", "rc", "send_request", "GET", "/jobs/x", answer=ERROR_404)
case("rc_send_request_refused", "rc", "send_request", "GET", "/jobs", ctor={"port": "$dead"})
case("rc_shortcut_get", "rc", "get", "/jobs/" + fx.JOB_ID)
case("rc_shortcut_get_params_headers", "rc", "get", "/jobs", {"Marker": ""}, {"X": "y"})
case("rc_shortcut_post", "rc", "post", "/jobs", body='{"a": 1}')
case("rc_shortcut_upper_case", "rc", "GET", "/jobs")
case("rc_shortcut_delete", "rc", "delete", "/jobs/" + fx.JOB_ID)
case("rc_shortcut_options_missing", "rc", attr="options")
case("rc_other_attribute_missing", "rc", attr="request")

# ResponseWrapper
case("wrapper_read", "wrapper", "read", ctor={"args": [b("body"), None]})
case("wrapper_read_text", "wrapper", "read", ctor={"args": ["text", {"$obj": {"status": 201}}]})
case("wrapper_forwards", "wrapper", attr="status", ctor={"args": ["text", {"$obj": {"status": 201}}]})
case("wrapper_forwards_missing", "wrapper", attr="nope", ctor={"args": ["text", {"$obj": {"status": 201}}]})
case("wrapper_forwards_to_none", "wrapper", attr="status", ctor={"args": [b("body"), None]})

# CheckedApi
case("checked_get", "checked", "get", "jobs", fx.JOB_ID)
case("checked_post", "checked", "post", "jobs", "", [], {"IdempotentToken": "t"}, DAG_BODY)
case("checked_put", "checked", "put", "jobs", fx.JOB_ID, [], {}, '{"Priority": 3}')
case("checked_delete", "checked", "delete", "jobs", fx.JOB_ID)
case(
    "checked_patch_error",
    "checked",
    "patch",
    "jobs",
    fx.JOB_ID,
    [],
    {},
    '{"Priority": 3}',
    note="the fixture server has no PATCH route: 400 InvalidUrlPattern",
)
case(
    "checked_token_headers",
    "checked",
    "get",
    "quotas",
    ctor={"security_token": STS_TOKEN, "human_readable": True, "headers": {"x-acs-zone": "z"}},
)
case("checked_keywords", "checked", "get", "quotas", ctor={"keywords": True})
case("checked_raw_headers", "checked", "raw_headers", "")
case("checked_url_join", "checked", "url_join", ["a", "b"])
case("checked_get_auth", "checked", "get_auth", "GET", "/jobs", {}, "", {"Date": FIXED_DATE})
case("checked_version", "checked", attr="version")
case("checked_prefix", "checked", attr="prefix")
case("checked_endpoint", "checked", attr="endpoint")
case("checked_rc", "checked", attr="rc")
case("checked_wrapped_get", "checked", attr="get")
case("checked_missing", "checked", attr="nothing")
case("checked_unknown_endpoint", "checked", "get", "jobs", fx.JOB_ID, ctor={"region": "nowhere.example"})
case("checked_error_404", "checked", "get", "jobs", fx.JOB_ID, answer=ERROR_404)
case(
    "checked_error_409",
    "checked",
    "post",
    "jobs",
    fx.JOB_ID,
    ["start"],
    answer=fx.error_answer(409, "StateConflict", "Job is already running"),
)
case("checked_error_403", "checked", "get", "jobs", answer=fx.error_answer(403, "SignatureDoesNotMatch", "bad"))
case(
    "checked_error_500_no_code", "checked", "delete", "clusters", fx.CLUSTER_ID, answer=fx.error_answer(500, None, None)
)
case(
    "checked_error_ids_header_and_body",
    "checked",
    "get",
    "jobs",
    "x",
    answer=fx.error_answer(404, "NF", "m", "hdr-id", "body-id"),
)
case(
    "checked_error_id_body_only", "checked", "get", "jobs", "x", answer=fx.error_answer(404, "NF", "m", None, "body-id")
)
case(
    "checked_error_id_request_id_header",
    "checked",
    "get",
    "jobs",
    "x",
    answer=fx.json_answer(404, {"Code": "NF", "Message": "m"}, "rid", request_id_header="request-id"),
)
case("checked_error_no_ids", "checked", "get", "jobs", "x", answer=fx.error_answer(404, "NF", "m", None, None))
case("checked_error_html", "checked", "get", "images", fx.IMAGE_ID, answer=fx.html_answer(502))
case("checked_error_empty_body", "checked", "delete", "jobs", fx.JOB_ID, answer=fx.json_answer(503, None))
case(
    "checked_error_redirect",
    "checked",
    "get",
    "jobs",
    "x",
    answer={"status": 302, "headers": [["Location", "/x"]], "body": ""},
)
case("checked_error_json_list", "checked", "get", "jobs", "x", answer={"status": 400, "headers": [], "body": "[1, 2]"})
case("checked_ok_not_json", "checked", "get", "jobs", "x", answer={"status": 200, "headers": [], "body": "not json"})
case(
    "checked_ok_request_id_header",
    "checked",
    "get",
    "jobs",
    "x",
    answer=fx.json_answer(200, {"a": 1}, "rid", request_id_header="request-id"),
)
case("checked_ok_204", "checked", "delete", "jobs", fx.JOB_ID)
case(
    "checked_check_wrapper_error",
    "checked",
    "check_wrapper",
    {"$returns": fake_response(404, '{"Code": "C", "Message": "M", "RequestId": "R"}', {"x-acs-request-id": "hdr"})},
    invoke={"args": [], "kwargs": {}},
)
case(
    "checked_check_wrapper_ok",
    "checked",
    "check_wrapper",
    {"$returns": fake_response(200, "ok")},
    invoke={"args": [], "kwargs": {}},
)
case(
    "checked_check_wrapper_passes_arguments",
    "checked",
    "check_wrapper",
    {"$returns": fake_response(201, "created")},
    invoke={"args": [1], "kwargs": {"x": 2}},
)
case(
    "checked_check_wrapper_not_an_answer",
    "checked",
    "check_wrapper",
    {"$echo": True},
    invoke={"args": [1], "kwargs": {}},
)


# -- running a case ------------------------------------------------------------------------------


class FakeResponse:
    """What ``{"$fake_response": ...}`` stands for."""

    def __init__(self, status: int, body: str, headers: Dict[str, str]) -> None:
        self.status = status
        self._body = body.encode("utf-8")
        self._headers = {name.lower(): value for name, value in headers.items()}
        self.calls: List[Any] = []

    def read(self) -> bytes:
        return self._body

    def getheader(self, name: str, default: Any = None) -> Any:
        return self._headers.get(name.lower(), default)


def echo(*args: Any, **kwargs: Any) -> List[Any]:
    return [list(args), kwargs]


def decode(value: Any) -> Any:
    """The object a JSON form of an argument stands for."""
    if isinstance(value, dict):
        if "$bytes" in value:
            return value["$bytes"].encode("utf-8")
        if "$obj" in value:
            return types.SimpleNamespace(**value["$obj"])
        if "$echo" in value:
            return echo
        if "$fake_response" in value:
            spec = value["$fake_response"]
            return FakeResponse(spec["status"], spec["body"], spec["headers"])
        if "$returns" in value:
            response = decode(value["$returns"])

            def returns(*args: Any, **kwargs: Any) -> Any:
                response.calls.append([list(args), kwargs])
                return response

            return returns
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def _text(value: Any) -> Any:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _headers_dict(headers: Dict[Any, Any]) -> Dict[str, Any]:
    """A dict of headers: Date and nonce replaced by placeholders (checked first), values with their types."""
    items = []
    for name, value in headers.items():
        shown = value
        if name == "Date" and isinstance(value, str) and DATE_RE.match(value) and value != FIXED_DATE:
            shown = "<date>"
        elif name == "x-acs-signature-nonce" and isinstance(value, str) and len(value) >= 16:
            shown = "<nonce>"
        elif name == "User-Agent":
            shown = "<user-agent>"
        elif name == "Authorization" and isinstance(value, str) and value.startswith("acs "):
            shown = value.split(":")[0] + ":<signature>"
        items.append([name, _text(shown), type(value).__name__])
    exact = {str(name): str(_text(value)) for name, value in headers.items()}
    return {"type": "dict", "items": items, "exact": exact}


def _mark_port(value: Any, port: int) -> Any:
    """``value`` with the server's port (which changes from run to run) written as ``"$port"``."""
    if isinstance(value, dict):
        return {key: _mark_port(item, port) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark_port(item, port) for item in value]
    return "$port" if value == port and isinstance(value, int) and not isinstance(value, bool) else value


def _builtin_types(exc: BaseException) -> List[str]:
    return [cls.__name__ for cls in type(exc).__mro__ if cls.__module__ == "builtins"]


def describe_error(exc: BaseException) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": type(exc).__name__, "builtin_types": _builtin_types(exc)}
    if type(exc).__name__ == "ClientError" or hasattr(exc, "request_id"):
        out.update(
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
            msg=exc.msg,  # type: ignore
            str=str(exc),
        )
    else:
        out["message"] = str(exc)
    return out


def describe(value: Any) -> Dict[str, Any]:
    """A JSON picture of a result that both SDKs' results can be compared on."""
    if isinstance(value, str) and DATE_RE.match(value) and value != FIXED_DATE:
        return {"type": "str", "value": "<date>"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"type": type(value).__name__, "value": value}
    if isinstance(value, bytes):
        return {"type": "bytes", "value": value.decode("utf-8", "replace")}
    if isinstance(value, types.ModuleType):
        return {"type": "module", "name": value.__name__}
    if isinstance(value, tuple) and all(isinstance(item, type) for item in value):
        return {"type": "tuple of types", "value": [item.__name__ for item in value]}
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "value": json.loads(json.dumps(value, default=repr))}
    if isinstance(value, dict):
        return _headers_dict(value)
    if isinstance(value, FakeResponse):
        return {"type": "FakeResponse", "status": value.status, "calls": value.calls}
    if type(value).__name__ in ("HTTPConnection", "HTTPSConnection"):
        return {"type": type(value).__name__, "host": value.host, "port": value.port}
    if callable(getattr(value, "read", None)) and hasattr(value, "status"):
        body = value.read()
        return {
            "type": type(value).__name__,
            "status": value.status,
            "reason": value.reason,
            "version": value.version,
            "read_type": type(body).__name__,
            "read": _text(body),
            "read_again_same": value.read() == body,
            "getheaders": [list(pair) for pair in value.getheaders()],
            "getheader": {name: value.getheader(name) for name in ("x-acs-request-id", "content-type", "nope")},
        }
    if callable(value) and not isinstance(value, type):
        wrapped = getattr(value, "__wrapped__", None)
        return {"type": "callable", "wraps": getattr(wrapped, "__name__", None)}
    return {"type": type(value).__name__}


def _modules() -> Dict[str, Any]:
    api = importlib.import_module("batchcompute.core.api")
    http = importlib.import_module("batchcompute.utils.http")
    client = importlib.import_module("batchcompute.client.client")
    checked = getattr(client, "CheckedApi", None)
    if checked is None:  # this project keeps it in its own module
        checked = importlib.import_module("batchcompute.client.checked").CheckedApi
    return {"core.api": api, "utils.http": http, "CheckedApi": checked}


def dead_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        return sock.getsockname()[1]


def make_target(
    spec: Dict[str, Any], server: "fx.RecordingServer", bc: Any, modules: Dict[str, Any], **options: Any
) -> Any:
    """The object a case calls, built as ``spec`` says and pointed at ``server``."""
    target, ctor = spec["target"], spec["ctor"]
    bc.Client.register_region("local", LOCAL, server.port)
    if target.startswith("module:"):
        return modules[target[len("module:") :]]
    if target == "wrapper":
        return modules["utils.http"].ResponseWrapper(*decode(ctor["args"]))
    port = ctor.get("port", server.port)
    if port == "$dead":
        # The official RequestClient sends plain HTTP to the registered port, whatever its own
        # port: it stays registered for the call (run_case registers the server's again).
        port = dead_port()
        bc.Client.register_region("local", LOCAL, port)
    if target == "rc":
        return modules["utils.http"].RequestClient(LOCAL, port, **options)
    headers = ctor.get("headers", {})
    if target == "api":
        return modules["core.api"].Api(
            ctor.get("endpoint", LOCAL),
            KEY_ID,
            SECRET,
            ctor.get("auth_token", ""),
            ctor.get("security", False),
            **dict(headers, **options),
        )
    args = (ctor.get("region", LOCAL), KEY_ID, SECRET, ctor.get("security_token", ""), False)
    if ctor.get("keywords"):
        names = ("region", "access_key_id", "access_key_secret", "security_token", "security_conn")
        return modules["CheckedApi"](**dict(zip(names, args)), **options)
    if "human_readable" in ctor:
        args += (ctor["human_readable"],)
    return modules["CheckedApi"](*args, **dict(headers, **options))


def _resolve(obj: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


def run_case(
    spec: Dict[str, Any], server: "fx.RecordingServer", bc: Any, answer: Any = None, **options: Any
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Make the case's call with the package ``bc`` against ``server``.

    Returns ``(outcome, exchanges)``. ``answer``: a responder for the server (default: the
    case's fixed answer, else the canned ones); ``options``: keyword arguments for the
    constructors (this project's keyword-only options).
    """
    if answer is None and spec.get("answer"):
        fixed = spec["answer"]
        answer = lambda request: copy.deepcopy(fixed)  # noqa: E731
    server.clear(answer)
    modules = _modules()
    setup, call = spec["setup"], spec["call"]
    outcome: Dict[str, Any] = {}
    try:
        if "api_version" in setup:
            bc.utils.set_api_version(setup["api_version"])
        target = make_target(spec, server, bc, modules, **options)
        for name, value in setup.get("set", {}).items():
            setattr(target, name, value)
        if "attr" in call:
            result = _resolve(target, call["attr"])
        else:
            result = _resolve(target, call["method"])(*decode(call["args"]), **decode(call["kwargs"]))
        if "invoke" in call:
            outcome["returned"] = describe(result)
            result = result(*decode(call["invoke"]["args"]), **decode(call["invoke"]["kwargs"]))
        outcome["result"] = describe(result)
        outcome = _mark_port(outcome, server.port)
    except Exception as exc:
        outcome["error"] = describe_error(exc)
    finally:
        bc.utils.set_api_version(DEFAULT_VERSION)
        bc.Client.register_region("local", LOCAL, server.port)
        exchanges = list(server.exchanges)
        server.clear()
    return outcome, exchanges


def main(argv: List[str]) -> int:
    import batchcompute as bc  # the official SDK

    if os.path.dirname(TESTS) in os.path.abspath(bc.__file__):
        sys.stderr.write("This imported the project's batchcompute; run with the official SDK's interpreter.\n")
        return 2
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    selected = [c for c in CASES if not argv or any(c["case"].startswith(prefix) for prefix in argv)]
    with fx.RecordingServer() as server:
        for spec in selected:
            outcome, exchanges = run_case(spec, server, bc)
            record = dict(spec, recorded_with="official batchcompute 2.1.7", exchanges=exchanges, outcome=outcome)
            with open(os.path.join(GOLDEN_DIR, spec["case"] + ".json"), "w", encoding="utf-8") as fh:
                fh.write(to_json(record))
            shown = outcome.get("error") or outcome.get("result", {})
            print("%-45s %d request(s)  %s" % (spec["case"], len(exchanges), json.dumps(shown)[:110]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
