"""What the ticket kiosk and the queue display share (issue #5): the screen font, the clock text,
the setup both read at start, and :class:`ScreenWindow` — a full-screen window with the office's
name and a clock in a header, an offline banner under it, and a body that follows the office's
queue through a :class:`QueueFeed`. Everything is sized from the window, so that it reads the
same on any screen.

Keys (every screen): Esc does nothing; Ctrl+Shift+Q quits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy import select

from onestop_desktop.domain.calendar import to_vn
from onestop_desktop.domain.queue import Ticket
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import QueueStatus
from onestop_desktop.services.queue_remote import is_enrolled
from onestop_desktop.store import repo
from onestop_desktop.store.models import CounterRow, OfficeRow

log = logging.getLogger(__name__)

#: Setting: where the kiosk prints ("thermal", "a6" or a folder).
KIOSK_PRINTER = "kiosk.printer"

#: Sans-serif families tried in order (Windows, then common Linux fonts).
SCREEN_FAMILIES = ["Segoe UI", "Roboto", "Noto Sans", "DejaVu Sans", "Arial"]

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

#: A function from a length at scale 1 (a 1920×1080 screen) to pixels on this screen.
Px = Callable[[float], int]


def screen_font(pixels: int, *, bold: bool = False) -> QFont:
    """The kiosk's and display's sans-serif font at a pixel size."""
    font = QFont()
    font.setFamilies(SCREEN_FAMILIES)
    font.setPixelSize(max(pixels, 6))
    font.setBold(bold)
    return font


def clock_text(at: datetime) -> tuple[str, str]:
    """("08:05", "Thứ Hai, 05/01/2026") in Vietnam time."""
    local = to_vn(at)
    return f"{local:%H:%M}", f"{_WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"


def fill_grid(grid: QGridLayout, widgets: Sequence[QWidget], columns: int) -> None:
    """Lay ``widgets`` out row by row in ``columns`` columns of ``grid`` (taking them out of it
    first); the rows and columns in use share the space, the others take none."""
    for widget in widgets:
        grid.removeWidget(widget)
    for i, widget in enumerate(widgets):
        grid.addWidget(widget, i // columns, i % columns)
    rows = (len(widgets) + columns - 1) // columns
    for r in range(grid.rowCount()):
        grid.setRowStretch(r, 1 if r < rows else 0)
    for c in range(grid.columnCount()):
        grid.setColumnStretch(c, 1 if c < columns else 0)


# --------------------------------------------------------------------------- setup


@dataclass(frozen=True, slots=True)
class ScreenSetup:
    """What the kiosk and the display read once at start: the office, the printer, the lookup
    address printed in the QR code, and the office's counters."""

    office_code: str
    office_name: str
    printer: str | None
    lookup_url: str | None
    counters: tuple[int, ...]


def read_screen_setup(ws: Workstation) -> ScreenSetup:
    """Read :class:`ScreenSetup` (short read transactions; run it off the GUI thread)."""
    enrolled = is_enrolled(ws)
    with ws.db.read() as s:
        code = repo.get_setting(s, repo.OFFICE_CODE) or ""
        office = s.get(OfficeRow, code) if code else None
        office_name = office.name if office else code
        printer = repo.get_setting(s, KIOSK_PRINTER)
        url = repo.get_setting(s, repo.SERVER_URL) if enrolled else None
        counters = tuple(
            s.scalars(
                select(CounterRow.number)
                .where(CounterRow.office_code == code)
                .order_by(CounterRow.number)
            )
        )
    return ScreenSetup(
        office_code=code,
        office_name=office_name,
        printer=(printer or "").strip() or None,
        lookup_url=url or None,
        counters=counters,
    )


# --------------------------------------------------------------------------- the window


@dataclass(frozen=True, slots=True)
class ScreenStyle:
    """How a screen's frame looks: colours, and sizes in pixels at scale 1 (a 1920×1080
    screen, or 1080×1920 when ``portrait`` and the screen stands upright)."""

    background: str
    header_css: str  # the header frame's style sheet declarations
    time_colour: str
    date_colour: str
    banner_padding: int
    header_margins: tuple[int, int]  # left/right, top/bottom
    office_px: int
    time_px: int
    date_px: int
    banner_px: int
    min_scale: float
    max_scale: float
    portrait: bool = False


