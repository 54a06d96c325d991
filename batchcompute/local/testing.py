"""The local server in-process, for tests and scripts.

    from batchcompute.local.testing import local_server

    with local_server() as server:
        client = server.client()          # a batchcompute.Client for this server
        ...

``server.request(method, path, query, body)`` sends a signed request without the SDK (any
method, path or body, for protocol tests) and returns the ``requests.Response``.

``dask_cluster()`` starts a Dask cluster of separate processes (``dask scheduler``, ``dask worker``)
for ``local_server(executor="dask", dask_scheduler=cluster.address)``; the folders it is told to
hide are out of its workers' sight, as the server's disk is for workers on other machines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from ..core.regions import add_endpoint, remove_endpoint
from ..core.signing import authorization, body_md5, encode_query, gmt_date
from .constants import API_VERSION, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, REGION
from .server import LocalServer

__all__ = ["RunningServer", "SignedRequester", "local_server", "signed_headers", "DaskCluster", "dask_cluster"]


def signed_headers(
    method: str, target: str, body: bytes, key_id: str, secret: str, extra: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """The headers the official SDK sends for a request (``contentMd5``, empty md5 line signed)."""
    headers = {
        "Date": gmt_date(),
        "x-acs-region-id": REGION,
        "x-acs-access-key-id": key_id,
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        "x-acs-version": API_VERSION,
        "x-acs-signature-nonce": str(uuid.uuid4()),
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    if body:
        headers["contentMd5"] = body_md5(body)
    headers.update(extra or {})
    headers["Authorization"] = authorization(key_id, secret, method, target, headers)
    return headers


class SignedRequester:
    """Signed raw requests to a server at ``endpoint`` (one keep-alive session per object)."""

    def __init__(
        self,
        endpoint: str,
        access_key_id: str = DEFAULT_ACCESS_KEY_ID,
        access_key_secret: str = DEFAULT_ACCESS_KEY_SECRET,
        verify: Union[bool, str] = True,
    ) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.verify = verify  # for HTTPS: True, False or a CA bundle (a self-signed certificate)
        self._session: Any = None

    def request(
        self,
        method: str,
        path: str,
        query: Union[None, str, Mapping[str, Any]] = None,
        body: Union[None, bytes, str, Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        key_id: Optional[str] = None,
        secret: Optional[str] = None,
    ) -> Any:
        """A signed request; ``body`` a dict is sent as JSON. Returns the ``requests.Response``."""
        import requests

        if self._session is None:
            self._session = requests.Session()
        data = (
            body
            if isinstance(body, bytes)
            else (
                body.encode("utf-8")
                if isinstance(body, str)
                else b""
                if body is None
                else json.dumps(body).encode("utf-8")
            )
        )
        text = encode_query(query)
        target = path + ("?" + text if text else "")
        sent = signed_headers(
            method, target, data, key_id or self.access_key_id, secret or self.access_key_secret, headers
        )
        return self._session.request(
            method, self.endpoint + target, data=data, headers=sent, timeout=60, verify=self.verify
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


class RunningServer(SignedRequester):
    """A started LocalServer: where it is, its keys, a Client, signed raw requests."""

    def __init__(self, server: LocalServer) -> None:
        key_id, secret = next(iter(server.access_keys.items()))
        super().__init__(server.endpoint, key_id, secret, str(server.tls_cert) if server.tls_cert else True)
        self.server = server
        self.host = server.host
        self.port = server.port

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    @property
    def oss_endpoint(self) -> Optional[str]:
        """``http://host:port`` of the server's OSS endpoint, for oss2, ossfs and the like."""
        return self.server.oss_endpoint

    def client(self, **kwargs: Any) -> Any:
        """A ``batchcompute.Client`` for this server, on its port. Its host is registered as the
        region 'local' while the server runs, without changing the port of any other client."""
        from .. import Client

        add_endpoint(REGION, self.host)
        kwargs.setdefault("port", self.port)  # several servers may share the host
        if self.server.tls:
            kwargs.setdefault("security_conn", True)
            kwargs.setdefault("verify", self.verify)
        return Client(self.host, self.access_key_id, self.access_key_secret, **kwargs)

    def __repr__(self) -> str:
        return "RunningServer(%r, data_dir=%r, access_key_id=%r)" % (
            self.endpoint,
            str(self.data_dir),
            self.access_key_id,
        )

    def oss_path(self, url: str) -> Path:
        """The file behind an ``oss://`` URL of this server's object store."""
        return self.server.oss.path(url)

    def read_object(self, url: str) -> str:
        return self.oss_path(url).read_text()


