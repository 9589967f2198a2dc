"""Run work off the GUI thread: a serial lane for database writes, a parallel lane for the rest.

Jobs receive no widgets and no session; they open their own unit of work through the services.
Results come back through a relay QObject created without a parent and kept alive in a set
until delivered (a parented relay crashed in our prototype). Cancellation is cooperative: the
job gets a ``threading.Event`` it may check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

log = logging.getLogger(__name__)

BUSY_AFTER_MS = 600


class Lane(Enum):
    """Where a job runs."""

    WRITE = "write"  # one thread: DB writes never contend
    READ = "read"  # parallel: queries, PDF rendering, network
    SYNC = "sync"  # one thread: sync rounds (short transactions of their own, never the WRITE lane)


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


@dataclass
class TaskHandle:
    """A submitted job: cancel it, or ask whether it is still running."""

    cancel_event: threading.Event = field(default_factory=threading.Event)
    done: bool = False

    def cancel(self) -> None:
        """Ask the job to stop and drop its result."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.cancel_event.is_set()


class _Job(QRunnable):
    def __init__(
        self, fn: Callable[[threading.Event], Any], relay: _Relay, handle: TaskHandle
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay
        self._handle = handle

    def run(self) -> None:
        try:
            result = self._fn(self._handle.cancel_event)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """The application's lanes. ``busy_changed(bool)`` drives a busy indicator.

    Background sync rounds (``Lane.SYNC``) do not count as busy: the clerk is not waiting on them.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._write = QThreadPool()
        self._write.setMaxThreadCount(1)
        self._read = QThreadPool()
        self._read.setMaxThreadCount(4)
        self._sync = QThreadPool()
        self._sync.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()
        self._running = 0
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._on_busy_timer_timeout)

    def submit(
        self,
        fn: Callable[[threading.Event], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        lane: Lane = Lane.READ,
    ) -> TaskHandle:
        """Run ``fn(cancel_event)`` in a lane; call back on the GUI thread unless cancelled."""
        handle = TaskHandle()
        relay = _Relay()
        self._relays.add(relay)
        counted = lane is not Lane.SYNC
        if counted:
            self._started()

        def finish() -> None:
            handle.done = True
            self._relays.discard(relay)
            relay.deleteLater()
            if counted:
                self._finished()

        def done(result: object) -> None:
            finish()
            if not handle.cancelled:
                on_done(result)

        def failed(exc: object) -> None:
            finish()
            if not handle.cancelled:
                assert isinstance(exc, BaseException)  # noqa: S101 - relay contract
                on_error(exc)

        relay.succeeded.connect(done)
        relay.failed.connect(failed)
        pool = {Lane.WRITE: self._write, Lane.SYNC: self._sync}.get(lane, self._read)
        pool.start(_Job(fn, relay, handle))
        return handle

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every lane is idle (tests and shutdown only)."""
        return all(p.waitForDone(msecs) for p in (self._write, self._read, self._sync))

    def _started(self) -> None:
        self._running += 1
        if self._running == 1:
            self._busy_timer.start()

    def _finished(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._busy_timer.stop()
            self.busy_changed.emit(False)

    def _on_busy_timer_timeout(self) -> None:
        if self._running:
            self.busy_changed.emit(True)
