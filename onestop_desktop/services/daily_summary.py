"""The supervisor's daily summary of this workstation's office, as PDF bytes.

Figures are the periodic report's (services/reports.py) for the one-day period, for the office
only. Lists, as they stood at the end of the day (midnight), of the dossiers not finished then
and not waiting for a supplement (their clock is stopped):

- due today: the statutory due date-time falls on the day;
- due next: it falls after the day and no later than the end of the next working day (so a
  Friday's summary also lists what falls due on the weekend);
- overdue: it fell before the day.

Each with its code, applicant, procedure and the clerk who received it (the user of the
dossier's creation event). Ratings: the ``rating.given`` events recorded that day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.dossier import EventType
from onestop_desktop.printing.daily_summary_pdf import (
    DailySummaryInfo,
    FigureGroup,
    SummaryDossier,
    SummaryList,
    SummaryRating,
    daily_summary,
)
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.printing import _agency
from onestop_desktop.services.reports import (
    Figures,
    figure_columns,
    figure_scopes,
    period_bounds,
    vn_int,
    vn_pct,
)
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow, EventRow, UserRow

#: At most this many dossiers per list are printed (the heading gives the full count).
MAX_LIST_ROWS = 300

#: Rating values (as recorded in ``rating.given`` events) and their labels.
RATING_LABELS: dict[str, str] = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "dissatisfied": "Không hài lòng",
    "unsatisfied": "Không hài lòng",
}
_LABEL_KEYS = {label.casefold(): key for key, label in RATING_LABELS.items()}
QUEUE_NONE = "Chưa có dữ liệu hàng chờ."


def rating_key(value: object) -> str:
    """``very_satisfied`` | ``satisfied`` | ``dissatisfied`` for a recorded rating value
    (the key itself or its Vietnamese label); the value as given otherwise."""
    text = str(value or "").strip()
    if text in RATING_LABELS:
        return "dissatisfied" if text == "unsatisfied" else text
    return _LABEL_KEYS.get(text.casefold(), text)


def office_figures(s: Session, start: datetime, end: datetime, office: str) -> Figures:
    """The report's figures over ``[start, end)`` for one office (same definitions)."""
    total = Figures()
    for scope, conditions in figure_scopes(start, end):
        columns = figure_columns(conditions)
        row = s.execute(
            select(*columns.values()).where(scope, DossierRow.office_code == office)
        ).one()
        total.add(Figures(**{n: int(v) for n, v in zip(columns, row, strict=True)}))
    return total


def _hhmm_date(at: datetime) -> str:
    t = at.astimezone(VN_TZ)
    return f"{t:%d/%m/%Y} {t:%H:%M}"


def _clerks(s: Session, dossier_ids: Sequence[str]) -> dict[str, str]:
    """Who received each dossier: the user of its creation event (full name, else login)."""
    out: dict[str, str] = {}
    for i in range(0, len(dossier_ids), 500):
        chunk = dossier_ids[i : i + 500]
        rows = s.execute(
            select(EventRow.dossier_id, UserRow.full_name, UserRow.username)
            .join(UserRow, UserRow.id == EventRow.user_id)
            .where(
                EventRow.dossier_id.in_(chunk),
                EventRow.type.in_([EventType.RECEIVED.value, EventType.IMPORTED.value]),
            )
        )
        for dossier_id, full_name, username in rows:
            out.setdefault(dossier_id, full_name or username)
    return out


def _list(
    s: Session, title: str, where: Sequence[ColumnElement[bool]], due: Any, empty: str, day: date
) -> SummaryList:
    d = DossierRow
    total = int(s.scalar(select(func.count()).select_from(d).where(*where)) or 0)
    rows = s.execute(
        select(
            d.id,
            d.code,
            d.applicant_name,
            d.procedure_name,
            d.procedure_code,
            due.label("due"),
            d.rescheduled_due_at,
        )
        .where(*where)
        .order_by(due, d.code)
        .limit(MAX_LIST_ROWS)
    ).all()
    clerks = _clerks(s, [r.id for r in rows])
    out = []
    for r in rows:
        notes = []
        due_at: datetime = r.due
        if not isinstance(due_at, datetime):  # a CASE may lose the column type: stored UTC
            due_at = datetime.fromisoformat(str(due_at))
        if due_at.tzinfo is None:
            due_at = due_at.replace(tzinfo=UTC)
        late_days = (day - due_at.astimezone(VN_TZ).date()).days
        if late_days > 0:
            notes.append(f"quá {late_days} ngày")
        if r.rescheduled_due_at is not None:
            notes.append(f"hẹn lại {r.rescheduled_due_at.astimezone(VN_TZ):%d/%m/%Y}")
        out.append(
            SummaryDossier(
                code=r.code,
                applicant=r.applicant_name,
                procedure=r.procedure_name or r.procedure_code,
                due=_hhmm_date(due_at),
                clerk=clerks.get(r.id, ""),
                note="; ".join(notes),
            )
        )
    return SummaryList(title, tuple(out), total, empty)


