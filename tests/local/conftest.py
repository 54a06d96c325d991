"""Fixtures for the local server tests: ``local_server``, ``bc_client`` and ``api``."""

from __future__ import annotations

from typing import Any

import pytest

from batchcompute.local.pytest_plugin import bc_client, local_server  # noqa: F401  (fixtures)


@pytest.fixture
def api(local_server: Any) -> Any:  # noqa: F811 - the fixture imported above
    """This SDK's Client for the server."""
    return local_server.client()
