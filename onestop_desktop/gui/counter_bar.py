"""The counter bar (issue #5): a small always-on-top window with this counter's number, the
ticket it serves, how many wait, and the four everyday actions — for a clerk who works in another
program (or another page) between calls. It drives the same :class:`QueueCounter` as the Hàng chờ
page, so both always show the same thing. It remembers where it was put.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from onestop_desktop.domain.queue import Ticket
from onestop_desktop.gui.pages.queue import ACTION_KEYS
from onestop_desktop.gui.queue_counter import QueueCounter
from onestop_desktop.services.queue import QueueStatus

POS_KEY = "counterBar/pos"
BAR_SIZE = (440, 92)

_STYLE = """
QWidget#counterBar { background: #0b3d91; }
QLabel { color: #ffffff; }
QLabel#barCounter { color: #c9d8f2; font-weight: 600; }
QLabel#barNumber { font-weight: 800; }
QLabel#barWaiting { color: #c9d8f2; }
QLabel#barOffline { color: #ffd479; font-weight: 700; }
QPushButton {
    background: #ffffff; color: #0b3d91; border: none; border-radius: 4px;
    padding: 4px 8px; font-weight: 600;
}
QPushButton:disabled { background: #3b5fa3; color: #8ea6cf; }
QPushButton:hover:enabled { background: #e3ecfa; }
QPushButton#barCallButton:enabled { background: #ffd479; color: #1f2933; }
"""


class CounterBar(QWidget):
    """Quầy N · the current number · waiting · Gọi tiếp / Gọi lại / Vắng / Xong."""

    def __init__(self, controller: QueueCounter, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.controller = controller
        self.setObjectName("counterBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(self.tr("Thanh gọi số"))
        self.setStyleSheet(_STYLE)
        self.setFixedSize(*BAR_SIZE)
        root = QHBoxLayout(self)
        root.setContentsMargins(10, 6, 10, 6)
        root.setSpacing(10)

        left = QVBoxLayout()
        left.setSpacing(0)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("barCounter")
        self.number_label = QLabel("—")
        self.number_label.setObjectName("barNumber")
        font = QFont(self.number_label.font())
        font.setPointSize(26)
        font.setBold(True)
        self.number_label.setFont(font)
        self.number_label.setMinimumWidth(118)
        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("barWaiting")
        left.addWidget(self.counter_label)
        left.addWidget(self.number_label)
        left.addWidget(self.waiting_label)
        root.addLayout(left)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setStyleSheet("color: #3b5fa3;")
        root.addWidget(line)

        right = QVBoxLayout()
        right.setSpacing(4)
        self.offline_label = QLabel(self.tr("Mất kết nối máy chủ hàng chờ"))
        self.offline_label.setObjectName("barOffline")
        self.offline_label.hide()
        right.addWidget(self.offline_label)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        c = controller
        self.buttons: dict[str, QPushButton] = {}
        for name, text, tip, slot in (
            ("call", self.tr("Gọi tiếp"), self.tr("Gọi số tiếp theo"), c.call_next),
            ("recall", self.tr("Gọi lại"), self.tr("Đọc lại số đang phục vụ"), c.recall),
            ("skip", self.tr("Vắng"), self.tr("Công dân không đến (vắng mặt)"), c.skip),
            ("finish", self.tr("Xong"), self.tr("Đã phục vụ xong"), c.finish),
        ):
            key = QKeySequence(ACTION_KEYS[name])
            shown = key.toString(QKeySequence.SequenceFormat.NativeText)
            button = QPushButton(text)
            button.setObjectName(f"bar{name.capitalize()}Button")
            button.setShortcut(key)
            button.setToolTip(f"{tip} ({shown})")
            button.setMinimumHeight(40)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            self.buttons[name] = button
            buttons.addWidget(button)
        right.addStretch(1)
        right.addLayout(buttons)
        right.addStretch(1)
        root.addLayout(right, 1)

        c.ticket_changed.connect(self._show_ticket)
        c.status_changed.connect(self._show_status)
        c.settings_changed.connect(self._show_counter)
        c.online_changed.connect(self._show_online)
        c.busy_changed.connect(self._update_buttons)
        c.ready.connect(self._update_buttons)
        self._show_counter()
        self._show_ticket(c.ticket)
        self._show_status(c.status)
        self._show_online(c.online, c.offline_message)

    # ------------------------------------------------------------------ showing

    def _show_counter(self) -> None:
        n = self.controller.counter
        self.counter_label.setText(self.tr("QUẦY %d") % n if n is not None else self.tr("QUẦY"))
        self._update_buttons()

    def _show_ticket(self, ticket: Ticket | None) -> None:
        if ticket is None:
            self.number_label.setText("—")
            self.number_label.setToolTip("")
        else:
            self.number_label.setText(ticket.number + (" ★" if ticket.priority else ""))
            self.number_label.setToolTip(
                ticket.group_name + (self.tr(" · ưu tiên") if ticket.priority else "")
            )
        self._update_buttons()

    def _show_status(self, status: QueueStatus | None) -> None:
        total = sum(status.waiting.values()) if status is not None else 0
        self.waiting_label.setText(self.tr("Đang chờ: %d") % total)
        self._update_buttons()

    def _show_online(self, online: bool, message: str) -> None:
        self.offline_label.setVisible(not online)
        self.offline_label.setToolTip(message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        for name, button in self.buttons.items():
            button.setEnabled(self.controller.can(name))

    # ------------------------------------------------------------------ position

    def showEvent(self, event: QShowEvent) -> None:
        """Go back where the clerk left it (on a screen that still exists)."""
        self.controller.start()
        pos = QSettings().value(POS_KEY)
        if isinstance(pos, QPoint) and QGuiApplication.screenAt(pos) is not None:
            self.move(pos)
        else:
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                area = screen.availableGeometry()
                self.move(area.right() - self.width() - 24, area.top() + 24)
        super().showEvent(event)

    def remember_position(self) -> None:
        """Store where the bar is."""
        QSettings().setValue(POS_KEY, self.pos())

    def hideEvent(self, event: QHideEvent) -> None:
        """Remember the position when hidden."""
        self.remember_position()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the position when closed."""
        self.remember_position()
        super().closeEvent(event)


__all__ = ["POS_KEY", "CounterBar"]
