"""Pull (server → workstation) against a real ``onestop server run`` process on loopback.

Two workstations of one office converge through the server; covers SYNC-FAULTS.md 5, 6 and 22
at the protocol level, the rebase of pending local events, and the office scope of a pull.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onestop_desktop.domain import dossier as dossier_domain
from onestop_desktop.domain.dossier import Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import advance, edit_field
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.services.sync_pull import apply_page, cursor, parse_page, pull_all
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import ServerUnreachable, SyncClient
from tests.conftest import CliRunner
from tests.integration._server import pg_database, running_server, server_cli

WARD = "000.01.09.H24"
OTHER = "000.99.09.H24"  # an office outside the ward's scope, created on the server below


@pytest.fixture
def server_db(tmp_path: Path) -> str:
    """The server's database: a SQLite file."""
    return str(tmp_path / "server.db")


@pytest.fixture
def server(server_db: str, tmp_path: Path) -> Iterator[str]:
    """A real server process on a free loopback port: its base URL."""
    with running_server(server_db, tmp_path / "server.log") as base:
        yield base


def _enrolled(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, name: str, office: str = WARD
) -> Path:
    path = tmp_path / f"{name}.db"
    code, _out, err = run_cli("init", db=path)
    assert (code, err) == (0, "")
    proc = server_cli("enroll-token", "--db", server_db, "--office", office, "--json")
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["token"]
    code, _out, err = run_cli("enroll", "--server", server, "--token", token, db=path)
    assert (code, err) == (0, ""), err
    return path


def _ws(path: Path) -> Workstation:
    return Workstation(Database.open(path), username="tester")


def _intake(run_cli: CliRunner, path: Path, name: str, at: str) -> str:
    code, out, err = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        name,
        "--received-at",
        at,
        db=path,
    )
    assert code == 0, err
    return str(json.loads(out)["code"])


def _sync(run_cli: CliRunner, path: Path) -> dict[str, Any]:
    code, out, err = run_cli("--json", "sync", db=path)
    assert code == 0, err
    return dict(json.loads(out))


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def _dossiers(path: Path) -> list[tuple[Any, ...]]:
    """The whole projection, every column, in code order."""
    return _rows(path, "SELECT * FROM dossiers ORDER BY code")


def _events(path: Path) -> list[tuple[Any, ...]]:
    return _rows(path, "SELECT id, server_seq, disposition FROM events ORDER BY server_seq, id")


def _office_work(run_cli: CliRunner, a: Path, n: int = 2) -> list[str]:
    """A receives ``n`` dossiers and advances the first; returns their codes."""
    codes = [_intake(run_cli, a, f"Nguyễn Văn An {i}", f"2026-01-05T09:{i:02d}") for i in range(n)]
    code, _out, err = run_cli("advance", codes[0], "--to", "in_progress", db=a)
    assert code == 0, err
    return codes


# --------------------------------------------------------------------------- end to end


