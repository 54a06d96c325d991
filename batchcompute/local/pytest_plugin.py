"""pytest fixtures: ``local_server`` (a started in-process server) and ``bc_client`` (a Client for it).

Installing this package registers them as a pytest plugin (the ``pytest11`` entry point named
``batchcompute``): a test asks for ``bc_client`` and gets a Client of a fresh server, with its data
in the test's ``tmp_path``. ``-p no:batchcompute`` turns the plugin off.

The server runs its instances with the executor that ``bc_executor`` names: ``--bc-executor``
(or ``$BATCH_COMPUTE_LOCAL_TEST_EXECUTOR``), ``local`` by default; a test suite may parametrize
``bc_executor`` to run tests under both. Under ``dask`` the servers share one Dask cluster per
session: ``$BATCH_COMPUTE_LOCAL_TEST_DASK_SCHEDULER`` when set, else a scheduler and two workers
started for the session, which do not see the tests' temporary folders (as workers on other
machines do not see the server's disk); ``bc_shared_dir`` is a folder both see.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from .testing import DaskCluster, RunningServer

__all__ = ["local_server", "bc_client", "bc_executor", "bc_dask_cluster", "bc_dask_scheduler", "bc_shared_dir"]

EXECUTOR_ENV = "BATCH_COMPUTE_LOCAL_TEST_EXECUTOR"
DASK_SCHEDULER_ENV = "BATCH_COMPUTE_LOCAL_TEST_DASK_SCHEDULER"
EXECUTORS = ("local", "dask")


def pytest_addoption(parser: Any) -> None:
    parser.getgroup("batchcompute").addoption(
        "--bc-executor",
        choices=EXECUTORS,
        default=None,
        help="what runs the instances of the local_server fixture (default: $%s, else local)" % EXECUTOR_ENV,
    )


def chosen_executor(config: Any) -> str:
    """The executor asked for on the command line or in the environment ("" when none is)."""
    return str(config.getoption("bc_executor") or os.environ.get(EXECUTOR_ENV) or "")


@pytest.fixture
def bc_executor(request: Any) -> str:
    """The executor of ``local_server``: ``local`` or ``dask``."""
    return chosen_executor(request.config) or "local"


@pytest.fixture(scope="session")
def bc_dask_cluster(tmp_path_factory: Any) -> Iterator[Optional["DaskCluster"]]:
    """The session's Dask cluster (None when ``$BATCH_COMPUTE_LOCAL_TEST_DASK_SCHEDULER`` names one
    that is not ours)."""
    if os.environ.get(DASK_SCHEDULER_ENV):
        yield None
        return
    from .testing import dask_cluster

    with dask_cluster(workers=2, hidden=[tmp_path_factory.getbasetemp()]) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def bc_dask_scheduler(bc_dask_cluster: Optional["DaskCluster"]) -> str:
    """The address of the session's Dask scheduler."""
    return bc_dask_cluster.address if bc_dask_cluster else os.environ[DASK_SCHEDULER_ENV]


@pytest.fixture
def bc_shared_dir(bc_executor: str, tmp_path: Path) -> Iterator[Path]:
    """A folder that the test and its instances both see (outside the tests' temporary folders
    under ``dask``)."""
    if bc_executor != "dask":
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="batchcompute-shared-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def local_server(tmp_path: Any, bc_executor: str, request: Any) -> Iterator["RunningServer"]:
    """A local server with its data in the test's tmp_path, 2 workers, a fast scheduler."""
    from .testing import local_server as start  # the server is imported only by tests that use it

    options = {}
    if bc_executor == "dask":
        options = {"executor": "dask", "dask_scheduler": request.getfixturevalue("bc_dask_scheduler")}
    with start(tmp_path / "batchcompute", workers=2, poll_interval=0.05, **options) as server:
        yield server


@pytest.fixture
def bc_client(local_server: "RunningServer") -> Any:
    """A ``batchcompute.Client`` talking to ``local_server``."""
    return local_server.client()
