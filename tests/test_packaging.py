"""What ``pip show`` and the index say of the installed package: author, license, project URLs,
the runtime dependencies, and the version the code reports."""

from __future__ import annotations

from importlib.metadata import metadata, requires

import batchcompute


def test_the_installed_metadata_names_the_project():
    info = metadata("batchcompute")
    assert info["Version"] == batchcompute.__version__
    assert info["Author"] and info["License"] == "Apache-2.0"
    urls = dict(entry.split(", ", 1) for entry in info.get_all("Project-URL") or [])
    assert urls["Official SDK (2.1.7)"].startswith("https://pypi.org/project/batchcompute/2.1.7")
    assert "Typing :: Typed" in (info.get_all("Classifier") or [])


def test_the_runtime_dependencies_are_the_sdks_and_the_local_servers():
    needed = {
        entry.split(";")[0].split(">")[0].split("[")[0].strip()
        for entry in requires("batchcompute") or []
        if "extra ==" not in entry
    }
    assert needed == {"requests", "six", "waitress", "werkzeug", "defusedxml"}
