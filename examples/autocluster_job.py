"""A job whose task runs on an AutoCluster: a cluster made for the task and released after it."""

from __future__ import annotations

import sys

from _connect import connect, log_path, read_log

from batchcompute.resources import DAG, JobDescription, TaskDescription


def main() -> int:
    with connect() as (client, server):
        task = TaskDescription()
        task.InstanceCount = 2
        task.AutoCluster.InstanceType = "ecs.sn1.medium"
        task.AutoCluster.ImageId = "img-ubuntu"
        task.AutoCluster.ResourceType = "OnDemand"
        task.Parameters.Command.CommandLine = 'sh -c "echo auto-cluster instance $BATCH_COMPUTE_DAG_INSTANCE_ID"'
        task.Parameters.Command.PackagePath = ""
        task.Parameters.StdoutRedirectPath = log_path(server)
        task.Parameters.StderrRedirectPath = log_path(server)
        job = JobDescription()
        job.Name = "autocluster-demo"
        job.Priority = 1
        job.DAG = DAG()
        job.DAG.add_task("hello", task)
        job_id = client.create_job(job).Id
        errors = client.poll(job_id, timeout=300, interval=0.5)
        print("job %s: %s" % (job_id, client.get_job(job_id).State))
        for instance in client.easy_list("instances", job_id, "hello"):
            print(read_log(server, instance.StdoutRedirectPath).strip())
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
