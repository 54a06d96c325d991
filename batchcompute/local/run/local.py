"""LocalProcessExecutor: each attempt a process on this machine.

An instance runs ``CommandLine`` through ``/bin/sh`` in a fresh working directory, in its own
process group (``start_new_session``), with stdout/stderr written straight into the object store
while it runs. Before the command: the package is unpacked and InputMapping copied in; after a
successful command: OutputMapping copied out. Timeout and kill() end the whole process group.

The shell starts held: it waits for a line on its stdin (a pipe) before it runs the command. The
executor records the process in the attempt's journal record first, then releases it; a server
that dies before closes the pipe, and the shell exits without running anything. So every process
that can run a command is in a record, and a restarted server ends it (``recover``); an outcome
that the store could not record before the server died is taken from the record.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..model.attempts import Key
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
from .journal import AttemptJournal, AttemptRecord, Recorded
from .objects import ObjectStore, OssPathError
from .steps import (
    StepFailed,
    boot_clock,
    held_command,
    kill_process_group,
    map_inputs,
    map_outputs,
    outcome,
    process_start_token,
    release,
    start_held,
    start_window,
    started_as,
    unpack,
)
from .threads import ThreadPool, Watchdog
from .workdirs import WorkDirs

log = logging.getLogger("batchcompute.local")

__all__ = ["LocalProcessExecutor", "LocalExecution", "end_process_group"]


class LocalExecution(Execution):
    """A started attempt: its process group once the command runs."""

    def __init__(self) -> None:
        super().__init__()
        self.pid: Optional[int] = None
        self.timed_out = False
        self.record: Optional[AttemptRecord] = None
        self._lock = threading.Lock()

    def expire(self) -> None:
        """The Timeout has passed: end the process group."""
        with self._lock:
            if self.pid is not None:
                self.timed_out = True
                kill_process_group(self.pid)

    def kill(self) -> None:
        """End the attempt's whole process group (or keep it from starting)."""
        with self._lock:
            self.killed = True
            if self.pid is not None:
                kill_process_group(self.pid)


def end_process_group(pid: int, start_token: Optional[str]) -> None:
    """Kill what is left of the process group that process ``pid`` (started at ``start_token``)
    led: the group of that very process while it runs; its group members when it has gone (Linux
    does not reuse a pid that is still a group's id); nothing if the pid is another process's now."""
    current = process_start_token(pid)
    if start_token is not None and (current is None or started_as(start_token, current)):
        kill_process_group(pid)


