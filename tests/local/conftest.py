"""Fixtures for the local server tests: ``local_server``, ``bc_client``, ``api``, ``oss_endpoint``, ``oss_bucket``."""

from __future__ import annotations

from typing import Any

import pytest

from batchcompute.local.constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from batchcompute.local.pytest_plugin import bc_client, local_server  # noqa: F401  (fixtures)


@pytest.fixture
def api(local_server: Any) -> Any:  # noqa: F811 - the fixture imported above
    """This SDK's Client for the server."""
    return local_server.client()


@pytest.fixture
def oss_endpoint(local_server: Any) -> str:  # noqa: F811 - the fixture imported above
    """``http://127.0.0.1:<port>`` of the server's OSS endpoint."""
    return local_server.oss_endpoint


@pytest.fixture
def oss_bucket(oss_endpoint: str) -> Any:
    """An ``oss2.Bucket`` (signature V1, the development key pair) for a new bucket ``test-bucket``."""
    import oss2

    bucket = oss2.Bucket(oss2.Auth(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET), oss_endpoint, "test-bucket")
    bucket.create_bucket()
    return bucket
