"""What a script written against this package looks like to a type checker.

Checked by tests/test_typing.py with mypy: every line marked ``# error`` must be reported, and no
other line. Never run.
"""

from __future__ import annotations

import datetime
from typing import Dict, List, Optional

from batchcompute import CN_QINGDAO, Client
from batchcompute.client.response import ActionResponse, CreateResponse, Job, ListResponse, Task
from batchcompute.resources import DAG, ClusterDescription, GroupDescription, JobDescription, TaskDescription

client = Client(CN_QINGDAO, "key id", "secret", timeout=(5, 60), retries=2, deadline=120)

# descriptions: typed properties
task = TaskDescription()
task.InstanceCount = 3
task.Timeout = 600.5
task.Parameters.Command.CommandLine = "echo hello"
task.Parameters.Command.EnvVars = {"X": "1"}
task.Parameters.StdoutRedirectPath = "oss://bucket/logs/"
task.ClusterId = "cls-1"
task.AutoCluster.ImageId = "img-ubuntu"
job = JobDescription()
job.Name, job.Priority = "hello", 0
job.DAG = DAG()
job.DAG.add_task("echo", task)
tasks: Dict[str, TaskDescription] = job.DAG.Tasks
command_line: Optional[str] = task.Parameters.Command.CommandLine
group = GroupDescription()
group.DesiredVMCount = 2
cluster = ClusterDescription()
cluster.add_group("g", group)

task.InstanceCount = "three"  # error
task.Parameters.Command.Commandline = "echo"  # error
job.DAG = "a DAG"  # error

# calls and what they return
created: CreateResponse = client.create_job(job)
job_id: Optional[str] = created.Id
status = client.get_job(job_id or "")
state: Optional[str] = status.State
started: Optional[datetime.datetime] = status.StartTime
code: int = status.StatusCode
finished = status.InstanceMetrics.FinishedCount
page: ListResponse[Job] = client.list_jobs("", 50)
names: List[Optional[str]] = [item.Name for item in page]
first: Job = page[0]
task_status = client.get_task(job_id or "", "echo")
task_name: Optional[str] = task_status.TaskName
stopped: ActionResponse = client.stop_job(job_id or "")
tasks_page: ListResponse[Task] = client.list_tasks(job_id or "", "", 10)
errors: List[str] = client.poll([job_id or ""])
cluster_id: Optional[str] = client.create_cluster(cluster).Id

status.Stat  # error
client.get_job()  # error
client.list_jobs("")  # error
wrong: ListResponse[Task] = client.list_jobs("", 50)  # error
