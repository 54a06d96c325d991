"""Fixtures of the client tests: endpoints to talk to, and clients for them.

- ``recording``: the canned-answer ``RecordingServer`` of tests/fixture_server.py (one per module,
  cleared before each test), for checking what goes over the wire.
- ``endpoint``: a started ``ScriptedEndpoint`` (see client_helpers.py).
- ``local``: the in-process local server, with an executor that finishes every instance at once.
- ``make_client``: a ``Client`` for a port on 127.0.0.1 (retries off unless asked for).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Iterator, List

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

import fixture_server as fx  # noqa: E402
from client_helpers import HOST, KEY_ID, SECRET, InstantExecutor, ScriptedEndpoint  # noqa: E402

from batchcompute import Client  # noqa: E402
from batchcompute.core import regions  # noqa: E402
from batchcompute.local.testing import local_server  # noqa: E402


@pytest.fixture(autouse=True)
def loopback_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 is a known endpoint (the table is restored after the test)."""
    if HOST not in regions.ENDPOINTS.values():
        monkeypatch.setitem(regions.ENDPOINTS, "client-tests", HOST)


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    clients: List[Client] = []

    def make(port: int, **options: Any) -> Client:
        options.setdefault("retries", 0)
        options.setdefault("timeout", (2, 5))
        client = Client(
            options.pop("host", HOST),
            options.pop("key_id", KEY_ID),
            options.pop("secret", SECRET),
            port=port,
            **options,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def recording_module() -> Iterator[fx.RecordingServer]:
    with fx.RecordingServer() as server:
        yield server


@pytest.fixture
def recording(recording_module: fx.RecordingServer) -> fx.RecordingServer:
    recording_module.clear()
    return recording_module


@pytest.fixture
def endpoint() -> Iterator[ScriptedEndpoint]:
    with ScriptedEndpoint() as server:
        yield server


@pytest.fixture
def local() -> Iterator[Any]:
    with local_server(executor=InstantExecutor(), poll_interval=0.02) as server:
        yield server
