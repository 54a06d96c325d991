"""Build, validate and dump a DAG job: this SDK vs the official 2.1.7 SDK, side by side, and how this
SDK's cost per task grows with the size of the DAG.

Run by hand:  python tests/perf/bench_resources.py --official-python /path/to/venv/bin/python

1. ``--tasks`` tasks (default 10,000) built, validated and dumped by both SDKs; target: this SDK at
   least 25x faster, with the same JSON.
2. This SDK alone at 1,000 and 50,000 tasks: the cost per task (CPU time); target: at 50,000 tasks
   within 15% of the cost at 1,000 (linear). The two sizes are timed in turn, ``--rounds`` times in
   one process, each turn the same number of tasks (fifty 1,000-task DAGs, then one of 50,000), and
   the growth is the median of the rounds' ratios: on a shared machine the speed drifts within
   seconds, and the best of a few 40 ms runs against the best of a few 2 s runs measured that drift
   more than the growth. The best cost of each size is shown too.

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

BUILD = r"""
import gc, json, time, timeit  # the collector stays on (timeit turns it off): users run with it
from batchcompute.resources import JobDescription, TaskDescription, DAG

def build(n=TASKS):
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
"""

WORKLOAD = (
    BUILD
    + r"""
text = build()
repeat = int(REPEAT)
runs = timeit.repeat(build, setup="gc.enable()", number=1, repeat=repeat, timer=time.process_time, globals={"gc": gc})
best = min(runs)
import batchcompute
print(json.dumps({"seconds": best, "module": batchcompute.__file__,
                  "hash": hash(json.dumps(json.loads(text), sort_keys=True))}))
"""
)

#: Seconds per task at SMALL and at LARGE tasks, timed in turn ROUNDS times (the same number of
#: tasks each turn), after a warm-up of each.
GROWTH = (
    BUILD
    + r"""
gc.enable()
small, large = [], []
for round in range(ROUNDS + 1):
    started = time.process_time()
    for _ in range(LARGE // SMALL):
        build(SMALL)
    middle = time.process_time()
    build(LARGE)
    if round:
        small.append((middle - started) / LARGE)
        large.append((time.process_time() - middle) / LARGE)
print(json.dumps({"small": small, "large": large}))
"""
)


def run(python: str, path: str, repeat: int, tasks: int) -> dict:
    return _run_code(python, path, WORKLOAD.replace("REPEAT", str(repeat)).replace("TASKS", str(tasks)))


def growth(python: str, path: str, rounds: int, small: int = 1000, large: int = 50000) -> dict:
    code = GROWTH.replace("ROUNDS", str(rounds)).replace("SMALL", str(small)).replace("LARGE", str(large))
    return _run_code(python, path, code.replace("TASKS", str(small)))


def _run_code(python: str, path: str, code: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    if path:
        env["PYTHONPATH"] = path
    # Run outside the checkout so that the official interpreter cannot pick up this package.
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [python, "-c", code],
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
    parser.add_argument("--rounds", type=int, default=5, help="turns of each size for the cost per task")
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
    timed = growth(sys.executable, here, args.rounds)
    ratios = sorted(large / small - 1 for small, large in zip(timed["small"], timed["large"]))
    median = ratios[len(ratios) // 2]
    print(
        "cost per task: best %.1f us at 1,000 tasks, %.1f us at 50,000; growth in %d rounds %s, median %+.0f%% "
        "(within 15%%: %s)"
        % (
            min(timed["small"]) * 1e6,
            min(timed["large"]) * 1e6,
            len(ratios),
            " ".join("%+.0f%%" % (ratio * 100) for ratio in ratios),
            median * 100,
            "PASS" if median <= 0.15 else "FAIL",
        )
    )


if __name__ == "__main__":
    main()
