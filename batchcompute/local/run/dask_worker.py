"""What a Dask worker runs for the dask executor: one instance attempt as a real process.

``run_attempt`` is the Dask task. It first claims the attempt: the attempt's claim object is made
in the server's store with OSS AppendObject at position 0, which succeeds for one request only. A
task that finds it made already does not run the command: Dask ran the task again after losing
the worker that ran it, or the server stopped the attempt (it makes the object itself). So an
attempt runs at most once, and a retry is the server's decision. Then the steps of ``steps`` run
in a working directory of this worker: the package, the mappings and the logs are reached through
the server's OSS endpoint only, stdout and stderr appended to their objects while the command runs.

Each outcome goes to the server as a Dask event (``ENDED_TOPIC``) and as the task's result. The
server calls ``kill_attempt`` and ``attempt_states`` through ``Client.run``: to stop an
attempt, and after its own restart to find the attempts still running here and the outcomes of
those that ended meanwhile. Each command's process group is also handed to a reaper process that
outlives this worker and kills what is left of the groups when the worker dies (kill -9 included).

This module imports nothing of the server's state or web layers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import astuple, dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..constants import ACCESS_KEYS_ENV
from ..model.attempts import RunResult
from .executor import STOPPED_CODE, InstanceRun
from .oss_client import OssClient, OssRequestError
from .steps import (
    StepFailed,
    command_argv,
    kill_process_group,
    map_inputs,
    map_outputs,
    outcome,
    release,
    start_held,
    unpack,
)
from .workdirs import WorkDirs

__all__ = ["AttemptSpec", "AttemptOutcome", "ENDED_TOPIC", "run_attempt", "kill_attempt", "attempt_states"]

#: The Dask event topic on which each attempt's outcome goes to the server, ahead of its task's end
#: (the server need not fetch the task's result from the worker).
ENDED_TOPIC = "batchcompute-attempt-ended"

#: Log output is appended to its object at least this often (seconds) while the command runs ...
FLUSH_INTERVAL = 0.25
#: ... and at most this many bytes per request.
APPEND_BYTES = 1 << 20
#: How long the last log appends and the outputs are tried while the OSS endpoint does not answer.
FINAL_PATIENCE = 60.0
#: Outcomes kept for a restarted server to collect.
KEEP_ENDED = 10000


@dataclass(frozen=True)
class AttemptSpec:
    """What the server sends with each Dask task: the attempt and how to reach its store."""

    task_key: str  # the Dask task's key: unique for the attempt, the server and the submission
    claim_url: str  # oss:// URL of the attempt's claim object
    run: InstanceRun
    endpoint: str  # http://host:port of the server's OSS endpoint
    access_key_id: str
    access_key_secret: str


@dataclass(frozen=True)
class AttemptOutcome:
    """How an attempt ended on a worker (``refused``: it did not run, its claim was made already)."""

    result: RunResult
    worker: str  # the worker's address
    node_ip: str
    refused: bool = False


class _Running:
    """An attempt running on this worker: its process group once started; kill() ends it."""

    def __init__(self) -> None:
        self.killed = False
        self.pid: Optional[int] = None
        self.lock = threading.Lock()

    def kill(self) -> None:
        with self.lock:
            self.killed = True
            if self.pid is not None:
                kill_process_group(self.pid)


_running: Dict[str, _Running] = {}
_ended: "OrderedDict[str, AttemptOutcome]" = OrderedDict()
_registry = threading.Lock()


def kill_attempt(task_key: str) -> bool:
    """End the attempt of ``task_key`` running here (or keep it from starting); whether it was here."""
    with _registry:
        running = _running.get(task_key)
    if running is None:
        return False
    running.kill()
    return True


def attempt_states(task_keys: Sequence[str]) -> Dict[str, Optional[AttemptOutcome]]:
    """For each of ``task_keys`` known here: None while it runs, else its outcome."""
    with _registry:
        found: Dict[str, Optional[AttemptOutcome]] = {key: _ended[key] for key in task_keys if key in _ended}
        found.update({key: None for key in task_keys if key in _running})
    return found


def run_attempt(spec: AttemptSpec) -> AttemptOutcome:
    """The Dask task of one attempt: claim it, run it, say how it ended."""
    from distributed import get_worker
    from distributed.comm.addressing import get_address_host

    worker = get_worker()
    node = _Node(worker, worker.address, get_address_host(worker.address))
    running = _Running()
    with _registry:
        _running[spec.task_key] = running
    try:
        result = _claim_and_run(spec, node, running)
    finally:
        with _registry:
            del _running[spec.task_key]
    if result is None:
        return AttemptOutcome(RunResult(None), node.address, node.ip, refused=True)
    ended = AttemptOutcome(result, node.address, node.ip)
    with _registry:
        _ended[spec.task_key] = ended
        while len(_ended) > KEEP_ENDED:
            _ended.popitem(last=False)
    worker.log_event(ENDED_TOPIC, {"task": spec.task_key, "ip": node.ip, "result": list(astuple(result))})
    return ended


class _Node:
    """The worker an attempt runs on."""

    def __init__(self, worker: Any, address: str, ip: str) -> None:
        self.worker, self.address, self.ip = worker, address, ip

    def closing(self) -> bool:
        return str(getattr(self.worker.status, "name", "running")) not in ("running", "paused")


def _claim_and_run(spec: AttemptSpec, node: _Node, running: _Running) -> Optional[RunResult]:
    """The attempt's result; None when its claim was made already (it must not run)."""
    store = _client(spec)
    claim = (json.dumps({"task": spec.task_key, "worker": node.address, "ip": node.ip}) + "\n").encode("utf-8")
    try:
        store.append(spec.claim_url, 0, claim)
    except OssRequestError as exc:
        if exc.status == 409:
            return None
        return RunResult(None, "LaunchFailed", "the attempt cannot be claimed in the object store: %s" % exc)
    except OSError as exc:
        return RunResult(None, "LaunchFailed", "the OSS endpoint %s does not answer: %s" % (spec.endpoint, exc))
    logs = _Logs(store, spec.run, node)
    try:
        result = _attempt(spec, node, running, store, logs)
    except Exception as exc:  # a broken attempt must still be reported
        result = RunResult(None, "LaunchFailed", "%s: %s" % (type(exc).__name__, exc))
    if result.exit_code is None and result.error_code != STOPPED_CODE:
        logs.note(result.error_message)
    logs.close()
    return result


