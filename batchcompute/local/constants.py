"""Defaults of the local BatchCompute server, quoted by the README and the command line help."""

from __future__ import annotations

#: The well-known development key pair accepted when no other pair is configured. Like the
#: fixed keys of other local cloud emulators it is public: never expose such a server to others.
DEFAULT_ACCESS_KEY_ID = "LocalAccessKeyId"
DEFAULT_ACCESS_KEY_SECRET = "LocalAccessKeySecret"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8642
#: The name under which scripts register the server: ``Client.register_region('local', host, port)``.
REGION = "local"
API_VERSION = "2015-11-11"

#: ``ID:SECRET[,ID:SECRET...]`` pairs read from the environment when no ``--access-key`` is given.
ACCESS_KEYS_ENV = "BATCH_COMPUTE_LOCAL_ACCESS_KEYS"
#: Overrides the default data directory.
DATA_DIR_ENV = "BATCH_COMPUTE_LOCAL_DATA_DIR"

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_DATE_SKEW_SECONDS = 15 * 60
MAX_ITEM_COUNT = 100

# -- The HTTP layer (web.server); the command line can change the first four. --------------------
#: Open connections at most (``--max-connections``); past it the stalest idle or unfinished
#: connection is closed to let a new one in.
DEFAULT_MAX_CONNECTIONS = 1000
#: Seconds a request's head and body may take to arrive, from its first byte (for the first
#: request of a connection: from the connection's opening) (``--request-timeout``): then 408.
DEFAULT_REQUEST_TIMEOUT = 30
#: The OSS endpoint's objects may be gigabytes: its deadline grows by a second for each this many
#: bytes of a request's Content-Length.
OSS_BODY_RATE = 1024 * 1024
#: Seconds a kept-alive connection may wait for its next request (``--idle-timeout``).
DEFAULT_IDLE_TIMEOUT = 60
#: Threads that run requests (``--http-threads``); connections are read and written without them.
DEFAULT_HTTP_THREADS = 16
#: The request line (method, target, version) at most: 414 past it.
MAX_REQUEST_LINE = 8 * 1024
#: A request's head (request line and headers) at most, and its header lines: 431 past them.
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_COUNT = 100

# -- What one request may ask for (model.limits); the first three have options. -----------------
#: Tasks in one DAG (``--max-tasks``).
DEFAULT_MAX_TASKS = 1000
#: InstanceCount of one task (``--max-instances-per-task``).
DEFAULT_MAX_INSTANCES_PER_TASK = 10000
#: Instances of one job, all its tasks together (``--max-instances-per-job``).
DEFAULT_MAX_INSTANCES_PER_JOB = 100000
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

#: Bucket used for logs when a description names no redirect path (App jobs without Logging).
DEFAULT_BUCKET = "batchcompute-local"
#: Bucket of the claim objects of the attempts that the dask executor runs (one attempt, one claim).
ATTEMPTS_BUCKET = "batchcompute-local-attempts"
OSS_HOST = "localhost"
OWNER_ID = "1000000000000000"
