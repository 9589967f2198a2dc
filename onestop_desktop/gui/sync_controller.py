"""Background sync for the window: rounds off the GUI thread, on a timer and on demand.

When the workstation is enrolled, a round (``services.sync_round.sync_round``) runs on the task
runner's own SYNC lane — never on the GUI thread and never in the WRITE lane's queue, so a long
round (thirty days offline, SYNC-FAULTS 13) does not hold up the clerk's saves; the round opens
short transactions of its own. Rounds never overlap: asking for one while one runs queues a
single follow-up. After a success the next round comes after the normal interval; after a
failure the wait grows with full jitter up to a cap (``services.sync_schedule.Backoff``,
SYNC-FAULTS 1 and 19). Every change is reported as one :class:`SyncState` through
``state_changed`` for the status bar.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from onestop_desktop.errors import DomainError, EnvironmentFault
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.tasks import Lane, TaskHandle
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.services.sync_round import RoundResult, SyncStatus, sync_round, sync_status
from onestop_desktop.services.sync_schedule import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the status bar shows about sync."""

    enrolled: bool = False
    online: bool | None = None  # None: no round finished yet
    running: bool = False
    error: str | None = None  # the last failure, for the user (Vietnamese)
    last_sync_at: datetime | None = None
    pending: int = 0
    rejected: int = 0
    next_attempt_in: float | None = None  # seconds until the timer fires; None: no timer


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: RoundResult | None
    error: str | None
    status: SyncStatus


class SyncController(QObject):
    """Runs sync rounds in the background and reports :class:`SyncState` changes."""

    state_changed = Signal(object)  # SyncState
    round_finished = Signal(object)  # RoundResult of a successful round
    round_failed = Signal(str)  # the error text of a failed round

    def __init__(
        self, ctx: AppContext, backoff: Backoff | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.backoff = backoff or Backoff()
        self.state = SyncState()
        self._running: TaskHandle | None = None
        self._again = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)

    # ------------------------------------------------------------------ public

    @property
    def running(self) -> bool:
        """True while a round is in flight."""
        return self._running is not None

    @property
    def timer_active(self) -> bool:
        """True when a next round is scheduled."""
        return self._timer.isActive()

    def start(self) -> None:
        """Read the sync figures; when enrolled, run a first round at once."""
        self._stopped = False
        self._read_status(start_round=True)

    def stop(self) -> None:
        """No more rounds (a round in flight finishes; its figures are still shown)."""
        self._stopped = True
        self._again = False
        self._timer.stop()

    def refresh(self) -> None:
        """Re-read pending/rejected/last sync without a round (e.g. after a local save)."""
        self._read_status(start_round=False)

    def sync_now(self) -> None:
        """Run a round now ("Đồng bộ ngay"); queued once if one is running."""
        if self._stopped:
            return
        if self._running is not None:
            self._again = True
            return
        if not self.state.enrolled:
            self._read_status(start_round=True)  # enrolled from the command line meanwhile?
            return
        self._timer.stop()
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> _Outcome:
            try:
                with connect(ws) as client:
                    result = sync_round(ws, client)
            except (DomainError, EnvironmentFault) as exc:  # known faults: shown, retried later
                return _Outcome(None, str(exc) or type(exc).__name__, sync_status(ws))
            return _Outcome(result, None, sync_status(ws))

        self._running = self.ctx.runner.submit(
            job, on_done=self._on_round_done, on_error=self._on_round_error, lane=Lane.SYNC
        )
        self._set(replace(self.state, running=True, next_attempt_in=None))

    # ------------------------------------------------------------------ internals

    def _read_status(self, *, start_round: bool) -> None:
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> SyncStatus:
            return sync_status(ws)

        def done(status: SyncStatus) -> None:
            self._set(self._with_status(self.state, status))
            if not status.enrolled:
                self._timer.stop()
            elif start_round and not self._stopped and self._running is None:
                self.sync_now()

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_status_error)

    def _on_status_error(self, exc: BaseException) -> None:
        log.warning("sync status not read: %s", exc)
        self._set(replace(self.state, error=str(exc) or type(exc).__name__))

    def _on_round_done(self, outcome: _Outcome) -> None:
        self._running = None
        state = self._with_status(self.state, outcome.status)
        if outcome.result is not None:
            state = replace(state, online=True, error=None)
            delay = self.backoff.succeeded()
        else:
            state = replace(state, online=False, error=outcome.error)
            delay = self.backoff.failed()
            log.info("sync round failed (retry in %.1f s): %s", delay, outcome.error)
        self._finish(state, delay)
        if outcome.result is not None:
            self.round_finished.emit(outcome.result)
        else:
            self.round_failed.emit(outcome.error or "")

    def _on_round_error(self, exc: BaseException) -> None:
        # Not a known fault: a bug. Logged with its traceback; the loop keeps going with backoff
        # instead of opening a crash dialog every few minutes.
        log.error("sync round crashed", exc_info=(type(exc), exc, exc.__traceback__))
        self._running = None
        text = f"Lỗi đồng bộ không mong đợi: {exc}"
        self._finish(replace(self.state, online=False, error=text), self.backoff.failed())
        self.round_failed.emit(text)

    def _finish(self, state: SyncState, delay: float) -> None:
        scheduled = state.enrolled and not self._stopped
        again = self._again and scheduled
        self._again = False
        if scheduled and not again:
            self._timer.start(max(int(delay * 1000), 0))
        self._set(replace(state, running=False, next_attempt_in=delay if scheduled else None))
        if again:
            self.sync_now()

    @staticmethod
    def _with_status(state: SyncState, status: SyncStatus) -> SyncState:
        return replace(
            state,
            enrolled=status.enrolled,
            last_sync_at=status.last_sync_at,
            pending=status.pending,
            rejected=status.rejected,
        )

    def _set(self, state: SyncState) -> None:
        self.state = state
        self.state_changed.emit(state)


__all__ = ["SyncController", "SyncState"]
