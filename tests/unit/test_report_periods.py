"""Reporting periods: calendar boundaries and the statistical cut-off (15th → 14th)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.services.report_periods import (
    PeriodKind,
    period_bounds_for,
    period_title,
    shift_period,
)

K = PeriodKind


@pytest.mark.parametrize(
    ("kind", "anchor", "expected"),
    [
        (K.DAY, date(2026, 3, 5), (date(2026, 3, 5), date(2026, 3, 5))),
        # Thursday 5 March 2026 → Monday 2 to Sunday 8 March
        (K.WEEK, date(2026, 3, 5), (date(2026, 3, 2), date(2026, 3, 8))),
        (K.WEEK, date(2026, 3, 2), (date(2026, 3, 2), date(2026, 3, 8))),
        (K.WEEK, date(2026, 3, 8), (date(2026, 3, 2), date(2026, 3, 8))),
        # a week across the new year
        (K.WEEK, date(2026, 1, 1), (date(2025, 12, 29), date(2026, 1, 4))),
        (K.MONTH, date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),
        (K.MONTH, date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
        (K.QUARTER, date(2026, 5, 20), (date(2026, 4, 1), date(2026, 6, 30))),
        (K.QUARTER, date(2026, 12, 1), (date(2026, 10, 1), date(2026, 12, 31))),
        (K.HALF_YEAR, date(2026, 6, 30), (date(2026, 1, 1), date(2026, 6, 30))),
        (K.HALF_YEAR, date(2026, 7, 1), (date(2026, 7, 1), date(2026, 12, 31))),
        (K.NINE_MONTHS, date(2026, 11, 26), (date(2026, 1, 1), date(2026, 9, 30))),
        (K.YEAR, date(2026, 11, 26), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_calendar_periods(kind: PeriodKind, anchor: date, expected: tuple[date, date]) -> None:
    assert period_bounds_for(kind, anchor) == expected


@pytest.mark.parametrize(
    ("kind", "anchor", "expected"),
    [
        # January's statistical month: 15/12 → 14/01
        (K.MONTH, date(2026, 1, 14), (date(2025, 12, 15), date(2026, 1, 14))),
        (K.MONTH, date(2025, 12, 15), (date(2025, 12, 15), date(2026, 1, 14))),
        (K.MONTH, date(2026, 1, 15), (date(2026, 1, 15), date(2026, 2, 14))),
        (K.QUARTER, date(2026, 3, 14), (date(2025, 12, 15), date(2026, 3, 14))),
        (K.QUARTER, date(2026, 3, 15), (date(2026, 3, 15), date(2026, 6, 14))),
        (K.HALF_YEAR, date(2026, 6, 20), (date(2026, 6, 15), date(2026, 12, 14))),
        (K.NINE_MONTHS, date(2026, 5, 1), (date(2025, 12, 15), date(2026, 9, 14))),
        (K.YEAR, date(2025, 12, 20), (date(2025, 12, 15), date(2026, 12, 14))),
        # days and weeks never shift
        (K.DAY, date(2026, 1, 20), (date(2026, 1, 20), date(2026, 1, 20))),
        (K.WEEK, date(2026, 1, 20), (date(2026, 1, 19), date(2026, 1, 25))),
    ],
)
def test_cut_off_on_the_15th(kind: PeriodKind, anchor: date, expected: tuple[date, date]) -> None:
    assert period_bounds_for(kind, anchor, start_day=15) == expected


def test_custom_range_and_its_checks() -> None:
    a, b = date(2026, 1, 3), date(2026, 2, 9)
    assert period_bounds_for(K.CUSTOM, a, custom_to=b) == (a, b)
    with pytest.raises(ValidationError):
        period_bounds_for(K.CUSTOM, b, custom_to=a)
    for bad in (0, 29, 31):
        with pytest.raises(ValidationError):
            period_bounds_for(K.MONTH, a, start_day=bad)


def test_shift_period_moves_whole_periods() -> None:
    assert shift_period(K.MONTH, date(2026, 3, 31), -1) == (date(2026, 2, 1), date(2026, 2, 28))
    assert shift_period(K.QUARTER, date(2026, 1, 5), -1) == (date(2025, 10, 1), date(2025, 12, 31))
    assert shift_period(K.WEEK, date(2026, 1, 5), 2) == (date(2026, 1, 19), date(2026, 1, 25))
    assert shift_period(K.MONTH, date(2026, 1, 10), 1, start_day=15) == (
        date(2026, 1, 15),
        date(2026, 2, 14),
    )


def test_titles() -> None:
    assert period_title(K.MONTH, date(2026, 1, 1), date(2026, 1, 31)) == "Tháng 01/2026"
    assert period_title(K.MONTH, date(2025, 12, 15), date(2026, 1, 14)) == "Tháng 01/2026"
    assert period_title(K.QUARTER, date(2026, 7, 1), date(2026, 9, 30)) == "Quý III/2026"
    assert period_title(K.HALF_YEAR, date(2026, 1, 1), date(2026, 6, 30)) == (
        "6 tháng đầu năm 2026"
    )
    assert period_title(K.NINE_MONTHS, date(2026, 1, 1), date(2026, 9, 30)) == (
        "9 tháng đầu năm 2026"
    )
    assert period_title(K.YEAR, date(2026, 1, 1), date(2026, 12, 31)) == "Năm 2026"
    assert period_title(K.DAY, date(2026, 1, 5), date(2026, 1, 5)) == "Ngày 05/01/2026"


@given(
    kind=st.sampled_from([K.WEEK, K.MONTH, K.QUARTER, K.HALF_YEAR, K.YEAR]),
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    start_day=st.integers(1, 28),
)
def test_consecutive_periods_tile_the_calendar(
    kind: PeriodKind, anchor: date, start_day: int
) -> None:
    start, end = period_bounds_for(kind, anchor, start_day=start_day)
    assert start <= anchor <= end
    nxt_start, _ = shift_period(kind, anchor, 1, start_day=start_day)
    _prev_start, prev_end = shift_period(kind, anchor, -1, start_day=start_day)
    assert nxt_start == end + timedelta(days=1)  # no gap, no overlap
    assert prev_end == start - timedelta(days=1)
    assert period_bounds_for(kind, start, start_day=start_day) == (start, end)
    assert period_bounds_for(kind, end, start_day=start_day) == (start, end)
