"""Working-day calendar and appointment (due) date arithmetic (DOMAIN.md §6).

Pure rules, stdlib only. Where the special days come from (bundled schedule, the ``holidays``
package, local decisions) is the store layer's business: it hands a ``day_kind`` callable and
override entries to :class:`WorkCalendar`.

Every instant going in must be timezone-aware; every instant coming out is aware in
Asia/Ho_Chi_Minh, the office's business time zone. The business day is derived from each
argument at call time, never cached at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from onestop_desktop.domain.errors import DomainError, ValidationError

__all__ = [
    "VN_TZ",
    "CalendarEntry",
    "DayKind",
    "OfficeHours",
    "TimeUnit",
    "WorkCalendar",
    "business_date",
    "to_vn",
]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
# A calendar with no working day for this long is misconfigured; stop rather than loop forever.
_MAX_SEARCH_DAYS = 400
# Bound on the add_working_days memo (imports call due_at for up to a million rows).
_MEMO_LIMIT = 200_000


class DayKind(StrEnum):
    """What a special day is for deadline counting."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


class TimeUnit(StrEnum):
    """Unit of a procedure's processing time limit."""

    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    WORKING_HOURS = "working_hours"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One special day: a day off on a weekday (holiday) or a make-up working day (workday)."""

    day: date
    kind: DayKind
    note: str = ""

    def __post_init__(self) -> None:
        # A datetime is a date subclass but never equals a date key: refuse it early.
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError(f"CalendarEntry.day must be a date, got {self.day!r}")
        if not isinstance(self.kind, DayKind):
            object.__setattr__(self, "kind", DayKind(self.kind))


def _default_periods() -> tuple[tuple[time, time], ...]:
    return ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Office (deadline) hours: ordered working periods of a day and the same-day cut-off."""

    periods: tuple[tuple[time, time], ...] = field(default_factory=_default_periods)
    cutoff: time = time(15, 0)

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValidationError("office_hours", "Giờ làm việc phải có ít nhất một buổi.")
        previous_end: time | None = None
        for start, end in self.periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValidationError(
                    "office_hours", "Giờ làm việc là giờ địa phương, không kèm múi giờ."
                )
            if not start < end:
                raise ValidationError(
                    "office_hours",
                    f"Buổi làm việc {start:%H:%M}–{end:%H:%M} không hợp lệ: "
                    "giờ bắt đầu phải trước giờ kết thúc.",
                )
            if previous_end is not None and start < previous_end:
                raise ValidationError(
                    "office_hours",
                    "Các buổi làm việc phải theo thứ tự thời gian và không chồng lên nhau.",
                )
            previous_end = end
        if self.cutoff.tzinfo is not None:
            raise ValidationError("office_hours", "Giờ chốt nhận hồ sơ không kèm múi giờ.")

    @property
    def day_start(self) -> time:
        """Start of the first working period."""
        return self.periods[0][0]

    @property
    def day_end(self) -> time:
        """End of the last working period: the time of day a due date falls on."""
        return self.periods[-1][1]

    @property
    def working_seconds_per_day(self) -> int:
        """Working seconds in one full working day (28,800 for the default hours)."""
        return sum(_seconds_of_day(end) - _seconds_of_day(start) for start, end in self.periods)


def _seconds_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def to_vn(at: datetime) -> datetime:
    """Convert an aware datetime to Asia/Ho_Chi_Minh; raise ValueError on a naive one."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: an instant must carry its time zone")
    return at.astimezone(VN_TZ)


def business_date(at: datetime) -> date:
    """Return the office's business day (the Asia/Ho_Chi_Minh date) of an aware instant."""
    return to_vn(at).date()


