"""Working-day calendar and due dates with real, hand-checked answers (DOMAIN.md §6)."""

from __future__ import annotations

import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from onestop_desktop.domain.calendar import (
    VN_TZ,
    CalendarEntry,
    DayKind,
    OfficeHours,
    TimeUnit,
    WorkCalendar,
    business_date,
)
from onestop_desktop.domain.errors import DomainError, ValidationError
from onestop_desktop.store.calendar_source import (
    build_calendar,
    bundled_entries,
    package_entries,
    parse_calendar_csv,
)

CAL = build_calendar()


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


# -- the bundled verified schedule -----------------------------------------------------------------

VERIFIED_OFF = {
    2024: "2024-01-01 2024-02-08 2024-02-09 2024-02-12 2024-02-13 2024-02-14 2024-04-18 "
    "2024-04-29 2024-04-30 2024-05-01 2024-09-02 2024-09-03",
    2025: "2025-01-01 2025-01-27 2025-01-28 2025-01-29 2025-01-30 2025-01-31 2025-04-07 "
    "2025-04-30 2025-05-01 2025-05-02 2025-09-01 2025-09-02",
    2026: "2026-01-01 2026-01-02 2026-02-16 2026-02-17 2026-02-18 2026-02-19 2026-02-20 "
    "2026-04-27 2026-04-30 2026-05-01 2026-08-31 2026-09-01 2026-09-02",
}
VERIFIED_WORK = {2024: "2024-05-04", 2025: "2025-04-26", 2026: "2026-01-10 2026-08-22"}


def _dates(text: str) -> set[date]:
    return {date.fromisoformat(part) for part in text.split()}


def test_bundled_file_is_exactly_the_verified_schedule() -> None:
    entries = bundled_entries()
    off = {e.day for e in entries if e.kind is DayKind.HOLIDAY}
    work = {e.day for e in entries if e.kind is DayKind.WORKDAY}
    assert off == set().union(*(_dates(v) for v in VERIFIED_OFF.values()))
    assert work == set().union(*(_dates(v) for v in VERIFIED_WORK.values()))
    assert all(d.weekday() < 5 for d in off)
    assert all(d.weekday() == 5 for d in work)
    assert all(e.note for e in entries)
    assert {e.note for e in entries} >= {"Tết Nguyên đán", "Giỗ Tổ Hùng Vương", "Quốc khánh"}


def test_every_verified_year_matches_calendar() -> None:
    for year in (2024, 2025, 2026):
        day = date(year, 1, 1)
        while day.year == year:
            expected = day in _dates(VERIFIED_WORK[year]) or (
                day.weekday() < 5 and day not in _dates(VERIFIED_OFF[year])
            )
            assert CAL.is_working_day(day) is expected, day
            day += timedelta(days=1)


# -- due dates: known answers ----------------------------------------------------------------------


def test_tet_2026_three_working_days() -> None:
    # Fri 13/2; 16–20/2 Tết, 21–22 weekend → Mon 23 (1), Tue 24 (2), Wed 25 (3).
    assert CAL.due_at(vn(2026, 2, 13, 10), 3) == vn(2026, 2, 25, 17)


def test_tet_2026_received_during_tet_counts_from_first_day_back() -> None:
    # Received online on 18/2 (Tết): effective Mon 23/2 07:30; period starts 24/2.
    assert CAL.effective_receipt(vn(2026, 2, 18, 9)) == vn(2026, 2, 23, 7, 30)
    assert CAL.due_at(vn(2026, 2, 18, 9), 1) == vn(2026, 2, 24, 17)


def test_new_year_2026_swap_missing_from_package_is_honoured() -> None:
    assert not CAL.is_working_day(date(2026, 1, 2))
    # Wed 31/12/2025 → 1/1, 2/1 off, weekend → Mon 5 (1), Tue 6 (2), Wed 7 (3).
    assert CAL.due_at(vn(2025, 12, 31, 10), 3) == vn(2026, 1, 7, 17)


