"""``python -m batchcompute.local`` / ``batchcompute-local``: run the local server in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Dict, List, Optional

from .constants import ACCESS_KEYS_ENV, DEFAULT_HOST, DEFAULT_PORT, MAX_BODY_BYTES
from .run.dask import DaskUnavailable
from .server import DataDirLocked, LocalServer, default_data_dir
from .state.store import StoreUnavailable

__all__ = ["main", "parse_args"]

log = logging.getLogger("batchcompute.local")


def _key_pair(text: str) -> tuple:
    key_id, sep, secret = text.partition(":")
    if not sep or not key_id or not secret:
        raise argparse.ArgumentTypeError("an access key is ID:SECRET, not %r" % text)
    return key_id, secret


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="batchcompute-local",
        description="A BatchCompute-compatible server that runs jobs on this machine.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s: this machine only)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s; 0: a free one)")
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
        type=int,
        default=None,
        help="instances run at once at most (default: the number of CPUs)",
    )
    parser.add_argument(
        "--oss-port",
        type=int,
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
    parser.add_argument("--max-body", type=int, default=MAX_BODY_BYTES, help="largest request body in bytes")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ... (default %(default)s)")
    return parser.parse_args(argv)


def access_keys(pairs: List[tuple]) -> Optional[Dict[str, str]]:
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
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = LocalServer(
            args.data_dir or default_data_dir(),
            host=args.host,
            port=args.port,
            access_keys=access_keys(args.access_key),
            workers=args.workers,
            max_body=args.max_body,
            oss_port=args.oss_port,
            oss_hosts=args.oss_host,
            executor=args.executor,
            dask_scheduler=args.dask_scheduler,
        )
        server.start()  # recovers what a previous process left running: it may write
    except (DataDirLocked, OSError, ValueError, DaskUnavailable, StoreUnavailable) as exc:
        reason = exc.message if isinstance(exc, StoreUnavailable) else str(exc)
        print("batchcompute-local: cannot start: %s" % reason, file=sys.stderr)
        return 1
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("listening on %s: other machines can reach this server", args.host)
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
