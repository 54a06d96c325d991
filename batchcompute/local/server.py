"""Wiring: object store, database, executor, scheduler and HTTP server of one local server."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Dict, Mapping, Optional, Union

from .api import Context
from .constants import (
    DATA_DIR_ENV,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_HOST,
    DEFAULT_PORT,
    MAX_BODY_BYTES,
    OSS_HOST,
    REGION,
)
from .run.executor import Executor
from .run.local import LocalProcessExecutor
from .run.objects import ObjectStore
from .run.scheduler import Scheduler
from .state.images import seed_system_images
from .state.store import Store
from .web.app import WsgiApp
from .web.auth import Authenticator
from .web.console import make_console
from .web.console.settings import describe_server
from .web.server import WsgiServer, make_server

__all__ = ["LocalServer", "default_data_dir", "DataDirLocked"]

log = logging.getLogger("batchcompute.local")


class DataDirLocked(RuntimeError):
    """Another server process works on the same data directory."""


def default_data_dir() -> Path:
    """``$BATCH_COMPUTE_LOCAL_DATA_DIR``, else the per-user data directory."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "batchcompute-local"


class LocalServer:
    """A BatchCompute-compatible server on this machine.

    ``data_dir`` None: a temporary directory (removed by ``close``) and an in-memory database.
    ``access_keys`` (id -> secret) default to the development pair. ``port`` 0 picks a free port.
    """

    def __init__(
        self,
        data_dir: Union[None, str, Path] = None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        access_keys: Optional[Mapping[str, str]] = None,
        workers: Optional[int] = None,
        max_body: int = MAX_BODY_BYTES,
        executor: Optional[Executor] = None,
        poll_interval: float = 0.5,
    ) -> None:
        self._temp = None if data_dir is not None else tempfile.mkdtemp(prefix="batchcompute-local-")
        self.data_dir = Path(data_dir or self._temp or ".").expanduser().resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = self._lock_data_dir()
        self.access_keys: Dict[str, str] = dict(access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
        self.oss = ObjectStore(self.data_dir / "oss")
        self.store = Store(None if self._temp else self.data_dir / "batchcompute.db")
        with self.store.transaction() as conn:
            seed_system_images(conn, time.time())
        self.executor = executor or LocalProcessExecutor(
            self.oss, self.data_dir / "work", {"BATCH_COMPUTE_LOCAL_OSS_ROOT": str(self.oss.root)}
        )
        self.scheduler = Scheduler(
            self.store,
            self.executor,
            workers,
            poll_interval=poll_interval,
            env={"BATCH_COMPUTE_REGION": REGION, "BATCH_COMPUTE_OSS_HOST": OSS_HOST},
        )
        self.context = Context(self.store, self.scheduler, self.oss)
        self.console = make_console(self.context, self.access_keys, lambda: describe_server(self))
        self.app = WsgiApp(self.context, Authenticator(self.access_keys), max_body, self.console)
        self.httpd: WsgiServer = make_server(host, port, self.app, max_body)
        self._thread: Optional[threading.Thread] = None
        self._closed = False

    def _lock_data_dir(self) -> IO[str]:
        handle = open(self.data_dir / "server.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise DataDirLocked("another batchcompute-local server uses %s" % self.data_dir) from None
        return handle

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        return "http://%s:%d" % (self.host, self.port)

    def banner(self) -> str:
        """One line: where the server listens and how a script reaches it."""
        key_id = next(iter(self.access_keys))
        secret = "'%s'" % self.access_keys[key_id] if key_id == DEFAULT_ACCESS_KEY_ID else "<secret>"
        return (
            "batchcompute-local listening on %s (data dir %s); use Client.register_region('%s', '%s', %d) "
            "and Client('%s', '%s', %s)"
            % (self.endpoint, self.data_dir, REGION, self.host, self.port, self.host, key_id, secret)
        )

    def console_link(self) -> str:
        """A one-time login link to the web console (it works once)."""
        return self.console.login_link(self.endpoint)

    def start(self) -> "LocalServer":
        """Serve in a background thread."""
        self.scheduler.start()
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="batchcompute-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, stop and requeue running instances, close the database."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
        self.httpd.server_close()
        self.httpd.close_connections()
        self.httpd.busy.wait_idle(5.0)
        self.scheduler.close()
        self.store.close()
        self._lock_file.close()
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
