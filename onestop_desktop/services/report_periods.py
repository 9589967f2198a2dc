"""Reporting periods: the local dates ``[from, to]`` of a day, week, month, quarter, 6 or 9 months,
a year, or a custom range, around any date.

Calendar periods (``start_day`` = 1): a week runs Monday to Sunday; 6 months is the half-year
holding the date (January–June or July–December); 9 months always runs January to September of
the date's year (the "báo cáo 9 tháng" sent in the autumn); a year is January–December.

Statistical cut-off (``start_day`` = s > 1, DOMAIN.md §4): some reports count a month from the
s-th of the month before to the (s-1)-th of the month itself, e.g. 15/12 → 14/01 is January's.
Every month-based period shifts the same way (quarter I = 15/12 → 14/03, year = 15/12 → 14/12);
a date on or after the s-th belongs to the next month's period. Days and weeks never shift.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from onestop_desktop.domain.errors import ValidationError

#: The latest cut-off day allowed: every month has it.
MAX_START_DAY = 28


class PeriodKind(Enum):
    """What the report covers."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    NINE_MONTHS = "nine_months"
    YEAR = "year"
    CUSTOM = "custom"


PERIOD_LABELS: dict[PeriodKind, str] = {
    PeriodKind.DAY: "Ngày",
    PeriodKind.WEEK: "Tuần",
    PeriodKind.MONTH: "Tháng",
    PeriodKind.QUARTER: "Quý",
    PeriodKind.HALF_YEAR: "6 tháng",
    PeriodKind.NINE_MONTHS: "9 tháng",
    PeriodKind.YEAR: "Năm",
    PeriodKind.CUSTOM: "Tùy chọn",
}

_ROMAN = ("I", "II", "III", "IV")


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _last_day(year: int, month: int) -> date:
    ny, nm = _add_months(year, month, 1)
    return date(ny, nm, 1) - timedelta(days=1)


def _label_month(anchor: date, start_day: int) -> tuple[int, int]:
    """The (year, month) whose period holds ``anchor`` under a cut-off on ``start_day``."""
    if start_day > 1 and anchor.day >= start_day:
        return _add_months(anchor.year, anchor.month, 1)
    return anchor.year, anchor.month


def _month_span(kind: PeriodKind, year: int, month: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """First and last calendar month of the period of ``kind`` holding (year, month)."""
    if kind is PeriodKind.MONTH:
        return (year, month), (year, month)
    if kind is PeriodKind.QUARTER:
        first = (month - 1) // 3 * 3 + 1
        return (year, first), (year, first + 2)
    if kind is PeriodKind.HALF_YEAR:
        first = 1 if month <= 6 else 7
        return (year, first), (year, first + 5)
    if kind is PeriodKind.NINE_MONTHS:
        return (year, 1), (year, 9)
    return (year, 1), (year, 12)


def period_bounds_for(
    kind: PeriodKind,
    anchor: date,
    *,
    start_day: int = 1,
    custom_to: date | None = None,
) -> tuple[date, date]:
    """The inclusive local dates of the period of ``kind`` that holds ``anchor``.

    Args:
        kind: the period kind.
        anchor: any date inside the wanted period (for CUSTOM: its first day).
        start_day: the statistical cut-off day of month (1 = calendar months; at most 28).
        custom_to: the last day of a CUSTOM period (required for CUSTOM only).

    Raises:
        ValidationError: a cut-off outside 1–28, or a custom range that ends before it starts.
    """
    if not 1 <= start_day <= MAX_START_DAY:
        raise ValidationError(
            "start_day", f"Ngày bắt đầu kỳ thống kê phải từ 1 đến {MAX_START_DAY}."
        )
    if kind is PeriodKind.DAY:
        return anchor, anchor
    if kind is PeriodKind.WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=6)
    if kind is PeriodKind.CUSTOM:
        end = custom_to if custom_to is not None else anchor
        if end < anchor:
            raise ValidationError("to", "Ngày kết thúc kỳ báo cáo không được trước ngày bắt đầu.")
        return anchor, end
    year, month = _label_month(anchor, start_day)
    (fy, fm), (ly, lm) = _month_span(kind, year, month)
    if start_day == 1:
        return date(fy, fm, 1), _last_day(ly, lm)
    py, pm = _add_months(fy, fm, -1)
    return date(py, pm, start_day), date(ly, lm, start_day) - timedelta(days=1)


def shift_period(
    kind: PeriodKind, anchor: date, steps: int, *, start_day: int = 1
) -> tuple[date, date]:
    """The period ``steps`` periods before (negative) or after ``anchor``'s (not for CUSTOM)."""
    start, end = period_bounds_for(kind, anchor, start_day=start_day)
    for _ in range(abs(steps)):
        anchor = end + timedelta(days=1) if steps > 0 else start - timedelta(days=1)
        start, end = period_bounds_for(kind, anchor, start_day=start_day)
    return start, end


def period_title(kind: PeriodKind, start: date, end: date) -> str:
    """A Vietnamese name of the period: "Tháng 01/2026", "Quý I/2026", "6 tháng đầu năm 2026"."""
    if kind is PeriodKind.DAY:
        return f"Ngày {start:%d/%m/%Y}"
    if kind in (PeriodKind.WEEK, PeriodKind.CUSTOM):
        return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
    # The label month is the one the period ends in (a cut-off period ends in its own month).
    year, month = end.year, end.month
    if kind is PeriodKind.MONTH:
        return f"Tháng {month:02d}/{year}"
    if kind is PeriodKind.QUARTER:
        return f"Quý {_ROMAN[(month - 1) // 3]}/{year}"
    if kind is PeriodKind.HALF_YEAR:
        return f"6 tháng {'đầu' if month <= 6 else 'cuối'} năm {year}"
    if kind is PeriodKind.NINE_MONTHS:
        return f"9 tháng đầu năm {year}"
    return f"Năm {year}"


__all__ = [
    "MAX_START_DAY",
    "PERIOD_LABELS",
    "PeriodKind",
    "period_bounds_for",
    "period_title",
    "shift_period",
]