@pytest.mark.parametrize(
    ("received", "amount", "due"),
    [
        # Thu 8/1 → Fri 9 (1), make-up Sat 10 (2).
        (vn(2026, 1, 8, 10), 2, vn(2026, 1, 10, 17)),
        # Fri 21/8 → make-up Sat 22 (1).
        (vn(2026, 8, 21, 10), 1, vn(2026, 8, 22, 17)),
        (vn(2026, 8, 21, 10), 2, vn(2026, 8, 24, 17)),
        # Thu 27/8 → Fri 28 (1); 31/8, 1/9, 2/9 off; Thu 3 (2), Fri 4 (3), Mon 7 (4), Tue 8 (5).
        (vn(2026, 8, 27, 10), 5, vn(2026, 9, 8, 17)),
    ],
)
def test_make_up_saturdays_count(received: datetime, amount: int, due: datetime) -> None:
    assert CAL.due_at(received, amount) == due


def test_reception_on_a_make_up_saturday_is_in_office_hours() -> None:
    assert CAL.is_working_day(date(2026, 1, 10))
    assert CAL.effective_receipt(vn(2026, 1, 10, 9)) == vn(2026, 1, 10, 9)
    assert CAL.due_at(vn(2026, 1, 10, 9), 0) == vn(2026, 1, 10, 17)


def test_same_day_cutoff() -> None:
    assert CAL.due_at(vn(2026, 3, 2, 14, 59), 0) == vn(2026, 3, 2, 17)
    edge = datetime(2026, 3, 2, 14, 59, 59, 999_999, tzinfo=VN_TZ)
    assert CAL.due_at(edge, 0) == vn(2026, 3, 2, 17)
    assert CAL.due_at(vn(2026, 3, 2, 15, 0), 0) == vn(2026, 3, 3, 17)
    # Friday at the cut-off → Monday.
    assert CAL.due_at(vn(2026, 3, 6, 15, 0), 0) == vn(2026, 3, 9, 17)
    # After hours the next morning is before the cut-off → that day.
    assert CAL.due_at(vn(2026, 3, 2, 18, 0), 0) == vn(2026, 3, 3, 17)


def test_received_online_on_sunday_counts_from_monday_morning() -> None:
    sunday_evening = vn(2026, 3, 8, 20)
    assert CAL.effective_receipt(sunday_evening) == vn(2026, 3, 9, 7, 30)
    assert CAL.due_at(sunday_evening, 0) == vn(2026, 3, 9, 17)
    assert CAL.due_at(sunday_evening, 1) == vn(2026, 3, 10, 17)
    assert CAL.due_at(sunday_evening, 8, TimeUnit.WORKING_HOURS) == vn(2026, 3, 9, 17)


def test_reception_times_within_a_day() -> None:
    assert CAL.effective_receipt(vn(2026, 3, 10, 6)) == vn(2026, 3, 10, 7, 30)
    assert CAL.effective_receipt(vn(2026, 3, 10, 7, 30)) == vn(2026, 3, 10, 7, 30)
    assert CAL.effective_receipt(vn(2026, 3, 10, 11, 29)) == vn(2026, 3, 10, 11, 29)
    assert CAL.effective_receipt(vn(2026, 3, 10, 11, 30)) == vn(2026, 3, 10, 13)
    assert CAL.effective_receipt(vn(2026, 3, 10, 12, 0)) == vn(2026, 3, 10, 13)
    assert CAL.effective_receipt(vn(2026, 3, 10, 16, 59)) == vn(2026, 3, 10, 16, 59)
    assert CAL.effective_receipt(vn(2026, 3, 10, 17, 0)) == vn(2026, 3, 11, 7, 30)


def test_lunch_time_receipt_counts_from_afternoon() -> None:
    assert CAL.due_at(vn(2026, 3, 10, 12, 15), 2, TimeUnit.WORKING_HOURS) == vn(2026, 3, 10, 15)
    assert CAL.due_at(vn(2026, 3, 10, 12, 15), 0) == vn(2026, 3, 10, 17)
    assert CAL.due_at(vn(2026, 3, 10, 12, 15), 1) == vn(2026, 3, 11, 17)


def test_hung_kings_2026_observed_monday() -> None:
    assert not CAL.is_working_day(date(2026, 4, 27))
    # Fri 24/4 → Tue 28 (1); 3 days: 28, 29, then 30/4, 1/5, weekend → Mon 4/5.
    assert CAL.due_at(vn(2026, 4, 24, 10), 1) == vn(2026, 4, 28, 17)
    assert CAL.due_at(vn(2026, 4, 24, 10), 3) == vn(2026, 5, 4, 17)


