"""Build, validate and dump a 2,000-task DAG job: this SDK vs the official 2.1.7 SDK, side by side.

Run by hand:  python tests/perf/bench_resources.py --official-python /path/to/venv/bin/python

The official SDK has the same package name, so it is timed in a subprocess with its own
interpreter; the same workload code runs in both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

WORKLOAD = r"""
import json, timeit
from batchcompute.resources import JobDescription, TaskDescription, DAG

def build(n=2000):
    job = JobDescription()
    job.Name = "bench"
    job.Priority = 1
    dag = DAG()
    for i in range(n):
        task = TaskDescription()
        task.Parameters.Command.CommandLine = "python run.py %d" % i
        task.Parameters.Command.PackagePath = "oss://bucket/pkg.tar.gz"
        task.Parameters.Command.EnvVars = {"INDEX": i}
        task.Parameters.StdoutRedirectPath = "oss://bucket/logs/"
        task.Parameters.StderrRedirectPath = "oss://bucket/logs/"
        task.InstanceCount = 2
        task.Timeout = 600
        task.ClusterId = "cls-bench"
        dag.add_task("task%d" % i, task)
        if i:
            dag.Dependencies["task%d" % (i - 1)] = ["task%d" % i]
    job.DAG = dag
    job.validate()
    return job.dump()

text = build()
repeat = int(REPEAT)
best = min(timeit.repeat(build, number=1, repeat=repeat))
import batchcompute
print(json.dumps({"seconds": best, "module": batchcompute.__file__,
                  "hash": hash(json.dumps(json.loads(text), sort_keys=True))}))
"""


def run(python: str, path: str, repeat: int) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    if path:
        env["PYTHONPATH"] = path
    # Run outside the checkout so that the official interpreter cannot pick up this package.
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [python, "-c", WORKLOAD.replace("REPEAT", str(repeat))],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=cwd,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-python", required=True, help="python of a virtualenv with batchcompute==2.1.7")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ours = run(sys.executable, here, args.repeat)
    official = run(args.official_python, "", args.repeat)
    same = ours["hash"] == official["hash"]
    print("ours:     %s\nofficial: %s" % (ours["module"], official["module"]))
    print(
        "2,000-task DAG build+validate+dump: ours %.3f s, official %.3f s, ratio %.1fx, same JSON: %s"
        % (ours["seconds"], official["seconds"], official["seconds"] / ours["seconds"], same)
    )


if __name__ == "__main__":
    main()