def _ratings(
    s: Session, start: datetime, end: datetime, office: str
) -> tuple[list[SummaryRating], dict[str, int]]:
    # The day's rating events first, then their dossiers: joining from the office's dossiers
    # would probe the events of every one of them (a partial index on the rating events'
    # occurred_at would make the first query a range scan too).
    events = s.execute(
        select(EventRow.dossier_id, EventRow.payload)
        .where(
            EventRow.type == EventType.RATING_GIVEN.value,
            EventRow.occurred_at >= start,
            EventRow.occurred_at < end,
        )
        .order_by(EventRow.occurred_at, EventRow.hlc)
    ).all()
    ids = sorted({e.dossier_id for e in events})
    dossiers: dict[str, tuple[str, str]] = {}
    for i in range(0, len(ids), 500):
        rows = s.execute(
            select(DossierRow.id, DossierRow.code, DossierRow.applicant_name).where(
                DossierRow.id.in_(ids[i : i + 500]), DossierRow.office_code == office
            )
        )
        dossiers.update({r.id: (r.code, r.applicant_name) for r in rows})
    counts = dict.fromkeys(("very_satisfied", "satisfied", "dissatisfied"), 0)
    out = []
    for dossier_id, payload in events:
        if dossier_id not in dossiers:
            continue
        code, applicant = dossiers[dossier_id]
        p = json.loads(payload)
        key = rating_key(p.get("rating"))
        if key in counts:
            counts[key] += 1
        out.append(
            SummaryRating(
                code=code,
                applicant=applicant,
                rating=RATING_LABELS.get(key, key),
                reason=str(p.get("reason") or ""),
            )
        )
    return out, counts


def summary_info(ws: Workstation, day: date) -> DailySummaryInfo:
    """The daily summary's data for this workstation's office."""
    start, end = period_bounds(day, day)
    d = DossierRow
    with ws.db.read() as s:
        office = repo.get_setting(s, repo.OFFICE_CODE) or ""
        agency = _agency(s, office)
        cal = ws.calendar(s)
        next_day = cal.next_working_day(day)
        next_end = datetime.combine(next_day + timedelta(days=1), time(0), VN_TZ)
        f = office_figures(s, start, end, office)
        # As the report reads a dossier at the end of the period (services/reports.py).
        open_at_end = or_(d.finished_at.is_(None), d.finished_at >= end)
        not_paused = or_(
            d.last_paused_at.is_(None), d.last_paused_at >= end, d.last_resumed_at < end
        )
        due = case((d.last_paused_at >= end, d.due_before_pause), else_=d.due_at)
        base = [d.office_code == office, d.received_at < end, open_at_end, not_paused]
        lists = (
            _list(
                s,
                "Hồ sơ đến hạn trả trong ngày",
                [*base, and_(due >= start, due < end)],
                due,
                "Không có hồ sơ nào đến hạn trả trong ngày.",
                day,
            ),
            _list(
                s,
                f"Hồ sơ đến hạn ngày làm việc tiếp theo ({_weekday(next_day)} {next_day:%d/%m/%Y})",
                [*base, and_(due >= end, due < next_end)],
                due,
                "Không có hồ sơ nào đến hạn ngày làm việc tiếp theo.",
                day,
            ),
            _list(
                s,
                "Hồ sơ đã quá hạn, chưa giải quyết xong",
                [*base, due < start],
                due,
                "Không có hồ sơ quá hạn.",
                day,
            ),
        )
        ratings, counts = _ratings(s, start, end, office)
        as_of = ws.now()
    rated = sum(counts.values())
    rating_summary = (
        f"Rất hài lòng: {counts['very_satisfied']}; Hài lòng: {counts['satisfied']}; "
        f"Không hài lòng: {counts['dissatisfied']}; tỷ lệ hài lòng: "
        f"{vn_pct(round(100 * (counts['very_satisfied'] + counts['satisfied']) / rated, 2))}."
        if rated
        else ""
    )
    figures = (
        FigureGroup(
            "Tiếp nhận trong ngày",
            (
                ("Tổng số", vn_int(f.received_in_period)),
                ("Trực tuyến", vn_int(f.received_online)),
                ("Trực tiếp", vn_int(f.received_direct)),
                ("Bưu chính", vn_int(f.received_postal)),
            ),
        ),
        FigureGroup(
            "Giải quyết xong trong ngày",
            (
                ("Trước hạn", vn_int(f.resolved_early)),
                ("Đúng hạn", vn_int(f.resolved_on_time)),
                ("Quá hạn", vn_int(f.resolved_late)),
            ),
        ),
        FigureGroup(
            "Không giải quyết",
            (("Từ chối", vn_int(f.refused)), ("Rút hồ sơ", vn_int(f.withdrawn))),
        ),
        FigureGroup(
            "Đang giải quyết cuối ngày",
            (("Tổng số", vn_int(f.in_progress)), ("Quá hạn", vn_int(f.in_progress_overdue))),
        ),
    )
    local_now = as_of.astimezone(VN_TZ)
    notes = (
        f"Tỷ lệ giải quyết đúng hạn trong ngày: {vn_pct(f.on_time_rate)}. Hồ sơ đang giải quyết "
        "tính đến hết ngày; quá hạn khi hạn trả theo quy định trước thời điểm đó (hồ sơ chờ bổ "
        "sung được tính trong hạn).",
        f"Số liệu tính đến {local_now:%H:%M} ngày {local_now:%d/%m/%Y}.",
    )
    return DailySummaryInfo(
        agency=agency,
        day=day,
        issued_at=as_of,
        figures=figures,
        lists=lists,
        ratings=tuple(ratings),
        rating_summary=rating_summary,
        queue=QUEUE_NONE,
        notes=notes,
    )


_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def _weekday(day: date) -> str:
    return _WEEKDAYS[day.weekday()]


def render_daily_summary(ws: Workstation, day: date) -> bytes:
    """The day's summary of this workstation's office as PDF bytes."""
    return daily_summary(summary_info(ws, day))


__all__ = ["QUEUE_NONE", "RATING_LABELS", "office_figures", "render_daily_summary", "summary_info"]
