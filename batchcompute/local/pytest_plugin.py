"""pytest fixtures: ``local_server`` (a started in-process server) and ``bc_client`` (a Client for it).

Use them from a conftest.py::

    from batchcompute.local.pytest_plugin import bc_client, local_server  # noqa: F401

or load the module as a plugin (``-p batchcompute.local.pytest_plugin``).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .testing import RunningServer
from .testing import local_server as _local_server

__all__ = ["local_server", "bc_client"]


@pytest.fixture
def local_server(tmp_path: Any) -> Iterator[RunningServer]:
    """A local server with its data in the test's tmp_path, 2 workers, a fast scheduler."""
    with _local_server(tmp_path / "batchcompute", workers=2, poll_interval=0.05) as server:
        yield server


@pytest.fixture
def bc_client(local_server: RunningServer) -> Any:
    """A ``batchcompute.Client`` talking to ``local_server``."""
    return local_server.client()
