"""What a Dask worker runs for the dask executor: instance attempts as real processes.

The server installs a comm handler on each worker (``install``, through ``Client.run``) and opens a
stream to it (op ``STREAM_OP``): a connection of its own, straight to the worker, beside Dask's
task system. On it the server sends attempts (``{"task": key, "run": InstanceRun}``) and kills
(``{"kill": key}``); the worker answers ``{"ended": key, "result": ...}`` when an attempt ends,
each attempt on its own. It runs as many attempts at once as it has threads and queues the
others: an attempt that must wait for a thread is announced ``{"queued": key}``, then
``{"started": key}`` (the server counts the others as started as they arrive). Messages that are
ready together travel together. A worker runs each key once: the server sends an attempt to one
worker only, and a key it knows already is not run again.

An attempt runs the steps of ``steps`` in a working directory of this worker: the package, the
mappings and the logs are reached through the server's OSS endpoint only, stdout and stderr
appended to their objects while the command runs. Each outcome is also kept here: the server
calls ``kill_attempt`` and ``attempt_states`` through ``Client.run`` when its stream is gone (after
its own restart, or a broken connection) to stop an attempt and to learn which still run and how
the others ended. Each command's process group is also handed to a reaper process that outlives
this worker and kills what is left of the groups when the worker dies (kill -9 included).

This module imports nothing of the server's state or web layers.
"""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, astuple, dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..model.attempts import RunResult
from .executor import STOPPED_CODE, InstanceRun
from .oss_client import OssClient, OssRequestError
from .steps import (
    StepFailed,
    held_command,
    kill_process_group,
    map_inputs,
    map_outputs,
    outcome,
    release,
    start_held,
    unpack,
)
from .workdirs import WorkDirs

__all__ = [
    "STREAM_OP",
    "AttemptOutcome",
    "Outbox",
    "install",
    "run_message",
    "kill_attempt",
    "attempt_states",
]

#: The comm handler on each worker that the server streams attempts to.
STREAM_OP = "batchcompute_attempts"

#: Log output is appended to its object at least this often (seconds) while the command runs ...
FLUSH_INTERVAL = 0.25
#: ... and at most this many bytes per request.
APPEND_BYTES = 1 << 20
#: How long the last log appends and the outputs are tried while the OSS endpoint does not answer.
FINAL_PATIENCE = 60.0
#: Outcomes kept for a restarted server to collect.
KEEP_ENDED = 10000


@dataclass(frozen=True)
class AttemptOutcome:
    """How an attempt ended on a worker."""

    result: RunResult
    worker: str  # the worker's address
    node_ip: str


class _Running:
    """An attempt sent to this worker: its process group once started; kill() ends it (or keeps
    it from starting)."""

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
    """For each of ``task_keys`` known here: None while it runs (or waits for a thread), else its
    outcome."""
    with _registry:
        found: Dict[str, Optional[AttemptOutcome]] = {key: _ended[key] for key in task_keys if key in _ended}
        found.update({key: None for key in task_keys if key in _running})
    return found


def run_message(task_key: str, run: InstanceRun) -> Dict[str, Any]:
    """The message that sends attempt ``task_key`` to a worker."""
    return {"task": task_key, "run": asdict(run)}


class Outbox:
    """Messages for one comm, sent in order from any thread; those queued meanwhile go together.
    Once the comm fails, the rest are dropped (``closed``)."""

    def __init__(self, comm: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.comm, self.loop = comm, loop
        self.closed = False
        self._queued: List[Dict[str, Any]] = []
        self._sending = False

    def send(self, message: Dict[str, Any]) -> None:
        try:
            self.loop.call_soon_threadsafe(self._push, message)
        except RuntimeError:  # the event loop is closed: so is the comm
            self.closed = True

    def _push(self, message: Dict[str, Any]) -> None:
        if self.closed:
            return
        self._queued.append(message)
        if not self._sending:
            self._sending = True
            asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        try:
            while self._queued and not self.closed:
                batch, self._queued = self._queued, []
                await self.comm.write(batch)
        except Exception:  # the comm broke (or cannot take a message): the reader sees it
            self.closed = True
        finally:
            self._sending = False


def install(dask_worker: Any) -> str:
    """Run through ``Client.run``: make this worker answer ``STREAM_OP`` (once); its address."""
    with _registry:
        if STREAM_OP not in dask_worker.handlers:
            dask_worker.handlers[STREAM_OP] = _Runner(dask_worker).serve
    return str(dask_worker.address)


class _Node:
    """The worker attempts run on."""

    def __init__(self, worker: Any) -> None:
        from distributed.comm.addressing import get_address_host

        self.worker, self.address, self.ip = worker, str(worker.address), str(get_address_host(worker.address))

    def closing(self) -> bool:
        return str(getattr(self.worker.status, "name", "running")) not in ("running", "paused")


class _Runner:
    """The attempts of one worker: as many at once as it has threads."""

    def __init__(self, worker: Any) -> None:
        self.node = _Node(worker)
        self.threads = max(1, int(getattr(getattr(worker, "state", worker), "nthreads", 1)))
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="batchcompute-attempt")
        self.taken = 0  # attempts in the pool: running or waiting for a thread
        self.lock = threading.Lock()

    async def serve(self, comm: Any, endpoint: str, access_key_id: str, access_key_secret: str, trust: str = "") -> Any:
        """One server's stream: take its attempts and kills until it closes (what was sent runs on).
        ``trust``: the certificates (PEM) of an HTTPS endpoint."""
        from distributed.core import Status

        store = _client(endpoint, access_key_id, access_key_secret, trust)
        replies = Outbox(comm, asyncio.get_running_loop())
        try:
            while True:
                try:
                    messages = await comm.read()
                except OSError:  # the server went away or closed the stream
                    break
                for message in messages:
                    if "kill" in message:
                        kill_attempt(str(message["kill"]))
                    else:
                        self._take(str(message["task"]), message["run"], store, replies)
        finally:
            replies.closed = True
        return Status.dont_reply

    def _take(self, task_key: str, fields: Dict[str, Any], store: OssClient, replies: Outbox) -> None:
        """Queue a new attempt; one known here is not run again (its outcome is sent again)."""
        with _registry:
            known = task_key in _running
            ended = _ended.get(task_key)
            if not known and ended is None:
                _running[task_key] = _Running()
        if ended is not None:
            replies.send(_ended_message(task_key, ended))
        elif not known:
            run = InstanceRun(**dict(fields, key=tuple(fields["key"])))
            with self.lock:
                self.taken += 1
                queued = self.taken > self.threads
            if queued:
                replies.send({"queued": task_key})
            self.pool.submit(self._run, task_key, run, store, replies, queued)

    def _run(self, task_key: str, run: InstanceRun, store: OssClient, replies: Outbox, queued: bool) -> None:
        try:
            self._run_taken(task_key, run, store, replies, queued)
        finally:
            with self.lock:
                self.taken -= 1

    def _run_taken(self, task_key: str, run: InstanceRun, store: OssClient, replies: Outbox, queued: bool) -> None:
        with _registry:
            running = _running[task_key]
        if running.killed:
            result = RunResult(None, STOPPED_CODE, "stopped before it started")
        elif self.node.closing():
            return  # never started: once this worker is gone, the server sends it to another
        else:
            if queued:
                replies.send({"started": task_key})
            result = _run_started(run, self.node, running, store)
        ended = AttemptOutcome(result, self.node.address, self.node.ip)
        with _registry:
            del _running[task_key]
            _ended[task_key] = ended
            while len(_ended) > KEEP_ENDED:
                _ended.popitem(last=False)
        replies.send(_ended_message(task_key, ended))