class ScreenWindow(QWidget):
    """A full-screen window following the office's queue: a header (office name, clock, date),
    an offline banner, and a body a subclass builds into :attr:`root` before it calls
    :meth:`_start`. Subclasses show the queue in :meth:`_on_feed_updated`, size their body in
    :meth:`_scale_body`, add keys in :meth:`_screen_key` and stop their timers in
    :meth:`_closing`."""

    def __init__(
        self,
        ctx: AppContext,
        feed: QueueFeed,
        *,
        name: str,
        screen_style: ScreenStyle,
        setup: ScreenSetup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.feed = feed
        self.setup = setup
        self.screen_style = screen_style
        self.locked = False  # run_kiosk, run_display: only Ctrl+Shift+Q closes the window
        self.setObjectName(name)
        self.setAutoFillBackground(True)
        self.setStyleSheet(f"#{name} {{ background: {screen_style.background}; }}")
        self.root = QVBoxLayout(self)
        self.root.setContentsMargins(0, 0, 0, 0)
        self.root.setSpacing(0)
        self._build_header()
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._tick)

    def _build_header(self) -> None:
        style = self.screen_style
        self.header = QFrame()
        self.header.setObjectName("screenHeader")
        self.header.setStyleSheet(f"#screenHeader {{ {style.header_css} }}")
        head = QHBoxLayout(self.header)
        self.office_label = QLabel()
        self.office_label.setObjectName("officeLabel")
        self.office_label.setWordWrap(True)
        self.office_label.setStyleSheet("color: white;")
        self.time_label = QLabel()
        self.time_label.setObjectName("timeLabel")
        self.time_label.setStyleSheet(f"color: {style.time_colour};")
        self.date_label = QLabel()
        self.date_label.setStyleSheet(f"color: {style.date_colour};")
        for label in (self.time_label, self.date_label):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        clock = QVBoxLayout()
        clock.setSpacing(0)
        clock.addWidget(self.time_label)
        clock.addWidget(self.date_label)
        head.addWidget(self.office_label, 1)
        head.addLayout(clock)
        self.root.addWidget(self.header)

        self.offline_banner = QLabel()
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet(
            f"background: #b91c1c; color: white; padding: {style.banner_padding}px;"
        )
        self.offline_banner.setVisible(False)
        self.root.addWidget(self.offline_banner)

    def _start(self) -> None:
        """Start the clock, follow the feed and read the setup (unless given). A subclass
        calls it at the end of its ``__init__``, once its body is built."""
        self._clock_timer.start()
        self._tick()
        self.feed.updated.connect(self._on_feed_updated)
        self.feed.online_changed.connect(self._on_feed_online_changed)
        if self.setup is None:
            ws = self.ctx.ws
            self.ctx.runner.submit(
                lambda _c: read_screen_setup(ws),
                on_done=self._on_setup_read,
                on_error=self._on_setup_failed,
            )
        else:
            self._on_setup_read(self.setup)
        if self.feed.status is not None:
            self._on_feed_updated(self.feed.status, self.feed.tickets())
        self._apply_scale()

    # ------------------------------------------------------------------ size

    def _scale(self) -> float:
        style = self.screen_style
        w, h = self.width(), self.height()
        if style.portrait and h > w:  # an upright screen
            w, h = h, w
        fit = min(w / 1920, h / 1080)
        return max(style.min_scale, min(fit, style.max_scale))

    def _apply_scale(self) -> None:
        s = self._scale()

        def px(v: float) -> int:
            return round(v * s)

        style = self.screen_style
        side, top = style.header_margins
        self.header.setContentsMargins(px(side), px(top), px(side), px(top))
        self.office_label.setFont(screen_font(px(style.office_px), bold=True))
        self.time_label.setFont(screen_font(px(style.time_px), bold=True))
        self.date_label.setFont(screen_font(px(style.date_px)))
        self.offline_banner.setFont(screen_font(px(style.banner_px), bold=True))
        self._scale_body(px)

    def _scale_body(self, px: Px) -> None:
        """Size the body: ``px`` turns a length at scale 1 into pixels."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    # ------------------------------------------------------------------ feed

    def _on_setup_read(self, setup: ScreenSetup) -> None:
        self.setup = setup
        self.office_label.setText(setup.office_name)

    def _on_setup_failed(self, exc: BaseException) -> None:
        log.error("%s: setup failed: %s", self.objectName(), exc)
        self.office_label.setText(self.tr("OneStop"))

    def _on_feed_updated(self, status: QueueStatus, changed: Sequence[Ticket]) -> None:
        """Show the queue's ``status``; ``changed``: the tickets changed since the last update."""

    def _offline_text(self) -> str:
        """What the banner says while the queue cannot be reached."""
        return self.tr("Mất kết nối với máy chủ hàng chờ — đang kết nối lại…")

    def _on_feed_online_changed(self, online: bool, _message: str) -> None:
        if not online:
            self.offline_banner.setText(self._offline_text())
        self.offline_banner.setVisible(not online)

    # ------------------------------------------------------------------ keys, clock, close

    def _screen_key(self, event: QKeyEvent) -> bool:
        """Handle a key of this screen; True when it was."""
        del event
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        if key == Qt.Key.Key_Q and (event.modifiers() & ctrl_shift) == ctrl_shift:
            self.locked = False
            self.close()
            return
        if key == Qt.Key.Key_Escape:
            event.accept()  # a public screen is not closed by a passer-by
            return
        if not self._screen_key(event):
            super().keyPressEvent(event)

    def _tick(self) -> None:
        hhmm, day = clock_text(self.ctx.ws.now())
        self.time_label.setText(hhmm)
        self.date_label.setText(day)

    def _closing(self) -> None:
        """The window closes: stop what the subclass runs (the feed stops after this)."""

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locked:
            event.ignore()
            return
        self._clock_timer.stop()
        self._closing()
        self.feed.stop()
        super().closeEvent(event)


__all__ = [
    "KIOSK_PRINTER",
    "SCREEN_FAMILIES",
    "Px",
    "ScreenSetup",
    "ScreenStyle",
    "ScreenWindow",
    "clock_text",
    "fill_grid",
    "read_screen_setup",
    "screen_font",
]
