"""The dask executor on real clusters: a scheduler and workers that are separate processes over
TCP, each in a folder of its own, sharing no folder with the server. Faults: a worker killed in
the middle of an instance, a server killed and started again, a scheduler that goes away."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import oss2
import pytest
from local_helpers import job, self_signed_certificate, task, wait_state, wait_until

import batchcompute
from batchcompute.local.constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from batchcompute.local.run.dask import DaskUnavailable
from batchcompute.local.server import LocalServer
from batchcompute.local.testing import SignedRequester, dask_cluster, local_server

#: Seconds a fault scenario may take to settle (the machine may be busy).
PATIENCE = 60


@pytest.fixture
def bc_executor():
    """The plugin's ``local_server`` runs its instances on the session's Dask cluster."""
    return "dask"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A cluster of this module's own, whose workers the tests kill: single-threaded workers, so
    that two instances run on two workers."""
    with dask_cluster(workers=2, threads=1, hidden=[tmp_path_factory.getbasetemp()]) as own:
        yield own


def _workers(cluster, count=2):
    """Make sure ``count`` workers are alive; their addresses by name."""
    missing = count - len(cluster.alive())
    if missing > 0:
        cluster.add_workers(missing)
    addresses = cluster.addresses()
    return {name: addresses[name] for name in cluster.alive()}


def _stdout(server, api, job_id, task_name, iid=0):
    return server.read_object(api.get_instance(job_id, task_name, iid).StdoutRedirectPath)


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _gated(shared, before="before", after="after"):
    """A command that prints ``before`` and its worker, leaves a sleeping child (its pid in
    ``<shared>/<instance>.pid``), counts its runs, and ends once ``<shared>/gate.<instance>``
    exists."""
    mine = '"%s/$BATCH_COMPUTE_DAG_INSTANCE_ID' % shared
    return (
        'echo %s $BATCH_COMPUTE_WORKER_ID; echo run >> %s.runs"; sleep 60 & echo $! > %s.pid"; '
        'while [ ! -e "%s/gate.$BATCH_COMPUTE_DAG_INSTANCE_ID" ]; do sleep 0.05; done; kill $!; echo %s'
        % (before, mine, mine, shared, after)
    )


def _open_gate(shared, iid=0):
    (shared / ("gate.%d" % iid)).write_text("")


def _runs(shared, iid):
    path = shared / ("%d.runs" % iid)
    return len(path.read_text().splitlines()) if path.exists() else 0


def _running_on(server, api, job_id, iid):
    """The address of the worker that runs the instance, once its first line is in its log."""
    found = []

    def printed():
        try:
            text = _stdout(server, api, job_id, "t", iid)
        except FileNotFoundError:  # not dispatched yet
            return False
        found[:] = re.findall(r"^before (tcp://\S+)$", text, re.M)
        return bool(found)

    wait_until(printed, PATIENCE, "instance %d to print its worker" % iid)
    return found[0]


# -- on the session's cluster --------------------------------------------------------------------


def test_instances_run_on_the_workers_and_see_nothing_of_the_server(local_server, api, bc_dask_cluster):
    data_dir = local_server.data_dir
    show = (
        'echo "worker=$BATCH_COMPUTE_WORKER_ID"; echo "pwd=$PWD"; echo "oss=$BATCH_COMPUTE_OSS_HOST"; '
        'if [ -e "%s" ]; then echo "sees the data dir"; fi; env | grep -c BATCH_COMPUTE_LOCAL_ || true' % data_dir
    )
    make = task(
        "mkdir out && echo made on $BATCH_COMPUTE_WORKER_ID > out/made.txt",
        OutputMapping={"out/": "oss://test-bucket/made/"},
    )
    use = task(show + "; cat in/made.txt", 3, InputMapping={"oss://test-bucket/made/": "in/"})
    job_id = api.create_job(job({"make": make, "use": use}, {"make": ["use"]})).Id
    assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
    addresses = set(bc_dask_cluster.addresses().values()) if bc_dask_cluster else None
    for iid in range(3):
        instance = api.get_instance(job_id, "use", iid)
        assert instance.State == "Finished" and instance.NodeIp == "127.0.0.1"
        lines = dict(line.split("=", 1) for line in _stdout(local_server, api, job_id, "use", iid).splitlines()[:3])
        assert addresses is None or lines["worker"] in addresses
        assert not lines["pwd"].startswith(str(data_dir)) and "/batchcompute-work/" in lines["pwd"]
        assert lines["oss"] == local_server.oss_endpoint.split("//")[1]
        rest = _stdout(local_server, api, job_id, "use", iid).splitlines()[3:]
        assert rest[0] == "0"  # no BATCH_COMPUTE_LOCAL_* variable names a folder of the server
        assert rest[1].startswith("made on tcp://")
        if bc_dask_cluster and bc_dask_cluster.hides:
            assert "sees the data dir" not in rest


