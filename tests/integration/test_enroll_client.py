"""Enrollment, workstation side: ``onestop enroll`` against a real server process on loopback.

The server runs as ``onestop server run`` on SQLite and on the real PostgreSQL; the workstation
CLI runs in-process on its own SQLite file. Failure paths the real server cannot produce
(malformed answers, 5xx) use httpx's MockTransport through ``client_factory``.
"""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import platformdirs
import pytest

from onestop_desktop.errors import EnvironmentFault, UserError
from onestop_desktop.paths import APP_AUTHOR, APP_NAME
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment_client import (
    connect,
    enroll_workstation,
    load_credentials,
    secret_file,
)
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import (
    Refused,
    RequestRejected,
    ServerFault,
    ServerUnreachable,
    SyncClient,
)
from tests.conftest import CliRunner
from tests.integration._server import free_port, pg_database, running_server, server_cli

WARD = "000.01.09.H24"  # the template workstation's office (bundled data)
DISTRICT = "000.00.09.H24"
INTAKE = ("intake", "--procedure", "1.004873", "--name", "Nguyễn Văn An")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The server's database URL: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "server.db")
    else:
        yield from pg_database()


@pytest.fixture
def server(server_db: str, tmp_path: Path) -> Iterator[str]:
    """A real server process on a free loopback port: its base URL."""
    with running_server(server_db, tmp_path / "server.log") as base:
        yield base


def _token(server_db: str, office: str = WARD) -> str:
    proc = server_cli("enroll-token", "--db", server_db, "--office", office, "--json")
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["token"])


