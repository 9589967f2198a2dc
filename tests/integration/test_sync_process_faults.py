"""SYNC-FAULTS.md at process level: real server and workstation processes, SIGKILL, a fault proxy.

The server is a real ``onestop server run`` process (SQLite file, or the real PostgreSQL where
the fault depends on it); workstations are real ``python -m onestop_desktop --db X sync``
processes (or, for fault 7, child processes running the same services in loops). Processes are
killed with SIGKILL at the named checkpoints of ``onestop_desktop/faults.py``; network faults
go through ``_proxy.FaultProxy`` on loopback. Every outcome is read back from the databases
themselves (SQLAlchemy on the server's, sqlite3 on the workstations').
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from onestop_desktop import faults
from onestop_desktop.services.enrollment import issue_token
from onestop_desktop.store.db import Database
from tests.conftest import CliRunner
from tests.integration._proxy import FaultProxy
from tests.integration._server import (
    ServerProcess,
    pg_database,
    pull_loop,
    push_loop,
    running_server,
    wait_for_mark,
    workstation,
    workstation_run,
)
from tests.integration._sync_helpers import rows as sql_rows

pytestmark = pytest.mark.slow

WARD = "000.01.09.H24"
PUSH = b"POST /v1/push"
PULL = b"GET /v1/pull"

Enroll = Callable[[str, str, str], Path]


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def enroll(new_db: Callable[[str], Path], run_cli: CliRunner) -> Enroll:
    """``enroll(server_url, server_db, name)``: a fresh workstation enrolled with the server."""

    def make(url: str, server_db: str, name: str) -> Path:
        path = new_db(f"{name}.db")
        db = Database.open(server_db)  # in-process: the same as `onestop server enroll-token`
        try:
            token = issue_token(db, WARD)
        finally:
            db.dispose()
        code, _out, err = run_cli("enroll", "--server", url, "--token", token, db=path)
        assert (code, err) == (0, ""), err
        return path

    return make


def _work(run_cli: CliRunner, path: Path, n: int = 2) -> None:
    """Receive ``n`` dossiers and advance the first: ``n + 1`` events in the outbox."""
    codes = []
    for i in range(n):
        code, out, err = run_cli(
            "--json",
            "intake",
            "--procedure",
            "1.004873",
            "--name",
            f"Nguyễn Văn An {i}",
            "--received-at",
            f"2026-01-05T09:{i:02d}",
            db=path,
        )
        assert code == 0, err
        codes.append(json.loads(out)["code"])
    code, _out, err = run_cli("advance", codes[0], "--to", "in_progress", db=path)
    assert code == 0, err


def _server_events(server_db: str) -> list[tuple[str, int, str]]:
    """(id, server_seq, disposition) of every event the server holds, by server_seq."""
    url = server_db if "://" in server_db else f"sqlite:///{server_db}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, server_seq, disposition FROM events ORDER BY server_seq")
            ).all()
    finally:
        engine.dispose()
    return [(str(a), int(b), str(c)) for a, b, c in rows]


def _local(path: Path) -> list[tuple[str, int | None, str | None]]:
    """(id, server_seq, disposition) of this workstation's own events, in device order."""
    return [
        (str(a), b, c)
        for a, b, c in sql_rows(
            path,
            "SELECT id, server_seq, disposition FROM events WHERE device_id = "
            "(SELECT value FROM settings WHERE key = 'device_id') ORDER BY device_seq",
        )
    ]


def _setting(path: Path, key: str) -> str | None:
    rows = sql_rows(path, f"SELECT value FROM settings WHERE key = '{key}'")
    return None if not rows else str(rows[0][0])


