"""``python -m batchcompute.local`` / ``batchcompute-local``: run the local server in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Dict, List, Optional, Tuple

from ..core.version import __version__
from .constants import (
    ACCESS_KEYS_ENV,
    DEFAULT_HOST,
    DEFAULT_HTTP_THREADS,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_INSTANCES_PER_JOB,
    DEFAULT_MAX_INSTANCES_PER_TASK,
    DEFAULT_MAX_TASKS,
    DEFAULT_PORT,
    DEFAULT_REQUEST_TIMEOUT,
    MAX_BODY_BYTES,
)
from .model.limits import Limits
from .run.dask import DaskUnavailable
from .server import MAX_PORT, DataDirLocked, LocalServer, default_data_dir
from .state.store import StoreUnavailable

__all__ = ["main", "parse_args"]

log = logging.getLogger("batchcompute.local")


def _key_pair(text: str) -> Tuple[str, str]:
    key_id, sep, secret = text.partition(":")
    if not sep or not key_id or not secret:
        raise argparse.ArgumentTypeError("an access key is ID:SECRET, not %r" % text)
    return key_id, secret


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("%r must be 1 or more" % text)
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a port number" % text) from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError("%d is not a port: ports are 0 to %d (0: a free one)" % (value, MAX_PORT))
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text) from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("%r must be a positive number of seconds" % text)
    return value


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="batchcompute-local",
        description="A BatchCompute-compatible server that runs jobs on this machine.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s: this machine only)"
    )
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default %(default)s; 0: a free one)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="where the database, object store and work directories live "
        "(default: $BATCH_COMPUTE_LOCAL_DATA_DIR or %s)" % default_data_dir(),
    )
    parser.add_argument(
        "--access-key",
        action="append",
        type=_key_pair,
        default=[],
        metavar="ID:SECRET",
        help="an accepted key pair (repeatable; default: $%s, else the development pair)" % ACCESS_KEYS_ENV,
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="instances run at once at most (default: the number of CPUs)",
    )
    parser.add_argument(
        "--oss-port",
        type=_port,
        default=None,
        help="port of the OSS endpoint serving the object store (default: --port + 1; 0: none)",
    )
    parser.add_argument(
        "--oss-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name that means the OSS endpoint, also on --port and as <bucket>.NAME (repeatable; "
        "oss-<region>[-internal].aliyuncs.com always does)",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="what runs the instances: processes on this machine (local, the default) or on the workers "
        "of a Dask distributed cluster (dask)",
    )
    parser.add_argument(
        "--dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --executor dask: the scheduler of an existing cluster (tcp://host:port or a scheduler "
        "file); without it a local cluster of --workers processes is started",
    )
    parser.add_argument(
        "--max-body", type=_positive, default=MAX_BODY_BYTES, help="largest request body in bytes (default %(default)s)"
    )
    http = parser.add_argument_group("HTTP and TLS")
    http.add_argument("--tls-cert", metavar="FILE", default=None, help="serve HTTPS with this certificate chain (PEM)")
    http.add_argument("--tls-key", metavar="FILE", default=None, help="the certificate's private key (PEM)")
    http.add_argument(
        "--max-connections",
        type=_positive,
        default=DEFAULT_MAX_CONNECTIONS,
        help="open connections at most; past it the stalest idle or unfinished one is closed (default %(default)s)",
    )
    http.add_argument(
        "--request-timeout",
        type=_positive_float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="time for a whole request head and body to arrive, else 408 (default %(default)s)",
    )
    http.add_argument(
        "--idle-timeout",
        type=_positive_float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="a kept-alive connection without a request is closed after this (default %(default)s)",
    )
    http.add_argument(
        "--http-threads",
        type=_positive,
        default=DEFAULT_HTTP_THREADS,
        help="requests answered at once (default %(default)s); half of them may be create_job_sync waits",
    )
    sizes = parser.add_argument_group("how big a job may be")
    sizes.add_argument(
        "--max-tasks", type=_positive, default=DEFAULT_MAX_TASKS, help="tasks in a DAG (default %(default)s)"
    )
    sizes.add_argument(
        "--max-instances-per-task",
        type=_positive,
        default=DEFAULT_MAX_INSTANCES_PER_TASK,
        help="InstanceCount of a task (default %(default)s)",
    )
    sizes.add_argument(
        "--max-instances-per-job",
        type=_positive,
        default=DEFAULT_MAX_INSTANCES_PER_JOB,
        help="instances of a job, all tasks together (default %(default)s)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ... (default %(default)s)")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return args


def access_keys(pairs: List[Tuple[str, str]]) -> Optional[Dict[str, str]]:
    """The key pairs from the command line, else from the environment, else None (the default)."""
    if not pairs and os.environ.get(ACCESS_KEYS_ENV):
        pairs = [_key_pair(item.strip()) for item in os.environ[ACCESS_KEYS_ENV].split(",") if item.strip()]
    return dict(pairs) or None


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keys = access_keys(args.access_key)
    os.environ.pop(ACCESS_KEYS_ENV, None)  # read: what the server starts has no use for it
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = LocalServer(
            args.data_dir or default_data_dir(),
            host=args.host,
            port=args.port,
            access_keys=keys,
            workers=args.workers,
            max_body=args.max_body,
            max_connections=args.max_connections,
            request_timeout=args.request_timeout,
            idle_timeout=args.idle_timeout,
            http_threads=args.http_threads,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            limits=Limits(args.max_tasks, args.max_instances_per_task, args.max_instances_per_job),
            oss_port=args.oss_port,
            oss_hosts=args.oss_host,
            executor=args.executor,
            dask_scheduler=args.dask_scheduler,
        )
        server.start()  # recovers what a previous process left running: it may write
    except (DataDirLocked, OSError, StoreUnavailable, ValueError, DaskUnavailable) as exc:
        reason = exc.message if isinstance(exc, StoreUnavailable) else str(exc)
        print("batchcompute-local: cannot start: %s" % reason, file=sys.stderr)
        return 1
    print(server.banner(), flush=True)
    print("web console: %s" % server.console_link(), flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        log.info("shutting down")
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
