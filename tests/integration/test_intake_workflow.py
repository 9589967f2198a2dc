"""Intake and the dossier workflow on a real database: validation, due dates, events, statuses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from onestop_desktop.domain.dossier import Channel, Status
from onestop_desktop.domain.errors import TransitionError, ValidationError
from onestop_desktop.errors import NotFoundError, UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import (
    IntakeRequest,
    advance,
    edit_field,
    get_dossier,
    history,
    intake,
    reschedule,
)
from onestop_desktop.services.lookup import lookup
from tests.conftest import TEMPLATE_OFFICE, CliRunner, FixedClock, vn

CCCD = "001090012345"
THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
SAME_DAY = "1.001193"  # Đăng ký khai sinh: same day, 15:00 cut-off
Counts = Callable[..., dict[str, int]]


def _receive(ws: Workstation, at: datetime, procedure: str = THREE_DAYS, **kw: Any) -> str:
    req = IntakeRequest(
        procedure_code=procedure,
        applicant_name=kw.pop("name", "Nguyễn Văn An"),
        received_at=at,
        **kw,
    )
    return intake(ws, req).code


def _events(db_path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM events ORDER BY device_seq").fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def _setting(db_path: Path, key: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return str(conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()[0])
    finally:
        conn.close()


def _user_id(db_path: Path, username: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
        return str(row[0])
    finally:
        conn.close()


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "field", "needle"),
    [
        ({"id_number": "00109001234"}, "id_number", "12 chữ số"),
        ({"id_number": "999090012345"}, "id_number", "mã tỉnh 999"),
        ({"id_number": "001990012345"}, "id_number", "thứ tư"),
        ({"phone": "0412345678"}, "phone", "di động"),
        ({"phone": "09123abc78"}, "phone", "«a»"),
        ({"procedure_code": "9.999999"}, "procedure_code", "9.999999"),
        ({"applicant_name": "   "}, "applicant_name", "Họ và tên"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"office_code": "000.77.09.H24"}, "office_code", "000.77.09.H24"),
        ({"received_at": datetime(2026, 1, 5, 9, 0)}, "received_at", "múi giờ"),  # noqa: DTZ001
    ],
    ids=[
        "cccd-length",
        "cccd-province",
        "cccd-century",
        "phone-prefix",
        "phone-letters",
        "unknown-procedure",
        "empty-name",
        "email",
        "unknown-office",
        "naive-received-at",
    ],
)
def test_intake_refuses_bad_input_naming_the_field_and_writes_nothing(
    ws: Workstation, counts: Counts, changes: dict[str, Any], field: str, needle: str
) -> None:
    before = counts()
    values: dict[str, Any] = {
        "procedure_code": THREE_DAYS,
        "applicant_name": "Nguyễn Văn An",
        "id_number": CCCD,
        "phone": "0912345678",
        "received_at": vn(2026, 1, 5, 9, 0),
        **changes,
    }
    with pytest.raises(ValidationError) as exc_info:
        intake(ws, IntakeRequest(**values))
    assert exc_info.value.field == field
    assert needle in str(exc_info.value)
    assert counts() == before


def test_intake_cli_refusal_is_one_line_naming_the_rule(run_cli: CliRunner, counts: Counts) -> None:
    before = counts()
    code, out, err = run_cli(
        "intake", "--procedure", THREE_DAYS, "--name", "Nguyễn Văn An", "--phone", "12345"
    )
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Số điện thoại" in err
    assert counts() == before


def test_intake_normalises_what_it_stores(ws: Workstation) -> None:
    view = intake(
        ws,
        IntakeRequest(
            procedure_code=THREE_DAYS,
            applicant_name="  nguyễn   văn   an ",
            id_number="001 090 012 345",
            phone="+84 912.345.678",
            address="  Số 1   Khương Hạ ",
            channel=Channel.POSTAL,
            received_at=vn(2026, 1, 5, 9, 0),
        ),
    )
    assert view.applicant_name == "Nguyễn Văn An"
    assert view.id_number == CCCD
    assert view.phone == "0912345678"
    assert view.address == "Số 1 Khương Hạ"
    assert view.channel == "postal"
    assert view.office_code == TEMPLATE_OFFICE
    assert view.code == f"{TEMPLATE_OFFICE}-260105-1001"
    assert view.status == "received"
    # The document checklist defaults to the catalog's required documents.
    shown = get_dossier(ws, view.code)
    assert shown == view


# --------------------------------------------------------------------------- due dates


@pytest.mark.parametrize(
    ("procedure", "received", "due"),
    [
        (SAME_DAY, vn(2026, 1, 5, 14, 59), vn(2026, 1, 5, 17, 0)),
        (SAME_DAY, vn(2026, 1, 5, 15, 0), vn(2026, 1, 6, 17, 0)),
        (SAME_DAY, vn(2026, 1, 5, 15, 30), vn(2026, 1, 6, 17, 0)),
        # Friday after the cut-off: the next working day is the make-up Saturday.
        (SAME_DAY, vn(2026, 1, 9, 15, 30), vn(2026, 1, 10, 17, 0)),
        # Friday before Tết after the cut-off: next working day is Monday 23/2.
        (SAME_DAY, vn(2026, 2, 13, 15, 30), vn(2026, 2, 23, 17, 0)),
        (THREE_DAYS, vn(2026, 2, 13, 9, 0), vn(2026, 2, 25, 17, 0)),
        (THREE_DAYS, vn(2026, 2, 11, 9, 0), vn(2026, 2, 23, 17, 0)),
        (THREE_DAYS, vn(2026, 1, 7, 9, 0), vn(2026, 1, 10, 17, 0)),
        # Online on a Sunday: counts from Monday 07:30.
        (SAME_DAY, vn(2026, 1, 11, 20, 0), vn(2026, 1, 12, 17, 0)),
    ],
)
def test_intake_due_dates(
    ws: Workstation, procedure: str, received: datetime, due: datetime
) -> None:
    view = intake(
        ws,
        IntakeRequest(procedure_code=procedure, applicant_name="Võ Thị Lan", received_at=received),
    )
    assert view.due_at == due
    assert view.received_at == received


def test_intake_without_received_at_uses_the_clock(ws: Workstation, clock: FixedClock) -> None:
    clock.now = vn(2026, 1, 5, 15, 1)
    view = intake(ws, IntakeRequest(procedure_code=SAME_DAY, applicant_name="Võ Thị Lan"))
    assert view.received_at == clock.now
    assert view.due_at == vn(2026, 1, 6, 17, 0)
    assert view.code.endswith("-260105-1001")


def test_codes_follow_the_vietnam_date_not_utc(ws: Workstation) -> None:
    # 23:30 UTC on 4/1 is 06:30 on 5/1 in Hà Nội.
    from datetime import UTC

    code = _receive(ws, datetime(2026, 1, 4, 23, 30, tzinfo=UTC))
    assert code == f"{TEMPLATE_OFFICE}-260105-1001"
    assert _receive(ws, vn(2026, 1, 5, 23, 59)) == f"{TEMPLATE_OFFICE}-260105-1002"
    assert _receive(ws, vn(2026, 1, 6, 0, 0)) == f"{TEMPLATE_OFFICE}-260106-1001"


# --------------------------------------------------------------------------- events


def test_every_action_writes_exactly_one_event_with_user_device_and_gap_free_seq(
    ws: Workstation, db_path: Path, counts: Counts, clock: FixedClock
) -> None:
    clock.now = vn(2026, 1, 12, 8, 0)
    code = _receive(ws, vn(2026, 1, 12, 9, 0), id_number=CCCD, phone="0912345678")
    n = 1
    assert counts()["events"] == n

    def step(action: Callable[[], object], new_dossiers: int = 0) -> None:
        nonlocal n
        before = counts()
        action()
        after = counts()
        n += 1
        assert after["events"] == before["events"] + 1
        assert after["dossiers"] == before["dossiers"] + new_dossiers

    step(lambda: advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 12, 10)))
    step(lambda: edit_field(ws, code, "phone", "0987 654 321"))
    step(lambda: advance(ws, code, Status.WAITING_SUPPLEMENT, at=vn(2026, 1, 13, 10)))
    step(lambda: advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 14, 14)))
    step(lambda: reschedule(ws, code, vn(2026, 1, 23, 17), "Chờ ý kiến cơ quan phối hợp"))
    step(lambda: advance(ws, code, Status.RESOLVED, at=vn(2026, 1, 16, 10)))
    step(lambda: advance(ws, code, Status.RETURNED, at=vn(2026, 1, 16, 11), collected_by="An"))
    # Refused actions write nothing.
    before = counts()
    with pytest.raises(TransitionError):
        advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 17, 9))
    assert counts() == before
    # A second dossier continues the same device sequence.
    step(lambda: _receive(ws, vn(2026, 1, 12, 9, 30)), new_dossiers=1)

    events = _events(db_path)
    assert [e["device_seq"] for e in events] == list(range(1, n + 1))
    assert {e["device_id"] for e in events} == {_setting(db_path, "device_id")}
    assert {e["user_id"] for e in events} == {_user_id(db_path, "tester")}
    assert int(_setting(db_path, "next_device_seq")) == n + 1
    assert [e["type"] for e in events] == [
        "dossier.received",
        "dossier.status_changed",
        "dossier.field_edited",
        "dossier.status_changed",
        "dossier.status_changed",
        "dossier.rescheduled",
        "dossier.status_changed",
        "dossier.status_changed",
        "dossier.received",
    ]
    # HLC order agrees with the device order; occurred_at is the clock's time.
    assert [e["hlc"] for e in events] == sorted(e["hlc"] for e in events)
    assert [e.type for e in history(ws, code)] == [e["type"] for e in events[:-1]]
    assert all(e.occurred_at == clock.now for e in history(ws, code))


# --------------------------------------------------------------------------- lifecycle


def test_full_lifecycle_with_a_pause_for_supplement(ws: Workstation, db_path: Path) -> None:
    # Monday 12/1/2026 09:00, 3 working days → Thursday 15/1 17:00.
    code = _receive(ws, vn(2026, 1, 12, 9, 0))
    assert get_dossier(ws, code).due_at == vn(2026, 1, 15, 17, 0)

    view = advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 12, 10, 0), note="Chuyển phòng")
    assert view.status == "in_progress"

    view = advance(ws, code, Status.WAITING_SUPPLEMENT, at=vn(2026, 1, 13, 10, 0))
    assert view.status == "waiting_supplement"
    assert view.due_at == vn(2026, 1, 15, 17, 0)  # unchanged while paused

    # Resuming before the pause is refused.
    with pytest.raises(ValidationError) as exc_info:
        advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 13, 9, 0))
    assert exc_info.value.field == "at"

    # Paused Tue 10:00 → Wed 14:00 = (1h30 + 4h) + (4h + 1h) = 10h30 of working time.
    # Thu 17:00 + 10h30: Friday's 8 hours, then 2h30 from Monday 19/1 07:30 → 10:00.
    view = advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 14, 14, 0))
    assert view.status == "in_progress"
    assert view.due_at == vn(2026, 1, 19, 10, 0)

    view = advance(ws, code, Status.RESOLVED, at=vn(2026, 1, 16, 9, 0))
    assert view.status == "resolved"
    assert view.resolved_at == vn(2026, 1, 16, 9, 0)

    with pytest.raises(ValidationError) as exc_info:
        advance(ws, code, Status.RETURNED, at=vn(2026, 1, 16, 10, 0))
    assert exc_info.value.field == "collected_by"
    with pytest.raises(ValidationError):
        advance(ws, code, Status.RETURNED, at=vn(2026, 1, 16, 10, 0), collected_by="   ")

    view = advance(
        ws, code, Status.RETURNED, at=vn(2026, 1, 16, 10, 0), collected_by="Nguyễn Văn An"
    )
    assert view.status == "returned"
    assert view.returned_at == vn(2026, 1, 16, 10, 0)
    assert view.due_at == vn(2026, 1, 19, 10, 0)

    conn = sqlite3.connect(db_path)
    try:
        returned_to, resolution, paused = conn.execute(
            "SELECT returned_to, resolution, paused_at FROM dossiers WHERE code = ?", (code,)
        ).fetchone()
    finally:
        conn.close()
    assert (returned_to, resolution, paused) == ("Nguyễn Văn An", "early", None)

    payloads = [json.loads(e.payload) for e in history(ws, code)]
    resumed = payloads[3]
    assert (resumed["from"], resumed["to"]) == ("waiting_supplement", "in_progress")
    assert resumed["due_at"] == "2026-01-19T10:00:00+07:00"
    assert payloads[-1]["collected_by"] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("received", "paused", "resumed", "due_before", "due_after"),
    [
        # Across the make-up Saturday 10/1: 10h30 paused, due Thu 8/1 17:00 → Sat 10/1 10:00.
        (
            vn(2026, 1, 5, 9, 0),
            vn(2026, 1, 6, 10, 0),
            vn(2026, 1, 7, 14, 0),
            vn(2026, 1, 8, 17, 0),
            vn(2026, 1, 10, 10, 0),
        ),
        # Across Tết: only Fri 15-17h, Mon 23/2 and Tue 07:30-09:00 count (11h30).
        (
            vn(2026, 2, 11, 9, 0),
            vn(2026, 2, 13, 15, 0),
            vn(2026, 2, 24, 9, 0),
            vn(2026, 2, 23, 17, 0),
            vn(2026, 2, 25, 11, 0),
        ),
        # Paused over a weekend only: no working time, no change.
        (
            vn(2026, 1, 12, 9, 0),
            vn(2026, 1, 17, 9, 0),
            vn(2026, 1, 18, 16, 0),
            vn(2026, 1, 15, 17, 0),
            vn(2026, 1, 15, 17, 0),
        ),
        # Paused after the due date passed: still pushed by the paused working time (4h).
        (
            vn(2026, 1, 12, 9, 0),
            vn(2026, 1, 16, 7, 30),
            vn(2026, 1, 16, 11, 30),
            vn(2026, 1, 15, 17, 0),
            vn(2026, 1, 16, 11, 30),
        ),
    ],
    ids=["make-up-saturday", "tet", "weekend-only", "after-due"],
)
def test_pause_pushes_the_due_date_by_the_working_time_paused(
    ws: Workstation,
    received: datetime,
    paused: datetime,
    resumed: datetime,
    due_before: datetime,
    due_after: datetime,
) -> None:
    code = _receive(ws, received)
    assert get_dossier(ws, code).due_at == due_before
    advance(ws, code, Status.WAITING_SUPPLEMENT, at=paused)
    assert advance(ws, code, Status.IN_PROGRESS, at=resumed).due_at == due_after


def test_refusal_needs_a_reason(ws: Workstation, counts: Counts) -> None:
    code = _receive(ws, vn(2026, 1, 5, 9, 0))
    before = counts()
    for reason in (None, "", "   "):
        with pytest.raises(ValidationError) as exc_info:
            advance(ws, code, Status.REFUSED, at=vn(2026, 1, 5, 9, 30), reason=reason)
        assert exc_info.value.field == "reason"
    assert counts() == before
    assert get_dossier(ws, code).status == "received"

    view = advance(
        ws, code, Status.REFUSED, at=vn(2026, 1, 5, 9, 30), reason="Không thuộc thẩm quyền"
    )
    assert view.status == "refused"
    assert json.loads(history(ws, code)[-1].payload)["reason"] == "Không thuộc thẩm quyền"
    with pytest.raises(TransitionError):
        advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 5, 10, 0))


def test_refuse_and_withdraw_from_waiting_for_supplement(ws: Workstation) -> None:
    a = _receive(ws, vn(2026, 1, 5, 9, 0))
    b = _receive(ws, vn(2026, 1, 5, 9, 5))
    for code in (a, b):
        advance(ws, code, Status.WAITING_SUPPLEMENT, at=vn(2026, 1, 5, 10, 0))
    assert advance(
        ws, a, Status.REFUSED, at=vn(2026, 1, 9, 9), reason="Quá hạn bổ sung"
    ).status == ("refused")
    assert advance(ws, b, Status.WITHDRAWN, at=vn(2026, 1, 9, 9), note="Công dân rút").status == (
        "withdrawn"
    )


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), Status.RETURNED),
        ((), Status.RECEIVED),
        ((Status.IN_PROGRESS,), Status.RECEIVED),
        ((Status.IN_PROGRESS,), Status.RETURNED),
        ((Status.WAITING_SUPPLEMENT,), Status.RESOLVED),
        ((Status.RESOLVED,), Status.IN_PROGRESS),
        ((Status.RESOLVED,), Status.REFUSED),
        ((Status.WITHDRAWN,), Status.IN_PROGRESS),
        ((Status.IN_PROGRESS,), Status.IN_PROGRESS),
        ((Status.RESOLVED, Status.RETURNED), Status.RESOLVED),
        ((Status.REFUSED,), Status.RESOLVED),
    ],
    ids=lambda v: "-".join(s.value for s in v) if isinstance(v, tuple) else str(v),
)
def test_invalid_transitions_are_refused(
    ws: Workstation, counts: Counts, path: tuple[Status, ...], target: Status
) -> None:
    code = _receive(ws, vn(2026, 1, 5, 9, 0))
    at = vn(2026, 1, 5, 10, 0)
    for status in path:
        at += timedelta(minutes=10)
        who = "An" if status is Status.RETURNED else None
        why = "Sai thẩm quyền" if status is Status.REFUSED else None
        advance(ws, code, status, at=at, note="x", collected_by=who, reason=why)
    before = counts()
    with pytest.raises(TransitionError) as exc_info:
        advance(ws, code, target, at=at + timedelta(minutes=10), reason="x", collected_by="An")
    assert "Không thể chuyển" in str(exc_info.value)
    assert counts() == before
    assert get_dossier(ws, code).status == (path[-1] if path else Status.RECEIVED).value


def test_a_status_change_before_receipt_is_refused(ws: Workstation, counts: Counts) -> None:
    code = _receive(ws, vn(2026, 1, 5, 9, 0))
    before = counts()
    with pytest.raises(ValidationError) as exc_info:
        advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 5, 8, 59))
    assert exc_info.value.field == "at"
    assert counts() == before


def test_unknown_code_is_not_found(ws: Workstation) -> None:
    with pytest.raises(NotFoundError):
        advance(ws, f"{TEMPLATE_OFFICE}-260105-9999", Status.IN_PROGRESS)


def test_advance_through_the_cli(run_cli: CliRunner) -> None:
    code, out, _ = run_cli(
        "--json",
        "intake",
        "--procedure",
        THREE_DAYS,
        "--name",
        "Đặng Thị Hoà",
        "--received-at",
        "2026-01-12T09:00",
    )
    assert code == 0
    dossier = json.loads(out)["code"]
    steps = [
        ("in_progress", "2026-01-12T10:00", []),
        ("waiting_supplement", "2026-01-13T10:00", []),
        ("in_progress", "2026-01-14T14:00", []),
        ("resolved", "2026-01-16T09:00", []),
        ("returned", "2026-01-16T10:00", ["--collected-by", "Đặng Thị Hòa"]),
    ]
    for status, at, extra in steps:
        code, out, err = run_cli("--json", "advance", dossier, "--to", status, "--at", at, *extra)
        assert (code, err) == (0, ""), err
        assert json.loads(out)["status"] == status
    assert json.loads(out)["due_at"] == "2026-01-19T10:00:00+07:00"
    code, _, err = run_cli("advance", dossier, "--to", "in_progress", "--at", "2026-01-17T09:00")
    assert code == 1
    assert "Không thể chuyển" in err
    code, _, err = run_cli("advance", dossier, "--to", "done")
    assert code == 1
    assert "done" in err


# --------------------------------------------------------------------------- corrections


def test_edit_field_records_old_and_new(ws: Workstation, counts: Counts) -> None:
    code = _receive(ws, vn(2026, 1, 5, 9, 0), id_number=CCCD, phone="0912345678")
    view = edit_field(ws, code, "phone", "+84 987 654 321")
    assert view.phone == "0987654321"
    payload = json.loads(history(ws, code)[-1].payload)
    assert payload == {"field": "phone", "old": "0912345678", "new": "0987654321"}

    view = edit_field(ws, code, "applicant_name", "nguyễn  văn   ân")
    assert view.applicant_name == "Nguyễn Văn Ân"
    assert json.loads(history(ws, code)[-1].payload) == {
        "field": "applicant_name",
        "old": "Nguyễn Văn An",
        "new": "Nguyễn Văn Ân",
    }
    # Search follows the correction.
    assert [h.dossier.code for h in lookup(ws, "0987654321")] == [code]
    assert [h.dossier.code for h in lookup(ws, "nguyen van an")] == [code]

    view = edit_field(ws, code, "address", "Số 9 Khương Hạ")
    assert json.loads(history(ws, code)[-1].payload)["old"] is None

    before = counts()
    with pytest.raises(ValidationError) as exc_info:
        edit_field(ws, code, "phone", "12345")
    assert exc_info.value.field == "phone"
    with pytest.raises(ValidationError):
        edit_field(ws, code, "status", "resolved")
    with pytest.raises(ValidationError):
        edit_field(ws, code, "due_at", "2026-02-01")
    with pytest.raises(UserError):
        edit_field(ws, code, "phone", "0987654321")  # unchanged
    assert counts() == before


def test_duplicate_warning_for_the_same_id_and_procedure_while_open(
    ws: Workstation, run_cli: CliRunner
) -> None:
    first = intake(
        ws,
        IntakeRequest(
            procedure_code=THREE_DAYS,
            applicant_name="Bùi Văn Tú",
            id_number=CCCD,
            received_at=vn(2026, 1, 5, 9, 0),
        ),
    )
    assert first.possible_duplicate is False
    again = intake(
        ws,
        IntakeRequest(
            procedure_code=THREE_DAYS,
            applicant_name="Bùi Văn Tú",
            id_number="001 090 012 345",
            received_at=vn(2026, 1, 5, 9, 30),
        ),
    )
    assert again.possible_duplicate is True
    assert again.code != first.code
    other_procedure = intake(
        ws,
        IntakeRequest(
            procedure_code="1.004222",
            applicant_name="Bùi Văn Tú",
            id_number=CCCD,
            received_at=vn(2026, 1, 5, 9, 40),
        ),
    )
    assert other_procedure.possible_duplicate is False

    args = ("intake", "--procedure", THREE_DAYS, "--name", "Bùi Văn Tú", "--id-number", CCCD)
    code, out, _ = run_cli(*args, "--received-at", "2026-01-05T10:00")
    assert code == 0
    assert "Cảnh báo" in out
    code, out, _ = run_cli("--json", *args, "--received-at", "2026-01-05T10:05")
    assert json.loads(out)["possible_duplicate"] is True
    cli_codes = [
        h.dossier.code
        for h in lookup(ws, CCCD)
        if h.dossier.code not in (first.code, again.code, other_procedure.code)
    ]
    assert len(cli_codes) == 2

    # Once every earlier one is finished, there is nothing to warn about.
    for c in (first.code, again.code, *cli_codes):
        advance(ws, c, Status.WITHDRAWN, at=vn(2026, 1, 5, 11, 0), note="Rút")
    later = intake(
        ws,
        IntakeRequest(
            procedure_code=THREE_DAYS,
            applicant_name="Bùi Văn Tú",
            id_number=CCCD,
            received_at=vn(2026, 1, 6, 9, 0),
        ),
    )
    assert later.possible_duplicate is False


# --------------------------------------------------------------------------- apology / new date


def test_reschedule_once_keeps_the_statutory_due_date(ws: Workstation, counts: Counts) -> None:
    code = _receive(ws, vn(2026, 1, 12, 9, 0))
    due = vn(2026, 1, 15, 17, 0)
    before = counts()
    with pytest.raises(ValidationError) as exc_info:
        reschedule(ws, code, vn(2026, 1, 20, 17, 0), "  ")
    assert exc_info.value.field == "reason"
    with pytest.raises(ValidationError) as exc_info:
        reschedule(ws, code, due, "Chờ xác minh")
    assert exc_info.value.field == "new_due_at"
    with pytest.raises(ValidationError):
        reschedule(ws, code, datetime(2026, 1, 20, 17, 0), "Chờ xác minh")  # noqa: DTZ001
    assert counts() == before

    view = reschedule(ws, code, vn(2026, 1, 20, 17, 0), "Chờ xác minh của cơ quan phối hợp")
    assert view.due_at == due
    assert view.rescheduled_due_at == vn(2026, 1, 20, 17, 0)
    payload = json.loads(history(ws, code)[-1].payload)
    assert payload == {
        "new_due_at": "2026-01-20T17:00:00+07:00",
        "original_due_at": "2026-01-15T17:00:00+07:00",
        "reason": "Chờ xác minh của cơ quan phối hợp",
    }
    with pytest.raises(ValidationError):
        reschedule(ws, code, vn(2026, 1, 22, 17, 0), "Lần hai")

    # A finished dossier gets no new date.
    other = _receive(ws, vn(2026, 1, 12, 9, 5))
    advance(ws, other, Status.RESOLVED, at=vn(2026, 1, 14, 9, 0))
    with pytest.raises(TransitionError):
        reschedule(ws, other, vn(2026, 2, 1, 17, 0), "Quá muộn")


def test_birth_date_and_sex_are_kept_with_the_dossier(ws: Workstation) -> None:
    from datetime import date

    from onestop_desktop.store.models import DossierRow

    view = intake(
        ws,
        IntakeRequest(
            procedure_code="1.001193",
            applicant_name="Đặng Thị Hoà",
            id_number="001190012345",
            birth_date=date(1990, 3, 15),
            sex="nu",
        ),
    )
    with ws.db.read() as s:
        row = s.query(DossierRow).filter_by(code=view.code).one()
        assert (row.birth_date, row.sex) == (date(1990, 3, 15), "Nữ")
    with pytest.raises(ValidationError, match="Giới tính"):
        intake(ws, IntakeRequest(procedure_code="1.001193", applicant_name="A B", sex="x"))
