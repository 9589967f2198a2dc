"""The sync backoff policy (SYNC-FAULTS 1, 19): steady interval, full jitter to a cap, reset."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest

from onestop_desktop.services.sync_schedule import Backoff


def _fixed(value: float) -> Callable[[], float]:
    return lambda: value


def test_success_gives_the_normal_interval() -> None:
    backoff = Backoff(30, rng=_fixed(0.5))
    assert backoff.succeeded() == 30
    assert backoff.succeeded() == 30
    assert backoff.failures == 0


def test_failures_double_the_ceiling_up_to_the_cap() -> None:
    backoff = Backoff(30, first_retry=5, cap=300, floor=0, rng=_fixed(0.999999))
    waits = [backoff.failed() for _ in range(10)]
    assert [round(w) for w in waits] == [5, 10, 20, 40, 80, 160, 300, 300, 300, 300]
    assert all(w <= 300 for w in waits)


def test_full_jitter_spreads_waits_over_the_whole_range() -> None:
    draws: Iterator[float] = iter([0.0, 0.25, 0.5, 0.75])
    backoff = Backoff(30, first_retry=8, cap=300, floor=1, rng=lambda: next(draws))
    for _ in range(3):  # ceiling 8 → 16 → 32
        backoff.failed()
    assert backoff.ceiling() == 32
    assert backoff.failed() == pytest.approx(0.75 * 64)
    # The first draw (0.0) was lifted to the floor: never a tight retry loop.
    again = Backoff(30, first_retry=8, floor=1, rng=_fixed(0.0))
    assert again.failed() == 1


def test_success_resets_after_failures() -> None:
    backoff = Backoff(30, first_retry=5, cap=300, rng=_fixed(0.9))
    for _ in range(8):
        backoff.failed()
    assert backoff.ceiling() == 300
    assert backoff.succeeded() == 30
    assert backoff.failed() == pytest.approx(4.5)  # back to the first step


def test_many_workstations_do_not_retry_in_lockstep() -> None:
    """Seeded like tests should be: 50 counters after the same 4 failures spread out."""
    rng = random.Random(1234)  # noqa: S311 - jitter, not cryptography
    waits = []
    for _ in range(50):
        backoff = Backoff(30, first_retry=5, cap=300, rng=rng.random)
        for _ in range(3):
            backoff.failed()
        waits.append(backoff.failed())  # ceiling 40 s
    assert all(1 <= w <= 40 for w in waits)
    assert max(waits) - min(waits) > 20
    assert len({round(w, 3) for w in waits}) == 50


def test_huge_failure_counts_stay_at_the_cap() -> None:
    backoff = Backoff(30, first_retry=5, cap=300, rng=_fixed(1.0))
    for _ in range(5000):
        wait = backoff.failed()
    assert wait == 300


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Backoff(0)
    with pytest.raises(ValueError, match="positive"):
        Backoff(30, cap=-1)
