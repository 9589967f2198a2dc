"""Chart series: per local day (Asia/Ho_Chi_Minh, UTC+7) with known answers, and agreement
with the periodic report over a demo year."""

from __future__ import annotations

from datetime import date

from onestop_desktop.domain.dossier import Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.demo import generate_demo
from onestop_desktop.services.dossiers import IntakeRequest, advance, intake
from onestop_desktop.services.queue import LocalQueue
from onestop_desktop.services.report_series import (
    DayPoint,
    daily_series,
    monthly,
    queue_sentence,
    queue_stats,
    queue_values,
    report_fields,
    report_scopes,
    vn_minutes,
    weekly,
)
from onestop_desktop.services.reports import build_report
from tests.conftest import TEMPLATE_OFFICE, FixedClock, vn

SAME_DAY = "1.004873"  # a three-working-day procedure of the bundled catalog


def _receive(ws: Workstation) -> str:
    return intake(ws, IntakeRequest(procedure_code=SAME_DAY, applicant_name="Trần Văn Bình")).code


def test_days_are_vietnam_local_dates(ws: Workstation, clock: FixedClock) -> None:
    # 06:59 local on 6 January is 23:59 UTC on 5 January: it is the 6th's.
    clock.now = vn(2026, 1, 6, 6, 59)
    early = _receive(ws)
    # 23:30 local on 6 January is 16:30 UTC the same day.
    clock.now = vn(2026, 1, 6, 23, 30)
    _receive(ws)
    # 00:10 local on 7 January is 17:10 UTC on 6 January: it is the 7th's.
    clock.now = vn(2026, 1, 7, 0, 10)
    _receive(ws)
    clock.now = vn(2026, 1, 8, 6, 30)  # resolved early on the 8th, local (23:30 UTC the 7th)
    advance(ws, early, Status.IN_PROGRESS)
    advance(ws, early, Status.RESOLVED)
    clock.now = vn(2026, 1, 9, 9)
    points = daily_series(ws, date(2026, 1, 5), date(2026, 1, 9))
    assert [p.day for p in points] == [date(2026, 1, d) for d in range(5, 10)]
    assert [p.received for p in points] == [0, 2, 1, 0, 0]
    assert [p.resolved for p in points] == [0, 0, 0, 1, 0]
    assert points[3].resolved_in_time == 1
    assert points[3].on_time_rate == 100.0
    assert points[0].on_time_rate is None
    # Only the 8th: the 6th's and 7th's receipts fall outside.
    only = daily_series(ws, date(2026, 1, 8), date(2026, 1, 8))
    assert only == [DayPoint(date(2026, 1, 8), 0, 1, 1)]
    # Scoped to another office: nothing.
    other = daily_series(ws, date(2026, 1, 5), date(2026, 1, 9), office_codes=["000.02.09.H24"])
    assert sum(p.received for p in other) == 0
    mine = daily_series(ws, date(2026, 1, 5), date(2026, 1, 9), office_codes=[TEMPLATE_OFFICE])
    assert sum(p.received for p in mine) == 3


def test_series_agree_with_the_report_over_a_demo_year(ws: Workstation) -> None:
    generate_demo(ws, 3000, seed=3, days=400)
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    rep = build_report(ws, start, end)
    points = daily_series(ws, start, end)
    assert len(points) == 365
    total = rep.total
    assert sum(p.received for p in points) == total.received_in_period
    assert sum(p.resolved for p in points) == total.resolved
    assert sum(p.resolved_in_time for p in points) == total.resolved_early + total.resolved_on_time
    weeks = weekly(points)
    assert all(w.day.weekday() == 0 for w in weeks)
    assert sum(w.received for w in weeks) == total.received_in_period
    months = monthly(points)
    assert [m.day.month for m in months] == list(range(1, 13))
    assert sum(m.resolved for m in months) == total.resolved
    # By field and by unit scope, the same agreement.
    field = "Hộ tịch"
    by_field = daily_series(ws, start, end, procedure_field=field)
    expected = sum(u.by_field[field].received_in_period for u in rep.units if field in u.by_field)
    assert sum(p.received for p in by_field) == expected > 0
    ward = next(s for s in report_scopes(ws) if s.key == "unit:00343")
    ward_rep = build_report(ws, start, end, unit_code=ward.unit_code)
    scoped = daily_series(ws, start, end, office_codes=ward.office_codes)
    assert sum(p.received for p in scoped) == ward_rep.total.received_in_period > 0
    # One procedure, as the page's procedure filter: the report filtered the same way.
    proc_rep = build_report(ws, start, end, procedure_code=SAME_DAY)
    by_proc = daily_series(ws, start, end, procedure_code=SAME_DAY)
    assert sum(p.received for p in by_proc) == proc_rep.total.received_in_period > 0
    assert sum(p.resolved for p in by_proc) == proc_rep.total.resolved
    assert proc_rep.total.received_in_period < total.received_in_period
    # Both filters together: a procedure outside the chosen field has no points.
    assert (
        sum(
            p.received
            for p in daily_series(
                ws, start, end, procedure_field="Chứng thực", procedure_code=SAME_DAY
            )
        )
        == 0
    )


def test_scopes_and_fields(ws: Workstation) -> None:
    generate_demo(ws, 300, seed=5, days=60)
    scopes = {s.key: s for s in report_scopes(ws)}
    assert scopes["all"].unit_code is None
    district = scopes["tree:009"]
    assert district.unit_code == "009"
    assert district.only_unit is None
    assert district.office_codes is not None
    assert len(district.office_codes) == 12
    own = scopes["unit:009"]  # the district's own office, without its wards
    assert own.only_unit == "009"
    assert own.office_codes == ("000.00.09.H24",)
    ward = scopes["unit:00343"]
    assert ward.office_codes == (TEMPLATE_OFFICE,)
    assert ward.only_unit is None
    assert "Hộ tịch" in report_fields(ws)


def test_queue_figures_formatted(ws: Workstation, clock: FixedClock) -> None:
    """Queue statistics over a period, for the offices asked, and their Vietnamese format."""
    q = LocalQueue(ws.db, TEMPLATE_OFFICE, clock=clock, clerk="an")
    clock.now = vn(2026, 1, 5, 8)
    first = q.issue("ho_tich")
    clock.now = vn(2026, 1, 5, 8, 12, 30)  # waited 12 min 30 s
    q.call_next(1)
    clock.now = vn(2026, 1, 5, 8, 20)
    q.finish(first.id, 1)  # served in 7 min 30 s
    clock.now = vn(2026, 1, 6, 9)
    q.issue("chung_thuc")  # the next day, still waiting
    day = queue_stats(ws, date(2026, 1, 5), date(2026, 1, 5), office_codes=[TEMPLATE_OFFICE])
    assert queue_values(day.total) == ("1", "1", "0", "13 phút", "13 phút", "8 phút", "0")
    both = queue_stats(ws, date(2026, 1, 5), date(2026, 1, 6))
    assert (both.total.tickets, both.total.waiting) == (2, 1)
    assert sorted(f.key for f in both.by_group) == ["Chứng thực", "Hộ tịch"]
    other = queue_stats(ws, date(2026, 1, 5), date(2026, 1, 6), office_codes=["000.02.09.H24"])
    assert other.total.tickets == 0
    assert queue_sentence(other.total, period="trong kỳ") == "Không có phiếu xếp hàng nào trong kỳ."
    assert [vn_minutes(s) for s in (None, 29, 30, 89.9, 90, 3600 * 20)] == [
        "—",
        "< 1 phút",
        "1 phút",
        "1 phút",
        "2 phút",
        "1.200 phút",
    ]