class LocalProcessExecutor(Executor):
    """Runs attempts as local processes under ``work_root``."""

    keeps_records = True  # the attempt journal

    def __init__(self, store: ObjectStore, work_root: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.oss = store
        self.work_root = Path(work_root)
        self.workdirs = WorkDirs(self.work_root / "dirs")
        self.journal = AttemptJournal(Path(work_root) / "attempts")
        self._extra_env = dict(extra_env or {})
        self._threads = ThreadPool("instance")
        self._watchdog = Watchdog()

    def describe(self) -> str:
        return "local (processes on this machine, in %s)" % self.work_root

    def start(self, run: InstanceRun, on_started: Started, on_done: Done) -> Execution:
        execution = LocalExecution()
        self._threads.submit(self._run, run, execution, on_done)
        return execution

    def forget(self, execution: Execution) -> None:
        record = getattr(execution, "record", None)
        if record is not None:
            record.remove()

    def close(self) -> None:
        self.journal.close()

    def recover(self, attempts: Sequence[RecordedAttempt]) -> Dict[Key, RunResult]:
        """End what is left of each attempt's process group; its outcome when its record has one,
        else it ended with the restart (or never ran: no process was released)."""
        records = self.journal.recovered(attempts)
        return {attempt.key: _recovered(attempt, records.get(attempt.key)) for attempt in attempts}

    def unclaimed(self) -> List[Tuple[Key, int, RunResult]]:
        """The journal's other records: what is left of each process group ended first."""
        return [
            (recorded.key, recorded.run_seq, _recovered_unclaimed(recorded)) for recorded in self.journal.unclaimed()
        ]

    def unclaimed_recorded(self) -> None:
        self.journal.release_unclaimed()

    def _run(self, run: InstanceRun, execution: LocalExecution, on_done: Done) -> None:
        try:
            execution.record = self.journal.open(run.key, run.run_seq)
        except OSError as exc:
            on_done(RunResult(None, "LaunchFailed", "the attempt cannot be recorded: %s" % exc))
            return
        result = self._result(run, execution)
        try:
            execution.record.ended(result)
        except (OSError, ValueError) as exc:
            log.warning("the outcome of %s cannot be recorded in its journal: %s", run.key, exc)
        on_done(result)

    def _result(self, run: InstanceRun, execution: LocalExecution) -> RunResult:
        try:
            workdir = self.workdirs.take()
        except OSError as exc:
            return RunResult(None, "LaunchFailed", "no working directory: %s" % exc)
        try:
            result = self._attempt(run, execution, workdir)
        except StepFailed as failure:
            result = RunResult(None, failure.code, failure.message)
        except Exception as exc:  # a broken attempt must still be reported
            result = RunResult(None, "LaunchFailed", "%s: %s" % (type(exc).__name__, exc))
        finally:
            self.workdirs.give_back(workdir)
        if result.exit_code is None and result.error_code != STOPPED_CODE:
            self._note(run.stderr_url, result.error_message)
        return result

    def _note(self, url: str, message: str) -> None:
        """Append a server-side error to the instance's stderr object, where users look first."""
        try:
            self.oss.append(url, ("batchcompute-local: %s\n" % message).encode("utf-8"))
        except (OSError, OssPathError):
            pass

    def _attempt(self, run: InstanceRun, execution: LocalExecution, workdir: Path) -> RunResult:
        unpack(self.oss, run.package_path, workdir)
        map_inputs(self.oss, run.input_mapping, workdir)
        same = run.stderr_url == run.stdout_url  # then both streams write one file
        logs = self.oss.create_all([run.stdout_url] if same else [run.stdout_url, run.stderr_url])
        try:
            returncode, timed_out = self._spawn(run, execution, workdir, logs[0], logs[-1])
        finally:
            for fd in logs:
                os.close(fd)
        ended = outcome(returncode, execution.killed, timed_out, run.timeout)
        if ended is not None:
            return ended
        map_outputs(self.oss, run.output_mapping, workdir)
        return RunResult(0)

    def _spawn(
        self, run: InstanceRun, execution: LocalExecution, workdir: Path, out: int, err: int
    ) -> Tuple[int, bool]:
        """Start the command held, record its process, release it, wait for its end."""
        command = held_command(run.command_line, run.docker_image, {**self._extra_env, **run.env}, workdir)
        with execution._lock:
            if execution.killed:
                return -signal.SIGKILL, False
            before = boot_clock()
            proc, go = start_held(command, workdir, out, err)
            started = start_window(before, boot_clock())
            execution.pid = proc.pid
        assert execution.record is not None  # made by _run
        unrecorded = _release(proc.pid, started, execution.record, go)
        deadline = None
        if run.timeout > 0 and unrecorded is None:
            deadline = self._watchdog.after(run.timeout, execution.expire)
        proc.wait()
        if deadline is not None:
            deadline.cancel()
        with execution._lock:
            kill_process_group(proc.pid)  # leftovers the command sent to the background
            execution.pid = None
        if unrecorded is not None:
            raise StepFailed("LaunchFailed", "the attempt cannot be recorded: %s" % unrecorded)
        return proc.returncode, execution.timed_out


def _recovered(attempt: RecordedAttempt, recorded: Optional[Recorded]) -> RunResult:
    """How an attempt that a dead server left Running ended, by its record (if any): what is left
    of its process group is ended first."""
    if recorded is None:
        if attempt.pid is None:
            return never_started()
        end_process_group(attempt.pid, attempt.pid_start)  # reported through on_started
        return server_restarted()
    if recorded.pid is not None:
        end_process_group(recorded.pid, recorded.start_token)
    if recorded.outcome is not None:
        return recorded.outcome
    return server_restarted() if recorded.pid is not None else never_started()


def _recovered_unclaimed(recorded: Recorded) -> RunResult:
    """How an attempt ended that a dead server ran while the store had no claim of it."""
    if recorded.pid is not None:
        end_process_group(recorded.pid, recorded.start_token)
    if recorded.outcome is not None:
        return recorded.outcome
    return server_restarted()


def _release(pid: int, started: str, record: AttemptRecord, go: int) -> Optional[Exception]:
    """Record the held process (started at ``started``, a start token), then let it run the
    command; the error when it cannot be recorded (then the pipe is closed unwritten, and the
    shell exits without running the command)."""
    try:
        record.started(pid, started)
    except (OSError, ValueError) as exc:
        os.close(go)
        return exc
    release(go)
    return None
