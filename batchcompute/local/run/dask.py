"""DaskExecutor: each attempt a real process on a worker of a Dask distributed cluster.

The cluster is one the server joins (a scheduler's address or scheduler file) or a LocalCluster
it starts. The scheduler says which workers there are; the server opens a stream to each (a comm
straight to the worker's ``dask_worker`` handler, outside Dask's task system, whose per-task
bookkeeping costs milliseconds) and sends each attempt to the worker with the fewest attempts per
thread, and records its NodeIp. The worker says how each attempt ended; it runs as many at once
as it has threads and queues the rest, saying which wait and when they start. Before an attempt is sent its claim object
names the worker and the attempt's key, so that a restarted server finds it.

An attempt is sent to one worker only, so it runs at most once, and a retry is the server's
decision. When a stream breaks, its attempts are followed on their worker (``Client.run``): a
worker that left the cluster fails the attempts it had started (MaxRetryCount decides) and those
it had only queued go to another worker; a worker still there is asked how they ended (one it
never received goes to another worker). A stop
kills the process on its worker, or keeps the attempt from starting. At a restart, the attempts
a dead server left Running are adopted when their claim names a worker that still runs them or
kept their outcome, else ended. While the scheduler cannot be reached, nothing is started
(instances stay Waiting) and the executor reconnects.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any, Deque, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from ..constants import ATTEMPTS_BUCKET
from ..model.attempts import Key
from .dask_worker import STREAM_OP, Outbox, attempt_states, install, kill_attempt, run_message
from .executor import (
    STOPPED_CODE,
    Done,
    Execution,
    Executor,
    InstanceRun,
    RecordedAttempt,
    RunResult,
    Started,
    never_started,
    server_restarted,
)
from .object_meta import APPENDABLE, Attributes, MetaRecords
from .objects import ObjectStore, OssPathError
from .threads import ThreadPool

__all__ = ["DaskExecutor", "DaskUnavailable", "claim_url", "worker_endpoint"]

log = logging.getLogger("batchcompute.local")
#: Seconds between two looks at the cluster: the scheduler connection, workers, lost streams.
WATCH_INTERVAL = 0.5
#: Seconds a connection to the scheduler or a worker is tried (and, once lost, retried by the client) ...
CONNECT_TIMEOUT = 10.0
#: ... and between two new clients while it cannot be reached.
RECONNECT_INTERVAL = 1.0
#: Seconds the claim of an ended attempt is kept.
KEEP_CLAIMS = 60.0


class DaskUnavailable(RuntimeError):
    """The dask executor is asked for, but Dask distributed is not installed."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskUnavailable('the dask executor needs Dask distributed: pip install "batchcompute[dask]"') from None
    return distributed


def worker_endpoint(host: str, port: int, scheduler: Optional[str], tls: bool = False) -> str:
    """``http(s)://host:port`` of the OSS endpoint (bound to ``host``) as workers reach it: a
    server bound to every address is reached at the address that routes to the scheduler."""
    target = _scheduler_host(scheduler) if scheduler else "127.0.0.1"
    if host in ("", "0.0.0.0", "::"):
        host = _distributed().utils.get_ip(target)
    elif host in ("127.0.0.1", "::1", "localhost") and target not in ("127.0.0.1", "::1", "localhost"):
        log.warning("the OSS endpoint listens on %s only: Dask workers on other machines cannot reach it", host)
    return "%s://%s:%d" % ("https" if tls else "http", "[%s]" % host if ":" in host else host, port)


def _scheduler_host(scheduler: str) -> str:
    """The host of a scheduler address (``tcp://host:port``) or of the one in a scheduler file."""
    if os.path.isfile(scheduler):
        with open(scheduler) as handle:
            scheduler = str(json.load(handle).get("address", ""))
    return str(_distributed().comm.addressing.get_address_host(scheduler))


def claim_url(key: Key, run_seq: int) -> str:
    """The ``oss://`` URL of the claim object of attempt ``run_seq`` of instance ``key``."""
    job_id, task, iid = key
    return "oss://%s/%s/%s/%d.%d" % (ATTEMPTS_BUCKET, job_id, task, iid, run_seq)


