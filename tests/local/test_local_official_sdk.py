"""The unmodified official SDK (2.1.7) against the local server.

It runs in its own interpreter: set BATCHCOMPUTE_OFFICIAL_PYTHON to a Python that has the official
``batchcompute`` package installed (see wire.md, "Observing the official SDK"); skipped otherwise.
The server runs the job's instances under each executor.
"""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

pytestmark = pytest.mark.every_executor

OFFICIAL_PYTHON = os.environ.get("BATCHCOMPUTE_OFFICIAL_PYTHON", "")

SCRIPT = textwrap.dedent("""
    import sys
    from batchcompute import Client, ClientError
    from batchcompute.resources import (ClusterDescription, GroupDescription, JobDescription,
                                        TaskDescription, DAG)
    port = int(sys.argv[1])
    Client.register_region("local", "127.0.0.1", port)
    client = Client("127.0.0.1", "LocalAccessKeyId", "LocalAccessKeySecret")
    cluster = ClusterDescription()
    group = GroupDescription()
    group.DesiredVMCount = 2
    group.InstanceType = "ecs.sn1.medium"
    cluster.add_group("group1", group)
    cluster.Name = "official"
    cluster.ImageId = "img-ubuntu"
    cluster_id = client.create_cluster(cluster).Id
    assert client.get_cluster(cluster_id).Groups["group1"].ActualVMCount == 2
    task = TaskDescription()
    task.Parameters.Command.CommandLine = "echo official $BATCH_COMPUTE_DAG_INSTANCE_ID"
    task.Parameters.Command.PackagePath = ""
    task.Parameters.StdoutRedirectPath = "oss://official/logs/"
    task.Parameters.StderrRedirectPath = "oss://official/logs/"
    task.InstanceCount = 3
    task.ClusterId = cluster_id
    dag = DAG()
    dag.add_task("echo", task)
    job = JobDescription()
    job.Name = "official-job"
    job.Priority = 0
    job.DAG = dag
    job_id = client.create_job(job).Id
    assert client.poll([job_id], timeout=30, interval=0.1) == []
    assert client.get_job(job_id).InstanceMetrics.FinishedCount == 3
    assert [i.State for i in client.list_instances(job_id, "echo", 0, 10).Items] == ["Finished"] * 3
    assert client.get_job_description(job_id).Name == "official-job"
    assert len(list(client.easy_list("jobs"))) == 1
    assert client.get_quotas().AvailableClusterInstanceType
    assert client.get_available_resource().AvailableClusterInstanceType[0].CpuCore
    try:
        client.get_job("job-00000000000000000000000000000000")
    except ClientError as err:
        assert err.get_status_code() == 404 and err.get_code() == "InvalidResource.NotFound"
    client.delete_job(job_id)
    client.delete_cluster(cluster_id)
    print(job_id)
""")


@pytest.mark.skipif(not OFFICIAL_PYTHON, reason="BATCHCOMPUTE_OFFICIAL_PYTHON is not set")
def test_official_sdk_runs_a_job(local_server, tmp_path):
    script = tmp_path / "official.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [OFFICIAL_PYTHON, str(script), str(local_server.port)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(tmp_path),
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},  # the official package, not ours
    )
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip()
    for n in range(3):
        path = "oss://official/logs/stdout.%s.echo.%d" % (job_id, n)
        assert local_server.read_object(path) == "official %d\n" % n
