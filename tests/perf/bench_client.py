"""get_job and list_jobs over loopback: this SDK's Client vs the official 2.1.7 SDK, side by side.

Run by hand, as root (the official SDK's HTTPS always goes to port 443, so the server binds 127.0.0.1:443):

    python tests/perf/bench_client.py --official-python /path/to/venv/bin/python [--calls 300]

Scenarios, each timed as the best of ``--repeat`` runs after a warm-up:

a) HTTPS, ``--calls`` get_job calls. This Client keeps its connection alive; the official SDK connects
   and does a TLS handshake per call. Target: this SDK at least 5x faster.
b) plain HTTP, ``--calls`` get_job calls (target: at least 2x faster) and ``--calls`` list_jobs calls
   (``--page`` jobs a page; target: no slower).
d) plain HTTP, list_jobs pages of 100 and of 1,000 jobs, reading State and CreationTime of each job.
   Targets: at least 6x and 10x faster than the official SDK, and within 3x of the floor: a bare
   http.client loop that parses the JSON and reads the same two fields, timed in this SDK's process
   in turn with its runs (a slow moment of a shared machine then hits both alike).
c) plain HTTP, ``--threads`` threads doing ``--calls`` get_job calls each: one Client shared by all
   threads here; one client per thread for the official SDK, which is not thread-safe. Target: no
   errors (throughput is reported).

The server runs in its own process and answers canned JSON (it does not check signatures) over
keep-alive HTTP/1.1, one write per answer, TCP_NODELAY. A bare keep-alive ``http.client`` loop against
it gives the server's own ceiling (last column); the server also counts the connections each SDK opens.
The certificates (a throw-away CA and a server certificate for
127.0.0.1 and localhost) are made with the ``openssl`` command in a temporary directory; this Client
gets ``verify=<CA file>``, the official SDK ``SSL_CERT_FILE=<CA file>``. Before timing, both SDKs are
run once without the CA, to show that they really verify the certificate.

The official SDK has the same package name, so each SDK runs the same workload code in a subprocess
with its own interpreter, outside this checkout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple

HOST = "127.0.0.1"
HTTPS_PORT = 443
REGION = "bench-local"
JOB_ID = "job-000000005D5B1F6A00006BE5000000A1"
CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
SharedCount = Any  # a multiprocessing.Value("l"), shared with the server process

# -- canned answers ---------------------------------------------------------------------------------


def job_status(index: int) -> dict:
    """A job as get_job and list_jobs answer it."""
    return {
        "Id": JOB_ID if index == 0 else "job-000000005D5B1F6A00006BE5%08X" % index,
        "Name": "nightly-render-%d" % index,
        "Owner": "1234567890123456",
        "Priority": 1,
        "State": "Running",
        "Message": "",
        "Description": "render frames of scene %d" % index,
        "CreationTime": "2019-08-20T08:30:18.713617Z",
        "StartTime": "2019-08-20T08:30:19.203851Z",
        "EndTime": "",
        "TaskMetrics": {"RunningCount": 1, "WaitingCount": 1, "StoppedCount": 0, "FailedCount": 0, "FinishedCount": 2},
        "InstanceMetrics": {
            "RunningCount": 4,
            "WaitingCount": 4,
            "StoppedCount": 0,
            "FailedCount": 0,
            "FinishedCount": 8,
        },
    }


def list_page(size: int) -> dict:
    return {
        "Items": [job_status(index) for index in range(size)],
        "NextMarker": "job-000000005D5B1F6A00006BE5%08X" % size,
    }


def http_answer(status: str, data: dict) -> bytes:
    """Status line, headers and body in one piece, as the service sends them."""
    body = json.dumps(data).encode("utf-8")
    head = (
        "HTTP/1.1 %s\r\nServer: Tengine\r\nDate: Tue, 20 Aug 2019 08:31:00 GMT\r\n"
        "Content-Type: application/json;charset=UTF-8\r\nContent-Length: %d\r\nConnection: keep-alive\r\n"
        "x-acs-request-id: 5D5BB2E4-0000-4E6B-8F3A-4B1A0D7C9E21\r\n\r\n" % (status, len(body))
    )
    return head.encode("ascii") + body


#: Page sizes of the list_jobs scenarios (the --page one is added).
LIST_SIZES = (100, 1000)


def answers(page: int) -> Dict[str, bytes]:
    canned = {
        "get": http_answer("200 OK", job_status(0)),
        "missing": http_answer("404 Not Found", {"Code": "InvalidResource.NotFound", "Message": "no route"}),
    }
    for size in (page,) + LIST_SIZES:
        canned["list %d" % size] = http_answer("200 OK", list_page(size))
    return canned


# -- the server (its own process) ----------------------------------------------------------------------


def content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n")[1:]:
        if line.startswith(b"content-length:"):
            return int(line[15:])
    return 0


def choose(head: bytes, canned: Dict[str, bytes]) -> bytes:
    target = head.split(b" ", 2)[1]
    if target == b"/jobs" or target.startswith(b"/jobs?"):
        size = target.split(b"MaxItemCount=", 1)[1].split(b"&", 1)[0]
        return canned["list %d" % int(size)]
    if target.startswith(b"/jobs/"):
        return canned["get"]
    return canned["missing"]


def serve_connection(conn: socket.socket, context: Optional[ssl.SSLContext], canned: Dict[str, bytes]) -> None:
    """Answer the requests of one connection until the client closes it."""
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            conn = context.wrap_socket(conn, server_side=True)
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = content_length(head)
            while len(pending) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            pending = pending[length:]
            conn.sendall(choose(head, canned))
            if b"connection: close" in head.lower():
                return
    except (OSError, ValueError, IndexError):
        return
    finally:
        conn.close()


def accept_loop(
    listener: socket.socket, context: Optional[ssl.SSLContext], canned: Dict[str, bytes], connections: SharedCount
) -> None:
    while True:
        conn, _ = listener.accept()
        with connections.get_lock():
            connections.value += 1
        threading.Thread(target=serve_connection, args=(conn, context, canned), daemon=True).start()


def serve(
    http_listener: socket.socket,
    https_listener: socket.socket,
    cert: str,
    key: str,
    page: int,
    connections: SharedCount,
) -> None:
    """Entry point of the server process: plain HTTP on one socket, HTTPS on the other; ``connections``
    counts the connections accepted."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    canned = answers(page)
    threading.Thread(target=accept_loop, args=(http_listener, None, canned, connections), daemon=True).start()
    accept_loop(https_listener, context, canned, connections)


def listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except PermissionError:
        sys.exit("binding %s:%d needs root (the official SDK's HTTPS always uses port 443)" % (HOST, port))
    listener.listen(256)
    return listener


# -- certificates -------------------------------------------------------------------------------------

SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
"""


def openssl(*args: str, cwd: str) -> None:
    subprocess.run(("openssl",) + args, cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: str) -> Tuple[str, str, str]:
    """A throw-away CA and an RSA-2048 server certificate signed by it: (CA, certificate, key) paths."""
    with open(os.path.join(directory, "server.ext"), "w") as extensions:
        extensions.write(SERVER_EXTENSIONS)
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=bench local CA",
        cwd=directory,
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
        cwd=directory,
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        cwd=directory,
    )
    return tuple(os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key"))


# -- the workload, run by each SDK in its own interpreter ------------------------------------------------

WORKLOAD = r"""
import http.client, json, sys, threading, time
import batchcompute
from batchcompute import Client

cfg = json.loads(sys.argv[1])
JOB_ID, PAGE, CALLS = cfg["job_id"], cfg["page"], cfg["calls"]
Client.register_region(cfg["region"], cfg["host"], cfg["http_port"])

def make(secure):
    options = cfg["https_options"] if secure else {}
    return Client(cfg["host"], "bench-key-id", "bench-key-secret", security_conn=secure, **options)

