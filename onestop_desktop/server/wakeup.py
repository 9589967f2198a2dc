"""Wake the long polls of this server process when something they wait for has committed."""

from __future__ import annotations

import asyncio


class Wakeup:
    """Waiters of this process (long-polling requests) woken at once after a commit.

    Other server processes (several workers) are not told: waiters poll the database too.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()

    def arm(self) -> asyncio.Event:
        """A new waiter; arm it BEFORE looking at the database so no commit is missed."""
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    def disarm(self, event: asyncio.Event) -> None:
        """Forget a waiter."""
        self._waiters.discard(event)

    def notify(self) -> None:
        """Wake every waiter (called on the event loop)."""
        for event in self._waiters:
            event.set()
