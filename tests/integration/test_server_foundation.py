"""The server foundation: health/OpenAPI, admin CLI, enrollment, authentication, PG migrations.

In-process (httpx over ASGITransport) for speed, and against a real ``onestop server run``
process on loopback; on SQLite and on the real PostgreSQL at 127.0.0.1:5432.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI

from onestop_desktop.app import main as onestop_main
from onestop_desktop.server.app import MAX_BODY_BYTES, create_app
from onestop_desktop.services import enrollment
from onestop_desktop.services.enrollment import AuthenticationFailed, EnrollmentRefused
from onestop_desktop.store import migrate
from onestop_desktop.store.db import Database, make_engine
from onestop_desktop.store.models import Base
from tests.integration._server import pg_database, running_server

WARD = "000.01.09.H24"  # Nhân Chính ward office (bundled data)
DISTRICT = "000.00.09.H24"  # Thanh Xuân district office


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (dropped afterwards)."""
    yield from pg_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The server's database URL: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "server.db")
    else:
        yield from pg_database()


class AppClient:
    """A synchronous in-process client: httpx over ASGITransport, one event loop per call.

    (Starlette's TestClient now warns when used with httpx; this stays on public httpx API.)
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.app.state.db.dispose()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                return await c.request(method, url, **kwargs)

        return anyio.run(go)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def client(server_url: str) -> Iterator[AppClient]:
    """The app in-process."""
    with AppClient(create_app(server_url)) as c:
        yield c


@pytest.fixture
def db(server_url: str, client: AppClient) -> Iterator[Database]:
    """The server's database (already prepared by the app)."""
    d = Database.open(server_url)
    yield d
    d.dispose()


