"""LocalProcessExecutor: each attempt a process on this machine.

An instance runs ``CommandLine`` through ``/bin/sh`` in a fresh working directory, in its own
process group (``start_new_session``), with stdout/stderr written straight into the object store
while it runs. Before the command: the package is unpacked and InputMapping copied in; after a
successful command: OutputMapping copied out. Timeout and kill() end the whole process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tarfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..constants import ACCESS_KEYS_ENV
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
    server_restarted,
)
from .objects import ObjectStore, OssPathError
from .threads import ThreadPool, Watchdog
from .workdirs import WorkDirs

__all__ = ["LocalProcessExecutor", "LocalExecution", "process_start_token", "kill_process_group", "container_engine"]

#: A process still running after this many seconds is reported (``on_started``) so that a restarted
#: server can find it; shorter ones are not worth a database write.
REPORT_PID_AFTER = 0.05


class LocalExecution(Execution):
    """A started attempt: its process group once the command runs."""

    def __init__(self) -> None:
        super().__init__()
        self.pid: Optional[int] = None
        self.timed_out = False
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


def kill_process_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def process_start_token(pid: int) -> Optional[str]:
    """The kernel's start time of process ``pid`` (Linux), to recognise it after a restart."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _signal_exit(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


class LocalProcessExecutor(Executor):
    """Runs attempts as local processes under ``work_root``."""

    def __init__(self, store: ObjectStore, work_root: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.oss = store
        self.workdirs = WorkDirs(Path(work_root))
        # The server's environment when it started (without its keys), then ``extra_env``.
        self._base_env = {key: value for key, value in os.environ.items() if key != ACCESS_KEYS_ENV}
        self._base_env.update(extra_env or {})
        self._threads = ThreadPool("instance")
        self._watchdog = Watchdog()

    def start(self, run: InstanceRun, on_started: Started, on_done: Done) -> Execution:
        execution = LocalExecution()
        self._threads.submit(self._run, run, execution, on_started, on_done)
        return execution

    def recover(self, attempts: Sequence[RecordedAttempt]) -> Dict[Key, RunResult]:
        """Kill the process group of each attempt whose recorded process still runs (the same pid
        and start time: not a new process that reuses the pid); all ended with the restart."""
        for attempt in attempts:
            if attempt.pid and attempt.pid_start and process_start_token(attempt.pid) == attempt.pid_start:
                kill_process_group(attempt.pid)
        return {attempt.key: server_restarted() for attempt in attempts}

    def _run(self, run: InstanceRun, execution: LocalExecution, on_started: Started, on_done: Done) -> None:
        try:
            workdir = self.workdirs.take()
        except OSError as exc:
            on_done(RunResult(None, "LaunchFailed", "no working directory: %s" % exc))
            return
        try:
            result = self._attempt(run, execution, workdir, on_started)
        except _Failure as failure:
            result = RunResult(None, failure.code, failure.message)
        except Exception as exc:  # a broken attempt must still be reported
            result = RunResult(None, "LaunchFailed", "%s: %s" % (type(exc).__name__, exc))
        finally:
            self.workdirs.give_back(workdir)
        if result.exit_code is None and result.error_code != STOPPED_CODE:
            self._note(run.stderr_url, result.error_message)
        on_done(result)

    def _note(self, url: str, message: str) -> None:
        """Append a server-side error to the instance's stderr object, where users look first."""
        try:
            path = self.oss.path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as handle:
                handle.write("batchcompute-local: %s\n" % message)
        except (OSError, OssPathError):
            pass

    def _attempt(self, run: InstanceRun, execution: LocalExecution, workdir: Path, on_started: Started) -> RunResult:
        self._unpack(run.package_path, workdir)
        self._map_inputs(run.input_mapping, workdir)
        out = self.oss.create(run.stdout_url)
        try:
            err = out if run.stderr_url == run.stdout_url else self.oss.create(run.stderr_url)
            try:
                returncode, timed_out = self._spawn(run, execution, workdir, out, err, on_started)
            finally:
                if err != out:
                    os.close(err)
        finally:
            os.close(out)
        if execution.killed:
            return RunResult(None, STOPPED_CODE, "the instance was stopped")
        if timed_out:
            return RunResult(
                _signal_exit(returncode),
                "InstanceTimeout",
                "killed (process group) after the Timeout of %g seconds" % run.timeout,
            )
        if returncode != 0:
            return RunResult(
                _signal_exit(returncode),
                "NonZeroExitCode",
                "the command exited with code %d" % _signal_exit(returncode),
            )
        self._map_outputs(run.output_mapping, workdir)
        return RunResult(0)

    def _spawn(
        self,
        run: InstanceRun,
        execution: LocalExecution,
        workdir: Path,
        out: int,
        err: int,
        on_started: Started,
    ) -> Tuple[int, bool]:
        argv = self._argv(run, workdir)
        with execution._lock:
            if execution.killed:
                return -signal.SIGKILL, False
            proc = subprocess.Popen(
                argv,
                cwd=str(workdir),
                env=self._env(run),
                stdin=_devnull(),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            execution.pid = proc.pid
        pid = proc.pid

        started = time.monotonic()

        def checkpoint() -> None:
            """A process that runs on is recorded (restart recovery), and its Timeout watched
            from then on: most commands end before, at the cost of one deadline."""
            if execution.pid != pid:
                return
            on_started(pid, process_start_token(pid), None)
            if run.timeout > 0:
                left = max(0.0, run.timeout - (time.monotonic() - started))
                deadlines.append(self._watchdog.after(left, execution.expire))

        first = min(REPORT_PID_AFTER, run.timeout) if run.timeout > 0 else REPORT_PID_AFTER
        deadlines = [self._watchdog.after(first, checkpoint)]
        proc.wait()
        for deadline in deadlines:
            deadline.cancel()
        with execution._lock:
            kill_process_group(proc.pid)  # leftovers the command sent to the background
            execution.pid = None
        return proc.returncode, execution.timed_out

    def _env(self, run: InstanceRun) -> Dict[str, str]:
        env = dict(self._base_env)
        env.update(run.env)
        return env

    def _argv(self, run: InstanceRun, workdir: Path) -> List[str]:
        if not run.docker_image:
            return ["/bin/sh", "-c", run.command_line]
        engine = container_engine()
        if engine is None:
            raise _Failure(
                "DockerUnavailable",
                "Command.Docker.Image is set (%s) but no container engine "
                "(docker, podman) answers on this machine" % run.docker_image,
            )
        envs = [arg for key, value in sorted(run.env.items()) for arg in ("-e", "%s=%s" % (key, value))]
        return [
            engine,
            "run",
            "--rm",
            "-v",
            "%s:/batchcompute/work" % workdir,
            "-w",
            "/batchcompute/work",
            *envs,
            run.docker_image,
            "/bin/sh",
            "-c",
            run.command_line,
        ]

    def _unpack(self, package_path: str, workdir: Path) -> None:
        if not package_path:
            return
        try:
            with tarfile.open(self.oss.path(package_path), "r:*") as archive:
                _safe_extract(archive, workdir)
        except (OSError, tarfile.TarError, OssPathError) as exc:
            raise _Failure("PackageError", "PackagePath %s cannot be unpacked: %s" % (package_path, exc)) from exc

    def _map_inputs(self, mapping: Dict[str, str], workdir: Path) -> None:
        for url, local in sorted(mapping.items()):
            try:
                self.oss.download(url, workdir / local, into_dir=local.endswith("/"))
            except (OSError, OssPathError) as exc:
                raise _Failure("InputMappingFailed", "InputMapping %s -> %s failed: %s" % (url, local, exc)) from exc

    def _map_outputs(self, mapping: Dict[str, str], workdir: Path) -> None:
        for local, url in sorted(mapping.items()):
            try:
                self.oss.upload(workdir / local, url)
            except (OSError, OssPathError) as exc:
                raise _Failure("OutputMappingFailed", "OutputMapping %s -> %s failed: %s" % (local, url, exc)) from exc


def _safe_extract(archive: tarfile.TarFile, target: Path) -> None:
    """Extract without letting a member escape ``target`` (absolute names, ``..``, links, devices)."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
        return
    root = os.path.realpath(target)
    for member in archive.getmembers():
        path = os.path.realpath(os.path.join(root, member.name))
        if not (path == root or path.startswith(root + os.sep)) or member.isdev() or member.issym() or member.islnk():
            raise tarfile.TarError("unsafe member %r" % member.name)
    archive.extractall(target)


_null: List[int] = []


def _devnull() -> int:
    """One read-only /dev/null descriptor for every command's stdin (not one open per process)."""
    if not _null:
        _null.append(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
    return _null[0]


_engine: List[Optional[str]] = []


def container_engine() -> Optional[str]:
    """``docker`` or ``podman`` when one is installed and its daemon answers (looked up once)."""
    if not _engine:
        found = None
        for name in ("docker", "podman"):
            path = shutil.which(name)
            if (
                path
                and subprocess.run(
                    [path, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10
                ).returncode
                == 0
            ):
                found = path
                break
        _engine.append(found)
    return _engine[0]
