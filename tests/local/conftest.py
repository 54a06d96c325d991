"""Fixtures for the local server tests: ``local_server``, ``bc_client`` and ``api``."""

from __future__ import annotations

from typing import Any

import pytest

from batchcompute.local.pytest_plugin import bc_client, local_server  # noqa: F401  (fixtures)


def _client_class() -> Any:
    try:
        import batchcompute

        return batchcompute.Client
    except (ImportError, AttributeError):
        return None


@pytest.fixture
def api(local_server: Any) -> Any:  # noqa: F811 - the fixture imported above
    """The SDK's Client for the server (a signed-request stand-in while the Client is missing)."""
    if _client_class() is not None:
        return local_server.client()
    from raw_client import RawClient

    return RawClient(local_server)
