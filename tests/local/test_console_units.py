"""The web console's parts on their own: DAG layout, sessions, log pieces, state summaries."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("jinja2")

from batchcompute.local.model.attempts import RunResult  # noqa: E402
from batchcompute.local.model.jobs import CommandSpec, JobSpec, TaskSpec  # noqa: E402
from batchcompute.local.run.objects import ObjectStore, OssPathError  # noqa: E402
from batchcompute.local.state import jobs, overview  # noqa: E402
from batchcompute.local.state.store import Store  # noqa: E402
from batchcompute.local.web.console import dag  # noqa: E402
from batchcompute.local.web.console.formatting import duration, progress_bar  # noqa: E402
from batchcompute.local.web.console.logs import FIRST_BYTES, read_log  # noqa: E402
from batchcompute.local.web.console.sessions import SessionStore, TokenBox, check_key_pair  # noqa: E402
from batchcompute.local.web.console.settings import describe_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "batchcompute" / "local" / "web" / "console"


# -- DAG layout ----------------------------------------------------------------------------------


def node(name, *upstream, state="Waiting"):
    return dag.DagNode(name, state, list(upstream), {state: 1})


def test_a_task_is_one_level_after_the_last_task_it_waits_for():
    nodes = [node("a"), node("b", "a"), node("c", "a", "b"), node("d"), node("e", "unknown")]
    assert dag.levels(nodes) == {"a": 0, "b": 1, "c": 2, "d": 0, "e": 0}


def test_boxes_never_overlap_and_levels_go_left_to_right():
    nodes = [node("root")] + [node("fan%03d" % i, "root") for i in range(100)] + [node("sink", "fan000", "fan099")]
    placed = dag.layout(nodes)
    spots = {(round(at.x), round(at.y)) for at in placed.values()}
    assert len(spots) == len(nodes)
    assert placed["root"].x < min(placed["fan%03d" % i].x for i in range(100))
    assert placed["sink"].x > max(placed["fan%03d" % i].x for i in range(100))
    # a level of 100 tasks is wrapped into columns of at most MAX_ROWS
    columns = {placed["fan%03d" % i].x for i in range(100)}
    assert len(columns) == 3


def test_the_svg_links_each_task_and_escapes_names():
    svg = dag.dag_svg([node("a"), node("b<&>", "a", state="Failed")], lambda name: "/t/" + name)
    edges = svg.split('<g class="edges">')[1].split("</g>")[0]
    assert svg.count("<a ") == 2 and edges.count("<path") == 1
    assert 'data-task="b&lt;&amp;&gt;"' in svg and "s-failed" in svg
    assert "<&>" not in svg


def test_a_2000_task_dag_is_drawn_quickly():
    nodes = [node("t%04d" % i, *(["t%04d" % (i // 2)] if i else [])) for i in range(2000)]
    started = time.perf_counter()
    svg = dag.dag_svg(nodes, lambda name: "/t/" + name)
    assert time.perf_counter() - started < 1.0  # about 0.05 s unloaded
    assert svg.count("<a ") == 2000


def test_progress_bar_and_durations():
    bar = progress_bar({"Finished": 3, "Failed": 1, "Waiting": 6})
    assert "3 / 10" in bar and 'class="s-finished" x="0.00" width="30.00"' in bar and "s-failed" in bar
    assert duration(100.0, 145.0) == "45s" and duration(0.0, 184.0) == "3m 04s"
    assert duration(0.0, 7500.0) == "2h 05m" and duration(None, 1.0) == ""


# -- sessions ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_ends_when_idle_and_after_its_lifetime():
    clock = Clock()
    sessions = SessionStore(idle=60, lifetime=300, clock=clock)
    session = sessions.open("key")
    for _ in range(4):
        clock.now += 50
        assert sessions.get(session.id) is session  # each use restarts the idle time
    clock.now += 61
    assert sessions.get(session.id) is None
    other = sessions.open("key")
    for _ in range(6):
        clock.now += 55
    assert sessions.get(other.id) is None  # idle 55 s at most, but 330 s after it began


def test_login_tokens_work_once_and_expire():
    clock = Clock()
    box = TokenBox(ttl=10, clock=clock, limit=3)
    first, second = box.issue(), box.issue()
    assert box.redeem(first) and not box.redeem(first)
    clock.now += 11
    assert not box.redeem(second)
    tokens = [box.issue() for _ in range(4)]
    assert not box.redeem(tokens[0])  # the oldest made room
    assert all(box.redeem(token) for token in tokens[1:])
    assert not box.redeem("") and not box.redeem(None)


def test_key_pairs_are_checked_whole():
    keys = {"id": "secret"}
    assert check_key_pair(keys, "id", "secret")
    assert not check_key_pair(keys, "id", "secre") and not check_key_pair(keys, "other", "secret")


def test_csrf_tokens_are_compared_whole():
    session = SessionStore().open("key")
    assert session.csrf_matches(session.csrf)
    assert (
        not session.csrf_matches(session.csrf[:-1]) and not session.csrf_matches("") and not session.csrf_matches(None)
    )


# -- log pieces ----------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    return ObjectStore(tmp_path / "oss")


def test_log_pieces_follow_a_growing_log(store):
    url = "oss://b/logs/stdout.x"
    assert read_log(store, url, 0).exists is False
    store.write_bytes(url, b"one\n")
    piece = read_log(store, url, 0)
    assert (piece.text, piece.start, piece.end, piece.size) == ("one\n", 0, 4, 4)
    with open(store.path(url), "ab") as handle:
        handle.write(b"two\n")
    assert read_log(store, url, piece.end).text == "two\n"
    store.write_bytes(url, b"x")  # a retry writes the log anew: shorter than the offset
    piece = read_log(store, url, 8)
    assert (piece.text, piece.start) == ("x", 0)


def test_a_piece_never_ends_inside_a_character(store):
    url = "oss://b/utf8"
    store.write_bytes(url, "ab\u00e9\u4e2d".encode("utf-8"))  # 2 + 2 + 3 bytes
    piece = read_log(store, url, 0, limit=4)
    assert piece.text == "ab\u00e9" and piece.end == 4
    piece = read_log(store, url, 0, limit=5)
    assert piece.text == "ab\u00e9" and piece.end == 4
    assert read_log(store, url, piece.end).text == "\u4e2d"


def test_a_long_log_opens_at_its_tail(store):
    url = "oss://b/long"
    store.write_bytes(url, b"x" * (FIRST_BYTES + 10))
    assert read_log(store, url, None).start == 10


def test_a_log_behind_a_symbolic_link_is_refused(store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the console")
    (store.root / "b").mkdir()
    os.symlink(secret, store.root / "b" / "link")
    os.symlink(tmp_path, store.root / "dirlink")
    with pytest.raises(OssPathError):
        read_log(store, "oss://b/link", 0)
    with pytest.raises(OssPathError):
        read_log(store, "oss://dirlink/secret.txt", 0)


# -- settings ------------------------------------------------------------------------------------


def test_settings_show_what_the_server_has():
    server = SimpleNamespace(
        endpoint="http://127.0.0.1:1",
        data_dir="/data",
        store=SimpleNamespace(path=None),
        scheduler=SimpleNamespace(workers=3, running=lambda: 1, env={"BATCH_COMPUTE_OSS_HOST": "127.0.0.1:2"}),
        access_keys={"b": "x", "a": "y"},
        oss_endpoint="http://127.0.0.1:2",
        executor=SimpleNamespace(describe=lambda: "dask (scheduler tcp://10.0.0.1:8786, connected)"),
    )
    shown = dict(describe_server(server))
    assert shown["Executor"] == "dask (scheduler tcp://10.0.0.1:8786, connected)"
    assert shown["Workers (instances at once)"] == "3" and shown["Instances running now"] == "1"
    assert shown["OSS endpoint"] == "http://127.0.0.1:2" and shown["Access key ids"] == "a, b"
    assert shown["OSS host given to instances"] == "127.0.0.1:2"
    assert "in memory" in shown["Database"] and "x" not in shown["Access key ids"]
    assert dict(describe_server(object()))["Database"].startswith("in memory")


# -- state summaries -----------------------------------------------------------------------------


def _job(name: str, counts=(1,)) -> JobSpec:
    command = CommandSpec("true", {}, "oss://b/", "oss://b/")
    tasks = [TaskSpec("t%d" % i, command, [], None, count, 0, 60.0) for i, count in enumerate(counts)]
    return JobSpec(name, "DAG", 0, True, False, {}, tasks)


def test_job_pages_go_both_ways_with_filters():
    store = Store(None)
    with store.transaction() as conn:
        for i in range(7):
            jobs.insert_job(conn, "job-%02d" % i, _job("j%d" % i), float(i))
        conn.execute("UPDATE jobs SET state = 'Finished' WHERE id IN ('job-01', 'job-03', 'job-05')")
    with store.read() as conn:
        first = overview.job_page(conn, 3)
        assert [job.id for job in first.jobs] == ["job-06", "job-05", "job-04"]
        assert first.newer is None and first.older is not None
        second = overview.job_page(conn, 3, older_than=first.older)
        assert [job.id for job in second.jobs] == ["job-03", "job-02", "job-01"]
        back = overview.job_page(conn, 3, newer_than=second.newer)
        assert back == first
        last = overview.job_page(conn, 3, older_than=second.older)
        assert [job.id for job in last.jobs] == ["job-00"] and last.older is None
        finished = overview.job_page(conn, 2, state="Finished")
        assert [job.id for job in finished.jobs] == ["job-05", "job-03"]
        assert overview.job_page(conn, 2, cluster_id="cls-none").jobs == []
        assert len(overview.job_page(conn, 10, cluster_id="").jobs) == 7  # all on AutoClusters
        assert overview.job_state_counts(conn) == {"Waiting": 4, "Finished": 3}


def test_waiting_instances_are_what_the_other_states_leave():
    store = Store(None)
    with store.transaction() as conn:
        jobs.insert_job(conn, "job-1", _job("j", counts=(3, 2)), 0.0)  # instance rows made when dispatched
        (first,) = jobs.candidates(conn, 1)
        jobs.instance_ended(conn, first.key, jobs.claim(conn, first, "w", "127.0.0.1", 0.0), RunResult(0), 0.0)
    with store.read() as conn:
        summary = overview.job_summary(conn, "job-1")
        assert summary.instances == {"Running": 0, "Finished": 1, "Failed": 0, "Stopped": 0, "Waiting": 4}
        assert summary.total == 5 and summary.clusters == ("",)
        tasks = overview.task_summaries(conn, "job-1")
        assert [(task.name, task.instances["Waiting"]) for task in tasks] == [("t0", 2), ("t1", 2)]
        assert overview.job_summary(conn, "job-none") is None


def test_instances_never_dispatched_count_as_stopped_once_their_job_stopped():
    store = Store(None)
    with store.transaction() as conn:
        jobs.insert_job(conn, "job-1", _job("j", counts=(3, 2)), 0.0)
        (first,) = jobs.candidates(conn, 1)
        jobs.claim(conn, first, "w", "127.0.0.1", 0.0)
        jobs.stop_job(conn, "job-1", 1.0)
    with store.read() as conn:
        assert overview.job_summary(conn, "job-1").instances["Stopped"] == 5
        assert [task.instances["Stopped"] for task in overview.task_summaries(conn, "job-1")] == [3, 2]
        rows = overview.instance_rows(conn, "job-1", "t0", 1, 5)
        assert [(row["iid"], row["state"], row["end_time"]) for row in rows] == [
            (1, "Stopped", 1.0),
            (2, "Stopped", 1.0),
        ]


def test_templates_and_static_files_are_package_data():
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["batchcompute.local.web.console"]
    shipped = [path for path in CONSOLE.rglob("*") if path.is_file() and path.parent.name in ("templates", "static")]
    assert shipped
    for path in shipped:
        relative = path.relative_to(CONSOLE)
        assert any(relative.match(pattern) for pattern in patterns), relative