def _auth(device_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {device_id}:{secret}"}


def _enroll(client: AppClient, db: Database, office: str = WARD, name: str = "Quầy 1") -> dict:
    token = enrollment.issue_token(db, office)
    r = client.post("/v1/enroll", json={"token": token, "device_name": name})
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------- in-process


def test_health_and_openapi(client: AppClient) -> None:
    h = client.get("/health")
    assert h.status_code == 200
    body = h.json()
    assert body["status"] == "ok"
    assert body["schema_revision"] == migrate.SCHEMA_HEAD
    assert len(body["server_epoch"]) == 32
    spec = client.get("/openapi.json").json()
    assert {"/health", "/v1/enroll", "/v1/whoami"} <= set(spec["paths"])


def test_epoch_is_renewed_at_every_start(server_url: str, client: AppClient) -> None:
    # A restored server is necessarily restarted: a new epoch at every start is what lets its
    # clients notice and reconcile (services/sync_epoch.py); the base is the last sequence.
    first = client.get("/health").json()["server_epoch"]
    with AppClient(create_app(server_url)) as again:
        second = again.get("/health").json()["server_epoch"]
    assert len(second) == 32
    assert second != first


def test_enroll_once_then_refused(client: AppClient, db: Database) -> None:
    token = enrollment.issue_token(db, WARD, counter=3)
    r = client.post("/v1/enroll", json={"token": token, "device_name": "Quầy 3"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["office_code"] == WARD
    assert got["counter_number"] == 3
    assert got["device_number"] == 1
    assert got["server_epoch"] == client.get("/health").json()["server_epoch"]
    again = client.post("/v1/enroll", json={"token": token, "device_name": "Quầy 3"})
    assert again.status_code == 403
    assert "đã được dùng" in again.json()["detail"]
    unknown = client.post("/v1/enroll", json={"token": "x" * 43, "device_name": "Q"})
    assert unknown.status_code == 403
    assert "không đúng" in unknown.json()["detail"]


def test_revoked_token_is_refused(client: AppClient, db: Database) -> None:
    token = enrollment.issue_token(db, WARD)
    enrollment.revoke_token(db, token)
    r = client.post("/v1/enroll", json={"token": token, "device_name": "Q"})
    assert r.status_code == 403
    assert "thu hồi" in r.json()["detail"]


def test_whoami_needs_valid_credentials(client: AppClient, db: Database) -> None:
    got = _enroll(client, db)
    ok = client.get("/v1/whoami", headers=_auth(got["device_id"], got["secret"]))
    assert ok.status_code == 200, ok.text
    me = ok.json()
    assert (me["device_id"], me["office_code"], me["scope"]) == (got["device_id"], WARD, [WARD])
    assert me["unit_level"] == "ward"
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": f"Bearer {got['device_id']}"},
        _auth(got["device_id"], got["secret"] + "x"),
        _auth(str(uuid.uuid4()), got["secret"]),
        _auth("a" * 500, got["secret"]),
    ):
        r = client.get("/v1/whoami", headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["detail"]


def test_district_device_scope_covers_its_wards(client: AppClient, db: Database) -> None:
    got = _enroll(client, db, office=DISTRICT)
    me = client.get("/v1/whoami", headers=_auth(got["device_id"], got["secret"])).json()
    assert me["unit_level"] == "district"
    assert me["scope"][0] == DISTRICT
    assert WARD in me["scope"]
    assert len(me["scope"]) > 2


def test_revoked_device_is_refused(client: AppClient, db: Database) -> None:
    got = _enroll(client, db)
    enrollment.revoke_device(db, got["device_id"])
    r = client.get("/v1/whoami", headers=_auth(got["device_id"], got["secret"]))
    assert r.status_code == 401
    assert "thu hồi" in r.json()["detail"]
    with pytest.raises(AuthenticationFailed):
        enrollment.authenticate(db, got["device_id"], got["secret"])


def test_device_numbers_are_never_reused(client: AppClient, db: Database) -> None:
    first = _enroll(client, db)
    second = _enroll(client, db)
    other_office = _enroll(client, db, office=DISTRICT)
    assert (first["device_number"], second["device_number"]) == (1, 2)
    assert other_office["device_number"] == 1
    enrollment.revoke_device(db, second["device_id"])
    third = _enroll(client, db)
    assert third["device_number"] == 3
    assert len({first["secret"], second["secret"], third["secret"]}) == 3


def test_malformed_and_oversized_bodies(client: AppClient, db: Database) -> None:
    token = enrollment.issue_token(db, WARD)
    bad = [
        b"not json",
        b"[]",
        json.dumps({"token": token}).encode(),
        json.dumps({"token": 1.5, "device_name": "Q"}).encode(),
        json.dumps({"token": token, "device_name": "Q", "extra": 1}).encode(),
        json.dumps({"token": token, "device_name": "Q" * 101}).encode(),
    ]
    for body in bad:
        r = client.post("/v1/enroll", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert "không hợp lệ" in r.json()["detail"]
    huge = b'{"token": "' + b"x" * MAX_BODY_BYTES + b'", "device_name": "Q"}'
    r = client.post("/v1/enroll", content=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    # Nothing was used up: the token still enrolls.
    r = client.post("/v1/enroll", json={"token": token, "device_name": "Q"})
    assert r.status_code == 200


def test_requests_are_logged_as_structured_records(
    client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="onestop_desktop.server.access"):
        client.get("/health", headers={"x-request-id": "abc"})
    rec = next(r for r in caplog.records if r.name == "onestop_desktop.server.access")
    assert (rec.method, rec.path, rec.status, rec.request_id) == ("GET", "/health", 200, "abc")  # type: ignore[attr-defined]
    from onestop_desktop.server.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(rec))
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert line["ms"] >= 0


def test_service_refusals_without_http(server_url: str, client: AppClient) -> None:
    db = Database.open(server_url)
    try:
        with pytest.raises(EnrollmentRefused):
            enrollment.enroll(db, "nope", "Q")
        with pytest.raises(enrollment.UserError):
            enrollment.enroll(db, enrollment.issue_token(db, WARD), "   ")
        with pytest.raises(enrollment.NotFoundError):
            enrollment.issue_token(db, "999.99.99.X00")
    finally:
        db.dispose()


# --------------------------------------------------------------------------- CLI


def test_enroll_token_cli_json(
    server_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = onestop_main(["server", "enroll-token", "--db", server_url, "--office", WARD, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    token = json.loads(out)["token"]
    assert len(token) >= 40
    code = onestop_main(["server", "enroll-token", "--db", server_url, "--office", "NOPE"])
    assert code == 1
    assert "NOPE" in capsys.readouterr().err
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\n99001,Phường Thử,ward,009\n", encoding="utf-8")
    assert onestop_main(["server", "import", "units", str(units), "--db", server_url]) == 0
    assert "1 mới" in capsys.readouterr().out
    with AppClient(create_app(server_url)) as c:
        r = c.post("/v1/enroll", json={"token": token, "device_name": "Q"})
        assert r.status_code == 200


# --------------------------------------------------------------------------- real process


@pytest.fixture
def live_server(server_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Callable[[], str]]]:
    """A real ``onestop server run`` process on loopback: (base URL, db URL, stderr reader)."""
    log_file = tmp_path / "server.log"
    with running_server(server_url, log_file) as base:
        yield base, server_url, lambda: log_file.read_text(encoding="utf-8")


def test_real_server_process(live_server: tuple[str, str, Callable[[], str]]) -> None:
    base, url, read_log = live_server
    health = httpx.get(f"{base}/health").json()
    assert health["schema_revision"] == migrate.SCHEMA_HEAD
    assert "/v1/whoami" in httpx.get(f"{base}/openapi.json").json()["paths"]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "onestop_desktop",
            "server",
            "enroll-token",
            "--db",
            url,
            "--office",
            WARD,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["token"]
    got = httpx.post(f"{base}/v1/enroll", json={"token": token, "device_name": "Quầy 1"})
    assert got.status_code == 200, got.text
    ident = got.json()
    assert ident["server_epoch"] == health["server_epoch"]
    twice = httpx.post(f"{base}/v1/enroll", json={"token": token, "device_name": "Quầy 1"})
    assert twice.status_code == 403
    headers = _auth(ident["device_id"], ident["secret"])
    assert httpx.get(f"{base}/v1/whoami", headers=headers).json()["office_code"] == WARD
    assert httpx.get(f"{base}/v1/whoami").status_code == 401
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "onestop_desktop",
            "server",
            "revoke-device",
            "--db",
            url,
            ident["device_id"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert httpx.get(f"{base}/v1/whoami", headers=headers).status_code == 401
    lines = [json.loads(line) for line in read_log().splitlines() if line.startswith("{")]
    assert any(x.get("path") == "/v1/enroll" and x.get("status") == 200 for x in lines)


# --------------------------------------------------------------------------- migrations on PG


@pytest.mark.postgres
def test_postgres_migrates_from_empty_to_exactly_the_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        migrate.upgrade(engine, "0005")
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.SCHEMA_HEAD
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_tokens_never_look_like_command_line_options(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "tokens.db")
    create_app(str(tmp_path / "tokens.db"))  # creates and migrates the server database
    tokens = [enrollment.issue_token(db, WARD) for _ in range(200)]
    assert all(t.startswith("ost_") for t in tokens)
    assert len(set(tokens)) == 200
    db.dispose()