def _two_workstations_converge(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    b = _enrolled(server, server_db, tmp_path, run_cli, "B")
    codes = _office_work(run_cli, a)
    assert _sync(run_cli, a) == {"pushed": 3, "pulled": 0, "rejected": 0}
    assert _sync(run_cli, b) == {"pushed": 0, "pulled": 3, "rejected": 0}
    assert _dossiers(b) == _dossiers(a)
    assert [r[1] for r in _events(b)] == [1, 2, 3]
    assert {r[2] for r in _events(b)} == {"applied"}
    statuses = _rows(b, "SELECT code, status FROM dossiers ORDER BY code")
    assert statuses == sorted([(codes[0], "in_progress"), (codes[1], "received")])

    code, out, err = run_cli("--json", "lookup", "nguyen van an 1", db=b)
    assert code == 0, err
    assert codes[1] in [hit["code"] for hit in json.loads(out)]

    ws = _ws(b)
    try:
        edit_field(ws, codes[1], "phone", "0912345678")
    finally:
        ws.db.dispose()
    assert _sync(run_cli, b) == {"pushed": 1, "pulled": 0, "rejected": 0}
    assert _sync(run_cli, a) == {"pushed": 0, "pulled": 1, "rejected": 0}
    assert _rows(a, "SELECT phone FROM dossiers WHERE phone IS NOT NULL") == [("0912345678",)]
    assert _dossiers(a) == _dossiers(b)
    assert _events(a) == _events(b)

    # Nothing new: a second round pulls nothing on either side.
    assert _sync(run_cli, a) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert _sync(run_cli, b) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert _rows(a, "SELECT value FROM settings WHERE key = 'pull_cursor'") == [("4",)]


def test_two_workstations_of_an_office_converge(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    _two_workstations_converge(server, server_db, tmp_path, run_cli)


@pytest.mark.postgres
def test_two_workstations_converge_on_postgres(tmp_path: Path, run_cli: CliRunner) -> None:
    for url in pg_database():
        with running_server(url, tmp_path / "server.log") as base:
            _two_workstations_converge(base, url, tmp_path, run_cli)


def test_pending_local_events_are_rebased_on_top(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    b = _enrolled(server, server_db, tmp_path, run_cli, "B")
    codes = _office_work(run_cli, a, n=1)
    _sync(run_cli, a)
    _sync(run_cli, b)
    # B advances it and syncs; meanwhile A edits the phone offline (pending).
    wb, wa = _ws(b), _ws(a)
    try:
        advance(wb, codes[0], Status.WAITING_SUPPLEMENT, note="thiếu giấy tờ")
        edit_field(wa, codes[0], "phone", "0987654321")
    finally:
        wb.db.dispose()
    _sync(run_cli, b)
    try:
        with connect(wa) as client:
            assert pull_all(wa, client).pulled == 1  # pull only: A's edit stays pending
    finally:
        wa.db.dispose()
    row = _rows(a, "SELECT status, phone, version FROM dossiers")
    assert row == [("waiting_supplement", "0987654321", 4)]
    pending = _rows(a, "SELECT type FROM events WHERE server_seq IS NULL")
    assert pending == [("dossier.field_edited",)]
    # After A pushes and B pulls, both hold the same projection.
    _sync(run_cli, a)
    _sync(run_cli, b)
    assert _dossiers(a) == _dossiers(b)


def test_out_of_scope_workstation_pulls_nothing(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    conn = sqlite3.connect(server_db)
    with conn:
        conn.execute(
            "INSERT INTO offices (code, name, unit_code, parent_name, address, phone) "
            "VALUES (?, 'UBND xã khác', NULL, '', '', '')",
            (OTHER,),
        )
    conn.close()
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    other = _enrolled(server, server_db, tmp_path, run_cli, "O", office=OTHER)
    _office_work(run_cli, a)
    _sync(run_cli, a)
    assert _sync(run_cli, other) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert _dossiers(other) == []
    assert _events(other) == []


# --------------------------------------------------------------------------- faults


def _fetch(ws: Workstation, after: int, limit: int = 500) -> tuple[Any, int, bool]:
    with connect(ws) as client:
        return parse_page(client, client.pull(after, limit), after)


def test_fault_6_same_page_twice_changes_nothing(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    b = _enrolled(server, server_db, tmp_path, run_cli, "B")
    _office_work(run_cli, a)
    _sync(run_cli, a)
    ws = _ws(b)
    try:
        events, next_seq, more = _fetch(ws, 0)
        assert (len(events), next_seq, more) == (3, 3, False)
        assert apply_page(ws, events, next_seq) == 3
        before = (_dossiers(b), _events(b), cursor(ws))
        assert apply_page(ws, events, next_seq) == 0
        assert (_dossiers(b), _events(b), cursor(ws)) == before
        # An older page (for an earlier cursor) never moves the cursor back.
        first, first_next, _more = _fetch(ws, 0, limit=1)
        assert apply_page(ws, first, first_next) == 0
        assert (_dossiers(b), _events(b), cursor(ws)) == before
    finally:
        ws.db.dispose()
    assert _dossiers(b) == _dossiers(a)


def test_fault_5_failure_mid_page_rolls_page_and_cursor_back(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    b = _enrolled(server, server_db, tmp_path, run_cli, "B")
    _office_work(run_cli, a)
    _sync(run_cli, a)
    real = dossier_domain.reduce
    calls = 0

    def flaky(state: Any, ev: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("killed while applying")
        return real(state, ev)

    monkeypatch.setattr(dossier_domain, "reduce", flaky)
    ws = _ws(b)
    try:
        with connect(ws) as client, pytest.raises(RuntimeError):
            pull_all(ws, client)
        assert (_dossiers(b), _events(b), cursor(ws)) == ([], [], 0)
        monkeypatch.setattr(dossier_domain, "reduce", real)
        with connect(ws) as client:
            assert pull_all(ws, client).pulled == 3
        assert cursor(ws) == 3
    finally:
        ws.db.dispose()
    assert _dossiers(b) == _dossiers(a)


def test_fault_22_interrupted_initial_sync_resumes(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    b = _enrolled(server, server_db, tmp_path, run_cli, "B")
    clean = _enrolled(server, server_db, tmp_path, run_cli, "C")
    _office_work(run_cli, a, n=6)
    assert _sync(run_cli, a)["pushed"] == 7

    real_pull = SyncClient.pull
    calls = 0

    def cut_after_first_page(self: SyncClient, after: int, limit: int) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ServerUnreachable("network dropped")
        return real_pull(self, after, limit)

    monkeypatch.setattr(SyncClient, "pull", cut_after_first_page)
    ws = _ws(b)
    try:
        with connect(ws) as client, pytest.raises(ServerUnreachable):
            pull_all(ws, client, page=3)
        assert cursor(ws) == 3
        assert len(_events(b)) == 3
        with connect(ws) as client:
            summary = pull_all(ws, client, page=3)
        assert (summary.pulled, summary.pages) == (4, 2)
    finally:
        ws.db.dispose()
    monkeypatch.setattr(SyncClient, "pull", real_pull)
    assert _sync(run_cli, clean) == {"pushed": 0, "pulled": 7, "rejected": 0}
    assert _dossiers(b) == _dossiers(clean) == _dossiers(a)
    assert _events(b) == _events(clean)
