"""Push (workstation → server) against a real ``onestop server run`` process on loopback.

Covers SYNC-FAULTS.md 1, 2, 8, 9, 18 and 29 at the protocol level. The server runs on SQLite
(and, for the end-to-end round, on the real PostgreSQL); the workstation CLI runs in-process.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from onestop_desktop.domain.dossier import Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import advance, edit_field
from onestop_desktop.services.enrollment_client import connect, load_credentials
from onestop_desktop.services.sync_push import (
    DeviceQuarantinedError,
    _wire,
    pending_count,
    push_pending,
)
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import EventRow
from onestop_desktop.sync.client import RequestRejected
from tests.conftest import CliRunner
from tests.integration._server import free_port, pg_database, running_server, server_cli

WARD = "000.01.09.H24"
INTAKE = ("intake", "--procedure", "1.004873", "--name", "Nguyễn Văn An")


def _enrolled(server: str, server_db: str, tmp_path: Path, run_cli: CliRunner) -> Path:
    path = tmp_path / "WS.db"
    code, _out, err = run_cli("init", db=path)
    assert (code, err) == (0, "")
    proc = server_cli("enroll-token", "--db", server_db, "--office", WARD, "--json")
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["token"]
    code, _out, err = run_cli("enroll", "--server", server, "--token", token, db=path)
    assert (code, err) == (0, ""), err
    return path


@pytest.fixture
def ws_path(server: str, server_db: str, tmp_path: Path, run_cli: CliRunner) -> Path:
    """An initialised workstation enrolled with ``server``."""
    return _enrolled(server, server_db, tmp_path, run_cli)


def _ws(path: Path) -> Workstation:
    return Workstation(Database.open(path), username="tester")


def _intake(run_cli: CliRunner, path: Path, at: str = "2026-01-05T09:00") -> str:
    code, out, err = run_cli("--json", *INTAKE, "--received-at", at, db=path)
    assert code == 0, err
    return str(json.loads(out)["code"])


def _sync(run_cli: CliRunner, path: Path) -> tuple[int, dict[str, Any] | None, str]:
    code, out, err = run_cli("--json", "sync", db=path)
    return code, (json.loads(out) if code == 0 else None), err


def _server_events(server_db: str) -> list[tuple[str, int, int, str]]:
    db = Database.open(server_db)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, device_seq, server_seq, disposition FROM events ORDER BY server_seq"
                )
            ).all()
        return [(str(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]
    finally:
        db.dispose()


def _server_scalar(server_db: str, sql: str, **params: Any) -> Any:
    db = Database.open(server_db)
    try:
        with db.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        db.dispose()


def _local_events(path: Path) -> list[tuple[str, int, int | None, str | None]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id, device_seq, server_seq, disposition FROM events "
            "WHERE device_id = (SELECT value FROM settings WHERE key = 'device_id') "
            "ORDER BY device_seq"
        ).fetchall()
        return [(str(a), int(b), c, d) for a, b, c, d in rows]
    finally:
        conn.close()


def _setting(path: Path, key: str) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def _wire_pending(path: Path) -> list[dict[str, Any]]:
    ws = _ws(path)
    try:
        with ws.db.read() as s:
            device = _setting(path, "device_id")
            rows = s.scalars(
                select(EventRow)
                .where(EventRow.server_seq.is_(None), EventRow.device_id == device)
                .order_by(EventRow.device_seq)
            )
            return [_wire(r) for r in rows]
    finally:
        ws.db.dispose()


def _auth(path: Path) -> dict[str, str]:
    ws = _ws(path)
    try:
        creds = load_credentials(ws)
    finally:
        ws.db.dispose()
    return {"Authorization": f"Bearer {creds.device_id}:{creds.secret}"}


# --------------------------------------------------------------------------- end to end


def _round_trip(server_db: str, ws_path: Path, run_cli: CliRunner) -> None:
    first = _intake(run_cli, ws_path)
    _intake(run_cli, ws_path, "2026-01-05T09:30")
    code, _out, err = run_cli("advance", first, "--to", "in_progress", db=ws_path)
    assert code == 0, err

    code, got, err = _sync(run_cli, ws_path)
    assert (code, got, err) == (0, {"pushed": 3, "pulled": 0, "rejected": 0}, "")

    local = _local_events(ws_path)
    on_server = _server_events(server_db)
    # Exactly once, gap-free server sequence, same ids in device order.
    assert [e[0] for e in on_server] == [e[0] for e in local]
    assert [e[2] for e in on_server] == [1, 2, 3]
    assert {e[3] for e in on_server} == {"applied"}
    assert [(e[2], e[3]) for e in local] == [(1, "applied"), (2, "applied"), (3, "applied")]
    assert _setting(ws_path, "acked_device_seq") == "3"
    assert _setting(ws_path, "server_epoch")
    # The server's projection is the same reducer's output.
    status = _server_scalar(server_db, "SELECT status FROM dossiers WHERE code = :c", c=first)
    assert status == "in_progress"
    assert _server_scalar(server_db, "SELECT count(*) FROM dossiers") == 2

    # A second round has nothing to send.
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 0, "pulled": 0, "rejected": 0})
    assert len(_server_events(server_db)) == 3


def test_sync_pushes_once_with_gapless_server_seq(
    server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    _round_trip(server_db, ws_path, run_cli)


@pytest.mark.postgres
def test_sync_push_on_postgres(tmp_path: Path, run_cli: CliRunner) -> None:
    for url in pg_database():
        with running_server(url, tmp_path / "server.log") as base:
            _round_trip(url, _enrolled(base, url, tmp_path, run_cli), run_cli)


# --------------------------------------------------------------------------- faults


def test_fault_1_server_unreachable_keeps_outbox(
    server: str, server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    _intake(run_cli, ws_path)
    conn = sqlite3.connect(ws_path)
    with conn:
        conn.execute(
            "UPDATE settings SET value = ? WHERE key = 'server_url'",
            (f"http://127.0.0.1:{free_port()}",),
        )
    code, got, err = _sync(run_cli, ws_path)
    assert (code, got) == (3, None)
    assert "Không kết nối được máy chủ" in err
    assert [e[2:] for e in _local_events(ws_path)] == [(None, None)]
    assert _server_events(server_db) == []

    with conn:
        conn.execute("UPDATE settings SET value = ? WHERE key = 'server_url'", (server,))
    conn.close()
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 1, "pulled": 0, "rejected": 0})
    assert len(_server_events(server_db)) == 1


def test_fault_2_reply_lost_repush_is_duplicate(
    server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    code = _intake(run_cli, ws_path)
    run_cli("advance", code, "--to", "in_progress", db=ws_path)
    events = _wire_pending(ws_path)
    ws = _ws(ws_path)
    try:
        with connect(ws) as client:
            first = client.push(events)  # committed; pretend the answer was lost
            again = client.push(events)
            assert [r["disposition"] for r in first["results"]] == ["applied", "applied"]
            assert [r["disposition"] for r in again["results"]] == ["duplicate", "duplicate"]
            assert [r["server_seq"] for r in again["results"]] == [
                r["server_seq"] for r in first["results"]
            ]
            assert [r["original_disposition"] for r in again["results"]] == ["applied"] * 2
            assert len(_server_events(server_db)) == 2
            # The workstation's next round records the stored sequences and sends nothing new.
            summary = push_pending(ws, client)
    finally:
        ws.db.dispose()
    assert (summary.pushed, summary.duplicates, summary.rejected) == (2, 2, 0)
    assert [e[2:] for e in _local_events(ws_path)] == [(1, "applied"), (2, "applied")]
    assert len(_server_events(server_db)) == 2
    assert pending_count(_ws(ws_path)) == 0


def test_fault_8_gap_is_refused_with_expected_seq(
    server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    for at in ("2026-01-05T09:00", "2026-01-05T09:10", "2026-01-05T09:20"):
        _intake(run_cli, ws_path, at)
    events = _wire_pending(ws_path)
    ws = _ws(ws_path)
    try:
        with connect(ws) as client:
            with pytest.raises(RequestRejected) as caught:
                client.push(events[1:])  # 2, 3 without 1
            assert caught.value.status_code == 409
            assert caught.value.body["expected_seq"] == 1
            assert _server_events(server_db) == []
            client.push(events[:1])
            with pytest.raises(RequestRejected) as caught:
                client.push(events[2:])  # 3 without 2
            assert caught.value.body["expected_seq"] == 2
            assert len(_server_events(server_db)) == 1
    finally:
        ws.db.dispose()
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 3, "pulled": 0, "rejected": 0})
    assert [e[2] for e in _server_events(server_db)] == [1, 2, 3]


def test_fault_9_fork_quarantines_device(server_db: str, ws_path: Path, run_cli: CliRunner) -> None:
    _intake(run_cli, ws_path)
    clone = _wire_pending(ws_path)[0]
    assert _sync(run_cli, ws_path)[0] == 0
    # A cloned disk records another event under the same device sequence.
    forked = {**clone, "id": "0190aaaa-0000-7000-8000-000000000001"}
    forked["payload"] = {**clone["payload"], "code": clone["payload"]["code"] + "9"}
    ws = _ws(ws_path)
    try:
        with connect(ws) as client:
            with pytest.raises(RequestRejected) as caught:
                client.push([forked])
            assert (caught.value.status_code, caught.value.body.get("quarantined")) == (409, True)
            device = _setting(ws_path, "device_id")
            quarantined = _server_scalar(
                server_db, "SELECT quarantined FROM devices WHERE id = :d", d=device
            )
            assert bool(quarantined)
            assert client.whoami()["quarantined"] is True
            # Nothing of the forked batch was kept; the server's own events stay.
            assert [e[0] for e in _server_events(server_db)] == [clone["id"]]
            # Later pushes, even legitimate ones, are refused; the outbox is kept for review.
            _intake(run_cli, ws_path, "2026-01-05T10:00")
            with pytest.raises(DeviceQuarantinedError):
                push_pending(ws, client)
    finally:
        ws.db.dispose()
    assert [e[2] for e in _local_events(ws_path)] == [1, None]
    assert len(_server_events(server_db)) == 1


def test_fault_18_rejected_status_change_does_not_block_queue(
    server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    code = _intake(run_cli, ws_path)
    assert _sync(run_cli, ws_path)[0] == 0
    # Another office's decision reached the server first: the dossier was refused there.
    conn = sqlite3.connect(server_db)
    with conn:
        conn.execute("UPDATE dossiers SET status = 'refused' WHERE code = ?", (code,))
    conn.close()
    ws = _ws(ws_path)
    try:
        advance(ws, code, Status.IN_PROGRESS)
        edit_field(ws, code, "phone", "0912345678")
    finally:
        ws.db.dispose()
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 2, "pulled": 0, "rejected": 1})
    local = _local_events(ws_path)
    assert [e[2:] for e in local] == [(1, "applied"), (2, "rejected:conflict"), (3, "applied")]
    assert [e[3] for e in _server_events(server_db)] == [
        "applied",
        "rejected:conflict",
        "applied",
    ]
    row = _server_scalar(server_db, "SELECT status || '|' || phone FROM dossiers")
    assert row == "refused|0912345678"
    # No endless retry: the next round sends nothing.
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 0, "pulled": 0, "rejected": 0})


def test_fault_29_bad_bodies_refused_before_any_transaction(
    server: str, server_db: str, ws_path: Path, run_cli: CliRunner
) -> None:
    _intake(run_cli, ws_path)
    good = _wire_pending(ws_path)[0]
    auth = _auth(ws_path)

    def post(body: Any, **kw: Any) -> int:
        return httpx.post(
            f"{server}/v1/push", json=body, headers=auth, timeout=10, **kw
        ).status_code

    floats = {**good, "payload": {**good["payload"], "fee": 1.5}}
    nested = {**good, "payload": {**good["payload"], "documents": [{"originals": 0.5}]}}
    assert post({"epoch": None, "events": [floats]}) == 400
    assert post({"epoch": None, "events": [nested]}) == 400
    assert post({"epoch": None, "events": [{**good, "device_seq": "1"}]}) == 400
    assert post({"epoch": None, "events": [{**good, "type": "dossier.exploded"}]}) == 400
    assert post({"epoch": None, "events": [{**good, "occurred_at": "2026-01-05T09:00"}]}) == 400
    assert post({"epoch": None, "events": [{**good, "device_id": "someone-else"}]}) == 400
    assert post({"epoch": None, "events": [good, good]}) == 400
    assert post({"epoch": None, "events": "nope"}) == 400
    many = [{**good, "id": f"id-{i}", "device_seq": i + 1} for i in range(501)]
    assert post({"epoch": None, "events": many}) == 400
    huge = {**good, "payload": {**good["payload"], "note": "x" * (5 * 1024 * 1024)}}
    assert post({"epoch": None, "events": [huge]}) == 413
    # Without credentials.
    assert httpx.post(f"{server}/v1/push", json={"events": []}, timeout=10).status_code == 401
    assert _server_events(server_db) == []
    assert _server_scalar(server_db, "SELECT count(*) FROM dossiers") == 0
    assert _sync(run_cli, ws_path)[:2] == (0, {"pushed": 1, "pulled": 0, "rejected": 0})
