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
from typing import IO, Any, Dict, Mapping, Optional, Sequence, Union

from .api import Context
from .constants import (
    DATA_DIR_ENV,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_HOST,
    DEFAULT_HTTP_THREADS,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    MAX_BODY_BYTES,
    OSS_BODY_RATE,
    OSS_HOST,
    REGION,
)
from .model.limits import Limits
from .oss import MAX_OBJECT_BYTES, OssApp, OssHostRouter, OssHosts, xml_error
from .run.buckets import BucketStore
from .run.executor import Executor
from .run.local import LocalProcessExecutor
from .run.multipart import Uploads
from .run.objects import ObjectStore
from .run.scheduler import Scheduler
from .state.images import seed_system_images
from .state.store import Store
from .web.app import WsgiApp
from .web.auth import Authenticator, StoredNonces
from .web.console import make_console
from .web.console.settings import describe_server
from .web.server import WsgiServer, is_loopback, make_server
from .web.tls import certificates, server_context

__all__ = ["LocalServer", "default_data_dir", "DataDirLocked", "PortUnavailable", "MAX_PORT"]

log = logging.getLogger("batchcompute.local")


MAX_PORT = 65535


class DataDirLocked(RuntimeError):
    """Another server process works on the same data directory."""


class PortUnavailable(OSError):
    """A port the server cannot listen on (in use, reserved, or an address not of this machine)."""

    def __str__(self) -> str:
        return str(self.strerror)


