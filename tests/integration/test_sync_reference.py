"""Reference data flowing down from a real ``onestop server run`` process; the server wins.

The server's admin imports (``onestop server import catalog|calendar``) reach an enrolled
workstation through ``pull_reference``; a local catalog edit is overwritten, a local-only
procedure is retired (never deleted); an unchanged version writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment_client import connect, load_credentials
from onestop_desktop.services.sync_reference import REFERENCE_VERSION, pull_reference
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import SyncClient
from tests.conftest import CliRunner
from tests.integration._server import server_cli

WARD = "000.01.09.H24"
CATALOG_HEADER = "code,name,field,level,processing_days,time_unit,fee,fee_note,online_level\n"
CHANGED = (
    "1.004873,Cấp Giấy xác nhận tình trạng hôn nhân,Hộ tịch,ward,{days},working_days,0,,full\n"
)
NEW = "1.999999,Xác nhận thông tin cư trú,Cư trú,ward,2,working_days,0,,partial\n"


def _enrolled(server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, name: str) -> Path:
    path = tmp_path / f"{name}.db"
    code, _out, err = run_cli("init", db=path)
    assert (code, err) == (0, "")
    proc = server_cli("enroll-token", "--db", server_db, "--office", WARD, "--json")
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["token"]
    code, _out, err = run_cli("enroll", "--server", server, "--token", token, db=path)
    assert (code, err) == (0, ""), err
    return path


@contextmanager
def _ws(path: Path) -> Iterator[Workstation]:
    ws = Workstation(Database.open(path), username="tester")
    try:
        yield ws
    finally:
        ws.db.dispose()


def _pull(ws: Workstation) -> Any:
    with connect(ws) as client:
        return pull_reference(ws, client)


def _rows(path: Path | str, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def _procedure(path: Path | str, code: str) -> tuple[Any, ...]:
    rows = _rows(path, f"SELECT processing_days, active FROM procedures WHERE code = '{code}'")
    assert len(rows) == 1, rows
    return rows[0]


def _server_import(server_db: str, what: str, file: Path) -> None:
    proc = server_cli("import", what, str(file), "--db", server_db)
    assert proc.returncode == 0, proc.stderr


def test_server_catalog_and_calendar_changes_reach_the_workstation(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    with _ws(a) as ws, _ws(a) as other:
        first = _pull(ws)
        assert not first.unchanged
        assert first.procedures == len(_rows(server_db, "SELECT code FROM procedures"))
        assert first.offices >= 1
        assert first.units == 0  # the same bundled units: none rewritten
        assert first.devices == 0  # only this workstation so far: its own row is left alone
        with ws.db.read() as s:
            assert ws.procedure(s, "1.004873").processing_days == 3  # cached now
        with other.db.read() as s:  # another process-like cache of the same database
            assert other.procedure(s, "1.004873").processing_days == 3
            assert other.calendar(s).is_working_day(date(2026, 1, 9))

        catalog = tmp_path / "server_catalog.csv"
        catalog.write_text(CATALOG_HEADER + CHANGED.format(days=5) + NEW, encoding="utf-8")
        _server_import(server_db, "catalog", catalog)
        calendar = tmp_path / "server_calendar.csv"
        calendar.write_text("date,kind,note\n2026-01-09,holiday,Nghỉ bù\n", encoding="utf-8")
        _server_import(server_db, "calendar", calendar)
        units = tmp_path / "server_units.csv"
        units.write_text(
            "code,name,level,parent_code\nN00004,Phường Ba Đình (mới),ward,01\n", encoding="utf-8"
        )
        _server_import(server_db, "units", units)

        second = _pull(ws)
        assert not second.unchanged
        assert second.version != first.version
        assert second.calendar_days == 1
        assert second.units == 1
        assert _rows(a, "SELECT name FROM admin_units WHERE code = 'N00004'") == [
            ("Phường Ba Đình (mới)",)
        ]
        assert _procedure(a, "1.004873") == (5, 1)
        assert _procedure(a, "1.999999") == (2, 1)
        assert _rows(a, "SELECT day, kind, note FROM calendar_days") == [
            ("2026-01-09", "holiday", "Nghỉ bù")
        ]
        with ws.db.read() as s:  # the caches saw the version stamps move
            assert ws.procedure(s, "1.004873").processing_days == 5
        with other.db.read() as s:
            assert other.procedure(s, "1.004873").processing_days == 5
            assert other.procedure(s, "1.999999").name == "Xác nhận thông tin cư trú"
            assert not other.calendar(s).is_working_day(date(2026, 1, 9))

    code, out, err = run_cli(
        "--json", "intake", "--procedure", "1.999999", "--name", "Trần Văn Bình", db=a
    )
    assert code == 0, err
    assert json.loads(out)["procedure_code"] == "1.999999"


def test_local_catalog_edits_lose_to_the_server(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    with _ws(a) as ws:
        _pull(ws)
    local = tmp_path / "local_catalog.csv"
    local.write_text(
        CATALOG_HEADER
        + CHANGED.format(days=99)
        + "9.000001,Thủ tục chỉ có ở máy trạm,Khác,ward,1,working_days,0,,none\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli("catalog", "import", str(local), db=a)
    assert code == 0, err
    assert _procedure(a, "1.004873") == (99, 1)
    code, _out, err = run_cli("intake", "--procedure", "9.000001", "--name", "Lê Thị Cúc", db=a)
    assert code == 0, err

    with _ws(a) as ws:
        summary = _pull(ws)
        assert not summary.unchanged  # same server version, but the local data moved
        assert summary.retired == 1
    assert _procedure(a, "1.004873") == (3, 1)
    # Retired, not deleted: the dossier received under it still names it.
    assert _procedure(a, "9.000001") == (1, 0)
    assert _rows(a, "SELECT retired_at IS NOT NULL FROM procedures WHERE code = '9.000001'") == [
        (1,)
    ]
    assert _rows(a, "SELECT count(*) FROM dossiers WHERE procedure_code = '9.000001'") == [(1,)]
    code, _out, err = run_cli("intake", "--procedure", "9.000001", "--name", "Lê Văn Dũng", db=a)
    assert code != 0
    assert "bãi bỏ" in err


def test_unchanged_version_writes_nothing(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = _enrolled(server, server_db, tmp_path, run_cli, "A")
    with _ws(a) as ws:
        first = _pull(ws)
        assert _rows(a, f"SELECT value FROM settings WHERE key = '{REFERENCE_VERSION}'") == [
            (first.version,)
        ]
        watcher = sqlite3.connect(a)
        try:
            before = watcher.execute("PRAGMA data_version").fetchone()[0]
            again = _pull(ws)
            assert (again.unchanged, again.version) == (True, first.version)
            # A server without the endpoint (404 under a path prefix) changes nothing either.
            creds = load_credentials(ws)
            with SyncClient(
                f"{server}/older", device_id=creds.device_id, secret=creds.secret
            ) as older:
                assert pull_reference(ws, older).unchanged
            assert watcher.execute("PRAGMA data_version").fetchone()[0] == before  # no commit
        finally:
            watcher.close()
        with connect(ws) as client:
            assert client.reference(first.version) == {
                "version": first.version,
                "unchanged": True,
                "data": None,
            }

        # A second workstation enrolls: the devices of the scope changed, so does the version.
        _enrolled(server, server_db, tmp_path, run_cli, "B")
        third = _pull(ws)
        assert not third.unchanged
        assert third.version != first.version
        assert third.devices == 1
    assert len(_rows(a, "SELECT id FROM devices WHERE is_local = 0")) == 1
