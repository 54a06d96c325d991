"""The README works when followed: its standalone-server walkthrough (the API, then the OSS
endpoint with oss2) runs as written, and the pytest fixtures it names work in a project with no
conftest."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme_block(name: str) -> str:
    """The fenced block that follows ``<!-- readme-test: name -->`` in the README."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    found = re.search(r"<!-- readme-test: %s -->\s*```\w*\n(.*?)```" % re.escape(name), text, re.S)
    assert found, "no %r block in the README" % name
    return found.group(1)


def test_the_standalone_server_walkthrough_runs_as_written(tmp_path):
    command = shlex.split(readme_block("server").strip())
    assert command[0] == "python"
    server = subprocess.Popen(
        [sys.executable, *command[1:]], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        banner = server.stdout.readline()
        assert "listening on http://127.0.0.1:8642" in banner, banner
        script = tmp_path / "script.py"
        script.write_text(readme_block("script"))
        result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()  # the name of a system image
        assert (tmp_path / "bc-data" / "batchcompute.db").exists()
        script.write_text(readme_block("oss"))
        result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "the cat saw the dog" in result.stdout, result.stderr
        assert (tmp_path / "bc-data" / "oss" / "my-bucket" / "inputs" / "words.txt").exists()
    finally:
        server.terminate()
        assert server.wait(30) == 0


def test_the_fixtures_work_without_any_conftest(tmp_path):
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            def test_a_job_runs(bc_client, local_server):
                assert bc_client.get_quotas().StatusCode == 200
                assert local_server.port > 0
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
