"""The steps of an instance attempt, whichever executor takes them and wherever the process runs.

Before the command: the package is unpacked and InputMapping copied into a fresh working
directory; after a successful command: OutputMapping copied out. Where the objects live is the
caller's (``Objects``: the store on this machine, or the OSS endpoint seen from a Dask worker).
The command runs through ``/bin/sh`` in its own process group, *held*: the shell waits for a line
on its stdin before it runs the command, so that the caller can record the process group first;
a caller that dies before it releases the shell closes the pipe, and the shell exits without
running anything. Timeout and kill end the whole process group.

This module is imported on Dask workers: it uses nothing of the server's state or web layers.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path
from typing import BinaryIO, ContextManager, List, Mapping, Optional, Protocol, Sequence, Tuple

from ..model.attempts import RunResult
from .executor import STOPPED_CODE

__all__ = [
    "StepFailed",
    "Objects",
    "unpack",
    "map_inputs",
    "map_outputs",
    "command_argv",
    "HeldProcess",
    "start_held",
    "given_descriptors",
    "outcome",
    "kill_process_group",
    "process_start_token",
    "boot_clock",
    "start_window",
    "started_as",
    "container_engine",
]

#: Run by the shell before the command (on the same line: the command's line numbers stay): wait
#: for the go on stdin, a line that names the working directory; exit without running anything
#: when the caller is gone; go there, then give the command the stdin it always had (/dev/null).
HOLD = (
    'IFS= read -r batch_compute_go || exit 125; cd -- "$batch_compute_go" || exit 125; '
    "unset batch_compute_go; exec </dev/null; "
)
#: Signals this process ignores (as Python does) that a command must not inherit ignored.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


class StepFailed(Exception):
    """A step failed before or after the command: the attempt ends with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Objects(Protocol):
    """Where an attempt reads its package and inputs and writes its outputs."""

    def open_for_read(self, url: str) -> ContextManager[BinaryIO]: ...

    def download(self, url: str, local: Path, into_dir: bool = False) -> None: ...

    def upload(self, local: Path, url: str) -> None: ...


def unpack(objects: Objects, package_path: str, workdir: Path) -> None:
    """Unpack the tar.gz at ``package_path`` (if any) into ``workdir``."""
    if not package_path:
        return
    try:
        with objects.open_for_read(package_path) as package, tarfile.open(fileobj=package) as archive:
            _safe_extract(archive, workdir)
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise StepFailed("PackageError", "PackagePath %s cannot be unpacked: %s" % (package_path, exc)) from exc


def map_inputs(objects: Objects, mapping: Mapping[str, str], workdir: Path) -> None:
    """Copy each InputMapping source (oss url -> local path) below ``workdir``."""
    for url, local in sorted(mapping.items()):
        try:
            objects.download(url, workdir / local, into_dir=local.endswith("/"))
        except (OSError, ValueError) as exc:
            raise StepFailed("InputMappingFailed", "InputMapping %s -> %s failed: %s" % (url, local, exc)) from exc


def map_outputs(objects: Objects, mapping: Mapping[str, str], workdir: Path) -> None:
    """Copy each OutputMapping source (local path -> oss url) from below ``workdir``."""
    for local, url in sorted(mapping.items()):
        try:
            objects.upload(workdir / local, url)
        except (OSError, ValueError) as exc:
            raise StepFailed("OutputMappingFailed", "OutputMapping %s -> %s failed: %s" % (local, url, exc)) from exc


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


def command_argv(command_line: str, docker_image: str, env: Mapping[str, str], workdir: Path) -> List[str]:
    """The held shell that runs ``command_line``: here, or in a container of ``docker_image`` that
    is given the variables ``env`` (the attempt's own)."""
    if not docker_image:
        return ["/bin/sh", "-c", HOLD + command_line]
    engine = container_engine()
    if engine is None:
        raise StepFailed(
            "DockerUnavailable",
            "Command.Docker.Image is set (%s) but no container engine "
            "(docker, podman) answers on this machine" % docker_image,
        )
    envs = [arg for key, value in sorted(env.items()) for arg in ("-e", "%s=%s" % (key, value))]
    container = ["run", "--rm", "-v", "%s:/batchcompute/work" % workdir, "-w", "/batchcompute/work", *envs]
    return ["/bin/sh", "-c", HOLD + 'exec "$@"', "sh", engine, *container, docker_image, "/bin/sh", "-c", command_line]


