"""Fixtures for the local server tests: ``api``, beside ``local_server`` and ``bc_client``, which
the package's pytest plugin provides."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def api(local_server: Any) -> Any:
    """This SDK's Client for the server."""
    return local_server.client()