def _settings(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT key, value FROM settings").fetchall())
    finally:
        conn.close()


@pytest.fixture
def fresh_ws(tmp_path: Path, run_cli: CliRunner) -> Path:
    """A workstation database created with ``onestop --db WS.db init``."""
    path = tmp_path / "WS.db"
    code, _out, err = run_cli("init", db=path)
    assert (code, err) == (0, "")
    return path


def _open(path: Path) -> Workstation:
    return Workstation(Database.open(path), username="tester")


# --------------------------------------------------------------------------- real server


def test_enroll_end_to_end(server: str, server_db: str, fresh_ws: Path, run_cli: CliRunner) -> None:
    # Another workstation enrolled first, so this one gets device number 2.
    with SyncClient(server) as other:
        first = other.enroll(_token(server_db), "Quầy 1")
    assert first["device_number"] == 1
    before = _settings(fresh_ws)
    token = _token(server_db)

    code, out, err = run_cli(
        "--json", "enroll", "--server", server + "/", "--token", token, "--name", "Quầy 2",
        db=fresh_ws,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    got = json.loads(out)
    assert set(got) == {"device_id", "device_number", "office_code", "server"}
    assert (got["device_number"], got["office_code"], got["server"]) == (2, WARD, server)
    assert got["device_id"] != before["device_id"]

    settings = _settings(fresh_ws)
    assert settings["device_id"] == got["device_id"]
    assert settings["device_number"] == "2"
    assert settings["office_code"] == WARD
    assert settings["server_url"] == server
    assert settings["next_device_seq"] == "1"
    assert "enrolled_at" in settings

    # The secret is in <db>.secret, owner-only, and nowhere in the SQLite files.
    secret_path = fresh_ws.with_name("WS.db.secret")
    assert secret_path.is_file()
    if sys.platform != "win32":
        assert stat.S_IMODE(secret_path.stat().st_mode) == 0o600
    secret = json.loads(secret_path.read_text(encoding="utf-8"))["secret"]
    assert len(secret) >= 40
    for f in fresh_ws.parent.glob("WS.db*"):
        if f != secret_path:
            assert secret.encode() not in f.read_bytes(), f

    ws = _open(fresh_ws)
    try:
        creds = load_credentials(ws)
        assert (creds.server_url, creds.device_id) == (server, got["device_id"])
        with connect(ws) as client:
            me = client.whoami()
        assert (me["device_id"], me["device_number"], me["name"]) == (got["device_id"], 2, "Quầy 2")
        assert me["scope"] == [WARD]
    finally:
        ws.db.dispose()

    # The token was used up: a second use fails with one Vietnamese line, nothing changes.
    code, out, err = run_cli("enroll", "--server", server, "--token", token, db=fresh_ws)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "đã được dùng" in err
    assert _settings(fresh_ws) == settings

    # New dossiers use the new device number's slice of the daily sequence (2001…2999).
    code, out, err = run_cli("--json", *INTAKE, "--received-at", "2026-01-05T09:00", db=fresh_ws)
    assert code == 0, err
    assert json.loads(out)["code"] == f"{WARD}-260105-2001"
    conn = sqlite3.connect(fresh_ws)
    try:
        assert conn.execute("SELECT device_id, device_seq FROM events").fetchall() == [
            (got["device_id"], 1)
        ]
        local = conn.execute("SELECT id, number FROM devices WHERE is_local").fetchall()
        assert local == [(got["device_id"], 2)]
    finally:
        conn.close()


def test_unsynced_events_block_reenrollment_unless_forced(
    server: str, server_db: str, fresh_ws: Path, run_cli: CliRunner
) -> None:
    code, out, _ = run_cli("--json", *INTAKE, "--received-at", "2026-01-05T09:00", db=fresh_ws)
    assert code == 0
    assert json.loads(out)["code"] == f"{WARD}-260105-1001"
    before = _settings(fresh_ws)
    token = _token(server_db)

    code, _out, err = run_cli("enroll", "--server", server, "--token", token, db=fresh_ws)
    assert code == 1
    assert "1 thay đổi chưa được đồng bộ" in err
    assert "--force" in err
    assert _settings(fresh_ws) == before
    assert not fresh_ws.with_name("WS.db.secret").exists()

    # The refusal did not use the token up; --force keeps the old events where they are.
    code, out, err = run_cli("enroll", "--server", server, "--token", token, "--force", db=fresh_ws)
    assert code == 0, err
    assert "Máy trạm số 1" in out
    assert "Để lại 1 thay đổi" in out
    after = _settings(fresh_ws)
    assert after["device_id"] != before["device_id"]
    conn = sqlite3.connect(fresh_ws)
    try:
        devices = dict(conn.execute("SELECT id, number FROM devices").fetchall())
        events = conn.execute("SELECT device_id FROM events").fetchall()
    finally:
        conn.close()
    # The old local identity (number 1 in the same office) moved aside for the server's 1.
    assert devices[after["device_id"]] == 1
    assert devices[before["device_id"]] < 0
    assert events == [(before["device_id"],)]
    code, out, _ = run_cli("--json", *INTAKE, "--received-at", "2026-01-05T09:10", db=fresh_ws)
    assert code == 0
    assert json.loads(out)["code"] == f"{WARD}-260105-1002"  # same slice, never reused


def test_enroll_into_another_office(
    server: str, server_db: str, fresh_ws: Path, run_cli: CliRunner
) -> None:
    code, out, err = run_cli(
        "enroll", "--server", server, "--token", _token(server_db, DISTRICT), db=fresh_ws
    )
    assert code == 0, err
    assert f"({DISTRICT})" in out
    assert _settings(fresh_ws)["office_code"] == DISTRICT
    code, out, _ = run_cli("--json", *INTAKE, "--received-at", "2026-01-05T09:00", db=fresh_ws)
    assert code == 0
    assert json.loads(out)["code"] == f"{DISTRICT}-260105-1001"


# --------------------------------------------------------------------------- no server


def test_unreachable_server_exits_3_and_changes_nothing(fresh_ws: Path, run_cli: CliRunner) -> None:
    before = _settings(fresh_ws)
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run_cli("enroll", "--server", url, "--token", "x" * 43, db=fresh_ws)
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("Lỗi môi trường: Không kết nối được máy chủ")
    assert _settings(fresh_ws) == before
    assert list(fresh_ws.parent.glob("*.secret")) == []


def test_bad_server_url_is_a_user_error(fresh_ws: Path, run_cli: CliRunner) -> None:
    for url in ("ftp://x", "may-chu", ""):
        code, _out, err = run_cli("enroll", "--server", url, "--token", "t", db=fresh_ws)
        assert code == 1, url
        assert "không hợp lệ" in err


# --------------------------------------------------------------------------- mock transport


Handler = Callable[[httpx.Request], httpx.Response]


def _factory(handler: Handler) -> Callable[[str], SyncClient]:
    return lambda url: SyncClient(url, transport=httpx.MockTransport(handler))


def _answer(**over: Any) -> dict[str, Any]:
    body = {
        "device_id": "0b9a3a4e-5a4b-4c39-8d4f-2d1f0f3c5e11",
        "device_number": 7,
        "office_code": "000.77.09.H24",
        "counter_number": 4,
        "secret": "s" * 43,
        "server_epoch": "e" * 32,
    }
    body.update(over)
    return body


def test_unknown_office_is_created_named_by_its_code(ws: Workstation) -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_answer())

    res = enroll_workstation(
        ws, "http://srv:1", " tok ", "  Quầy   4 ", client_factory=_factory(handler)
    )
    assert seen == [{"token": "tok", "device_name": "Quầy 4"}]
    assert (res.device_number, res.office_code, res.counter_number) == (7, "000.77.09.H24", 4)
    assert res.office_name == "000.77.09.H24"
    with ws.db.read() as s:
        # The actor cache was cleared: the new identity is used right away.
        actor = ws.actor(s)
    assert (actor.device_id, actor.device_number, actor.office_code) == (
        res.device_id,
        7,
        "000.77.09.H24",
    )
    assert load_credentials(ws).secret == "s" * 43


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (httpx.Response(403, json={"detail": "Mã đăng ký đã bị thu hồi."}), Refused, "thu hồi"),
        (httpx.Response(400, json={"detail": "Dữ liệu không hợp lệ (x)."}), RequestRejected, "(x)"),
        (httpx.Response(500, text="boom"), ServerFault, "mã 500"),
        (httpx.Response(200, text="<html>"), ServerFault, "không hợp lệ"),
        (httpx.Response(200, json=_answer(device_number=0)), ServerFault, "đăng ký không hợp lệ"),
        (httpx.Response(200, json=_answer(office_code="bad code")), ServerFault, "đăng ký"),
        (httpx.Response(200, json=_answer(secret="")), ServerFault, "đăng ký"),
    ],
)
def test_server_failures_change_nothing(
    ws: Workstation, db_path: Path, response: httpx.Response, error: type[Exception], text: str
) -> None:
    before = _settings(db_path)
    with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
        enroll_workstation(ws, "http://srv:1", "t", client_factory=_factory(lambda _r: response))
    assert _settings(db_path) == before
    assert not secret_file(ws).exists()


