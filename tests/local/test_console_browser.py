"""The web console in a real headless Chromium (Selenium): log in, watch a job progress, open its
DAG and a task, follow an instance's stdout, stop and delete a job, and be refused without a
session or with a wrong CSRF token.

With ``CONSOLE_SCREENSHOTS=DIR`` the tests also write the screenshots the docs show.
"""

from __future__ import annotations

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("selenium")

from console_helpers import chromium, open_gate, screenshot_dir, waiting_task  # noqa: E402
from local_helpers import cluster, job, task, wait_state  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from batchcompute.local import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET  # noqa: E402
from batchcompute.local.testing import local_server  # noqa: E402

#: Seconds a page may take to show what the test waits for (the machine may be busy).
PATIENCE = 45

pytestmark = pytest.mark.every_executor


@pytest.fixture(scope="module")
def driver():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(driver, local_server):  # noqa: F811 - the fixture, not the function of the same name
    """The browser, logged out, on the console of ``local_server``."""
    return Page(driver, local_server.server.endpoint)


class Page:
    """The browser on the console at ``endpoint``, with no session to start with."""

    def __init__(self, driver, endpoint):
        self.driver = driver
        self.endpoint = endpoint
        driver.get(endpoint + "/console/login")
        driver.delete_all_cookies()

    def open(self, path):
        self.driver.get(self.endpoint + path)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, what):
        return WebDriverWait(self.driver, PATIENCE, poll_frequency=0.1).until(lambda _: condition(), what)

    def _read(self, css, read):
        """``read(element)`` of the first element at ``css`` ("" when there is none). A live page
        replaces its elements as it refreshes: one replaced while being read is looked up again."""
        for _ in range(10):
            found = self.finds(css)
            try:
                return read(found[0]) if found else ""
            except StaleElementReferenceException:
                continue
        raise AssertionError("%s kept being replaced" % css)

    def text(self, css):
        return self._read(css, lambda element: element.text)

    def attribute(self, css, name):
        return self._read(css, lambda element: element.get_attribute(name))

    def click(self, css):
        def clicked():
            try:
                self.find(css).click()
            except StaleElementReferenceException:  # replaced by a refresh: try the new one
                return False
            return True

        self.wait(clicked, "a click on " + css)

    def log_in(self):
        self.open("/console/login")
        self.find("#key_id").send_keys(DEFAULT_ACCESS_KEY_ID)
        self.find("#secret").send_keys(DEFAULT_ACCESS_KEY_SECRET)
        self.find("button.primary").click()
        self.wait(lambda: self.finds("nav.menu"), "the console after logging in")

    def screenshot(self, name, height):
        """A screenshot ``height`` pixels high, when screenshots are asked for."""
        target = screenshot_dir()
        if target is None:
            return
        target.mkdir(parents=True, exist_ok=True)
        width = self.driver.get_window_size()["width"]
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        try:
            self.driver.save_screenshot(str(target / name))
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def create(local_server, description):
    answer = local_server.request("POST", "/jobs", body=description)
    assert answer.status_code == 201, answer.text
    return answer.json()["Id"]


def test_log_in_with_a_key_pair_and_watch_a_job_progress(page, local_server, api, bc_shared_dir):
    job_id = create(local_server, job({"work": waiting_task(bc_shared_dir, instances=2)}, name="progressing"))
    wait_state(api.get_job, job_id, ["Running"])
    page.log_in()
    assert page.driver.current_url.endswith("/console/jobs")
    row = 'tr[data-job="%s"] ' % job_id
    assert page.text(row + ".name") == "progressing"
    assert page.text(row + ".progress .count") == "0 / 2"
    page.driver.execute_script("window.stillTheSamePage = true")
    open_gate(bc_shared_dir, 0)
    page.wait(lambda: page.text(row + ".progress .count") == "1 / 2", "the progress bar to move")
    open_gate(bc_shared_dir, 1)
    page.wait(lambda: page.text(row + ".badge") == "Finished", "the job to show Finished")
    assert page.text(row + ".progress .count") == "2 / 2"
    assert page.driver.execute_script("return window.stillTheSamePage") is True  # refreshed in place


def test_open_the_dag_click_a_task_and_follow_its_stdout(page, local_server, api, bc_shared_dir):
    tasks = {
        "prepare": task("echo ready"),
        "work": waiting_task(bc_shared_dir, before="first line", after="second line"),
    }
    tasks["report"] = task("true")
    job_id = create(local_server, job(tasks, {"prepare": ["work"], "work": ["report"]}, name="three-steps"))
    wait_state(lambda name: api.get_task(job_id, name), "work", ["Running"])
    page.driver.get(local_server.server.console_link())  # the one-time link logs in
    page.open("/console/jobs/" + job_id)
    assert "Running" in page.text("h1")
    assert page.attribute('svg.dag a[data-task="prepare"]', "class") == "node s-finished"
    assert page.attribute('svg.dag a[data-task="work"]', "class") == "node s-running"
    page.click('svg.dag a[data-task="work"]')
    page.wait(lambda: page.driver.current_url.endswith("/tasks/work"), "the task page")
    assert page.text("h1").startswith("work")
    page.click('tr[data-instance="0"] a.stdout')
    page.wait(lambda: "first line" in page.text("#log"), "the instance's stdout")
    assert "second line" not in page.text("#log")
    open_gate(bc_shared_dir)
    page.wait(lambda: "second line" in page.text("#log"), "the viewer to follow the log")
    page.wait(lambda: page.text("#log-status") == "End of output.", "the end of the log")
    assert page.text("#log").splitlines() == ["first line", "second line"]


