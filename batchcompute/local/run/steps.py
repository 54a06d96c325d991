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
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path
from typing import IO, BinaryIO, ContextManager, Dict, List, Mapping, NamedTuple, Optional, Protocol, Tuple, Union

from ..constants import ACCESS_KEYS_ENV
from ..model.attempts import RunResult
from .executor import STOPPED_CODE

__all__ = [
    "StepFailed",
    "Objects",
    "unpack",
    "map_inputs",
    "map_outputs",
    "HeldCommand",
    "held_command",
    "start_held",
    "release",
    "outcome",
    "kill_process_group",
    "process_start_token",
    "boot_clock",
    "start_window",
    "started_as",
    "container_engine",
]

#: Run by the shell before the command (on the same line: the command's line numbers stay): wait
#: for the go on stdin, exit without running anything when the caller is gone, then give the
#: command the stdin it always had (/dev/null).
HOLD = "read -r batch_compute_go || exit 125; unset batch_compute_go; exec </dev/null; "
#: Then, when the command has variables of its own, export those given as arguments (``NAME=value``
#: each: taken as they are, never expanded again) and leave the command no arguments.
EXPORT = 'export "$@"; set --; '


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


class HeldCommand(NamedTuple):
    """A held shell's arguments, and the environment it starts with (None: this process's)."""

    argv: List[str]
    env: Optional[Dict[str, str]]


def held_command(command_line: str, docker_image: str, own: Mapping[str, str], workdir: Path) -> HeldCommand:
    """The held shell that runs ``command_line`` with this process's environment (never the
    server's keys) and the attempt's ``own`` variables; or in a container of ``docker_image``
    that is given only ``own``.

    ``own`` reaches the shell as arguments that it exports, and the shell starts with this
    process's environment as it is (the server's keys taken out when they are in it): given a
    whole environment, ``subprocess.Popen`` re-encodes it variable by variable, which costs more
    than all else it does. A name the shell cannot hold (``MY-VAR``) is left out: a shell never
    passes one on to a command.
    """
    env = None if ACCESS_KEYS_ENV not in os.environ else _environment()
    if docker_image:
        return HeldCommand(_container_argv(command_line, docker_image, own, workdir), env)
    exported = ["%s=%s" % (name, value) for name, value in own.items() if _is_shell_name(name)]
    script = HOLD + EXPORT + command_line if exported else HOLD + command_line
    return HeldCommand(["/bin/sh", "-c", script, "/bin/sh", *exported], env)


def _is_shell_name(name: str) -> bool:
    """``[A-Za-z_][A-Za-z0-9_]*``: an ASCII Python identifier is one."""
    return name.isascii() and name.isidentifier()


def _environment() -> Dict[str, str]:
    """This process's environment without the server's keys."""
    return {key: value for key, value in os.environ.items() if key != ACCESS_KEYS_ENV}


def _container_argv(command_line: str, docker_image: str, own: Mapping[str, str], workdir: Path) -> List[str]:
    engine = container_engine()
    if engine is None:
        raise StepFailed(
            "DockerUnavailable",
            "Command.Docker.Image is set (%s) but no container engine "
            "(docker, podman) answers on this machine" % docker_image,
        )
    envs = [arg for key, value in sorted(own.items()) for arg in ("-e", "%s=%s" % (key, value))]
    container = ["run", "--rm", "-v", "%s:/batchcompute/work" % workdir, "-w", "/batchcompute/work", *envs]
    return ["/bin/sh", "-c", HOLD + 'exec "$@"', "sh", engine, *container, docker_image, "/bin/sh", "-c", command_line]


def start_held(
    command: HeldCommand, workdir: Path, stdout: Union[int, IO[bytes]], stderr: Union[int, IO[bytes]]
) -> Tuple["subprocess.Popen[bytes]", int]:
    """Start ``command`` held, in a process group of its own; the descriptor that releases it."""
    held, go = os.pipe()
    try:
        proc = subprocess.Popen(
            command.argv,
            cwd=str(workdir),
            env=command.env,
            stdin=held,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    except BaseException:
        os.close(go)
        raise
    finally:
        os.close(held)
    return proc, go


def release(go: int) -> None:
    """Let a held process run its command (nothing when it was killed meanwhile)."""
    try:
        os.write(go, b"\n")
    except BrokenPipeError:
        pass
    finally:
        os.close(go)


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
