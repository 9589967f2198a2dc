"""Pull (server → workstation) against a real ``onestop server run`` process on loopback.

Two workstations of one office converge through the server; covers SYNC-FAULTS.md 5, 6 and 22
at the protocol level, the rebase of pending local events, and the office scope of a pull.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from onestop_desktop.domain import dossier as dossier_domain
from onestop_desktop.domain.dossier import Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import advance, edit_field
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.services.sync_pull import apply_page, cursor, parse_page, pull_all
from onestop_desktop.sync.client import ServerUnreachable, SyncClient
from tests.conftest import CliRunner
from tests.integration._server import pg_database, running_server
from tests.integration._sync_helpers import (
    dossier_rows,
    enrolled,
    event_rows,
    intake_at,
    open_ws,
    rows,
    sync_cli,
)

OTHER = "000.99.09.H24"  # an office outside the ward's scope, created on the server below


def _office_work(run_cli: CliRunner, a: Path, n: int = 2) -> list[str]:
    """A receives ``n`` dossiers and advances the first; returns their codes."""
    codes = [
        intake_at(run_cli, a, f"Nguyễn Văn An {i}", f"2026-01-05T09:{i:02d}") for i in range(n)
    ]
    code, _out, err = run_cli("advance", codes[0], "--to", "in_progress", db=a)
    assert code == 0, err
    return codes


# --------------------------------------------------------------------------- end to end


def _two_workstations_converge(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    codes = _office_work(run_cli, a)
    assert sync_cli(run_cli, a) == {"pushed": 3, "pulled": 0, "rejected": 0}
    assert sync_cli(run_cli, b) == {"pushed": 0, "pulled": 3, "rejected": 0}
    assert dossier_rows(b) == dossier_rows(a)
    assert [r[1] for r in event_rows(b)] == [1, 2, 3]
    assert {r[2] for r in event_rows(b)} == {"applied"}
    statuses = rows(b, "SELECT code, status FROM dossiers ORDER BY code")
    assert statuses == sorted([(codes[0], "in_progress"), (codes[1], "received")])

    code, out, err = run_cli("--json", "lookup", "nguyen van an 1", db=b)
    assert code == 0, err
    assert codes[1] in [hit["code"] for hit in json.loads(out)]

    ws = open_ws(b)
    try:
        edit_field(ws, codes[1], "phone", "0912345678")
    finally:
        ws.db.dispose()
    assert sync_cli(run_cli, b) == {"pushed": 1, "pulled": 0, "rejected": 0}
    assert sync_cli(run_cli, a) == {"pushed": 0, "pulled": 1, "rejected": 0}
    assert rows(a, "SELECT phone FROM dossiers WHERE phone IS NOT NULL") == [("0912345678",)]
    assert dossier_rows(a) == dossier_rows(b)
    assert event_rows(a) == event_rows(b)

    # Nothing new: a second round pulls nothing on either side.
    assert sync_cli(run_cli, a) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert sync_cli(run_cli, b) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert rows(a, "SELECT value FROM settings WHERE key = 'pull_cursor'") == [("4",)]


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
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    codes = _office_work(run_cli, a, n=1)
    sync_cli(run_cli, a)
    sync_cli(run_cli, b)
    # B advances it and syncs; meanwhile A edits the phone offline (pending).
    wb, wa = open_ws(b), open_ws(a)
    try:
        advance(wb, codes[0], Status.WAITING_SUPPLEMENT, note="thiếu giấy tờ")
        edit_field(wa, codes[0], "phone", "0987654321")
    finally:
        wb.db.dispose()
    sync_cli(run_cli, b)
    try:
        with connect(wa) as client:
            assert pull_all(wa, client).pulled == 1  # pull only: A's edit stays pending
    finally:
        wa.db.dispose()
    row = rows(a, "SELECT status, phone, version FROM dossiers")
    assert row == [("waiting_supplement", "0987654321", 4)]
    pending = rows(a, "SELECT type FROM events WHERE server_seq IS NULL")
    assert pending == [("dossier.field_edited",)]
    # After A pushes and B pulls, both hold the same projection.
    sync_cli(run_cli, a)
    sync_cli(run_cli, b)
    assert dossier_rows(a) == dossier_rows(b)


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
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    other = enrolled(server, server_db, tmp_path, run_cli, "O", office=OTHER)
    _office_work(run_cli, a)
    sync_cli(run_cli, a)
    assert sync_cli(run_cli, other) == {"pushed": 0, "pulled": 0, "rejected": 0}
    assert dossier_rows(other) == []
    assert event_rows(other) == []


# --------------------------------------------------------------------------- faults


def _fetch(ws: Workstation, after: int, limit: int = 500) -> tuple[Any, int, bool]:
    with connect(ws) as client:
        return parse_page(client, client.pull(after, limit), after)


def test_fault_6_same_page_twice_changes_nothing(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    _office_work(run_cli, a)
    sync_cli(run_cli, a)
    ws = open_ws(b)
    try:
        events, next_seq, more = _fetch(ws, 0)
        assert (len(events), next_seq, more) == (3, 3, False)
        assert apply_page(ws, events, next_seq) == 3
        before = (dossier_rows(b), event_rows(b), cursor(ws))
        assert apply_page(ws, events, next_seq) == 0
        assert (dossier_rows(b), event_rows(b), cursor(ws)) == before
        # An older page (for an earlier cursor) never moves the cursor back.
        first, first_next, _more = _fetch(ws, 0, limit=1)
        assert apply_page(ws, first, first_next) == 0
        assert (dossier_rows(b), event_rows(b), cursor(ws)) == before
    finally:
        ws.db.dispose()
    assert dossier_rows(b) == dossier_rows(a)


def test_fault_5_failure_mid_page_rolls_page_and_cursor_back(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    _office_work(run_cli, a)
    sync_cli(run_cli, a)
    real = dossier_domain.reduce
    calls = 0

    def flaky(state: Any, ev: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("killed while applying")
        return real(state, ev)

    monkeypatch.setattr(dossier_domain, "reduce", flaky)
    ws = open_ws(b)
    try:
        with connect(ws) as client, pytest.raises(RuntimeError):
            pull_all(ws, client)
        assert (dossier_rows(b), event_rows(b), cursor(ws)) == ([], [], 0)
        monkeypatch.setattr(dossier_domain, "reduce", real)
        with connect(ws) as client:
            assert pull_all(ws, client).pulled == 3
        assert cursor(ws) == 3
    finally:
        ws.db.dispose()
    assert dossier_rows(b) == dossier_rows(a)


def test_fault_22_interrupted_initial_sync_resumes(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    clean = enrolled(server, server_db, tmp_path, run_cli, "C")
    _office_work(run_cli, a, n=6)
    assert sync_cli(run_cli, a)["pushed"] == 7

    real_pull = SyncClient.pull
    calls = 0

    def cut_after_first_page(self: SyncClient, after: int, limit: int) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ServerUnreachable("network dropped")
        return real_pull(self, after, limit)

    monkeypatch.setattr(SyncClient, "pull", cut_after_first_page)
    ws = open_ws(b)
    try:
        with connect(ws) as client, pytest.raises(ServerUnreachable):
            pull_all(ws, client, page=3)
        assert cursor(ws) == 3
        assert len(event_rows(b)) == 3
        with connect(ws) as client:
            summary = pull_all(ws, client, page=3)
        assert (summary.pulled, summary.pages) == (4, 2)
    finally:
        ws.db.dispose()
    monkeypatch.setattr(SyncClient, "pull", real_pull)
    assert sync_cli(run_cli, clean) == {"pushed": 0, "pulled": 7, "rejected": 0}
    assert dossier_rows(b) == dossier_rows(clean) == dossier_rows(a)
    assert event_rows(b) == event_rows(clean)