def _listen(role: str, host: str, port: int, *args: Any, **options: Any) -> WsgiServer:
    """``make_server`` for the ``role`` port, with errors that name it."""
    if not 0 <= port <= MAX_PORT:
        raise ValueError("the %s port must be 0 to %d, not %d" % (role, MAX_PORT, port))
    try:
        return make_server(host, port, *args, **options)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PortUnavailable(exc.errno, "cannot listen on %s port %d (%s): %s" % (host, port, role, reason)) from exc


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
    ``executor`` runs the instances: ``"local"`` (processes on this machine, the default),
    ``"dask"`` (processes on the workers of the Dask cluster at ``dask_scheduler``, an address or
    a scheduler file; without one, of a local cluster of ``workers`` processes) or an Executor.
    ``tls_cert`` / ``tls_key`` (PEM files) serve HTTPS. ``max_connections``, ``request_timeout``,
    ``idle_timeout`` and ``http_threads`` shape the HTTP layer (``web.server``); ``limits`` caps
    the tasks and instances of a job (``model.limits``). The object store is served over OSS's
    REST API (HTTPS too with ``tls_cert``) on ``oss_port`` (None: ``port`` + 1, or a free port
    when ``port`` is 0; 0: not at all) and, for a Host naming an OSS endpoint (a regional OSS
    host or one of ``oss_hosts``), on ``port`` too.
    """

    def __init__(
        self,
        data_dir: Union[None, str, Path] = None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        access_keys: Optional[Mapping[str, str]] = None,
        workers: Optional[int] = None,
        max_body: int = MAX_BODY_BYTES,
        executor: Union[None, str, Executor] = None,
        poll_interval: float = 0.5,
        oss_port: Optional[int] = None,
        oss_hosts: Sequence[str] = (),
        *,
        dask_scheduler: Optional[str] = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        http_threads: int = DEFAULT_HTTP_THREADS,
        tls_cert: Union[None, str, Path] = None,
        tls_key: Union[None, str, Path] = None,
        limits: Optional[Limits] = None,
    ) -> None:
        tls = server_context(tls_cert, tls_key) if tls_cert else None
        self.tls = tls is not None
        self.tls_cert = Path(tls_cert) if tls_cert else None
        self._http_options = dict(
            max_connections=max_connections,
            request_timeout=request_timeout,
            idle_timeout=idle_timeout,
            threads=http_threads,
            tls=tls,
        )
        self._temp = None if data_dir is not None else tempfile.mkdtemp(prefix="batchcompute-local-")
        self.data_dir = Path(data_dir or self._temp or ".").expanduser().resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = self._lock_data_dir()
        self.access_keys: Dict[str, str] = dict(access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
        self.oss = ObjectStore(self.data_dir / "oss")
        self.buckets = BucketStore(self.oss.root, self.data_dir / "oss-staging")
        hosts = OssHosts(oss_hosts)
        self.oss_app = OssApp(self.buckets, Uploads(self.buckets), self.access_keys, "", REGION, hosts)
        self.oss_host: Optional[str] = None  # host:port of the OSS endpoint, once bound
        self.oss_httpd = self._serve_oss(host, port, oss_port)
        self.store = Store(None if self._temp else self.data_dir / "batchcompute.db")
        with self.store.transaction() as conn:
            seed_system_images(conn, time.time())
        try:
            self.executor = self._make_executor(executor, dask_scheduler, workers)
        except BaseException:
            self._close_oss()
            raise
        self.scheduler = Scheduler(
            self.store,
            self.executor,
            workers,
            poll_interval=poll_interval,
            env={"BATCH_COMPUTE_REGION": REGION, "BATCH_COMPUTE_OSS_HOST": self.oss_host or OSS_HOST},
        )
        self.context = Context(
            self.store, self.scheduler, self.oss, limits=limits or Limits(), sync_waits=max(1, http_threads // 2)
        )
        self.console = make_console(self.context, self.access_keys, lambda: describe_server(self))
        authenticator = Authenticator(self.access_keys, nonces=StoredNonces(self.store))
        self.app = WsgiApp(self.context, authenticator, max_body, self.console)
        try:
            self.httpd: WsgiServer = _listen(
                "API", host, port, OssHostRouter(self.app, self.oss_app, hosts), max_body, **self._http_options
            )
        except BaseException:
            self.executor.close()
            self._close_oss()
            raise
        self._threads: Dict[str, threading.Thread] = {}
        self._closed = False

    def _lock_data_dir(self) -> IO[str]:
        handle = open(self.data_dir / "server.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise DataDirLocked("another batchcompute-local server uses %s" % self.data_dir) from None
        return handle

    def _close_oss(self) -> None:
        if self.oss_httpd is not None:
            self.oss_httpd.close()
        self._lock_file.close()

    def _make_executor(
        self, kind: Union[None, str, Executor], dask_scheduler: Optional[str], workers: Optional[int]
    ) -> Executor:
        if isinstance(kind, Executor):
            return kind
        if kind in (None, "local"):
            return LocalProcessExecutor(
                self.oss, self.data_dir / "work", {"BATCH_COMPUTE_LOCAL_OSS_ROOT": str(self.oss.root)}
            )
        if kind != "dask":
            raise ValueError("unknown executor %r: local or dask" % (kind,))
        from .run.dask import DaskExecutor, worker_endpoint

        if self.oss_httpd is None:
            raise ValueError("the dask executor needs the OSS endpoint: its workers reach the object store there")
        endpoint = worker_endpoint(
            str(self.oss_httpd.server_address[0]), self.oss_httpd.server_address[1], dask_scheduler, self.tls
        )
        key = next(iter(self.access_keys.items()))
        trust = certificates(self.tls_cert) if self.tls_cert else ""  # workers trust this server's certificate
        return DaskExecutor(
            self.oss, self.buckets.records, endpoint, key, dask_scheduler, workers or os.cpu_count() or 1, trust
        )

    def _serve_oss(self, host: str, port: int, oss_port: Optional[int]) -> Optional[WsgiServer]:
        if oss_port == 0:
            return None
        if oss_port is None:
            oss_port = port + 1 if 0 < port < MAX_PORT else 0
        options = dict(self._http_options, body_rate=OSS_BODY_RATE, stream_bodies=True)
        httpd = _listen("OSS", host, oss_port, self.oss_app, MAX_OBJECT_BYTES, error_body=xml_error, **options)
        self.oss_app.endpoint = self.oss_host = "%s:%d" % (_reachable(host), httpd.server_address[1])
        return httpd

    @property
    def oss_endpoint(self) -> Optional[str]:
        """``http://host:port`` of the OSS endpoint (None when it is off)."""
        return ("https://" if self.tls else "http://") + self.oss_host if self.oss_host else None

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def endpoint(self) -> str:
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    def banner(self) -> str:
        """One line: where the server listens and how a script reaches it."""
        key_id = next(iter(self.access_keys))
        secret = "'%s'" % self.access_keys[key_id] if key_id == DEFAULT_ACCESS_KEY_ID else "<secret>"
        oss = "; OSS endpoint %s" % self.oss_endpoint if self.oss_endpoint else ""
        if self.tls:
            return (
                "batchcompute-local listening on %s (data dir %s); use Client('%s', '%s', %s, security_conn=True, "
                "port=%d) (verify=<your CA bundle> for a self-signed certificate)%s"
                % (self.endpoint, self.data_dir, self.host, key_id, secret, self.port, oss)
            )
        return (
            "batchcompute-local listening on %s (data dir %s); use Client.register_region('%s', '%s', %d) "
            "and Client('%s', '%s', %s)%s"
            % (self.endpoint, self.data_dir, REGION, self.host, self.port, self.host, key_id, secret, oss)
        )

    def console_link(self) -> str:
        """A one-time login link to the web console (it works once)."""
        return self.console.login_link(self.endpoint)

    def start(self) -> "LocalServer":
        """Serve in a background thread."""
        if not self.tls and not is_loopback(self.host):
            log.warning(
                "listening on %s without TLS: other machines can reach this server, and its requests "
                "(signed, not encrypted) can be read and replayed on the way; use --tls-cert and --tls-key",
                self.host,
            )
        self.scheduler.start()
        for name, httpd in self._http_servers().items():
            thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="batchcompute-" + name, daemon=True
            )
            self._threads[name] = thread
            thread.start()
        return self

    def _http_servers(self) -> Dict[str, WsgiServer]:
        return {"http": self.httpd, **({"oss": self.oss_httpd} if self.oss_httpd else {})}

    def close(self) -> None:
        """Stop serving, stop and requeue running instances, close the database. The OSS endpoint
        serves until the instances have ended: those on Dask workers write their last logs there."""
        if self._closed:
            return
        self._closed = True
        self._stop_serving("http", self.httpd)
        self.scheduler.close()
        self.executor.close()
        if self.oss_httpd is not None:
            self._stop_serving("oss", self.oss_httpd)
        self.store.close()
        self._lock_file.close()
        if self._temp:
            shutil.rmtree(self._temp, ignore_errors=True)

    def _stop_serving(self, name: str, httpd: WsgiServer) -> None:
        if name in self._threads:
            httpd.shutdown()
            self._threads[name].join()
        httpd.close(5.0)

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reachable(host: str) -> str:
    """How a process on this machine reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return "[%s]" % host if ":" in host else host