class Claim(NamedTuple):
    """What an attempt's claim object says: its key and the worker it was sent to (``blocked``:
    the server, restarted, keeps it from running)."""

    task: str = ""
    worker: str = ""
    ip: str = ""
    blocked: bool = False


class _Stream:
    """The server's stream to one worker: what goes there, how many attempts it holds."""

    def __init__(self, worker: str, ip: str, threads: int, comm: Any, outbox: Outbox) -> None:
        self.worker, self.ip, self.threads = worker, ip, max(1, threads)
        self.comm, self.outbox = comm, outbox
        self.load = 0  # attempts sent and not ended


class DaskExecution(Execution):
    """An attempt handed to the cluster: the worker it went to, whether it waits there, its end."""

    def __init__(self, key: Key, run_seq: int, run: Optional[InstanceRun], on_started: Started, on_done: Done) -> None:
        super().__init__()
        self.key, self.run_seq, self.run = key, run_seq, run
        self.on_started, self.on_done = on_started, on_done
        self.claim = claim_url(key, run_seq)
        self.task_key = ""  # the attempt's key on its worker (new for each sending)
        self.sendings = 0
        self.stream: Optional[_Stream] = None
        self.worker = ""  # the address of the worker it was sent to
        self.queued = False  # its worker said it waits for a thread
        self.watched = False  # no stream: its end is asked of its worker
        self.ended = False
        self.lock = threading.Lock()


def _never_reported(pid: Optional[int], pid_start: Optional[str], node_ip: Optional[str]) -> None:
    """``on_started`` of an adopted attempt: its node was recorded by the previous process."""


