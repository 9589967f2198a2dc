"""Sync transport against a real ``onestop server run`` process: compressed bodies (gzip both
ways, decompression limits before any transaction), long-poll pulls, and TLS with a
self-signed CA made by the ``openssl`` command line.

The compression ratios of a 500-event push body and a 1000-event pull page are printed
(``pytest -s``) and attached to the test report as ``record_property``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, edit_field, intake
from onestop_desktop.services.enrollment_client import connect, load_credentials
from onestop_desktop.services.sync_push import _pending, _wire, push_pending
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import ServerUnreachable, SyncClient, _encode_body
from tests.conftest import DEFAULT_NOW, CliRunner, FixedClock
from tests.integration._server import free_port, running_server
from tests.integration._sync_helpers import enroll_token, enrolled, sync_cli

WARD = "000.01.09.H24"
Record = Callable[[str, object], None]


@contextmanager
def _ws(path: Path) -> Iterator[Workstation]:
    ws = Workstation(Database.open(path), clock=FixedClock(DEFAULT_NOW), username="tester")
    try:
        yield ws
    finally:
        ws.db.dispose()


def _make_events(path: Path, dossiers: int) -> None:
    """``dossiers`` realistic intakes, each followed by a phone edit: 2 events per dossier."""
    with _ws(path) as ws:
        for i in range(dossiers):
            ws.clock = FixedClock(DEFAULT_NOW + timedelta(minutes=i))
            view = intake(
                ws,
                IntakeRequest(
                    procedure_code="1.004873",
                    applicant_name=f"Nguyễn Thị Hồng Nhung {i}",
                    id_number=f"0011950{i:05d}",
                    phone=f"09123{i:05d}",
                    address=f"Số {i} ngõ 12 phố Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy",
                    note="Công dân nộp trực tiếp tại quầy",
                ),
            )
            edit_field(ws, view.code, "phone", f"09887{i:05d}")


def _auth(path: Path) -> dict[str, str]:
    with _ws(path) as ws:
        creds = load_credentials(ws)
    return {"Authorization": f"Bearer {creds.device_id}:{creds.secret}"}


def _server_events(server_db: str) -> int:
    conn = sqlite3.connect(server_db)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


# --------------------------------------------------------------------------- compression


@pytest.mark.slow
def test_push_and_pull_bodies_travel_gzip_compressed(
    server: str,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    record_property: Record,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    _make_events(a, 500)  # 1000 events: two push batches, one full pull page

    with _ws(a) as ws, ws.db.read() as s:
        device_id = str(load_credentials(ws).device_id)
        batch = [_wire(r) for r in s.scalars(_pending(device_id, 500))]
    assert len(batch) == 500
    raw = json.dumps({"epoch": None, "events": batch}, ensure_ascii=False, separators=(",", ":"))
    headers: dict[str, str] = {}
    sent = _encode_body({"epoch": None, "events": batch}, headers)
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(sent) == raw.encode("utf-8")
    push_ratio = len(raw.encode("utf-8")) / len(sent)

    # The real client sends them compressed; the server decodes them in its middleware.
    assert sync_cli(run_cli, a) == {"pushed": 1000, "pulled": 0, "rejected": 0}
    assert _server_events(server_db) == 1000

    with httpx.Client(base_url=server, headers=_auth(b)) as http:
        zipped = http.get("/v1/pull", params={"after": 0, "limit": 1000})
        plain = http.get(
            "/v1/pull", params={"after": 0, "limit": 1000}, headers={"Accept-Encoding": "identity"}
        )
        small = http.get("/health")
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in small.headers  # under the ~1 KB minimum
    assert zipped.json() == plain.json()
    assert len(zipped.json()["events"]) == 1000
    pull_ratio = len(plain.content) / zipped.num_bytes_downloaded

    figures = {
        "push_500_events_bytes": len(raw.encode("utf-8")),
        "push_500_events_gzip_bytes": len(sent),
        "push_ratio": round(push_ratio, 2),
        "pull_1000_events_bytes": len(plain.content),
        "pull_1000_events_gzip_bytes": zipped.num_bytes_downloaded,
        "pull_ratio": round(pull_ratio, 2),
    }
    for key, value in figures.items():
        record_property(key, value)
    with capsys.disabled():
        print("\ncompression:", json.dumps(figures))  # noqa: T201 - the measured figure
    assert push_ratio > 4
    assert pull_ratio > 4

    # The whole round with compressed bodies both ways converges B on A.
    assert sync_cli(run_cli, b) == {"pushed": 0, "pulled": 1000, "rejected": 0}


def test_compressed_bodies_are_checked_before_any_transaction(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    _make_events(a, 2)
    with _ws(a) as ws, ws.db.read() as s:
        batch = [_wire(r) for r in s.scalars(_pending(load_credentials(ws).device_id, 500))]
    body = json.dumps({"epoch": None, "events": batch}).encode("utf-8")
    packed = gzip.compress(body)
    # 64 MiB of spaces inside valid JSON: ~64 KiB on the wire, 16x the limit once inflated.
    bomb = gzip.compress(body[:-1] + b" " * (64 * 1024 * 1024) + b"}", compresslevel=9)
    assert len(bomb) < 4 * 1024 * 1024 // 8
    headers = {**_auth(a), "Content-Type": "application/json"}

    def post(data: bytes, encoding: str) -> httpx.Response:
        return httpx.post(
            f"{server}/v1/push",
            content=data,
            headers={**headers, "Content-Encoding": encoding},
            timeout=30,
        )

    too_big = post(bomb, "gzip")
    assert too_big.status_code == 413, too_big.text
    assert "quá lớn" in too_big.json()["detail"]
    corrupt = post(b"\x1f\x8b\x08\x00not really gzip" + packed[20:], "gzip")
    assert corrupt.status_code == 400, corrupt.text
    assert "gzip" in corrupt.json()["detail"]
    truncated = post(packed[: len(packed) // 2], "gzip")
    assert truncated.status_code == 400, truncated.text
    unknown = post(body, "br")
    assert unknown.status_code == 415, unknown.text
    assert "không được hỗ trợ" in unknown.json()["detail"]
    assert _server_events(server_db) == 0  # nothing reached a transaction

    good = post(packed, "gzip")
    assert good.status_code == 200, good.text
    assert [r["disposition"] for r in good.json()["results"]] == ["applied"] * 4
    assert _server_events(server_db) == 4


# --------------------------------------------------------------------------- long-poll


def test_long_poll_answers_as_soon_as_an_event_commits(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    _make_events(a, 1)
    got: dict[str, Any] = {}

    def wait_for_news() -> None:
        with _ws(b) as ws, connect(ws) as client:
            started = time.monotonic()
            got["page"] = client.pull(0, 500, wait=10)
            got["answered_at"] = time.monotonic()
            got["waited"] = got["answered_at"] - started

    puller = threading.Thread(target=wait_for_news)
    puller.start()
    time.sleep(1.0)
    assert puller.is_alive()  # still waiting: nothing to pull yet
    assert sync_cli(run_cli, a)["pushed"] == 2
    pushed_at = time.monotonic()
    puller.join(15)
    assert not puller.is_alive()
    kinds = [e["type"] for e in got["page"]["events"]]
    assert kinds == ["dossier.received", "dossier.field_edited"]
    assert got["answered_at"] - pushed_at < 1.0, got
    assert 0.9 < got["waited"] < 5, got


def test_long_poll_sees_a_commit_of_another_server_process(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    """Two server processes on one database: the waiting one finds the push by polling."""
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    _make_events(a, 1)
    with running_server(server_db, tmp_path / "server2.log") as second, _ws(b) as ws_b:
        got: dict[str, Any] = {}

        def wait_for_news() -> None:
            with connect(ws_b) as client:  # the first process
                got["page"] = client.pull(0, 500, wait=10)
                got["answered_at"] = time.monotonic()

        puller = threading.Thread(target=wait_for_news)
        puller.start()
        time.sleep(1.0)
        assert puller.is_alive()
        with _ws(a) as ws_a:
            creds = load_credentials(ws_a)
            with SyncClient(second, device_id=creds.device_id, secret=creds.secret) as other:
                assert push_pending(ws_a, other).pushed == 2
        pushed_at = time.monotonic()
        puller.join(15)
        assert not puller.is_alive()
    assert len(got["page"]["events"]) == 2
    assert got["answered_at"] - pushed_at < 1.5, got  # a 0.2 s poll, on a loaded machine


def test_idle_long_poll_returns_empty_after_the_wait(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    with _ws(b) as ws, connect(ws) as client:
        started = time.monotonic()
        page = client.pull(0, 500, wait=1.5)
        waited = time.monotonic() - started
        assert (page["events"], page["next"], page["more"]) == ([], 0, False)
        assert 1.5 <= waited < 3.0, waited
        started = time.monotonic()
        assert client.pull(0, 500)["events"] == []  # no wait: answers at once
        assert time.monotonic() - started < 1.0
    too_long = httpx.get(
        f"{server}/v1/pull", params={"after": 0, "wait": 31}, headers=_auth(b), timeout=10
    )
    assert too_long.status_code == 400


# --------------------------------------------------------------------------- TLS


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, Path]:
    """A self-signed CA and a server certificate it signed for 127.0.0.1/localhost."""
    if shutil.which("openssl") is None:  # pragma: no cover - environment
        pytest.skip("openssl command not available")
    d = tmp_path / "pki"
    d.mkdir()
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=OneStop Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1",
        cwd=d,
    )  # fmt: skip
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=CA:FALSE\n",
        encoding="ascii",
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf",
        cwd=d,
    )  # fmt: skip
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}


@contextmanager
def _tls_server(db_url: str, log_file: Path, pki: dict[str, Path]) -> Iterator[str]:
    """``onestop server run --cert --key`` on a free port; yields its https base URL."""
    port = free_port()
    trust = ssl.create_default_context(cafile=str(pki["ca"]))
    with log_file.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "onestop_desktop", "server", "run", "--db", db_url,
                "--bind", f"127.0.0.1:{port}", "--cert", str(pki["cert"]), "--key", str(pki["key"]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=dict(os.environ),
        )  # fmt: skip
        base = f"https://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1, verify=trust).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log_file.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
            yield base
        finally:
            proc.kill()
            proc.wait(10)


def test_workstation_enrolls_and_syncs_over_https_trusting_the_ca(
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    pki: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _tls_server(server_db, tmp_path / "server.log", pki) as base:
        # Not trusted (the system CAs do not know ours): a clear message, nothing changed.
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        path = tmp_path / "A.db"
        assert run_cli("init", db=path)[0] == 0
        token = enroll_token(server_db)
        code, _out, err = run_cli("enroll", "--server", base, "--token", token, db=path)
        assert code == 3, err
        assert "chứng chỉ bảo mật (TLS)" in err
        assert "--ca-file" in err
        with SyncClient(base) as untrusted, pytest.raises(ServerUnreachable, match="chứng chỉ"):
            untrusted.health()

        # Trusting the CA file: the token was not used up by the refused attempt.
        code, _out, err = run_cli(
            "enroll", "--server", base, "--token", token, "--ca-file", str(pki["ca"]), db=path
        )
        assert (code, err) == (0, ""), err
        with _ws(path) as ws:
            creds = load_credentials(ws)
        with SyncClient(
            base, device_id=creds.device_id, secret=creds.secret, ca_file=pki["ca"]
        ) as client:
            assert client.whoami()["office_code"] == WARD

        # `onestop sync` trusts the CA given at enrollment (no SSL_CERT_FILE needed).
        _make_events(path, 1)
        assert sync_cli(run_cli, path) == {"pushed": 2, "pulled": 0, "rejected": 0}
        assert _server_events(server_db) == 2