def _sync(path: Path, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    """``onestop --json sync`` in its own process: (exit code, parsed stdout or None, stderr)."""
    code, out, err = workstation_run(path, "--json", "sync", env=env)
    return code, (json.loads(out) if code == 0 else None), err


def _sync_here(run_cli: CliRunner, path: Path) -> tuple[int, Any, str]:
    """The same round in-process (set-up and extra checks, where no fault is injected)."""
    code, out, err = run_cli("--json", "sync", db=path)
    return code, (json.loads(out) if code == 0 else None), err


def _converged(server_db: str, path: Path, n: int) -> None:
    """Every local event is on the server exactly once, gapless 1..n, all with their sequence."""
    on_server = _server_events(server_db)
    assert [e[1] for e in on_server] == list(range(1, n + 1))
    assert len({e[0] for e in on_server}) == n
    assert _local(path) == [e for e in on_server if e[0] in {x[0] for x in _local(path)}]
    assert all(seq is not None for _id, seq, _d in _local(path))


def _sigkill(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _pause(marks: Path, point: str) -> dict[str, str]:
    return {faults.PAUSE_ENV: f"{point}:30", faults.MARK_DIR_ENV: str(marks)}


# --------------------------------------------------------------------------- fault 3


def _server_killed_mid_push(
    server_db: str, tmp_path: Path, run_cli: CliRunner, enroll: Enroll
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    server = ServerProcess(server_db, tmp_path / "server.log")
    try:
        server.start(env=_pause(marks, faults.SERVER_PUSH_BEFORE_COMMIT))
        a = enroll(server.url, server_db, "A")
        _work(run_cli, a)
        proc = workstation(a, "--json", "sync")
        assert server.proc is not None
        wait_for_mark(marks / faults.SERVER_PUSH_BEFORE_COMMIT, proc, server.proc)
        server.kill()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 3, (out, err)
        # The batch was written but not committed: none of it survives the kill.
        assert _server_events(server_db) == []
        assert [e[1:] for e in _local(a)] == [(None, None)] * 3

        server.start()  # same DB, same port, no pause
        code, got, err = _sync(a)
        assert (code, got) == (0, {"pushed": 3, "pulled": 0, "rejected": 0}), err
        _converged(server_db, a, 3)
        assert {e[2] for e in _server_events(server_db)} == {"applied"}
        # A puller sees the whole gapless sequence.
        b = enroll(server.url, server_db, "B")
        code, got, err = _sync_here(run_cli, b)
        assert (code, got) == (0, {"pushed": 0, "pulled": 3, "rejected": 0}), err
        assert sql_rows(b, "SELECT id, server_seq FROM events ORDER BY server_seq") == [
            e[:2] for e in _server_events(server_db)
        ]
    finally:
        server.kill()


def test_fault_3_server_killed_mid_push_sqlite(
    tmp_path: Path, run_cli: CliRunner, enroll: Enroll
) -> None:
    _server_killed_mid_push(str(tmp_path / "server.db"), tmp_path, run_cli, enroll)


@pytest.mark.postgres
def test_fault_3_server_killed_mid_push_postgres(
    tmp_path: Path, run_cli: CliRunner, enroll: Enroll
) -> None:
    for url in pg_database():
        _server_killed_mid_push(url, tmp_path, run_cli, enroll)


# --------------------------------------------------------------------------- faults 4 and 5


@pytest.fixture
def proxy(server: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of ``server`` (passing until armed)."""
    p = FaultProxy(int(server.rsplit(":", 1)[1]))
    try:
        yield p
    finally:
        p.close()


def test_fault_4_client_killed_after_ack(
    proxy: FaultProxy, server_db: str, tmp_path: Path, run_cli: CliRunner, enroll: Enroll
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    proc = workstation(a, "--json", "sync", env=_pause(marks, faults.CLIENT_PUSH_AFTER_ANSWER))
    wait_for_mark(marks / faults.CLIENT_PUSH_AFTER_ANSWER, proc)
    _sigkill(proc)
    stored = _server_events(server_db)
    assert [e[0] for e in stored] == [e[0] for e in _local(a)]  # committed on the server...
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3  # ...never recorded here

    code, got, err = _sync(a)
    assert (code, got) == (0, {"pushed": 3, "pulled": 0, "rejected": 0}), err
    retry = json.loads(proxy.exchanges(PUSH)[-1][3])
    assert [(r["id"], r["disposition"], r["server_seq"]) for r in retry["results"]] == [
        (e[0], "duplicate", e[1]) for e in stored
    ]
    assert _server_events(server_db) == stored  # each event once
    assert _local(a) == stored  # local rows got their server_seq and original disposition
    assert sql_rows(a, "SELECT count(*) FROM events WHERE server_seq IS NULL") == [(0,)]


def test_fault_5_client_killed_applying_pulled_page(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, enroll: Enroll
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    a, b = enroll(server, server_db, "A"), enroll(server, server_db, "B")
    _work(run_cli, a)
    assert _sync_here(run_cli, a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    before = _setting(b, "pull_cursor")
    proc = workstation(b, "--json", "sync", env=_pause(marks, faults.CLIENT_PULL_BEFORE_COMMIT))
    wait_for_mark(marks / faults.CLIENT_PULL_BEFORE_COMMIT, proc)
    _sigkill(proc)
    # Page and cursor rolled back together.
    assert _setting(b, "pull_cursor") == before
    assert sql_rows(b, "SELECT count(*) FROM events") == [(0,)]
    assert sql_rows(b, "SELECT count(*) FROM dossiers") == [(0,)]

    code, got, err = _sync(b)
    assert (code, got) == (0, {"pushed": 0, "pulled": 3, "rejected": 0}), err
    events = "SELECT id, server_seq, disposition FROM events ORDER BY server_seq"
    assert sql_rows(b, events) == sql_rows(a, events)
    assert sql_rows(b, "SELECT * FROM dossiers ORDER BY code") == sql_rows(
        a, "SELECT * FROM dossiers ORDER BY code"
    )
    assert _setting(b, "pull_cursor") == "3"
    assert _sync_here(run_cli, b)[:2] == (0, {"pushed": 0, "pulled": 0, "rejected": 0})


# --------------------------------------------------------------------------- proxy faults


def test_fault_1_request_dropped_before_server(
    proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    proxy.arm("drop", match=PUSH)
    code, _got, err = _sync(a)
    assert code == 3, err
    assert "Không kết nối được máy chủ" in err
    assert [x[1] for x in proxy.exchanges(PUSH)] == ["drop"]
    assert _server_events(server_db) == []
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3
    assert _sync(a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    _converged(server_db, a, 3)


def _lost_answer_then_duplicate(
    proxy: FaultProxy, server_db: str, a: Path, mode: str, n: int = 0
) -> None:
    proxy.arm(mode, match=PUSH, n=n)
    code, _got, err = _sync(a)
    assert code == 3, err
    stored = _server_events(server_db)
    assert [e[0] for e in stored] == [e[0] for e in _local(a)]  # committed before the fault
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3  # the cut answer changed nothing
    assert _sync(a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    retry = json.loads(proxy.exchanges(PUSH)[-1][3])
    assert [(r["id"], r["disposition"], r["server_seq"]) for r in retry["results"]] == [
        (e[0], "duplicate", e[1]) for e in stored
    ]
    assert _server_events(server_db) == stored
    _converged(server_db, a, 3)


def test_fault_2_reply_dropped_after_commit(
    proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    _lost_answer_then_duplicate(proxy, server_db, a, "drop_reply")


@pytest.mark.parametrize("n", [0, 40])
def test_fault_30_truncated_push_answer(
    n: int, proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    _lost_answer_then_duplicate(proxy, server_db, a, "cut", n)


def test_fault_30_truncated_pull_answer(
    proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a, b = enroll(proxy.url, server_db, "A"), enroll(proxy.url, server_db, "B")
    _work(run_cli, a)
    assert _sync_here(run_cli, a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    before = _setting(b, "pull_cursor")
    proxy.arm("cut", match=PULL, n=60)
    code, _got, err = _sync(b)
    assert code == 3, err
    assert [x[1] for x in proxy.exchanges(PULL)][-1] == "cut"
    assert _setting(b, "pull_cursor") == before  # refused: cursor not advanced
    assert sql_rows(b, "SELECT count(*) FROM events") == [(0,)]
    assert _sync(b)[:2] == (0, {"pushed": 0, "pulled": 3, "rejected": 0})
    events = "SELECT id, server_seq, disposition FROM events ORDER BY server_seq"
    assert sql_rows(b, events) == sql_rows(a, events)
    assert _setting(b, "pull_cursor") == "3"


def test_duplicated_push_request_stores_nothing_twice(
    proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    proxy.arm("duplicate", match=PUSH)
    assert _sync(a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    again, answered = proxy.exchanges(PUSH)  # the server's 2nd answer is logged first
    assert (again[1], answered[1]) == ("duplicate (2nd)", "duplicate")
    assert {r["disposition"] for r in json.loads(again[3])["results"]} == {"duplicate"}
    assert {r["disposition"] for r in json.loads(answered[3])["results"]} == {"applied"}
    _converged(server_db, a, 3)
    assert {e[2] for e in _local(a)} == {"applied"}


def test_fault_19_server_busy_then_back(
    proxy: FaultProxy, server_db: str, run_cli: CliRunner, enroll: Enroll
) -> None:
    a = enroll(proxy.url, server_db, "A")
    _work(run_cli, a)
    proxy.arm("status", match=PUSH, n=503)
    code, _got, err = _sync(a)
    assert code == 3, err
    assert "503" in err
    assert _server_events(server_db) == []
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3
    proxy.arm("status", match=PUSH, n=429)
    code, _got, err = _sync(a)
    assert code == 3, err  # temporary, like a 5xx: the environment's fault, retried later
    assert "quá tải" in err
    assert _server_events(server_db) == []
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3
    # The handshake itself refused for a while: nothing changes either.
    proxy.arm("status", match=b"GET /v1/handshake", n=503)
    assert _sync(a)[0] == 3
    assert [e[1:] for e in _local(a)] == [(None, None)] * 3
    assert _sync(a)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    _converged(server_db, a, 3)


# --------------------------------------------------------------------------- fault 7

WRITERS = 4
ROUNDS = 5


@pytest.mark.postgres
def test_fault_7_puller_never_skips_while_many_push(tmp_path: Path, enroll: Enroll) -> None:
    for url in pg_database():
        with running_server(url, tmp_path / "server.log") as base:
            writers = [enroll(base, url, f"W{i}") for i in range(WRITERS)]
            puller = enroll(base, url, "P")
            ctx = multiprocessing.get_context("spawn")
            results = ctx.Queue()
            stop = ctx.Event()
            procs = [
                ctx.Process(target=push_loop, args=(str(w), i, ROUNDS, results))
                for i, w in enumerate(writers)
            ]
            pull = ctx.Process(target=pull_loop, args=(str(puller), 2, stop, results))
            pull.start()
            for p in procs:
                p.start()
            got = {}
            try:
                for _ in procs:
                    key, *rest = results.get(timeout=120)
                    got[key] = rest
                writers_done = time.monotonic()
                stop.set()
                key, *rest = results.get(timeout=60)
                got[key] = rest
            finally:
                stop.set()
                for p in [*procs, pull]:
                    p.join(30)
                    if p.is_alive():
                        p.kill()
            assert all(not got[i][0] for i in range(WRITERS)), got
            seen, errors, stamps = got["puller"]
            assert not errors, errors[:2]
            # The puller really pulled while the others pushed (not only after they were done).
            assert sum(t < writers_done for t in stamps) >= WRITERS, (len(seen), stamps)
            on_server = _server_events(url)
            n = WRITERS * ROUNDS
            assert [e[1] for e in on_server] == list(range(1, n + 1))
            # The walk moved strictly forward and missed nothing.
            assert seen == sorted(set(seen))
            assert set(seen) == {e[1] for e in on_server}
            assert sql_rows(puller, "SELECT id, server_seq FROM events ORDER BY server_seq") == [
                e[:2] for e in on_server
            ]