def get_job(client):
    answer = client.get_job(JOB_ID)
    assert answer.Id == JOB_ID and answer.State == "Running", answer

def list_jobs(client):
    answer = client.list_jobs("", PAGE)
    assert len(answer.Items) == PAGE and answer.Items[0].Id == JOB_ID, answer

def list_and_read(size):
    # a page of ``size`` jobs, reading State and CreationTime of each (what a script filtering jobs does)
    def call(client):
        answer = client.list_jobs("", size)
        seen = [(job.State, job.CreationTime) for job in answer.Items]
        assert len(seen) == size and seen[0][0] == "Running", seen[:1]
    return call

def bare_list(size, count):
    # the floor: a bare keep-alive http.client loop that parses the same page and reads the same fields
    connection = http.client.HTTPConnection(cfg["host"], cfg["http_port"])
    target = "/jobs?Marker&MaxItemCount=%d" % size
    headers = {"Accept": "application/json", "Authorization": "acs bench-key-id:unchecked"}
    def run():
        for _ in range(count):
            connection.request("GET", target, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            assert answer.status == 200
            assert [(job["State"], job["CreationTime"]) for job in json.loads(body)["Items"]]
    return run

def timed_list(size):
    # the SDK's runs and the floor's taken in turn, so that a slow moment of the machine hits both
    client = make(False)
    calls = max(3, CALLS * 100 // size // 2)
    sdk, bare = (lambda: loop(list_and_read(size), client, calls)), bare_list(size, calls)
    sdk(); bare()  # warm-up
    sdk_times, bare_times = [], []
    for _ in range(cfg["repeat"]):
        for run, times in ((sdk, sdk_times), (bare, bare_times)):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return {"seconds": min(sdk_times), "calls": calls, "floor_seconds": min(bare_times)}

def loop(call, client, count):
    for _ in range(count):
        call(client)

def best_of(run):
    run()  # warm-up
    times = []
    for _ in range(cfg["repeat"]):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)

def timed(call, secure):
    client = make(secure)
    return {"seconds": best_of(lambda: loop(call, client, CALLS)), "calls": CALLS}

def threaded():
    count, errors = cfg["threads"], []
    clients = [make(False)] * count if cfg["shared"] else [make(False) for _ in range(count)]
    def work(client):
        for _ in range(CALLS):
            try:
                get_job(client)
            except Exception as exc:
                errors.append(repr(exc))
    def run():
        workers = [threading.Thread(target=work, args=(client,)) for client in clients]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    seconds = best_of(run)
    return {"seconds": seconds, "calls": CALLS * count, "errors": len(errors), "first_error": errors[:1]}

def probe():
    try:
        get_job(make(True))
    except Exception as exc:
        return {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
    return {"ok": True, "error": ""}

SCENARIOS = {
    "https_get": lambda: timed(get_job, True),
    "http_get": lambda: timed(get_job, False),
    "http_list": lambda: timed(list_jobs, False),
    "http_list_100": lambda: timed_list(100),
    "http_list_1000": lambda: timed_list(1000),
    "threads": threaded,
    "probe": probe,
}
results = {name: SCENARIOS[name]() for name in cfg["scenarios"]}
results["module"] = batchcompute.__file__
print(json.dumps(results))
"""


def run_workload(python: str, path: str, cfg: dict, env_extra: Dict[str, str]) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in CA_VARIABLES + ("PYTHONPATH",)}
    env.update(env_extra)
    if path:
        env["PYTHONPATH"] = path
    # Run outside the checkout so that the official interpreter cannot pick up this package.
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [python, "-c", WORKLOAD, json.dumps(cfg)], env=env, capture_output=True, text=True, cwd=cwd
        )
    if done.returncode:
        sys.exit("workload failed under %s:\n%s" % (python, done.stderr))
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the server's ceiling: bare http.client, keep-alive ------------------------------------------------


def raw_loop(connect: Callable[[], http.client.HTTPConnection], target: str, count: int, keep_alive: bool) -> None:
    """The floor: ``count`` bare requests (the list scenarios time theirs in the workload)."""
    headers = {"Accept": "application/json", "Authorization": "acs bench-key-id:unchecked"}
    connection = connect()
    for _ in range(count):
        connection.request("GET", target, headers=headers)
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200
        if not keep_alive:
            connection.close()
            connection = connect()
    connection.close()


def best_seconds(run: Callable[[], None], repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def in_threads(run: Callable[[], None], count: int) -> Callable[[], None]:
    def all_threads() -> None:
        workers = [threading.Thread(target=run) for _ in range(count)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    return all_threads


def ceilings(http_port: int, ca: str, args: argparse.Namespace) -> Dict[str, float]:
    """Calls per second of a bare http.client loop, per scenario."""
    context = ssl.create_default_context(cafile=ca)
    plain = lambda: http.client.HTTPConnection(HOST, http_port)  # noqa: E731
    secure = lambda: http.client.HTTPSConnection(HOST, HTTPS_PORT, context=context)  # noqa: E731
    get, page, n = "/jobs/" + JOB_ID, "/jobs?Marker&MaxItemCount=%d" % args.page, args.calls
    runs = {
        "https_get": (lambda: raw_loop(secure, get, n, True), n),
        "https_get_new_connection": (lambda: raw_loop(secure, get, n, False), n),
        "http_get": (lambda: raw_loop(plain, get, n, True), n),
        "http_list": (lambda: raw_loop(plain, page, n, True), n),
        "threads": (in_threads(lambda: raw_loop(plain, get, n, True), args.threads), n * args.threads),
    }
    return {name: calls / best_seconds(run, args.repeat) for name, (run, calls) in runs.items()}


# -- report ---------------------------------------------------------------------------------------------

ROWS = (  # scenario, label, target ratio to the official SDK, target ratio to the floor (ceiling)
    ("https_get", "a) HTTPS get_job", 5.0, None),
    ("http_get", "b) HTTP get_job", 2.0, None),
    ("http_list", "b) HTTP list_jobs", 1.0, None),
    ("http_list_100", "d) list 100, read 2 fields", 6.0, 3.0),
    ("http_list_1000", "d) list 1000, read 2 fields", 10.0, 3.0),
    ("threads", "c) HTTP get_job, threads", None, None),
)


def rate(result: dict) -> float:
    return result["calls"] / result["seconds"]


def cell(calls_per_second: float) -> str:
    return "%8.0f/s %7.3f ms" % (calls_per_second, 1000.0 / calls_per_second)


def row(
    label: str, ours: dict, official: dict, target: Optional[float], floor_target: Optional[float], ceiling: float
) -> str:
    ratio = rate(ours) / rate(official)
    to_floor = ceiling / rate(ours)
    if target is None:
        verdict = "0 errors: " + ("PASS" if ours["errors"] == 0 else "FAIL (%d)" % ours["errors"])
        wanted = "-"
    else:
        passed = ratio >= target and (floor_target is None or to_floor <= floor_target)
        verdict = "PASS" if passed else "FAIL"
        wanted = ">= %.0fx" % target
    floor_text = "%5.2fx%s" % (to_floor, " (<= %.0fx)" % floor_target if floor_target else "")
    return "%-28s %s  %s  %6.2fx  %-8s %-14s %8.0f/s %s" % (
        label,
        cell(rate(ours)),
        cell(rate(official)),
        ratio,
        wanted,
        verdict,
        ceiling,
        floor_text,
    )


def report(ours: dict, official: dict, ceiling: Dict[str, float], args: argparse.Namespace) -> None:
    print("ours:     %s\nofficial: %s" % (ours["module"], official["module"]))
    print(
        "%d calls per run (x%d threads in c), best of %d after a warm-up; list_jobs pages of %d jobs"
        % (args.calls, args.threads, args.repeat, args.page)
    )
    print(
        "%-28s %-21s  %-21s  %7s  %-8s %-14s %10s %s"
        % ("scenario", "ours", "official", "ratio", "target", "result", "ceiling", "ours/floor")
    )
    for name, label, target, floor_target in ROWS:
        floor = ours[name]["calls"] / ours[name]["floor_seconds"] if "floor_seconds" in ours[name] else ceiling[name]
        print(row(label, ours[name], official[name], target, floor_target, floor))
    print(
        "c) ours: one Client shared by %d threads; official: one client per thread (it is not thread-safe);"
        " errors: ours %d, official %d" % (args.threads, ours["threads"]["errors"], official["threads"]["errors"])
    )
    for result in (ours, official):
        if result["threads"]["first_error"]:
            print("   first error: %s" % result["threads"]["first_error"][0])
    print(
        "ceiling: a bare http.client keep-alive loop against the same server (for d, run in this SDK's"
        " process in turn with its runs); HTTPS with a new connection (and handshake) per call: %.0f/s"
        % ceiling["https_get_new_connection"]
    )
    print("connections opened over all runs: ours %d, official %d" % (ours["connections"], official["connections"]))


def report_probe(name: str, probe: dict) -> None:
    if probe["ok"]:
        print("%-8s without the CA: the call succeeded: it DOES NOT verify the certificate" % name)
        return
    reason = probe["error"].split(":", 1)[0]
    if "CERTIFICATE_VERIFY_FAILED" in probe["error"]:
        reason += ", CERTIFICATE_VERIFY_FAILED"
    print("%-8s without the CA: %s: it verifies the certificate" % (name, reason))


# -- main -----------------------------------------------------------------------------------------------


class BenchServer:
    """The server process, its plain-HTTP port, the CA file and the count of connections accepted."""

    def __init__(self, directory: str, page: int) -> None:
        self.ca, cert, key = make_certificates(directory)
        http_listener, https_listener = listen(0), listen(HTTPS_PORT)
        self.http_port = http_listener.getsockname()[1]
        self.connections = multiprocessing.Value("l", 0)
        self.process = multiprocessing.Process(
            target=serve, args=(http_listener, https_listener, cert, key, page, self.connections), daemon=True
        )
        self.process.start()
        http_listener.close()
        https_listener.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.join()


def sdks(args: argparse.Namespace, server: BenchServer) -> Dict[str, tuple]:
    """name -> (python, PYTHONPATH, HTTPS options, one client shared by threads, extra environment)."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return {
        "ours": (sys.executable, here, {"verify": server.ca}, True, {}),
        "official": (args.official_python, "", {}, False, {"SSL_CERT_FILE": server.ca}),
    }


def run_all(args: argparse.Namespace, server: BenchServer) -> None:
    cfg = {
        "job_id": JOB_ID,
        "page": args.page,
        "calls": args.calls,
        "repeat": args.repeat,
        "threads": args.threads,
        "region": REGION,
        "host": HOST,
        "http_port": server.http_port,
    }
    results = {}
    for name, (python, path, https_options, shared, env) in sdks(args, server).items():
        probe = dict(cfg, scenarios=["probe"], https_options={}, shared=shared)
        report_probe(name, run_workload(python, path, probe, {})["probe"])
        before = server.connections.value
        timed = dict(cfg, scenarios=[row[0] for row in ROWS], https_options=https_options, shared=shared)
        results[name] = run_workload(python, path, timed, env)
        results[name]["connections"] = server.connections.value - before
    report(results["ours"], results["official"], ceilings(server.http_port, server.ca, args), args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-python", required=True, help="python of a virtualenv with batchcompute==2.1.7")
    parser.add_argument("--calls", type=int, default=300, help="calls per run (per thread in scenario c)")
    parser.add_argument("--page", type=int, default=50, help="jobs in a list_jobs answer")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        server = BenchServer(directory, args.page)
        try:
            run_all(args, server)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
