"""Unit tests of the local server's parts: object store paths, DAG checks, signatures, store."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import pytest
from local_helpers import job, task

from batchcompute.local.constants import ACCESS_KEYS_ENV
from batchcompute.local.errors import ApiError
from batchcompute.local.ids import format_time, job_id
from batchcompute.local.model.attempts import RunResult
from batchcompute.local.model.job_description import completed_dag_job
from batchcompute.local.model.jobs import CommandSpec, parse_job
from batchcompute.local.run.journal import AttemptJournal, read_records
from batchcompute.local.run.objects import ObjectStore, OssPathError
from batchcompute.local.run.steps import held_command, release, start_held
from batchcompute.local.run.threads import PRUNE_AT, Watchdog
from batchcompute.local.state.store import Store
from batchcompute.local.testing import signed_headers
from batchcompute.local.web.auth import Authenticator


@pytest.mark.parametrize(
    "url",
    [
        "oss://b/../x",
        "oss://b/a/../../x",
        "oss://../x",
        "oss://b//x",
        "oss:///x",
        "oss://b/./x",
        "oss://b/x\x00y",
        "oss://b\\..\\x",
        "s3://b/x",
        "/etc/passwd",
        "",
        None,
        3,
        "oss://",
        "oss:///",
    ],
)
def test_object_store_rejects_escaping_paths(tmp_path, url):
    store = ObjectStore(tmp_path)
    with pytest.raises(OssPathError):
        store.path(url)


def test_object_store_maps_and_confines_symlinks(tmp_path):
    store = ObjectStore(tmp_path / "oss")
    assert store.path("oss://bucket/a/b.txt") == tmp_path / "oss" / "bucket" / "a" / "b.txt"
    assert store.path("oss://bucket/dir/") == tmp_path / "oss" / "bucket" / "dir"
    (tmp_path / "oss" / "bucket").mkdir(parents=True)
    os.symlink("/etc", tmp_path / "oss" / "bucket" / "link")
    with pytest.raises(OssPathError):
        store.path("oss://bucket/link/passwd")


def test_log_objects_are_created_inside_the_store_only(tmp_path):
    store = ObjectStore(tmp_path / "oss")
    fd = store.create("oss://bucket/logs/stdout.1")
    os.write(fd, b"out")
    os.close(fd)
    assert store.read_bytes("oss://bucket/logs/stdout.1") == b"out"
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside / "target", tmp_path / "oss" / "bucket" / "logs" / "stdout.2")
    os.symlink(outside, tmp_path / "oss" / "bucket" / "elsewhere")
    for url in ("oss://bucket/logs/stdout.2", "oss://bucket/elsewhere/stdout.3"):
        with pytest.raises(OssPathError):
            store.create(url)
    assert list(outside.iterdir()) == []
    shutil.rmtree(tmp_path / "oss" / "bucket" / "logs")  # a remembered directory that went away
    os.close(store.create("oss://bucket/logs/stdout.4"))
    assert store.read_bytes("oss://bucket/logs/stdout.4") == b""


def test_log_objects_created_together_share_their_folder_and_stay_inside_the_store(tmp_path):
    store = ObjectStore(tmp_path / "oss")
    fds = store.create_all(["oss://bucket/logs/stdout.1", "oss://bucket/logs/stderr.1", "oss://other/x/stdout.1"])
    for fd, data in zip(fds, (b"out", b"err", b"x")):
        os.write(fd, data)
        os.close(fd)
    assert [store.read_bytes(url) for url in ("oss://bucket/logs/stdout.1", "oss://bucket/logs/stderr.1")] == [
        b"out",
        b"err",
    ]
    assert store.read_bytes("oss://other/x/stdout.1") == b"x"
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside / "target", tmp_path / "oss" / "bucket" / "logs" / "stderr.2")
    opened = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OssPathError):
        store.create_all(["oss://bucket/logs/stdout.2", "oss://bucket/logs/stderr.2"])
    assert len(os.listdir("/proc/self/fd")) == opened  # the first one's descriptor is closed too
    assert list(outside.iterdir()) == []


def test_the_watchdog_keeps_neither_cancelled_deadlines_nor_calls_them():
    watchdog, calls = Watchdog(), []
    for _ in range(1000):
        watchdog.after(600, lambda: calls.append("late")).cancel()
    assert watchdog.pending() <= 2 * PRUNE_AT
    done = threading.Event()
    watchdog.after(0.01, done.set)
    assert done.wait(5) and calls == []


def _parse(body, root):
    return parse_job(body, ObjectStore(root), lambda cid: cid == "cls-ok", lambda name: None)


def _held_shell(tmp_path, command):
    """A held shell running ``command`` in ``tmp_path``, and its go; its stdout is ``tmp_path/out``."""
    with open(tmp_path / "out", "wb") as out:
        return start_held(held_command(command, "", {}, tmp_path), tmp_path, out, out)


def test_a_held_shell_runs_its_command_in_its_folder_once_released(tmp_path):
    proc, go = _held_shell(tmp_path, "pwd; exit 3")
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(0.2)  # held
    release(go)
    assert proc.wait(10) == 3
    assert os.path.realpath((tmp_path / "out").read_text().strip()) == os.path.realpath(tmp_path)


def test_an_abandoned_held_shell_runs_nothing(tmp_path):
    proc, go = _held_shell(tmp_path, "echo ran")
    os.close(go)
    assert proc.wait(10) == 125 and (tmp_path / "out").read_bytes() == b""


def test_a_held_shell_inherits_no_descriptor_of_the_server(tmp_path):
    kept, given = os.pipe()
    os.set_inheritable(given, True)  # as what started the server may have left one
    try:
        proc, go = _held_shell(tmp_path, "ls /proc/self/fd")
        release(go)
        assert proc.wait(10) == 0
        assert sorted((tmp_path / "out").read_text().split(), key=int) == ["0", "1", "2", "3"]  # 3: ls's own
    finally:
        os.close(kept)
        os.close(given)


def test_the_servers_keys_reach_no_command_of_an_embedded_server(tmp_path, monkeypatch):
    monkeypatch.setenv(ACCESS_KEYS_ENV, "team:s3cret")  # an embedding program's environment
    command = held_command("env", "", {"OWN": "x"}, tmp_path)
    assert command.env is not None and ACCESS_KEYS_ENV not in command.env
    with open(tmp_path / "out", "wb") as out:
        proc, go = start_held(command, tmp_path, out, out)
    release(go)
    assert proc.wait(10) == 0
    listed = (tmp_path / "out").read_text().splitlines()
    assert "OWN=x" in listed and not any("s3cret" in line for line in listed)
    monkeypatch.delenv(ACCESS_KEYS_ENV)
    assert held_command("env", "", {"OWN": "x"}, tmp_path).env is None  # this process's, as it is


def test_dependencies_direction_and_cycles(tmp_path):
    tasks = {"a": task("true"), "b": task("true"), "c": task("true")}
    parsed = _parse(job(tasks, {"a": ["b", "c"], "b": ["c"]}), tmp_path)
    upstream = {t.name: sorted(t.upstream) for t in parsed.tasks}
    assert upstream == {"a": [], "b": ["a"], "c": ["a", "b"]}
    with pytest.raises(ApiError) as err:
        _parse(job({"a": task("true"), "b": task("true")}, {"a": ["b"], "b": ["a"]}), tmp_path)
    assert err.value.code == "BadDAG" and err.value.status == 400


def test_job_ids_and_times():
    ident = job_id()
    assert len(ident) == 36 and ident.startswith("job-") and int(ident[4:], 16) >= 0 and ident[4:] == ident[4:].upper()
    assert format_time(0) == "1970-01-01T00:00:00.000000Z" and format_time(None) == ""


def _headers(**extra):
    return list(signed_headers("GET", "/jobs?Marker&MaxItemCount=1", b"", "id", "secret", extra).items())


def test_authenticator_accepts_sdk_requests_once():
    auth = Authenticator({"id": "secret"})
    headers = _headers()
    assert auth.verify("GET", "/jobs?Marker&MaxItemCount=1", headers, b"") == "id"
    with pytest.raises(ApiError) as err:
        auth.verify("GET", "/jobs?Marker&MaxItemCount=1", headers, b"")
    assert err.value.code == "Forbidden" and "nonce" in err.value.message


def test_authenticator_checks_the_raw_target_and_clock():
    auth = Authenticator({"id": "secret"})
    with pytest.raises(ApiError) as err:
        auth.verify("GET", "/jobs?Marker=&MaxItemCount=1", _headers(), b"")
    assert err.value.code == "SignatureDoesNotMatch"
    late = Authenticator({"id": "secret"}, clock=lambda: time.time() + 16 * 60)
    with pytest.raises(ApiError) as err:
        late.verify("GET", "/jobs?Marker&MaxItemCount=1", _headers(), b"")
    assert err.value.code == "Forbidden" and "15 minutes" in err.value.message


def test_store_commits_and_survives_reopen(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    with store.transaction() as conn:
        conn.execute("INSERT INTO apps (name, creation_time) VALUES ('x', 1)")
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO apps (name, creation_time) VALUES ('y', 1)")
            raise RuntimeError("rolled back")
    store.close()
    reopened = Store(tmp_path / "db.sqlite")
    with reopened.read() as conn:
        assert [row[0] for row in conn.execute("SELECT name FROM apps")] == ["x"]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened.close()


def test_command_spec_reads_and_writes_the_stored_json():
    stored = (
        '{"CommandLine":"echo hi","DockerImage":"","EnvVars":{"A":"1"},"InputMapping":{"oss://b/in":"in"},'
        '"OutputMapping":{},"PackagePath":"","StderrPrefix":"oss://b/err/","StdoutPrefix":"oss://b/out/"}'
    )
    spec = CommandSpec.from_json(stored)
    assert spec.command_line == "echo hi" and spec.env_vars == {"A": "1"} and spec.stderr_prefix == "oss://b/err/"
    assert spec.to_json() == stored
    assert spec.log_urls("job-1", "t", 2) == ("oss://b/out/stdout.job-1.t.2", "oss://b/err/stderr.job-1.t.2")


def test_a_description_is_completed_at_every_level_it_has():
    mounted = {"Entries": [{"Source": "oss://b/"}], "NAS": None}
    auto = {"ImageId": "img-1", "Configs": {"Disks": {"SystemDisk": {"Size": 40, "Type": "cloud"}}}}
    tasks = {"t": {"Parameters": None, "Mounts": mounted, "AutoCluster": auto, "Timeout": 5}}
    desc = completed_dag_job({"Name": "j", "Notification": "as given", "DAG": {"Tasks": tasks}})
    assert desc["Notification"] == "as given" and desc["DAG"]["Dependencies"] == {}
    task_desc = desc["DAG"]["Tasks"]["t"]
    assert task_desc["Timeout"] == 5 and task_desc["Parameters"]["Command"]["Docker"] == {"Image": ""}
    assert task_desc["Mounts"]["Entries"] == [{"Source": "oss://b/", "Destination": "", "WriteSupport": False}]
    assert task_desc["Mounts"]["Lock"] is False and task_desc["Mounts"]["NAS"] is None  # optional: as given
    assert task_desc["AutoCluster"]["Configs"] == {"Disks": {"SystemDisk": {"Size": 40, "Type": "cloud"}}}
    assert task_desc["AutoCluster"]["ImageId"] == "img-1" and task_desc["AutoCluster"]["ECSImageId"] == ""
    assert tasks["t"]["Parameters"] is None  # the stored description is not changed


@pytest.mark.parametrize(
    "key, message",
    [
        (("job-1", "t", 0), ""),
        (("job-1", 'a "quoted"\\ task', 7), 'line one\nline two "quoted" \\ \t'),
        (("job-1", "tâche-日本", 12), "é" * 5000),  # cut to fit its room, still JSON
    ],
)
def test_an_attempt_record_reads_back_as_written_whatever_its_names_and_message(tmp_path, key, message):
    journal = AttemptJournal(tmp_path)
    record = journal.open(key, 3)
    record.started(4321, "100-101")
    record.ended(RunResult(137, "InstanceTimeout", message))
    (found,) = read_records(tmp_path)
    assert (found.key, found.run_seq, found.pid, found.start_token) == (key, 3, 4321, "100-101")
    assert (found.outcome.exit_code, found.outcome.error_code) == (137, "InstanceTimeout")
    shown = found.outcome.error_message
    assert shown == message if len(message) < 1000 else (len(shown) > 100 and message.startswith(shown))
    record.remove()
    assert read_records(tmp_path) == []
    journal.close()
