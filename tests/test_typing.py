"""Types reach the results: mypy checks the package strictly, and in a script using it finds the
planted mistakes of ``tests/typing/usage.py`` (each line marked ``# error``) and nothing else."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USAGE = os.path.join("tests", "typing", "usage.py")

pytest.importorskip("mypy", reason="mypy is in the test extras")


def mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", os.path.join(REPO, ".mypy_cache"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_package_passes_mypy_strict():
    """The SDK and the local server alike (pyproject.toml says how waitress, which has no types, is taken)."""
    result = mypy("--strict", "batchcompute")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_script_gets_its_mistakes_reported_and_only_them():
    result = mypy("--strict", "--allow-untyped-globals", USAGE)
    reported = {int(m.group(1)) for m in re.finditer(r"^%s:(\d+): error" % re.escape(USAGE), result.stdout, re.M)}
    with open(os.path.join(REPO, USAGE), encoding="utf-8") as handle:
        planted = {number for number, line in enumerate(handle, 1) if line.rstrip().endswith("# error")}
    assert planted and reported == planted, result.stdout
