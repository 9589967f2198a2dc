"""The protocol handshake against a real ``onestop server run`` process (SQLite) on loopback.

SYNC-FAULTS.md 16 (a server that needs a newer client: 426 "client too old", outbox kept; an old
client without the protocol header is still served) and 17 (client newer than the server:
"server too old", outbox kept), plus the clock-skew warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from onestop_desktop import cli
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.services.sync_push import _wire, pending_count
from onestop_desktop.store.migrate import SCHEMA_HEAD
from onestop_desktop.store.models import EventRow
from onestop_desktop.sync import protocol
from onestop_desktop.sync.client import ProtocolMismatch
from tests.conftest import CliRunner
from tests.integration._server import running_server
from tests.integration.test_sync_push import (
    _enrolled,
    _intake,
    _local_events,
    _server_events,
    _ws,
)


@pytest.fixture
def picky_server(server_db: str, tmp_path: Path) -> Iterator[str]:
    """A real server that only accepts clients of protocol 2 or later."""
    env = {protocol.MIN_CLIENT_PROTOCOL_ENV: "2"}
    with running_server(server_db, tmp_path / "server.log", env=env) as base:
        yield base


def _pending(path: Path) -> int:
    ws = _ws(path)
    try:
        return pending_count(ws)
    finally:
        ws.db.dispose()


def _auth(path: Path) -> dict[str, str]:
    ws = _ws(path)
    try:
        with connect(ws) as client:
            return {"Authorization": f"Bearer {client.device_id}:{client._secret}"}
    finally:
        ws.db.dispose()


def _handshake(path: Path) -> dict[str, Any]:
    ws = _ws(path)
    try:
        with connect(ws) as client:
            return client.handshake()
    finally:
        ws.db.dispose()


def test_handshake_reports_versions_epoch_and_clock(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    path = _enrolled(server, server_db, tmp_path, run_cli)
    before = datetime.now(UTC)
    got = _handshake(path)
    after = datetime.now(UTC)
    assert got["protocol"] == protocol.PROTOCOL_VERSION
    assert got["min_client_protocol"] == protocol.MIN_CLIENT_PROTOCOL
    assert got["schema"] == SCHEMA_HEAD
    who = httpx.get(f"{server}/v1/whoami", headers=_auth(path), timeout=10).json()
    assert got["epoch"] == who["server_epoch"]
    assert before - timedelta(seconds=5) <= got["server_time"] <= after + timedelta(seconds=5)

    # Unauthenticated: refused like every /v1 call but enrollment.
    assert httpx.get(f"{server}/v1/handshake", timeout=10).status_code == 401

    _intake(run_cli, path)
    code, out, err = run_cli("--json", "sync", db=path)
    assert (code, err) == (0, ""), err
    assert json.loads(out)["pushed"] == 1
    assert _pending(path) == 0


def test_fault_17_server_too_old_keeps_the_outbox(
    server: str,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _enrolled(server, server_db, tmp_path, run_cli)
    _intake(run_cli, path)
    _intake(run_cli, path, "2026-01-05T10:00")
    local_before = _local_events(path)
    monkeypatch.setattr(protocol, "MIN_SERVER_PROTOCOL", protocol.PROTOCOL_VERSION + 1)

    code, out, err = run_cli("sync", db=path)

    assert code == 3
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "máy chủ quá cũ" in err
    assert _pending(path) == 2
    assert _local_events(path) == local_before
    assert _server_events(server_db) == []
    with pytest.raises(ProtocolMismatch) as info:
        _handshake(path)
    assert info.value.side == "server"

    # The workstation keeps working offline, and syncs once the server is new enough again.
    _intake(run_cli, path, "2026-01-05T11:00")
    monkeypatch.setattr(protocol, "MIN_SERVER_PROTOCOL", protocol.PROTOCOL_VERSION)
    code, out, err = run_cli("--json", "sync", db=path)
    assert (code, err) == (0, ""), err
    assert json.loads(out)["pushed"] == 3
    assert len(_server_events(server_db)) == 3


def test_fault_16_client_too_old_is_refused_with_426_and_keeps_the_outbox(
    picky_server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    path = _enrolled(picky_server, server_db, tmp_path, run_cli)  # enrollment is not gated
    _intake(run_cli, path)
    local_before = _local_events(path)

    # The handshake still answers (raw), so the client can say why; the client check raises.
    with pytest.raises(ProtocolMismatch) as shaken:
        _handshake(path)
    assert shaken.value.side == "client"
    raw = httpx.get(f"{picky_server}/v1/handshake", headers=_auth(path), timeout=10)
    assert raw.status_code == 200
    assert raw.json()["min_client_protocol"] == 2

    # Push and pull are refused with 426 and a Vietnamese "client too old".
    ws = _ws(path)
    try:
        with connect(ws) as client:
            with ws.db.read() as s:
                rows = [_wire(r) for r in s.scalars(select(EventRow))]
            with pytest.raises(ProtocolMismatch) as pushed:
                client.push(rows)
            assert pushed.value.side == "client"
            assert "Phần mềm máy trạm quá cũ" in str(pushed.value)
            with pytest.raises(ProtocolMismatch):
                client.pull(0, 10)
    finally:
        ws.db.dispose()
    answer = httpx.post(
        f"{picky_server}/v1/push",
        json={"events": []},
        headers={**_auth(path), protocol.PROTOCOL_HEADER: "1"},
        timeout=10,
    )
    assert answer.status_code == 426
    assert answer.json()["detail"].startswith("Phần mềm máy trạm quá cũ")

    code, out, err = run_cli("sync", db=path)
    assert code == 3
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "quá cũ" in err
    assert _pending(path) == 1
    assert _local_events(path) == local_before
    assert _server_events(server_db) == []


def test_protocol_header_absent_is_an_old_client_and_garbage_is_refused(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    path = _enrolled(server, server_db, tmp_path, run_cli)
    auth = _auth(path)
    # A client from before the handshake sends no header: still served (fault 16).
    plain = httpx.get(f"{server}/v1/pull", headers=auth, timeout=10)
    assert plain.status_code == 200
    bad = httpx.get(
        f"{server}/v1/pull", headers={**auth, protocol.PROTOCOL_HEADER: "abc"}, timeout=10
    )
    assert bad.status_code == 400
    assert "giao thức" in bad.json()["detail"]


def test_clock_skew_is_warned_about_but_sync_goes_on(
    server: str,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _enrolled(server, server_db, tmp_path, run_cli)
    _intake(run_cli, path)
    real = cli._workstation

    def fast(args: Any, **kw: Any) -> Any:
        ws = real(args, **kw)
        ws.clock = lambda: datetime.now(UTC) + timedelta(hours=2)
        return ws

    monkeypatch.setattr(cli, "_workstation", fast)
    code, out, err = run_cli("--json", "sync", db=path)

    assert code == 0, err
    assert json.loads(out)["pushed"] == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "đồng hồ máy trạm nhanh hơn máy chủ" in lines[0]
    assert "120 phút" in lines[0]
    assert _pending(path) == 0
