"""The lookup page's listing and the dossier detail, on a real database (no Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event

from onestop_desktop.domain.dossier import TRANSITIONS, Resolution, Status
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.errors import NotFoundError
from onestop_desktop.services import browse
from onestop_desktop.services.browse import (
    BrowseFilter,
    DeadlineKind,
    dossier_detail,
    list_dossiers,
)
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, advance, intake, reschedule
from onestop_desktop.services.printing import render_form
from tests.conftest import FixedClock, vn

THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
FIVE_DAYS = "1.004884"  # Đăng ký lại khai sinh: 5 working days
SAME_DAY = "1.001193"  # Đăng ký khai sinh


def _receive(
    ws: Workstation,
    clock: FixedClock,
    at: datetime,
    name: str = "Nguyễn Văn An",
    procedure: str = THREE_DAYS,
    **kw: Any,
) -> str:
    clock.now = at
    return intake(ws, IntakeRequest(procedure_code=procedure, applicant_name=name, **kw)).code


def _codes(ws: Workstation, query: str = "", /, **flt: Any) -> list[str]:
    return [v.code for v in list_dossiers(ws, query, BrowseFilter(**flt)).rows]


@pytest.fixture
def office(ws: Workstation, clock: FixedClock) -> dict[str, str]:
    """Six dossiers in various states; the clock ends on Thu 8 Jan 2026, 09:00."""
    c = {
        "old_returned": _receive(ws, clock, vn(2025, 12, 1, 9), "Trần Thị Bình"),
        "late_in_progress": _receive(ws, clock, vn(2025, 12, 15, 9), "Lê Văn Cường"),
        "late_waiting": _receive(ws, clock, vn(2025, 12, 16, 9), "Phạm Thị Dung"),
        "due_today": _receive(ws, clock, vn(2026, 1, 5, 8), "Nguyễn Văn An", phone="0912345678"),
        "later": _receive(ws, clock, vn(2026, 1, 6, 8), "Nguyễn Văn Anh", procedure=FIVE_DAYS),
        "birth": _receive(ws, clock, vn(2026, 1, 7, 8), "Hoàng Minh Đức", procedure=SAME_DAY),
    }
    clock.now = vn(2025, 12, 2, 9)
    advance(ws, c["old_returned"], Status.RESOLVED)
    advance(ws, c["old_returned"], Status.RETURNED, collected_by="Trần Thị Bình")
    clock.now = vn(2025, 12, 15, 10)
    advance(ws, c["late_in_progress"], Status.IN_PROGRESS)
    clock.now = vn(2025, 12, 16, 10)
    advance(ws, c["late_waiting"], Status.WAITING_SUPPLEMENT, reason="Thiếu tờ khai")
    clock.now = vn(2026, 1, 8, 9)
    return c


# --------------------------------------------------------------------------- listing


def test_no_filter_lists_the_newest_first_in_pages(ws: Workstation, office: dict[str, str]) -> None:
    first = list_dossiers(ws, limit=4)
    assert [v.code for v in first.rows] == [
        office["birth"],
        office["later"],
        office["due_today"],
        office["late_waiting"],
    ]
    assert first.has_more
    rest = list_dossiers(ws, limit=4, offset=4)
    assert [v.code for v in rest.rows] == [office["late_in_progress"], office["old_returned"]]
    assert not rest.has_more


def test_text_query_ranks_names_typed_without_diacritics(
    ws: Workstation, office: dict[str, str]
) -> None:
    assert _codes(ws, "nguyen van an") == [office["due_today"], office["later"]]
    assert _codes(ws, "0912 345 678") == [office["due_today"]]
    assert _codes(ws, office["later"].lower()) == [office["later"]]


def test_status_filter_lists_the_most_urgent_first(ws: Workstation, office: dict[str, str]) -> None:
    assert _codes(ws, status=Status.RECEIVED) == [
        office["birth"],
        office["due_today"],
        office["later"],
    ]
    assert _codes(ws, status=Status.RETURNED) == [office["old_returned"]]


def test_overdue_excludes_paused_and_finished_dossiers(
    ws: Workstation, office: dict[str, str]
) -> None:
    # The same-day birth registration of 7 Jan was due 7 Jan 17:00: late as well.
    assert _codes(ws, overdue=True) == [office["late_in_progress"], office["birth"]]


def test_due_today_and_overdue_combine(ws: Workstation, office: dict[str, str]) -> None:
    assert _codes(ws, due_today=True) == [office["due_today"]]
    assert _codes(ws, due_today=True, overdue=True) == []


def test_procedure_and_period_filters(ws: Workstation, office: dict[str, str]) -> None:
    assert _codes(ws, procedure_code=FIVE_DAYS) == [office["later"]]
    december = {"received_from": date(2025, 12, 1), "received_to": date(2025, 12, 31)}
    assert _codes(ws, **december) == [
        office["late_waiting"],
        office["late_in_progress"],
        office["old_returned"],
    ]
    assert _codes(ws, status=Status.IN_PROGRESS, **december) == [office["late_in_progress"]]
    assert _codes(ws, received_from=date(2026, 1, 7), received_to=date(2026, 1, 7)) == [
        office["birth"]
    ]


def test_filters_narrow_a_text_query(ws: Workstation, office: dict[str, str]) -> None:
    assert _codes(ws, "nguyen van", procedure_code=FIVE_DAYS) == [office["later"]]
    assert _codes(ws, "nguyen", status=Status.RETURNED) == []


def test_a_period_that_ends_before_it_starts_is_refused(ws: Workstation) -> None:
    flt = BrowseFilter(received_from=date(2026, 1, 5), received_to=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="Ngày kết thúc"):
        list_dossiers(ws, "", flt)


@pytest.fixture
def statements(ws: Workstation) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on the dossiers table that run while the test body runs."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "FROM dossiers" in sql:
            seen.append((sql, params))

    event.listen(ws.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(ws.db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("flt", "index"),
    [
        (BrowseFilter(), "ix_dossiers_received_at"),
        (BrowseFilter(received_from=date(2025, 12, 1)), "ix_dossiers_received_at"),
        (BrowseFilter(procedure_code=FIVE_DAYS), "ix_dossiers_report"),
        (
            BrowseFilter(procedure_code=FIVE_DAYS, received_from=date(2025, 12, 1)),
            "ix_dossiers_report",
        ),
        (BrowseFilter(status=Status.RECEIVED), "ix_dossiers_status_due"),
        (BrowseFilter(overdue=True), "ix_dossiers_status_due"),
        (BrowseFilter(due_today=True, procedure_code=THREE_DAYS), "ix_dossiers_status_due"),
    ],
)
def test_listing_queries_walk_an_index_in_order(
    ws: Workstation,
    office: dict[str, str],
    statements: list[tuple[str, Any]],
    flt: BrowseFilter,
    index: str,
) -> None:
    list_dossiers(ws, "", flt)
    assert statements
    with ws.db.engine.connect() as conn:
        for sql, params in statements:
            plan = " | ".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            if "dossiers.id IN" in sql:  # the page's rows, once the merge has picked them
                assert "sqlite_autoindex_dossiers" in plan, plan
                continue
            assert index in plan, plan
            # Only rows with the same instant are sorted (by code), never the whole range.
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


# --------------------------------------------------------------------------- detail


def test_detail_has_documents_timeline_names_and_workstation(
    ws: Workstation, office: dict[str, str]
) -> None:
    d = dossier_detail(ws, office["old_returned"])
    assert d.dossier.applicant_name == "Trần Thị Bình"
    assert d.documents
    assert all(doc.received for doc in d.documents)
    assert [e.type for e in d.timeline] == [
        "dossier.received",
        "dossier.status_changed",
        "dossier.status_changed",
    ]
    assert {e.username for e in d.timeline} == {"tester"}
    assert {e.device_number for e in d.timeline} == {1}
    assert d.timeline[0].occurred_at == vn(2025, 12, 1, 9)
    assert d.timeline[2].payload["collected_by"] == "Trần Thị Bình"
    assert d.returned_to == "Trần Thị Bình"
    assert d.deadline.kind is DeadlineKind.FINISHED
    assert d.deadline.resolution is Resolution.EARLY
    assert d.allowed == TRANSITIONS[Status.RETURNED] == frozenset()


def test_prints_appear_in_the_timeline(ws: Workstation, office: dict[str, str]) -> None:
    render_form(ws, "01", office["due_today"])
    d = dossier_detail(ws, office["due_today"])
    assert d.timeline[-1].type == "dossier.printed"
    assert d.timeline[-1].payload == {"form": "01"}
    assert d.print_count == 1


def test_working_days_left_use_the_workstation_calendar(ws: Workstation, clock: FixedClock) -> None:
    # Received Mon 5 Jan 2026 08:00, three working days: due Thu 8 Jan 17:00.
    code = _receive(ws, clock, vn(2026, 1, 5, 8))
    assert dossier_detail(ws, code).deadline.working_days_left == 3
    clock.now = vn(2026, 1, 8, 9)
    assert dossier_detail(ws, code).deadline.kind is DeadlineKind.DUE_TODAY
    clock.now = vn(2026, 1, 9, 9)
    late = dossier_detail(ws, code)
    assert late.deadline.kind is DeadlineKind.OVERDUE
    assert late.deadline.overdue_days == 1
    assert late.overdue
    assert late.can_reschedule
    # Saturday 10 January 2026 is a make-up working day: Fri 9, Sat 10, Mon 12.
    clock.now = vn(2026, 1, 12, 10)
    assert dossier_detail(ws, code).deadline.overdue_days == 3


def test_holidays_are_not_counted(ws: Workstation, clock: FixedClock) -> None:
    # Received Tue 30 Dec 2025, 3 working days: Wed 31, (1-2 Jan off, weekend), Mon 5, Tue 6.
    code = _receive(ws, clock, vn(2025, 12, 30, 8))
    clock.now = vn(2025, 12, 31, 8)
    d = dossier_detail(ws, code)
    assert d.dossier.due_at == vn(2026, 1, 6, 17)
    assert d.deadline.working_days_left == 2


def test_a_paused_dossier_is_not_counted_and_late_stays_late(
    ws: Workstation, office: dict[str, str], clock: FixedClock
) -> None:
    waiting = dossier_detail(ws, office["late_waiting"])
    assert waiting.deadline.kind is DeadlineKind.PAUSED
    assert not waiting.overdue  # paused before its due date
    late = dossier_detail(ws, office["late_in_progress"])
    assert late.can_reschedule
    assert late.proposed_new_due > clock.now.date()
    new_due = browse.new_due_at(late, late.proposed_new_due)
    assert new_due.hour == 17
    reschedule(ws, office["late_in_progress"], new_due, "Chờ ý kiến cơ quan phối hợp")
    after = dossier_detail(ws, office["late_in_progress"])
    assert after.dossier.rescheduled_due_at == new_due
    assert after.dossier.due_at == late.dossier.due_at  # the statutory date stays
    assert after.deadline.kind is DeadlineKind.OVERDUE
    assert not after.can_reschedule  # once only


def test_allowed_actions_follow_the_state_machine(ws: Workstation, office: dict[str, str]) -> None:
    for code in office.values():
        d = dossier_detail(ws, code)
        assert d.allowed == TRANSITIONS[d.status]


def test_unknown_code_is_a_clear_error(ws: Workstation) -> None:
    with pytest.raises(NotFoundError, match="Không tìm thấy"):
        dossier_detail(ws, "000.01.09.H24-260105-9999")


def test_uses_no_qt() -> None:
    import subprocess
    import sys

    code = "import sys, onestop_desktop.services.browse; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_query_count_is_bounded(ws: Workstation, statements: list[tuple[str, Any]]) -> None:
    list_dossiers(ws, "", BrowseFilter(overdue=True))
    # One scan per running status, each with a LIMIT.
    assert len(statements) == 2
    assert all("LIMIT" in sql for sql, _ in statements)
