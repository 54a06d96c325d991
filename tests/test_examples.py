"""Every example runs, against the local server started in-process (no credentials set), under
each executor: the dask one on the test session's Dask cluster."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchcompute.local.pytest_plugin import EXECUTORS, chosen_executor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def pytest_generate_tests(metafunc):
    chosen = chosen_executor(metafunc.config)
    metafunc.parametrize("bc_executor", [chosen] if chosen else list(EXECUTORS))


@pytest.fixture
def run(bc_executor, request):
    """Run an example (its output, its exit code) with the server's executor set in its environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ALIBABA_CLOUD_")}
    if bc_executor == "dask":
        env.update(
            BATCHCOMPUTE_LOCAL_EXECUTOR="dask", BATCHCOMPUTE_DASK_SCHEDULER=request.getfixturevalue("bc_dask_scheduler")
        )
    return lambda name, *args: _run(name, env, *args)


def _run(name, env, *args):
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)] + list(args),
        cwd=str(EXAMPLES),
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_quickstart_prints_finished_and_three_stdout_lines(run):
    result = run("quickstart.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Finished" in result.stdout
    lines = [line for line in result.stdout.splitlines() if "stdout: hello from instance" in line]
    assert len(lines) == 3, result.stdout


@pytest.mark.parametrize(
    "name, expected",
    [
        ("create_cluster.py", "group group1: 1 x ecs.t1.small"),
        ("create_job.py", "Finished"),
        ("dag_wordcount.py", "words counted: 13 (expected 13)"),
        ("autocluster_job.py", "auto-cluster instance 1"),
        ("easy_list.py", "finished among them: 3"),
        ("error_handling.py", "InvalidResource.NotFound"),
    ],
)
def test_example_runs(run, name, expected):
    result = run(name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout + result.stderr


def test_oss_pipeline_moves_its_data_with_oss2(run):
    result = run("oss_pipeline.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stdout read with oss2: counted 6 distinct words" in result.stdout, result.stdout
    assert "result read with oss2:\nthe: 5\ncat: 2\n" in result.stdout, result.stdout
