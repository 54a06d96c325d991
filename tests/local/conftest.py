"""Fixtures for the local server tests: ``api``, ``oss_endpoint`` and ``oss_bucket``, beside
``local_server`` and ``bc_client``, which the package's pytest plugin provides.

The tests of a module marked ``every_executor`` that use ``local_server`` run under each executor
(``local`` and ``dask``), or under the one ``--bc-executor`` names.
"""

from __future__ import annotations

from typing import Any

import pytest

from batchcompute.local.constants import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from batchcompute.local.pytest_plugin import EXECUTORS, chosen_executor


def pytest_generate_tests(metafunc: Any) -> None:
    if metafunc.definition.get_closest_marker("every_executor") and "local_server" in metafunc.fixturenames:
        chosen = chosen_executor(metafunc.config)
        metafunc.parametrize("bc_executor", [chosen] if chosen else list(EXECUTORS))


@pytest.fixture
def api(local_server: Any) -> Any:
    """This SDK's Client for the server."""
    return local_server.client()


@pytest.fixture
def oss_endpoint(local_server: Any) -> str:
    """``http://127.0.0.1:<port>`` of the server's OSS endpoint."""
    return local_server.oss_endpoint


@pytest.fixture
def oss_bucket(oss_endpoint: str) -> Any:
    """An ``oss2.Bucket`` (signature V1, the development key pair) for a new bucket ``test-bucket``."""
    import oss2

    bucket = oss2.Bucket(oss2.Auth(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET), oss_endpoint, "test-bucket")
    bucket.create_bucket()
    return bucket
