"""Property tests for the working-day calendar (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from onestop_desktop.domain.calendar import VN_TZ, CalendarEntry, DayKind, TimeUnit, WorkCalendar
from onestop_desktop.store.calendar_source import build_calendar

CAL = build_calendar()
# Explicit per-test settings keep the suite fast whatever profile a conftest loads.
FAST = settings(max_examples=150, deadline=None)

ZONES = st.sampled_from(
    [VN_TZ, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))]
)
# 2023–2028: the package years on both sides of the bundled 2024–2026 schedule.
instants = st.datetimes(
    min_value=datetime(2023, 6, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2028, 6, 30),  # noqa: DTZ001
    timezones=ZONES,
)
days = st.dates(min_value=date(2023, 6, 1), max_value=date(2028, 6, 30))
units = st.sampled_from(list(TimeUnit))
amounts = st.integers(min_value=0, max_value=45)
kinds = st.sampled_from(list(DayKind))


def _in_office_hours(cal: WorkCalendar, at: datetime, *, closed_end: bool) -> bool:
    t = at.timetz().replace(tzinfo=None)
    return cal.is_working_day(at.date()) and any(
        start <= t < end or (closed_end and t == end) for start, end in cal.hours.periods
    )


@FAST
@given(a=instants, b=instants, amount=amounts, unit=units)
def test_due_at_is_monotonic_in_received_at(
    a: datetime, b: datetime, amount: int, unit: TimeUnit
) -> None:
    early, late = sorted((a, b))
    assert CAL.due_at(early, amount, unit) <= CAL.due_at(late, amount, unit)


@FAST
@given(received=instants, amount=amounts, unit=units)
def test_due_at_lands_in_office_time(received: datetime, amount: int, unit: TimeUnit) -> None:
    due = CAL.due_at(received, amount, unit)
    assert due.tzinfo is VN_TZ
    assert due >= received
    if unit is TimeUnit.WORKING_HOURS:
        assert _in_office_hours(CAL, due, closed_end=True)
    else:
        assert CAL.is_working_day(due.date())
        assert due.timetz().replace(tzinfo=None) == CAL.hours.day_end


@FAST
@given(received=instants, amount=st.integers(min_value=1, max_value=45))
def test_working_day_limit_starts_the_day_after_receipt(received: datetime, amount: int) -> None:
    effective = CAL.effective_receipt(received)
    due = CAL.due_at(received, amount)
    counted = _working_days_in(CAL, effective.date(), due.date())
    assert counted == amount


@FAST
@given(received=instants)
def test_effective_receipt_is_in_office_hours_and_idempotent(received: datetime) -> None:
    effective = CAL.effective_receipt(received)
    assert effective >= received
    assert _in_office_hours(CAL, effective, closed_end=False)
    assert CAL.effective_receipt(effective) == effective


def _working_days_in(cal: WorkCalendar, start: date, end: date) -> int:
    """Working days in the half-open interval (start, end]."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += cal.is_working_day(day)
        day += timedelta(days=1)
    return count


@FAST
@given(d=days, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_counts_exactly_n(d: date, n: int) -> None:
    result = CAL.add_working_days(d, n)
    assert CAL.is_working_day(result)
    assert result >= d
    if n == 0:
        assert result == d or _working_days_in(CAL, d, result) == 1
    else:
        assert _working_days_in(CAL, d, result) == n


@FAST
@given(a=instants, seconds=st.integers(min_value=0, max_value=12 * 8 * 3600))
def test_add_then_measure_working_seconds_round_trips(a: datetime, seconds: int) -> None:
    later = CAL.add_working_seconds(a, seconds)
    assert later >= CAL.effective_receipt(a)
    assert CAL.working_seconds_between(a, later) == seconds
    effective = CAL.effective_receipt(a)
    assert CAL.working_seconds_between(effective, CAL.add_working_seconds(effective, seconds)) == (
        seconds
    )


@FAST
@given(a=instants, b=instants)
def test_working_seconds_between_is_antisymmetric(a: datetime, b: datetime) -> None:
    assert CAL.working_seconds_between(a, b) == -CAL.working_seconds_between(b, a)


@FAST
@given(received=instants, amount=amounts, unit=units, paused=instants)
def test_zero_pause_is_identity(
    received: datetime, amount: int, unit: TimeUnit, paused: datetime
) -> None:
    due = CAL.due_at(received, amount, unit)
    assert CAL.extend_for_pause(due, paused, paused) == due


@FAST
@given(received=instants, amount=amounts, a=instants, b=instants)
def test_pause_moves_due_by_paused_working_time(
    received: datetime, amount: int, a: datetime, b: datetime
) -> None:
    due = CAL.due_at(received, amount)
    paused_at, resumed_at = sorted((a, b))
    extended = CAL.extend_for_pause(due, paused_at, resumed_at)
    assert extended >= due
    paused = CAL.working_seconds_between(paused_at, resumed_at)
    # Measured from the due date's own effective instant (17:00 counts from the next morning).
    assert CAL.working_seconds_between(due, extended) == paused


@FAST
@given(overrides=st.dictionaries(days, kinds, max_size=20), probe=days)
def test_overrides_always_win(overrides: dict[date, DayKind], probe: date) -> None:
    entries = [CalendarEntry(day, kind) for day, kind in overrides.items()]
    cal = build_calendar(entries)
    for day, kind in overrides.items():
        assert cal.is_working_day(day) is (kind is DayKind.WORKDAY)
    if probe not in overrides:
        assert cal.is_working_day(probe) is CAL.is_working_day(probe)