def test_logs_are_readable_through_the_oss_endpoint_while_the_instance_runs(local_server, api, bc_shared_dir):
    command = 'echo first; echo oops >&2; while [ ! -e "%s/go" ]; do sleep 0.05; done; echo second' % bc_shared_dir
    job_id = api.create_job(job({"t": task(command)})).Id
    bucket = oss2.Bucket(
        oss2.Auth(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET), local_server.oss_endpoint, "test-bucket"
    )
    key = "logs/stdout.%s.t.0" % job_id

    def shows(name, text):
        try:
            return bucket.get_object(name).read() == text
        except oss2.exceptions.NotFound:  # the bucket or the log is not made yet
            return False

    wait_until(lambda: shows(key, b"first\n"), PATIENCE, "stdout to show its first line")
    wait_until(lambda: shows(key.replace("stdout", "stderr"), b"oops\n"), PATIENCE, "stderr to show its line")
    assert (
        api.get_instance(job_id, "t", 0).State == "Running" and api.get_instance(job_id, "t", 0).NodeIp == "127.0.0.1"
    )
    (bc_shared_dir / "go").write_text("")
    assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
    assert bucket.get_object(key).read() == b"first\nsecond\n"


# -- on a cluster of this module's own -----------------------------------------------------------


def test_a_worker_killed_mid_instance_fails_that_attempt_and_the_job_goes_on(cluster, tmp_path, bc_shared_dir):
    names = {address: name for name, address in _workers(cluster).items()}
    with local_server(tmp_path / "d", executor="dask", dask_scheduler=cluster.address, workers=2) as server:
        api = server.client()
        job_id = api.create_job(job({"t": task(_gated(bc_shared_dir), 2, retries=1)})).Id
        killed = _running_on(server, api, job_id, 0)
        _running_on(server, api, job_id, 1)
        orphan = int((bc_shared_dir / "0.pid").read_text())
        cluster.kill_worker(names[killed])
        wait_until(lambda: api.get_instance(job_id, "t", 0).RetryCount == 1, PATIENCE, "the killed attempt to count")
        wait_until(lambda: not _alive(orphan), PATIENCE, "the killed worker's command to end")
        for iid in range(2):
            _open_gate(bc_shared_dir, iid)
        assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
        first, second = api.get_instance(job_id, "t", 0), api.get_instance(job_id, "t", 1)
        assert first.State == second.State == "Finished" and (first.RetryCount, second.RetryCount) == (1, 0)
        assert killed not in _stdout(server, api, job_id, "t", 0)  # the retry ran on the other worker
        assert (_runs(bc_shared_dir, 0), _runs(bc_shared_dir, 1)) == (2, 1)  # Dask's own rerun never ran


def _workers_printed(server, api, job_id, count):
    """The worker each instance of ``count`` printed, for those that printed it."""
    found = {}
    for iid in range(count):
        try:
            printed = re.findall(r"^before (tcp://\S+)$", _stdout(server, api, job_id, "t", iid), re.M)
        except FileNotFoundError:  # not sent yet
            continue
        if printed:
            found[iid] = printed[0]
    return found


def test_the_attempts_a_killed_worker_had_queued_run_elsewhere_and_count_no_retry(cluster, tmp_path, bc_shared_dir):
    names = {address: name for name, address in _workers(cluster).items()}
    with local_server(tmp_path / "d", executor="dask", dask_scheduler=cluster.address, workers=4) as server:
        api = server.client()
        job_id = api.create_job(job({"t": task(_gated(bc_shared_dir), 4, retries=1)})).Id
        running = {}
        wait_until(
            lambda: len(running.update(_workers_printed(server, api, job_id, 4)) or running) == 2, PATIENCE, "two"
        )
        assert api.get_job(job_id).InstanceMetrics.RunningCount == 4  # the other two queued, one on each worker
        lost = min(running)
        cluster.kill_worker(names[running[lost]])
        wait_until(lambda: api.get_instance(job_id, "t", lost).RetryCount == 1, PATIENCE, "the killed attempt to count")
        for iid in range(4):
            _open_gate(bc_shared_dir, iid)
        assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
        assert [api.get_instance(job_id, "t", iid).RetryCount for iid in range(4)] == [int(n == lost) for n in range(4)]
        assert [_runs(bc_shared_dir, iid) for iid in range(4)] == [1 + int(n == lost) for n in range(4)]
        queued = set(range(4)) - set(running)
        assert all(running[lost] not in _stdout(server, api, job_id, "t", iid) for iid in queued)


