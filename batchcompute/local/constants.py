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
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

#: Bucket used for logs when a description names no redirect path (App jobs without Logging).
DEFAULT_BUCKET = "batchcompute-local"
#: Bucket of the claim objects of the attempts that the dask executor runs (one attempt, one claim).
ATTEMPTS_BUCKET = "batchcompute-local-attempts"
OSS_HOST = "localhost"
OWNER_ID = "1000000000000000"
