"""The hostile-input corpus (hostile_corpus.py) against one server: every request is answered
with a 4xx JSON {Code, Message, RequestId}, changes nothing (the database's rows, and the lists the
API answers, are the same after it), and the server goes on answering."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Dict, Iterator

import pytest
from hostile_corpus import all_cases, base_app, base_cluster, base_image, resolve
from hostile_helpers import RawClient, alive, assert_clean, snapshot
from local_helpers import job, task

from batchcompute.local.testing import local_server

CASES = all_cases()
#: Tables whose rows a refused request must leave alone (all but the nonces of accepted requests).
TABLES = ("jobs", "tasks", "instances", "clusters", "vms", "images", "apps", "app_revisions", "tokens")


def _digest(server: Any) -> str:
    digest = hashlib.sha256()
    with server.server.store.read() as conn:
        for table in TABLES:
            for row in conn.execute("SELECT * FROM %s ORDER BY 1, 2" % table).fetchall():
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _wait(client: RawClient, job_id: str, states: tuple) -> None:
    deadline = time.monotonic() + 30
    while client.json("GET", "/jobs/" + job_id)["State"] not in states:
        assert time.monotonic() < deadline, job_id
        time.sleep(0.05)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    with local_server(tmp_path_factory.mktemp("hostile") / "data", workers=2, poll_interval=0.05) as server:
        client = RawClient(server.host, server.port, server.access_key_id, server.access_key_secret)
        ids = {
            "cluster": client.json("POST", "/clusters", base_cluster())["Id"],
            "image": client.json("POST", "/images", base_image())["Id"],
            "app": client.json("POST", "/apps", base_app())["Name"],
            "job": client.json("POST", "/jobs", job({"t1": task("true")}))["Id"],
            "stopped": client.json("POST", "/jobs", job({"t1": task("sleep 30")}, name="to-stop"))["Id"],
        }
        client.send("POST", "/jobs/%s/stop" % ids["stopped"])
        _wait(client, ids["job"], ("Finished",))
        _wait(client, ids["stopped"], ("Stopped",))
        yield {"server": server, "client": client, "ids": ids, "snapshot": snapshot(client), "digest": _digest(server)}
        client.close()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_request_is_refused_cleanly(hostile, case):
    client, server = hostile["client"], hostile["server"]
    sent = resolve(case, hostile["ids"])
    assert_clean(client.send(sent.method, sent.target, sent.body), case.name)
    assert _digest(server) == hostile["digest"], "%s changed the server's state" % case.name
    alive(client)


def test_the_lists_are_as_before(hostile):
    """After the whole corpus (this test runs after it), the API lists what it listed before."""
    assert snapshot(hostile["client"]) == hostile["snapshot"]


def test_the_bases_of_the_corpus_are_accepted(tmp_path):
    """Each hostile body differs from an accepted one in the one place it names."""
    from hostile_corpus import BODIES

    with local_server(tmp_path / "data", workers=1) as server:
        client = RawClient(server.host, server.port, server.access_key_id, server.access_key_secret)
        ids = {
            "cluster": client.json("POST", "/clusters", base_cluster())["Id"],
            "app": client.json("POST", "/apps", base_app())["Name"],
        }
        for route, method, target, base, _ in BODIES:
            if route == "create_job_sync":
                continue  # the same body as create_job, which would wait for the job
            target = target.replace("{cluster}", ids["cluster"]).replace("{app}", ids["app"])
            body = base()
            if route == "create_app":
                body["Name"] = "another-app"
            status, _, payload = client.send(method, target, json.dumps(body).encode())
            assert status < 300, (route, payload)
        client.close()