def _patiently(call: Callable[[], Any], node: _Node, patience: float = FINAL_PATIENCE) -> bool:
    """Make a request of the OSS endpoint, again every half second while it does not answer (a
    server restarting), for ``patience`` seconds or until the worker closes; whether it was made.
    A refusal (OssRequestError) is raised at once."""
    deadline = time.monotonic() + patience
    while True:
        try:
            call()
            return True
        except OssRequestError:
            raise
        except OSError:
            if time.monotonic() >= deadline or node.closing():
                return False
            time.sleep(0.5)


def _attempt(spec: AttemptSpec, node: _Node, running: _Running, store: OssClient, logs: "_Logs") -> RunResult:
    run = spec.run
    workdir = _workdirs(node.worker).take()
    try:
        unpack(store, run.package_path, workdir)
        map_inputs(store, run.input_mapping, workdir)
        own = dict(run.env, BATCH_COMPUTE_WORKER_ID=node.address, BATCH_COMPUTE_OSS_HOST=store.host)
        argv = command_argv(run.command_line, run.docker_image, own, workdir)
        with running.lock:
            if running.killed:
                return RunResult(None, STOPPED_CODE, "stopped before it started")
            proc, go = start_held(argv, workdir, _environment(own), logs.stdout, logs.stderr)
            running.pid = proc.pid
        timed_out, closing = _run_held(proc, go, run.timeout, node, logs)
        with running.lock:
            running.pid = None
        if closing and not running.killed:
            return RunResult(None, "WorkerLost", "the Dask worker %s closed while the instance ran" % node.address)
        ended = outcome(proc.returncode, running.killed, timed_out, run.timeout)
        if ended is not None:
            return ended
        map_outputs(store, run.output_mapping, workdir)
        return RunResult(0)
    except StepFailed as failure:
        return RunResult(None, failure.code, failure.message)
    finally:
        _workdirs(node.worker).give_back(workdir)


def _run_held(
    proc: "subprocess.Popen[bytes]", go: int, timeout: float, node: _Node, logs: "_Logs"
) -> Tuple[bool, bool]:
    """Hand the process group to the reaper, release the command, wait for its end while its logs
    go to the store; whether the Timeout ended it, whether the worker closing did."""
    _reaper.add(proc.pid)
    release(go)
    started = time.monotonic()
    deadline = started + timeout if timeout > 0 else None
    timed_out = closing = False
    try:
        while True:
            try:
                proc.wait(_next_wait(deadline))
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            timed_out = timed_out or (deadline is not None and now >= deadline)
            closing = closing or node.closing()
            if timed_out or closing:
                kill_process_group(proc.pid)
            logs.send()
    finally:
        kill_process_group(proc.pid)  # leftovers the command sent to the background
        _reaper.remove(proc.pid)
    return timed_out, closing


def _next_wait(deadline: Optional[float]) -> float:
    wait = FLUSH_INTERVAL
    if deadline is not None:
        wait = min(wait, max(0.0, deadline - time.monotonic()))
    return max(wait, 0.001)