def test_verified_schedule_wins_over_package_in_covered_years() -> None:
    # The package lists 24/11/2026 (Vietnam Cultural Day); the verified schedule does not.
    assert CAL.is_working_day(date(2026, 11, 24))
    assert not CAL.is_working_day(date(2027, 11, 24))


def test_year_outside_bundled_schedule_uses_package() -> None:
    # Tết 2027 per holidays.Vietnam: Thu 4/2 – Wed 10/2.
    for day in range(4, 11):
        assert not CAL.is_working_day(date(2027, 2, day))
    assert CAL.due_at(vn(2027, 2, 3, 10), 1) == vn(2027, 2, 11, 17)
    # Observed days and the package's make-up Saturdays.
    assert not CAL.is_working_day(date(2028, 1, 3))
    assert CAL.is_working_day(date(2019, 1, 5))


def test_package_entries_have_vietnamese_names() -> None:
    notes = {e.day: e.note for e in package_entries(2027)}
    assert notes[date(2027, 2, 6)] == "Tết Nguyên Đán"
    assert all(e.day.year == 2027 for e in package_entries(2027))


@pytest.mark.parametrize(
    ("received", "amount", "due"),
    [
        (vn(2026, 3, 2, 10), 4, vn(2026, 3, 6, 17)),
        # Lands on Saturday → Monday.
        (vn(2026, 3, 2, 10), 5, vn(2026, 3, 9, 17)),
        # Lands on 20/2 (Tết) → after the weekend, Mon 23/2.
        (vn(2026, 2, 5, 10), 15, vn(2026, 2, 23, 17)),
        # Same-day rule for amount 0 in any day unit.
        (vn(2026, 3, 2, 16), 0, vn(2026, 3, 3, 17)),
    ],
)
def test_calendar_days(received: datetime, amount: int, due: datetime) -> None:
    assert CAL.due_at(received, amount, TimeUnit.CALENDAR_DAYS) == due


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (vn(2026, 3, 9, 7, 30), 8, vn(2026, 3, 9, 17)),
        (vn(2026, 3, 9, 10), 8, vn(2026, 3, 10, 10)),
        (vn(2026, 3, 6, 11), 4, vn(2026, 3, 6, 16, 30)),
        (vn(2026, 3, 6, 11), 0, vn(2026, 3, 6, 11)),
        # Fri 13/2 09:00: 6.5 h that day, Tết + weekend skipped, 5.5 h on Mon 23/2.
        (vn(2026, 2, 13, 9), 12, vn(2026, 2, 23, 14, 30)),
        (vn(2026, 3, 9, 7, 30), 40, vn(2026, 3, 13, 17)),
    ],
)
def test_working_hours(received: datetime, hours: int, due: datetime) -> None:
    assert CAL.due_at(received, hours, TimeUnit.WORKING_HOURS) == due


def test_working_seconds_between() -> None:
    assert CAL.working_seconds_between(vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 17)) == 8 * 3600
    assert CAL.working_seconds_between(vn(2026, 3, 9, 11), vn(2026, 3, 9, 13, 30)) == 3600
    # Fri 16:00 → Mon 08:00: one hour Friday, half an hour Monday.
    assert CAL.working_seconds_between(vn(2026, 3, 6, 16), vn(2026, 3, 9, 8)) == 5400
    # Week of 9–13/3 plus the Monday after: 6 full days.
    assert CAL.working_seconds_between(vn(2026, 3, 9), vn(2026, 3, 17)) == 6 * 8 * 3600
    assert CAL.working_seconds_between(vn(2026, 3, 9, 17), vn(2026, 3, 9, 7, 30)) == -8 * 3600


