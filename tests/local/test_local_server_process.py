"""Starting and stopping the server: clean shutdown and resume, command line, notifications, Docker."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from local_helpers import job, task, wait_state, wait_until

import batchcompute
from batchcompute.local.run.steps import container_engine
from batchcompute.local.server import DataDirLocked, LocalServer
from batchcompute.local.testing import SignedRequester, local_server

pytestmark = pytest.mark.every_executor


def test_clean_shutdown_requeues_running_instances_and_restart_resumes(tmp_path):
    data, flag = tmp_path / "data", tmp_path / "second-run"
    command = 'if [ -e "%s" ]; then echo resumed; else touch "%s"; sleep 30; fi' % (flag, flag)
    with local_server(data, workers=2, poll_interval=0.05) as server:
        job_id = server.request("POST", "/jobs", body=job({"t": task(command)})).json()["Id"]
        wait_until(flag.exists, 10, "the instance to start")
    with local_server(data, workers=2, poll_interval=0.05) as server:
        with pytest.raises(DataDirLocked):
            LocalServer(data, port=0)
        get = server.request
        wait_until(lambda: get("GET", "/jobs/" + job_id).json()["State"] == "Finished", 10, "the job to finish")
        instance = get("GET", "/jobs/%s/tasks/t/instances/0" % job_id).json()
        assert instance["RetryCount"] == 0 and server.read_object(instance["StdoutRedirectPath"]) == "resumed\n"


def _start(args, keys=None):
    env = dict(os.environ, PYTHONPATH=str(Path(batchcompute.__file__).resolve().parent.parent))
    env.pop("BATCH_COMPUTE_LOCAL_ACCESS_KEYS", None)
    if keys:
        env["BATCH_COMPUTE_LOCAL_ACCESS_KEYS"] = keys
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchcompute.local", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, proc.stdout.readline()


def test_command_line_keys_banner_and_sigint(tmp_path):
    proc, banner = _start(["--data-dir", str(tmp_path / "d"), "--access-key", "team:s3cret", "--access-key", "ci:x"])
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        assert "register_region('local', '127.0.0.1', %d)" % port in banner and "s3cret" not in banner
        endpoint = "http://127.0.0.1:%d" % port
        assert SignedRequester(endpoint, "team", "s3cret").request("GET", "/quotas").status_code == 200
        assert SignedRequester(endpoint, "ci", "x").request("GET", "/quotas").status_code == 200
        refused = SignedRequester(endpoint).request("GET", "/quotas")
        assert refused.status_code == 403 and refused.json()["Code"] == "Forbidden"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_keys_in_the_servers_environment_reach_no_command(tmp_path):
    proc, banner = _start(["--data-dir", str(tmp_path / "d")], keys="team:s3cret")
    try:
        endpoint = "http://127.0.0.1:%d" % int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        requester = SignedRequester(endpoint, "team", "s3cret")
        command = 'cat /proc/self/environ | tr "\\0" "\\n"; echo ---; cat /proc/$$/environ | tr "\\0" "\\n"'
        job_id = requester.request("POST", "/jobs", body=job({"t": task(command)})).json()["Id"]
        wait_until(lambda: requester.request("GET", "/jobs/" + job_id).json()["State"] == "Finished", 20, "the job")
        logs = requester.request("GET", "/jobs/%s/tasks/t/instances/0" % job_id).json()["StdoutRedirectPath"]
        listed = (tmp_path / "d" / "oss" / logs[len("oss://") :]).read_text()
        assert "BATCH_COMPUTE_DAG_JOB_ID=" + job_id in listed and "---" in listed
        assert "s3cret" not in listed and "BATCH_COMPUTE_LOCAL_ACCESS_KEYS" not in listed
    finally:
        proc.kill()
        proc.wait()


def _run(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(batchcompute.__file__).resolve().parent.parent))
    command = [sys.executable, "-m", "batchcompute.local", "--data-dir", str(tmp_path / "d"), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=30)


def test_command_line_version_and_ports_out_of_range(tmp_path):
    done = _run(["--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "batchcompute-local " + batchcompute.__version__
    for args in (["--port", "99999"], ["--port", "-1"], ["--oss-port", "70000"], ["--port", "http"]):
        done = _run(args, tmp_path)
        assert done.returncode == 2 and "argument --%s" % args[0][2:] in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("role", ["API", "OSS"])
def test_a_busy_port_is_named(tmp_path, role):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        args = ["--port", str(busy), "--oss-port", "0"] if role == "API" else ["--port", "0", "--oss-port", str(busy)]
        done = _run(args, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot listen on 127.0.0.1 port %d (%s): Address already in use" % (busy, role) in done.stderr


def test_standalone_server_logs_each_job_state_change(tmp_path):
    proc, banner = _start(["--data-dir", str(tmp_path / "d")])
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        batchcompute.Client.register_region("local", "127.0.0.1", port)
        client = batchcompute.Client("127.0.0.1", "LocalAccessKeyId", "LocalAccessKeySecret", port=port)
        good = client.create_job(job({"t": task("true")}, name="good")).Id
        bad = client.create_job(job({"t": task("exit 3", retries=0)}, name="bad")).Id
        assert client.poll([good], timeout=20, interval=0.05) == []
        wait_state(client.get_job, bad)
        client.delete_job(good)
        client.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = proc.stderr.read()
    changes = [line.split(": ", 1)[1] for line in log.splitlines() if " INFO batchcompute.local: job " in line]
    assert [c for c in changes if good in c] == [
        "job %s Waiting: created (good, 1 task)" % good,
        "job %s Running" % good,
        "job %s Finished" % good,
        "job %s deleted" % good,
    ]
    assert "job %s Failed: Task t instance 0 failed" % bad in log


def test_notification_events_are_logged(local_server, caplog):
    desc = job({"t": task("true")})
    desc["Notification"] = {
        "Topic": {"Name": "my-topic", "Endpoint": "http://mns", "Events": ["OnJobFinished"], "UserData": ""}
    }
    with caplog.at_level(logging.INFO, logger="batchcompute.local"):
        job_id = local_server.request("POST", "/jobs", body=desc).json()["Id"]
        wait_state(lambda i: _Status(local_server.request("GET", "/jobs/" + i).json()), job_id)
    events = [r.getMessage() for r in caplog.records if "notification" in r.getMessage()]
    assert events == ["notification: topic=my-topic endpoint=http://mns event=OnJobFinished job=%s" % job_id]


class _Status:
    def __init__(self, data):
        self.State = data["State"]


def test_docker_without_engine_fails_clearly(local_server):
    if container_engine() is not None:
        pytest.skip("a container engine answers on this machine")
    desc = task("true")
    desc["Parameters"]["Command"]["Docker"] = {"Image": "ubuntu:22.04"}
    job_id = local_server.request("POST", "/jobs", body=job({"t": desc})).json()["Id"]
    wait_state(lambda i: _Status(local_server.request("GET", "/jobs/" + i).json()), job_id)
    result = local_server.request("GET", "/jobs/%s/tasks/t/instances/0" % job_id).json()["Result"]
    assert result["ErrorCode"] == "DockerUnavailable" and "ubuntu:22.04" in result["ErrorMessage"]
