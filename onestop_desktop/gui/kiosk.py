"""The ticket kiosk (issue #5): a full-screen, touch-friendly window where a citizen picks a
service group and gets a printed queue ticket.

The window follows the office's queue through a :class:`QueueFeed` (groups, waiting counts,
online state). Pressing a group issues a ticket on the WRITE lane (the local database or the
office server), shows a large confirmation for a few seconds and prints the ticket on the READ
lane: ``kiosk.printer`` = ``thermal`` (the 80 mm receipt image on the system's default printer),
``a6`` (the A6 PDF on the default printer) or a folder (``<number>.png`` and ``<number>.pdf``
saved there). Nothing here waits on the database, the network or a printer on the GUI thread.

Keys: 1–9 press the n-th group (numeric keypads, tests); Esc does nothing; Ctrl+Shift+Q quits.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRect, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.queue import QueueConfig, ServiceGroup, Ticket
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.gui.screen import (
    KIOSK_PRINTER,
    Px,
    ScreenSetup,
    ScreenStyle,
    ScreenWindow,
    fill_grid,
    screen_font,
)
from onestop_desktop.gui.tasks import Lane
from onestop_desktop.printing.ticket import (
    THERMAL_DPI,
    qr_payload_for,
    ticket_pdf_a6,
    ticket_png,
)
from onestop_desktop.services.queue import QueueBackend, QueueStatus

log = logging.getLogger(__name__)

#: How long the confirmation stays (ms); longer when the ticket could not be printed.
CONFIRM_MS = 6_000
CONFIRM_UNPRINTED_MS = 12_000
#: A second press within this many seconds of the first is ignored (one ticket).
DEBOUNCE_S = 1.0

#: Button colours, one per group in order: dark enough for white text (contrast ≥ 4.5:1).
GROUP_COLOURS = (
    "#1456b8",
    "#1b7a3a",
    "#b0275b",
    "#6a2ea0",
    "#c2410c",
    "#0e7490",
    "#5b4636",
    "#3f4b5b",
)

# --------------------------------------------------------------------------- printing


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    """How printing a ticket went: ``ok``; a message for the citizen; a detail for staff."""

    ok: bool
    message: str
    detail: str = ""
    files: tuple[Path, ...] = ()


NOT_PRINTED = "Không in được phiếu. Vui lòng ghi nhớ số thứ tự của bạn."


class PrinterUnavailable(Exception):
    """No printer to print on (the detail says why)."""


def print_ticket(
    ticket: Ticket, *, office_name: str, lookup_url: str | None, target: str | None
) -> PrintOutcome:
    """Print ``ticket`` where ``target`` says ("thermal", "a6" or a folder). Runs on a worker
    thread (QPainter on a QPrinter is thread-safe); never raises for an absent printer."""
    payload = qr_payload_for(ticket, lookup_url)
    kind = (target or "").strip()
    try:
        if not kind:
            raise PrinterUnavailable(f"Chưa cấu hình máy in phiếu (thiết lập '{KIOSK_PRINTER}').")
        if kind.lower() == "thermal":
            png = ticket_png(ticket, office_name=office_name, qr_payload=payload)
            _print_thermal(png, doc_name=f"Phiếu {ticket.number}")
            return PrintOutcome(True, "Mời nhận phiếu bên dưới.")
        if kind.lower() == "a6":
            pdf = ticket_pdf_a6(ticket, office_name=office_name, qr_payload=payload)
            _print_a6(pdf, doc_name=f"Phiếu {ticket.number}")
            return PrintOutcome(True, "Mời nhận phiếu bên dưới.")
        folder = Path(kind).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            png_path = folder / f"{ticket.number}.png"
            pdf_path = folder / f"{ticket.number}.pdf"
            png_path.write_bytes(ticket_png(ticket, office_name=office_name, qr_payload=payload))
            pdf_path.write_bytes(ticket_pdf_a6(ticket, office_name=office_name, qr_payload=payload))
        except OSError as exc:
            raise PrinterUnavailable(f"Không lưu được phiếu vào thư mục {folder}: {exc}") from exc
        return PrintOutcome(
            True,
            "Đã ghi nhận số của bạn, mời chờ gọi số trên màn hình.",
            str(folder),
            (png_path, pdf_path),
        )
    except PrinterUnavailable as exc:
        log.warning("ticket %s not printed: %s", ticket.number, exc)
        return PrintOutcome(False, NOT_PRINTED, str(exc))


def _default_printer(doc_name: str) -> QPrinter:
    info = QPrinterInfo.defaultPrinter()
    if info.isNull():
        raise PrinterUnavailable("Máy tính chưa có máy in mặc định.")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    if not printer.isValid():
        raise PrinterUnavailable(f"Máy in '{info.printerName()}' không sẵn sàng.")
    printer.setDocName(doc_name)
    printer.setFullPage(True)
    return printer


def _print_thermal(png: bytes, *, doc_name: str) -> None:
    paint_thermal(png, _default_printer(doc_name))


def _print_a6(pdf: bytes, *, doc_name: str) -> None:
    paint_a6(pdf, _default_printer(doc_name))


def paint_thermal(png: bytes, printer: QPrinter) -> None:
    """Print the 80 mm receipt image on ``printer``: an 80 mm wide page as long as the
    receipt, the image scaled to the printer's resolution (dots at 203 dpi keep their size)."""
    image = QImage.fromData(png)
    height_mm = image.height() / THERMAL_DPI * 25.4
    printer.setPageSize(
        QPageSize(
            QSizeF(80.0, height_mm),
            QPageSize.Unit.Millimeter,
            "Phiếu 80 mm",
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    )
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(f"Không mở được máy in '{printer.printerName()}'.")
    try:
        dpi = printer.resolution()
        w = image.width() * dpi / THERMAL_DPI
        h = image.height() * dpi / THERMAL_DPI
        page = printer.pageRect(QPrinter.Unit.DevicePixel)
        x = max(0.0, (page.width() - w) / 2)
        painter.drawImage(QRectF(x, 0, w, h), image)
    finally:
        painter.end()


def paint_a6(pdf: bytes, printer: QPrinter) -> None:
    """Print the A6 PDF on ``printer``: its page rendered at the printer's resolution."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A6))
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    with tempfile.TemporaryDirectory(prefix="onestop-ticket-") as tmp:
        path = Path(tmp) / "ticket.pdf"
        path.write_bytes(pdf)
        doc = QPdfDocument()
        if doc.load(str(path)) != QPdfDocument.Error.None_:
            raise PrinterUnavailable("Không đọc được phiếu A6.")
        dpi = printer.resolution()
        points = doc.pagePointSize(0)
        size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
        image = doc.render(0, size)
        doc.close()
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(f"Không mở được máy in '{printer.printerName()}'.")
    try:
        painter.drawImage(QRect(0, 0, size.width(), size.height()), image)
    finally:
        painter.end()


# --------------------------------------------------------------------------- widgets


class GroupButton(QAbstractButton):
    """A big touch button for one service group: its prefix in a badge, its name, and how many
    people wait."""

    def __init__(self, group: ServiceGroup, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_group = group
        self.waiting: int | None = None
        self.peer_names: tuple[str, ...] = ()  # every button's name: one type size for all
        self._colour = QColor(colour)
        self.setText(group.name)
        self.setObjectName(f"groupButton_{group.code}")
        self.setAccessibleName(f"{group.name} ({group.prefix})")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(240, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_waiting(self, waiting: int | None) -> None:
        """Show how many people wait in this group."""
        if waiting != self.waiting:
            self.waiting = waiting
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(440, 210)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        base = self._colour.darker(125) if self.isDown() else self._colour
        if self.isDown():
            r = r.adjusted(3, 3, -3, -3)
        else:  # a soft shadow lifts the button off the page
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(0, 0, 0, 40))
            p.drawRoundedRect(r.translated(0, 5), 26, 26)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(base)
        p.drawRoundedRect(r, 26, 26)
        h, w = r.height(), r.width()
        name = self.service_group.name
        waiting = "" if self.waiting is None else self.tr("Đang chờ: %d người") % self.waiting
        p.setBrush(QColor(255, 255, 255, 240))
        if w >= 1.5 * h:  # landscape button: badge left, name and waiting count right
            badge_d = min(h * 0.5, w * 0.24)
            badge = QRectF(r.left() + h * 0.16, r.center().y() - badge_d / 2, badge_d, badge_d)
            left = badge.right() + h * 0.14
            name_rect = QRectF(left, r.top() + h * 0.1, r.right() - left - h * 0.12, h * 0.58)
            line = QRectF(left, r.top() + h * 0.68, name_rect.width(), h * 0.2)
            align = Qt.AlignmentFlag.AlignLeft
            largest = min(h * 0.24, 56)
            small = min(h * 0.13, 30)
        else:  # tall button (portrait screens): badge on top, everything centred
            u = min(h, w * 0.9)
            badge_d = u * 0.36
            badge = QRectF(r.center().x() - badge_d / 2, r.top() + h * 0.12, badge_d, badge_d)
            name_rect = QRectF(r.left() + w * 0.06, badge.bottom() + h * 0.04, w * 0.88, h * 0.36)
            line = QRectF(r.left(), name_rect.bottom(), w, h * 0.14)
            align = Qt.AlignmentFlag.AlignHCenter
            largest = min(u * 0.2, 64)
            small = min(u * 0.1, 32)
        p.drawEllipse(badge)
        p.setPen(base)
        p.setFont(screen_font(round(badge_d * 0.56), bold=True))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, self.service_group.prefix)
        size, flags = _fit_name(name, name_rect, round(largest), self.peer_names, align)
        p.setPen(QColor("white"))
        p.setFont(screen_font(size, bold=True))
        p.drawText(name_rect, flags, name)
        if waiting:
            p.setFont(screen_font(round(small)))
            p.setPen(QColor(255, 255, 255, 215))
            p.drawText(line, int(align | Qt.AlignmentFlag.AlignVCenter), waiting)
        p.end()


def _fit_name(
    name: str,
    rect: QRectF,
    largest: int,
    peers: Sequence[str] = (),
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
) -> tuple[int, int]:
    """The font size and flags to draw a group's name: one line when every name of ``peers``
    fits on one line at a size close to ``largest``, else word-wrapped; every button shares
    the size (the largest at which all names fit their box, no word cut)."""
    one_line = int(align | Qt.AlignmentFlag.AlignVCenter)
    wrap = one_line | int(Qt.TextFlag.TextWordWrap)
    names = (name, *peers)

    def fits_one_line(size: int) -> bool:
        fm = QFontMetrics(screen_font(size, bold=True))
        return max(fm.horizontalAdvance(n) for n in names) <= rect.width()

    def fits_wrapped(size: int) -> bool:
        fm = QFontMetrics(screen_font(size, bold=True))
        for n in names:
            if max(fm.horizontalAdvance(word) for word in n.split() or [n]) > rect.width():
                return False
            if fm.boundingRect(rect.toRect(), wrap, n).height() > rect.height():
                return False
        return True

    single = largest
    while single > 12 and not fits_one_line(single):
        single -= 1
    if single >= largest * 0.8:
        return single, one_line
    size = largest
    while size > 12 and not fits_wrapped(size):
        size -= 1
    return (single, one_line) if single >= size else (size, wrap)


class PriorityToggle(QAbstractButton):
    """The checkable priority button (elderly, disabled, pregnant)."""

    ORANGE = QColor("#d9480f")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setObjectName("priorityToggle")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setText(self.tr("Ưu tiên: người cao tuổi, người khuyết tật, phụ nữ mang thai"))
        self.setMinimumHeight(96)

    def sizeHint(self) -> QSize:
        return QSize(900, 120)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        on = self.isChecked()
        p.setPen(QPen(self.ORANGE, 4))
        p.setBrush(self.ORANGE if on else QColor("#fff7ed"))
        p.drawRoundedRect(r, 22, 22)
        h = r.height()
        box_d = h * 0.46
        box = QRectF(r.left() + h * 0.3, r.center().y() - box_d / 2, box_d, box_d)
        p.setPen(QPen(QColor("white") if on else self.ORANGE, 4))
        p.setBrush(QColor("white"))
        p.drawRoundedRect(box, 8, 8)
        if on:
            pen = QPen(self.ORANGE, max(4.0, box_d * 0.14))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            x, y, d = box.left(), box.top(), box_d
            p.drawPolyline(
                [
                    QPointF(x + d * 0.22, y + d * 0.52),
                    QPointF(x + d * 0.43, y + d * 0.74),
                    QPointF(x + d * 0.8, y + d * 0.28),
                ]
            )
        left = box.right() + h * 0.25
        text_rect = QRectF(left, r.top(), r.right() - left - h * 0.2, h)
        p.setPen(QColor("white") if on else QColor("#7c2d12"))
        main = self.text()
        size = round(min(h * 0.3, 40))
        while size > 14 and QFontMetrics(screen_font(size, bold=True)).horizontalAdvance(main) > (
            text_rect.width()
        ):
            size -= 1
        p.setFont(screen_font(size, bold=True))
        sub = (
            self.tr("Đã chọn ưu tiên — mời chọn dịch vụ để lấy số ưu tiên")
            if on
            else self.tr("Chạm vào đây trước nếu bạn thuộc diện ưu tiên")
        )
        top = QRectF(text_rect.left(), r.top() + h * 0.1, text_rect.width(), h * 0.5)
        bottom = QRectF(text_rect.left(), r.top() + h * 0.58, text_rect.width(), h * 0.32)
        p.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), main)
        p.setFont(screen_font(round(size * 0.72)))
        p.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), sub)
        p.end()


def grid_columns(count: int, *, portrait: bool) -> int:
    """Columns of the group grid: 4–8 groups fill a landscape screen in 2–4 columns."""
    if portrait:
        return 1 if count <= 3 else 2
    if count <= 4:
        return 2
    if count <= 6:
        return 3
    return 4


# --------------------------------------------------------------------------- the window

#: The kiosk's frame: light, sized for a landscape or an upright touch screen.
KIOSK_STYLE = ScreenStyle(
    background="#eef2f7",
    header_css="background: #0b3a75;",
    time_colour="white",
    date_colour="#c9d8f0",
    banner_padding=10,
    header_margins=(36, 14),
    office_px=38,
    time_px=46,
    date_px=22,
    banner_px=28,
    min_scale=0.45,
    max_scale=2.0,
    portrait=True,
)


class KioskWindow(ScreenWindow):
    """The full-screen ticket kiosk. ``ticket_issued(Ticket)`` after each ticket,
    ``ticket_printed(Ticket, PrintOutcome)`` once its print job ended."""

    ticket_issued = Signal(object)
    ticket_printed = Signal(object, object)

    def __init__(
        self,
        ctx: AppContext,
        feed: QueueFeed,
        *,
        backend_factory: Callable[[], QueueBackend],
        printer: str | None = None,
        setup: ScreenSetup | None = None,
        confirm_ms: int = CONFIRM_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            ctx, feed, name="kioskWindow", screen_style=KIOSK_STYLE, setup=setup, parent=parent
        )
        self._factory = backend_factory
        self._backend: QueueBackend | None = None  # used on the WRITE lane only
        self._printer_override = printer
        self.confirm_ms = confirm_ms
        self._issuing = False
        self._last_press = float("-inf")
        self._buttons: list[GroupButton] = []
        self._config: QueueConfig | None = None
        self._shown_ticket: Ticket | None = None
        self.setWindowTitle(self.tr("OneStop — Lấy số thứ tự"))
        self.stack = QStackedWidget()
        self.root.addWidget(self.stack, 1)
        self._build_choose_page()
        self._build_confirm_page()
        self._return_timer = QTimer(self)
        self._return_timer.setSingleShot(True)
        self._return_timer.timeout.connect(self.show_choices)
        self._start()

    # ------------------------------------------------------------------ layout

    def _build_choose_page(self) -> None:
        self.choose_page = QWidget()
        choose = QVBoxLayout(self.choose_page)
        self._choose_layout = choose
        self.title_label = QLabel(self.tr("Mời chọn dịch vụ"))
        self.title_label.setObjectName("titleLabel")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setStyleSheet("color: #0b3a75;")
        self.hint_label = QLabel(self.tr("Chạm vào lĩnh vực cần giải quyết để lấy số thứ tự"))
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setStyleSheet("color: #475569;")
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.loading_label = QLabel(self.tr("Đang tải danh sách dịch vụ…"))
        self.loading_label.setObjectName("loadingLabel")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading_label.setWordWrap(True)
        self.loading_label.setStyleSheet("color: #475569;")
        self.grid.addWidget(self.loading_label, 0, 0)
        self.priority_toggle = PriorityToggle()
        self.priority_toggle.setVisible(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setStyleSheet("color: #b91c1c;")
        self.error_label.setVisible(False)
        choose.addWidget(self.title_label)
        choose.addWidget(self.hint_label)
        choose.addWidget(self.grid_host, 1)
        choose.addWidget(self.error_label)
        choose.addWidget(self.priority_toggle)
        self.stack.addWidget(self.choose_page)

    def _build_confirm_page(self) -> None:
        self.confirm_page = QWidget()
        outer = QVBoxLayout(self.confirm_page)
        self.card = QFrame()
        self.card.setObjectName("confirmCard")
        self.card.setStyleSheet(
            "#confirmCard { background: white; border-radius: 28px; border: 1px solid #d5dde8; }"
        )
        card = QVBoxLayout(self.card)
        card.setSpacing(6)
        self.your_number_label = QLabel(self.tr("Số của bạn"))
        self.number_label = QLabel()
        self.number_label.setObjectName("numberLabel")
        self.number_label.setStyleSheet("color: #0b3a75;")
        self.group_label = QLabel()
        self.group_label.setObjectName("groupLabel")
        self.group_label.setWordWrap(True)
        self.priority_badge = QLabel(self.tr("ƯU TIÊN"))
        self.priority_badge.setObjectName("priorityBadge")
        self.priority_badge.setStyleSheet(
            "background: #d9480f; color: white; border-radius: 12px; padding: 6px 28px;"
        )
        self.ahead_label = QLabel()
        self.ahead_label.setObjectName("aheadLabel")
        self.wait_label = QLabel()
        self.wait_label.setObjectName("waitLabel")
        self.print_label = QLabel()
        self.print_label.setObjectName("printLabel")
        self.print_label.setWordWrap(True)
        self.print_detail_label = QLabel()
        self.print_detail_label.setObjectName("printDetailLabel")
        self.print_detail_label.setWordWrap(True)
        self.print_detail_label.setStyleSheet("color: #64748b;")
        for w in (
            self.your_number_label,
            self.number_label,
            self.group_label,
            self.ahead_label,
            self.wait_label,
            self.print_label,
            self.print_detail_label,
        ):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.your_number_label.setStyleSheet("color: #334155;")
        self.group_label.setStyleSheet("color: #0f172a;")
        self.ahead_label.setStyleSheet("color: #334155;")
        self.wait_label.setStyleSheet("color: #334155;")
        self.done_button = QPushButton(self.tr("Xong"))
        self.done_button.setObjectName("doneButton")
        self.done_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.done_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.done_button.clicked.connect(self.show_choices)
        card.addWidget(self.your_number_label)
        card.addWidget(self.number_label)
        card.addWidget(self.group_label)
        card.addWidget(self.priority_badge, 0, Qt.AlignmentFlag.AlignHCenter)
        card.addSpacing(12)
        card.addWidget(self.ahead_label)
        card.addWidget(self.wait_label)
        card.addSpacing(12)
        card.addWidget(self.print_label)
        card.addWidget(self.print_detail_label)
        card.addSpacing(12)
        card.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 6)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.stack.addWidget(self.confirm_page)

    def _scale_body(self, px: Px) -> None:
        self._choose_layout.setContentsMargins(px(56), px(28), px(56), px(32))
        self._choose_layout.setSpacing(px(14))
        self.title_label.setFont(screen_font(px(64), bold=True))
        self.title_label.setContentsMargins(0, px(10), 0, 0)
        self.hint_label.setFont(screen_font(px(28)))
        self.loading_label.setFont(screen_font(px(32)))
        self.error_label.setFont(screen_font(px(28), bold=True))
        self.grid.setSpacing(px(26))
        self.priority_toggle.setFixedHeight(px(120))
        self.card.setContentsMargins(px(48), px(36), px(48), px(36))
        self.your_number_label.setFont(screen_font(px(48)))
        self.number_label.setFont(screen_font(px(230), bold=True))
        self.group_label.setFont(screen_font(px(52), bold=True))
        self.priority_badge.setFont(screen_font(px(34), bold=True))
        self.ahead_label.setFont(screen_font(px(36)))
        self.wait_label.setFont(screen_font(px(36)))
        self.print_label.setFont(screen_font(px(34), bold=True))
        self.print_detail_label.setFont(screen_font(px(20)))
        self.done_button.setFont(screen_font(px(34), bold=True))
        self.done_button.setMinimumSize(px(320), px(96))
        self.done_button.setStyleSheet(
            "QPushButton { background: #0b3a75; color: white; border: none;"
            f" border-radius: {px(20)}px; padding: {px(12)}px {px(48)}px; }}"
            "QPushButton:pressed { background: #082a55; }"
        )
        self._layout_buttons()

    def _layout_buttons(self) -> None:
        if self._buttons:
            portrait = self.height() > self.width()
            fill_grid(self.grid, self._buttons, grid_columns(len(self._buttons), portrait=portrait))

    # ------------------------------------------------------------------ feed

    def _on_feed_updated(self, status: QueueStatus, _changed: Sequence[Ticket]) -> None:
        config = self.feed.config
        if config is not None and config != self._config:
            self._set_config(config)
        for b in self._buttons:
            b.set_waiting(status.waiting.get(b.service_group.code, 0))

    def _offline_text(self) -> str:
        return self.tr(
            "Mất kết nối với máy chủ hàng chờ — đang thử kết nối lại. "
            "Nếu không lấy được số, vui lòng liên hệ quầy tiếp nhận."
        )

    def _on_feed_online_changed(self, online: bool, message: str) -> None:
        super()._on_feed_online_changed(online, message)
        if not online and self._config is None:
            self.loading_label.setText(self.tr("Chưa kết nối được hàng chờ. Đang thử lại…"))

    def _set_config(self, config: QueueConfig) -> None:
        self._config = config
        for b in self._buttons:
            self.grid.removeWidget(b)
            b.deleteLater()
        self._buttons = []
        self.loading_label.setVisible(False)
        self.grid.removeWidget(self.loading_label)
        for i, group in enumerate(config.groups):
            button = GroupButton(group, GROUP_COLOURS[i % len(GROUP_COLOURS)])
            button.clicked.connect(lambda _checked=False, code=group.code: self.press(code))
            self._buttons.append(button)
        names = tuple(g.name for g in config.groups)
        for button in self._buttons:
            button.peer_names = names
        self._layout_buttons()
        self.priority_toggle.setVisible(config.self_declared_priority)
        if not config.self_declared_priority:
            self.priority_toggle.setChecked(False)

    @property
    def buttons(self) -> list[GroupButton]:
        """The group buttons, in the configuration's order."""
        return list(self._buttons)

    # ------------------------------------------------------------------ issuing

    def press(self, group_code: str) -> bool:
        """A citizen pressed ``group_code``: issue a ticket unless a press is in flight or the
        last one was under a second ago. True when a ticket is being issued."""
        now = time.monotonic()
        if self._issuing or now - self._last_press < DEBOUNCE_S:
            log.debug("kiosk: press on %s ignored (double press)", group_code)
            return False
        self._last_press = now
        self._issuing = True
        priority = self.priority_toggle.isVisible() and self.priority_toggle.isChecked()
        self.error_label.setVisible(False)

        def job(_cancel: threading.Event) -> Ticket:
            return self._worker_backend().issue(group_code, priority=priority)

        self.ctx.runner.submit(
            job, on_done=self._on_issued, on_error=self._on_issue_failed, lane=Lane.WRITE
        )
        return True

    def _worker_backend(self) -> QueueBackend:
        # WRITE lane only (one thread): the backend is never used by two threads at once.
        if self._backend is None:
            self._backend = self._factory()
        return self._backend

    def _drop_backend(self) -> None:
        backend, self._backend = self._backend, None
        close = getattr(backend, "close", None)
        if close is not None:
            close()

    def _on_issued(self, ticket: Ticket) -> None:
        self._issuing = False
        self.priority_toggle.setChecked(False)
        self.show_ticket(ticket)
        self.ticket_issued.emit(ticket)
        setup = self.setup
        office = setup.office_name if setup else ticket.office_code
        url = setup.lookup_url if setup else None
        target = self._printer_override or (setup.printer if setup else None)

        def job(_cancel: threading.Event) -> PrintOutcome:
            return print_ticket(ticket, office_name=office, lookup_url=url, target=target)

        self.ctx.runner.submit(
            job,
            on_done=lambda outcome: self._on_printed(ticket, outcome),
            on_error=lambda exc: self._on_printed(
                ticket, PrintOutcome(False, NOT_PRINTED, str(exc))
            ),
        )

    def _on_issue_failed(self, exc: BaseException) -> None:
        self._issuing = False
        log.warning("kiosk: ticket not issued: %s", exc)
        self.ctx.runner.submit(
            lambda _c: self._drop_backend(),
            on_done=lambda _r: None,
            on_error=lambda _e: None,
            lane=Lane.WRITE,
        )
        self.error_label.setText(
            self.tr("Chưa lấy được số: %s Vui lòng thử lại hoặc liên hệ quầy tiếp nhận.")
            % _sentence(str(exc))
        )
        self.error_label.setVisible(True)

    def _on_printed(self, ticket: Ticket, outcome: PrintOutcome) -> None:
        self.ticket_printed.emit(ticket, outcome)
        if self._shown_ticket is None or self._shown_ticket.id != ticket.id:
            return
        self.print_label.setText(outcome.message)
        self.print_label.setStyleSheet(f"color: {'#15803d' if outcome.ok else '#b91c1c'};")
        self.print_detail_label.setText("" if outcome.ok else outcome.detail)
        self.print_detail_label.setVisible(not outcome.ok and bool(outcome.detail))
        if not outcome.ok:
            self._return_timer.start(max(self.confirm_ms, CONFIRM_UNPRINTED_MS))

    def show_ticket(self, ticket: Ticket) -> None:
        """Show the confirmation of ``ticket`` (returns to the choices after a few seconds)."""
        self._shown_ticket = ticket
        self.number_label.setText(ticket.number)
        self.group_label.setText(ticket.group_name)
        self.priority_badge.setVisible(ticket.priority)
        ahead = ticket.people_ahead
        self.ahead_label.setText(
            "" if ahead is None else self.tr("Số người chờ trước bạn: %d") % ahead
        )
        self.ahead_label.setVisible(ahead is not None)
        minutes = ticket.wait_minutes
        if minutes is None:
            wait = ""
        elif minutes <= 0:
            wait = self.tr("Đến lượt ngay, mời bạn chú ý màn hình gọi số")
        else:
            wait = self.tr("Thời gian chờ dự kiến: khoảng %d phút") % minutes
        self.wait_label.setText(wait)
        self.wait_label.setVisible(bool(wait))
        self.print_label.setText(self.tr("Đang in phiếu…"))
        self.print_label.setStyleSheet("color: #334155;")
        self.print_detail_label.setVisible(False)
        self.stack.setCurrentWidget(self.confirm_page)
        self._return_timer.start(self.confirm_ms)

    def show_choices(self) -> None:
        """Back to the service buttons."""
        self._return_timer.stop()
        self._shown_ticket = None
        self.stack.setCurrentWidget(self.choose_page)

    @property
    def confirming(self) -> bool:
        """True while the confirmation is shown."""
        return self.stack.currentWidget() is self.confirm_page

    # ------------------------------------------------------------------ keys, close

    def _screen_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if (
            Qt.Key.Key_1 <= key <= Qt.Key.Key_9
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            index = key - Qt.Key.Key_1
            if index < len(self._buttons):
                self.press(self._buttons[index].service_group.code)
            event.accept()
            return True
        if key == Qt.Key.Key_0 and self.confirming:
            self.show_choices()
            return True
        return False

    def _closing(self) -> None:
        self._return_timer.stop()
        self.ctx.runner.submit(
            lambda _c: self._drop_backend(),
            on_done=lambda _r: None,
            on_error=lambda _e: None,
            lane=Lane.WRITE,
        )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


__all__ = [
    "KIOSK_PRINTER",
    "GroupButton",
    "KioskWindow",
    "PrintOutcome",
    "PriorityToggle",
    "grid_columns",
    "paint_a6",
    "paint_thermal",
    "print_ticket",
]