def test_stop_and_delete_a_job(page, local_server, api, bc_shared_dir):
    job_id = create(local_server, job({"wait": waiting_task(bc_shared_dir)}, name="to-stop"))
    wait_state(api.get_job, job_id, ["Running"])
    page.log_in()
    page.open("/console/jobs/" + job_id)
    assert not page.finds("#delete")  # the API deletes no running job
    page.click("#stop")
    page.wait(lambda: "is stopping" in page.text(".flash.ok"), "the stop to be confirmed")
    assert api.get_job(job_id).State == "Stopped"
    page.wait(lambda: page.text("h1 .badge") == "Stopped", "the page to show Stopped")
    page.find("#delete").click()
    page.driver.switch_to.alert.accept()  # "Delete job ...?"
    page.wait(lambda: page.driver.current_url.endswith("/console/jobs"), "the job list")
    assert "was deleted" in page.text(".flash.ok")
    assert not page.finds('tr[data-job="%s"]' % job_id)
    assert local_server.request("GET", "/jobs/" + job_id).status_code == 404


def test_refused_without_a_session_or_with_a_wrong_csrf_token(page, local_server, api, bc_shared_dir):
    job_id = create(local_server, job({"wait": waiting_task(bc_shared_dir)}, name="guarded"))
    wait_state(api.get_job, job_id, ["Running"])
    page.open("/console/jobs/" + job_id)
    assert "/console/login" in page.driver.current_url and "guarded" not in page.driver.page_source
    page.log_in()
    page.open("/console/jobs/" + job_id)
    # in one script: the page's own refresh may replace the form between two steps
    page.driver.execute_script(
        "const stop = document.getElementById('stop'); stop.form.csrf.value = 'forged'; stop.click()"
    )
    page.wait(lambda: page.text("h1") == "403", "the refusal")
    assert "security token" in page.text("main")
    assert api.get_job(job_id).State == "Running"
    open_gate(bc_shared_dir)


def test_screenshots_of_the_jobs_page_and_a_20_task_dag(driver, tmp_path):
    """Jobs in every state, and a 20-task DAG with finished, running and waiting tasks and one
    whose instance failed (the job goes on: JobFailOnInstanceFail is false)."""
    gate, cluster_gate = tmp_path / "dag", tmp_path / "cluster"
    gate.mkdir()
    cluster_gate.mkdir()
    with local_server(tmp_path / "server", workers=8, poll_interval=0.05) as server:
        api = server.client()
        for name, command in (("nightly-report", "true"), ("import-logs", "exit 2")):
            wait_state(api.get_job, create(server, job({"main": task(command, 3)}, name=name)))
        stopped = create(server, job({"main": waiting_task(tmp_path / "never", 2)}, name="reindex"))
        wait_state(api.get_job, stopped, ["Running"])
        api.stop_job(stopped)
        one_vm = api.create_cluster(cluster(vms=1, name="render-farm")).Id
        render = create(server, job({"frames": waiting_task(cluster_gate, 2, cluster_id=one_vm)}, name="render-frames"))
        wait_state(api.get_job, render, ["Running"])
        queued = create(server, job({"main": task("true", cluster_id=one_vm)}, name="encode-video"))
        dag_job = create(server, job(*twenty_tasks(gate), name="genome-align", fail_fast=False, priority=10))
        for name, state in (("t04", "Finished"), ("t05", "Running"), ("t06", "Running"), ("t15", "Finished")):
            wait_state(lambda name: api.get_task(dag_job, name), name, [state])
        page = Page(driver, server.server.endpoint)
        page.log_in()
        page.open("/console/jobs")
        assert [page.text('tr[data-job="%s"] .badge' % ident) for ident in (queued, render, stopped)] == [
            "Waiting",
            "Running",
            "Stopped",
        ]
        assert len(page.finds("tbody tr[data-job]")) == 6
        page.screenshot("console-jobs.png", 560)
        page.open("/console/jobs/" + dag_job)
        assert len(page.finds("svg.dag a.node")) == 20 and len(page.finds("svg.dag .edges path")) == 26
        assert page.finds('svg.dag a[data-task="t04"] rect.strip.s-failed')
        page.screenshot("console-job-dag.png", 1100)
        open_gate(gate, 0)
        open_gate(gate, 1)
        open_gate(cluster_gate, 0)
        open_gate(cluster_gate, 1)
        assert wait_state(api.get_job, dag_job, timeout=60).State == "Finished"
        assert wait_state(api.get_job, queued, timeout=60).State == "Finished"


def twenty_tasks(gate):
    """Twenty tasks in five levels: t04's instance fails, t05 and t06 wait for ``gate``."""
    tasks = {"t%02d" % i: task("sleep 0.%d" % (i % 4), 1 + i % 3) for i in range(20)}
    tasks["t04"] = task("echo bad input >&2; exit 1")
    tasks["t05"] = waiting_task(gate, 1)
    tasks["t06"] = waiting_task(gate, 2)
    deps = {"t00": ["t01", "t02", "t03"], "t01": ["t04", "t05"], "t02": ["t06", "t07", "t08"], "t03": ["t09"]}
    deps.update({"t04": ["t10"], "t05": ["t10", "t11"], "t06": ["t12"], "t07": ["t12", "t13"], "t08": ["t14"]})
    deps.update({"t09": ["t15"], "t10": ["t16"], "t11": ["t16"], "t12": ["t17"], "t13": ["t17"], "t14": ["t18"]})
    deps.update({"t15": ["t18"], "t16": ["t19"], "t17": ["t19"], "t18": ["t19"]})
    return tasks, deps
