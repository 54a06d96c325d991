"""The code is linted and formatted as pyproject.toml says (ruff), so that style is never a review topic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATHS = ["batchcompute", "tests", "examples", "docs"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    command = [shutil.which("ruff") or sys.executable, *([] if shutil.which("ruff") else ["-m", "ruff"]), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [("check", *PATHS), ("format", "--check", *PATHS)], ids=["lint", "format"])
def test_ruff(args):
    result = ruff(*args)
    assert result.returncode == 0, result.stdout + result.stderr