def test_pause_moves_due_date_by_paused_working_time() -> None:
    due = CAL.due_at(vn(2026, 3, 6, 10), 3)
    assert due == vn(2026, 3, 11, 17)
    # Mon 10:00 → Tue 10:00 is 8 working hours: one working day later.
    assert CAL.extend_for_pause(due, vn(2026, 3, 9, 10), vn(2026, 3, 10, 10)) == vn(2026, 3, 12, 17)
    # 1.5 h paused → 1.5 h after Wed 17:00 → Thu 09:00.
    assert CAL.extend_for_pause(due, vn(2026, 3, 9, 8), vn(2026, 3, 9, 9, 30)) == vn(2026, 3, 12, 9)
    # A pause over a weekend only counts its working part.
    assert CAL.extend_for_pause(due, vn(2026, 3, 6, 16), vn(2026, 3, 9, 8)) == vn(2026, 3, 12, 9)
    # A pause entirely outside office hours changes nothing.
    assert CAL.extend_for_pause(due, vn(2026, 3, 7, 8), vn(2026, 3, 8, 20)) == due
    with pytest.raises(ValueError, match="before"):
        CAL.extend_for_pause(due, vn(2026, 3, 9, 10), vn(2026, 3, 9, 9))


def test_pause_over_tet() -> None:
    due = vn(2026, 2, 25, 17)
    # Fri 13/2 16:00 → Mon 23/2 08:00: 1 h + 0.5 h; Tết and weekend do not count.
    assert CAL.extend_for_pause(due, vn(2026, 2, 13, 16), vn(2026, 2, 23, 8)) == vn(2026, 2, 26, 9)


# -- time zones ------------------------------------------------------------------------------------


def test_other_time_zones_are_converted_and_results_are_in_vn_time() -> None:
    utc_morning = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    assert CAL.effective_receipt(utc_morning) == vn(2026, 3, 2, 9)
    assert CAL.effective_receipt(utc_morning).tzinfo is VN_TZ
    due = CAL.due_at(utc_morning, 1)
    assert due.tzinfo is VN_TZ
    assert (due.hour, due.utcoffset()) == (17, timedelta(hours=7))
    # 18:30 UTC on Sunday 1/3 is 01:30 Monday 2/3 in Hà Nội: a working day.
    assert business_date(datetime(2026, 3, 1, 18, 30, tzinfo=UTC)) == date(2026, 3, 2)
    new_york = timezone(timedelta(hours=-5))
    assert CAL.effective_receipt(datetime(2026, 3, 1, 22, tzinfo=new_york)) == vn(2026, 3, 2, 10)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 2, 9)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        CAL.due_at(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        CAL.effective_receipt(naive)
    with pytest.raises(ValueError, match="naive"):
        CAL.working_seconds_between(naive, vn(2026, 3, 3))
    with pytest.raises(ValueError, match="naive"):
        CAL.add_working_seconds(naive, 10)
    with pytest.raises(ValueError, match="naive"):
        CAL.extend_for_pause(vn(2026, 3, 3, 17), naive, vn(2026, 3, 3))


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        CAL.due_at(vn(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(date(2026, 3, 2), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_seconds(vn(2026, 3, 2, 9), -1)


# -- days ------------------------------------------------------------------------------------------


def test_add_and_next_working_day() -> None:
    assert CAL.add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert CAL.kind_of(date(2026, 2, 17)) is DayKind.HOLIDAY
    assert CAL.kind_of(date(2026, 8, 22)) is DayKind.WORKDAY


def test_plain_calendar_has_only_weekends() -> None:
    plain = WorkCalendar()
    assert plain.is_working_day(date(2026, 2, 17))
    assert not plain.is_working_day(date(2026, 3, 7))
    assert plain.due_at(vn(2026, 2, 13, 10), 3) == vn(2026, 2, 18, 17)


def test_local_overrides_win() -> None:
    cal = build_calendar(
        [
            CalendarEntry(date(2026, 11, 24), DayKind.HOLIDAY, "Ngày Văn hóa Việt Nam"),
            CalendarEntry(date(2026, 4, 27), DayKind.WORKDAY, "Quyết định địa phương"),
            CalendarEntry(date(2027, 2, 8), DayKind.WORKDAY),
            CalendarEntry(date(2026, 3, 7), DayKind.WORKDAY),
            CalendarEntry(date(2026, 3, 7), DayKind.HOLIDAY, "later entry wins"),
        ]
    )
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2026, 4, 27))
    assert cal.is_working_day(date(2027, 2, 8))
    assert not cal.is_working_day(date(2026, 3, 7))


def test_calendar_entry_checks_its_day_and_coerces_kind() -> None:
    with pytest.raises(TypeError):
        CalendarEntry(vn(2026, 1, 1), DayKind.HOLIDAY)
    assert CalendarEntry(date(2026, 1, 1), "holiday").kind is DayKind.HOLIDAY  # type: ignore[arg-type]


def test_custom_office_hours() -> None:
    hours = OfficeHours(periods=((time(8), time(12)), (time(13), time(16))), cutoff=time(14))
    assert hours.working_seconds_per_day == 7 * 3600
    cal = build_calendar(hours=hours)
    assert cal.effective_receipt(vn(2026, 3, 2, 7, 45)) == vn(2026, 3, 2, 8)
    assert cal.due_at(vn(2026, 3, 2, 13, 59), 0) == vn(2026, 3, 2, 16)
    assert cal.due_at(vn(2026, 3, 2, 14), 0) == vn(2026, 3, 3, 16)
    assert cal.due_at(vn(2026, 3, 2, 9), 2) == vn(2026, 3, 4, 16)


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(11), time(8)),),
        ((time(8), time(12)), (time(11), time(16))),
    ],
)
def test_invalid_office_hours_are_refused(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValidationError) as info:
        OfficeHours(periods=periods)
    assert info.value.field == "office_hours"


