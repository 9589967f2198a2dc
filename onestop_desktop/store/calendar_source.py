"""Builds the deadline calendar from its sources (DOMAIN.md §6).

Precedence, strongest first:

1. local overrides (an admin's import, local decisions, the server's sync);
2. the bundled verified schedule ``db/data/calendar_vn.csv`` — authoritative for every year it
   has entries for: in those years the ``holidays`` package is not consulted at all;
3. ``holidays.Vietnam`` for every other year (public holidays incl. observed and substituted
   days, and its make-up Saturdays);
4. weekends (Saturday and Sunday off).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import date

from onestop_desktop.domain.calendar import CalendarEntry, DayKind, OfficeHours, WorkCalendar
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.paths import data_file

__all__ = [
    "BUNDLED_FILE",
    "build_calendar",
    "bundled_entries",
    "package_entries",
    "parse_calendar_csv",
]

BUNDLED_FILE = "calendar_vn.csv"
HEADER = ("date", "kind", "note")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_calendar_csv(text: str) -> list[CalendarEntry]:
    """Parse a ``date,kind,note`` calendar CSV; raise ValidationError naming the bad line."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != HEADER:
        raise ValidationError(
            "header",
            "Dòng 1: tiêu đề của tệp lịch phải đúng là “date,kind,note”"
            f" (đang là “{','.join(header or [])}”).",
        )
    entries: list[CalendarEntry] = []
    seen: dict[date, int] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise ValidationError(
                "columns",
                f"Dòng {line}: cần đúng 3 cột date,kind,note nhưng có {len(row)} cột.",
            )
        raw_day, raw_kind, note = (cell.strip() for cell in row)
        day = _parse_day(raw_day, line)
        try:
            kind = DayKind(raw_kind)
        except ValueError:
            raise ValidationError(
                "kind",
                f"Dòng {line}: loại ngày “{raw_kind}” không hợp lệ; "
                "chỉ dùng “holiday” (ngày nghỉ) hoặc “workday” (ngày làm việc).",
            ) from None
        if day in seen:
            raise ValidationError(
                "date",
                f"Dòng {line}: ngày {day:%d/%m/%Y} đã có ở dòng {seen[day]}; "
                "mỗi ngày chỉ được khai báo một lần.",
            )
        seen[day] = line
        entries.append(CalendarEntry(day, kind, note))
    return entries


def _parse_day(raw: str, line: int) -> date:
    message = (
        f"Dòng {line}: ngày “{raw}” không hợp lệ; "
        "cần một ngày có thật, dạng năm-tháng-ngày YYYY-MM-DD (ví dụ 2026-01-31)."
    )
    if not _ISO_DATE.fullmatch(raw):
        raise ValidationError("date", message)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("date", message) from None


def bundled_entries() -> list[CalendarEntry]:
    """Return the verified civil servants' schedule bundled in ``db/data/calendar_vn.csv``."""
    return parse_calendar_csv(data_file(BUNDLED_FILE).read_text(encoding="utf-8"))


def package_entries(year: int) -> list[CalendarEntry]:
    """Return ``year``'s special days according to the ``holidays`` package (Vietnamese names)."""
    from holidays import country_holidays  # noqa: PLC0415 - only for years not bundled

    calendar = country_holidays("VN", years=year, language="vi")
    entries = [
        CalendarEntry(day, DayKind.HOLIDAY, str(name)) for day, name in sorted(calendar.items())
    ]
    entries.extend(
        CalendarEntry(day, DayKind.WORKDAY, "Làm bù")
        for day in sorted(calendar.weekend_workdays)
        if day.year == year
    )
    entries.sort(key=lambda entry: entry.day)
    return entries


def _layered_day_kind(bundled: Iterable[CalendarEntry]) -> Callable[[date], DayKind | None]:
    """Bundled schedule for the years it covers, the ``holidays`` package for the others."""
    verified = {entry.day: entry.kind for entry in bundled}
    covered_years = frozenset(day.year for day in verified)
    by_year: dict[int, dict[date, DayKind]] = {}

    def day_kind(d: date) -> DayKind | None:
        if d.year in covered_years:
            return verified.get(d)
        year_kinds = by_year.get(d.year)
        if year_kinds is None:
            year_kinds = {entry.day: entry.kind for entry in package_entries(d.year)}
            by_year[d.year] = year_kinds
        return year_kinds.get(d)

    return day_kind


def build_calendar(
    local_overrides: Iterable[CalendarEntry] = (),
    hours: OfficeHours | None = None,
    *,
    bundled: Iterable[CalendarEntry] | None = None,
) -> WorkCalendar:
    """Build the office's deadline calendar: overrides > bundled schedule > package > weekends.

    Args:
        local_overrides: entries that win over everything (a later one for the same day wins).
        hours: office hours; the default is 07:30–11:30, 13:00–17:00 with a 15:00 cut-off.
        bundled: the verified schedule; ``None`` reads ``db/data/calendar_vn.csv``.
    """
    verified = bundled_entries() if bundled is None else list(bundled)
    return WorkCalendar(
        day_kind=_layered_day_kind(verified),
        overrides=local_overrides,
        hours=hours,
    )
