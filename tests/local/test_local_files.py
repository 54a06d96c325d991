"""Object store files are opened without following symbolic links: a folder swapped for a link
after it was checked (at create time, or by an earlier instance) leads nowhere outside the store."""

from __future__ import annotations

import os

import pytest
from local_helpers import job, task, wait_state

from batchcompute.local.run.objects import ObjectStore, OssPathError

SWAP = 'cd "$BATCH_COMPUTE_LOCAL_OSS_ROOT/test-bucket" && mv {0} {0}.old && ln -s "{1}" {0}'


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("secret\n")
    return folder


def _run(api, tasks, deps):
    job_id = api.create_job(job(tasks, deps, fail_fast=False)).Id
    wait_state(api.get_job, job_id)
    return job_id


def test_a_log_folder_swapped_for_a_link_gets_no_more_logs(api, outside):
    swap = task("echo first; " + SWAP.format("logs", outside))
    job_id = _run(api, {"swap": swap, "after": task("echo second")}, {"swap": ["after"]})
    assert api.get_instance(job_id, "swap", 0).State == "Finished"
    after = api.get_instance(job_id, "after", 0)
    assert after.State == "Failed" and "symbolic link" in after.Result.ErrorMessage
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]


def test_an_input_folder_swapped_for_a_link_after_create_is_not_read(local_server, api, outside):
    local_server.server.oss.write_bytes("oss://test-bucket/data/in.txt", b"inside\n")
    read = task("cat d/*", InputMapping={"oss://test-bucket/data/": "d/"})
    job_id = _run(api, {"swap": task(SWAP.format("data", outside)), "read": read}, {"swap": ["read"]})
    instance = api.get_instance(job_id, "read", 0)
    assert instance.State == "Failed" and instance.Result.ErrorCode == "InputMappingFailed"
    assert "symbolic link" in instance.Result.ErrorMessage
    stdout = local_server.oss_path(instance.StdoutRedirectPath)
    assert not stdout.exists() or "secret" not in stdout.read_text()


def test_a_link_inside_an_input_folder_is_refused(local_server, api, outside):
    local_server.server.oss.write_bytes("oss://test-bucket/in/a.txt", b"a\n")
    os.symlink(outside / "secret.txt", local_server.oss_path("oss://test-bucket/in/") / "b.txt")
    job_id = _run(api, {"t": task("cat in/*", InputMapping={"oss://test-bucket/in/": "in/"})}, {})
    instance = api.get_instance(job_id, "t", 0)
    assert instance.Result.ErrorCode == "InputMappingFailed"
    assert "oss://test-bucket/in/b.txt is a symbolic link" in instance.Result.ErrorMessage


def test_every_store_call_refuses_a_link_on_the_way(tmp_path, outside):
    store = ObjectStore(tmp_path / "oss")
    store.write_bytes("oss://b/real/x.txt", b"x")
    os.symlink(outside, tmp_path / "oss" / "b" / "link")
    os.symlink(outside / "secret.txt", tmp_path / "oss" / "b" / "real" / "file-link")
    local = tmp_path / "local"
    local.mkdir()
    (local / "out.txt").write_text("out")
    calls = [
        lambda: store.read_bytes("oss://b/link/secret.txt"),
        lambda: store.read_bytes("oss://b/real/file-link"),
        lambda: store.write_bytes("oss://b/link/new.txt", b"new"),
        lambda: store.append("oss://b/link/new.txt", b"new"),
        lambda: store.create("oss://b/real/file-link"),
        lambda: store.download("oss://b/link/secret.txt", local / "copy.txt"),
        lambda: store.download("oss://b/link/", local / "copy"),
        lambda: store.download("oss://b/real/", local / "copy"),
        lambda: store.upload(local / "out.txt", "oss://b/link/"),
        lambda: store.upload(local, "oss://b/link/"),
        lambda: store.open_for_read("oss://b/link/secret.txt"),
    ]
    for call in calls:
        with pytest.raises(OssPathError):
            call()
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret\n"
    assert not (local / "copy.txt").exists()
    store.download("oss://b/real/x.txt", local / "x.txt")
    assert (local / "x.txt").read_bytes() == b"x"