def test_a_lost_worker_names_itself_in_the_error_of_an_attempt_without_retries(cluster, tmp_path, bc_shared_dir):
    names = {address: name for name, address in _workers(cluster).items()}
    with local_server(tmp_path / "d", executor="dask", dask_scheduler=cluster.address, workers=2) as server:
        api = server.client()
        job_id = api.create_job(job({"t": task(_gated(bc_shared_dir))})).Id
        worker = _running_on(server, api, job_id, 0)
        cluster.kill_worker(names[worker])
        assert wait_state(api.get_job, job_id, timeout=PATIENCE).State == "Failed"
        result = api.get_instance(job_id, "t", 0).Result
        assert result.ErrorCode == "WorkerLost" and worker in result.ErrorMessage
        assert _runs(bc_shared_dir, 0) == 1


def test_stop_job_leaves_no_process_on_any_worker(cluster, tmp_path, bc_shared_dir):
    _workers(cluster)
    with local_server(tmp_path / "d", executor="dask", dask_scheduler=cluster.address, workers=4) as server:
        api = server.client()
        job_id = api.create_job(job({"t": task(_gated(bc_shared_dir), 4)})).Id
        pid_files = []
        wait_until(
            lambda: len(pid_files.extend(bc_shared_dir.glob("*.pid")) or set(pid_files)) >= 2, PATIENCE, "two instances"
        )
        time.sleep(0.3)
        api.stop_job(job_id)
        assert api.get_job(job_id).State == "Stopped"
        started = sorted(bc_shared_dir.glob("*.pid"))
        pids = [int(path.read_text()) for path in started]
        wait_until(lambda: not any(_alive(pid) for pid in pids), PATIENCE, "the stopped commands to end")
        time.sleep(1.0)  # the two queued in Dask never start: the server claimed them
        assert sorted(bc_shared_dir.glob("*.pid")) == started and len(started) == 2
        assert not _processes_of(bc_shared_dir)


def _processes_of(shared):
    """Processes whose command line names ``shared`` (an instance's shell)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            try:
                if str(shared) in (entry / "cmdline").read_text():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _free_port_pair():
    """A port whose successor is free too (the API and the OSS endpoint)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two free ports in a row")


