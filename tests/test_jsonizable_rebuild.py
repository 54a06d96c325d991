"""Copies are made structurally for speed; they must equal a rebuild from the JSON text."""

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from batchcompute.resources import (
    DAG,
    ClusterDescription,
    Configs,
    GroupDescription,
    JobDescription,
    Mounts,
    TaskDescription,
)
from batchcompute.resources.job import Docker

texts = st.sampled_from(["", "x", "oss://bucket/dir/", "echo hi"])
numbers = st.one_of(st.integers(-5, 5000), st.floats(allow_nan=False, allow_infinity=False), st.none())

task_operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(["ClusterId"]), texts),
        st.tuples(st.just("set"), st.sampled_from(["Timeout", "InstanceCount", "MaxRetryCount"]), numbers),
        st.tuples(st.just("command"), st.sampled_from(["CommandLine", "PackagePath"]), texts),
        st.tuples(st.just("image"), st.just("Image"), texts),
        st.tuples(st.just("env"), st.text(min_size=1, max_size=3), st.one_of(st.integers(), st.text(max_size=3))),
        st.tuples(
            st.just("delete"), st.sampled_from(["Timeout", "Parameters", "InputMapping", "ClusterId"]), st.none()
        ),
        st.tuples(st.just("read"), st.sampled_from(["AutoCluster", "Mounts", "ClusterId"]), st.none()),
    ),
    max_size=12,
)


def apply(task, operations):
    for kind, name, value in operations:
        if kind == "set":
            task[name] = value
        elif kind == "command":
            task.Parameters.Command[name] = value
        elif kind == "image":
            task.Parameters.Command.Docker.Image = value
        elif kind == "env":
            task.Parameters.Command.EnvVars[name] = value  # in place: bypasses coercion
        elif kind == "delete":
            del task[name]
        else:
            task[name]
    return task


def through_json(obj):
    return type(obj)(json.loads(obj.dump()))


@settings(max_examples=150, deadline=None)
@given(task_operations)
def test_task_copies_equal_rebuild_from_json(operations):
    task = apply(TaskDescription(), operations)
    expected = json.loads(through_json(task).dump())
    for copied in (copy.copy(task), copy.deepcopy(task), TaskDescription(task)):
        assert json.loads(copied.dump()) == expected
    dag = DAG()
    dag.add_task("t", task)
    assert json.loads(dag.get_task("t").dump()) == expected
    job = JobDescription()
    job.DAG = dag
    assert json.loads(job.DAG.get_task("t").dump()) == expected


def test_copies_are_independent():
    task = TaskDescription()
    task.Parameters.Command.EnvVars = {"A": "1"}
    copied = copy.copy(task)
    copied.Parameters.Command.EnvVars["A"] = "2"
    copied.Parameters.Command.CommandLine = "changed"
    assert task.Parameters.Command.EnvVars == {"A": "1"} and task.Parameters.Command.CommandLine is None


def test_partial_defaults_are_completed_by_a_copy():
    configs = Configs()
    configs.add_data_disk(40, "ephemeral")
    assert json.loads(configs.dump())["Disks"]["DataDisk"]["MountPoint"] == ""
    assert "Classic" not in json.loads(configs.dump())["Networks"]
    copied = json.loads(copy.copy(configs).dump())
    assert "MountPoint" not in copied["Disks"]["DataDisk"] and copied["Networks"]["Classic"] == {}
    cluster = ClusterDescription()
    cluster.Configs = configs
    assert json.loads(cluster.dump())["Configs"] == copied


def test_removed_defaults_come_back_in_a_copy_as_in_json():
    docker = Docker()
    docker.Image = ""  # set -> removed
    assert json.loads(docker.dump()) == {} and json.loads(copy.copy(docker).dump()) == {"Image": ""}


def test_groups_and_mounts_copy_like_json():
    group = GroupDescription({"DesiredVMCount": 2, "InstanceType": ""})
    cluster = ClusterDescription()
    cluster.add_group("g", group)
    group.DesiredVMCount = 5
    assert cluster.get_group("g").DesiredVMCount == 2
    mounts = Mounts()
    mounts.add_entry({"Source": "oss://b/", "Destination": "/mnt", "WriteSupport": True})
    assert json.loads(copy.deepcopy(mounts).dump()) == json.loads(mounts.dump())