class DaskExecutor(Executor):
    """Runs attempts on the Dask cluster at ``scheduler`` (an address or a scheduler file), or on
    a LocalCluster of ``workers`` processes when it is None. ``endpoint`` (``http://host:port``)
    and ``access_key`` (id, secret) are how workers reach the store (``trust``: the certificates,
    PEM, of an HTTPS endpoint); ``records`` are the store's object records (log objects are made
    appendable)."""

    def __init__(
        self,
        store: ObjectStore,
        records: MetaRecords,
        endpoint: str,
        access_key: Tuple[str, str],
        scheduler: Optional[str] = None,
        workers: int = 1,
        trust: str = "",
    ) -> None:
        self._dask = _distributed()
        self.oss, self.records, self.endpoint, self.access_key = store, records, endpoint, access_key
        self.trust = trust
        (store.root / ATTEMPTS_BUCKET).mkdir(exist_ok=True)
        self._token = uuid.uuid4().hex[:8]
        self._live: Set[DaskExecution] = set()
        self._by_task: Dict[str, DaskExecution] = {}
        self._waiting: List[DaskExecution] = []  # for the scheduler or a worker to be reachable
        self._streams: Dict[str, _Stream] = {}  # by worker address
        self._claims: Deque[Tuple[float, str]] = deque()  # of ended attempts, oldest first
        self._adoptable: Dict[Key, Claim] = {}
        self._lock = threading.Lock()
        self._threads = ThreadPool("dask")
        self._cluster: Any = None
        self._scratch: Optional[str] = None
        if scheduler is None:
            scheduler = self._start_cluster(workers)
        self.scheduler = scheduler
        self._client: Any = None
        self._connected = False
        self._next_connect = 0.0
        self._closing = threading.Event()
        self._connect()
        self._watcher = threading.Thread(target=self._watch, name="dask-watch", daemon=True)
        self._watcher.start()

    # -- the cluster -----------------------------------------------------------------------------

    def _start_cluster(self, workers: int) -> str:
        """A LocalCluster of ``workers`` single-threaded processes, in a scratch folder of its own."""
        self._scratch = tempfile.mkdtemp(prefix="batchcompute-dask-")
        self._cluster = self._dask.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # its HTTP routes on a free port of this machine
            local_directory=self._scratch,
            silence_logs=logging.ERROR,
        )
        return str(self._cluster.scheduler_address)

    def _connect(self) -> None:
        """Connect to the scheduler (a new client); on failure log it, once, and try again later."""
        options: Dict[str, Any] = {"timeout": CONNECT_TIMEOUT, "set_as_default": False}
        if os.path.isfile(self.scheduler):
            options["scheduler_file"] = self.scheduler
        else:
            options["address"] = self.scheduler
        try:
            self._client = self._dask.Client(**options)
        except (OSError, ValueError) as exc:
            if self._next_connect == 0.0:
                log.warning("cannot reach the Dask scheduler at %s (%s): instances wait", self.scheduler, exc)
            self._next_connect = time.monotonic() + RECONNECT_INTERVAL
            return
        self._next_connect = time.monotonic()
        self._connection_changed(True)

    def describe(self) -> str:
        where = (
            "a local cluster at %s" % self.scheduler if self._cluster is not None else "scheduler %s" % self.scheduler
        )
        return "dask (%s, %s)" % (where, "connected" if self.ready() else "not connected")

    def ready(self) -> bool:
        client = self._client
        return client is not None and client.status == "running"

    def _check_connection(self) -> bool:
        """Whether the scheduler is reachable now; log each change, reconnect a closed client."""
        client = self._client
        if client is None or client.status in ("closing", "closed"):
            self._drop_streams()  # they ran on the closed client's event loop
            if time.monotonic() >= self._next_connect:
                self._connect()
        connected = self.ready()
        if connected != self._connected:
            self._connection_changed(connected)
        return connected

    def _connection_changed(self, connected: bool) -> None:
        self._connected = connected
        if connected:
            workers = self._sync_workers()
            log.info("connected to the Dask scheduler at %s (%d workers)", self.scheduler, len(workers or ()))
        else:
            log.warning("lost the Dask scheduler at %s: instances wait until it is back", self.scheduler)

    # -- streams to the workers ------------------------------------------------------------------

    def _sync_workers(self) -> Optional[Set[str]]:
        """Open a stream to each worker the scheduler has, close those to workers it has not;
        its workers (None when it does not answer)."""
        try:
            threads = {str(address): int(count) for address, count in self._client.nthreads().items()}
        except Exception as exc:  # the scheduler went away meanwhile: the next look sees it
            log.debug("asking the Dask scheduler for its workers failed: %s", exc)
            return None
        with self._lock:
            gone = [stream for address, stream in self._streams.items() if address not in threads]
            new = [address for address in threads if address not in self._streams]
        for stream in gone:
            self._abort(stream)
        for address in new:
            self._open_stream(address, threads[address])
        return set(threads)

    def _open_stream(self, worker: str, threads: int) -> None:
        """Install the attempts' handler on ``worker``, connect to it, read what it says."""
        try:
            self._client.run(install, workers=[worker])
            comm = self._client.sync(self._connect_stream, worker)
        except Exception as exc:  # the worker went away meanwhile: the next look sees it
            log.debug("opening a stream to the Dask worker %s failed: %s", worker, exc)
            return
        ip = str(self._dask.comm.addressing.get_address_host(worker))
        stream = _Stream(worker, ip, threads, comm, Outbox(comm, self._client.loop.asyncio_loop))
        with self._lock:
            self._streams[worker] = stream
        self._client.loop.add_callback(self._read, stream)

    async def _connect_stream(self, worker: str) -> Any:
        comm = await self._dask.comm.connect(worker, timeout=CONNECT_TIMEOUT, **self._client.connection_args)
        key_id, secret = self.access_key
        opening = {"endpoint": self.endpoint, "access_key_id": key_id, "access_key_secret": secret, "trust": self.trust}
        await comm.write(dict(opening, op=STREAM_OP, reply=False))
        return comm

    async def _read(self, stream: _Stream) -> None:
        """What the worker says, until the stream closes: starts noted here, ends handed to the
        pool a batch at a time."""
        try:
            while True:
                ends = []
                for message in await stream.comm.read():
                    if "ended" in message:
                        ends.append(message)
                    elif "queued" in message:
                        self._queued(str(message["queued"]), True)
                    else:
                        self._queued(str(message["started"]), False)
                if ends:
                    self._threads.submit(self._on_ends, ends)
        except Exception as exc:  # closed: by the worker's end, the network, or this server
            log.debug("the stream to the Dask worker %s closed: %s", stream.worker, exc)
        finally:
            stream.outbox.closed = True
            self._threads.submit(self._stream_lost, stream)

    def _queued(self, task_key: str, queued: bool) -> None:
        """The worker queued the attempt, or started a queued one (on the event loop: no waiting).
        A sending that was replaced meanwhile is not found."""
        execution = self._by_task.get(task_key)
        if execution is not None:
            execution.queued = queued

    def _on_ends(self, ends: Sequence[Dict[str, Any]]) -> None:
        for message in ends:
            execution = self._by_task.get(str(message["ended"]))
            if execution is not None:
                self._end(execution, RunResult(*message["result"]))

    def _drop_streams(self) -> None:
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.outbox.closed = True
            self._abort(stream)
            self._stream_lost(stream)

    def _abort(self, stream: _Stream) -> None:
        try:
            self._client.loop.add_callback(stream.comm.abort)
        except Exception:  # the event loop is gone, and its comms with it
            pass

    def _stream_lost(self, stream: _Stream) -> None:
        """The attempts sent on a broken stream are followed on their worker from now on."""
        with self._lock:
            if self._streams.get(stream.worker) is stream:
                del self._streams[stream.worker]
            sent = [execution for execution in self._live if execution.stream is stream]
        for execution in sent:
            with execution.lock:
                execution.watched = True

    # -- starting --------------------------------------------------------------------------------

    def start(self, run: InstanceRun, on_started: Started, on_done: Done) -> Execution:
        execution = DaskExecution(run.key, run.run_seq, run, on_started, on_done)
        with self._lock:
            self._live.add(execution)
        self._threads.submit(self._launch, execution)
        return execution

    def _launch(self, execution: DaskExecution) -> None:
        assert execution.run is not None
        try:
            for url in {execution.run.stdout_url, execution.run.stderr_url}:
                self._empty_log(url)
        except (OSError, OssPathError) as exc:
            self._end(execution, RunResult(None, "LaunchFailed", "the log objects cannot be made: %s" % exc))
            return
        self._send(execution)

    def _empty_log(self, url: str) -> None:
        """An empty log object that workers can append to."""
        fd = self.oss.create(url)
        try:
            self.records.write(fd, "", APPENDABLE, Attributes())
        finally:
            os.close(fd)

    def _send(self, execution: DaskExecution) -> None:
        """Send the attempt to the least busy worker (its claim first), or keep it until one can be
        reached; one stopped meanwhile ends."""
        assert execution.run is not None
        with execution.lock:
            if execution.ended:
                return
            stream = None if execution.killed else self._place()
            if stream is not None:
                try:
                    self._sent_to(execution, stream)
                except (OSError, OssPathError) as exc:
                    failure = RunResult(None, "LaunchFailed", "the claim cannot be made: %s" % exc)
                else:
                    stream.outbox.send(run_message(execution.task_key, execution.run))
                    execution.watched = stream.outbox.closed  # closed meanwhile: its loss may be past
                    execution.on_started(None, None, stream.ip)  # while the worker starts it
                    return
            elif not execution.killed:
                with self._lock:
                    self._waiting.append(execution)
                return
            else:
                failure = RunResult(None, STOPPED_CODE, "stopped before it started")
        self._end(execution, failure)

    def _place(self) -> Optional[_Stream]:
        """The open stream whose worker has the fewest attempts per thread (counting one more)."""
        if not self.ready():
            return None
        with self._lock:
            open_streams = [stream for stream in self._streams.values() if not stream.outbox.closed]
            if not open_streams:
                return None
            stream = min(open_streams, key=lambda each: each.load / each.threads)
            stream.load += 1
        return stream

    def _sent_to(self, execution: DaskExecution, stream: _Stream) -> None:
        """Record that the attempt goes to ``stream``'s worker, with a key of its own (under its lock)."""
        execution.sendings += 1
        job_id, task, iid = execution.key
        task_key = "batchcompute-%s-%s-%d-%d-%s-%d" % (
            job_id,
            task,
            iid,
            execution.run_seq,
            self._token,
            execution.sendings,
        )
        try:
            self._write_claim(execution.claim, Claim(task_key, stream.worker, stream.ip))
        except BaseException:
            with self._lock:
                stream.load -= 1
            raise
        self._by_task.pop(execution.task_key, None)
        execution.task_key, execution.stream, execution.worker = task_key, stream, stream.worker
        execution.queued = execution.watched = False
        self._by_task[task_key] = execution

    def _send_again(self, execution: DaskExecution) -> None:
        """An attempt that its worker never started goes to another worker."""
        with execution.lock:
            if execution.ended:
                return
            self._release(execution)
        self._send(execution)

    def _release(self, execution: DaskExecution) -> None:
        """The attempt no longer counts on its worker (under its lock)."""
        stream, execution.stream = execution.stream, None
        if stream is not None:
            with self._lock:
                stream.load -= 1

    # -- ending ----------------------------------------------------------------------------------

    def _end(self, execution: DaskExecution, result: RunResult) -> None:
        """Report the end of an attempt, once."""
        with execution.lock:
            if execution.ended:
                return
            execution.ended = True
            self._release(execution)
        with self._lock:
            self._live.discard(execution)
            if execution.task_key:
                self._claims.append((time.monotonic(), execution.claim))
        self._by_task.pop(execution.task_key, None)
        execution.on_done(result)

    def _lost(self, execution: DaskExecution, why: str = "") -> RunResult:
        message = "the Dask worker %s running the instance was lost" % (execution.worker or "(unknown)")
        return RunResult(None, "WorkerLost", message + (": " + why if why else ""))

    def stop(self, execution: Execution) -> None:
        """Kill the attempt on its worker (the message follows the attempt's own on its stream),
        or end it before it is sent."""
        execution.kill()
        assert isinstance(execution, DaskExecution)
        with execution.lock:
            if execution.ended:
                return
            stream, task_key = execution.stream, execution.task_key
            if stream is not None and not execution.watched:
                stream.outbox.send({"kill": task_key})
                if not stream.outbox.closed:
                    return
        if stream is None and not execution.worker:
            self._end(execution, RunResult(None, STOPPED_CODE, "stopped before it started"))
        else:
            self._threads.submit(self._on_worker, execution.worker, kill_attempt, task_key)

    def _on_worker(self, worker: str, function: Any, *args: Any) -> Any:
        """``function(*args)`` run on ``worker`` (outside the task system); None when it cannot be."""
        if not self.ready():
            return None
        try:
            answers = self._client.run(function, *args, workers=[worker], on_error="return")
        except Exception as exc:  # the worker or the scheduler went away meanwhile
            log.debug("running %s on %s failed: %s", function.__name__, worker, exc)
            return None
        answer = answers.get(worker)
        return None if isinstance(answer, BaseException) else answer

    # -- claims ----------------------------------------------------------------------------------

    def _read_claim(self, url: str) -> Claim:
        """The claim object at ``url`` (an empty Claim when there is none yet)."""
        try:
            head = json.loads(self.oss.read_bytes(url).split(b"\n", 1)[0])
        except (OSError, OssPathError, ValueError):
            return Claim()
        if not isinstance(head, dict):
            return Claim()
        task, worker, ip = (str(head.get(name, "")) for name in ("task", "worker", "ip"))
        return Claim(task, worker, ip, bool(head.get("blocked")))

    def _write_claim(self, url: str, claim: Claim) -> None:
        """The claim object of an attempt sent to a worker (in place of an earlier one)."""
        path = self.oss.path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"task": claim.task, "worker": claim.worker, "ip": claim.ip}) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)

    def _block(self, url: str, reason: str) -> bool:
        """Make the claim object in the server's name; False when there is one already."""
        path = self.oss.path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, (json.dumps({"blocked": reason}) + "\n").encode("ascii"))
        finally:
            os.close(fd)
        return True

    def _drop_old_claims(self, keep: float = KEEP_CLAIMS) -> None:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._claims or now - self._claims[0][0] < keep:
                    return
                url = self._claims.popleft()[1]
            try:
                self.oss.path(url).unlink()
            except (OSError, OssPathError):
                pass

    # -- watching --------------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._closing.wait(WATCH_INTERVAL):
            try:
                self._watch_once()
            except Exception:  # keep watching whatever one look ran into
                log.exception("watching the Dask cluster failed")

    def _watch_once(self) -> None:
        self._drop_old_claims()
        if not self._check_connection():
            return
        workers = self._sync_workers()
        with self._lock:
            waiting, self._waiting = self._waiting, []
            watched = [execution for execution in self._live if execution.watched]
        for execution in waiting:
            self._send(execution)
        if workers is not None and watched:
            self._check_watched(watched, workers)

    def _check_watched(self, watched: Sequence[DaskExecution], workers: Set[str]) -> None:
        """Attempts without a stream: those of a worker that left the cluster fail (or go to another
        worker when they had not started); the others' workers are asked how they are."""
        groups: Dict[str, List[DaskExecution]] = {}
        for execution in watched:
            if execution.worker in workers:
                groups.setdefault(execution.worker, []).append(execution)
            elif not execution.queued or execution.run is None:
                self._end(execution, self._lost(execution))
            else:
                self._send_again(execution)
        for worker, group in groups.items():
            for execution in group:
                if execution.killed:
                    self._on_worker(worker, kill_attempt, execution.task_key)
            states = self._on_worker(worker, attempt_states, [execution.task_key for execution in group])
            if not isinstance(states, dict):
                continue  # the worker did not answer this time
            for execution in group:
                if execution.task_key not in states:
                    self._unknown_on_worker(execution)
                elif states[execution.task_key] is not None:
                    ended = states[execution.task_key]
                    self._end(execution, ended.result)

    def _unknown_on_worker(self, execution: DaskExecution) -> None:
        """The worker never had the attempt (the stream broke first; an adopted one: it no longer
        knows it)."""
        if execution.run is None:
            self._end(execution, self._lost(execution, "it no longer knows the attempt"))
        else:
            self._send_again(execution)

    # -- restart ---------------------------------------------------------------------------------

    def recover(self, attempts: Sequence[RecordedAttempt]) -> Dict[Key, RunResult]:
        """Each attempt by its claim: one claimed by a worker is adopted (it runs there, or ended
        and its worker kept the outcome); one never claimed is claimed by the server, so that it
        never starts, and goes back to the queue. Claims of attempts that are not running any
        more are removed."""
        ended: Dict[Key, RunResult] = {}
        for attempt in attempts:
            url = claim_url(attempt.key, attempt.run_seq)
            if self._block(url, "server restarted"):
                ended[attempt.key] = never_started()
                continue
            claim = self._read_claim(url)
            if claim.task:
                self._adoptable[attempt.key] = claim
            else:
                ended[attempt.key] = server_restarted()
        self._remove_claims_but({claim_url(a.key, a.run_seq) for a in attempts})
        return ended

    def adopt(self, attempt: RecordedAttempt, on_done: Done) -> Execution:
        execution = DaskExecution(attempt.key, attempt.run_seq, None, _never_reported, on_done)
        claim = self._adoptable.pop(attempt.key)
        execution.task_key, execution.worker = claim.task, claim.worker
        execution.watched = True
        self._by_task[claim.task] = execution
        with self._lock:
            self._live.add(execution)
        return execution

    def _remove_claims_but(self, kept: Set[str]) -> None:
        root = self.oss.root / ATTEMPTS_BUCKET
        keep = {self.oss.path(url) for url in kept}
        for folder, _, names in os.walk(root, topdown=False):
            for name in names:
                path = Path(folder) / name
                if path not in keep:
                    path.unlink()
            if folder != str(root) and not os.listdir(folder):
                os.rmdir(folder)

    # -- closing ---------------------------------------------------------------------------------

    def close(self) -> None:
        self._closing.set()
        self._watcher.join()
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            self._abort(stream)
        if self._client is not None:
            self._client.close(timeout=CONNECT_TIMEOUT)
        if self._cluster is not None:
            self._cluster.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