@contextmanager
def local_server(
    data_dir: Union[None, str, Path] = None,
    workers: Optional[int] = None,
    access_keys: Optional[Mapping[str, str]] = None,
    host: str = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> Iterator[RunningServer]:
    """A LocalServer on a free port, serving in a thread while the block runs.

    ``data_dir`` None: in-memory database and a temporary object store. ``options`` go to
    LocalServer (``max_body``, ``poll_interval``, ``executor``, ``max_connections``,
    ``request_timeout``, ``tls_cert``, ``tls_key``, ``limits`` ...).
    """
    keys = dict(access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    server = LocalServer(data_dir, host=host, port=port, access_keys=keys, workers=workers, **options)
    server.start()
    running = RunningServer(server)
    registered = add_endpoint(REGION, server.host)
    try:
        yield running
    finally:
        running.close()
        server.close()
        if registered:
            remove_endpoint(REGION)


#: Mounts an empty file system over each folder before ``--``, then runs the command after it.
_HIDE = 'while [ "$1" != -- ]; do mount -t tmpfs -o size=1m tmpfs "$1" || exit 97; shift; done; shift; exec "$@"'


def _hiding_prefix() -> Optional[List[str]]:
    """How to start a process in a mount namespace of its own (as root, else in a user namespace),
    or None where this machine allows neither."""
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        try:
            done = subprocess.run(prefix + ["true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        except OSError:
            return None
        if done.returncode == 0:
            return prefix
    return None


class DaskCluster:
    """A Dask scheduler and workers, each a process of its own, with their files under ``root``;
    the workers cannot see the ``hidden`` folders (when ``hides``: this machine lets a process
    have mount points of its own)."""

    def __init__(self, root: Path, hidden: Sequence[Path] = (), threads: int = 2) -> None:
        self.root = root
        self.threads = threads
        self.hidden = [str(Path(folder).resolve()) for folder in hidden]
        self._prefix = _hiding_prefix() if self.hidden else None
        self.hides = self._prefix is not None
        self.workers: Dict[str, "subprocess.Popen[bytes]"] = {}  # by name
        self.scheduler: "Optional[subprocess.Popen[bytes]]" = None
        self.address = ""
        self._count = 0

    def start(self, workers: int, port: int = 0) -> None:
        """Start the scheduler (on ``port``, 0: a free one) and ``workers`` workers."""
        self.start_scheduler(port)
        self.add_workers(workers)

    def start_scheduler(self, port: int = 0) -> None:
        """Start a scheduler (again, after ``kill_scheduler``: its workers have gone with it)."""
        self._count += 1
        name = "scheduler-%d" % self._count
        scheduler_file = self.root / name / "scheduler.json"
        args = ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
        self.scheduler = self._spawn(name, args + ["--scheduler-file", str(scheduler_file)])
        self.address = self._wait_for_address(self.scheduler, scheduler_file)

    def kill_scheduler(self) -> None:
        """SIGKILL the scheduler (its workers close when they notice)."""
        assert self.scheduler is not None
        self.scheduler.kill()
        self.scheduler.wait()

    def _spawn(self, name: str, args: List[str], hide: bool = False) -> "subprocess.Popen[bytes]":
        """``dask ARGS`` in a folder of its own (its working directory and TMPDIR)."""
        home = self.root / name
        (home / "tmp").mkdir(parents=True)
        command = [sys.executable, "-m", "dask", *args]
        if hide and self._prefix is not None:
            command = self._prefix + ["sh", "-c", _HIDE, "sh", *self.hidden, "--", *command]
        with open(home / "log", "wb") as log:
            return subprocess.Popen(
                command, cwd=str(home), env=dict(os.environ, TMPDIR=str(home / "tmp")), stdout=log, stderr=log
            )

    def _wait_for_address(
        self, scheduler: "subprocess.Popen[bytes]", scheduler_file: Path, timeout: float = 60.0
    ) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if scheduler.poll() is not None:
                raise RuntimeError("dask scheduler exited: %s" % (scheduler_file.parent / "log").read_text())
            try:
                return str(json.loads(scheduler_file.read_text())["address"])
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)
        raise RuntimeError("dask scheduler did not start in %ss" % timeout)

    def add_workers(self, count: int, timeout: float = 60.0) -> List[str]:
        """Start ``count`` more workers (no nanny: a killed worker stays dead); their names, once
        the scheduler has them."""
        names = []
        for _ in range(count):
            self._count += 1
            name = "worker-%d" % self._count
            args = ["worker", self.address, "--name", name, "--nthreads", str(self.threads), "--no-nanny"]
            args += ["--no-dashboard", "--local-directory", str(self.root / name / "local")]
            self.workers[name] = self._spawn(name, args, hide=True)
            names.append(name)
        self.wait_for(lambda known: set(names) <= set(known.values()), timeout, "workers %s" % names)
        return names

    def addresses(self) -> Dict[str, str]:
        """The address of each worker the scheduler has, by name."""
        import distributed

        client_type: Any = distributed.Client  # partly typed: its constructor is not
        with client_type(self.address, timeout=30, set_as_default=False) as client:
            return {str(info["name"]): str(address) for address, info in client.scheduler_info()["workers"].items()}

    def wait_for(self, condition: Any, timeout: float, what: str) -> None:
        """Wait until ``condition({address: name})`` holds for the scheduler's workers."""
        deadline = time.monotonic() + timeout
        while not condition({address: name for name, address in self.addresses().items()}):
            if time.monotonic() > deadline:
                raise RuntimeError("timed out waiting for %s" % what)
            time.sleep(0.1)

    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker process ``name`` (it leaves the cluster)."""
        self.workers[name].kill()
        self.workers[name].wait()

    def alive(self) -> List[str]:
        """The names of the worker processes still running."""
        return [name for name, process in self.workers.items() if process.poll() is None]

    def close(self) -> None:
        processes = [*self.workers.values(), *([self.scheduler] if self.scheduler else [])]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def dask_cluster(
    workers: int = 2, hidden: Sequence[Path] = (), threads: int = 2, port: int = 0
) -> Iterator[DaskCluster]:
    """A Dask cluster of a scheduler (on ``port``, 0: a free one) and ``workers`` workers of
    ``threads`` threads, separate processes over TCP on this machine, each in a folder of its own;
    ``hidden`` folders are out of the workers' sight where the machine allows it (``cluster.hides``)."""
    root = Path(tempfile.mkdtemp(prefix="batchcompute-dask-"))
    cluster = DaskCluster(root, hidden, threads)
    try:
        cluster.start(workers, port)
        yield cluster
    finally:
        cluster.close()
        shutil.rmtree(root, ignore_errors=True)