def _ended_message(task_key: str, ended: AttemptOutcome) -> Dict[str, Any]:
    return {"ended": task_key, "result": list(astuple(ended.result))}


def _run_started(run: InstanceRun, node: _Node, running: _Running, store: OssClient) -> RunResult:
    """Run the attempt; its result, whatever goes wrong (a broken attempt must still be reported)."""
    try:
        logs = _Logs(store, run, node)
    except OSError as exc:
        return RunResult(None, "LaunchFailed", "the log files cannot be made: %s" % exc)
    try:
        result = _attempt(run, node, running, store, logs)
    except Exception as exc:
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


def _attempt(run: InstanceRun, node: _Node, running: _Running, store: OssClient, logs: "_Logs") -> RunResult:
    workdir = _workdirs(node.worker).take()
    try:
        unpack(store, run.package_path, workdir)
        map_inputs(store, run.input_mapping, workdir)
        own = dict(run.env, BATCH_COMPUTE_WORKER_ID=node.address, BATCH_COMPUTE_OSS_HOST=store.host)
        command = held_command(run.command_line, run.docker_image, own, workdir)
        with running.lock:
            if running.killed:
                return RunResult(None, STOPPED_CODE, "stopped before it started")
            proc, go = start_held(command, workdir, logs.stdout, logs.stderr)
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
    ended = _ExitWatch(proc)
    try:
        while True:
            if ended.wait(_next_wait(deadline)):
                break
            now = time.monotonic()
            timed_out = timed_out or (deadline is not None and now >= deadline)
            closing = closing or node.closing()
            if timed_out or closing:
                kill_process_group(proc.pid)
            logs.send()
    finally:
        ended.close()
        kill_process_group(proc.pid)  # leftovers the command sent to the background
        _reaper.remove(proc.pid)
    return timed_out, closing


class _ExitWatch:
    """Waits for a process's end and wakes as it ends: through a pidfd where the system has them
    (``Popen.wait`` with a timeout polls, first after 1 ms, then 2, 4 ...)."""

    def __init__(self, proc: "subprocess.Popen[bytes]") -> None:
        self.proc = proc
        self.poll: Optional["select.poll"] = None
        self.fd: Optional[int] = None
        try:
            self.fd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):  # not Linux 5.3+: Popen.wait
            return
        self.poll = select.poll()
        self.poll.register(self.fd, select.POLLIN)

    def wait(self, seconds: float) -> bool:
        """Whether the process ended within ``seconds`` (it is reaped then)."""
        if self.poll is not None and not self.poll.poll(seconds * 1000):
            return False
        try:
            self.proc.wait(0 if self.poll is not None else seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _next_wait(deadline: Optional[float]) -> float:
    wait = FLUSH_INTERVAL
    if deadline is not None:
        wait = min(wait, max(0.0, deadline - time.monotonic()))
    return max(wait, 0.001)


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
_clients: Dict[Tuple[str, str, str, str], OssClient] = {}
_dirs: Dict[str, WorkDirs] = {}


def _client(endpoint: str, access_key_id: str, access_key_secret: str, trust: str = "") -> OssClient:
    """One client (keep-alive sessions) per endpoint and key pair, for the worker's life."""
    ident = (endpoint, access_key_id, access_key_secret, trust)
    with _registry:
        if ident not in _clients:
            _clients[ident] = OssClient(endpoint, access_key_id, access_key_secret, trust=trust)
        return _clients[ident]


def _workdirs(worker: Any) -> WorkDirs:
    """Empty working directories in the worker's own local directory."""
    with _registry:
        root = str(Path(worker.local_directory) / "batchcompute-work")
        if root not in _dirs:
            _dirs[root] = WorkDirs(Path(root))
        return _dirs[root]
