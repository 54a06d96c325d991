"""A split / count / merge DAG that reads and writes oss:// data.

The input text and the worker program (as a tar.gz PackagePath) are put into the local server's
object store; the three tasks exchange data through InputMapping and OutputMapping. Against the
real service, upload them yourself to BATCHCOMPUTE_DATA_PATH (input/*.txt and worker.tar.gz).
"""

from __future__ import annotations

import io
import os
import sys
import tarfile

from _connect import connect, log_path, read_log

from batchcompute.resources import DAG, AutoCluster, JobDescription, TaskDescription

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = "the quick brown fox jumps over the lazy dog and the dog sleeps\n"


def worker_package() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(os.path.join(HERE, "wordcount_worker.py"), arcname="wordcount_worker.py")
    return buffer.getvalue()


def task(step: str, data: str, logs: str, instances: int = 1, inputs=None, outputs=None) -> TaskDescription:
    description = TaskDescription()
    description.InstanceCount = instances
    description.Timeout = 300
    description.AutoCluster = AutoCluster({"InstanceType": "ecs.t1.small", "ImageId": "img-ubuntu"})
    description.Parameters.Command.CommandLine = "python3 wordcount_worker.py %s" % step
    description.Parameters.Command.PackagePath = data + "worker.tar.gz"
    description.Parameters.Command.EnvVars = {"PARTS": 2}
    description.Parameters.StdoutRedirectPath = logs
    description.Parameters.StderrRedirectPath = logs
    description.InputMapping = inputs or {}
    description.OutputMapping = outputs or {}
    return description


def make_job(data: str, logs: str) -> JobDescription:
    dag = DAG()
    dag.add_task(
        "split", task("split", data, logs, inputs={data + "input/": "input/"}, outputs={"out/": data + "split/"})
    )
    dag.add_task(
        "count",
        task("count", data, logs, instances=2, inputs={data + "split/": "split/"}, outputs={"out/": data + "counts/"}),
    )
    dag.add_task(
        "merge", task("merge", data, logs, inputs={data + "counts/": "counts/"}, outputs={"out/": data + "result/"})
    )
    dag.Dependencies = {"split": ["count"], "count": ["merge"]}
    job = JobDescription()
    job.Name = "wordcount"
    job.Priority = 1
    job.DAG = dag
    return job


def main() -> int:
    with connect() as (client, server):
        data = os.environ.get("BATCHCOMPUTE_DATA_PATH", "oss://examples/wordcount/")
        if server is not None:
            server.oss_path(data + "input/text.txt").parent.mkdir(parents=True, exist_ok=True)
            server.oss_path(data + "input/text.txt").write_text(TEXT)
            server.oss_path(data + "worker.tar.gz").write_bytes(worker_package())
        job_id = client.create_job(make_job(data, log_path(server))).Id
        errors = client.poll(job_id, timeout=300, interval=0.5)
        print("job %s: %s" % (job_id, client.get_job(job_id).State))
        for name in ("split", "count", "merge"):
            print("task %s: %s" % (name, client.get_task(job_id, name).State))
        if server is not None and not errors:
            print("words counted: %s (expected %d)" % (read_log(server, data + "result/total"), len(TEXT.split())))
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
