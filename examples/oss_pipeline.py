"""A pipeline that moves its data with oss2, Alibaba's OSS SDK, as pipelines written for
BatchCompute do: upload a program and an input, run a job on them, read its stdout and its result.

    pip install oss2 && python examples/oss_pipeline.py

Against the local server (started in-process), oss2 talks to the server's OSS endpoint and the
job's PackagePath, InputMapping and OutputMapping are the very objects oss2 wrote and reads.
Against the real service (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET set), set
BATCHCOMPUTE_OSS_ENDPOINT (https://oss-cn-qingdao.aliyuncs.com) and BATCHCOMPUTE_OSS_BUCKET.
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
from typing import Any, Optional, Tuple

import oss2
from _connect import connect

from batchcompute.resources import AutoCluster, JobDescription, TaskDescription

PROGRAM = """#!/bin/sh
# Count the words of input/words.txt into out/counts.txt, most frequent first.
mkdir -p out
tr -s ' \\n' '\\n\\n' < input/words.txt | sort | uniq -c | sort -k1,1nr -k2 | awk '{print $2 ": " $1}' > out/counts.txt
echo "counted $(wc -l < out/counts.txt) distinct words"
"""
WORDS = "the cat saw the dog and the dog saw the cat\nthe end\n"


def package() -> bytes:
    """The program as a tar.gz, what PackagePath names."""
    data = PROGRAM.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("count.sh")
        info.size, info.mode = len(data), 0o755
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def oss_bucket(server: Optional[Any]) -> Tuple[oss2.Bucket, str]:
    """An oss2 Bucket and its oss:// prefix: the local server's endpoint, or the real one."""
    if server is not None:
        auth = oss2.Auth(server.access_key_id, server.access_key_secret)
        bucket = oss2.Bucket(auth, server.oss_endpoint, "examples")
        bucket.create_bucket()
        return bucket, "oss://examples/"
    auth = oss2.Auth(os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"], os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
    name = os.environ["BATCHCOMPUTE_OSS_BUCKET"]
    return oss2.Bucket(auth, os.environ["BATCHCOMPUTE_OSS_ENDPOINT"], name), "oss://%s/" % name


def make_job(root: str) -> JobDescription:
    task = TaskDescription()
    task.InstanceCount = 1
    task.Timeout = 300
    task.AutoCluster = AutoCluster({"InstanceType": "ecs.t1.small", "ImageId": "img-ubuntu"})
    task.Parameters.Command.CommandLine = "sh count.sh"
    task.Parameters.Command.PackagePath = root + "pipeline/package/count.tar.gz"
    task.Parameters.StdoutRedirectPath = root + "pipeline/logs/"
    task.Parameters.StderrRedirectPath = root + "pipeline/logs/"
    task.InputMapping = {root + "pipeline/input/words.txt": "input/words.txt"}
    task.OutputMapping = {"out/": root + "pipeline/output/"}
    job = JobDescription()
    job.Name = "oss-pipeline"
    job.Description = "count words; data moved with oss2"
    job.Priority = 1
    job.DAG.add_task("count", task)
    return job


def key_of(url: str, root: str) -> str:
    """The key of an oss:// URL inside the bucket."""
    return url[len(root) :]


def main() -> int:
    with connect() as (client, server):
        bucket, root = oss_bucket(server)
        bucket.put_object("pipeline/package/count.tar.gz", package())
        bucket.put_object("pipeline/input/words.txt", WORDS.encode())
        print("uploaded with oss2: %spipeline/package/count.tar.gz, %spipeline/input/words.txt" % (root, root))
        job_id = client.create_job(make_job(root)).Id
        errors = client.poll(job_id, timeout=300, interval=0.5)
        state = client.get_job(job_id).State
        print("job %s: %s" % (job_id, state))
        instance = client.get_instance(job_id, "count", 0)
        stdout = bucket.get_object(key_of(instance.StdoutRedirectPath, root)).read().decode()
        print("stdout read with oss2: %s" % stdout.strip())
        counts = bucket.get_object("pipeline/output/counts.txt").read().decode()
        print("result read with oss2:\n%s" % counts.rstrip())
        client.delete_job(job_id)
        return 1 if errors or state != "Finished" else 0


if __name__ == "__main__":
    sys.exit(main())
