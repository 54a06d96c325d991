"""Copies of nested descriptions are kept frozen (marshal data) until read: every way of reading
them must give what the copied objects give, and a large DAG must stay a small heap for the
garbage collector (its cost per task otherwise grows with the DAG)."""

import copy
import datetime
import gc
import json

import pytest
from hypothesis import given, settings
from test_jsonizable_rebuild import apply, task_operations

from batchcompute.core.exceptions import ValidationError
from batchcompute.resources import DAG, JobDescription, TaskDescription
from batchcompute.resources.job import Command, Parameters


def thawed_dump(job):
    """The job's dump after every nested value was read (made into objects)."""
    for task in job.DAG.Tasks.values():
        task.values()
        task.Parameters.values()
        task.Parameters.Command.values()
    return job.dump()


@settings(max_examples=100, deadline=None)
@given(task_operations)
def test_frozen_copies_dump_as_their_objects(operations):
    task = apply(TaskDescription(), operations)
    task.Parameters.Command.EnvVars["N"] = 5  # in place, not coerced: a copy dumps "5" deeper down
    dag = DAG()
    dag.add_task("t", task)
    job = JobDescription()
    job.DAG = dag
    frozen = job.dump()
    assert frozen == thawed_dump(job)
    assert json.loads(frozen)["DAG"]["Tasks"]["t"]["Parameters"]["Command"]["EnvVars"]["N"] == "5"


def test_every_read_gives_the_copied_objects():
    task = TaskDescription()
    task.Parameters.Command.CommandLine = "run"
    copied = copy.copy(task)
    assert isinstance(copied.Parameters, Parameters) and copied.Parameters is copied.Parameters
    assert isinstance(copy.copy(task)["Parameters"], Parameters)
    assert isinstance(copy.copy(task).get("Parameters"), Parameters)
    assert any(isinstance(value, Parameters) for value in copy.copy(task).values())
    assert dict(copy.copy(task).items())["Parameters"].Command.CommandLine == "run"
    assert isinstance(copy.copy(task).detail()["Parameters"].Command, Command)
    dag = DAG()
    dag.add_task("t", task)
    job = JobDescription()
    job.DAG = dag
    assert job.DAG.get_task("t").Parameters.Command.CommandLine == "run"
    assert all(isinstance(value, TaskDescription) for value in job.DAG.detail()["Tasks"].values())


def test_a_frozen_child_is_validated():
    task = TaskDescription()
    task.ClusterId = "cls"
    with pytest.raises(ValidationError):
        copy.copy(task).validate()
    task.Parameters.Command.CommandLine = "run"
    task.Parameters.Command.PackagePath = ""
    task.Parameters.StdoutRedirectPath = task.Parameters.StderrRedirectPath = "oss://b/"
    copy.copy(task).validate()


def test_copies_are_independent_of_later_changes():
    task = TaskDescription()
    task.Parameters.Command.EnvVars = {"A": "1"}
    dag = DAG()
    dag.add_task("t", task)
    job = JobDescription()
    job.DAG = dag
    dag.get_task("t").Parameters.Command.EnvVars["A"] = "2"
    task.Parameters.Command.EnvVars["A"] = "3"
    assert job.DAG.get_task("t").Parameters.Command.EnvVars == {"A": "1"}
    assert dag.get_task("t").Parameters.Command.EnvVars == {"A": "2"}


def test_a_large_dag_is_a_few_tracked_objects_per_task():
    tasks = 2000
    gc.collect()
    before = len(gc.get_objects())
    dag = DAG()
    for index in range(tasks):
        task = TaskDescription()
        task.Parameters.Command.CommandLine = "run %d" % index
        task.Parameters.StdoutRedirectPath = "oss://b/"
        dag.add_task("t%d" % index, task)
    job = JobDescription()
    job.DAG = dag
    gc.collect()
    assert (len(gc.get_objects()) - before) / tasks < 1.5  # the task; its values are untracked


def test_values_that_do_not_marshal_are_copied_as_objects():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    task = TaskDescription()
    task.InputMapping = {"when": when, "pair": ("a", "b")}
    task.Parameters.Command.EnvVars = {"A": "1"}
    task.Parameters.Command.Docker.Image = "img"
    dag = DAG()
    dag.add_task("t", task)
    dag.Dependencies = {"t": ("u",)}
    job = JobDescription()
    job.DAG = dag
    copied = job.DAG.get_task("t")
    assert copied.InputMapping == {"when": when, "pair": ["a", "b"]}  # a copy holds JSON's list
    assert json.loads(job.dump())["DAG"]["Tasks"]["t"]["InputMapping"]["when"] == "2024-01-02 03:04:05"
    assert job.DAG.Dependencies == {"t": ["u"]} and job.dump() == thawed_dump(job)
