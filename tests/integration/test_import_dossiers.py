"""Bulk dossier import: all or nothing, every bad line reported with its number."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, get_dossier, intake
from onestop_desktop.services.importer import import_dossiers
from onestop_desktop.store.csvfile import ImportFailed
from tests.conftest import TEMPLATE_OFFICE, CliRunner, vn

WriteFile = Callable[[str, str], Path]
Counts = Callable[..., dict[str, int]]
HEADER = (
    "code,procedure_code,office_code,applicant_name,id_number,phone,channel,"
    "received_at,due_at,resolved_at,returned_at\n"
)
GOOD = (
    HEADER
    # line 2: given code, default office, blank due → computed (3 working days), resolved early
    + "000.01.09.H24-251201-0001,1.004873,,Nguyễn Văn An,001090012345,0912345678,direct,"
    "2025-12-01T09:00:00,,2025-12-03T10:00:00,\n"
    # line 3: generated code, online, explicit due, returned only → resolved at the same time
     + ",1.004873,000.01.09.H24,Trần Thị Bình,,,online,2026-01-05T09:00:00,"
    "2026-01-09T17:00:00,,2026-01-08T10:00:00\n"
    # line 4: generated code for another office, postal, resolved then returned
     + ",1.004873,000.02.09.H24,Lê Văn Cường,,,postal,2026-01-05T10:00:00+07:00,,"
    "2026-01-06T09:00:00,2026-01-07T08:00:00\n"
    # line 5: a code in the new (2025) identifier layout
    + "H24.367.01-260105-0001,1.004222,H24.367.01,Phạm Thị Dung,,,,2026-01-05T08:00:00,,,\n"
    # line 6: same-day procedure after the 15:00 cut-off, still open
    + ",1.001193,,Hoàng Văn Em,,,direct,2026-01-05T16:00:00,,,\n"
)


def _query(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def test_a_good_file_imports_everything(
    ws: Workstation, write_file: WriteFile, db_path: Path, counts: Counts
) -> None:
    before = counts()
    res = import_dossiers(ws, write_file("good.csv", GOOD))
    assert (res.imported, res.generated_codes) == (5, 3)
    after = counts()
    assert after["dossiers"] == before["dossiers"] + 5
    assert after["events"] == before["events"] + 5

    given = get_dossier(ws, "000.01.09.H24-251201-0001")
    assert given.office_code == TEMPLATE_OFFICE
    assert given.due_at == vn(2025, 12, 4, 17, 0)
    assert given.status == "resolved"
    assert given.resolved_at == vn(2025, 12, 3, 10, 0)
    assert given.id_number == "001090012345"

    # Generated codes come from this device's slice, per office and day, in file order.
    second = get_dossier(ws, f"{TEMPLATE_OFFICE}-260105-1001")
    assert second.applicant_name == "Trần Thị Bình"
    assert (second.channel, second.status) == ("online", "returned")
    assert second.due_at == vn(2026, 1, 9, 17, 0)
    assert second.resolved_at == second.returned_at == vn(2026, 1, 8, 10, 0)

    third = get_dossier(ws, "000.02.09.H24-260105-1001")
    assert (third.channel, third.status) == ("postal", "returned")
    assert third.resolved_at == vn(2026, 1, 6, 9, 0)
    assert third.returned_at == vn(2026, 1, 7, 8, 0)
    assert third.due_at == vn(2026, 1, 8, 17, 0)

    fourth = get_dossier(ws, "H24.367.01-260105-0001")
    assert (fourth.channel, fourth.status) == ("direct", "received")

    fifth = get_dossier(ws, f"{TEMPLATE_OFFICE}-260105-1002")
    assert fifth.due_at == vn(2026, 1, 6, 17, 0)

    resolutions = dict(
        _query(db_path, "SELECT code, resolution FROM dossiers WHERE resolution IS NOT NULL")
    )
    assert resolutions == {
        "000.01.09.H24-251201-0001": "early",
        f"{TEMPLATE_OFFICE}-260105-1001": "early",
        "000.02.09.H24-260105-1001": "early",
    }

    # Every dossier has exactly one dossier.imported event, stamped like any other.
    events = _query(
        db_path,
        "SELECT e.type, e.device_seq, e.user_id, e.device_id, d.code, e.payload "
        "FROM events e JOIN dossiers d ON d.id = e.dossier_id ORDER BY e.device_seq",
    )
    assert [e[0] for e in events] == ["dossier.imported"] * 5
    assert [e[1] for e in events] == [1, 2, 3, 4, 5]
    assert len({e[2] for e in events}) == 1
    assert len({e[3] for e in events}) == 1
    assert [e[4] for e in events] == [
        "000.01.09.H24-251201-0001",
        f"{TEMPLATE_OFFICE}-260105-1001",
        "000.02.09.H24-260105-1001",
        "H24.367.01-260105-0001",
        f"{TEMPLATE_OFFICE}-260105-1002",
    ]
    assert all(json.loads(str(e[5]))["code"] == e[4] for e in events)

    # The counter moved on: the next intake of that day does not reuse an imported code.
    nxt = intake(
        ws,
        IntakeRequest(
            procedure_code="1.004873",
            applicant_name="Vũ Văn Giang",
            received_at=vn(2026, 1, 5, 11),
        ),
    )
    assert nxt.code == f"{TEMPLATE_OFFICE}-260105-1003"


def test_generated_codes_skip_codes_already_taken(ws: Workstation, write_file: WriteFile) -> None:
    text = (
        HEADER
        + f"{TEMPLATE_OFFICE}-260105-1001,1.004873,,Nguyễn Văn An,,,,2026-01-05T09:00:00,,,\n"
        + ",1.004873,,Trần Thị Bình,,,,2026-01-05T09:30:00,,,\n"
    )
    res = import_dossiers(ws, write_file("taken.csv", text))
    assert (res.imported, res.generated_codes) == (2, 1)
    assert get_dossier(ws, f"{TEMPLATE_OFFICE}-260105-1002").applicant_name == "Trần Thị Bình"


def test_excel_style_csv_with_bom_and_semicolons(
    ws: Workstation, write_file: WriteFile, tmp_path: Path
) -> None:
    text = HEADER.replace(",", ";") + ";1.004873;;Đỗ Thị Hạnh;;;;2026-01-05T09:00:00;;;\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert import_dossiers(ws, path).imported == 1
    assert get_dossier(ws, f"{TEMPLATE_OFFICE}-260105-1001").applicant_name == "Đỗ Thị Hạnh"


def test_cli_import_dossiers(run_cli: CliRunner, write_file: WriteFile, counts: Counts) -> None:
    code, out, err = run_cli("--json", "import", "dossiers", str(write_file("good.csv", GOOD)))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"imported": 5, "generated_codes": 3}
    code, out, _ = run_cli("--json", "lookup", "Tran Thi Binh")
    assert [h["status"] for h in json.loads(out)] == ["returned"]
    assert counts()["dossiers"] == 5


ROW = ",1.004873,,Nguyễn Văn An,,,direct,2026-01-05T09:00:00,,,"


def _row(**changes: str) -> str:
    cols = HEADER.strip().split(",")
    values = dict(zip(cols, ROW.split(","), strict=True))
    values.update(changes)
    return ",".join(values[c] for c in cols) + "\n"


@pytest.mark.parametrize(
    ("bad", "field", "needle"),
    [
        (_row(received_at="2026-13-01T09:00:00"), "received_at", "2026-13-01"),
        (_row(received_at="05/01/2026 09:00"), "received_at", "05/01/2026"),
        (_row(received_at=""), "received_at", "received_at"),
        (_row(resolved_at="2026-01-05T25:00:00"), "resolved_at", "25:00"),
        (_row(due_at="hôm qua"), "due_at", "hôm qua"),
        (_row(resolved_at="2026-01-04T09:00:00"), "resolved_at", "trước"),
        (_row(procedure_code="9.999999"), "procedure_code", "9.999999"),
        (_row(office_code="000.77.09.H24"), "office_code", "000.77.09.H24"),
        (_row(channel="fax"), "channel", "fax"),
        (_row(code="HS-0001"), "code", "HS-0001"),
        (_row(id_number="12345"), "id_number", "CCCD"),
        (_row(applicant_name=""), "applicant_name", "Họ và tên"),
    ],
    ids=[
        "bad-date",
        "bad-date-format",
        "missing-date",
        "bad-time",
        "bad-due",
        "resolved-before-received",
        "unknown-procedure",
        "unknown-office",
        "bad-channel",
        "bad-code",
        "bad-id",
        "no-name",
    ],
)
def test_a_bad_row_refuses_the_whole_file(
    ws: Workstation,
    write_file: WriteFile,
    counts: Counts,
    run_cli: CliRunner,
    bad: str,
    field: str,
    needle: str,
) -> None:
    before = counts()
    # Two good rows first, the bad one on line 4, a good one after it.
    text = HEADER + _row() + _row(applicant_name="Trần Thị Bình") + bad + _row()
    path = write_file("bad.csv", text)
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, path)
    assert [(e.line, e.field) for e in exc_info.value.errors] == [(4, field)]
    assert needle in str(exc_info.value)
    assert counts() == before

    code, out, err = run_cli("import", "dossiers", str(path))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Dòng 4" in err
    assert "Dòng 2" not in err
    assert counts() == before


def test_duplicate_code_within_the_file(
    ws: Workstation, write_file: WriteFile, counts: Counts
) -> None:
    before = counts()
    dup = f"{TEMPLATE_OFFICE}-260105-0007"
    text = HEADER + _row(code=dup) + _row() + _row(code=dup.lower())
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, write_file("dup.csv", text))
    assert [(e.line, e.field) for e in exc_info.value.errors] == [(4, "code")]
    assert "dòng 2" in exc_info.value.errors[0].message
    assert counts() == before


def test_duplicate_code_against_the_database(
    ws: Workstation, write_file: WriteFile, counts: Counts
) -> None:
    existing = intake(
        ws,
        IntakeRequest(
            procedure_code="1.004873", applicant_name="Ngô Văn Hải", received_at=vn(2026, 1, 5, 9)
        ),
    ).code
    before = counts()
    text = HEADER + _row() + _row(code=existing)
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, write_file("dup.csv", text))
    assert [(e.line, e.field) for e in exc_info.value.errors] == [(3, "code")]
    assert existing in str(exc_info.value)
    assert counts() == before
    assert get_dossier(ws, existing).applicant_name == "Ngô Văn Hải"


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        (HEADER.replace(",channel", ""), "channel"),
        (HEADER.replace("returned_at", "returned_at,colour"), "colour"),
        (HEADER.replace("phone", "telephone"), "telephone"),
        (HEADER.replace("phone", "id_number"), "trùng"),
    ],
    ids=["missing-column", "unknown-column", "renamed-column", "repeated-column"],
)
def test_a_wrong_header_refuses_the_file_on_line_1(
    ws: Workstation, write_file: WriteFile, counts: Counts, header: str, needle: str
) -> None:
    before = counts()
    width = header.count(",") + 1
    row = ",".join([*ROW.split(","), "x"][:width]) + "\n"
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, write_file("h.csv", header + row))
    assert {e.line for e in exc_info.value.errors} == {1}
    assert needle in str(exc_info.value)
    assert counts() == before


def test_wrong_number_of_fields(ws: Workstation, write_file: WriteFile, counts: Counts) -> None:
    before = counts()
    text = HEADER + _row() + _row().rstrip("\n") + ",extra\n" + _row().replace(",,,\n", ",\n")
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, write_file("w.csv", text))
    assert [e.line for e in exc_info.value.errors] == [3, 4]
    assert "12" in exc_info.value.errors[0].message
    assert "9" in exc_info.value.errors[1].message
    assert counts() == before


def test_every_bad_line_is_reported_at_once(
    ws: Workstation, write_file: WriteFile, counts: Counts
) -> None:
    before = counts()
    text = (
        HEADER
        + _row()  # 2 ok
        + _row(received_at="2026-02-30T09:00:00")  # 3
        + _row(procedure_code="0.000000")  # 4
        + _row()  # 5 ok
        + _row(code=f"{TEMPLATE_OFFICE}-260105-0001")  # 6 ok
        + _row(code=f"{TEMPLATE_OFFICE}-260105-0001")  # 7 duplicate of 6
        + "too,few,fields\n"  # 8
        + "\n"  # blank lines are skipped
        + _row(channel="email")  # 10
    )
    with pytest.raises(ImportFailed) as exc_info:
        import_dossiers(ws, write_file("many.csv", text))
    assert [(e.line, e.field) for e in exc_info.value.errors] == [
        (3, "received_at"),
        (4, "procedure_code"),
        (7, "code"),
        (8, ""),
        (10, "channel"),
    ]
    message = str(exc_info.value)
    assert "5 lỗi" in message
    assert counts() == before


def test_an_empty_or_missing_file(
    ws: Workstation, write_file: WriteFile, run_cli: CliRunner, counts: Counts
) -> None:
    before = counts()
    with pytest.raises(ImportFailed):
        import_dossiers(ws, write_file("empty.csv", HEADER))
    with pytest.raises(ImportFailed):
        import_dossiers(ws, write_file("nothing.csv", ""))
    code, _, err = run_cli("import", "dossiers", "/nonexistent/dossiers.csv")
    assert code == 1
    assert "Không tìm thấy tệp" in err
    assert counts() == before
