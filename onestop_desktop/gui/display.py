"""The queue display (issue #5): a full-screen TV window — the number each counter serves, the
last calls, the waiting counts, the office name and a clock — and the voice that calls citizens.

The window follows the office's queue through a :class:`QueueFeed`. For every new call and every
recall (a ticket becomes ``called`` with a new ``called_at`` or counter, or its ``recalls``
grows) it asks the announcer to say "Mời công dân có số thứ tự … đến quầy số …" and flashes the
counter's tile. Dark, high-contrast and sized from the window's height, so that it reads from
across a room on any screen.

Keys: M mutes/unmutes the voice; Esc does nothing; Ctrl+Shift+Q quits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from onestop_desktop.domain.queue import QueueConfig, Ticket, TicketStatus
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.gui.screen import (
    Px,
    ScreenSetup,
    ScreenStyle,
    ScreenWindow,
    fill_grid,
    screen_font,
)
from onestop_desktop.services.queue import QueueStatus

log = logging.getLogger(__name__)

#: How long the newest call's tile flashes (ms).
FLASH_MS = 8_000
#: At most this many calls are announced from one update (a reconnect may bring many).
MAX_ANNOUNCED_AT_ONCE = 3
#: Rows of the "Vừa gọi" list (the newest call is shown large above them).
RECENT_ROWS = 6

BACKGROUND = "#07101f"
PANEL = QColor("#101c33")
PANEL_BORDER = QColor("#22365a")
AMBER = QColor("#ffc83d")
WHITE = QColor("#ffffff")
MUTED = QColor("#93a4c3")
DIM = QColor("#4b5d80")
INK = QColor("#0b1220")


class AnnouncerLike(Protocol):
    """What the display needs of the voice (``gui.announcer.Announcer``)."""

    def announce(self, number: str, counter: int) -> None:
        """Chime and say the call."""

    def set_muted(self, muted: bool) -> None:
        """Silence (or not) later announcements."""


# --------------------------------------------------------------------------- call tracking


@dataclass
class CallTracker:
    """Decides which ticket changes are calls to announce (pure; no Qt).

    The first update (every ticket of the day) only primes it: starting the display does not
    repeat the morning's calls. Later, a ticket is announced when it is ``called`` with a
    (called_at, counter, recalls) it has not been announced with. Walk-ins served offline
    (origin ``local``) are not announced: the citizen is already at the counter.
    """

    seen: dict[str, tuple[datetime | None, int | None, int]] = field(default_factory=dict)
    primed: bool = False

    def calls(self, changed: Iterable[Ticket]) -> list[Ticket]:
        """The calls among ``changed`` to announce, oldest first."""
        new: list[Ticket] = []
        for t in changed:
            key = (t.called_at, t.counter, t.recalls)
            before = self.seen.get(t.id)
            self.seen[t.id] = key
            if (
                self.primed
                and t.status == TicketStatus.CALLED
                and t.called_at is not None
                and t.counter is not None
                and t.origin != "local"
                and key != before
            ):
                new.append(t)
        self.primed = True
        return new


# --------------------------------------------------------------------------- painted parts


def _fit_font_size(text: str, start: int, width: float, *, bold: bool = True) -> int:
    size = start
    while size > 8 and QFontMetrics(screen_font(size, bold=bold)).horizontalAdvance(text) > width:
        size -= max(1, size // 20)
    return size


class CounterTile(QWidget):
    """One counter: "QUẦY 3" and the number it serves, very large; flashes when it calls."""

    def __init__(self, counter: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.number = ""
        self.group_name = ""
        self.priority = False
        self.newest = False
        self._flash_on = False
        self._flash_left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(450)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.setObjectName(f"counterTile_{counter}")
        self.setMinimumSize(160, 110)

    def set_ticket(self, ticket: Ticket | None) -> None:
        """Show the ticket the counter serves (None: nobody)."""
        number = ticket.number if ticket else ""
        group = ticket.group_name if ticket else ""
        prio = bool(ticket and ticket.priority)
        if (number, group, prio) != (self.number, self.group_name, self.priority):
            self.number, self.group_name, self.priority = number, group, prio
            self.setAccessibleName(f"Quầy {self.counter}: {number or '—'}")
            self.update()

    def flash(self, duration_ms: int) -> None:
        """Blink for ``duration_ms`` (a new call or a recall)."""
        self._flash_left = max(1, duration_ms // self._timer.interval())
        self._flash_on = True
        self._timer.start()
        self.update()

    @property
    def flashing(self) -> bool:
        """True while the tile blinks."""
        return self._timer.isActive()

    def stop_flash(self) -> None:
        """Stop blinking."""
        self._timer.stop()
        self._flash_on = False
        self.update()

    def _on_timer_timeout(self) -> None:
        self._flash_left -= 1
        if self._flash_left <= 0:
            self.stop_flash()
            return
        self._flash_on = not self._flash_on
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(380, 260)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        h, w = r.height(), r.width()
        radius = min(h, w) * 0.07
        lit = self._flash_on
        p.setPen(QPen(AMBER if (self.newest or lit) else PANEL_BORDER, max(2.0, h * 0.018)))
        p.setBrush(AMBER if lit else PANEL)
        p.drawRoundedRect(r, radius, radius)
        # Header strip: QUẦY n.
        strip = QRectF(r.left(), r.top(), w, h * 0.27)
        if not lit:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#17294a"))
            p.drawRoundedRect(strip, radius, radius)
            p.drawRect(strip.adjusted(0, radius, 0, 0))
        label = self.tr("QUẦY %d") % self.counter
        p.setPen(INK if lit else MUTED)
        p.setFont(screen_font(_fit_font_size(label, round(h * 0.15), w * 0.9), bold=True))
        p.drawText(strip, Qt.AlignmentFlag.AlignCenter, label)
        # The number.
        body = QRectF(r.left(), strip.bottom(), w, h * 0.56)
        text = self.number or "—"
        size = _fit_font_size(text, round(body.height() * 0.86), w * 0.88)
        p.setFont(screen_font(size, bold=True))
        p.setPen(INK if lit else (WHITE if self.number else DIM))
        p.drawText(body, Qt.AlignmentFlag.AlignCenter, text)
        # Group (and priority) under it.
        foot = QRectF(r.left() + w * 0.05, body.bottom(), w * 0.9, h * 0.16)
        if self.number:
            caption = self.group_name + (self.tr(" · Ưu tiên") if self.priority else "")
            p.setFont(
                screen_font(_fit_font_size(caption, round(h * 0.095), foot.width(), bold=False))
            )
            p.setPen(INK if lit else MUTED)
            p.drawText(foot, Qt.AlignmentFlag.AlignCenter, caption)
        p.end()


@dataclass(frozen=True, slots=True)
class CallRow:
    """A line of the "Vừa gọi" list."""

    number: str
    counter: int
    priority: bool = False


class RecentCalls(QWidget):
    """The newest call, large and highlighted, over the previous few."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CallRow] = []
        self.highlight = False
        self.setObjectName("recentCalls")
        self.setMinimumSize(300, 300)

    def set_rows(self, rows: Sequence[CallRow]) -> None:
        """Newest first."""
        if list(rows) != self.rows:
            self.rows = list(rows)
            self.update()

    def set_highlight(self, on: bool) -> None:
        """Light the newest call up (it has just been called)."""
        if on != self.highlight:
            self.highlight = on
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        w, h = r.width(), r.height()
        radius = min(w, h) * 0.04
        p.setPen(QPen(PANEL_BORDER, 2))
        p.setBrush(PANEL)
        p.drawRoundedRect(r, radius, radius)
        if not self.rows:
            p.setPen(DIM)
            p.setFont(screen_font(round(h * 0.045)))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, self.tr("Chưa có lượt gọi nào hôm nay"))
            p.end()
            return
        pad = w * 0.05
        # The newest call.
        first = self.rows[0]
        top = QRectF(r.left() + pad, r.top() + pad, w - 2 * pad, h * 0.3)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(AMBER if self.highlight else QColor("#1b2f55"))
        p.drawRoundedRect(top, radius, radius)
        ink = INK if self.highlight else WHITE
        number_rect = QRectF(top.left(), top.top(), top.width() * 0.55, top.height())
        counter_rect = QRectF(number_rect.right(), top.top(), top.width() * 0.45, top.height())
        p.setPen(ink)
        size = _fit_font_size(first.number, round(top.height() * 0.62), number_rect.width() * 0.9)
        p.setFont(screen_font(size, bold=True))
        p.drawText(number_rect, Qt.AlignmentFlag.AlignCenter, first.number)
        arrow = self.tr("→ Quầy %d") % first.counter
        size = _fit_font_size(arrow, round(top.height() * 0.34), counter_rect.width() * 0.92)
        p.setFont(screen_font(size, bold=True))
        p.drawText(counter_rect, Qt.AlignmentFlag.AlignCenter, arrow)
        # The previous calls.
        rest = self.rows[1 : 1 + RECENT_ROWS]
        area_top = top.bottom() + pad * 0.6
        row_h = (r.bottom() - pad * 0.6 - area_top) / RECENT_ROWS
        for i, row in enumerate(rest):
            y = area_top + i * row_h
            line = QRectF(top.left() + pad * 0.4, y, top.width() - pad * 0.8, row_h)
            if i:
                p.setPen(QPen(PANEL_BORDER, 1.5))
                p.drawLine(line.topLeft(), line.topRight())
            p.setPen(WHITE)
            p.setFont(screen_font(round(row_h * 0.56), bold=True))
            p.drawText(
                line, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), row.number
            )
            p.setPen(MUTED)
            p.setFont(screen_font(round(row_h * 0.46)))
            p.drawText(
                line,
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                self.tr("Quầy %d") % row.counter,
            )
        p.end()


