"""The web console over plain HTTP: what it refuses (no session, a wrong CSRF token, another
site, an expired session, a used login link) and that its actions follow the API's rules."""

from __future__ import annotations

import builtins
import re
import sys
import time

import pytest
import requests

pytest.importorskip("jinja2")

from console_helpers import csrf, hidden_value, login, open_gate, waiting_task  # noqa: E402
from local_helpers import job, task, wait_state  # noqa: E402
from test_local_server_process import _start as start_server_process  # noqa: E402

from batchcompute.local.web import console as console_package  # noqa: E402

pytestmark = pytest.mark.every_executor


@pytest.fixture
def endpoint(local_server):
    return local_server.server.endpoint


@pytest.fixture
def browser(endpoint):
    """An HTTP session logged in to the console."""
    return login(endpoint)


def create(local_server, description):
    answer = local_server.request("POST", "/jobs", body=description)
    assert answer.status_code == 201, answer.text
    return answer.json()["Id"]


def running_job(local_server, api, tmp_path):
    job_id = create(local_server, job({"wait": waiting_task(tmp_path)}, name="waits"))
    wait_state(api.get_job, job_id, ["Running"])
    return job_id


def flashes(page: str):
    return re.findall(r'<p class="flash (\w+)" role="status">([^<]*)</p>', page)