def _environment(own: Dict[str, str]) -> Dict[str, str]:
    """This worker's environment (without the server's keys), then the attempt's ``own``
    variables (with this worker's name and the OSS endpoint it reaches)."""
    env = {key: value for key, value in os.environ.items() if key != ACCESS_KEYS_ENV}
    env.update(own)
    return env


class _LogFile:
    """One log object: the command writes a local file, whose new bytes are appended to the object."""

    def __init__(self, store: OssClient, url: str, path: Path, node: _Node) -> None:
        self.store, self.url, self.path, self.node = store, url, path, node
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o600)
        self.sent = 0
        self.stale = False

    def send(self, patience: float = 0.0) -> None:
        """Append what the command wrote since; while the endpoint does not answer, try again for
        ``patience`` seconds."""
        while not self.stale:
            chunk = os.pread(self.fd, APPEND_BYTES, self.sent)
            if not chunk:
                return
            try:
                if not _patiently(partial(self._append, chunk), self.node, patience):
                    return
            except OssRequestError:  # someone else writes the object: this attempt is not current
                self.stale = True

    def _append(self, chunk: bytes) -> None:
        self.sent = self.store.append(self.url, self.sent, chunk)


class _Logs:
    """The attempt's stdout and stderr (one file when both go to one object)."""

    def __init__(self, store: OssClient, run: InstanceRun, node: _Node) -> None:
        folder = Path(node.worker.local_directory) / "batchcompute-logs"
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / ("%d-%d" % (threading.get_ident(), time.monotonic_ns()))
        self.files: List[_LogFile] = [_LogFile(store, run.stdout_url, base.with_suffix(".out"), node)]
        if run.stderr_url != run.stdout_url:
            self.files.append(_LogFile(store, run.stderr_url, base.with_suffix(".err"), node))

    @property
    def stdout(self) -> int:
        return self.files[0].fd

    @property
    def stderr(self) -> int:
        return self.files[-1].fd

    def send(self) -> None:
        for log in self.files:
            log.send()

    def note(self, message: str) -> None:
        """Add a line of the executor's to stderr, where users look first."""
        os.write(self.stderr, ("batchcompute-local: %s\n" % message).encode("utf-8"))

    def close(self) -> None:
        """Send the rest and remove the local files."""
        for log in self.files:
            log.send(FINAL_PATIENCE)
            os.close(log.fd)
            log.path.unlink()


class _Reaper:
    """A process of its own session that kills the registered process groups when this worker
    process ends, however it ends: it reads ``+pgid`` / ``-pgid`` lines until end of file."""

    PROGRAM = (
        "import os, signal, sys\n"
        "groups = set()\n"
        "for line in sys.stdin:\n"
        "    (groups.add if line[0] == '+' else groups.discard)(int(line[1:]))\n"
        "for group in groups:\n"
        "    try:\n"
        "        os.killpg(group, signal.SIGKILL)\n"
        "    except OSError:\n"
        "        pass\n"
    )

    def __init__(self) -> None:
        self._proc: Optional["subprocess.Popen[bytes]"] = None
        self._groups: Dict[int, None] = {}
        self._lock = threading.Lock()

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups[pgid] = None
            self._send("+%d\n" % pgid)

    def remove(self, pgid: int) -> None:
        with self._lock:
            self._groups.pop(pgid, None)
            self._send("-%d\n" % pgid)

    def _send(self, line: str) -> None:
        for _ in range(2):
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                assert self._proc is not None and self._proc.stdin is not None
                os.write(self._proc.stdin.fileno(), line.encode("ascii"))
                return
            except BrokenPipeError:
                self._proc = None

    def _start(self) -> None:
        """A new reaper, told of every group still registered."""
        self._proc = subprocess.Popen(
            [sys.executable, "-S", "-c", self.PROGRAM],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self._proc.stdin is not None
        for pgid in self._groups:
            os.write(self._proc.stdin.fileno(), b"+%d\n" % pgid)


_reaper = _Reaper()
_clients: Dict[Tuple[str, str, str], OssClient] = {}
_dirs: Dict[str, WorkDirs] = {}


def _client(spec: AttemptSpec) -> OssClient:
    """One client (keep-alive sessions) per endpoint and key pair, for the worker's life."""
    ident = (spec.endpoint, spec.access_key_id, spec.access_key_secret)
    with _registry:
        if ident not in _clients:
            _clients[ident] = OssClient(spec.endpoint, spec.access_key_id, spec.access_key_secret)
        return _clients[ident]


def _workdirs(worker: Any) -> WorkDirs:
    """Empty working directories in the worker's own local directory."""
    with _registry:
        root = str(Path(worker.local_directory) / "batchcompute-work")
        if root not in _dirs:
            _dirs[root] = WorkDirs(Path(root))
        return _dirs[root]
