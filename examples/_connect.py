"""How the examples get a Client.

With ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET set, the examples talk to the
real service in BATCHCOMPUTE_REGION (default cn-qingdao). Otherwise they start the local
BatchCompute server in-process, with a temporary data directory, and talk to it; with
BATCHCOMPUTE_LOCAL_EXECUTOR=dask it runs the instances on the Dask cluster whose scheduler
BATCHCOMPUTE_DASK_SCHEDULER names (else on a local Dask cluster of its own).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Optional, Tuple

from batchcompute import Client
from batchcompute.core.regions import ENDPOINTS


@contextmanager
def connect() -> Iterator[Tuple[Client, Optional[object]]]:
    """Yield ``(client, local_server)``; ``local_server`` is None against the real service."""
    if os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"):
        region = os.environ.get("BATCHCOMPUTE_REGION", "cn-qingdao")
        yield Client.from_env(ENDPOINTS[region]), None
        return
    from batchcompute.local.testing import local_server

    executor = os.environ.get("BATCHCOMPUTE_LOCAL_EXECUTOR", "local")
    scheduler = os.environ.get("BATCHCOMPUTE_DASK_SCHEDULER") or None
    with local_server(executor=executor, dask_scheduler=scheduler) as server:
        yield server.client(), server


def log_path(server: Optional[object]) -> str:
    """Where the examples' jobs write stdout/stderr: the local store, or BATCHCOMPUTE_LOG_PATH."""
    if server is None:
        return os.environ.get("BATCHCOMPUTE_LOG_PATH", "oss://your-bucket/batchcompute/logs/")
    return "oss://examples/logs/"


def read_log(server: Optional[object], path: str) -> str:
    """The text of a log object (only the local store can be read here)."""
    if server is None:
        return "(see %s)" % path
    return server.read_object(path)