class WaitingBar(QWidget):
    """Waiting citizens per service group, as tiles along the bottom of the screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: list[tuple[str, int]] = []
        self.priority = 0
        self.side_margin = 36
        self.setObjectName("waitingBar")
        self.setMinimumHeight(60)

    def set_counts(self, counts: Sequence[tuple[str, int]], priority: int) -> None:
        """(group name, waiting) in the configuration's order, and the priority tickets."""
        if list(counts) != self.counts or priority != self.priority:
            self.counts = list(counts)
            self.priority = priority
            self.update()

    @property
    def total(self) -> int:
        """Everyone waiting."""
        return sum(n for _name, n in self.counts)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        m = self.side_margin
        r = QRectF(self.rect()).adjusted(m, 0, -m, 0)
        h = r.height()
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        gap = h * 0.12
        label_w = h * 1.05
        total_w = h * 1.5
        p.setPen(AMBER)
        p.setFont(screen_font(round(h * 0.2), bold=True))
        p.drawText(
            QRectF(r.left(), r.top(), label_w, h),
            int(left | Qt.TextFlag.TextWordWrap),
            self.tr("ĐANG\nCHỜ"),
        )
        n = max(len(self.counts), 1)
        area = QRectF(r.left() + label_w, r.top(), r.width() - label_w - total_w - gap, h)
        chip_w = (area.width() - gap * (n - 1)) / n
        ch = h * 0.88
        num_font = screen_font(round(ch * 0.56), bold=True)
        num_w = max(
            (QFontMetrics(num_font).horizontalAdvance(str(n)) for _name, n in self.counts),
            default=ch * 0.4,
        )
        num_w = max(num_w, QFontMetrics(num_font).horizontalAdvance("0"))
        name_box = QRectF(0, 0, chip_w - num_w - ch * 0.42, ch * 0.84)
        wrap = int(left | Qt.TextFlag.TextWordWrap)
        name_size = round(ch * 0.23)
        while name_size > round(ch * 0.12) and any(
            QFontMetrics(screen_font(name_size, bold=True))
            .boundingRect(name_box.toRect(), wrap, name)
            .height()
            > name_box.height()
            or max(
                QFontMetrics(screen_font(name_size, bold=True)).horizontalAdvance(word)
                for word in name.split()
            )
            > name_box.width()
            for name, _n in self.counts
        ):
            name_size -= 1
        for i, (name, count) in enumerate(self.counts):
            chip = QRectF(area.left() + i * (chip_w + gap), r.top() + h * 0.06, chip_w, ch)
            p.setPen(QPen(PANEL_BORDER, 2))
            p.setBrush(PANEL)
            p.drawRoundedRect(chip, ch * 0.14, ch * 0.14)
            num_rect = QRectF(chip.left() + ch * 0.16, chip.top(), num_w, ch)
            name_rect = QRectF(
                num_rect.right() + ch * 0.14,
                chip.top() + (ch - name_box.height()) / 2,
                name_box.width(),
                name_box.height(),
            )
            p.setPen(WHITE if count else DIM)
            p.setFont(num_font)
            p.drawText(num_rect, int(Qt.AlignmentFlag.AlignCenter), str(count))
            p.setPen(QColor("#c3cee3"))
            p.setFont(screen_font(name_size, bold=True))
            p.drawText(name_rect, wrap, name)
        total_rect = QRectF(r.right() - total_w, r.top() + h * 0.06, total_w, h * 0.88)
        top = QRectF(total_rect.left(), total_rect.top(), total_w, total_rect.height() * 0.38)
        bottom = QRectF(total_rect.left(), top.bottom(), total_w, total_rect.height() * 0.62)
        caption = self.tr("Tổng · ưu tiên %d") % self.priority if self.priority else self.tr("Tổng")
        p.setPen(MUTED)
        p.setFont(screen_font(_fit_font_size(caption, round(h * 0.22), total_w)))
        p.drawText(top, int(right), caption)
        p.setPen(AMBER)
        p.setFont(screen_font(round(h * 0.44), bold=True))
        p.drawText(bottom, int(right), str(self.total))
        p.end()


