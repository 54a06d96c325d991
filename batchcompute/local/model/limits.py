"""What one request may hold: the sizes of names, texts, paths and ids, the nesting of a body, and
how many tasks and instances one job may have.

Each limit is checked when the request arrives (``model.request`` and the description checkers),
so that nothing is stored that fails later: a value past a limit is a 400 ``Invalid<Param>``. The
README ("Running the local server standalone") and docs/local-server.rst list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..constants import DEFAULT_MAX_INSTANCES_PER_JOB, DEFAULT_MAX_INSTANCES_PER_TASK, DEFAULT_MAX_TASKS

__all__ = [
    "Limits",
    "MAX_JSON_DEPTH",
    "MAX_STRING_CHARS",
    "MAX_INTEGER",
    "MAX_NAME_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_COMMAND_BYTES",
    "MAX_ENV_VARS",
    "MAX_ENV_NAME_CHARS",
    "MAX_ENV_VALUE_BYTES",
    "MAX_ENV_BYTES",
    "MAX_MAPPINGS",
    "MAX_URL_CHARS",
    "MAX_SEGMENT_BYTES",
    "MAX_LOCAL_PATH_BYTES",
    "MAX_ID_CHARS",
    "MAX_TOKEN_CHARS",
    "MAX_NONCE_CHARS",
    "MAX_GROUPS",
    "MAX_VMS",
    "MAX_PRIORITY",
    "MAX_RETRIES",
    "MAX_TIMEOUT_SECONDS",
    "MAX_PAGE_DIGITS",
    "MAX_MARKER_DIGITS",
]

#: Objects and arrays nested in a body at most.
MAX_JSON_DEPTH = 32
#: Any string anywhere in a body, in characters.
MAX_STRING_CHARS = 64 * 1024
#: Any integer anywhere in a body, in absolute value (what SQLite stores and every client reads).
MAX_INTEGER = 2**63 - 1
#: The Name of a job, cluster or image (App, task and group names: 1-128 of ``[A-Za-z0-9_.-]``).
MAX_NAME_CHARS = 256
#: A Description.
MAX_DESCRIPTION_CHARS = 4096
#: Any other string field of a description (ids, instance types, a topic's name ...).
MAX_FIELD_CHARS = 1024
#: Command.CommandLine and an App's CommandLine, UTF-8 encoded (one argument of ``sh -c``).
MAX_COMMAND_BYTES = 64 * 1024
#: Environment variables of one EnvVars map, a name, a value (UTF-8), all of one map together.
MAX_ENV_VARS = 1000
MAX_ENV_NAME_CHARS = 1024
MAX_ENV_VALUE_BYTES = 32 * 1024
MAX_ENV_BYTES = 256 * 1024
#: Entries of an InputMapping or OutputMapping.
MAX_MAPPINGS = 1000
#: An ``oss://`` URL; one segment of it or of a local path (UTF-8); a local path (UTF-8).
MAX_URL_CHARS = 1024
MAX_SEGMENT_BYTES = 255
MAX_LOCAL_PATH_BYTES = 4095
#: An id or name in a path or a query (job, task, cluster, group, VM, image and App), and a text Marker.
MAX_ID_CHARS = 128
#: An IdempotentToken.
MAX_TOKEN_CHARS = 128
#: An ``x-acs-signature-nonce``.
MAX_NONCE_CHARS = 128
#: Groups of a cluster, and VMs of one group (DesiredVMCount).
MAX_GROUPS = 100
MAX_VMS = 1000
MAX_PRIORITY = 1000
MAX_RETRIES = 100
#: A Timeout: ten years.
MAX_TIMEOUT_SECONDS = 10 * 365 * 86400
#: Digits of MaxItemCount and of a Qualifier or instance id; of a numeric Marker (fits 63 bits).
MAX_PAGE_DIGITS = 9
MAX_MARKER_DIGITS = 18


@dataclass(frozen=True)
class Limits:
    """How big one job may be: tasks in its DAG, instances of one task, instances of the job
    (the options ``--max-tasks``, ``--max-instances-per-task`` and ``--max-instances-per-job``)."""

    max_tasks: int = DEFAULT_MAX_TASKS
    max_instances_per_task: int = DEFAULT_MAX_INSTANCES_PER_TASK
    max_instances_per_job: int = DEFAULT_MAX_INSTANCES_PER_JOB
