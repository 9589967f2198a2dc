"""The Hàng chờ page (issue #5): this counter's number and service groups, the ticket it serves
(large), the actions on it with function keys, the office's waiting counts and this counter's held
tickets. When the queue's server is out of reach a banner says so and offers walk-ins, so intake
goes on.

Keys (active while the page is shown): F5 call next · F6 recall · F7 no-show · F8 hold ·
F9 transfer… · F10 receive the dossier · F11 finish · Ctrl+Shift+B the counter bar.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.queue import QueueConfig, Ticket, TicketStatus
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.queue_counter import QueueCounter
from onestop_desktop.services.queue import QueueStatus

#: Function keys of the page's actions (free on this page: F12 is the window's "sync now";
#: the lookup page's F2–F9 and the reports page's F5 are only active while those pages show).
ACTION_KEYS: dict[str, str] = {
    "call": "F5",
    "recall": "F6",
    "skip": "F7",
    "hold": "F8",
    "transfer": "F9",
    "intake": "F10",
    "finish": "F11",
}
#: Opens the always-on-top counter bar (a window-wide shortcut of the main window).
BAR_KEY = "Ctrl+Shift+B"
ISSUE_KEY = "Ctrl+Shift+N"
_MINUTE_REFRESH_MS = 30_000

_STYLE = """
QFrame#ticketCard { background: #ffffff; border: 1px solid #c9d3e0; border-radius: 6px; }
QLabel#ticketCaption { color: #5b6470; font-weight: 600; }
QLabel#ticketNumber { color: #0b3d91; font-weight: 800; }
QLabel#ticketNumber[idle="true"] { color: #9aa5b1; }
QLabel#ticketGroup { color: #1f2933; font-weight: 600; }
QLabel#ticketDetails { color: #3e4c59; }
QLabel#ticketDossier { color: #1b6e20; font-weight: 600; }
QLabel#priorityBadge {
    color: #ffffff; background: #b3261e; border-radius: 4px; padding: 3px 10px; font-weight: 700;
}
QLabel#walkInBadge {
    color: #7a4a00; background: #fff4e0; border: 1px solid #f0c36d; border-radius: 4px;
    padding: 2px 8px; font-weight: 600;
}
QPushButton#callButton { font-weight: 700; }
QPushButton#callButton:enabled { background: #0b3d91; color: #ffffff; border-radius: 4px; }
QPushButton#finishButton:enabled { background: #1b6e20; color: #ffffff; border-radius: 4px; }
QLabel#messageLabel { padding: 4px 8px; border-radius: 3px; }
QLabel#messageLabel[role="ok"] { color: #1b6e20; background: #edf7ee; }
QLabel#messageLabel[role="info"] { color: #0b3d91; background: #eef4fc; }
QLabel#messageLabel[role="error"] { color: #b3261e; background: #fff1f0; }
QFrame#offlineBanner { background: #fff4e0; border: 1px solid #f0c36d; border-radius: 4px; }
QLabel#offlineLabel { color: #7a4a00; font-weight: 700; }
QLabel[role="hint"] { color: #5b6470; }
"""


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def minutes_waited(ticket: Ticket, now: datetime) -> int:
    """Minutes from taking the number to being called (to now while not called yet)."""
    end = ticket.called_at or now
    return max(0, int((end - ticket.issued_at).total_seconds() // 60))


class TransferDialog(QDialog):
    """Chuyển…: to another counter or to another service group."""

    def __init__(
        self, ticket: Ticket, counter: int, config: QueueConfig | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transferDialog")
        self.setWindowTitle(self.tr("Chuyển số %s") % ticket.number)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(12)
        intro = QLabel(
            self.tr("Số %s sẽ chờ ở nơi được chuyển đến, giữ thứ tự theo giờ lấy số.")
            % ticket.number
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.counter_radio = QRadioButton(self.tr("Đến quầy số:"))
        self.counter_spin = QSpinBox()
        self.counter_spin.setRange(1, 999)
        self.counter_spin.setValue(counter + 1 if counter < 999 else 1)
        self.group_radio = QRadioButton(self.tr("Sang nhóm dịch vụ:"))
        self.group_combo = QComboBox()
        for g in config.groups if config is not None else ():
            if g.code != ticket.group_code:
                self.group_combo.addItem(g.name, g.code)
        self.group_radio.setEnabled(self.group_combo.count() > 0)
        choice = QButtonGroup(self)
        choice.addButton(self.counter_radio)
        choice.addButton(self.group_radio)
        self.counter_radio.setChecked(True)
        form.addRow(self.counter_radio, self.counter_spin)
        form.addRow(self.group_radio, self.group_combo)
        layout.addLayout(form)
        self.counter_radio.toggled.connect(self._sync_enabled)
        self._sync_enabled()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Chuyển"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy (Esc)"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self.counter_spin.setFocus()
        self.counter_spin.selectAll()

    def _sync_enabled(self) -> None:
        by_counter = self.counter_radio.isChecked()
        self.counter_spin.setEnabled(by_counter)
        self.group_combo.setEnabled(not by_counter)

    def target(self) -> tuple[int | None, str | None]:
        """(to_counter, to_group): one of them set."""
        if self.counter_radio.isChecked():
            return self.counter_spin.value(), None
        return None, str(self.group_combo.currentData())


class IssueDialog(QDialog):
    """Cấp số at the counter: a group, and priority when the staff marks the citizen."""

    def __init__(self, config: QueueConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("issueDialog")
        self.setWindowTitle(self.tr("Cấp số thứ tự"))
        self.setMinimumWidth(400)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        form = QFormLayout()
        self.group_combo = QComboBox()
        for g in config.groups:
            self.group_combo.addItem(f"{g.name} ({g.prefix})", g.code)
        form.addRow(self.tr("Nhóm dịch vụ:"), self.group_combo)
        self.priority_check = QCheckBox(
            self.tr("Ưu tiên (người cao tuổi, người khuyết tật, phụ nữ mang thai)")
        )
        form.addRow("", self.priority_check)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Cấp số"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy (Esc)"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons

    def choice(self) -> tuple[str, bool]:
        """(group code, priority)."""
        return str(self.group_combo.currentData()), self.priority_check.isChecked()


class QueuePage(QWidget):
    """Hàng chờ: the counter's side of the office queue. ``bar_requested`` asks the window to
    show the counter bar."""

    bar_requested = Signal()

    def __init__(self, controller: QueueCounter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.transfer_dialog: TransferDialog | None = None
        self.issue_dialog: IssueDialog | None = None
        self.group_checks: dict[str, QCheckBox] = {}
        self.setStyleSheet(_STYLE)
        self._build()
        c = controller
        c.ticket_changed.connect(self._show_ticket)
        c.status_changed.connect(self._show_status)
        c.config_changed.connect(self._show_config)
        c.settings_changed.connect(self._show_settings)
        c.online_changed.connect(self._show_online)
        c.busy_changed.connect(self._update_actions)
        c.ready.connect(self._update_actions)
        c.message.connect(self.show_message)
        c.failed.connect(self._on_controller_failed)
        c.dossier_linked.connect(self._on_dossier_linked)
        self._minute_timer = QTimer(self)
        self._minute_timer.setInterval(_MINUTE_REFRESH_MS)
        self._minute_timer.timeout.connect(lambda: self._show_ticket(self.controller.ticket))
        self._minute_timer.start()
        if c.config is not None:
            self._show_config(c.config)
        self._show_settings()
        self._show_ticket(c.ticket)
        if c.status is not None:
            self._show_status(c.status)
        self._show_online(c.online, c.offline_message)

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 12)
        root.setSpacing(10)

        header = QHBoxLayout()
        title = QLabel(self.tr("Quầy số"))
        big = QFont(title.font())
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        title.setFont(big)
        self.counter_spin = QSpinBox()
        self.counter_spin.setObjectName("counterSpin")
        self.counter_spin.setRange(1, 999)
        self.counter_spin.setFont(big)
        self.counter_spin.setMinimumWidth(90)
        self.counter_spin.setToolTip(self.tr("Số quầy của máy này (hiện trên màn hình gọi số)"))
        self.counter_spin.setEnabled(False)
        self.counter_spin.editingFinished.connect(self.apply_counter)
        self.served_label = QLabel()
        self.served_label.setObjectName("servedLabel")
        self.served_label.setProperty("role", "hint")
        self.bar_button = QPushButton(self.tr("Thanh gọi số (%s)") % BAR_KEY)
        self.bar_button.setObjectName("barButton")
        self.bar_button.setToolTip(self.tr("Mở thanh gọi số nhỏ luôn nằm trên các cửa sổ khác"))
        self.bar_button.clicked.connect(self.bar_requested)
        header.addWidget(title)
        header.addWidget(self.counter_spin)
        header.addSpacing(12)
        header.addWidget(self.served_label, 1)
        self.issue_button = QPushButton(self.tr("Cấp số… (%s)") % ISSUE_KEY)
        self.issue_button.setObjectName("issueButton")
        self.issue_button.setToolTip(
            self.tr("Cấp số tại quầy, kể cả số ưu tiên do cán bộ xác nhận")
        )
        self.issue_button.clicked.connect(self.open_issue)
        self.issue_button.setShortcut(QKeySequence(ISSUE_KEY))
        header.addWidget(self.issue_button)
        header.addWidget(self.bar_button)
        root.addLayout(header)
        root.addWidget(self._build_banner())

        body = QHBoxLayout()
        body.setSpacing(16)
        root.addLayout(body, 1)
        left = QVBoxLayout()
        left.setSpacing(10)
        body.addLayout(left, 3)
        left.addWidget(self._build_ticket_card(), 1)
        left.addLayout(self._build_actions())
        self.message_label = QLabel()
        self.message_label.setObjectName("messageLabel")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(30)
        left.addWidget(self.message_label)
        body.addLayout(self._build_side(), 2)

    def _build_banner(self) -> QFrame:
        self.offline_banner = QFrame()
        self.offline_banner.setObjectName("offlineBanner")
        banner = QHBoxLayout(self.offline_banner)
        banner.setContentsMargins(12, 8, 12, 8)
        self.offline_label = QLabel(
            self.tr("Mất kết nối máy chủ hàng chờ — vẫn tiếp nhận được hồ sơ")
        )
        self.offline_label.setObjectName("offlineLabel")
        self.walk_in_combo = QComboBox()
        self.walk_in_combo.setObjectName("walkInCombo")
        self.walk_in_combo.setToolTip(self.tr("Nhóm dịch vụ của khách vãng lai"))
        self.walk_in_button = QPushButton(self.tr("Phục vụ khách vãng lai"))
        self.walk_in_button.setObjectName("walkInButton")
        self.walk_in_button.setToolTip(
            self.tr(
                "Phục vụ công dân không qua hàng chờ chung (số L<quầy>-…); "
                "gửi lên máy chủ khi có kết nối trở lại"
            )
        )
        self.walk_in_button.clicked.connect(self.serve_walk_in)
        banner.addWidget(self.offline_label, 1)
        banner.addWidget(self.walk_in_combo)
        banner.addWidget(self.walk_in_button)
        self.offline_banner.hide()
        return self.offline_banner

    def _build_side(self) -> QVBoxLayout:
        right = QVBoxLayout()
        right.setSpacing(10)
        self.groups_box = QGroupBox(self.tr("Nhóm dịch vụ quầy này gọi"))
        self.groups_box.setObjectName("groupsBox")
        self.groups_layout = QGridLayout(self.groups_box)
        right.addWidget(self.groups_box)

        waiting_box = QGroupBox(self.tr("Đang chờ"))
        waiting = QVBoxLayout(waiting_box)
        self.waiting_table = QTableWidget(0, 3)
        self.waiting_table.setObjectName("waitingTable")
        self.waiting_table.setHorizontalHeaderLabels(
            [self.tr("Nhóm dịch vụ"), self.tr("Chờ"), self.tr("Ưu tiên")]
        )
        self.waiting_table.verticalHeader().hide()
        self.waiting_table.verticalHeader().setDefaultSectionSize(
            self.waiting_table.fontMetrics().height() + 10
        )
        self.waiting_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.waiting_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.waiting_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.waiting_table.setShowGrid(False)
        self.waiting_table.setAlternatingRowColors(True)
        header_view = self.waiting_table.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        waiting.addWidget(self.waiting_table)
        self.waiting_total_label = QLabel()
        self.waiting_total_label.setObjectName("waitingTotalLabel")
        waiting.addWidget(self.waiting_total_label)
        self.others_label = QLabel()
        self.others_label.setObjectName("othersLabel")
        self.others_label.setProperty("role", "hint")
        self.others_label.setWordWrap(True)
        waiting.addWidget(self.others_label)
        right.addWidget(waiting_box)

        held_box = QGroupBox(self.tr("Tạm giữ tại quầy"))
        held = QVBoxLayout(held_box)
        self.held_list = QListWidget()
        self.held_list.setObjectName("heldList")
        self.held_list.itemSelectionChanged.connect(self._update_actions)
        self.held_list.itemDoubleClicked.connect(lambda _i: self.resume_selected())
        self.held_empty_label = QLabel(self.tr("Không có số nào đang tạm giữ tại quầy này."))
        self.held_empty_label.setObjectName("heldEmptyLabel")
        self.held_empty_label.setProperty("role", "hint")
        self.held_empty_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.held_empty_label.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding
        )
        held.addWidget(self.held_empty_label)
        held.addWidget(self.held_list)
        self.resume_button = QPushButton(self.tr("Phục vụ lại"))
        self.resume_button.setObjectName("resumeButton")
        self.resume_button.setToolTip(
            self.tr("Gọi lại số đang tạm giữ đã chọn (số đang phục vụ, nếu có, được hoàn thành)")
        )
        self.resume_button.clicked.connect(self.resume_selected)
        held.addWidget(self.resume_button, alignment=Qt.AlignmentFlag.AlignRight)
        right.addWidget(held_box, 1)
        return right

    def _build_ticket_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("ticketCard")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(6)
        self.ticket_caption = QLabel(self.tr("ĐANG PHỤC VỤ"))
        self.ticket_caption.setObjectName("ticketCaption")
        self.ticket_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number_label = QLabel()
        self.number_label.setObjectName("ticketNumber")
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.number_label.font())
        font.setPointSize(72)
        font.setBold(True)
        self.number_label.setFont(font)
        badges = QHBoxLayout()
        badges.addStretch(1)
        self.priority_label = QLabel(self.tr("ƯU TIÊN"))
        self.priority_label.setObjectName("priorityBadge")
        self.walk_in_label = QLabel(self.tr("Khách vãng lai (ngoại tuyến)"))
        self.walk_in_label.setObjectName("walkInBadge")
        badges.addWidget(self.priority_label)
        badges.addWidget(self.walk_in_label)
        badges.addStretch(1)
        self.group_label = QLabel()
        self.group_label.setObjectName("ticketGroup")
        self.group_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        group_font = QFont(self.group_label.font())
        group_font.setPointSizeF(group_font.pointSizeF() * 1.5)
        self.group_label.setFont(group_font)
        self.details_label = QLabel()
        self.details_label.setObjectName("ticketDetails")
        self.details_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.details_label.setWordWrap(True)
        self.dossier_label = QLabel()
        self.dossier_label.setObjectName("ticketDossier")
        self.dossier_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(self.ticket_caption)
        layout.addWidget(self.number_label)
        layout.addLayout(badges)
        layout.addWidget(self.group_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.dossier_label)
        layout.addStretch(1)
        return card

    def _build_actions(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        c = self.controller
        specs: tuple[tuple[str, str, str, object], ...] = (
            ("call", self.tr("Gọi số tiếp"), self.tr("Mời công dân tiếp theo"), c.call_next),
            ("recall", self.tr("Gọi lại"), self.tr("Đọc lại số đang phục vụ"), c.recall),
            (
                "skip",
                self.tr("Vắng mặt"),
                self.tr("Công dân không đến: kết thúc số này là vắng mặt"),
                c.skip,
            ),
            (
                "hold",
                self.tr("Tạm giữ"),
                self.tr("Để số này chờ tại quầy (công dân đi bổ sung giấy tờ)"),
                c.hold,
            ),
            (
                "transfer",
                self.tr("Chuyển…"),
                self.tr("Chuyển số này đến quầy khác hoặc nhóm dịch vụ khác"),
                self.open_transfer,
            ),
            (
                "intake",
                self.tr("Tiếp nhận hồ sơ"),
                self.tr("Mở trang Tiếp nhận; hồ sơ lưu xong được gắn với số này"),
                c.start_intake,
            ),
            ("finish", self.tr("Hoàn thành"), self.tr("Đã phục vụ xong số này"), c.finish),
        )
        self.action_buttons: dict[str, QPushButton] = {}
        for i, (name, text, tip, slot) in enumerate(specs):
            key = QKeySequence(ACTION_KEYS[name])
            shown = key.toString(QKeySequence.SequenceFormat.NativeText)
            button = QPushButton(f"{text}   {shown}")
            button.setObjectName(f"{name}Button")
            button.setShortcut(key)
            button.setToolTip(f"{tip} ({shown})")
            button.setMinimumHeight(44)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setEnabled(False)
            button.clicked.connect(slot)
            self.action_buttons[name] = button
            if name == "call":
                button.setMinimumHeight(56)
                font = QFont(button.font())
                font.setPointSizeF(font.pointSizeF() * 1.3)
                button.setFont(font)
                grid.addWidget(button, 0, 0, 1, 3)
            else:
                row, col = divmod(i - 1, 3)
                grid.addWidget(button, row + 1, col)
        return grid

    # ------------------------------------------------------------------ actions

    def showEvent(self, event: QShowEvent) -> None:
        """The queue is followed from the first time the page (or the bar) shows."""
        self.controller.start()
        super().showEvent(event)

    def apply_counter(self) -> None:
        """The counter number was edited."""
        if self.controller.counter is not None:
            self.controller.set_counter(self.counter_spin.value())

    def open_issue(self) -> IssueDialog | None:
        """Ask for a group (and priority) and issue a ticket from the counter."""
        config = self.controller.config
        if config is None or not self.controller.is_ready:
            return None
        dialog = IssueDialog(config, self)
        self.issue_dialog = dialog
        dialog.accepted.connect(lambda: self._issue(dialog))
        dialog.open()
        return dialog

    def _issue(self, dialog: IssueDialog) -> None:
        group, priority = dialog.choice()
        self.controller.issue(group, priority=priority)

    def open_transfer(self) -> TransferDialog | None:
        """F9: choose where the current ticket goes."""
        c = self.controller
        if not c.can("transfer") or c.ticket is None or c.counter is None:
            return None
        dialog = TransferDialog(c.ticket, c.counter, c.config, self)
        dialog.accepted.connect(lambda: self._on_transfer_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.transfer_dialog = dialog
        dialog.open()
        return dialog

    def _on_transfer_accepted(self, dialog: TransferDialog) -> None:
        to_counter, to_group = dialog.target()
        self.controller.transfer(to_counter=to_counter, to_group=to_group)

    def resume_selected(self) -> None:
        """Serve the selected held ticket again."""
        item = self.held_list.currentItem()
        if item is not None:
            self.controller.resume(str(item.data(Qt.ItemDataRole.UserRole)))

    def serve_walk_in(self) -> None:
        """Offline: serve a citizen of the chosen group without the shared queue."""
        code = self.walk_in_combo.currentData()
        if code:
            self.controller.walk_in(str(code))

    def show_message(self, text: str, kind: str) -> None:
        """The inline message line (``ok``, ``info`` or ``error``)."""
        self.message_label.setText(text)
        self.message_label.setProperty("role", kind)
        _repolish(self.message_label)

    def _on_controller_failed(self, exc: object) -> None:
        assert isinstance(exc, BaseException)  # noqa: S101 - signal contract
        show_error(self, exc)

    def _on_dossier_linked(self, _ticket: Ticket, _code: str) -> None:
        self._show_ticket(self.controller.ticket)

    # ------------------------------------------------------------------ showing

    def _update_actions(self) -> None:
        c = self.controller
        for name, button in self.action_buttons.items():
            button.setEnabled(c.can(name))
        self.walk_in_button.setEnabled(c.can("walk_in") and self.walk_in_combo.count() > 0)
        self.resume_button.setEnabled(
            c.is_ready and not c.busy and c.online and self.held_list.currentItem() is not None
        )
        self.counter_spin.setEnabled(c.is_ready)

    def _show_ticket(self, ticket: Ticket | None) -> None:
        c = self.controller
        idle = ticket is None
        self.number_label.setProperty("idle", idle)
        _repolish(self.number_label)
        if ticket is None:
            self.ticket_caption.setText(self.tr("CHƯA GỌI SỐ"))
            self.number_label.setText("—")
            self.group_label.setText("")
            self.details_label.setText(
                self.tr("Bấm “Gọi số tiếp” (%s) để mời công dân tiếp theo.") % ACTION_KEYS["call"]
            )
            self.priority_label.hide()
            self.walk_in_label.hide()
            self.dossier_label.setText("")
        else:
            self.ticket_caption.setText(self.tr("ĐANG PHỤC VỤ"))
            self.number_label.setText(ticket.number)
            self.group_label.setText(ticket.group_name)
            self.priority_label.setVisible(ticket.priority)
            self.walk_in_label.setVisible(ticket.origin == "local")
            issued = ticket.issued_at.astimezone(VN_TZ).strftime("%H:%M")
            parts = [
                self.tr("Lấy số lúc %s") % issued,
                self.tr("đã chờ %d phút") % minutes_waited(ticket, c.ctx.ws.now()),
            ]
            if ticket.recalls:
                parts.append(self.tr("gọi lại %d lần") % ticket.recalls)
            if ticket.transfers:
                parts.append(self.tr("được chuyển %d lần") % ticket.transfers)
            self.details_label.setText(" · ".join(parts))
            if ticket.dossier_id:
                code = c.dossier_codes.get(ticket.id)
                self.dossier_label.setText(
                    self.tr("Đã tiếp nhận hồ sơ %s") % code
                    if code
                    else self.tr("Đã gắn với hồ sơ đã tiếp nhận")
                )
            else:
                self.dossier_label.setText("")
        self._update_actions()

    def _show_settings(self) -> None:
        c = self.controller
        if c.counter is not None:
            self.counter_spin.blockSignals(True)
            self.counter_spin.setValue(c.counter)
            self.counter_spin.blockSignals(False)
        served = set(c.served_groups())
        for code, box in self.group_checks.items():
            box.blockSignals(True)
            box.setChecked(code in served)
            box.blockSignals(False)
        config = c.config
        if config is not None and c.counter is not None:
            if len(served) == len(config.groups):
                text = self.tr("Quầy gọi số của tất cả các nhóm dịch vụ")
            else:
                names = [g.name for g in config.groups if g.code in served]
                text = self.tr("Quầy gọi số của: %s") % ", ".join(names)
            if not c.groups:
                text += " " + self.tr("(theo cấu hình của đơn vị)")
            self.served_label.setText(text)
        self._update_actions()
        if c.status is not None:
            self._show_status(c.status)

    def _show_config(self, config: QueueConfig) -> None:
        for box in self.group_checks.values():
            box.deleteLater()
        self.group_checks = {}
        for i, g in enumerate(config.groups):
            box = QCheckBox(g.name)
            box.setObjectName(f"groupCheck_{g.code}")
            box.setToolTip(self.tr("Số có tiền tố %s") % g.prefix)
            box.toggled.connect(self._on_group_check_toggled)
            self.group_checks[g.code] = box
            self.groups_layout.addWidget(box, i // 2, i % 2)
        current = self.walk_in_combo.currentData()
        self.walk_in_combo.clear()
        for g in config.groups:
            self.walk_in_combo.addItem(g.name, g.code)
        if current is not None:
            self.walk_in_combo.setCurrentIndex(max(0, self.walk_in_combo.findData(current)))
        self._show_settings()

    def _on_group_check_toggled(self, _checked: bool) -> None:
        chosen = [code for code, box in self.group_checks.items() if box.isChecked()]
        self.controller.set_groups(chosen)

    def _show_status(self, status: QueueStatus) -> None:
        c = self.controller
        config = c.config
        names = {g.code: g.name for g in config.groups} if config else {}
        priority: dict[str, int] = {}
        to_me = 0
        for t in c.tickets():
            if t.status == TicketStatus.WAITING and t.day == status.day:
                if t.priority:
                    priority[t.group_code] = priority.get(t.group_code, 0) + 1
                if c.counter is not None and t.target_counter == c.counter:
                    to_me += 1
        served = set(c.served_groups())
        table = self.waiting_table
        table.setRowCount(len(status.waiting))
        for row, (code, count) in enumerate(status.waiting.items()):
            cells = (names.get(code, code), str(count), str(priority.get(code, 0)))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if code in served:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                else:
                    item.setForeground(Qt.GlobalColor.darkGray)
                table.setItem(row, col, item)
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(height)
        total = sum(status.waiting.values())
        text = self.tr("Tổng: %d người chờ · ưu tiên %d") % (total, status.waiting_priority)
        if to_me:
            text += " · " + self.tr("%d số được chuyển đến quầy này") % to_me
        self.waiting_total_label.setText(text)
        selected = self.held_list.currentItem()
        keep = selected.data(Qt.ItemDataRole.UserRole) if selected is not None else None
        self.held_list.clear()
        for t in c.held():
            issued = t.issued_at.astimezone(VN_TZ).strftime("%H:%M")
            entry = QListWidgetItem(
                self.tr("%s — %s · lấy số lúc %s") % (t.number, t.group_name, issued)
            )
            entry.setData(Qt.ItemDataRole.UserRole, t.id)
            self.held_list.addItem(entry)
            if t.id == keep:
                self.held_list.setCurrentItem(entry)
        has_held = self.held_list.count() > 0
        self.held_list.setVisible(has_held)
        self.resume_button.setVisible(has_held)
        self.held_empty_label.setVisible(not has_held)
        others = [
            self.tr("quầy %d: %s") % (n, t.number)
            for n, t in sorted(status.serving.items())
            if n != c.counter
        ]
        self.others_label.setText(
            self.tr("Các quầy khác đang phục vụ — %s") % ", ".join(others) if others else ""
        )
        self.others_label.setVisible(bool(others))
        self._update_actions()

    def _show_online(self, online: bool, message: str) -> None:
        self.offline_banner.setVisible(not online)
        self.offline_banner.setToolTip(message)
        self._update_actions()


__all__ = ["ACTION_KEYS", "BAR_KEY", "QueuePage", "TransferDialog", "minutes_waited"]
