"""Benchmark of the local server's OSS endpoint (run by hand, not a test).

    python tests/perf/bench_oss.py [--size-mib 1024] [--dir DIR]

Side by side, on one disk: a plain ``shutil.copyfile`` of a file, and the same file uploaded and
downloaded through oss2 against the standalone server (a subprocess, its RSS sampled every 20 ms),
with oss2's CRC64 checks on (its default) and off, and with a bare HTTP client (http.client,
8 MiB reads and writes) that shows what the server alone can do. Each transfer reports the CPU
seconds spent by the client and by the server. Then where the time goes, each measured alone on
the same bytes: oss2's CRC64, the server's MD5, the disk (copyfile) and HTTP over loopback (a
socket, no disk, no checksum), and the ceiling each checksum sets on its own. Target: each transfer
at least a third of copyfile's speed, the server under 100 MB of RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import oss2  # noqa: E402

KEYS = ("LocalAccessKeyId", "LocalAccessKeySecret")
MIB = 1 << 20
CHUNK = 8 * MIB


class RssSampler:
    """The peak resident memory of a process, sampled from /proc every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        with open("/proc/%d/status" % self.pid) as status:
            return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_kib = max(self.peak_kib, self._sample())

    def __enter__(self) -> "RssSampler":
        self.peak_kib = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes, starting with nothing left to write back (so that no step pays
    for the writes of the one before)."""
    os.sync()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux)."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(action: Callable[[], object], server_pid: int) -> Tuple[float, float, float]:
    """``(wall, client CPU, server CPU)`` seconds of ``action``."""
    client, server = time.process_time(), cpu_seconds(server_pid)
    wall = timed(action)
    return wall, time.process_time() - client, cpu_seconds(server_pid) - server


def bare_put(endpoint: str, path: Path) -> None:
    """PUT the file with http.client: V1-signed, streamed in 8 MiB blocks, no checksum."""
    connection, headers = _bare_request(endpoint, "PUT", "/bench/bare")
    headers["Content-Length"] = str(path.stat().st_size)
    connection.putrequest("PUT", "/bench/bare")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            connection.send(block)
    assert connection.getresponse().status == 200
    connection.close()


def bare_get(endpoint: str, path: Path) -> None:
    """GET into the file with http.client in 8 MiB reads."""
    connection, headers = _bare_request(endpoint, "GET", "/bench/bare")
    connection.request("GET", "/bench/bare", headers=headers)
    response = connection.getresponse()
    buffer = memoryview(bytearray(CHUNK))
    with open(path, "wb") as handle:
        while True:
            count = response.readinto(buffer)
            if not count:
                break
            handle.write(buffer[:count])
    connection.close()


def _bare_request(endpoint: str, method: str, resource: str) -> Tuple[http.client.HTTPConnection, Dict[str, str]]:
    request = oss2.http.Request(method, endpoint + resource)
    oss2.Auth(*KEYS)._sign_request(request, "bench", resource.split("/", 2)[2])
    host, port = endpoint.split("//")[1].split(":")
    headers = {name: value for name, value in request.headers.items() if value is not None}
    return http.client.HTTPConnection(host, int(port), timeout=120), headers


def write_random_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with open(path, "wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(block)
        handle.write(block[: size % CHUNK])


def drop(path: Path) -> None:
    if path.exists():
        path.unlink()


def start_server(data_dir: Path) -> Tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if k != "BATCH_COMPUTE_LOCAL_ACCESS_KEYS"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchcompute.local", "--port", "0", "--data-dir", str(data_dir)]
        + ["--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    banner = proc.stdout.readline()
    return proc, banner.split("OSS endpoint ")[1].strip()


def checksum_time(make: Callable[[], object], path: Path) -> float:
    digest = make()
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return time.perf_counter() - start


def loopback_time(size: int) -> float:
    """Sending ``size`` bytes over a loopback TCP connection to a reader that drops them."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def sink() -> None:
        connection, _ = listener.accept()
        buffer = bytearray(MIB)
        while connection.recv_into(buffer):
            pass
        connection.close()

    reader = threading.Thread(target=sink)
    reader.start()
    block = os.urandom(MIB)
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sender:
        for _ in range(size // MIB):
            sender.sendall(block)
    reader.join()
    listener.close()
    return time.perf_counter() - start


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", default=None, help="where the file and the server's data live (default: a temp dir)")
    args = parser.parse_args(argv)
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="bench-oss-", dir=args.dir))
    rates: Dict[str, Tuple[float, float, float]] = {}
    try:
        source, target = work / "source.bin", work / "target.bin"
        print("writing a %d MiB file in %s" % (args.size_mib, work), flush=True)
        write_random_file(source, size)
        copy = timed(lambda: shutil.copyfile(source, target))
        drop(target)
        proc, endpoint = start_server(work / "data")
        try:
            with RssSampler(proc.pid) as rss:
                idle_kib = rss.peak_kib
                for crc in (True, False):
                    bucket = oss2.Bucket(oss2.Auth(*KEYS), endpoint, "bench", enable_crc=crc)
                    bucket.create_bucket()
                    label = "crc on " if crc else "crc off"
                    upload = lambda b=bucket: b.put_object_from_file("big", str(source))  # noqa: E731
                    download = lambda b=bucket: b.get_object_to_file("big", str(target))  # noqa: E731
                    rates["oss2 upload   (%s)" % label] = measured(upload, proc.pid)
                    rates["oss2 download (%s)" % label] = measured(download, proc.pid)
                    assert target.stat().st_size == size
                    drop(target)
                    bucket.delete_object("big")
                rates["bare HTTP PUT"] = measured(lambda: bare_put(endpoint, source), proc.pid)
                rates["bare HTTP GET"] = measured(lambda: bare_get(endpoint, target), proc.pid)
                assert target.stat().st_size == size
                drop(target)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print("\n%-24s %7s %6s %11s %10s %10s" % ("", "seconds", "MB/s", "vs copyfile", "client CPU", "server CPU"))
        print("%-24s %7.2f %6.0f" % ("shutil.copyfile", copy, size / copy / 1e6))
        for name, (seconds, client, server) in rates.items():
            ratio = copy / seconds
            verdict = "ok" if ratio >= 1 / 3 else "LOW"
            print(
                "%-24s %7.2f %6.0f %7.2f %-3s %9.2fs %9.2fs"
                % (name, seconds, size / seconds / 1e6, ratio, verdict, client, server)
            )
        peak_mb = rss.peak_kib * 1024 / 1e6
        print(
            "\nserver RSS: %.0f MB idle, peak %.0f MB (%s)"
            % (idle_kib * 1024 / 1e6, peak_mb, "ok" if peak_mb < 100 else "OVER 100 MB")
        )
        parts = {
            "oss2 CRC64 (client, per pass)": checksum_time(lambda: oss2.utils.Crc64(0), source),
            "MD5 (server, on upload)": checksum_time(hashlib.md5, source),
            "disk: shutil.copyfile": copy,
            "HTTP: loopback TCP, no disk": loopback_time(size),
        }
        print("\nwhere the time goes, each alone on %d MiB:" % args.size_mib)
        for name, seconds in parts.items():
            print("  %-32s %6.2f s %8.0f MB/s" % (name, seconds, size / seconds / 1e6))
        # One pass of a checksum over the bytes is sequential: no transfer that needs it can be
        # faster, whatever the server does.
        crc, md5 = parts["oss2 CRC64 (client, per pass)"], parts["MD5 (server, on upload)"]
        print("\nceilings set by the checksums alone (x copyfile):")
        print("  upload, CRC on  (CRC64 and MD5)    %6.2f" % (copy / max(crc, md5)))
        print("  download, CRC on (CRC64)           %6.2f" % (copy / crc))
        print("  upload, CRC off (MD5)              %6.2f" % (copy / md5))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