class HeldProcess:
    """A shell started by :func:`start_held`, in a process group of its own (``pid``), that runs
    its command once released; ``wait`` reaps it."""

    def __init__(self, pid: int, go: int, workdir: str) -> None:
        self.pid = pid
        self.returncode: Optional[int] = None  # once reaped; negative: the signal that ended it
        self._go: Optional[int] = go
        self._workdir = workdir
        self._pidfd: Optional[int] = None

    def release(self) -> None:
        """Let the command run (nothing when the process was killed meanwhile)."""
        go, self._go = self._go, None
        if go is None:
            return
        try:
            os.write(go, os.fsencode(self._workdir) + b"\n")
        except BrokenPipeError:
            pass
        finally:
            os.close(go)

    def abandon(self) -> None:
        """Close the pipe unwritten: the shell exits without running the command."""
        go, self._go = self._go, None
        if go is not None:
            os.close(go)

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        """The exit code once the process has ended (it is reaped then); None when it still runs
        after ``timeout`` seconds."""
        if self.returncode is None:
            if timeout is not None and not self._ends_within(timeout):
                return None
            if self.returncode is None:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode

    def _ends_within(self, seconds: float) -> bool:
        """Whether the process ends within ``seconds``: woken by a pidfd as it ends (Linux 5.3+),
        else by looking every few milliseconds."""
        if self._pidfd is None:
            try:
                self._pidfd = os.pidfd_open(self.pid)
            except (AttributeError, OSError):
                return self._polled_within(seconds)
        return bool(select.select([self._pidfd], [], [], seconds)[0])

    def _polled_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.005, left))


def start_held(
    argv: List[str], workdir: Path, env: Mapping[str, str], stdout: int, stderr: int, close: Sequence[int] = ()
) -> HeldProcess:
    """Start ``argv`` (a shell, see :data:`HOLD`) held, in a process group of its own, with
    ``env`` as its whole environment and ``stdout``, ``stderr`` as its output descriptors.

    ``posix_spawn`` costs this process a third less than ``subprocess.Popen``; the working
    directory reaches the shell with its go. No other descriptor is inherited: Python opens its
    own close-on-exec, and ``close`` (:func:`given_descriptors`, once) are closed in the child
    (one closed since is skipped).
    """
    where = str(workdir)
    if "\n" in where:
        raise StepFailed("LaunchFailed", "the working directory %r holds a line break" % where)
    held, go = os.pipe()
    try:
        actions: List[Tuple[int, ...]] = [
            (os.POSIX_SPAWN_DUP2, held, 0),
            (os.POSIX_SPAWN_DUP2, stdout, 1),
            (os.POSIX_SPAWN_DUP2, stderr, 2),
        ]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in close]
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True, setsigdef=_RESET_SIGNALS)
    except BaseException:
        os.close(go)
        raise
    finally:
        os.close(held)
    return HeldProcess(pid, go, where)


def given_descriptors() -> List[int]:
    """The inheritable descriptors above stderr that this process has: those that what started it
    left open (a shell's redirections, a supervisor's pipes). Python opens its own close-on-exec."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:  # the descriptor listdir itself used
            pass
    return found


def _signal_exit(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def outcome(returncode: int, killed: bool, timed_out: bool, timeout: float) -> Optional[RunResult]:
    """How a command ended, None when it succeeded (its outputs are still to be copied)."""
    if killed:
        return RunResult(None, STOPPED_CODE, "the instance was stopped")
    code = _signal_exit(returncode)
    if timed_out:
        return RunResult(code, "InstanceTimeout", "killed (process group) after the Timeout of %g seconds" % timeout)
    if returncode != 0:
        return RunResult(code, "NonZeroExitCode", "the command exited with code %d" % code)
    return None


def kill_process_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


#: Nanoseconds per tick of the kernel's clock, the unit of a process's start time in /proc.
_TICK_NS = 10**9 // os.sysconf("SC_CLK_TCK")


def process_start_token(pid: int) -> Optional[str]:
    """The kernel's start time of process ``pid`` (Linux), to recognise it after a restart."""
    try:
        fd = os.open("/proc/%d/stat" % pid, os.O_RDONLY | os.O_CLOEXEC)
        try:
            stat = os.read(fd, 4096)
        finally:
            os.close(fd)
        return stat.rsplit(b")", 1)[1].split()[19].decode("ascii")
    except (OSError, IndexError):
        return None


def boot_clock() -> int:
    """Nanoseconds since boot, the clock of the kernel's process start times."""
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME)


def start_window(before: int, after: int) -> str:
    """The start token of a process created between two readings of :func:`boot_clock`: the
    range ``first-last`` of the start times it can have. Reading the process's own start time
    right after it was created costs 0.1-0.2 ms, as its new program is still being loaded."""
    return "%d-%d" % (before // _TICK_NS, after // _TICK_NS)


def started_as(token: str, current: str) -> bool:
    """Whether a process whose start time is ``current`` (:func:`process_start_token`) is the
    one recorded as ``token``: a start time, or a :func:`start_window`."""
    first, _, last = token.partition("-")
    try:
        return int(first) <= int(current) <= int(last or first)
    except ValueError:
        return token == current


_engine: List[Optional[str]] = []


def container_engine() -> Optional[str]:
    """``docker`` or ``podman`` when one is installed and its daemon answers (looked up once)."""
    if not _engine:
        found = None
        for name in ("docker", "podman"):
            path = shutil.which(name)
            if path and _answers(path):
                found = path
                break
        _engine.append(found)
    return _engine[0]


def _answers(engine: str) -> bool:
    done = subprocess.run([engine, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    return done.returncode == 0