def tile_columns(count: int) -> int:
    """Columns of the counter grid."""
    if count <= 3:
        return max(count, 1)
    if count <= 4:
        return 2
    if count <= 9:
        return 3
    if count <= 16:
        return 4
    return 5


# --------------------------------------------------------------------------- the window


#: The display's frame: dark, with an amber clock, sized for a landscape TV.
DISPLAY_STYLE = ScreenStyle(
    background=BACKGROUND,
    header_css="background: #0e1b33; border-bottom: 4px solid #ffc83d;",
    time_colour="#ffc83d",
    date_colour="#93a4c3",
    banner_padding=8,
    header_margins=(40, 12),
    office_px=44,
    time_px=58,
    date_px=24,
    banner_px=30,
    min_scale=0.4,
    max_scale=2.5,
)


class DisplayWindow(ScreenWindow):
    """The full-screen queue display for a TV."""

    def __init__(
        self,
        ctx: AppContext,
        feed: QueueFeed,
        *,
        announcer: AnnouncerLike | None = None,
        setup: ScreenSetup | None = None,
        flash_ms: int = FLASH_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            ctx, feed, name="displayWindow", screen_style=DISPLAY_STYLE, setup=setup, parent=parent
        )
        self.announcer = announcer
        self.flash_ms = flash_ms
        self.muted = False
        self.tracker = CallTracker()
        self.tiles: dict[int, CounterTile] = {}
        self._status: QueueStatus | None = None
        self._last_call: Ticket | None = None  # the latest call announced (or recall)
        self.setWindowTitle(self.tr("OneStop — Màn hình gọi số"))
        self._build_body()
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.timeout.connect(lambda: self.recent.set_highlight(False))
        self._start()

    def _build_body(self) -> None:
        self.body = QHBoxLayout()
        left = QVBoxLayout()
        self.serving_title = QLabel(self.tr("SỐ ĐANG PHỤC VỤ"))
        self.serving_title.setStyleSheet("color: #ffc83d;")
        self.tiles_host = QWidget()
        self.tiles_grid = QGridLayout(self.tiles_host)
        self.tiles_grid.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel(self.tr("Chưa có quầy nào gọi số"))
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #4b5d80;")
        self.tiles_grid.addWidget(self.empty_label, 0, 0)
        left.addWidget(self.serving_title)
        left.addWidget(self.tiles_host, 1)
        right = QVBoxLayout()
        self.recent_title = QLabel(self.tr("VỪA GỌI"))
        self.recent_title.setStyleSheet("color: #ffc83d;")
        self.recent = RecentCalls()
        right.addWidget(self.recent_title)
        right.addWidget(self.recent, 1)
        self.body.addLayout(left, 64)
        self.body.addLayout(right, 36)
        self.root.addLayout(self.body, 1)
        self.waiting_bar = WaitingBar()
        self.root.addWidget(self.waiting_bar)

    def _scale_body(self, px: Px) -> None:
        self.body.setContentsMargins(px(36), px(20), px(36), px(10))
        self.body.setSpacing(px(32))
        self.serving_title.setFont(screen_font(px(36), bold=True))
        self.recent_title.setFont(screen_font(px(36), bold=True))
        self.empty_label.setFont(screen_font(px(40)))
        self.tiles_grid.setSpacing(px(20))
        self.waiting_bar.setFixedHeight(px(140))
        self.waiting_bar.side_margin = px(36)
        self.waiting_bar.update()
        for title in (self.serving_title, self.recent_title):
            title.setContentsMargins(0, px(10), 0, px(4))

    # ------------------------------------------------------------------ feed

    def _on_setup_read(self, setup: ScreenSetup) -> None:
        super()._on_setup_read(setup)
        if self._status is not None:
            self._show_status(self._status)

    def _on_feed_updated(self, status: QueueStatus, changed: Sequence[Ticket]) -> None:
        self._status = status
        calls = sorted(
            self.tracker.calls(changed), key=lambda t: (t.called_at or t.issued_at, t.rev)
        )
        if calls:
            self._last_call = calls[-1]
        self._show_status(status)
        if not calls:
            return
        for t in calls[-MAX_ANNOUNCED_AT_ONCE:]:
            assert t.counter is not None  # noqa: S101 - CallTracker only returns these
            log.info("call %s → counter %d (recall %d)", t.number, t.counter, t.recalls)
            if self.announcer is not None:
                self.announcer.announce(t.number, t.counter)
        newest = calls[-1]
        for tile in self.tiles.values():
            tile.newest = tile.counter == newest.counter
            if tile.newest:
                tile.flash(self.flash_ms)
            else:
                tile.stop_flash()
        self.recent.set_highlight(True)
        self._highlight_timer.start(self.flash_ms)

    def _counters(self, status: QueueStatus) -> list[int]:
        found: set[int] = set(status.serving)
        if self.setup is not None:
            found.update(self.setup.counters)
        config = self.feed.config
        if config is not None:
            found.update(config.counters)
        found.update(t.counter for t in status.recent_calls if t.counter is not None)
        found.update(t.counter for t in status.held if t.counter is not None)
        found.update(t.counter for t in self.feed.tickets() if t.counter is not None)
        return sorted(found)

    def _show_status(self, status: QueueStatus) -> None:
        counters = self._counters(status)
        if counters != sorted(self.tiles):
            self._rebuild_tiles(counters)
        for counter, tile in self.tiles.items():
            tile.set_ticket(status.serving.get(counter))
        # The latest announcement leads the list even when it was a recall of an older call.
        calls = [t for t in status.recent_calls if t.counter is not None]
        last = self._last_call
        if last is not None and last.counter is not None:
            calls = [last, *(t for t in calls if t.id != last.id)]
        self.recent.set_rows([CallRow(t.number, t.counter or 0, t.priority) for t in calls])
        config = self.feed.config or QueueConfig()
        self.waiting_bar.set_counts(
            _waiting_counts(config, status.waiting), status.waiting_priority
        )

    def _rebuild_tiles(self, counters: Sequence[int]) -> None:
        old = self.tiles
        self.tiles = {c: old.pop(c) if c in old else CounterTile(c) for c in counters}
        for tile in old.values():
            self.tiles_grid.removeWidget(tile)
            tile.deleteLater()
        self.empty_label.setVisible(not counters)
        fill_grid(self.tiles_grid, list(self.tiles.values()), tile_columns(len(counters)))

    # ------------------------------------------------------------------ keys, close

    def set_muted(self, muted: bool) -> None:
        """Silence the voice (the screen still updates)."""
        self.muted = muted
        if self.announcer is not None:
            self.announcer.set_muted(muted)

    def _screen_key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_M and not event.modifiers():
            self.set_muted(not self.muted)
            return True
        return False

    def _closing(self) -> None:
        self._highlight_timer.stop()
        for tile in self.tiles.values():
            tile.stop_flash()


def _waiting_counts(config: QueueConfig, waiting: Mapping[str, int]) -> list[tuple[str, int]]:
    names = {g.code: g.name for g in config.groups}
    order = [g.code for g in config.groups] + sorted(set(waiting) - set(names))
    return [(names.get(code, code), int(waiting.get(code, 0))) for code in order]


__all__ = [
    "AnnouncerLike",
    "CallTracker",
    "CounterTile",
    "DisplayWindow",
    "RecentCalls",
    "WaitingBar",
    "tile_columns",
]
