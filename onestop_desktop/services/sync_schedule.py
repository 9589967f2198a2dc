"""When to run the next sync round: a steady interval after success, backoff after failures.

SYNC-FAULTS 1 and 19: a server that is unreachable or answers 5xx/429 must not be hammered by
every counter of the district at once. After ``n`` failures in a row the next attempt waits a
random time in ``[floor, min(cap, first_retry * 2**(n-1))]`` ("full jitter"), so the retries of
many workstations spread out; one success brings the normal interval back. The random source is
injectable so tests are deterministic. Plain Python: the GUI drives it with a QTimer, the CLI or
a service could drive it with ``time.sleep``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

#: Seconds between rounds while the server answers.
DEFAULT_INTERVAL = 30.0
#: Upper bound of the first retry after a failure, doubled after each further failure.
DEFAULT_FIRST_RETRY = 5.0
#: The longest wait between attempts while the server keeps failing.
DEFAULT_CAP = 300.0
#: The shortest wait: even an unlucky draw never retries in a tight loop.
DEFAULT_FLOOR = 1.0


class Backoff:
    """The delay before the next sync attempt; call :meth:`succeeded` or :meth:`failed`.

    Args:
        interval: seconds between rounds after a success.
        first_retry: upper bound of the wait after the first failure.
        cap: upper bound of every wait after failures.
        floor: lower bound of every wait after failures.
        rng: returns a float in [0, 1); ``random.random`` by default.
    """

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL,
        *,
        first_retry: float = DEFAULT_FIRST_RETRY,
        cap: float = DEFAULT_CAP,
        floor: float = DEFAULT_FLOOR,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if interval <= 0 or first_retry <= 0 or cap <= 0 or floor < 0:
            raise ValueError("backoff delays must be positive")
        self.interval = interval
        self.first_retry = first_retry
        self.cap = cap
        self.floor = min(floor, cap)
        self._rng = rng
        self.failures = 0

    def ceiling(self) -> float:
        """The upper bound of the next wait after the failures counted so far."""
        if self.failures == 0:
            return self.interval
        # 2**n overflows to inf long before it matters; stop doubling once the cap is reached.
        exponent = min(self.failures - 1, 62)
        return min(self.cap, self.first_retry * 2.0**exponent)

    def succeeded(self) -> float:
        """A round completed: reset the failure count; returns the normal interval."""
        self.failures = 0
        return self.interval

    def failed(self) -> float:
        """A round failed: count it; returns a jittered wait in ``[floor, ceiling]``."""
        self.failures += 1
        high = self.ceiling()
        draw = min(max(self._rng(), 0.0), 1.0)
        return max(self.floor, draw * high)


__all__ = ["DEFAULT_CAP", "DEFAULT_FIRST_RETRY", "DEFAULT_INTERVAL", "Backoff"]
