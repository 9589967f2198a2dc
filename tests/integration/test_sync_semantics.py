"""Sync semantics against a real server process: rejected events are kept, epochs, clocks.

SYNC-FAULTS.md 12 (clock skew: clamped times, device flagged, never refused), 14 (a server
restored from a backup one hour old gets back what it lost), 18 (rejected events stored with
their reason, the queue not blocked) and the scope rule for creations.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from onestop_desktop.domain.dossier import Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import advance
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.services.sync_push import _wire, push_pending
from onestop_desktop.services.sync_round import rejected_events, sync_round, sync_status
from onestop_desktop.store.db import Database
from tests.conftest import CliRunner, FixedClock, copy_db
from tests.integration._server import running_server, server_cli
from tests.integration._sync_helpers import (
    WARD,
    dossier_rows,
    enrolled,
    intake_at,
    rows,
    sync_cli,
)

OTHER = "000.02.09.H24"  # another ward of the bundled data: outside WARD's scope
DISTRICT = "000.00.09.H24"  # the district's office: its scope spans every ward


def _server_events(db_path: str) -> list[tuple[object, ...]]:
    return rows(
        Path(db_path),
        "SELECT id, device_id, device_seq, server_seq, disposition FROM events ORDER BY server_seq",
    )


def _assert_gapless(db_path: str) -> None:
    seqs = [r[3] for r in _server_events(db_path)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_rejected_events_are_stored_and_do_not_block_the_queue(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    intake_at(run_cli, a, "Trần Thị Bình", "2026-01-05T09:00")
    ws = Workstation(Database.open(a), username="tester")
    with connect(ws) as client:
        push_pending(ws, client)
        # Hand-made events of the same device, the next in its sequence: one for a dossier
        # the server never saw, one creating a dossier of another office (out of scope).
        with ws.db.read() as s:
            from onestop_desktop.store.models import EventRow

            first = _wire(s.query(EventRow).order_by(EventRow.device_seq).first())
        unknown = {
            **first,
            "id": "019a0000-0000-7000-8000-00000000aaaa",
            "dossier_id": "019a0000-0000-7000-8000-00000000dddd",
            "type": "dossier.field_edited",
            "payload": {"field": "phone", "old": None, "new": "0912345678"},
            "device_seq": first["device_seq"] + 1,
        }
        foreign = {
            **first,
            "id": "019a0000-0000-7000-8000-00000000bbbb",
            "dossier_id": "019a0000-0000-7000-8000-00000000eeee",
            "payload": {**first["payload"], "office_code": OTHER, "code": "X-1"},
            "device_seq": first["device_seq"] + 2,
        }
        answer = client.push([unknown, foreign])
    got = {r["id"]: r["disposition"] for r in answer["results"]}
    assert got == {unknown["id"]: "rejected:unknown", foreign["id"]: "rejected:scope"}
    stored = {r[0]: r[4] for r in _server_events(server_db)}
    assert stored[unknown["id"]] == "rejected:unknown"
    assert stored[foreign["id"]] == "rejected:scope"
    # No projection for either: the server only holds A's real dossier.
    assert rows(Path(server_db), "SELECT count(*) FROM dossiers") == [(1,)]
    _assert_gapless(server_db)


def test_a_status_conflict_is_kept_rejected_and_listed(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    b = enrolled(server, server_db, tmp_path, run_cli, "B")
    code = intake_at(run_cli, a, "Lê Văn Cường", "2026-01-05T09:00")
    sync_cli(run_cli, a)
    sync_cli(run_cli, b)
    # Both counters act on the same dossier while offline: A withdraws it, B refuses it.
    assert run_cli("advance", code, "--to", "withdrawn", "--reason", "Công dân rút", db=a)[0] == 0
    assert run_cli("advance", code, "--to", "refused", "--reason", "Thiếu giấy tờ", db=b)[0] == 0
    assert sync_cli(run_cli, a)["rejected"] == 0
    assert sync_cli(run_cli, b) == {"pushed": 1, "pulled": 1, "rejected": 1}
    sync_cli(run_cli, a)
    # Converged: the first in server order won everywhere; the loser is kept and listed.
    assert dossier_rows(a) == dossier_rows(b)
    assert rows(a, "SELECT status FROM dossiers") == [(Status.WITHDRAWN.value,)]
    for path, mine in ((b, True), (a, False)):
        ws = Workstation(Database.open(path), username="tester")
        listed = rejected_events(ws)
        assert [(r.dossier_code, r.reason, r.mine) for r in listed] == [(code, "conflict", mine)]
        assert sync_status(ws).rejected == 1
    # A report says how fresh it is: last sync, and this PC's changes not yet on the server.
    report = ("--json", "report", "--from", "2026-01-01", "--to", "2026-01-31")
    got = json.loads(run_cli(*report, db=a)[1])
    assert got["synced_at"] is not None
    assert got["unsynced"] == 0
    intake_at(run_cli, a, "Lý Thị Oanh", "2026-01-05T11:00")
    code, out, _err = run_cli(*report[1:], db=a)
    assert json.loads(run_cli(*report, db=a)[1])["unsynced"] == 1
    assert "Còn 1 thay đổi của máy này chưa đồng bộ" in out


def test_server_restored_from_backup_gets_back_what_it_lost(
    server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    """SYNC-FAULTS 14: the restored server has a new epoch; clients reconcile; nothing lost."""
    backup = tmp_path / "server-backup.db"
    with running_server(server_db, tmp_path / "s1.log") as base:
        a = enrolled(base, server_db, tmp_path, run_cli, "A")
        b = enrolled(base, server_db, tmp_path, run_cli, "B")
        intake_at(run_cli, a, "Phạm Thị Dung", "2026-01-05T09:00")
        sync_cli(run_cli, a)
        sync_cli(run_cli, b)
        copy_db(Path(server_db), backup)  # the backup "one hour old"
        lost = [intake_at(run_cli, a, f"Hoàng Văn Em {i}", f"2026-01-05T10:0{i}") for i in range(3)]
        intake_at(run_cli, b, "Đỗ Thị Giang", "2026-01-05T10:30")
        sync_cli(run_cli, a)
        sync_cli(run_cli, b)
        sync_cli(run_cli, a)
        before = {r[0] for r in _server_events(server_db)}
    for suffix in ("", "-wal", "-shm"):
        Path(server_db + suffix).unlink(missing_ok=True)
    copy_db(backup, Path(server_db))
    assert len(_server_events(server_db)) == 1  # the restored server lost 4 dossiers
    with running_server(server_db, tmp_path / "s2.log") as base:
        for path in (a, b):  # the restored server answers on a new address here
            conn = sqlite3.connect(path)
            conn.execute("UPDATE settings SET value = ? WHERE key = 'server_url'", (base,))
            conn.commit()
            conn.close()
        sync_cli(run_cli, b)
        sync_cli(run_cli, a)
        sync_cli(run_cli, b)
        sync_cli(run_cli, a)
    after = _server_events(server_db)
    assert {r[0] for r in after} == before  # every event is back, exactly once
    assert len(after) == len(before)
    _assert_gapless(server_db)
    assert dossier_rows(a) == dossier_rows(b)
    codes = {r[0] for r in rows(Path(server_db), "SELECT code FROM dossiers")}
    assert set(lost) <= codes
    assert len(codes) == 5
    for path in (a, b):
        assert rows(path, "SELECT count(*) FROM events WHERE server_seq IS NULL") == [(0,)]


@pytest.mark.parametrize("skew", [timedelta(hours=2), timedelta(days=-3)])
def test_a_skewed_clock_is_flagged_clamped_and_never_refused(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner, skew: timedelta
) -> None:
    """SYNC-FAULTS 12: 2 h fast / 3 days slow: sync works, skew stored, future times clamped."""
    path = enrolled(server, server_db, tmp_path, run_cli, "A")
    code = intake_at(run_cli, path, "Vũ Thị Hoa", "2026-01-05T09:00")
    from onestop_desktop.services.context import utc_now

    clock = FixedClock(utc_now() + skew)
    ws = Workstation(Database.open(path), clock=clock, username="tester")
    advance(ws, code, Status.IN_PROGRESS)
    with connect(ws) as client:
        res = sync_round(ws, client)
    assert res.pushed == 2
    assert res.rejected == 0
    assert (res.warning is not None) is True  # the clerk is told to fix the clock
    (skew_s,) = rows(Path(server_db), "SELECT clock_skew_s FROM devices WHERE is_local = 0")[0]
    assert abs(skew_s - skew.total_seconds()) < 60
    server_times = dict(rows(Path(server_db), "SELECT id, occurred_at FROM events"))
    local_times = dict(rows(path, "SELECT id, occurred_at FROM events"))
    assert server_times == local_times  # the author keeps the time the server stored
    if skew > timedelta(0):  # the advance was stamped 2 h ahead: clamped to the receipt
        latest = max(server_times.values())
        assert str(latest) < str(clock.now.replace(tzinfo=None))
    assert json.loads(json.dumps(res.pushed)) == 2


def test_a_revoked_device_exports_its_signed_outbox_for_the_admin(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    """SYNC-FAULTS 21: refused; the outbox exported signed; imported after review; no loss."""
    a = enrolled(server, server_db, tmp_path, run_cli, "A")
    intake_at(run_cli, a, "Ngô Văn Khoa", "2026-01-05T09:00")
    sync_cli(run_cli, a)
    late = intake_at(run_cli, a, "Ngô Thị Lan", "2026-01-05T09:30")
    (device_id,) = rows(a, "SELECT value FROM settings WHERE key = 'device_id'")[0]
    proc = server_cli("revoke-device", "--db", server_db, str(device_id))
    assert proc.returncode == 0, proc.stderr
    code, _out, err = run_cli("sync", db=a)
    assert code == 1
    assert "thu hồi" in err
    assert rows(a, "SELECT count(*) FROM events WHERE server_seq IS NULL") == [(1,)]
    out = tmp_path / "outbox.json"
    code, got, err = run_cli("--json", "outbox", "export", "--out", str(out), db=a)
    assert code == 0, err
    assert json.loads(got)["exported"] == 1
    forged = tmp_path / "forged.json"
    body = json.loads(out.read_text(encoding="utf-8"))
    body["events"][0]["payload"]["applicant_name"] = "Người Khác"
    forged.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    proc = server_cli("import-outbox", "--db", server_db, str(forged))
    assert proc.returncode == 1
    assert "Chữ ký" in proc.stderr
    proc = server_cli("import-outbox", "--db", server_db, "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stored"] == 1
    assert (late,) in rows(Path(server_db), "SELECT code FROM dossiers")
    _assert_gapless(server_db)
    proc = server_cli("devices", "--db", server_db, "--json")
    assert [d["revoked"] for d in json.loads(proc.stdout)] == [True]


def test_a_damaged_database_is_detected_and_its_outbox_salvaged(
    tmp_path: Path, run_cli: CliRunner
) -> None:
    """SYNC-FAULTS 15: `onestop check` refuses the file (exit 3) and salvages pending events."""
    path = tmp_path / "ws.db"
    assert run_cli("init", db=path)[0] == 0
    for i in range(3):
        intake_at(run_cli, path, f"Bùi Văn Minh {i}", f"2026-01-05T09:0{i}")
    assert run_cli("check", db=path)[0] == 0
    conn = sqlite3.connect(path)
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'ix_dossiers_name_folded'"
    ).fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as f:  # a disk error wipes one index page
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    # Work on the damaged file is refused with what to do, not half-written.
    code, _out, err = run_cli("intake", "--procedure", "1.004873", "--name", "Bùi Thị Nga", db=path)
    assert code == 3
    assert "onestop check --salvage" in err
    salvage = tmp_path / "salvaged.json"
    code, _out, err = run_cli("check", "--salvage", str(salvage), db=path)
    assert code == 3
    assert "bị hỏng" in err
    assert "đăng ký lại" in err
    events = json.loads(salvage.read_text(encoding="utf-8"))["events"]
    assert len(events) == 3
    assert {e["type"] for e in events} == {"dossier.received"}


def test_same_citizen_received_at_two_offices_offline_is_flagged_not_merged(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    """SYNC-FAULTS 28: both kept; flagged on the node that sees both; merging stays explicit."""
    ward = enrolled(server, server_db, tmp_path, run_cli, "ward")
    other = enrolled(server, server_db, tmp_path, run_cli, "other", office=OTHER)
    district = enrolled(server, server_db, tmp_path, run_cli, "district", office=DISTRICT)
    codes = []
    for path in (ward, other):
        code, out, err = run_cli(
            "--json", "intake", "--procedure", "1.004873", "--name", "Trịnh Văn Nam",
            "--id-number", "001203012345", "--received-at", "2026-01-05T09:00", db=path,
        )  # fmt: skip
        assert code == 0, err
        codes.append(json.loads(out)["code"])
        sync_cli(run_cli, path)
    sync_cli(run_cli, district)
    assert rows(district, "SELECT count(*) FROM dossiers") == [(2,)]  # both kept
    code, out, err = run_cli("--json", "duplicates", db=district)
    assert code == 0, err
    assert json.loads(out) == [
        {
            "id_number": "001203012345",
            "procedure_code": "1.004873",
            "codes": sorted(codes),
            "offices": sorted([WARD, OTHER]),
        }
    ]
    code, out, _err = run_cli("--json", "show", codes[0], db=district)
    assert json.loads(out)["possible_duplicate"] is True
    # Each ward sees only its own dossier: nothing to flag there.
    assert json.loads(run_cli("--json", "duplicates", db=ward)[1]) == []
    # The explicit merge: withdraw one with a reason; the flag goes away everywhere.
    code, _out, err = run_cli(
        "advance", codes[1], "--to", "withdrawn", "--reason", f"Trùng hồ sơ {codes[0]}", db=other
    )
    assert code == 0, err
    sync_cli(run_cli, other)
    sync_cli(run_cli, district)
    assert json.loads(run_cli("--json", "duplicates", db=district)[1]) == []


def test_a_dossier_entering_the_scope_late_gets_its_history_by_id(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    """SYNC-FAULTS 23: the cursor passed its creation while it was out of scope."""
    ward = enrolled(server, server_db, tmp_path, run_cli, "ward")
    other = enrolled(server, server_db, tmp_path, run_cli, "other", office=OTHER)
    code = intake_at(run_cli, other, "Cao Thị Phương", "2026-01-05T09:00")
    sync_cli(run_cli, other)
    intake_at(run_cli, ward, "Mai Văn Quang", "2026-01-05T09:10")
    sync_cli(run_cli, ward)  # its cursor is now past the other ward's creation event
    assert rows(ward, "SELECT count(*) FROM dossiers") == [(1,)]
    # The other ward is merged into this one (2025 reorganisation): its unit moves under ours.
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,level,parent_code\n00346,Phường Thượng Đình,ward,00343\n", encoding="utf-8"
    )
    proc = server_cli("import", "units", str(units), "--db", server_db)
    assert proc.returncode == 0, proc.stderr
    assert run_cli("advance", code, "--to", "in_progress", db=other)[0] == 0
    sync_cli(run_cli, other)
    sync_cli(run_cli, ward)  # pulls the advance, then fetches the dossier's history by id
    assert rows(ward, f"SELECT status FROM dossiers WHERE code = '{code}'") == [("in_progress",)]
    mine = {r[0]: r[1:] for r in dossier_rows(ward)}
    theirs = {r[0]: r[1:] for r in dossier_rows(other)}
    assert mine[code_id(other, code)] == theirs[code_id(other, code)]


def code_id(path: Path, code: str) -> str:
    return str(rows(path, f"SELECT id FROM dossiers WHERE code = '{code}'")[0][0])
