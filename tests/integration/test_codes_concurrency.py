"""Dossier codes stay unique: several offline workstations of one office, and several processes
writing to one database file at the same time."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.codes import DOSSIER_CODE_RE, device_of_sequence
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, intake
from onestop_desktop.services.importer import import_dossiers
from onestop_desktop.services.reference import init_workstation
from onestop_desktop.store.db import Database
from tests.conftest import TEMPLATE_OFFICE, FixedClock
from tests.integration import _workers

DAY = datetime(2026, 1, 5, 8, 0, tzinfo=VN_TZ)
#: Circular 01/2018 layout for this office and day: agency-YYMMDD-sequence (≥ 4 digits).
NATIONAL = re.compile(rf"^{re.escape(TEMPLATE_OFFICE)}-260105-\d{{4,}}$")
IMPORT_HEADER = (
    "code,procedure_code,office_code,applicant_name,id_number,phone,channel,"
    "received_at,due_at,resolved_at,returned_at\n"
)


def _reset_identity(path: Path) -> None:
    """Forget the template's device identity, as a freshly installed workstation has none."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(
                "DELETE FROM settings WHERE key IN "
                "('device_id', 'device_number', 'next_device_seq', 'hlc_last')"
            )
            conn.execute("DELETE FROM devices")
    finally:
        conn.close()


def _workstation_files(new_db: Callable[[str], Path], numbers: range) -> dict[int, Path]:
    files: dict[int, Path] = {}
    for number in numbers:
        path = new_db(f"ws{number}.db")
        _reset_identity(path)
        db = Database.open(path)
        try:
            res = init_workstation(
                Workstation(db, clock=FixedClock(DAY), username=f"clerk{number}"),
                office_code=TEMPLATE_OFFICE,
                device_number=number,
            )
            assert res.device_number == number
        finally:
            db.dispose()
        files[number] = path
    return files


def _device_ids(files: dict[int, Path]) -> set[str]:
    ids = set()
    for path in files.values():
        conn = sqlite3.connect(path)
        try:
            ids.add(conn.execute("SELECT value FROM settings WHERE key='device_id'").fetchone()[0])
        finally:
            conn.close()
    return ids


@pytest.mark.slow
def test_offline_workstations_of_one_office_never_issue_the_same_code(
    new_db: Callable[[str], Path], tmp_path: Path
) -> None:
    files = _workstation_files(new_db, range(1, 5))
    assert len(_device_ids(files)) == 4
    # 1,050 codes per device, past its first block of 999 numbers: some one by one at the
    # counter (a transaction each, interleaved with the other devices), the rest by import.
    intakes, imported = 60, 990
    barrier = threading.Barrier(len(files))
    results: dict[int, list[str]] = {}
    failures: list[BaseException] = []

    def work(number: int, path: Path) -> None:
        db = Database.open(path)
        try:
            ws = Workstation(db, clock=FixedClock(DAY), username=f"clerk{number}")
            barrier.wait(timeout=60)
            codes = []
            for i in range(intakes):
                view = intake(
                    ws,
                    IntakeRequest(
                        procedure_code="1.004873",
                        applicant_name=f"Trần Thị Mai {number} {i}",
                        received_at=DAY + timedelta(hours=1, seconds=i),
                    ),
                )
                codes.append(view.code)
            csv = tmp_path / f"import{number}.csv"
            csv.write_text(
                IMPORT_HEADER
                + "".join(
                    f",1.004873,,Lê Văn Nam {number} {i},,,direct,2026-01-05T10:00:00,,,\n"
                    for i in range(imported)
                ),
                encoding="utf-8",
            )
            res = import_dossiers(ws, csv)
            assert (res.imported, res.generated_codes) == (imported, imported)
            with db.read() as s:
                from sqlalchemy import select

                from onestop_desktop.store.models import DossierRow

                results[number] = list(s.scalars(select(DossierRow.code)))
            assert len(results[number]) == intakes + imported
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            failures.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=work, args=item) for item in files.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if failures:
        raise failures[0]
    assert sorted(results) == [1, 2, 3, 4]

    union = [code for codes in results.values() for code in codes]
    assert len(union) == 4 * (intakes + imported)
    assert len(set(union)) == len(union), "a code was issued twice"
    for number, codes in results.items():
        for code in codes:
            assert NATIONAL.fullmatch(code), code
            assert DOSSIER_CODE_RE.fullmatch(code), code
            assert device_of_sequence(int(code.rsplit("-", 1)[1])) == number, code
        sequences = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
        # Device d: d001…d999, then (100 + d)001…: the first block is used up without a gap.
        first_block = [number * 1000 + k for k in range(1, 1000)]
        assert sequences[:999] == first_block
        assert sequences[999] == (100 + number) * 1000 + 1


@pytest.mark.slow
def test_processes_writing_to_one_database_at_once(db_path: Path) -> None:
    workers, per_worker = 4, 100
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_workers.intake_many,
            args=(str(db_path), n, per_worker, barrier, results),
        )
        for n in range(1, workers + 1)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    results.close()
    results.join_thread()

    errors = [e for _, _, errs in got for e in errs]
    assert errors == []
    codes = [c for _, cs, _ in got for c in cs]
    assert len(codes) == workers * per_worker
    assert len(set(codes)) == len(codes)
    # One workstation (device 1): its daily slice 1001… is used without a gap.
    assert sorted(codes) == [
        f"{TEMPLATE_OFFICE}-260105-{seq}" for seq in range(1001, 1001 + workers * per_worker)
    ]

    conn = sqlite3.connect(db_path)
    try:
        seqs = [r[0] for r in conn.execute("SELECT device_seq FROM events ORDER BY device_seq")]
        devices = {r[0] for r in conn.execute("SELECT DISTINCT device_id FROM events")}
        users = {
            r[0]
            for r in conn.execute(
                "SELECT u.username FROM events e JOIN users u ON u.id = e.user_id"
            )
        }
        dossiers = conn.execute("SELECT count(*) FROM dossiers").fetchone()[0]
        next_seq = conn.execute(
            "SELECT value FROM settings WHERE key = 'next_device_seq'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert seqs == list(range(1, workers * per_worker + 1))
    assert len(devices) == 1
    assert users == {f"clerk{n}" for n in range(1, workers + 1)}
    assert dossiers == workers * per_worker
    assert int(next_seq) == workers * per_worker + 1


def test_a_running_workstation_sees_a_new_device_number_at_once(db_path: Path) -> None:
    """A GUI left open must not keep issuing codes from the slice it had before a re-init."""
    gui = Workstation(Database.open(db_path))
    first = intake(gui, IntakeRequest(procedure_code="1.001193", applicant_name="Trần Văn Bình"))
    assert device_of_sequence(int(first.code.rsplit("-", 1)[1])) == 1
    other = Workstation(Database.open(db_path))  # e.g. `onestop init --device 7` from the CLI
    init_workstation(other, device_number=7)
    second = intake(gui, IntakeRequest(procedure_code="1.001193", applicant_name="Trần Văn Bình"))
    assert device_of_sequence(int(second.code.rsplit("-", 1)[1])) == 7
    gui.db.dispose()
    other.db.dispose()