def _start_server(data_dir, port, scheduler):
    env = dict(os.environ, PYTHONPATH=str(Path(batchcompute.__file__).resolve().parent.parent))
    command = [sys.executable, "-m", "batchcompute.local", "--port", str(port), "--data-dir", str(data_dir)]
    command += ["--workers", "2", "--executor", "dask", "--dask-scheduler", scheduler, "--log-level", "INFO"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert "listening on" in proc.stdout.readline(), proc.stderr.read() if proc.poll() is not None else ""
    return proc, SignedRequester("http://127.0.0.1:%d" % port)


def test_a_restarted_server_adopts_the_attempts_left_on_the_workers(cluster, tmp_path, bc_shared_dir):
    _workers(cluster)
    port = _free_port_pair()
    proc, requester = _start_server(tmp_path / "d", port, cluster.address)
    try:
        batchcompute.Client.register_region("local", "127.0.0.1", port)
        api = batchcompute.Client("127.0.0.1", DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, port=port)
        server = type("Server", (), {"read_object": lambda self, url: (tmp_path / "d" / "oss" / url[6:]).read_text()})()
        job_id = api.create_job(job({"t": task(_gated(bc_shared_dir), 3)})).Id
        _running_on(server, api, job_id, 0)
        _running_on(server, api, job_id, 1)
        proc.kill()
        proc.wait()
        _open_gate(bc_shared_dir, 0)  # ends while no server runs
        time.sleep(0.5)
        proc, requester = _start_server(tmp_path / "d", port, cluster.address)
        wait_until(lambda: api.get_instance(job_id, "t", 0).State == "Finished", PATIENCE, "the ended attempt")
        assert api.get_instance(job_id, "t", 1).State == "Running"
        for iid in (1, 2):
            _open_gate(bc_shared_dir, iid)
        assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
        for iid in range(3):
            assert api.get_instance(job_id, "t", iid).RetryCount == 0 and _runs(bc_shared_dir, iid) == 1
            assert _stdout(server, api, job_id, "t", iid).endswith("after\n")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "adopted" in proc.stderr.read()
    finally:
        requester.close()
        if proc.poll() is None:
            proc.kill()


def test_a_scheduler_that_goes_away_keeps_jobs_waiting_and_the_server_reconnects(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="batchcompute.local")
    port = _free_port_pair()
    with dask_cluster(workers=1, threads=1, port=port) as own:
        with local_server(
            tmp_path / "d", executor="dask", dask_scheduler=own.address, workers=2, poll_interval=0.05
        ) as server:
            api = server.client()
            assert api.poll([api.create_job(job({"t": task("true")})).Id], timeout=PATIENCE, interval=0.05) == []
            own.kill_scheduler()
            wait_until(lambda: "lost the Dask scheduler" in caplog.text, PATIENCE, "the server to notice")
            job_id = api.create_job(job({"t": task("echo back")})).Id
            time.sleep(1.5)
            assert api.get_job(job_id).State == "Waiting"
            own.start_scheduler(port)
            own.add_workers(1)
            assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
            assert server.read_object(api.get_instance(job_id, "t", 0).StdoutRedirectPath) == "back\n"
            assert "connected to the Dask scheduler" in caplog.text


# -- starting ---------------------------------------------------------------------------------------


def test_without_a_scheduler_the_server_starts_a_local_cluster(tmp_path):
    with local_server(tmp_path / "d", executor="dask", workers=2, poll_interval=0.05) as server:
        api = server.client()
        job_id = api.create_job(job({"t": task("echo $BATCH_COMPUTE_WORKER_ID", 2)})).Id
        assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
        for iid in range(2):
            assert server.read_object(api.get_instance(job_id, "t", iid).StdoutRedirectPath).startswith("tcp://")


def test_without_dask_installed_the_dask_executor_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DaskUnavailable, match=re.escape('pip install "batchcompute[dask]"')):
        LocalServer(tmp_path / "d", port=0, executor="dask")
    LocalServer(tmp_path / "d", port=0).close()  # nothing was left locked or bound
    script = (
        "import sys; sys.modules['distributed'] = None; from batchcompute.local.__main__ import main; sys.exit(main())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "--port", "0", "--data-dir", str(tmp_path / "e"), "--executor", "dask"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and 'pip install "batchcompute[dask]"' in done.stderr


def test_the_dask_executor_needs_the_oss_endpoint(tmp_path):
    with pytest.raises(ValueError, match="OSS endpoint"):
        LocalServer(tmp_path / "d", port=0, oss_port=0, executor="dask")


def test_workers_trust_the_servers_own_certificate_over_https(cluster, tmp_path):
    """With --tls-cert, workers reach the HTTPS OSS endpoint trusting the certificate the server
    hands them: nothing is set up on the workers (a REQUESTS_CA_BUNDLE of theirs does not get in
    the way)."""
    _workers(cluster)
    cert, key = self_signed_certificate(tmp_path)
    combined = tmp_path / "combined.pem"  # a certificate file that holds its key too: the key stays here
    combined.write_text(key.read_text() + cert.read_text())
    options = dict(executor="dask", dask_scheduler=cluster.address, workers=2, tls_cert=combined)
    with local_server(tmp_path / "d", **options) as server:
        assert server.oss_endpoint.startswith("https://")
        assert "PRIVATE KEY" not in server.server.executor.trust and "CERTIFICATE" in server.server.executor.trust
        api = server.client()
        make = task("mkdir out && echo over https > out/r.txt", OutputMapping={"out/": "oss://test-bucket/tls/"})
        use = task("cat in/r.txt", InputMapping={"oss://test-bucket/tls/": "in/"})
        job_id = api.create_job(job({"make": make, "use": use}, {"make": ["use"]})).Id
        assert api.poll([job_id], timeout=PATIENCE, interval=0.05) == []
        assert api.get_job(job_id).State == "Finished"
        assert _stdout(server, api, job_id, "use") == "over https\n"