def test_refused_is_a_user_error_and_unreachable_an_environment_fault() -> None:
    assert issubclass(Refused, UserError)
    assert issubclass(ServerUnreachable, EnvironmentFault)
    assert issubclass(ServerFault, EnvironmentFault)

    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    dead = SyncClient("http://srv:1", transport=httpx.MockTransport(cut))
    with pytest.raises(ServerUnreachable, match="Không kết nối được"), dead:
        dead.health()
    with pytest.raises(UserError, match="chưa đăng ký"), SyncClient("http://srv:1") as c:
        c.whoami()


def test_credentials_must_match_the_database(ws: Workstation) -> None:
    with pytest.raises(UserError, match="chưa đăng ký"):
        load_credentials(ws)
    ok = _factory(lambda _r: httpx.Response(200, json=_answer()))
    enroll_workstation(ws, "http://srv:1", "t", client_factory=ok)
    path = secret_file(ws)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "device_id": "someone-else"}), encoding="utf-8")
    with pytest.raises(UserError, match="thuộc máy trạm khác"):
        load_credentials(ws)
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(UserError, match="Không đọc được"):
        load_credentials(ws)
    path.unlink()
    with pytest.raises(UserError, match="Không tìm thấy"):
        load_credentials(ws)


def test_reenroll_replaces_the_secret_file(ws: Workstation) -> None:
    enroll_workstation(ws, "http://srv:1", "t", client_factory=_factory(
        lambda _r: httpx.Response(200, json=_answer())
    ))  # fmt: skip
    again = _answer(device_id="1c0b3a4e-5a4b-4c39-8d4f-2d1f0f3c5e12", device_number=8)
    again["secret"] = "z" * 43
    res = enroll_workstation(
        ws,
        "http://srv:2",
        "t2",
        client_factory=_factory(lambda _r: httpx.Response(200, json=again)),
    )
    creds = load_credentials(ws)
    assert (creds.server_url, creds.device_id, creds.secret) == (
        "http://srv:2",
        res.device_id,
        "z" * 43,
    )
    assert res.previous_device_id == _answer()["device_id"]
    assert [p.name for p in secret_file(ws).parent.glob("*.tmp")] == []


def test_secret_of_a_non_file_database_goes_under_user_config() -> None:
    db = Database.open("postgresql://u:hunter2@db.example:5432/onestop")
    try:
        path = secret_file(Workstation(db, username="t"))
    finally:
        db.dispose()
    config = Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))
    assert path.parent == config / "secrets"
    assert path.suffix == ".secret"
    assert "hunter2" not in str(path)
