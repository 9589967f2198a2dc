"""The ``onestop`` command line as scripts see it: init, --version, --json, errors, $ONESTOP_DB."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from onestop_desktop import __version__
from tests.conftest import TEMPLATE_OFFICE, CliRunner, table_counts

CCCD = "001090012345"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    return lines[0]


def test_init_creates_then_is_idempotent_and_changes_the_office(
    tmp_path: Path, run_cli: CliRunner
) -> None:
    db = tmp_path / "fresh" / "onestop.db"
    code, out, err = run_cli("--json", "init", db=db)
    assert (code, err) == (0, "")
    first = json.loads(out)
    assert first["loaded_bundled_data"] is True
    assert first["office_code"] == TEMPLATE_OFFICE
    assert first["device_number"] == 1
    after_first = table_counts(db)
    assert after_first["procedures"] >= 20
    assert after_first["admin_units"] > 3000

    code, out, _ = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        "Nguyễn Văn An",
        "--id-number",
        CCCD,
        "--received-at",
        "2026-01-05T09:00",
        db=db,
    )
    assert code == 0
    dossier = json.loads(out)["code"]
    with_data = table_counts(db)
    assert with_data["dossiers"] == 1
    assert with_data["events"] == 1

    code, out, err = run_cli("--json", "init", db=db)
    assert (code, err) == (0, "")
    second = json.loads(out)
    assert second["loaded_bundled_data"] is False
    assert second["migrated"] is False
    assert second["backup"] is None
    assert second["device_id"] == first["device_id"]
    assert second["office_code"] == TEMPLATE_OFFICE
    assert table_counts(db) == with_data

    code, out, _ = run_cli("--json", "init", "--office", "000.02.09.H24", db=db)
    assert code == 0
    third = json.loads(out)
    assert third["office_code"] == "000.02.09.H24"
    assert third["office_name"] == "Bộ phận Một cửa UBND phường Thượng Đình"
    assert third["device_id"] == first["device_id"]
    assert table_counts(db) == with_data

    # The old dossier is kept untouched; new ones are coded for the new office.
    code, out, _ = run_cli("--json", "show", dossier, db=db)
    assert code == 0
    assert json.loads(out)["office_code"] == TEMPLATE_OFFICE
    code, out, _ = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        "Trần Thị Bình",
        "--received-at",
        "2026-01-05T09:10",
        db=db,
    )
    assert code == 0
    assert json.loads(out)["code"] == "000.02.09.H24-260105-1001"

    # An office that is not in the bundled list is created on the fly.
    code, out, _ = run_cli("--json", "init", "--office", "000.99.09.h24", db=db)
    assert code == 0
    assert json.loads(out)["office_code"] == "000.99.09.H24"
    assert table_counts(db)["offices"] == with_data["offices"] + 1


def test_init_again_on_an_initialised_db_keeps_every_row(run_cli: CliRunner, db_path: Path) -> None:
    before = table_counts(db_path)
    code, out, err = run_cli("--json", "init", "--device", "3")
    assert (code, err) == (0, "")
    assert json.loads(out)["device_number"] == 3
    assert table_counts(db_path) == before


@pytest.mark.parametrize("device", ["0", "100"])
def test_init_refuses_a_device_number_outside_1_to_99(
    run_cli: CliRunner, db_path: Path, device: str
) -> None:
    before = table_counts(db_path)
    code, out, err = run_cli("init", "--device", device)
    assert code == 1
    assert out == ""
    assert "Số hiệu máy trạm" in _one_line(err)
    assert table_counts(db_path) == before


def test_init_refuses_a_bad_office_code(run_cli: CliRunner, db_path: Path) -> None:
    before = table_counts(db_path)
    code, out, err = run_cli("init", "--office", "phường 1!")
    assert code == 1
    assert out == ""
    assert "Mã đơn vị tiếp nhận" in _one_line(err)
    assert table_counts(db_path) == before


def test_version(run_cli: CliRunner) -> None:
    code, out, err = run_cli("--version", db=None)
    assert code == 0
    assert out.strip() == f"onestop {__version__}"
    assert err == ""


def test_json_output_of_every_data_command_parses(run_cli: CliRunner) -> None:
    code, out, _ = run_cli("--json", "catalog", "list")
    assert code == 0
    catalog = json.loads(out)
    assert isinstance(catalog, list)
    assert {"code", "name", "field", "level", "online_level"} <= catalog[0].keys()

    code, out, _ = run_cli(
        "--json", "calendar", "due", "--start", "2026-01-05T09:00", "--days", "3"
    )
    assert code == 0
    assert json.loads(out)["due_at"] == "2026-01-08T17:00:00+07:00"

    code, out, _ = run_cli(
        "intake",
        "--json",
        "--procedure",
        "1.004873",
        "--name",
        "Lê Văn Cường",
        "--id-number",
        CCCD,
        "--phone",
        "0912 345 678",
        "--received-at",
        "2026-01-05T09:00",
    )
    assert code == 0
    intake = json.loads(out)
    assert intake["code"] == f"{TEMPLATE_OFFICE}-260105-1001"
    assert intake["due_at"] == "2026-01-08T17:00:00+07:00"

    code, out, _ = run_cli("--json", "lookup", "le van cuong")
    assert code == 0
    hits = json.loads(out)
    assert [h["code"] for h in hits] == [intake["code"]]
    assert {"code", "applicant_name", "id_number", "phone", "status", "due_at"} <= hits[0].keys()
    assert hits[0]["phone"] == "0912345678"
    assert hits[0]["id_number"] == CCCD

    code, out, _ = run_cli(
        "--json", "advance", intake["code"], "--to", "in_progress", "--at", "2026-01-05T10:00"
    )
    assert code == 0
    assert json.loads(out)["status"] == "in_progress"

    code, out, _ = run_cli("--json", "show", intake["code"])
    assert code == 0
    shown = json.loads(out)
    assert [e["type"] for e in shown["events"]] == ["dossier.received", "dossier.status_changed"]

    code, out, _ = run_cli("--json", "report", "--from", "2026-01-01", "--to", "2026-01-31")
    assert code == 0
    report = json.loads(out)
    assert {"units", "total", "catalog"} <= report.keys()
    assert report["total"]["received"] == 1


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("bogus",), id="unknown-command"),
        pytest.param(("catalog", "frobnicate"), id="unknown-action"),
        pytest.param(("intake", "--procedure", "1.004873"), id="missing-option"),
        pytest.param(("calendar", "due", "--start", "2026-01-05", "--days", "x"), id="bad-int"),
        pytest.param(
            ("report", "--from", "2026-01-01", "--to", "2026-01-02", "--nope"), id="unknown-option"
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(run_cli: CliRunner, args: tuple[str, ...]) -> None:
    code, out, err = run_cli(*args)
    assert code == 2
    assert out == ""
    assert _one_line(err).startswith("onestop")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(
            ("report", "--from", "2026-13-01", "--to", "2026-12-31"), "2026-13-01", id="bad-date"
        ),
        pytest.param(
            ("report", "--from", "2026-02-01", "--to", "2026-01-01"),
            "Ngày kết thúc",
            id="reversed-period",
        ),
        pytest.param(
            ("report", "--from", "2026-01-01", "--to", "2026-01-31", "--unit", "99999"),
            "99999",
            id="unknown-unit",
        ),
        pytest.param(
            ("intake", "--procedure", "9.999999", "--name", "Nguyễn Văn A"),
            "9.999999",
            id="unknown-procedure",
        ),
        pytest.param(
            ("intake", "--procedure", "1.004873", "--name", "A", "--id-number", "12345"),
            "CCCD",
            id="bad-id",
        ),
        pytest.param(
            ("intake", "--procedure", "1.004873", "--name", "A", "--channel", "fax"),
            "fax",
            id="bad-channel",
        ),
        pytest.param(
            ("advance", "000.01.09.H24-260105-9999", "--to", "resolved"),
            "000.01.09.H24-260105-9999",
            id="unknown-dossier",
        ),
        pytest.param(
            ("calendar", "due", "--start", "yesterday", "--days", "1"),
            "yesterday",
            id="bad-instant",
        ),
        pytest.param(
            ("catalog", "import", "/nonexistent/catalog.csv"), "/nonexistent", id="missing-file"
        ),
    ],
)
def test_bad_input_exits_1_with_one_line_and_writes_nothing(
    run_cli: CliRunner, db_path: Path, args: tuple[str, ...], needle: str
) -> None:
    before = table_counts(db_path)
    code, out, err = run_cli(*args)
    assert code == 1
    assert out == ""
    line = _one_line(err)
    assert line.startswith("Lỗi: ")
    assert needle in line
    assert table_counts(db_path) == before


def test_onestop_db_env_var_is_honoured(
    run_cli: CliRunner, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONESTOP_DB", str(db_path))
    code, out, _ = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        "Phạm Văn Dũng",
        "--received-at",
        "2026-01-05T09:00",
        db=None,
    )
    assert code == 0
    assert table_counts(db_path)["dossiers"] == 1
    code, out, _ = run_cli("--json", "lookup", json.loads(out)["code"], db=None)
    assert code == 0
    assert len(json.loads(out)) == 1

    # --db wins over the environment.
    monkeypatch.setenv("ONESTOP_DB", str(tmp_path / "elsewhere.db"))
    code, out, _ = run_cli("--json", "lookup", "Phạm Văn Dũng", db=db_path)
    assert code == 0
    assert len(json.loads(out)) == 1
    assert not (tmp_path / "elsewhere.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--from", "2026-01-01", "--to", "2026-01-31"),
        ("intake", "--procedure", "1.004873", "--name", "Nguyễn Văn A"),
        ("lookup", "Nguyễn"),
        ("catalog", "list"),
        ("calendar", "due", "--start", "2026-01-05T09:00", "--days", "1"),
        ("advance", "000.01.09.H24-260105-1001", "--to", "resolved"),
    ],
    ids=lambda a: a[0] if isinstance(a, tuple) else str(a),
)
def test_commands_on_an_uninitialised_db_say_run_init(
    run_cli: CliRunner, tmp_path: Path, args: tuple[str, ...]
) -> None:
    code, out, err = run_cli(*args, db=tmp_path / "empty.db")
    assert code == 1
    assert out == ""
    line = _one_line(err)
    assert "chưa được khởi tạo" in line
    assert "onestop init" in line


def test_a_file_that_is_not_a_database_is_an_environment_fault(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a SQLite database" * 100)
    for args in (("report", "--from", "2026-01-01", "--to", "2026-01-31"), ("init",)):
        code, out, err = run_cli(*args, db=garbage)
        assert code == 3, args
        assert out == ""
        assert _one_line(err).startswith("Lỗi môi trường: ")


def test_a_db_path_that_cannot_be_opened_is_an_environment_fault(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, out, err = run_cli("report", "--from", "2026-01-01", "--to", "2026-01-31", db=folder)
    assert code == 3
    assert out == ""
    assert _one_line(err).startswith("Lỗi môi trường: ")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipe semantics")
def test_a_closed_stdout_pipe_is_not_a_traceback(db_path: Path) -> None:
    """``onestop --json catalog list | head -1`` must not print a traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the program writes anything
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "onestop_desktop",
                "--db",
                str(db_path),
                "--json",
                "catalog",
                "list",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0


def _stamp(path: Path, revision: str) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    finally:
        conn.close()


def test_init_refuses_a_database_from_a_newer_program(run_cli: CliRunner, db_path: Path) -> None:
    _stamp(db_path, "ffffffffffff")
    before = table_counts(db_path)
    code, out, err = run_cli("init")
    assert code == 3
    assert out == ""
    line = _one_line(err)
    assert "ffffffffffff" in line
    assert "mới hơn" in line
    assert table_counts(db_path) == before


def test_commands_on_a_database_from_a_newer_program_say_so(
    run_cli: CliRunner, db_path: Path
) -> None:
    _stamp(db_path, "ffffffffffff")
    code, _, err = run_cli("report", "--from", "2026-01-01", "--to", "2026-01-31")
    assert code != 0
    line = _one_line(err)
    assert "mới hơn" in line
    assert "onestop init" not in line
