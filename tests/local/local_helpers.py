"""Helpers for the local server tests: descriptions as plain dicts and waiting for states."""

from __future__ import annotations

import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from batchcompute.local.run.executor import STOPPED_CODE, Execution, Executor, RunResult

FINAL = ("Finished", "Failed", "Stopped")
LOGS = "oss://test-bucket/logs/"


def task(
    command: str,
    instances: int = 1,
    cluster_id: Optional[str] = None,
    *,
    env: Optional[Dict[str, str]] = None,
    timeout: float = 60,
    retries: int = 0,
    package: str = "",
    **extra: Any,
) -> Dict[str, Any]:
    """A TaskDescription dict with every key the SDK's validate() wants."""
    desc: Dict[str, Any] = {
        "Parameters": {
            "Command": {
                "CommandLine": command,
                "PackagePath": package,
                "EnvVars": env or {},
                "Docker": {"Image": ""},
            },
            "InputMappingConfig": {"Locale": "GBK", "Lock": False},
            "StdoutRedirectPath": LOGS,
            "StderrRedirectPath": LOGS,
        },
        "InstanceCount": instances,
        "Timeout": timeout,
        "MaxRetryCount": retries,
        "InputMapping": {},
        "OutputMapping": {},
        "LogMapping": {},
    }
    if cluster_id:
        desc["ClusterId"] = cluster_id
    else:
        desc["AutoCluster"] = {
            "InstanceType": "ecs.sn1.medium",
            "ImageId": "img-ubuntu",
            "ECSImageId": "",
            "UserData": {},
            "ReserveOnFail": False,
            "DependencyIsvService": "",
        }
    desc.update(extra)
    return desc


def job(
    tasks: Dict[str, Dict[str, Any]],
    deps: Optional[Dict[str, List[str]]] = None,
    name: str = "test-job",
    priority: int = 0,
    fail_fast: bool = True,
    auto_release: bool = False,
) -> Dict[str, Any]:
    """A JobDescription dict (Type DAG)."""
    return {
        "Name": name,
        "Description": "local server test",
        "Priority": priority,
        "Type": "DAG",
        "JobFailOnInstanceFail": fail_fast,
        "AutoRelease": auto_release,
        "DAG": {"Tasks": tasks, "Dependencies": deps or {}},
    }


def cluster(vms: int = 2, name: str = "test-cluster") -> Dict[str, Any]:
    """A ClusterDescription dict with one group of ``vms`` VMs."""
    return {
        "Name": name,
        "ImageId": "img-ubuntu",
        "Description": "",
        "UserData": {},
        "DependencyIsvService": "",
        "Groups": {"group1": {"DesiredVMCount": vms, "InstanceType": "ecs.sn1.medium", "ResourceType": "OnDemand"}},
    }


def wait_state(get, ident: str, states: Iterable[str] = FINAL, timeout: float = 20.0) -> Any:
    """Poll ``get(ident)`` until its State is one of ``states``."""
    wanted = tuple(states)
    deadline = time.monotonic() + timeout
    while True:
        status = get(ident)
        if status.State in wanted:
            return status
        if time.monotonic() > deadline:
            raise AssertionError("%s still %s after %ss" % (ident, status.State, timeout))
        time.sleep(0.02)


def wait_until(predicate, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.02)


def wait_all(api: Any, job_ids: Iterable[str], timeout: float = 30.0) -> List[str]:
    """Wait until every job has ended (unlike poll, which stops at the first failure); their states."""
    return [wait_state(api.get_job, ident, FINAL, timeout).State for ident in job_ids]


def self_signed_certificate(folder: Path) -> Tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 and localhost and its key: (cert.pem, key.pem) in
    ``folder`` (needs the openssl command)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
        + ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    return cert, key


class WriteRefusal:
    """From now on and while ``on``, ``store``'s write transactions fail as on a full disk."""

    def __init__(self, store: Any) -> None:
        from batchcompute.local.state.store import StoreUnavailable

        self.on = True
        real = store.transaction

        @contextmanager
        def transaction(**options: Any) -> Iterator[Any]:
            if self.on:
                raise StoreUnavailable("database or disk is full")
            with real(**options) as conn:
                yield conn

        store.transaction = transaction


class Holding(Executor):
    """Starts nothing: each attempt runs until the test ends it with ``end(key, result)``."""

    def __init__(self):
        self.running = {}
        self.lock = threading.Lock()

    def start(self, run, on_started, on_done):
        execution = Execution()
        with self.lock:
            self.running[run.key] = (execution, on_done)
        return execution

    def stop(self, execution):
        with self.lock:
            found = [key for key, (held, _) in self.running.items() if held is execution]
        for key in found:
            self.end(key, RunResult(None, STOPPED_CODE, "the instance was stopped"))

    def end(self, key, result):
        with self.lock:
            _, on_done = self.running.pop(key)
        on_done(result)

    def keys(self):
        with self.lock:
            return sorted(self.running)
