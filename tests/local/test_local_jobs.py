"""End-to-end: jobs run by the local server, driven through the SDK's Client."""

from __future__ import annotations

import io
import os
import tarfile
import time

import pytest
from local_helpers import cluster, job, task, wait_state, wait_until

from batchcompute.core.exceptions import ClientError

pytestmark = pytest.mark.every_executor


def _stdout(server, api, job_id, task_name, instance=0):
    path = api.get_instance(job_id, task_name, instance).StdoutRedirectPath
    return server.read_object(path)


def _stderr(server, api, job_id, task_name, instance=0):
    path = api.get_instance(job_id, task_name, instance).StderrRedirectPath
    return server.read_object(path)


def test_cluster_echo_job_three_instances(local_server, api):
    cluster_id = api.create_cluster(cluster(vms=2)).Id
    job_id = api.create_job(job({"echo": task("echo hello from $BATCH_COMPUTE_DAG_INSTANCE_ID", 3, cluster_id)})).Id
    assert job_id.startswith("job-") and len(job_id) == 36 and job_id[4:] == job_id[4:].upper()
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    status = api.get_job(job_id)
    assert status.State == "Finished"
    assert status.InstanceMetrics.FinishedCount == 3 and status.TaskMetrics.FinishedCount == 1
    assert status.StartTime and status.EndTime and status.CreationTime <= status.StartTime <= status.EndTime
    for n in range(3):
        instance = api.get_instance(job_id, "echo", n)
        assert instance.State == "Finished" and instance.Result.ExitCode == 0
        assert instance.StdoutRedirectPath == "oss://test-bucket/logs/stdout.%s.echo.%d" % (job_id, n)
        assert _stdout(local_server, api, job_id, "echo", n) == "hello from %d\n" % n
        assert instance.NodeIp.startswith("127.")


def test_split_count_merge_dag(local_server, api):
    data = "oss://test-bucket/wordcount/"
    local_server.server.oss.write_bytes(data + "input.txt", b"a b c\nd e\nf\ng h i j\n")
    split = task(
        "mkdir out && split -l 1 -d input/input.txt out/part- && ls out",
        1,
        InputMapping={data + "input.txt": "input/input.txt"},
        OutputMapping={"out/": data + "parts/"},
    )
    count = task(
        "wc -w < in/part-0$BATCH_COMPUTE_DAG_INSTANCE_ID > count.$BATCH_COMPUTE_DAG_INSTANCE_ID && "
        "mkdir res && mv count.* res/",
        4,
        InputMapping={data + "parts/": "in/"},
        OutputMapping={"res/": data + "counts/"},
    )
    merge = task("cat counts/count.* | awk '{s += $1} END {print s}'", 1, InputMapping={data + "counts/": "counts/"})
    job_id = api.create_job(
        job({"split": split, "count": count, "merge": merge}, {"split": ["count"], "count": ["merge"]})
    ).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert _stdout(local_server, api, job_id, "merge").strip() == "10"
    split_end = api.get_task(job_id, "split").EndTime
    count_task = api.get_task(job_id, "count")
    assert count_task.StartTime >= split_end and count_task.InstanceMetrics.FinishedCount == 4
    assert api.get_task(job_id, "merge").StartTime >= count_task.EndTime


