"""Deciding what runs when, and starting it through an Executor.

One thread dispatches: Waiting instances of runnable tasks (DAG order), highest job Priority
first, then oldest, within the global ``workers`` cap and, for a cluster, one instance per VM
(the sum of its groups' DesiredVMCount). Results come back on executor threads and are recorded
through ``state.jobs``. At start, the executor recovers the attempts that were running when a
previous server process died: it ends them (then retried or failed per MaxRetryCount; requeued
when they never ran) or adopts them.

An end that cannot be recorded (disk full, database locked) is kept and recorded again with a
growing delay until it lands: no instance stays Running after its attempt has ended.

Short instances of a big task run back to back: when an attempt ends well and the next instance
of its task is known (never dispatched, nothing else written since it was looked up), and the
executor keeps records of its own that a restart reads, that instance is started at once and the
end and the claim wait to be written with others, in one transaction (``FLUSH_AT`` of them,
before any other write to the store, which every signed request makes, and at each poll of the
scheduler thread). A restart records what the executor's records tell of claims that never
reached the store.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from ..model.attempts import Key
from ..model.clusters import input_mapping, instance_env
from ..model.states import State
from ..state import clusters, jobs
from ..state.jobs import Candidate
from ..state.store import Connection, Store
from .executor import (
    NOT_STARTED_CODE,
    STOPPED_CODE,
    Execution,
    Executor,
    InstanceRun,
    RecordedAttempt,
    RunResult,
)

__all__ = ["Scheduler"]

log = logging.getLogger("batchcompute.local")
LOCAL_IP = "127.0.0.1"
#: Waiting instances looked at beyond the free slots, for those that find their cluster busy.
SPARE_CANDIDATES = 8
#: Candidates looked up beyond the free slots and kept for the next claims, which take them
#: without a lookup while nothing but this scheduler's own claims has changed the store.
LOOK_AHEAD = 16
#: Then, when the last of them is an instance never dispatched, the next ones of its task kept too.
FOLLOWING = 64
#: Seconds before an end that could not be recorded is tried again: the first delay, the longest.
RETRY_FIRST, RETRY_LONGEST = 0.1, 5.0
#: What an attempt that did not end by itself answers at recovery: it goes back to the queue.
REQUEUED_CODES = (NOT_STARTED_CODE, STOPPED_CODE)
#: Ends and claims kept to be written together: written once this many wait.
FLUSH_AT = 16
#: No more are kept while this many wait (the store does not take them): one by one again.
KEPT_AT_MOST = 4 * FLUSH_AT
Launches = List[Tuple[Key, "_Slot", InstanceRun]]


@dataclass
class _Slot:
    """A claimed instance attempt and the worker (cluster VM) it occupies."""

    run_seq: int
    worker_id: str
    cluster_id: Optional[str] = None
    execution: Optional[Execution] = None
    kill_requested: bool = False
    shutdown: bool = False


@dataclass
class _End:
    """How an attempt ended, to be recorded (again, while the store cannot take it)."""

    key: Key
    run_seq: int
    result: RunResult
    shutdown: bool  # ended by a server shutdown: requeued, not a retry
    execution: Optional[Execution]


@dataclass
class _Batched:
    """A successful end and the claim of the instance started after it, to be written."""

    end: _End
    candidate: Candidate
    worker_id: str
    at: float  # when the one ended and the other was claimed


@dataclass
class _Placement:
    cluster_id: str
    worker_id: str
    ip: str
    env: Dict[str, str]
    input_mapping: Dict[str, str]


class Scheduler:
    """Runs the instances stored in ``store`` with ``executor``."""

    def __init__(
        self,
        store: Store,
        executor: Executor,
        workers: Optional[int] = None,
        env: Optional[Dict[str, str]] = None,
        poll_interval: float = 0.5,
    ) -> None:
        self.store = store
        self.executor = executor
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.env = dict(env or {})  # BATCH_COMPUTE_REGION, BATCH_COMPUTE_OSS_HOST, ...
        self.poll_interval = poll_interval
        self._slots: Dict[Key, _Slot] = {}
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._dispatching = threading.Lock()
        self._closing = False
        self._thread: Optional[threading.Thread] = None
        self._unrecorded: List[_End] = []
        self._retry_delay = RETRY_FIRST
        self._retry_at = 0.0
        self._last_pass_error = ""
        self._ahead: List[Candidate] = []  # the next candidates in order, AutoCluster ones only
        self._ahead_at = -1  # the store's commit count at which they are still the next ones
        self._ahead_full: FrozenSet[str] = frozenset()  # the full clusters they were looked up with
        self._batch: List[_Batched] = []  # ends and claims to be written together
        self._batching = False  # whether ends and claims may wait to be written together
        self._flush_failed = False

    # -- control ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Recover from a previous run, then dispatch in a background thread."""
        self._recover()
        if self.executor.keeps_records:
            self.store.before_write = self.flush
            self._batching = True
        self._thread = threading.Thread(target=self._loop, name="batchcompute-scheduler", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def running(self) -> int:
        with self._lock:
            return len(self._slots)

    def kill(self, keys: Iterable[Key]) -> None:
        """Kill the processes of these instances (already recorded as Stopped or Failed)."""
        with self._lock:
            for key in keys:
                slot = self._slots.get(tuple(key))  # type: ignore[arg-type]
                if slot is None:
                    continue
                slot.kill_requested = True
                if slot.execution is not None:
                    self.executor.stop(slot.execution)

    def close(self, timeout: float = 10.0) -> None:
        """Stop dispatching, kill running attempts and requeue them (they run again at restart)."""
        with self._lock:
            self._closing = True
            for slot in self._slots.values():
                slot.shutdown = True
            self.kill(list(self._slots))
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.01)
        self._record_unrecorded(force=True)
        with self._lock:
            self._batching = False
        try:
            self.flush()
        except Exception:  # the executor's records tell the next start
            log.exception("writing the last batch of ends failed")
        if self.store.before_write == self.flush:
            self.store.before_write = None
        with self._lock:
            left = len(self._unrecorded)
        if left:
            log.error(
                "%d instance end(s) could not be recorded; the next start takes them from the attempt records", left
            )

    def unrecorded(self) -> int:
        """How many ended attempts wait for the store to record their end."""
        with self._lock:
            return len(self._unrecorded)

    # -- dispatching -----------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._next_wait())
            self._wake.clear()
            if self._closing:
                return
            self._record_unrecorded()
            self._flush_now()
            self._dispatch_now(block=True)

    def _next_wait(self) -> float:
        with self._lock:
            if not self._unrecorded:
                return self.poll_interval
        return max(0.0, min(self.poll_interval, self._retry_at - time.monotonic()))

    def _dispatch_now(self, block: bool) -> None:
        """One dispatch pass, unless one is running already (then the scheduler thread is woken)."""
        if not self._dispatching.acquire(blocking=block):
            self._wake.set()
            return
        try:
            self._dispatch()
            if self._last_pass_error:
                log.info("scheduling again: the store takes changes")
            self._last_pass_error = ""
        except Exception as exc:  # keep scheduling whatever one pass ran into (told once)
            if str(exc) != self._last_pass_error:
                log.exception("scheduler pass failed")
            self._last_pass_error = str(exc)
        finally:
            self._dispatching.release()

    def _dispatch(self) -> None:
        with self._lock:
            if self.workers <= len(self._slots) or self._closing:
                return
        launches: Launches = []
        try:
            with self.store.transaction() as conn:
                launches = self._claim(conn)
        except BaseException:
            self._unclaim(launches)
            raise
        self._launch_all(launches)

    def _unclaim(self, launches: Launches) -> None:
        """Claims that were rolled back (their commit failed): their slots are free again, and the
        candidates kept are no longer the next ones."""
        with self._lock:
            self._ahead = []
            for key, slot, _ in launches:
                if self._slots.get(key) is slot:
                    del self._slots[key]

    def _launch_all(self, launches: Launches) -> None:
        for key, slot, run in launches:
            self._launch(key, slot, run)

    def _claim(self, conn: Connection) -> Launches:
        """Claim Waiting instances for the free slots; they are launched after the commit."""
        launches: Launches = []
        with self._lock:
            free = self.workers - len(self._slots)
            if free > 0 and not self._closing and self.executor.ready():
                busy = {slot.worker_id for slot in self._slots.values()}
                known: Dict[str, Optional[_Cluster]] = {}
                full = self._full_clusters(conn, known, busy)
                try:
                    # as many as there are free slots first; more once if some found their VMs busy
                    limit = free
                    found = self._next_candidates(conn, limit, full)
                    free = self._claim_found(conn, found, free, known, busy, launches)
                    if free and len(found) == limit:
                        self._ahead = []  # they may hold what this claims
                        found = jobs.candidates(conn, limit + SPARE_CANDIDATES, full)
                        self._claim_found(conn, found, free, known, busy, launches)
                except BaseException:  # the claims are rolled back: so are their slots
                    for key, _, _ in launches:
                        del self._slots[key]
                    self._ahead = []
                    raise
                self._ahead_at = self.store.commits + 1  # this transaction commits next
        return launches

    def _next_candidates(self, conn: Connection, limit: int, full: List[str]) -> List[Candidate]:
        """The first ``limit`` candidates: those kept from the last lookup while they are still the
        next ones (the store has changed by this scheduler's claims only, the same clusters are
        full), else looked up, with ``LOOK_AHEAD`` more kept."""
        ahead, self._ahead = self._ahead, []
        if len(ahead) >= limit and self._ahead_at == self.store.commits and self._ahead_full == frozenset(full):
            self._ahead = ahead[limit:]
            return ahead[:limit]
        found = jobs.candidates(conn, limit + LOOK_AHEAD, full, FOLLOWING)
        rest = found[limit:]
        placed = next((n for n, candidate in enumerate(rest) if candidate.cluster_id is not None), len(rest))
        self._ahead, self._ahead_full = rest[:placed], frozenset(full)
        return found[:limit]

    def _claim_found(
        self,
        conn: Connection,
        found: List[Candidate],
        free: int,
        known: Dict[str, Optional[_Cluster]],
        busy: Set[str],
        launches: Launches,
    ) -> int:
        """Claim candidates in turn (those that can be placed) until no slot is free; the slots
        still free."""
        for candidate in found:
            key = candidate.key
            place = None if key in self._slots else self._place(conn, candidate, known, busy)
            if place is None:
                continue
            run = self._run(candidate, place)
            run_seq = jobs.claim(conn, candidate, place.worker_id, place.ip, time.time())
            slot = _Slot(run_seq, place.worker_id, candidate.cluster_id)
            self._slots[key] = slot
            busy.add(place.worker_id)
            launches.append((key, slot, run))
            free -= 1
            if not free:
                break
        return free

    def _full_clusters(self, conn: Connection, known: Dict[str, Optional[_Cluster]], busy: Set[str]) -> List[str]:
        """Clusters whose every VM runs an instance now."""
        used = {slot.cluster_id for slot in self._slots.values() if slot.cluster_id}
        full = []
        for cluster_id in used:
            known[cluster_id] = info = _cluster(conn, cluster_id)
            if info is None or all(vm_id in busy for vm_id, _ in info.vms):
                full.append(cluster_id)
        return full

    def _place(
        self, conn: Connection, candidate: Candidate, known: Dict[str, Optional[_Cluster]], busy: Set[str]
    ) -> Optional[_Placement]:
        """Where the instance runs: a free VM of its cluster (None when all are busy) or its own
        AutoCluster worker."""
        cluster_id = candidate.cluster_id
        if cluster_id is None:
            return _auto_placement(candidate.key)
        if cluster_id not in known:
            known[cluster_id] = _cluster(conn, cluster_id)
        info = known[cluster_id]
        if info is None:
            return None
        for vm_id, ip in info.vms:
            if vm_id not in busy:
                return _Placement(cluster_id, vm_id, ip, info.env, info.input_mapping)
        return None

    def _run(self, candidate: Candidate, place: _Placement) -> InstanceRun:
        key, command = candidate.key, candidate.command
        env = dict(place.env)
        env.update(command.env_vars)
        env.update(self.env)
        env.update(
            {
                "BATCH_COMPUTE_DAG_JOB_ID": key[0],
                "BATCH_COMPUTE_DAG_TASK_ID": key[1],
                "BATCH_COMPUTE_DAG_INSTANCE_ID": str(key[2]),
                "BATCH_COMPUTE_CLUSTER_ID": place.cluster_id,
                "BATCH_COMPUTE_WORKER_ID": place.worker_id,
            }
        )
        inputs = dict(place.input_mapping)
        inputs.update(command.input_mapping)
        stdout_url, stderr_url = candidate.log_urls
        return InstanceRun(
            key=key,
            run_seq=candidate.last_run_seq + 1,
            command_line=command.command_line,
            env=env,
            stdout_url=stdout_url,
            stderr_url=stderr_url,
            timeout=candidate.timeout,
            package_path=command.package_path,
            docker_image=command.docker_image,
            input_mapping=inputs,
            output_mapping=command.output_mapping,
        )

    def _launch(self, key: Key, slot: _Slot, run: InstanceRun) -> None:
        done = partial(self._on_done, key, slot.run_seq)
        with self._lock:  # (a result arriving at once waits until the handle is stored)
            if not slot.kill_requested:
                slot.execution = self.executor.start(run, partial(self._on_started, key, slot.run_seq), done)
                return
        done(RunResult(None, STOPPED_CODE, "stopped before it started"))

    # -- results ---------------------------------------------------------------------------------

    def _on_started(
        self, key: Key, run_seq: int, pid: Optional[int], pid_start: Optional[str], node_ip: Optional[str]
    ) -> None:
        try:
            with self.store.transaction() as conn:
                if pid is not None:
                    jobs.record_pid(conn, key, run_seq, pid, pid_start)
                if node_ip is not None:
                    jobs.record_node(conn, key, run_seq, node_ip)
        except Exception:
            log.exception("recording where %s runs (pid %s, node %s) failed", key, pid, node_ip)

    def _on_done(self, key: Key, run_seq: int, result: RunResult) -> None:
        with self._lock:
            slot = self._slots.get(key)
            if slot is not None and slot.run_seq == run_seq:
                del self._slots[key]
            else:
                slot = None
        end = _End(key, run_seq, result, slot is not None and slot.shutdown, slot.execution if slot else None)
        if result.ok and not end.shutdown and self._start_next_of_task(end):
            return
        if not self._record(end, claim_next=True):
            with self._lock:
                first = not self._unrecorded
                self._unrecorded.append(end)
            if first:
                self._retry_delay = RETRY_FIRST
                self._retry_at = time.monotonic() + RETRY_FIRST
            self._wake.set()

    def _start_next_of_task(self, end: _End) -> bool:
        """Start the next instance of the ended one's task now and keep both to be written
        together, when that instance is known to be next; False when it is not."""
        with self._lock:
            candidate = self._next_of_task(end.key)
            if candidate is None:
                return False
            place = _auto_placement(candidate.key)
            slot = _Slot(candidate.last_run_seq + 1, place.worker_id)
            self._slots[candidate.key] = slot
            self._batch.append(_Batched(end, candidate, place.worker_id, time.time()))
            full = len(self._batch) >= FLUSH_AT
        self._launch(candidate.key, slot, self._run(candidate, place))
        if full:
            self._flush_now()
        return True

    def _next_of_task(self, key: Key) -> Optional[Candidate]:
        """The candidate kept from the last lookup when it is still the next one (nothing but this
        scheduler's claims written since, no cluster involved) and is an instance of the same
        task, never dispatched, whose task runs already (so the end cannot settle it)."""
        ahead = self._ahead
        if (
            not ahead
            or self._closing
            or not self._batching
            or self._ahead_at != self.store.commits
            or self._ahead_full
            or len(self._batch) >= KEPT_AT_MOST
            or len(self._slots) >= self.workers  # (the scheduler thread took the freed slot)
            or any(slot.cluster_id for slot in self._slots.values())
        ):
            return None
        candidate = ahead[0]
        if (
            candidate.key[:2] != key[:2]
            or candidate.stored
            or candidate.cluster_id is not None
            or candidate.task_info.state != State.RUNNING  # (and so its job: a claim started both)
            or candidate.key in self._slots
            or not self.executor.ready()
        ):
            return None
        self._ahead = ahead[1:]
        return candidate

    def flush(self) -> None:
        """Write the ends and claims kept to be written together (the store calls this before
        every other write). Batches are written in the order they were kept (an end may follow
        its claim in the next one): taken and, when the store refuses them, put back first, under
        the writer's lock."""
        with self._lock:
            if not self._batch:
                return
        with self.store.writing():
            with self._lock:
                batch, self._batch = self._batch, []
            if not batch:
                return
            try:
                with self.store.transaction(before_write=False) as conn:
                    claims = [(item.candidate, item.worker_id, LOCAL_IP, item.at) for item in batch]
                    jobs.claim_all(conn, claims)
                    jobs.finished_all(
                        conn, [(item.end.key, item.end.run_seq, item.end.result, item.at) for item in batch]
                    )
                    before = self.store.commits
            except BaseException:
                with self._lock:
                    self._batch[:0] = batch
                raise
        with self._lock:
            if self._ahead_at == before:  # (the kept candidates are still the next ones)
                self._ahead_at = before + 1
        for item in batch:
            if item.end.execution is not None:
                self.executor.forget(item.end.execution)

    def _flush_now(self) -> None:
        """``flush``; when the store does not take it, the batch waits for the next write (told
        once, and again once it is written)."""
        try:
            self.flush()
        except Exception as exc:
            if not self._flush_failed:
                log.warning("writing a batch of ends failed (%s); it is written with the next change", exc)
            self._flush_failed = True
            return
        if self._flush_failed:
            log.info("the batch of ends that waited is written")
        self._flush_failed = False

    def _record(self, end: _End, claim_next: bool) -> bool:
        """Record an end (and claim what the freed slot runs next); False when the store cannot."""
        launches: Launches = []
        kills: List[Key] = []
        try:
            with self.store.transaction() as conn:
                if end.shutdown:
                    jobs.requeue(conn, end.key, end.run_seq)
                else:
                    ended = jobs.instance_ended(conn, end.key, end.run_seq, end.result, time.time())
                    kills = ended.kills
                    if ended.others:
                        self._ahead = []
                    launches = self._claim_next(conn) if claim_next else []
        except _ClaimFailed as failed:  # the end is recorded all the same; the scheduler thread claims
            log.error("claiming the next instance failed", exc_info=failed.__cause__)
            self._wake.set()
            return self._record(end, claim_next=False)
        except Exception as exc:
            self._unclaim(launches)
            with self._lock:
                told = bool(self._unrecorded)
            if not told:
                log.warning("recording the end of %s failed (%s); trying again until it succeeds", end.key, exc)
            return False
        if end.execution is not None:
            self.executor.forget(end.execution)
        self.kill(kills)
        self._launch_all(launches)
        return True

    def _record_unrecorded(self, force: bool = False) -> None:
        """Try again to record the ends the store could not take, oldest first; wait longer after
        each failure."""
        with self._lock:
            if not self._unrecorded or (not force and time.monotonic() < self._retry_at):
                return
            waiting = list(self._unrecorded)
        recorded = 0
        for end in waiting:
            if not self._record(end, claim_next=False):
                self._retry_delay = min(self._retry_delay * 2, RETRY_LONGEST)
                self._retry_at = time.monotonic() + self._retry_delay
                break
            recorded += 1
        with self._lock:
            del self._unrecorded[:recorded]
            left = len(self._unrecorded)
        if recorded and not left:
            log.info("recorded the end of %d instance(s) that had waited for the store", recorded)
            self._wake.set()

    def _claim_next(self, conn: Connection) -> Launches:
        """The freed slot is reused at once, in the transaction that records the end (or by the
        scheduler thread when it is dispatching already); _ClaimFailed when the claim fails."""
        if self._closing:
            return []
        if not self._dispatching.acquire(blocking=False):
            self._wake.set()
            return []
        try:
            return self._claim(conn)
        except Exception as exc:
            raise _ClaimFailed() from exc
        finally:
            self._dispatching.release()

    def _recover(self) -> None:
        """Hand the attempts a dead server process left Running to the executor; record the end of
        those it ended (requeue those that never ran), and hold a slot for those it adopted."""
        with self.store.read() as conn:
            attempts = jobs.running_attempts(conn)
        ended = self.executor.recover(attempts)  # also with none: the executor may clean up
        self._record_unclaimed()
        if not attempts:
            return
        with self.store.transaction() as conn:
            for attempt in attempts:
                result = ended.get(attempt.key)
                if result is not None and result.error_code in REQUEUED_CODES:
                    jobs.requeue(conn, attempt.key, attempt.run_seq)
                elif result is not None:
                    jobs.instance_ended(conn, attempt.key, attempt.run_seq, result, time.time())
        for attempt in attempts:
            if attempt.key not in ended:
                self._adopt(attempt)
        requeued = sum(1 for result in ended.values() if result.error_code in REQUEUED_CODES)
        log.info(
            "recovered %d instance(s) left running by a previous server process: %d ended, %d requeued, %d adopted",
            len(attempts),
            len(ended) - requeued,
            requeued,
            len(attempts) - len(ended),
        )

    def _record_unclaimed(self) -> None:
        """Record the first attempts the executor ran whose claims a dead server had not written:
        started and ended (those that never ran stay in the queue)."""
        unclaimed = [
            (key, result)
            for key, run_seq, result in self.executor.unclaimed()
            if run_seq == 1 and result.error_code not in REQUEUED_CODES  # only a first attempt can be unclaimed
        ]
        if unclaimed:
            with self.store.transaction() as conn:
                recorded = sum(
                    jobs.record_unclaimed(conn, key, _auto_placement(key).worker_id, LOCAL_IP, result, time.time())
                    for key, result in unclaimed
                )
            if recorded:
                log.info(
                    "recorded %d instance attempt(s) whose claim a previous server process had not written", recorded
                )
        self.executor.unclaimed_recorded()

    def _adopt(self, attempt: RecordedAttempt) -> None:
        slot = _Slot(attempt.run_seq, attempt.worker_id, attempt.cluster_id)
        with self._lock:  # (an end reported at once waits until the handle is stored)
            self._slots[attempt.key] = slot
            slot.execution = self.executor.adopt(attempt, partial(self._on_done, attempt.key, attempt.run_seq))


def _auto_placement(key: Key) -> _Placement:
    """Where an AutoCluster instance runs: a worker of its own on this machine."""
    job_id, task, iid = key
    return _Placement(
        "cls-auto-" + job_id[4:].lower(),
        "i-auto-%s-%s-%d" % (job_id[4:].lower(), task, iid),
        LOCAL_IP,
        {},
        {},
    )


class _ClaimFailed(Exception):
    """Claiming the next instance failed (its cause tells why): the transaction is undone."""


@dataclass
class _Cluster:
    """What placing an instance on a cluster needs."""

    vms: List[Tuple[str, str]]  # (id, ip) of its running VMs
    env: Dict[str, str]
    input_mapping: Dict[str, str]


def _cluster(conn: Connection, cluster_id: str) -> Optional[_Cluster]:
    """None when the cluster is gone."""
    row = clusters.find_cluster(conn, cluster_id)
    if row is None:
        return None
    desc = clusters.description(row)
    return _Cluster(clusters.running_vms(conn, cluster_id), instance_env(desc), input_mapping(desc))
