"""Reference data: catalog import (add/update/replace), admin units, calendar overrides."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, get_dossier, intake
from onestop_desktop.services.reference import (
    import_calendar,
    import_catalog,
    import_units,
    list_catalog,
)
from onestop_desktop.services.reports import build_report
from onestop_desktop.store.csvfile import ImportFailed
from tests.conftest import CliRunner, table_counts, vn

WriteFile = Callable[[str, str], Path]
HEADER = "code,name,field,level,processing_days,fee,online_level\n"


def _catalog(run_cli: CliRunner, *extra: str) -> dict[str, dict[str, object]]:
    code, out, err = run_cli("--json", "catalog", "list", *extra)
    assert (code, err) == (0, "")
    return {p["code"]: p for p in json.loads(out)}


# --------------------------------------------------------------------------- catalog


def test_catalog_import_adds_and_updates(
    run_cli: CliRunner, write_file: WriteFile, db_path: Path
) -> None:
    before = _catalog(run_cli)
    assert before["1.004873"]["processing_days"] == 3
    assert "9.000001" not in before
    path = write_file(
        "catalog.csv",
        HEADER
        + '9.000001,Thủ tục thử nghiệm,Thử nghiệm,ward,5,"10.000",partial\n'
        + "1.004873,Cấp Giấy xác nhận tình trạng hôn nhân (sửa),Hộ tịch,ward,4,0,none\n",
    )
    code, out, err = run_cli("--json", "catalog", "import", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"added": 1, "updated": 1, "retired": 0}

    after = _catalog(run_cli)
    assert len(after) == len(before) + 1
    new = after["9.000001"]
    assert (new["name"], new["field"], new["level"]) == ("Thủ tục thử nghiệm", "Thử nghiệm", "ward")
    assert (new["processing_days"], new["fee"], new["online_level"]) == (5, 10000, "partial")
    updated = after["1.004873"]
    assert updated["name"] == "Cấp Giấy xác nhận tình trạng hôn nhân (sửa)"
    assert (updated["processing_days"], updated["online_level"]) == (4, "none")
    # Untouched procedures keep their values.
    assert after["1.001193"] == before["1.001193"]

    # New dossiers use the updated time limit: 4 working days from Monday 5/1/2026.
    code, out, _ = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        "Nguyễn Văn An",
        "--received-at",
        "2026-01-05T09:00",
    )
    assert code == 0
    assert json.loads(out)["due_at"] == "2026-01-09T17:00:00+07:00"

    # Importing the same file again only updates.
    code, out, _ = run_cli("--json", "catalog", "import", str(path))
    assert json.loads(out) == {"added": 0, "updated": 2, "retired": 0}
    assert table_counts(db_path)["procedures"] == len(after)


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [("2", "none"), ("3", "partial"), ("4", "full"), ("full", "full"), ("", "none")],
)
def test_legacy_online_levels_are_read_as_decree_42_levels(
    run_cli: CliRunner, write_file: WriteFile, legacy: str, expected: str
) -> None:
    path = write_file("c.csv", HEADER + f"9.000002,Thủ tục cũ,Thử nghiệm,ward,2,0,{legacy}\n")
    code, _, err = run_cli("catalog", "import", str(path))
    assert (code, err) == (0, "")
    assert _catalog(run_cli)["9.000002"]["online_level"] == expected


def test_catalog_replace_retires_missing_procedures(
    ws: Workstation, run_cli: CliRunner, write_file: WriteFile, db_path: Path
) -> None:
    # A dossier of a procedure that the new catalog drops.
    old = intake(
        ws,
        IntakeRequest(
            procedure_code="1.001193",
            applicant_name="Nguyễn Thị Hoa",
            received_at=vn(2026, 1, 5, 9, 0),
        ),
    )
    total = len(list_catalog(ws))
    path = write_file(
        "catalog.csv",
        HEADER
        + "1.004873,Cấp Giấy xác nhận tình trạng hôn nhân,Hộ tịch,ward,3,0,4\n"
        + "1.004222,Đăng ký thường trú,Cư trú,ward,7,20000,3\n"
        + "9.000001,Thủ tục thử nghiệm,Thử nghiệm,ward,5,0,2\n"
        + "1.001612,Đăng ký thành lập hộ kinh doanh,Hộ kinh doanh,district,3,0,full\n",
    )
    code, out, err = run_cli("--json", "catalog", "import", "--replace", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"added": 1, "updated": 3, "retired": total - 3}

    # No longer offered: the list hides retired procedures, --all shows them as inactive.
    current = _catalog(run_cli)
    assert set(current) == {"1.004873", "1.004222", "9.000001", "1.001612"}
    everything = _catalog(run_cli, "--all")
    assert len(everything) == total + 1
    assert everything["1.001193"]["active"] is False
    assert everything["1.004873"]["active"] is True

    # Intake refuses a retired procedure, naming the field; nothing is written.
    before = table_counts(db_path)
    with pytest.raises(ValidationError) as exc_info:
        intake(ws, IntakeRequest(procedure_code="1.001193", applicant_name="Trần Văn Bình"))
    assert exc_info.value.field == "procedure_code"
    assert "1.001193" in str(exc_info.value)
    assert table_counts(db_path) == before
    code, out, err = run_cli("intake", "--procedure", "1.001193", "--name", "Trần Văn Bình")
    assert code == 1
    assert "bãi bỏ" in err

    # Kept for old dossiers: the dossier is still there and still counted in reports...
    assert get_dossier(ws, old.code).procedure_code == "1.001193"
    rep = build_report(ws, date(2026, 1, 1), date(2026, 1, 31))
    assert rep.total.received == 1
    # ...but the catalog shares count only the current procedures.
    shares = {c.level: (c.procedures, c.online, c.online_full) for c in rep.catalog}
    assert shares == {"ward": (3, 2, 1), "district": (1, 1, 1)}
    code, out, _ = run_cli("--json", "report", "--from", "2026-01-01", "--to", "2026-01-31")
    catalog = {c["level"]: c for c in json.loads(out)["catalog"]}
    assert catalog["ward"]["procedures"] == 3
    assert catalog["ward"]["online"] == 2
    assert catalog["ward"]["online_full"] == 1
    assert catalog["ward"]["online_share"] == 66.67
    assert catalog["ward"]["online_full_share"] == 33.33

    # A later plain import re-activates a retired procedure.
    back = write_file("back.csv", HEADER + "1.001193,Đăng ký khai sinh,Hộ tịch,ward,0,0,full\n")
    code, out, _ = run_cli("--json", "catalog", "import", str(back))
    assert json.loads(out) == {"added": 0, "updated": 1, "retired": 0}
    assert _catalog(run_cli)["1.001193"]["active"] is True


def test_catalog_replace_with_an_empty_file_is_refused(
    run_cli: CliRunner, write_file: WriteFile
) -> None:
    before = _catalog(run_cli)
    code, _, err = run_cli("catalog", "import", "--replace", str(write_file("e.csv", HEADER)))
    assert code == 1
    assert "không có thủ tục nào" in err
    assert _catalog(run_cli) == before


def test_catalog_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(
    ws: Workstation, run_cli: CliRunner, write_file: WriteFile, db_path: Path
) -> None:
    before = _catalog(run_cli, "--all")
    counts = table_counts(db_path)
    path = write_file(
        "bad.csv",
        HEADER
        + "9.000001,Thủ tục tốt,Thử nghiệm,ward,5,0,full\n"  # line 2: fine
        + "9.000002,Cấp sai,Thử nghiệm,hamlet,5,0,full\n"  # line 3: level
        + "1.004873,Tình trạng hôn nhân,Hộ tịch,ward,ba,0,full\n"  # line 4: days
        + "9.000003,Mức sai,Thử nghiệm,ward,5,0,5\n"  # line 5: online level
        + "9.000001,Trùng mã,Thử nghiệm,ward,5,0,full\n"  # line 6: duplicate
        + "9.000004,,Thử nghiệm,ward,5,0,full\n"  # line 7: empty name
        + "9.000005,Thiếu cột,Thử nghiệm,ward,5,0\n",  # line 8: field count
    )
    with pytest.raises(ImportFailed) as exc_info:
        import_catalog(ws, path, replace=True)
    got = [(e.line, e.field) for e in exc_info.value.errors]
    assert got == [
        (3, "level"),
        (4, "processing_days"),
        (5, "online_level"),
        (6, "code"),
        (7, "name"),
        (8, ""),
    ]
    code, out, err = run_cli("catalog", "import", str(path))
    assert code == 1
    assert out == ""
    for line in (3, 4, 5, 6, 7, 8):
        assert f"Dòng {line}" in err
    assert "Dòng 2" not in err
    assert _catalog(run_cli, "--all") == before
    assert table_counts(db_path) == counts


@pytest.mark.parametrize(
    "header",
    [
        "code,name,field,level,processing_days,fee\n",  # online_level missing
        "code,name,field,level,processing_days,fee,online_level,colour\n",  # unknown column
    ],
    ids=["missing-column", "unknown-column"],
)
def test_catalog_wrong_header_is_refused(
    run_cli: CliRunner, write_file: WriteFile, db_path: Path, header: str
) -> None:
    counts = table_counts(db_path)
    width = header.count(",") + 1
    row = ",".join(["9.000009", "Tên", "Lĩnh vực", "ward", "1", "0", "full", "x"][:width])
    code, _, err = run_cli("catalog", "import", str(write_file("h.csv", header + row + "\n")))
    assert code == 1
    assert "Dòng 1" in err
    assert table_counts(db_path) == counts


# --------------------------------------------------------------------------- units


def test_units_import_three_levels_in_any_order_then_update(
    run_cli: CliRunner, write_file: WriteFile, db_path: Path
) -> None:
    before = table_counts(db_path)["admin_units"]
    path = write_file(
        "units.csv",
        "code,name,level,parent_code\n"
        "T9001,Phường Thử Một,ward,T90\n"  # parent defined further down
        "T90,Quận Thử,district,T9\n"
        "T9,Tỉnh Thử,province,\n",
    )
    code, out, err = run_cli("--json", "units", "import", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"added": 3, "updated": 0}
    assert table_counts(db_path)["admin_units"] == before + 3

    renamed = write_file("u2.csv", "code,name,level,parent_code\nT9001,Phường Thử Mới,ward,T90\n")
    code, out, _ = run_cli("--json", "units", "import", str(renamed))
    assert json.loads(out) == {"added": 0, "updated": 1}
    assert table_counts(db_path)["admin_units"] == before + 3


def test_units_two_level_tree_province_to_ward(
    ws: Workstation, run_cli: CliRunner, write_file: WriteFile
) -> None:
    path = write_file(
        "units.csv",
        "code,name,level,parent_code,valid_from\n"
        "T8,Tỉnh Hai Cấp,province,,2025-07-01\n"
        "T8001,Phường Mới A,ward,T8,2025-07-01\n"
        "T8002,Phường Mới B,ward,T8,2025-07-01\n",
    )
    code, out, err = run_cli("--json", "units", "import", str(path))
    assert (code, err) == (0, "")
    assert json.loads(out)["added"] == 3
    # The tree is usable as a report scope (no district in between).
    code, out, err = run_cli(
        "--json", "report", "--from", "2026-01-01", "--to", "2026-01-31", "--unit", "T8"
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["total"]["received"] == 0


@pytest.mark.parametrize(
    ("rows", "line", "needle"),
    [
        ("T9,Tỉnh,province,\nT9001,Phường,ward,NOPE\n", 3, "NOPE"),
        ("T9,Tỉnh,province,\nT9001,Phường,hamlet,T9\n", 3, "hamlet"),
        ("T9,Tỉnh,province,\nT9,Tỉnh lặp,province,\n", 3, "T9"),
        ("T9,,province,\n", 2, "Tên"),
        ("T9,Tỉnh,province,T9\n", 2, "chính nó"),
        ("T9,Tỉnh,province\n", 2, "cột"),
    ],
    ids=["unknown-parent", "bad-level", "duplicate", "empty-name", "self-parent", "short-row"],
)
def test_units_bad_rows_are_refused_whole(
    ws: Workstation,
    write_file: WriteFile,
    db_path: Path,
    rows: str,
    line: int,
    needle: str,
) -> None:
    before = table_counts(db_path)
    path = write_file("units.csv", "code,name,level,parent_code\n" + rows)
    with pytest.raises(ImportFailed) as exc_info:
        import_units(ws, path)
    assert [e.line for e in exc_info.value.errors] == [line]
    assert needle in str(exc_info.value)
    assert table_counts(db_path) == before


# --------------------------------------------------------------------------- calendar


def _due(run_cli: CliRunner, start: str, days: int, unit: str = "working_days") -> str:
    code, out, err = run_cli(
        "--json", "calendar", "due", "--start", start, "--days", str(days), "--unit", unit
    )
    assert (code, err) == (0, ""), err
    return str(json.loads(out)["due_at"])


@pytest.mark.parametrize(
    ("start", "days", "unit", "due"),
    [
        # Tết 2026: 16-20/2 off (Mon-Fri) between two weekends.
        ("2026-02-13T09:00", 3, "working_days", "2026-02-25T17:00:00+07:00"),
        ("2026-02-17T09:00", 0, "working_days", "2026-02-23T17:00:00+07:00"),
        ("2026-02-01T09:00", 15, "calendar_days", "2026-02-23T17:00:00+07:00"),
        # New Year 2026: 1-2/1 off; 10/1 is a make-up working Saturday.
        ("2025-12-31T09:00", 1, "working_days", "2026-01-05T17:00:00+07:00"),
        ("2026-01-08T09:00", 2, "working_days", "2026-01-10T17:00:00+07:00"),
        # The 15:00 cut-off of same-day procedures.
        ("2026-01-05T14:59", 0, "working_days", "2026-01-05T17:00:00+07:00"),
        ("2026-01-05T15:00", 0, "working_days", "2026-01-06T17:00:00+07:00"),
        ("2026-01-09T15:30", 0, "working_days", "2026-01-10T17:00:00+07:00"),
        # Outside office hours: lunch, evening, Sunday (online), early morning.
        ("2026-01-05T12:00", 0, "working_days", "2026-01-05T17:00:00+07:00"),
        ("2026-01-05T17:30", 1, "working_days", "2026-01-07T17:00:00+07:00"),
        ("2026-01-11T10:00", 0, "working_days", "2026-01-12T17:00:00+07:00"),
        ("2026-01-05T07:00", 0, "working_days", "2026-01-05T17:00:00+07:00"),
        # Another zone: 02:00 UTC is 09:00 in Hà Nội.
        ("2026-01-05T02:00+00:00", 3, "working_days", "2026-01-08T17:00:00+07:00"),
        ("2026-01-05T16:00", 8, "working_hours", "2026-01-06T16:00:00+07:00"),
        ("2026-01-05T09:00", 15, "calendar_days", "2026-01-20T17:00:00+07:00"),
    ],
)
def test_calendar_due_known_answers(
    run_cli: CliRunner, start: str, days: int, unit: str, due: str
) -> None:
    assert _due(run_cli, start, days, unit) == due


def test_calendar_import_of_local_overrides_changes_due_dates(
    ws: Workstation, run_cli: CliRunner, write_file: WriteFile, db_path: Path
) -> None:
    assert _due(run_cli, "2026-01-05T09:00", 1) == "2026-01-06T17:00:00+07:00"
    assert _due(run_cli, "2026-01-16T09:00", 1) == "2026-01-19T17:00:00+07:00"
    # The service caches the calendar: warm the cache before the import.
    first = intake(
        ws,
        IntakeRequest(
            procedure_code="1.003197", applicant_name="Hồ Văn Nam", received_at=vn(2026, 1, 5, 9)
        ),
    )
    assert first.due_at == vn(2026, 1, 6, 17)

    path = write_file(
        "local.csv",
        "date,kind,note\n"
        "2026-01-06,holiday,Nghỉ theo quyết định của UBND tỉnh\n"
        "2026-01-17,workday,Làm bù theo quyết định của UBND tỉnh\n",
    )
    res = import_calendar(ws, path)
    assert (res.added, res.updated) == (2, 0)
    assert table_counts(db_path)["calendar_days"] == 2

    assert _due(run_cli, "2026-01-05T09:00", 1) == "2026-01-07T17:00:00+07:00"
    assert _due(run_cli, "2026-01-16T09:00", 1) == "2026-01-17T17:00:00+07:00"
    second = intake(
        ws,
        IntakeRequest(
            procedure_code="1.003197", applicant_name="Hồ Văn Nam", received_at=vn(2026, 1, 5, 9)
        ),
    )
    assert second.due_at == vn(2026, 1, 7, 17)
    # Dossiers already received keep their appointment.
    assert get_dossier(ws, first.code).due_at == vn(2026, 1, 6, 17)

    # A local decision may also cancel a national day off (override wins over the schedule).
    _, out, _ = run_cli(
        "--json",
        "calendar",
        "import",
        str(write_file("l2.csv", "date,kind,note\n2026-01-02,workday,Đi làm\n")),
    )
    assert json.loads(out) == {"added": 1, "updated": 0}
    assert _due(run_cli, "2025-12-31T09:00", 1) == "2026-01-02T17:00:00+07:00"

    # Re-importing a day updates it.
    _, out, _ = run_cli(
        "--json",
        "calendar",
        "import",
        str(write_file("l3.csv", "date,kind,note\n2026-01-06,workday,Hủy nghỉ\n")),
    )
    assert json.loads(out) == {"added": 0, "updated": 1}
    assert _due(run_cli, "2026-01-05T09:00", 1) == "2026-01-06T17:00:00+07:00"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("date,kind,note\n2026-01-06,holiday,A\n2026-02-30,holiday,B\n", "Dòng 3"),
        ("date,kind,note\n2026-01-06,holiday,A\n2026-01-07,vacation,B\n", "Dòng 3"),
        ("date,kind,note\n2026-01-06,holiday,A\n2026-01-06,workday,B\n", "Dòng 3"),
        ("date,kind,note\n2026-01-06,holiday\n", "Dòng 2"),
        ("day,kind,note\n2026-01-06,holiday,A\n", "Dòng 1"),
    ],
    ids=["bad-date", "bad-kind", "duplicate-day", "short-row", "bad-header"],
)
def test_calendar_bad_file_is_refused_with_its_line(
    run_cli: CliRunner, write_file: WriteFile, db_path: Path, text: str, needle: str
) -> None:
    code, out, err = run_cli("calendar", "import", str(write_file("cal.csv", text)))
    assert code == 1
    assert out == ""
    assert needle in err
    assert table_counts(db_path)["calendar_days"] == 0
    assert _due(run_cli, "2026-01-05T09:00", 1) == "2026-01-06T17:00:00+07:00"