class WorkCalendar:
    """Working days and due dates for one office.

    Args:
        day_kind: base source of special days (``None`` from it, or no callable at all,
            means an ordinary day: Monday–Friday working, Saturday/Sunday off).
        overrides: entries that win over ``day_kind``; a later entry for the same day wins.
        hours: the office (deadline) hours. Service hours such as Saturday-morning reception
            are not deadline hours and do not belong here.
    """

    def __init__(
        self,
        day_kind: Callable[[date], DayKind | None] | None = None,
        overrides: Iterable[CalendarEntry] = (),
        hours: OfficeHours | None = None,
    ) -> None:
        self._day_kind = day_kind
        self._overrides: dict[date, DayKind] = {entry.day: entry.kind for entry in overrides}
        self.hours = hours if hours is not None else OfficeHours()
        self._periods = self.hours.periods
        self._day_start = self.hours.day_start
        self._day_end = self.hours.day_end
        self._cutoff = self.hours.cutoff
        self._day_us = self.hours.working_seconds_per_day * _US_PER_SECOND
        self._working: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}

    # -- days ---------------------------------------------------------------------------------

    def kind_of(self, d: date) -> DayKind:
        """Return whether ``d`` is a working day or a day off, all sources applied."""
        return DayKind.WORKDAY if self.is_working_day(d) else DayKind.HOLIDAY

    def is_working_day(self, d: date) -> bool:
        """Return True if ``d`` counts as a working day for deadlines."""
        cached = self._working.get(d)
        if cached is not None:
            return cached
        kind = self._overrides.get(d)
        if kind is None and self._day_kind is not None:
            kind = self._day_kind(d)
        working = d.weekday() < 5 if kind is None else kind == DayKind.WORKDAY
        self._working[d] = working
        return working

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after ``d``."""
        for _ in range(_MAX_SEARCH_DAYS):
            d += _ONE_DAY
            if self.is_working_day(d):
                return d
        raise DomainError(
            f"Lịch làm việc không có ngày làm việc nào trong {_MAX_SEARCH_DAYS} ngày "
            f"sau ngày {d:%d/%m/%Y}; hãy kiểm tra lại lịch nghỉ đã nhập."
        )

    def add_working_days(self, d: date, n: int) -> date:
        """Return the n-th working day after ``d`` (n=0: ``d`` if working, else the next one)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        key = (d, n)
        found = self._added.get(key)
        if found is not None:
            return found
        if n == 0:
            result = d if self.is_working_day(d) else self.next_working_day(d)
        else:
            result = d
            for _ in range(n):
                result = self.next_working_day(result)
        if len(self._added) >= _MEMO_LIMIT:
            self._added.clear()
        self._added[key] = result
        return result

    # -- instants -----------------------------------------------------------------------------

    def _day_at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=VN_TZ)

    def _end_of_day(self, d: date) -> datetime:
        return datetime.combine(d, self._day_end, tzinfo=VN_TZ)

    def effective_receipt(self, at: datetime) -> datetime:
        """Return when a dossier received at ``at`` counts as received (inside office hours)."""
        local = to_vn(at)
        d = local.date()
        if self.is_working_day(d):
            t = local.time()
            for start, end in self._periods:
                if t < start:
                    return self._day_at(d, start)
                if t < end:
                    return local
        return self._day_at(self.next_working_day(d), self._day_start)

    def due_at(
        self, received_at: datetime, amount: int, unit: TimeUnit = TimeUnit.WORKING_DAYS
    ) -> datetime:
        """Return the appointment (due) instant for a time limit of ``amount`` ``unit``."""
        if amount < 0:
            raise ValueError(f"amount must be >= 0, got {amount}")
        effective = self.effective_receipt(received_at)
        d = effective.date()
        if unit is TimeUnit.WORKING_HOURS:
            return self.add_working_seconds(effective, amount * 3600)
        if amount == 0:
            # Same-day procedure, whatever the day unit: the cut-off decides the day.
            if effective.time() < self._cutoff:
                return self._end_of_day(d)
            return self._end_of_day(self.next_working_day(d))
        if unit is TimeUnit.CALENDAR_DAYS:
            return self._end_of_day(self.add_working_days(d + timedelta(days=amount), 0))
        if unit is TimeUnit.WORKING_DAYS:
            return self._end_of_day(self.add_working_days(d, amount))
        raise ValueError(f"unknown time unit {unit!r}")

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        """Working microseconds in [a, b] for VN-local ``a <= b``."""
        total = 0
        first, last = a.date(), b.date()
        d = first
        while d <= last:
            if self.is_working_day(d):
                if first < d < last:
                    total += self._day_us
                else:
                    for start, end in self._periods:
                        lo = max(self._day_at(d, start), a)
                        hi = min(self._day_at(d, end), b)
                        if hi > lo:
                            total += (hi - lo) // _MICROSECOND
            d += _ONE_DAY
        return total

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Return whole working seconds from ``a`` to ``b`` (negative if ``b`` is before ``a``)."""
        a_local, b_local = to_vn(a), to_vn(b)
        if b_local < a_local:
            return -(self._working_us_between(b_local, a_local) // _US_PER_SECOND)
        return self._working_us_between(a_local, b_local) // _US_PER_SECOND

    def _spend_in_day(
        self, d: date, current: datetime, remaining: timedelta
    ) -> tuple[datetime | None, timedelta]:
        """Spend working time of day ``d`` from ``current``; the instant reached, or the rest."""
        for start, end in self._periods:
            period_end = self._day_at(d, end)
            if current >= period_end:
                continue
            begin = max(current, self._day_at(d, start))
            available = period_end - begin
            if remaining <= available:
                return begin + remaining, remaining
            remaining -= available
        return None, remaining

    def add_working_seconds(self, at: datetime, seconds: int) -> datetime:
        """Return the instant ``seconds`` of working time after ``at``.

        Time outside office periods is skipped; a result landing exactly on the end of a
        period stays there (8 working hours from 07:30 is 17:00 the same day). With
        ``seconds == 0`` the result equals :meth:`effective_receipt`.
        """
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        remaining = timedelta(seconds=seconds)
        current = to_vn(at)
        d = current.date()
        if self.is_working_day(d):
            reached, remaining = self._spend_in_day(d, current, remaining)
            if reached is not None:
                return reached
        full_day = timedelta(microseconds=self._day_us)
        while True:
            d = self.next_working_day(d)
            # Skip whole days while more than a day is left, so the end lands on 17:00.
            if remaining > full_day:
                remaining -= full_day
                continue
            reached, remaining = self._spend_in_day(d, self._day_at(d, self._day_start), remaining)
            if reached is not None:
                return reached

    def extend_for_pause(
        self, due_at: datetime, paused_at: datetime, resumed_at: datetime
    ) -> datetime:
        """Return ``due_at`` pushed later by the working time between pause and resume."""
        due_local = to_vn(due_at)
        if to_vn(resumed_at) < to_vn(paused_at):
            raise ValueError("resumed_at is before paused_at")
        paused = self.working_seconds_between(paused_at, resumed_at)
        if paused == 0:
            return due_local
        return self.add_working_seconds(due_local, paused)
