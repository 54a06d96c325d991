"""Build, validate and dump a DAG job: this SDK vs the official 2.1.7 SDK, side by side, and how this
SDK's cost per task grows with the size of the DAG.

Run by hand:  python tests/perf/bench_resources.py --official-python /path/to/venv/bin/python

1. ``--tasks`` tasks (default 10,000) built, validated and dumped by both SDKs; target: this SDK at
   least 25x faster, with the same JSON.
2. This SDK alone at 1,000 and 50,000 tasks: the cost per task (CPU time, best of runs); target: at
   50,000 tasks within 15% of the cost at 1,000 (linear).

Both are timed with the garbage collector on, as programs run (``timeit`` would turn it off).

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
import gc, json, time, timeit  # the collector stays on (timeit turns it off): users run with it
from batchcompute.resources import JobDescription, TaskDescription, DAG

def build():
    n = TASKS
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
runs = timeit.repeat(build, setup="gc.enable()", number=1, repeat=repeat, timer=time.process_time, globals={"gc": gc})
best = min(runs)
import batchcompute
print(json.dumps({"seconds": best, "module": batchcompute.__file__,
                  "hash": hash(json.dumps(json.loads(text), sort_keys=True))}))
"""


def run(python: str, path: str, repeat: int, tasks: int) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    if path:
        env["PYTHONPATH"] = path
    # Run outside the checkout so that the official interpreter cannot pick up this package.
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [python, "-c", WORKLOAD.replace("REPEAT", str(repeat)).replace("TASKS", str(tasks))],
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=10000)
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ours = run(sys.executable, here, args.repeat, args.tasks)
    official = run(args.official_python, "", 1, args.tasks)
    same = ours["hash"] == official["hash"]
    ratio = official["seconds"] / ours["seconds"]
    print("ours:     %s\nofficial: %s" % (ours["module"], official["module"]))
    print(
        "%d-task DAG build+validate+dump (CPU s): ours %.3f, official %.3f, ratio %.1fx (>= 25x: %s), same JSON: %s"
        % (args.tasks, ours["seconds"], official["seconds"], ratio, "PASS" if ratio >= 25 else "FAIL", same)
    )
    small, large = (run(sys.executable, here, args.repeat, tasks) for tasks in (1000, 50000))
    per_small, per_large = small["seconds"] / 1000 * 1e6, large["seconds"] / 50000 * 1e6
    growth = per_large / per_small - 1
    print(
        "cost per task: %.1f us at 1,000 tasks, %.1f us at 50,000 (+%.0f%%; within 15%%: %s)"
        % (per_small, per_large, growth * 100, "PASS" if growth <= 0.15 else "FAIL")
    )


if __name__ == "__main__":
    main()
