"""One counter's side of the office queue (issue #5): the controller behind the Hàng chờ page and
the always-on-top counter bar — one source of truth, so a call from the bar shows on the page and
the other way round.

The controller follows the queue through a :class:`QueueFeed` and runs every operation (call next,
recall, skip, hold, resume, transfer, finish, link a dossier, walk-ins) off the GUI thread with the
:class:`TaskRunner`: the WRITE lane for the workstation's own queue, the READ lane for the office
server's. One operation runs at a time (a second press of "call next" while the first is on its way
is ignored), so a nervous double press never calls two citizens.

When the server is out of reach (the feed says so, or an operation raises ``ServerUnreachable``)
the controller is offline: the page offers walk-ins served locally ("L3-001"); when the server
answers again they are uploaded.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from onestop_desktop.domain.errors import DomainError
from onestop_desktop.domain.queue import QueueConfig, Ticket, TicketStatus
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.gui.tasks import Lane
from onestop_desktop.services import queue_remote
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import LocalQueue, QueueBackend, QueueStatus
from onestop_desktop.store import repo
from onestop_desktop.sync.client import ServerUnreachable

log = logging.getLogger(__name__)

#: Workstation setting: the group codes this counter calls (JSON list; empty = the office's rule).
COUNTER_GROUPS = "queue.counter_groups"
#: Seconds between checks that the server answers again after an operation could not reach it.
PROBE_MS = 5_000

#: Kinds of :attr:`QueueCounter.message`.
INFO, OK, ERROR = "info", "ok", "error"


@dataclass(frozen=True, slots=True)
class _Setup:
    counter: int
    groups: list[str]
    backend: QueueBackend
    local_config: QueueConfig | None


def load_counter_groups(ws: Workstation) -> list[str]:
    """The group codes this workstation's counter chose to call (empty: the office's rule)."""
    with ws.db.read() as s:
        raw = repo.get_setting(s, COUNTER_GROUPS)
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        log.warning("ignoring unreadable %s setting: %r", COUNTER_GROUPS, raw)
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def save_counter_groups(ws: Workstation, groups: Sequence[str]) -> None:
    """Store the group codes this counter calls (empty: the office's rule)."""
    with ws.db.write() as s:
        repo.set_setting(s, COUNTER_GROUPS, json.dumps(list(groups), ensure_ascii=False))


class QueueCounter(QObject):
    """This workstation's counter: its number, its groups, the ticket it serves, the office's
    queue status, and the operations on them.

    Signals: ``ready()`` once the counter's settings are read; ``ticket_changed(Ticket | None)``;
    ``status_changed(QueueStatus)``; ``config_changed(QueueConfig)``; ``settings_changed()``
    (counter number or groups); ``online_changed(bool, message)``; ``busy_changed(bool)``;
    ``message(text, kind)`` with kind ``info`` | ``ok`` | ``error`` (Vietnamese, shown inline);
    ``failed(exc)`` for a bug (the page opens the crash dialog); ``intake_requested(Ticket)``;
    ``dossier_linked(Ticket, dossier code)``.
    """

    ready = Signal()
    ticket_changed = Signal(object)
    status_changed = Signal(object)
    config_changed = Signal(object)
    settings_changed = Signal()
    online_changed = Signal(bool, str)
    busy_changed = Signal(bool)
    message = Signal(str, str)
    failed = Signal(object)
    intake_requested = Signal(object)
    dossier_linked = Signal(object, str)

    def __init__(
        self,
        ctx: AppContext,
        *,
        backend_factory: Callable[[], QueueBackend] | None = None,
        feed: QueueFeed | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ws = ctx.ws
        self._factory: Callable[[], QueueBackend] = backend_factory or (
            lambda: queue_remote.open_queue(ws)
        )
        self._own_feed = feed is None
        self.feed = feed if feed is not None else QueueFeed(self._factory, parent=self)
        self.feed.updated.connect(self._on_feed_updated)
        self.feed.online_changed.connect(self._on_feed_online_changed)
        self._backend: QueueBackend | None = None
        self.counter: int | None = None
        self.groups: list[str] = []  # chosen group codes; empty = the office's rule
        self.ticket: Ticket | None = None
        self.status: QueueStatus | None = None
        self._config: QueueConfig | None = None
        self._local_config: QueueConfig | None = None
        self.dossier_codes: dict[str, str] = {}  # ticket id -> code of the dossier received
        self._op_rev = 0  # rev of the newest ticket an operation returned
        self._feed_online: bool | None = None
        self._op_offline = False
        self.offline_message = ""
        self.online = True
        self.busy = False
        self._started = False
        self._stopped = False
        self._pending: deque[Callable[[], None]] = deque()
        # Dossiers received while the server was away: linked to their tickets when it is back.
        self._unlinked: list[tuple[Ticket, str, str]] = []
        self._probe_timer = QTimer(self)
        self._probe_timer.setInterval(PROBE_MS)
        self._probe_timer.timeout.connect(self._probe)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Read the counter's settings and start following the queue (idempotent)."""
        if self._started:
            return
        self._started = True
        ws = self.ctx.ws
        factory = self._factory

        def job(_cancel: threading.Event) -> _Setup:
            local: QueueConfig | None
            try:
                local = queue_remote.local_queue(ws).config()
            except DomainError:
                local = None
            return _Setup(
                counter=queue_remote.counter_of(ws),
                groups=load_counter_groups(ws),
                backend=factory(),
                local_config=local,
            )

        self.ctx.runner.submit(job, on_done=self._on_setup, on_error=self._on_error)
        if self._own_feed:
            self.feed.start()

    def stop(self) -> None:
        """Stop following the queue (the feed's thread ends); safe to call twice."""
        self._stopped = True
        self._probe_timer.stop()
        if self._own_feed:
            self.feed.stop()
        backend, self._backend = self._backend, None
        self._close(backend)

    def _close(self, backend: QueueBackend | None) -> None:
        if backend is not None and not isinstance(backend, LocalQueue):
            # A remote connection is closed on a worker: closing may wait on the network.
            self.ctx.runner.submit(
                lambda _c: backend.close(), on_done=_ignore, on_error=_ignore, lane=Lane.READ
            )

    @property
    def is_ready(self) -> bool:
        """True once the counter number and the backend are known."""
        return self.counter is not None and self._backend is not None

    def _on_setup(self, setup: _Setup) -> None:
        if self._stopped:
            self._close(setup.backend)
            return
        self.counter = setup.counter
        self.groups = setup.groups
        self._backend = setup.backend
        self._local_config = setup.local_config
        if self._config is None and setup.local_config is not None:
            self.config_changed.emit(setup.local_config)
        self.settings_changed.emit()
        self.ready.emit()
        if self.status is not None:
            self._follow(self.status)

    # ------------------------------------------------------------------ what the views read

    @property
    def config(self) -> QueueConfig | None:
        """The office's queue configuration (the server's; else this workstation's own)."""
        return self._config or self._local_config

    def held(self) -> list[Ticket]:
        """This counter's held tickets, oldest first."""
        if self.status is None or self.counter is None:
            return []
        return [t for t in self.status.held if t.counter == self.counter]

    def waiting_total(self) -> int:
        """Everybody waiting in the office now."""
        return sum(self.status.waiting.values()) if self.status is not None else 0

    def tickets(self) -> list[Ticket]:
        """Today's tickets as the feed last saw them."""
        return self.feed.tickets()

    def served_groups(self) -> tuple[str, ...]:
        """The group codes this counter calls (its choice, else the office's rule)."""
        if self.groups:
            return tuple(self.groups)
        config = self.config
        if config is None or self.counter is None:
            return ()
        return config.groups_of(self.counter)

    def can(self, action: str) -> bool:
        """Whether ``action`` makes sense now (the views enable their buttons with this)."""
        if not self.is_ready or self.busy:
            return False
        t = self.ticket
        walk_in = t is not None and t.origin == "local"
        if action == "call":
            return self.online
        if action == "walk_in":
            return not self.online
        if t is None:
            return False
        if action == "intake":
            return True  # intake goes on offline; the link is made when the server is back
        if action == "finish":
            return walk_in or self.online
        if action in ("recall", "skip", "hold", "transfer"):
            return not walk_in and self.online
        return False

    # ------------------------------------------------------------------ settings

    def set_counter(self, counter: int) -> None:
        """Choose this workstation's counter number (refused while it serves a ticket)."""
        if counter == self.counter:
            return
        if self.ticket is not None:
            self.message.emit(
                self.tr("Hãy hoàn thành hoặc chuyển số đang phục vụ trước khi đổi quầy."), ERROR
            )
            self.settings_changed.emit()  # the views put the old number back
            return
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> int:
            queue_remote.set_counter(ws, counter)
            return counter

        def done(n: int) -> None:
            self.counter = n
            self.settings_changed.emit()
            self.message.emit(self.tr("Máy này là quầy số %d.") % n, OK)
            if self.status is not None:
                self._follow(self.status, force=True)

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_settings_error, lane=Lane.WRITE)

    def set_groups(self, groups: Sequence[str]) -> None:
        """Choose the groups this counter calls; the office's rule for the counter when they are
        exactly its groups (stored as an empty list)."""
        chosen = list(groups)
        if not chosen:
            self.message.emit(self.tr("Hãy chọn ít nhất một nhóm dịch vụ để gọi số."), ERROR)
            self.settings_changed.emit()
            return
        config = self.config
        if (
            config is not None
            and self.counter is not None
            and set(chosen) == set(config.groups_of(self.counter))
        ):
            chosen = []
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> list[str]:
            save_counter_groups(ws, chosen)
            return chosen

        def done(saved: list[str]) -> None:
            self.groups = saved
            self.settings_changed.emit()
            self._emit_status()

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_settings_error, lane=Lane.WRITE)

    def _on_settings_error(self, exc: BaseException) -> None:
        self.settings_changed.emit()
        self._on_error(exc)

    # ------------------------------------------------------------------ operations

    def call_next(self) -> bool:
        """Call the next citizen (the current ticket, if any, is finished by the queue)."""
        if not self.can("call"):
            return False
        counter = self._counter()
        groups = list(self.groups) or None

        def op(b: QueueBackend) -> Ticket | None:
            return b.call_next(counter, groups=groups)

        def shown(t: Ticket | None) -> None:
            if t is None:
                self._set_ticket(None)
                self.message.emit(
                    self.tr("Hiện không có ai chờ ở các nhóm quầy này phục vụ."), INFO
                )
            else:
                self._set_ticket(t)
                self.message.emit(self.tr("Mời số %s đến quầy %d.") % (t.number, counter), OK)

        return self._run(op, shown)

    def issue(self, group_code: str, *, priority: bool) -> bool:
        """Issue a ticket from the counter (a citizen the staff marks as priority: elderly,
        disabled, pregnant — or an office without a kiosk)."""
        if not self.is_ready or self.busy or not self.online:
            return False

        def op(b: QueueBackend) -> Ticket:
            return b.issue(group_code, priority=priority)

        def shown(t: Ticket) -> None:
            mark = self.tr(" (ưu tiên)") if t.priority else ""
            self.message.emit(
                self.tr("Đã cấp số %s%s — %s; %d người chờ trước.")
                % (t.number, mark, t.group_name, t.people_ahead or 0),
                OK,
            )

        return self._run(op, shown)

    def recall(self) -> bool:
        """Announce the current ticket again."""
        return self._ticket_op("recall", lambda b, t, c: b.recall(t.id, c), keep=True)

    def skip(self) -> bool:
        """The citizen did not come: a no-show."""
        return self._ticket_op("skip", lambda b, t, c: b.skip(t.id, c), keep=False)

    def hold(self) -> bool:
        """Put the current ticket aside (the citizen fetches a paper)."""
        return self._ticket_op("hold", lambda b, t, c: b.hold(t.id, c), keep=False)

    def finish(self) -> bool:
        """Done with the current ticket."""
        return self._ticket_op("finish", lambda b, t, c: b.finish(t.id, c), keep=False)

    def transfer(self, *, to_counter: int | None = None, to_group: str | None = None) -> bool:
        """Send the current ticket to another counter or another group."""
        return self._ticket_op(
            "transfer",
            lambda b, t, c: b.transfer(t.id, c, to_counter=to_counter, to_group=to_group),
            keep=False,
        )

    def resume(self, ticket_id: str) -> bool:
        """Serve one of this counter's held tickets again (the current one is finished)."""
        if not self.is_ready or self.busy or not self.online:
            return False
        counter = self._counter()

        def op(b: QueueBackend) -> Ticket:
            return b.resume(ticket_id, counter)

        def shown(t: Ticket) -> None:
            self._set_ticket(t)
            self.message.emit(self.tr("Phục vụ lại số %s.") % t.number, OK)

        return self._run(op, shown)

    def walk_in(self, group_code: str) -> bool:
        """Serve a citizen without the shared queue (offline): a local ticket ``L<counter>-n``."""
        if not self.can("walk_in"):
            return False
        ws = self.ctx.ws
        counter = self._counter()

        def job(_cancel: threading.Event) -> Ticket:
            return queue_remote.serve_walk_in(ws, counter, group_code)

        def shown(t: Ticket) -> None:
            self._set_ticket(t)
            self.message.emit(
                self.tr(
                    "Đang phục vụ khách vãng lai số %s (lưu trên máy này, gửi lên máy chủ khi "
                    "có kết nối)."
                )
                % t.number,
                OK,
            )

        return self._submit(job, shown, Lane.WRITE)

    def start_intake(self) -> bool:
        """Ask the window to open the intake form for the current ticket."""
        if not self.can("intake") or self.ticket is None:
            return False
        self.intake_requested.emit(self.ticket)
        return True

    def link_dossier(self, ticket: Ticket, dossier_id: str, code: str) -> None:
        """Record that ``ticket``'s dossier was received (queued after a running operation)."""

        def op(b: QueueBackend) -> Ticket:
            return b.link_dossier(ticket.id, dossier_id)

        def shown(t: Ticket) -> None:
            self.dossier_codes[t.id] = code
            if self.ticket is not None and self.ticket.id == t.id:
                self._set_ticket(t)
            self.dossier_linked.emit(t, code)
            self.message.emit(self.tr("Đã gắn hồ sơ %s với số %s.") % (code, t.number), OK)

        def unreachable() -> None:
            self._unlinked.append((ticket, dossier_id, code))

        def start() -> None:
            if ticket.origin == "local":
                self._local_op(op, shown)
            else:
                self._run(op, shown, on_unreachable=unreachable)

        if self.busy or not self.is_ready:
            self._pending.append(start)
        else:
            start()

    # ------------------------------------------------------------------ running them

    def _counter(self) -> int:
        assert self.counter is not None  # noqa: S101 - callers check is_ready
        return self.counter

    def _ticket_op(
        self,
        action: str,
        fn: Callable[[QueueBackend, Ticket, int], Ticket],
        *,
        keep: bool,
    ) -> bool:
        ticket = self.ticket
        if ticket is None or not self.can(action):
            return False
        counter = self._counter()

        def op(b: QueueBackend) -> Ticket:
            return fn(b, ticket, counter)

        def shown(t: Ticket) -> None:
            self._set_ticket(t if keep else None)
            self.message.emit(self._done_text(action, t), OK)
            if t.origin == "local" and self.online:
                self.upload_walk_ins()  # a walk-in ended after the server came back

        if ticket.origin == "local":
            return self._local_op(op, shown)
        return self._run(op, shown)

    def _done_text(self, action: str, t: Ticket) -> str:
        if action == "recall":
            return self.tr("Đã gọi lại số %s (lần %d).") % (t.number, t.recalls)
        if action == "skip":
            return self.tr("Số %s vắng mặt.") % t.number
        if action == "hold":
            return self.tr("Đã tạm giữ số %s; bấm “Phục vụ lại” khi công dân quay lại.") % t.number
        if action == "transfer":
            if t.target_counter is not None:
                return self.tr("Đã chuyển số %s đến quầy %d.") % (t.number, t.target_counter)
            return self.tr("Đã chuyển số %s sang nhóm %s.") % (t.number, t.group_name)
        return self.tr("Đã hoàn thành số %s.") % t.number

    def _run(
        self,
        op: Callable[[QueueBackend], Any],
        shown: Callable[[Any], None],
        *,
        on_unreachable: Callable[[], None] | None = None,
    ) -> bool:
        backend = self._backend
        if backend is None:
            return False
        lane = Lane.WRITE if isinstance(backend, LocalQueue) else Lane.READ

        def job(_cancel: threading.Event) -> Any:
            return op(backend)

        return self._submit(job, shown, lane, on_unreachable=on_unreachable)

    def _local_op(self, op: Callable[[QueueBackend], Any], shown: Callable[[Any], None]) -> bool:
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> Any:
            return op(queue_remote.local_queue(ws))

        return self._submit(job, shown, Lane.WRITE)

    def _submit(
        self,
        job: Callable[[threading.Event], Any],
        shown: Callable[[Any], None],
        lane: Lane,
        *,
        on_unreachable: Callable[[], None] | None = None,
    ) -> bool:
        if self.busy:
            return False
        self._set_busy(True)

        def done(result: Any) -> None:
            self._set_busy(False)
            if isinstance(result, Ticket):
                self._op_rev = max(self._op_rev, result.rev)
                if self._op_offline and result.origin != "local":
                    self._set_op_offline(False, "")
            shown(result)
            self._next_pending()

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            if on_unreachable is not None and isinstance(exc, ServerUnreachable):
                on_unreachable()
            self._on_error(exc)
            self._next_pending()

        self.ctx.runner.submit(job, on_done=done, on_error=failed, lane=lane)
        return True

    def _next_pending(self) -> None:
        if self._pending and not self.busy:
            self._pending.popleft()()

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, ServerUnreachable):
            self._set_op_offline(True, str(exc))
            self.message.emit(self.tr("Không kết nối được máy chủ hàng chờ: %s") % exc, ERROR)
        elif isinstance(exc, DomainError | EnvironmentFault):
            self.message.emit(str(exc), ERROR)
        else:
            self.failed.emit(exc)

    # ------------------------------------------------------------------ the feed

    def _on_feed_updated(self, status: QueueStatus, _changed: object) -> None:
        config = self.feed.config
        if config is not None and config != self._config:
            self._config = config
            self.config_changed.emit(config)
        self._follow(status)

    def _follow(self, status: QueueStatus, *, force: bool = False) -> None:
        self.status = status
        if self.counter is not None and (force or status.rev >= self._op_rev):
            current = self.ticket
            keep_walk_in = (
                current is not None
                and current.origin == "local"
                and current.status == TicketStatus.CALLED
            )
            if not keep_walk_in:
                self._set_ticket(status.serving.get(self.counter))
        self._emit_status()

    def _emit_status(self) -> None:
        if self.status is not None:
            self.status_changed.emit(self.status)

    def _set_ticket(self, ticket: Ticket | None) -> None:
        if ticket != self.ticket:
            self.ticket = ticket
            self.ticket_changed.emit(ticket)

    # ------------------------------------------------------------------ online / offline

    def _on_feed_online_changed(self, online: bool, message: str) -> None:
        first = self._feed_online is None
        self._feed_online = online
        if online:
            self._op_offline = False  # the server answers the feed: operations will too
        self._update_online(message, back=first and online)

    def _set_op_offline(self, offline: bool, message: str) -> None:
        self._op_offline = offline
        if offline:
            self._probe_timer.start()
        else:
            self._probe_timer.stop()
        self._update_online(message)

    def _update_online(self, message: str, *, back: bool = False) -> None:
        """``back``: do the back-online work even without a change (the feed's first answer:
        walk-ins of an earlier session may wait for upload)."""
        online = self._feed_online is not False and not self._op_offline
        if online != self.online:
            self.online = online
            self.offline_message = "" if online else message
            self.online_changed.emit(online, message)
            back = online
        if back:
            self._probe_timer.stop()
            self.upload_walk_ins()
            unlinked, self._unlinked = self._unlinked, []
            for ticket, dossier_id, code in unlinked:
                self.link_dossier(ticket, dossier_id, code)

    def _probe(self) -> None:
        backend = self._backend
        if backend is None or self.busy:
            return
        since = self.status.rev if self.status is not None else 0

        def job(_cancel: threading.Event) -> bool:
            backend.changes(since, wait=0)
            return True

        def answered(_ok: bool) -> None:
            if self._feed_online is not False:
                self._set_op_offline(False, "")

        self.ctx.runner.submit(job, on_done=answered, on_error=_ignore, lane=Lane.READ)

    def upload_walk_ins(self) -> None:
        """Send the walk-ins served offline to the server (off the GUI thread)."""
        backend = self._backend
        if not isinstance(backend, queue_remote.RemoteQueue):
            return
        current = self.ticket
        if current is not None and current.origin == "local":
            return  # sent once this walk-in ends, with its service time
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> int:
            return queue_remote.upload_walk_ins(ws, backend)

        def done(n: int) -> None:
            if n:
                self.message.emit(
                    self.tr("Đã gửi %d phiếu phục vụ tại quầy lên máy chủ hàng chờ.") % n, OK
                )

        def failed(exc: BaseException) -> None:
            log.info("walk-in upload failed: %s", exc)
            if not isinstance(exc, EnvironmentFault):
                self._on_error(exc)

        self.ctx.runner.submit(job, on_done=done, on_error=failed, lane=Lane.READ)


def _ignore(_value: object) -> None:
    return None


__all__ = [
    "COUNTER_GROUPS",
    "ERROR",
    "INFO",
    "OK",
    "QueueCounter",
    "load_counter_groups",
    "save_counter_groups",
]
