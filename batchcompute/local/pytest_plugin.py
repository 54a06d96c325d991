"""pytest fixtures: ``local_server`` (a started in-process server) and ``bc_client`` (a Client for it).

Installing this package registers them as a pytest plugin (the ``pytest11`` entry point named
``batchcompute``): a test asks for ``bc_client`` and gets a Client of a fresh server, with its data
in the test's ``tmp_path``. ``-p no:batchcompute`` turns the plugin off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from .testing import RunningServer

__all__ = ["local_server", "bc_client"]


@pytest.fixture
def local_server(tmp_path: Any) -> Iterator["RunningServer"]:
    """A local server with its data in the test's tmp_path, 2 workers, a fast scheduler."""
    from .testing import local_server as start  # the server is imported only by tests that use it

    with start(tmp_path / "batchcompute", workers=2, poll_interval=0.05) as server:
        yield server


@pytest.fixture
def bc_client(local_server: "RunningServer") -> Any:
    """A ``batchcompute.Client`` talking to ``local_server``."""
    return local_server.client()