def test_all_holiday_calendar_fails_cleanly() -> None:
    cal = WorkCalendar(day_kind=lambda _d: DayKind.HOLIDAY)
    with pytest.raises(DomainError, match="không có ngày làm việc"):
        cal.next_working_day(date(2026, 1, 1))


# -- CSV -------------------------------------------------------------------------------------------


def test_parse_csv_accepts_bom_quotes_and_blank_lines() -> None:
    text = (
        "\ufeffdate,kind,note\r\n"
        '2027-11-24,holiday,"Ngày Văn hóa, nghỉ theo quyết định tỉnh"\r\n'
        "\r\n"
        "2027-05-08,workday,Làm bù\r\n"
    )
    assert parse_calendar_csv(text) == [
        CalendarEntry(
            date(2027, 11, 24), DayKind.HOLIDAY, "Ngày Văn hóa, nghỉ theo quyết định tỉnh"
        ),
        CalendarEntry(date(2027, 5, 8), DayKind.WORKDAY, "Làm bù"),
    ]


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("", "header", "Dòng 1"),
        ("day,kind,note\n2027-01-01,holiday,x\n", "header", "date,kind,note"),
        ("date,kind,note\n2027-01-01,holiday,x\n2027-02-30,holiday,y\n", "date", "Dòng 3"),
        ("date,kind,note\n20270101,holiday,x\n", "date", "YYYY-MM-DD"),
        ("date,kind,note\n01/01/2027,holiday,x\n", "date", "Dòng 2"),
        ("date,kind,note\n2027-01-01,nghi,x\n", "kind", "“nghi”"),
        ("date,kind,note\n\n2027-01-01,holiday\n", "columns", "Dòng 3"),
        ("date,kind,note\n2027-01-01,holiday,x,y\n", "columns", "4 cột"),
        ("date,kind,note\n2027-01-01,holiday,x\n2027-01-01,workday,y\n", "date", "dòng 2"),
    ],
)
def test_parse_csv_rejects_bad_lines(text: str, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_calendar_csv(text)
    assert info.value.field == field
    assert fragment in info.value.message


# -- layering and speed ----------------------------------------------------------------------------


def test_domain_calendar_is_stdlib_only() -> None:
    code = (
        "import sys, onestop_desktop.domain.calendar as c; "
        "bad = [m for m in ('holidays', 'sqlalchemy', 'PySide6') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""


def test_100k_due_dates_are_fast() -> None:
    cal = build_calendar()
    start = vn(2024, 1, 1)
    step = timedelta(minutes=47, seconds=13)
    amounts = (0, 1, 3, 5, 7, 10, 15, 20, 30)
    began = clock.perf_counter()
    for i in range(100_000):
        cal.due_at(start + i * step, amounts[i % len(amounts)])
    elapsed = clock.perf_counter() - began
    assert elapsed < 1.5, f"100k due_at took {elapsed:.2f} s (floor 1.5 s)"
