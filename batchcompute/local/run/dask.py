"""DaskExecutor: each attempt a real process on a worker of a Dask distributed cluster.

The cluster is one the server joins (a scheduler's address or scheduler file) or a LocalCluster
it starts. Each attempt is one Dask task (``dask_worker.run_attempt``) with a key of its own
(attempt, server, submission): the worker claims the attempt in the store before it runs the
command, so that a task Dask runs again after losing a worker, or a second submission, never runs
the attempt twice. Workers reach the store through the server's OSS endpoint with a key pair the
server hands them; the server prepares the log objects (empty, appendable) before each attempt.

Where an attempt runs comes from its claim: NodeIp is recorded, a worker that leaves the cluster
fails the attempts it ran (MaxRetryCount decides), a stop kills the process on its worker (or,
before the claim, makes the claim itself so that the attempt never starts). At a restart, the
attempts a dead server left Running are adopted when their claim names a worker that still runs
them or kept their outcome, else ended. While the scheduler cannot be reached, nothing is
started (instances stay Waiting) and the executor reconnects.
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
from functools import partial
from pathlib import Path
from typing import Any, Deque, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from ..constants import ATTEMPTS_BUCKET
from ..model.attempts import Key
from .dask_worker import ENDED_TOPIC, AttemptOutcome, AttemptSpec, attempt_states, kill_attempt, run_attempt
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
#: Seconds between two looks at the cluster: the scheduler connection, workers, claims.
WATCH_INTERVAL = 0.5
#: Seconds a connection to the scheduler is tried (and, once lost, retried by the client) ...
CONNECT_TIMEOUT = 10.0
#: ... and between two new clients while it cannot be reached.
RECONNECT_INTERVAL = 1.0
#: Seconds the claim of an ended attempt is kept (a task Dask still holds finds it made).
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
    """What an attempt's claim object says: the task and worker that made it (``blocked``: the
    server made it)."""

    task: str = ""
    worker: str = ""
    ip: str = ""
    blocked: bool = False


class DaskExecution(Execution):
    """An attempt handed to the cluster: its submissions, the worker that claimed it, its end."""

    def __init__(self, key: Key, run_seq: int, run: Optional[InstanceRun], on_started: Started, on_done: Done) -> None:
        super().__init__()
        self.key, self.run_seq, self.run = key, run_seq, run
        self.on_started, self.on_done = on_started, on_done
        self.claim = claim_url(key, run_seq)
        self.task_key = ""  # the Dask task that runs (or may run) the attempt
        self.submissions = 0
        self.future: Any = None
        self.worker = ""  # the address of the worker that claimed it
        self.reported = False  # its node is recorded
        self.outcome: Optional[Tuple[RunResult, str]] = None  # as its worker announced it, with its IP
        self.watched = False  # no future: its end is asked of its worker
        self.ended = False
        self.lock = threading.Lock()


def _never_reported(pid: Optional[int], pid_start: Optional[str], node_ip: Optional[str]) -> None:
    """``on_started`` of an adopted attempt: its node was recorded by the previous process."""


class DaskExecutor(Executor):
    """Runs attempts on the Dask cluster at ``scheduler`` (an address or a scheduler file), or on
    a LocalCluster of ``workers`` processes when it is None. ``endpoint`` (``http://host:port``)
    and ``access_key`` (id, secret) are how workers reach the store; ``records`` are the store's
    object records (log objects are made appendable)."""

    def __init__(
        self,
        store: ObjectStore,
        records: MetaRecords,
        endpoint: str,
        access_key: Tuple[str, str],
        scheduler: Optional[str] = None,
        workers: int = 1,
    ) -> None:
        self._dask = _distributed()
        self.oss, self.records, self.endpoint, self.access_key = store, records, endpoint, access_key
        (store.root / ATTEMPTS_BUCKET).mkdir(exist_ok=True)
        self._token = uuid.uuid4().hex[:8]
        self._live: Set[DaskExecution] = set()
        self._by_task: Dict[str, DaskExecution] = {}
        self._waiting: List[DaskExecution] = []  # for the scheduler to be reachable
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
            if time.monotonic() >= self._next_connect:
                self._connect()
        connected = self.ready()
        if connected != self._connected:
            self._connection_changed(connected)
        return connected

    def _connection_changed(self, connected: bool) -> None:
        self._connected = connected
        if connected:
            self._client.subscribe_topic(ENDED_TOPIC, self._on_ended_event)
            workers = len(self._client.scheduler_info()["workers"])
            log.info("connected to the Dask scheduler at %s (%d workers)", self.scheduler, workers)
        else:
            log.warning("lost the Dask scheduler at %s: instances wait until it is back", self.scheduler)

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
        self._submit(execution)

    def _empty_log(self, url: str) -> None:
        """An empty log object that workers can append to."""
        fd = self.oss.create(url)
        try:
            self.records.write(fd, "", APPENDABLE, Attributes())
        finally:
            os.close(fd)

    def _submit(self, execution: DaskExecution) -> None:
        """Hand the attempt to the scheduler (a new task), or keep it until it can be reached."""
        assert execution.run is not None
        with execution.lock:
            if execution.ended or execution.killed:
                return
            if not self.ready():
                with self._lock:
                    self._waiting.append(execution)
                return
            execution.submissions += 1
            self._by_task.pop(execution.task_key, None)
            job_id, task, iid = execution.key
            execution.task_key = "batchcompute-%s-%s-%d-%d-%s-%d" % (
                job_id,
                task,
                iid,
                execution.run_seq,
                self._token,
                execution.submissions,
            )
            key_id, secret = self.access_key
            spec = AttemptSpec(execution.task_key, execution.claim, execution.run, self.endpoint, key_id, secret)
            self._by_task[execution.task_key] = execution
            try:
                execution.future = self._client.submit(run_attempt, spec, key=execution.task_key, pure=False)
            except Exception as exc:  # the client closed meanwhile: keep it for the next one
                log.warning("submitting %s to Dask failed (%s); it waits for the scheduler", execution.key, exc)
                with self._lock:
                    self._waiting.append(execution)
                return
            submission = execution.submissions
        execution.future.add_done_callback(partial(self._task_done, execution, submission))

    def _on_ended_event(self, event: Tuple[float, Dict[str, Any]]) -> None:
        """An attempt's outcome, announced by its worker (on the client's event loop: no waiting)."""
        message = event[1]
        execution = self._by_task.get(message.get("task", ""))
        if execution is not None:
            execution.outcome = (RunResult(*message["result"]), str(message.get("ip", "")))

    def _task_done(self, execution: DaskExecution, submission: int, future: Any) -> None:
        """A Dask task ended (on Dask's callback thread): settle the attempt on one of ours."""
        if execution.submissions == submission:
            self._threads.submit(self._settle, execution, future)

    def _settle(self, execution: DaskExecution, future: Any) -> None:
        status = future.status
        execution.future = None
        if execution.ended:
            return
        if status == "finished":
            self._finished(execution, future)
        elif status == "error":
            error = future.exception()
            if type(error).__name__ == "KilledWorker":
                self._end(execution, self._lost(execution))
            else:
                self._end(execution, RunResult(None, "LaunchFailed", "the Dask task failed: %r" % (error,)))
        elif not execution.killed:  # cancelled: the scheduler connection was lost
            self._lost_contact(execution)

    def _finished(self, execution: DaskExecution, future: Any) -> None:
        """The task returned. Its worker announced the outcome (ENDED_TOPIC), unless the attempt
        did not run there: the claim then says that the server stopped it or that another
        submission of it runs it; else the task's result says why (Dask ran the task again after
        losing the worker that ran it, and the claim refused it)."""
        if execution.outcome is not None:
            self._end(execution, *execution.outcome)
            return
        claim = self._read_claim(execution.claim)
        if claim.blocked:
            self._end(execution, RunResult(None, STOPPED_CODE, "the instance was stopped"))
        elif claim.task != execution.task_key:
            self._watch_claimed(execution, claim)
        else:
            execution.worker = claim.worker
            try:
                ended: AttemptOutcome = future.result()
            except Exception as exc:  # the result was lost with its worker meanwhile
                self._end(execution, self._lost(execution, "its result was lost: %s" % exc))
                return
            self._end(execution, self._lost(execution) if ended.refused else ended.result, ended.node_ip)

    def _lost_contact(self, execution: DaskExecution) -> None:
        """The scheduler forgot the task: a claimed attempt is watched on its worker, another one
        submitted again once the scheduler is back (only one submission can claim it)."""
        claim = self._read_claim(execution.claim)
        if claim.blocked:
            self._end(execution, RunResult(None, STOPPED_CODE, "the instance was stopped"))
        elif claim.task:
            self._watch_claimed(execution, claim)
        else:
            self._submit(execution)

    def _watch_claimed(self, execution: DaskExecution, claim: Claim) -> None:
        with execution.lock:
            self._by_task.pop(execution.task_key, None)
            execution.task_key, execution.worker = claim.task, claim.worker
            execution.watched = True
            self._by_task[claim.task] = execution

    # -- ending ----------------------------------------------------------------------------------

    def _end(self, execution: DaskExecution, result: RunResult, node_ip: str = "") -> None:
        """Report the end of an attempt, once (its node first, when not reported yet)."""
        with execution.lock:
            if execution.ended:
                return
            execution.ended = True
            if node_ip and not execution.reported:
                execution.reported = True
                execution.on_started(None, None, node_ip)
        with self._lock:
            self._live.discard(execution)
            self._claims.append((time.monotonic(), execution.claim))
        self._by_task.pop(execution.task_key, None)
        execution.on_done(result)

    def _lost(self, execution: DaskExecution, why: str = "") -> RunResult:
        worker = execution.worker or self._read_claim(execution.claim).worker or "(unknown)"
        message = "the Dask worker %s running the instance was lost" % worker
        return RunResult(None, "WorkerLost", message + (": " + why if why else ""))

    def stop(self, execution: Execution) -> None:
        execution.kill()
        assert isinstance(execution, DaskExecution)
        self._threads.submit(self._stop, execution)

    def _stop(self, execution: DaskExecution) -> None:
        """Make the claim (the attempt never starts), else kill the process on its worker; its
        end then comes from its task or its worker."""
        if execution.ended:
            return
        if self._block(execution.claim, "stopped"):
            if execution.future is not None:
                execution.future.cancel()
            self._end(execution, RunResult(None, STOPPED_CODE, "stopped before it started"))
            return
        claim = self._read_claim(execution.claim)
        if claim.blocked:
            self._end(execution, RunResult(None, STOPPED_CODE, "the instance was stopped"))
            return
        self._on_worker(claim.worker, kill_attempt, claim.task)

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

    def _block(self, url: str, reason: str) -> bool:
        """Make the claim object in the server's name; False when a worker made it first."""
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
        with self._lock:
            waiting, self._waiting = self._waiting, []
            live = list(self._live)
        for execution in waiting:
            self._submit(execution)
        self._report_nodes(live)
        if any(execution.worker for execution in live):
            self._check_workers([execution for execution in live if execution.worker])

    def _report_nodes(self, live: Sequence[DaskExecution]) -> None:
        """Record the node of each attempt whose claim now names its worker."""
        for execution in live:
            if execution.reported:
                continue
            claim = self._read_claim(execution.claim)
            if not claim.worker:
                continue
            with execution.lock:
                execution.worker = claim.worker
                if not execution.ended:
                    execution.reported = True
                    execution.on_started(None, None, claim.ip)

    def _check_workers(self, placed: Sequence[DaskExecution]) -> None:
        """End the attempts whose worker left the cluster; ask the others' workers about the
        watched ones."""
        try:
            workers = set(self._client.scheduler_info()["workers"])
        except Exception as exc:  # the scheduler went away meanwhile: the next look sees it
            log.debug("asking the Dask scheduler for its workers failed: %s", exc)
            return
        watched: Dict[str, List[DaskExecution]] = {}
        for execution in placed:
            if execution.worker not in workers:
                if execution.future is not None:
                    execution.future.cancel()
                self._end(execution, self._lost(execution))
            elif execution.watched:
                watched.setdefault(execution.worker, []).append(execution)
        for worker, group in watched.items():
            answers = self._client.run(attempt_states, [e.task_key for e in group], workers=[worker], on_error="return")
            states = answers.get(worker)
            if not isinstance(states, dict):
                continue  # the worker did not answer this time
            for execution in group:
                if execution.task_key not in states:
                    self._end(execution, self._lost(execution, "it no longer knows the attempt"))
                elif states[execution.task_key] is not None:
                    ended = states[execution.task_key]
                    self._end(execution, ended.result, ended.node_ip)

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
        execution.reported = True
        self._watch_claimed(execution, self._adoptable.pop(attempt.key))
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
        if self._client is not None:
            self._client.close(timeout=CONNECT_TIMEOUT)
        if self._cluster is not None:
            self._cluster.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