def test_pages_redirect_to_the_login_page_without_a_session(local_server, endpoint):
    job_id = create(local_server, job({"a": task("echo secret-output")}, name="private-job"))
    for path in ("/console/", "/console/jobs", "/console/jobs/" + job_id, "/console/settings"):
        answer = requests.get(endpoint + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, path
        assert answer.headers["Location"].startswith("/console/login?next=/console/")
        assert "private-job" not in answer.text
    log = requests.get(endpoint + "/console/jobs/%s/tasks/a/instances/0/stdout.json?offset=0" % job_id, timeout=30)
    assert log.status_code == 401 and "secret-output" not in log.text
    page = requests.get(endpoint + "/console/jobs/%s/tasks/a/instances/0/stdout" % job_id, timeout=30)
    assert "secret-output" not in page.text and "Log in" in page.text


def test_after_logging_in_the_page_asked_for_opens(endpoint):
    session = requests.Session()
    asked = session.get(endpoint + "/console/jobs?state=Failed", timeout=30)
    assert asked.url == endpoint + "/console/login?next=/console/jobs%3Fstate%3DFailed"
    form = {
        "token": hidden_value(asked.text, "token"),
        "next": hidden_value(asked.text, "next"),
        "key_id": "LocalAccessKeyId",
        "secret": "LocalAccessKeySecret",
    }
    answer = session.post(endpoint + "/console/login", data=form, timeout=30)
    assert answer.url == endpoint + "/console/jobs?state=Failed" and "<h1>Jobs</h1>" in answer.text


def test_a_forged_session_cookie_is_no_session(local_server, endpoint):
    cookie = "bc_console_%d" % local_server.port
    answer = requests.get(endpoint + "/console/jobs", cookies={cookie: "forged"}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303


def test_an_action_without_a_session_is_refused(local_server, api, endpoint, bc_shared_dir):
    job_id = running_job(local_server, api, bc_shared_dir)
    answer = requests.post(endpoint + "/console/jobs/%s/stop_job" % job_id, data={"csrf": "x"}, timeout=30)
    assert answer.status_code == 403
    assert api.get_job(job_id).State == "Running"
    open_gate(bc_shared_dir)


def test_an_action_with_a_wrong_or_missing_csrf_token_is_refused(local_server, api, browser, endpoint, bc_shared_dir):
    job_id = running_job(local_server, api, bc_shared_dir)
    token = csrf(browser, endpoint + "/console/jobs/" + job_id)
    url = endpoint + "/console/jobs/%s/stop_job" % job_id
    for form in ({"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}, {}, {"csrf": ""}):
        answer = browser.post(url, data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 403 and "security token" in answer.text
    assert api.get_job(job_id).State == "Running"
    other = login(endpoint)  # another session's token is no good either
    answer = other.post(url, data={"csrf": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and api.get_job(job_id).State == "Running"
    answer = browser.post(url, data={"csrf": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303
    assert wait_state(api.get_job, job_id).State == "Stopped"


def test_a_form_from_another_site_is_refused(local_server, api, browser, endpoint, bc_shared_dir):
    job_id = running_job(local_server, api, bc_shared_dir)
    token = csrf(browser, endpoint + "/console/jobs/" + job_id)
    url = endpoint + "/console/jobs/%s/stop_job" % job_id
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        answer = browser.post(url, data={"csrf": token}, headers=headers, allow_redirects=False, timeout=30)
        assert answer.status_code == 403
    assert api.get_job(job_id).State == "Running"
    open_gate(bc_shared_dir)


def test_the_session_cookie_is_httponly_and_samesite_strict(local_server, endpoint):
    page = requests.get(endpoint + "/console/login", timeout=30)
    answer = requests.post(
        endpoint + "/console/login",
        data={
            "token": hidden_value(page.text, "token"),
            "key_id": "LocalAccessKeyId",
            "secret": "LocalAccessKeySecret",
            "next": "/console/clusters",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/clusters"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("bc_console_%d=" % local_server.port)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console/" in cookie
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_login_refuses_a_wrong_pair_and_a_reused_form(endpoint):
    session = requests.Session()
    token = hidden_value(session.get(endpoint + "/console/login", timeout=30).text, "token")
    wrong = {"token": token, "key_id": "LocalAccessKeyId", "secret": "wrong"}
    answer = session.post(endpoint + "/console/login", data=wrong, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and "not known" in answer.text and "Set-Cookie" not in answer.headers
    right = {"token": token, "key_id": "LocalAccessKeyId", "secret": "LocalAccessKeySecret"}
    answer = session.post(endpoint + "/console/login", data=right, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and "expired" in answer.text  # the form's token was used
    assert session.get(endpoint + "/console/jobs", allow_redirects=False, timeout=30).status_code == 303


def test_login_goes_back_only_to_console_pages(endpoint):
    for target in ("https://evil.example/", "//evil.example/console/", "/console/..\\x", "/jobs"):
        session = requests.Session()
        token = hidden_value(session.get(endpoint + "/console/login", timeout=30).text, "token")
        form = {"token": token, "key_id": "LocalAccessKeyId", "secret": "LocalAccessKeySecret", "next": target}
        answer = session.post(endpoint + "/console/login", data=form, allow_redirects=False, timeout=30)
        assert answer.headers["Location"] == "/console/jobs", target


def test_the_one_time_link_works_once(local_server, endpoint):
    link = local_server.server.console_link()
    first = requests.get(link, allow_redirects=False, timeout=30)
    assert first.status_code == 303 and "Set-Cookie" in first.headers
    assert requests.get(link, allow_redirects=False, timeout=30).status_code == 403
    session = requests.Session()
    session.cookies.update(first.cookies)
    assert session.get(endpoint + "/console/jobs", allow_redirects=False, timeout=30).status_code == 200


def test_sessions_expire_and_logout_ends_them(local_server, browser, endpoint):
    assert browser.get(endpoint + "/console/jobs", allow_redirects=False, timeout=30).status_code == 200
    sessions = local_server.server.console.sessions
    sessions.clock = lambda: 10.0**12  # far past any session's end
    assert browser.get(endpoint + "/console/jobs", allow_redirects=False, timeout=30).status_code == 303
    sessions.clock = time.time
    again = login(endpoint)
    token = csrf(again, endpoint + "/console/jobs")
    answer = again.post(endpoint + "/console/logout", data={"csrf": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and "Max-Age=0" in answer.headers["Set-Cookie"]
    assert again.get(endpoint + "/console/jobs", allow_redirects=False, timeout=30).status_code == 303


def test_actions_follow_the_api_rules(local_server, api, browser, endpoint, bc_shared_dir):
    job_id = running_job(local_server, api, bc_shared_dir)
    page_url = endpoint + "/console/jobs/" + job_id
    page = browser.get(page_url, timeout=30).text
    assert "stop_job" in page and "delete_job" not in page and "update_job" not in page
    token = hidden_value(page, "csrf")
    post = lambda action, **form: browser.post(  # noqa: E731
        "%s/%s" % (page_url, action), data=dict(form, csrf=token), timeout=30
    )
    answer = post("delete_job")  # refused by the API: the job runs
    assert any(kind == "error" and "StateConflict" in text for kind, text in flashes(answer.text))
    assert post("update_job", priority="5").status_code == 200
    assert api.get_job(job_id).Priority == 0
    assert any("Job %s is stopping." % job_id in text for _, text in flashes(post("stop_job").text))
    wait_state(api.get_job, job_id, ["Stopped"])
    assert any("InvalidPriority" in text for _, text in flashes(post("update_job", priority="2000").text))
    assert any("InvalidPriority" in text for _, text in flashes(post("update_job", priority="high").text))
    answer = post("update_job", priority="7")
    assert any(kind == "ok" for kind, _ in flashes(answer.text)) and api.get_job(job_id).Priority == 7
    assert any("started again" in text for _, text in flashes(post("start_job").text))
    assert wait_state(api.get_job, job_id, ["Running"]).State == "Running"
    post("stop_job")
    wait_state(api.get_job, job_id, ["Stopped"])
    answer = post("delete_job")
    assert answer.url.endswith("/console/jobs") and any(job_id in text for _, text in flashes(answer.text))
    assert local_server.request("GET", "/jobs/" + job_id).status_code == 404


def test_bad_requests_get_clear_errors(local_server, browser, endpoint):
    job_id = create(local_server, job({"a": task("true")}))
    for path, status in (
        ("/console/jobs?state=Sleeping", 400),
        ("/console/jobs?older=abc", 400),
        ("/console/jobs?size=100000", 400),
        ("/console/jobs?older=99999999999999999999999", 400),
        ("/console/jobs?newer=%C2%B2", 400),
        ("/console/jobs/%s/tasks/a?from=-1" % job_id, 400),
        ("/console/jobs/%s/tasks/a/instances/99999999999/stdout" % job_id, 404),
        ("/console/jobs/job-NOPE", 404),
        ("/console/jobs/%s/tasks/nope" % job_id, 404),
        ("/console/jobs/%s/tasks/a/instances/9/stdout" % job_id, 404),
        ("/console/jobs/%s/tasks/a/instances/0/stdout.json" % job_id, 400),
        ("/console/jobs/%s/tasks/%%ff" % job_id, 400),
        ("/console/clusters/cls-nope", 404),
        ("/console/apps/nope", 404),
        ("/console/nowhere", 404),
        ("/console/static/nothing.css", 404),
    ):
        answer = browser.get(endpoint + path, timeout=30)
        assert answer.status_code == status, (path, answer.text)
    assert browser.post(endpoint + "/console/jobs", timeout=30).status_code == 405
    token = csrf(browser, endpoint + "/console/jobs")
    too_big = browser.post(endpoint + "/console/logout", data={"csrf": token, "pad": "x" * 20000}, timeout=30)
    assert too_big.status_code == 413


def test_every_page_renders(local_server, api, browser, endpoint):
    cluster_id = api.create_cluster(
        {"Name": "c1", "ImageId": "img-ubuntu", "Groups": {"g": {"DesiredVMCount": 2, "InstanceType": "t"}}}
    ).Id
    app = {"Name": "echoer", "CommandLine": "echo $text", "InputParameters": {"text": {"Type": "String"}}}
    local_server.request("POST", "/apps", body=app)
    local_server.request("PUT", "/apps/echoer", body=dict(app, Description="second"))
    job_id = create(
        local_server, job({"a": task("echo out; echo err >&2"), "b": task("true", 2, cluster_id)}, {"a": ["b"]})
    )
    wait_state(api.get_job, job_id)
    pages = {
        "/console/jobs": ["test-job", "3 / 3"],
        "/console/jobs?state=Finished&cluster=" + cluster_id: ["test-job"],
        "/console/jobs?cluster=auto": ["test-job"],
        "/console/jobs/" + job_id: ['data-task="a"', 'data-task="b"', "Finished"],
        "/console/jobs/%s/tasks/b" % job_id: ["127.0.", "stdout"],
        "/console/jobs/%s/tasks/a/instances/0/stdout" % job_id: ["out\n"],
        "/console/jobs/%s/tasks/a/instances/0/stderr" % job_id: ["err\n"],
        "/console/clusters": ["c1", "2 / 2"],
        "/console/clusters/" + cluster_id: ["c1", "g"],
        "/console/images": ["img-ubuntu", "System images"],
        "/console/apps": ["echoer", "echo $text"],
        "/console/apps/echoer": ["second"],
        "/console/apps/echoer?revision=1": ["echo $text"],
        "/console/settings": ["Workers", str(local_server.server.data_dir), local_server.server.executor.describe()],
    }
    for path, expected in pages.items():
        answer = browser.get(endpoint + path, timeout=30)
        assert answer.status_code == 200, (path, answer.text)
        for text in expected:
            assert text in answer.text, (path, text)
    piece = browser.get(endpoint + "/console/jobs/%s/tasks/a/instances/0/stdout.json?offset=0" % job_id, timeout=30)
    assert piece.json() == {
        "text": "out\n",
        "start": 0,
        "end": 4,
        "size": 4,
        "exists": True,
        "state": "Finished",
        "done": True,
    }


def test_a_log_that_cannot_be_read_is_refused(local_server, api, browser, endpoint, bc_shared_dir):
    job_id = create(local_server, job({"a": task("echo out")}))
    wait_state(api.get_job, job_id)
    log = local_server.oss_path(api.get_instance(job_id, "a", 0).StdoutRedirectPath)
    log.unlink()
    secret = bc_shared_dir / "secret"
    secret.write_text("not for the console")
    log.symlink_to(secret)
    for suffix in ("", ".json?offset=0"):
        answer = browser.get(endpoint + "/console/jobs/%s/tasks/a/instances/0/stdout%s" % (job_id, suffix), timeout=30)
        assert answer.status_code == 403 and "not for the console" not in answer.text


def test_the_standalone_server_prints_a_one_time_console_link(tmp_path):
    proc, _ = start_server_process(["--data-dir", str(tmp_path / "d")])
    try:
        line = proc.stdout.readline()
        link = re.fullmatch(r"web console: (http://127\.0\.0\.1:\d+/console/login/\S+)\n", line).group(1)
        assert requests.get(link, allow_redirects=False, timeout=30).status_code == 303
        assert requests.get(link, allow_redirects=False, timeout=30).status_code == 403
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_the_api_is_unchanged_beside_the_console(local_server, endpoint):
    assert local_server.request("GET", "/jobs").status_code == 200
    assert requests.get(endpoint + "/jobs", timeout=30).status_code == 403  # unsigned
    assert requests.get(endpoint + "/consoles", timeout=30).status_code == 403  # not the console


def test_without_jinja2_the_console_says_how_to_get_it(monkeypatch, local_server):
    real_import = builtins.__import__

    def no_jinja(name, *args, **kwargs):
        if name == "jinja2" or name.startswith("jinja2."):
            raise ImportError("No module named 'jinja2'", name="jinja2")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jinja)
    monkeypatch.delitem(sys.modules, "batchcompute.local.web.console.app", raising=False)
    missing = console_package.make_console(local_server.server.context, {})
    assert isinstance(missing, console_package.MissingConsole)
    statuses = []
    body = b"".join(missing({"PATH_INFO": "/console/"}, lambda status, headers: statuses.append(status)))
    assert statuses == ["503 Service Unavailable"] and b'pip install "batchcompute[console]"' in body
    assert "batchcompute[console]" in missing.login_link("http://127.0.0.1:1")
