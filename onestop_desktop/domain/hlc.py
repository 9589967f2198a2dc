"""Hybrid Logical Clock (Kulkarni et al. 2014): event times that never go backwards.

An `Hlc` stays close to the wall clock but orders causally: a device's successive ticks always
increase even when its wall clock is set back, and a received remote time is never overtaken.
Ties are broken by device id, so two devices never produce equal times. The packed text form
sorts lexicographically in the same order as the tuples, so it can be an indexed column.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_COUNTER", "MAX_WALL_MS", "Hlc", "HlcClock"]

MAX_WALL_MS = 10**13 - 1  # 13 digits of milliseconds: until the year 2286
MAX_COUNTER = 10**5 - 1  # 5 digits


@dataclass(frozen=True, slots=True, order=True)
class Hlc:
    """One HLC timestamp; orders by (wall_ms, counter, device), like its packed form."""

    wall_ms: int
    counter: int
    device: str

    def __post_init__(self) -> None:
        if not 0 <= self.wall_ms <= MAX_WALL_MS:
            raise ValueError(f"wall_ms out of range: {self.wall_ms}")
        if not 0 <= self.counter <= MAX_COUNTER:
            raise ValueError(f"counter out of range: {self.counter}")
        if not self.device or not self.device.isprintable():
            raise ValueError(f"device must be non-empty printable text: {self.device!r}")

    def pack(self) -> str:
        """``"1767225600000-00003-<device>"``: sorts as the timestamps do."""
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.device}"

    @classmethod
    def unpack(cls, s: str) -> Hlc:
        """Inverse of `pack`.

        Raises:
            ValueError: not a packed HLC.
        """
        wall, sep1, rest = s.partition("-")
        counter, sep2, device = rest.partition("-")
        if not (sep1 and sep2 and len(wall) == 13 and len(counter) == 5):
            raise ValueError(f"not a packed HLC: {s!r}")
        if not (wall.isascii() and wall.isdigit() and counter.isascii() and counter.isdigit()):
            raise ValueError(f"not a packed HLC: {s!r}")
        return cls(int(wall), int(counter), device)


class HlcClock:
    """A device's clock: `tick` for local events, `receive` when merging a remote time.

    Args:
        device: this device's id (the tie-breaker).
        now_ms: the wall clock in milliseconds since the epoch (injected for tests).
        last: the last time this device issued, restored from storage after a restart.
    """

    def __init__(self, device: str, now_ms: Callable[[], int], last: Hlc | None = None) -> None:
        Hlc(0, 0, device)  # validates the device id
        self._device = device
        self._now_ms = now_ms
        self._last = last
        self._lock = threading.Lock()

    @property
    def last(self) -> Hlc | None:
        """The latest time issued (persist it to stay monotonic across restarts)."""
        return self._last

    def _wall(self) -> int:
        return min(max(self._now_ms(), 0), MAX_WALL_MS)

    def _issue(self, wall_ms: int, counter: int) -> Hlc:
        # A counter overflow borrows the next millisecond: order is kept, drift is one ms.
        if counter > MAX_COUNTER:
            wall_ms, counter = wall_ms + 1, 0
        if wall_ms > MAX_WALL_MS:
            # Only reachable from a remote time at the very end of the range (a corrupt or
            # hostile peer): refuse rather than wrap around and break the order.
            raise OverflowError("HLC past the 13-digit millisecond range")
        self._last = Hlc(wall_ms, counter, self._device)
        return self._last

    def tick(self) -> Hlc:
        """A new time for a local event, greater than every time issued or received before."""
        with self._lock:
            now = self._wall()
            last = self._last
            if last is None or now > last.wall_ms:
                return self._issue(now, 0)
            return self._issue(last.wall_ms, last.counter + 1)

    def receive(self, remote: Hlc) -> Hlc:
        """Merge a remote time; the result is greater than both it and every local time."""
        with self._lock:
            now = self._wall()
            last = self._last
            last_wall = last.wall_ms if last is not None else -1
            wall = max(now, last_wall, remote.wall_ms)
            if last is not None and wall == last_wall == remote.wall_ms:
                counter = max(last.counter, remote.counter) + 1
            elif last is not None and wall == last_wall:
                counter = last.counter + 1
            elif wall == remote.wall_ms:
                counter = remote.counter + 1
            else:
                counter = 0
            return self._issue(wall, counter)
