"""Quick start: a cluster, a job of 3 instances that echo, poll until it ends, print the output.

    pip install . && python examples/quickstart.py

Runs against the local BatchCompute server started in-process, or against the real service when
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET are set.
"""

from __future__ import annotations

import sys

from _connect import connect, log_path, read_log

from batchcompute.resources import (
    DAG,
    ClusterDescription,
    Configs,
    GroupDescription,
    JobDescription,
    TaskDescription,
)


def make_cluster() -> ClusterDescription:
    cluster = ClusterDescription()
    group = GroupDescription()
    group.DesiredVMCount = 1
    group.InstanceType = "ecs.t1.small"
    cluster.add_group("group1", group)
    configs = Configs()
    configs.add_system_disk(40, "ephemeral")
    configs.add_data_disk(40, "ephemeral")
    cluster.Configs = configs
    cluster.Name = "BatchcomputePythonSDK"
    cluster.ImageId = "img-ubuntu"
    return cluster


def make_job(cluster_id: str, logs: str) -> JobDescription:
    task = TaskDescription()
    task.InstanceCount = 3
    task.ClusterId = cluster_id
    task.Timeout = 600
    task.MaxRetryCount = 0
    task.Parameters.Command.CommandLine = 'sh -c "echo hello from instance $BATCH_COMPUTE_DAG_INSTANCE_ID"'
    task.Parameters.Command.PackagePath = ""
    task.Parameters.StdoutRedirectPath = logs
    task.Parameters.StderrRedirectPath = logs
    dag = DAG()
    dag.add_task("echo", task)
    job = JobDescription()
    job.Name = "PythonSDKDemo"
    job.Priority = 0
    job.Description = "PythonSDKDemo"
    job.JobFailOnInstanceFail = True
    job.DAG = dag
    return job


def main() -> int:
    with connect() as (client, server):
        cluster_id = client.create_cluster(make_cluster()).Id
        print("cluster created: %s" % cluster_id)
        job_id = client.create_job(make_job(cluster_id, log_path(server))).Id
        print("job created: %s" % job_id)
        errors = client.poll(job_id, timeout=300, interval=0.5)
        job = client.get_job(job_id)
        print("job %s: %s" % (job.Id, job.State))
        for instance in client.list_instances(job_id, "echo", "", 100):
            stdout = read_log(server, instance.StdoutRedirectPath).strip()
            print("instance %s stdout: %s" % (instance.InstanceId, stdout))
        client.delete_job(job_id)
        client.delete_cluster(cluster_id)
        return 1 if errors or job.State != "Finished" else 0


if __name__ == "__main__":
    sys.exit(main())
