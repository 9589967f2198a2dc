"""Follow the office's queue live: a background thread long-polls the queue's changes and hands
them to the GUI thread as signals (the kiosk, the counter page and bar, the display).

The GUI thread never waits: ``changes(wait=…)`` blocks the feed's own thread only. A change is
delivered within the poll's round trip (the server answers a waiting poll as soon as a write
commits); when the server is out of reach the feed says so and retries every few seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from onestop_desktop.domain.queue import QueueConfig, Ticket
from onestop_desktop.errors import DomainError, EnvironmentFault
from onestop_desktop.services.queue import (
    Changes,
    LocalQueue,
    QueueBackend,
    QueueStatus,
    status_of,
)

log = logging.getLogger(__name__)

#: Seconds a poll may wait on the server for a change (it answers at once when one commits).
REMOTE_WAIT_S = 20.0
#: Seconds a poll waits on a local database (other processes' writes are seen at this pace).
LOCAL_WAIT_S = 0.5
#: Seconds between attempts while the server is out of reach.
RETRY_S = 3.0


class _Relay(QObject):
    changed = Signal(object, object)  # Changes, QueueStatus
    connection = Signal(bool, str)  # online, message


class QueueFeed(QObject):
    """The office's queue as the GUI sees it: ``updated(status, changed_tickets)`` after each
    change (the first one carries every ticket of the day), ``online_changed(bool, message)``.

    ``backend_factory`` is called on the feed's thread (it may connect to the server).
    """

    updated = Signal(object, object)  # QueueStatus, list[Ticket] (changed, in change order)
    online_changed = Signal(bool, str)

    def __init__(
        self,
        backend_factory: Callable[[], QueueBackend],
        *,
        wait_s: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = backend_factory
        self._wait_s = wait_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tickets: dict[str, Ticket] = {}
        self._day: date | None = None
        self._rev = 0
        self._config: QueueConfig | None = None
        self.online: bool | None = None
        self.office_code = ""
        self.status: QueueStatus | None = None
        self._relay = _Relay()  # no parent: lives in the GUI thread, emitted from the feed's
        self._relay.changed.connect(self._deliver)
        self._relay.connection.connect(self._connection)

    @property
    def config(self) -> QueueConfig | None:
        """The office's queue configuration, once read."""
        return self._config

    def tickets(self) -> list[Ticket]:
        """Today's tickets as last seen."""
        return list(self._tickets.values())

    def start(self) -> None:
        """Start following (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="queue-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop following; the current poll is abandoned (its answer dropped)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    # ------------------------------------------------------------------ feed thread

    def _run(self) -> None:
        backend: QueueBackend | None = None
        rev = 0
        first = True  # the next answer is a whole day's state (after a (re)connection)
        day: date | None = None
        while not self._stop.is_set():
            try:
                if backend is None:
                    backend = self._factory()
                    self._config = backend.config()
                    self.office_code = backend.office_code
                    rev, first = 0, True
                wait = self._wait_s
                if wait is None:
                    wait = LOCAL_WAIT_S if _is_local(backend) else REMOTE_WAIT_S
                found = backend.changes(rev, wait=0 if first else wait)
            except (EnvironmentFault, DomainError, OSError) as exc:
                log.info("queue feed: %s", exc)
                self._relay.connection.emit(False, str(exc))
                close = getattr(backend, "close", None)
                if close is not None:
                    close()
                backend = None
                self._stop.wait(RETRY_S)
                continue
            if self._stop.is_set():
                break
            if first or self.online is not True:
                self._relay.connection.emit(True, "")
            if first or found.rev != rev or found.tickets or found.day != day:
                # A new business day starts empty even when nothing has changed yet.
                self._relay.changed.emit(found, first)
            rev, first, day = found.rev, False, found.day
        close = getattr(backend, "close", None)
        if close is not None:
            close()

    # ------------------------------------------------------------------ GUI thread

    def _deliver(self, found: Changes, first: object) -> None:
        if first or found.day != self._day:
            self._tickets = {}
            self._day = found.day
        for t in found.tickets:
            self._tickets[t.id] = t
        self._rev = found.rev
        config = self._config or QueueConfig()
        self.status = status_of(
            self._tickets.values(),
            office_code=self.office_code,
            day=found.day,
            rev=found.rev,
            config=config,
        )
        self.updated.emit(self.status, list(found.tickets))

    def _connection(self, online: bool, message: str) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online, message)


def _is_local(backend: QueueBackend) -> bool:
    return isinstance(backend, LocalQueue)