def test_failing_job_reports_exit_code_and_fails(local_server, api):
    job_id = api.create_job(job({"bad": task("echo oops >&2; exit 3")})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == ["Job %s failed." % job_id]
    instance = api.get_instance(job_id, "bad", 0)
    assert instance.State == "Failed"
    assert instance.Result.ExitCode == 3 and instance.Result.ErrorCode == "NonZeroExitCode"
    assert "3" in instance.Result.ErrorMessage
    assert local_server.read_object(instance.StderrRedirectPath) == "oops\n"
    status = api.get_job(job_id)
    assert status.State == "Failed" and "bad" in status.Message
    assert api.get_task(job_id, "bad").State == "Failed"


def test_retry_until_success(local_server, api, bc_shared_dir):
    counter = bc_shared_dir / "attempts"
    command = 'echo x >> "$COUNTER"; [ "$(wc -l < "$COUNTER")" -ge 3 ]'
    job_id = api.create_job(job({"flaky": task(command, retries=2, env={"COUNTER": str(counter)})})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    instance = api.get_instance(job_id, "flaky", 0)
    assert instance.State == "Finished" and instance.RetryCount == 2
    assert counter.read_text().count("x") == 3


def test_retries_exhausted_fail(local_server, api, bc_shared_dir):
    counter = bc_shared_dir / "attempts"
    job_id = api.create_job(
        job({"t": task('echo x >> "$COUNTER"; exit 1', retries=1, env={"COUNTER": str(counter)})})
    ).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == ["Job %s failed." % job_id]
    assert api.get_instance(job_id, "t", 0).RetryCount == 1
    assert counter.read_text().count("x") == 2


def test_timeout_kills_the_process_group(local_server, api, bc_shared_dir):
    pid_file = bc_shared_dir / "child.pid"
    command = 'sleep 30 & echo $! > "%s"; wait' % pid_file
    started = time.monotonic()
    job_id = api.create_job(job({"slow": task(command, timeout=1)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == ["Job %s failed." % job_id]
    assert time.monotonic() - started < 10
    instance = api.get_instance(job_id, "slow", 0)
    assert instance.Result.ErrorCode == "InstanceTimeout" and "Timeout" in instance.Result.ErrorMessage
    child = int(pid_file.read_text())
    wait_until(lambda: not _alive(child), 5, "the background child to die")


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_stop_start_and_delete(local_server, api, bc_shared_dir):
    flag = bc_shared_dir / "go"
    command = 'if [ -e "%s" ]; then echo done; else sleep 30; fi' % flag
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    job_id = api.create_job(job({"wait": task(command, 2, cluster_id)})).Id
    wait_state(api.get_job, job_id, ["Running"])
    with pytest.raises(ClientError) as err:
        api.delete_job(job_id)
    assert err.value.status == 409 and err.value.code == "StateConflict"
    with pytest.raises(ClientError) as err:
        api.delete_cluster(cluster_id)
    assert err.value.status == 409
    with pytest.raises(ClientError) as err:
        api.change_job_priority(job_id, 5)
    assert err.value.status == 409
    api.stop_job(job_id)
    status = api.get_job(job_id)
    assert status.State == "Stopped" and status.InstanceMetrics.StoppedCount == 2
    assert [i.State for i in api.list_instances(job_id, "wait", 0, 10)] == ["Stopped", "Stopped"]
    api.change_job_priority(job_id, 5)
    assert api.get_job(job_id).Priority == 5
    flag.write_text("")
    api.start_job(job_id)
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert _stdout(local_server, api, job_id, "wait", 1) == "done\n"
    with pytest.raises(ClientError) as err:
        api.start_job(job_id)
    assert err.value.status == 409
    api.delete_job(job_id)
    with pytest.raises(ClientError) as err:
        api.get_job(job_id)
    assert err.value.status == 404 and err.value.code == "InvalidResource.NotFound"
    api.delete_cluster(cluster_id)


def test_env_vars(local_server, api, bc_executor):
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    api.change_cluster_env_vars(cluster_id, {"FROM_CLUSTER": "c1", "MY_VAR": "overridden"})
    command = "env | grep -E '^(MY_VAR|OTHER|FROM_CLUSTER|BATCH_COMPUTE_[A-Z_]*)=' | sort"
    job_id = api.create_job(job({"env": task(command, 1, cluster_id, env={"MY_VAR": "hello world", "OTHER": 7})})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    lines = dict(line.split("=", 1) for line in _stdout(local_server, api, job_id, "env").splitlines())
    assert lines["MY_VAR"] == "hello world" and lines["OTHER"] == "7" and lines["FROM_CLUSTER"] == "c1"
    assert lines["BATCH_COMPUTE_DAG_JOB_ID"] == job_id
    assert lines["BATCH_COMPUTE_DAG_TASK_ID"] == "env"
    assert lines["BATCH_COMPUTE_DAG_INSTANCE_ID"] == "0"
    assert lines["BATCH_COMPUTE_CLUSTER_ID"] == cluster_id
    assert lines["BATCH_COMPUTE_REGION"] == "local" and lines["BATCH_COMPUTE_OSS_HOST"]
    if bc_executor == "dask":  # the Dask worker that runs it
        assert lines["BATCH_COMPUTE_WORKER_ID"].startswith("tcp://127.0.0.1:")
    else:
        vms = [vm.Id for vm in api.list_cluster_instances(cluster_id, "group1", "", 10)]
        assert lines["BATCH_COMPUTE_WORKER_ID"] in vms


def test_a_command_inherits_nothing_of_the_server_but_its_environment(local_server, api, bc_executor):
    """Only stdin, stdout and stderr are open; SIGPIPE acts by default (the server ignores it, as
    Python does); the working directory is the instance's own, $PWD too; stdin is empty."""
    command = (
        'yes | head -n 1; echo "pipe=$?"; echo "cwd=$(pwd -P)"; echo "PWD=$PWD"; echo "stdin=$(wc -c)"; '
        "ls /proc/self/fd"  # its own: what it inherited, and the folder it reads (3)
    )
    job_id = api.create_job(job({"t": task(command)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    yes, pipe, cwd, pwd, stdin, *fds = _stdout(local_server, api, job_id, "t").splitlines()
    assert (yes, pipe) == ("y", "pipe=0")
    assert cwd.startswith("cwd=/") and os.path.realpath(pwd[len("PWD=") :]) == cwd[len("cwd=") :]
    assert stdin == "stdin=0"
    assert sorted(fds, key=int) == ["0", "1", "2", "3"]
    assert _stderr(local_server, api, job_id, "t") == ""


AWKWARD_VALUES = {
    "SPACED": " a  b ",
    "QUOTED": 'it\'s "q" \\',
    "DOLLAR": "$(echo no)`echo no`$HOME;",
    "LINES": "one\ntwo\n",
    "EMPTY": "",
    "EQUALS": "a=b",
}


@pytest.mark.parametrize("odd_name", [None, "MY-VAR"])
def test_variables_reach_the_command_as_they_are(local_server, api, odd_name):
    """Exported by the shell from its arguments, as they are; the command sees no arguments. A name
    the shell cannot hold reaches no command (a shell never passes one on)."""
    env = dict(AWKWARD_VALUES)
    if odd_name:
        env[odd_name] = "odd"
    names = sorted(AWKWARD_VALUES)
    command = 'printf "%%s|" "$#" "$0" %s; env | grep -c "^MY-VAR=odd$" || :' % " ".join('"$%s"' % n for n in names)
    job_id = api.create_job(job({"t": task(command, env=env)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == [], _stderr(local_server, api, job_id, "t")
    printed = _stdout(local_server, api, job_id, "t")
    assert printed == "0|/bin/sh|%s|0\n" % "|".join(AWKWARD_VALUES[n] for n in names)


#: What the official SDK sends beside a ClusterId when a tool sets ``task["AutoCluster"] = {}``.
SDK_EMPTY_AUTO_CLUSTER = {
    "InstanceType": "",
    "ECSImageId": "",
    "UserData": {},
    "ReserveOnFail": False,
    "DependencyIsvService": "",
}


@pytest.mark.parametrize("auto_cluster", [{}, SDK_EMPTY_AUTO_CLUSTER, {"ImageId": " ", "ReserveOnFail": True}])
def test_a_cluster_task_with_an_empty_auto_cluster_runs_on_the_cluster(local_server, api, auto_cluster):
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    command = "echo $BATCH_COMPUTE_CLUSTER_ID"
    job_id = api.create_job(job({"t": task(command, 2, cluster_id, AutoCluster=auto_cluster)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert [_stdout(local_server, api, job_id, "t", n) for n in range(2)] == [cluster_id + "\n"] * 2
    assert [t.TaskName for t in api.list_tasks(job_id, "", 10, cluster_id=cluster_id)] == ["t"]
    assert api.get_job_description(job_id).DAG.Tasks["t"].AutoCluster.InstanceType == ""


def test_a_task_with_a_cluster_and_a_real_auto_cluster_is_refused(local_server, api):
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    for auto_cluster in ({"InstanceType": "ecs.sn1.medium"}, {"ECSImageId": "m-1"}, {"ImageId": "img-ubuntu"}):
        with pytest.raises(ClientError) as caught:
            api.create_job(job({"t": task("true", 1, cluster_id, AutoCluster=auto_cluster)}))
        assert caught.value.get_status_code() == 400 and caught.value.get_code() == "InvalidClusterId"
    assert len(api.list_jobs("", 100)) == 0


def test_job_fail_on_instance_fail_false_goes_on(local_server, api):
    tasks = {"mixed": task("[ $BATCH_COMPUTE_DAG_INSTANCE_ID -ne 1 ]", 3), "after": task("echo after")}
    job_id = api.create_job(job(tasks, {"mixed": ["after"]}, fail_fast=False)).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    mixed = api.get_task(job_id, "mixed")
    assert mixed.InstanceMetrics.FailedCount == 1 and mixed.InstanceMetrics.FinishedCount == 2
    assert _stdout(local_server, api, job_id, "after") == "after\n"


def test_fail_fast_stops_the_other_instances(local_server, api):
    command = "if [ $BATCH_COMPUTE_DAG_INSTANCE_ID -eq 0 ]; then sleep 0.2; exit 1; else sleep 30; fi"
    started = time.monotonic()
    job_id = api.create_job(job({"t": task(command, 2)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == ["Job %s failed." % job_id]
    assert time.monotonic() - started < 10
    assert api.get_instance(job_id, "t", 1).State == "Stopped"


def test_cluster_slots_and_priorities(local_server, api, bc_shared_dir):
    log = bc_shared_dir / "order"
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    blocker = api.create_job(job({"b": task("sleep 0.3", 1, cluster_id)}, name="blocker")).Id
    wait_state(api.get_job, blocker, ["Running"])
    record = 'echo %s >> "%s"'
    low = api.create_job(job({"t": task(record % ("low", log), 2, cluster_id)}, name="low", priority=1)).Id
    high = api.create_job(job({"t": task(record % ("high", log), 2, cluster_id)}, name="high", priority=9)).Id
    assert api.poll([blocker, low, high], timeout=20, interval=0.05) == []
    assert log.read_text().split() == ["high", "high", "low", "low"]


def test_a_free_slot_goes_past_instances_that_wait_for_their_cluster(local_server, api, bc_shared_dir):
    """Two slots, a cluster of one VM: the second instance of the cluster's job waits for the VM,
    and the other slot runs a job of lower priority meanwhile."""
    flag = bc_shared_dir / "go"
    cluster_id = api.create_cluster(cluster(vms=1)).Id
    held = task('while [ ! -e "%s" ]; do sleep 0.02; done' % flag, 2, cluster_id)
    on_cluster = api.create_job(job({"t": held}, name="on-cluster", priority=9)).Id
    other = api.create_job(job({"t": task("true")}, name="other", priority=1)).Id
    try:
        assert api.poll([other], timeout=20, interval=0.05) == []
        assert api.get_job(on_cluster).InstanceMetrics.WaitingCount == 1
    finally:
        flag.touch()
    assert api.poll([on_cluster], timeout=20, interval=0.05) == []


def test_auto_release_deletes_a_finished_job(local_server, api):
    job_id = api.create_job(job({"t": task("true")}, auto_release=True)).Id
    wait_until(lambda: job_id not in [j.Id for j in api.list_jobs("", 100)], 20, "the job to be released")


def test_package_is_unpacked_in_the_working_directory(local_server, api):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        script = b"#!/bin/sh\necho packaged $1\n"
        info = tarfile.TarInfo("bin/run.sh")
        info.size, info.mode = len(script), 0o755
        archive.addfile(info, io.BytesIO(script))
    local_server.server.oss.write_bytes("oss://test-bucket/pkg/worker.tar.gz", buffer.getvalue())
    job_id = api.create_job(job({"t": task("sh bin/run.sh ok", package="oss://test-bucket/pkg/worker.tar.gz")})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert _stdout(local_server, api, job_id, "t") == "packaged ok\n"


def test_missing_package_and_unwritable_mapping_fail_clearly(local_server, api):
    job_id = api.create_job(job({"t": task("true", package="oss://test-bucket/none.tar.gz")})).Id
    api.poll([job_id], timeout=20, interval=0.05)
    result = api.get_instance(job_id, "t", 0).Result
    assert result.ErrorCode == "PackageError" and "none.tar.gz" in result.ErrorMessage
    stderr = local_server.read_object(api.get_instance(job_id, "t", 0).StderrRedirectPath)
    assert "PackagePath oss://test-bucket/none.tar.gz cannot be unpacked" in stderr
    local_server.server.oss.write_bytes("oss://test-bucket/in.txt", b"x")
    target = "/proc/batchcompute-test/in.txt" if os.geteuid() == 0 else "/root-only-%d/in.txt" % os.getpid()
    job_id = api.create_job(job({"t": task("true", InputMapping={"oss://test-bucket/in.txt": target})})).Id
    api.poll([job_id], timeout=20, interval=0.05)
    result = api.get_instance(job_id, "t", 0).Result
    assert result.ErrorCode == "InputMappingFailed" and target in result.ErrorMessage
    assert not os.path.exists(target)


def test_app_job_runs_the_app_with_its_inputs(local_server, api):
    app = {
        "Name": "greeter",
        "Description": "says hello",
        "CommandLine": "echo hello $who from $where",
        "InputParameters": {
            "who": {"Type": "String", "Default": "nobody", "Description": "", "LocalPath": ""},
            "where": {"Type": "String", "Default": "home", "Description": "", "LocalPath": ""},
        },
        "OutputParameters": {},
        "EnvVars": {},
        "Daemonize": False,
        "VM": {"ECSImageId": "m-1"},
    }
    assert api.create_app(app).Name == "greeter"
    app_job = {
        "Name": "greet",
        "Type": "App",
        "Priority": 0,
        "JobFailOnInstanceFail": True,
        "AutoRelease": False,
        "Description": "",
        "App": {
            "AppName": "greeter",
            "Inputs": {"who": "world"},
            "Logging": {"StdoutPath": "oss://test-bucket/app/", "StderrPath": ""},
        },
    }
    job_id = api.create_job(app_job).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert local_server.read_object("oss://test-bucket/app/stdout.%s.greeter.0" % job_id) == "hello world from home\n"
    assert api.get_job_description(job_id).App.AppName == "greeter"


def test_bad_signature_through_the_client(local_server):
    client = local_server.client()
    wrong = type(client)(local_server.host, local_server.access_key_id, "wrong-secret", port=local_server.port)
    with pytest.raises(ClientError) as caught:
        wrong.create_job(job({"t": task("true")}))
    assert caught.value.get_status_code() == 403 and caught.value.get_code() == "SignatureDoesNotMatch"
    assert caught.value.get_requestid()
    assert len(client.list_jobs("", 100)) == 0


def test_cyclic_dag_through_the_client(api):
    tasks = {name: task("true") for name in "abc"}
    with pytest.raises(ClientError) as caught:
        api.create_job(job(tasks, {"a": ["b"], "b": ["c"], "c": ["a"]}))
    assert caught.value.get_status_code() == 400 and caught.value.get_code() == "BadDAG"
    assert len(api.list_jobs("", 100)) == 0


def test_every_attempt_starts_in_an_empty_working_directory(api):
    command = 'test -z "$(ls -A)" && touch leftover && mkdir -p sub && touch sub/f'
    job_id = api.create_job(job({"t": task(command, 6)})).Id
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    assert api.get_task(job_id, "t").InstanceMetrics.FinishedCount == 6


def test_the_metrics_of_a_settled_job_follow_it_when_it_is_started_again(local_server, api, bc_shared_dir):
    """Counts of a job that can no longer change are kept between requests; a restart (which
    changes its state, then its EndTime) makes them counted again."""
    flag = bc_shared_dir / "ready"
    job_id = api.create_job(job({"t": task('[ -e "%s" ]' % flag)})).Id
    assert wait_state(api.get_job, job_id).State == "Failed"
    for _ in range(2):  # the second answer comes from what was kept
        listed = [item for item in api.list_jobs("", 100).Items if item.Id == job_id][0]
        assert listed.State == "Failed" and listed.InstanceMetrics.FailedCount == 1
        assert listed.TaskMetrics.FailedCount == 1 and listed.InstanceMetrics.FinishedCount == 0
    flag.write_text("")
    api.start_job(job_id)
    assert api.poll([job_id], timeout=20, interval=0.05) == []
    for status in (api.get_job(job_id), [i for i in api.list_jobs("", 100).Items if i.Id == job_id][0]):
        assert status.State == "Finished" and status.InstanceMetrics.FinishedCount == 1
        assert status.InstanceMetrics.FailedCount == 0 and status.TaskMetrics.FinishedCount == 1
