"""Hybrid Logical Clock, and the time-ordered row ids that go with it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.hlc import MAX_COUNTER, MAX_WALL_MS, Hlc, HlcClock
from onestop_desktop.domain.ids import new_id


class ScriptedWallClock:
    """A wall clock that returns scripted readings, then repeats the last one."""

    def __init__(self, readings: Iterator[int]) -> None:
        self._readings = readings
        self._last = 0

    def __call__(self) -> int:
        self._last = next(self._readings, self._last)
        return self._last


def wall_clock(readings: list[int]) -> ScriptedWallClock:
    return ScriptedWallClock(iter(readings))


# --- Hlc --------------------------------------------------------------------------------------


def test_pack_and_unpack() -> None:
    hlc = Hlc(1767225600123, 7, "dev-01")
    assert hlc.pack() == "1767225600123-00007-dev-01"
    assert Hlc.unpack(hlc.pack()) == hlc


@pytest.mark.parametrize(
    "packed",
    [
        "",
        "1767225600123-00007",
        "176722560012-00007-d",
        "1767225600123-0007-d",
        "x" * 13 + "-00001-d",
    ],
)
def test_unpack_refuses_garbage(packed: str) -> None:
    with pytest.raises(ValueError, match="HLC"):
        Hlc.unpack(packed)


def test_hlc_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="wall_ms"):
        Hlc(-1, 0, "d")
    with pytest.raises(ValueError, match="counter"):
        Hlc(0, MAX_COUNTER + 1, "d")
    with pytest.raises(ValueError, match="device"):
        Hlc(0, 0, "")


hlcs = st.builds(
    Hlc,
    wall_ms=st.integers(0, 10**13 - 1),
    counter=st.integers(0, MAX_COUNTER),
    device=st.text(st.characters(codec="ascii", categories=["L", "N", "Pd"]), min_size=1),
)


@given(hlcs, hlcs)
def test_packed_order_is_hlc_order(a: Hlc, b: Hlc) -> None:
    assert (a < b) == (a.pack() < b.pack())
    assert (a == b) == (a.pack() == b.pack())
    assert Hlc.unpack(a.pack()) == a


# --- HlcClock ---------------------------------------------------------------------------------


def test_tick_follows_the_wall_clock_and_counts_within_a_millisecond() -> None:
    clock = HlcClock("A", wall_clock([1000, 1000, 1005, 1005]))
    assert [clock.tick() for _ in range(4)] == [
        Hlc(1000, 0, "A"),
        Hlc(1000, 1, "A"),
        Hlc(1005, 0, "A"),
        Hlc(1005, 1, "A"),
    ]


def test_tick_stays_monotonic_when_the_wall_clock_jumps_back() -> None:
    clock = HlcClock("A", wall_clock([5000, 1000, 1000, 6000]))
    assert [clock.tick() for _ in range(4)] == [
        Hlc(5000, 0, "A"),
        Hlc(5000, 1, "A"),
        Hlc(5000, 2, "A"),
        Hlc(6000, 0, "A"),
    ]


def test_restored_clock_continues_after_its_last_time() -> None:
    clock = HlcClock("A", wall_clock([100]), last=Hlc(900, 4, "A"))
    assert clock.tick() == Hlc(900, 5, "A")
    assert clock.last == Hlc(900, 5, "A")


def test_receive_cases() -> None:
    clock = HlcClock("A", wall_clock([1000, 1000, 1000, 9000]))
    assert clock.receive(Hlc(2000, 3, "B")) == Hlc(2000, 4, "A")  # remote ahead
    assert clock.receive(Hlc(2000, 9, "B")) == Hlc(2000, 10, "A")  # same ms: max counter + 1
    assert clock.receive(Hlc(1500, 50, "B")) == Hlc(2000, 11, "A")  # remote behind
    assert clock.receive(Hlc(3000, 0, "B")) == Hlc(9000, 0, "A")  # wall clock ahead of all


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = HlcClock("A", wall_clock([7]), last=Hlc(7, MAX_COUNTER, "A"))
    assert clock.tick() == Hlc(8, 0, "A")
    clock = HlcClock("A", wall_clock([7]))
    assert clock.receive(Hlc(9, MAX_COUNTER, "B")) == Hlc(10, 0, "A")


def test_clock_refuses_to_wrap_past_the_end_of_its_range() -> None:
    clock = HlcClock("A", wall_clock([0]))
    with pytest.raises(OverflowError, match="13-digit"):
        clock.receive(Hlc(MAX_WALL_MS, MAX_COUNTER, "B"))
    assert clock.last is None


def test_clock_refuses_an_empty_device() -> None:
    with pytest.raises(ValueError, match="device"):
        HlcClock("", wall_clock([0]))


walls = st.integers(0, 2_000_000_000_000)
remotes = st.builds(
    Hlc,
    wall_ms=st.one_of(walls, st.integers(0, MAX_WALL_MS - 1)),
    counter=st.integers(0, MAX_COUNTER),
    device=st.sampled_from(["B", "C", "A"]),
)
operations = st.lists(
    st.tuples(st.sampled_from(["tick", "receive"]), walls, remotes), min_size=1, max_size=60
)


@given(operations)
def test_monotonic_under_any_wall_clock_and_any_remote(ops: list[tuple[str, int, Hlc]]) -> None:
    clock = HlcClock("A", wall_clock([wall for _, wall, _ in ops]))
    previous: Hlc | None = None
    for kind, wall, remote in ops:
        if kind == "tick":
            now = clock.tick()
        else:
            now = clock.receive(remote)
            assert now > remote
        if previous is not None:
            assert now > previous
            assert now.pack() > previous.pack()
        assert now.wall_ms >= wall  # never behind the wall clock
        previous = now


@given(st.lists(walls, min_size=2, max_size=40))
def test_two_devices_exchanging_times_never_tie(readings: list[int]) -> None:
    a = HlcClock("A", wall_clock(readings))
    b = HlcClock("B", wall_clock(list(reversed(readings))))
    issued: list[Hlc] = []
    for i in range(len(readings)):
        sent = a.tick() if i % 2 else b.tick()
        issued.append(sent)
        issued.append((b if i % 2 else a).receive(sent))
    assert len({h.pack() for h in issued}) == len(issued)


# --- row ids ----------------------------------------------------------------------------------


def test_new_id_is_a_time_ordered_uuid7() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(uuid.UUID(i).version == 7 and len(i) == 36 for i in ids)
    assert ids == sorted(ids)
