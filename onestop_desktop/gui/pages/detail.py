"""The dossier detail: applicant, documents, timeline, deadline, and the actions its status allows.

Every action is one service call on the WRITE lane; a form that goes with it is rendered on the
READ lane and opens in the print preview. Dialogs are opened with ``open()`` and validate their
own input (in Vietnamese) before they close.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.dossier import (
    CHANNEL_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    Channel,
    DocumentItem,
    EventType,
    Resolution,
    Status,
    parse_rating,
)
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.dialogs.rating import RatingDialog
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.models.dossier_table import OVERDUE_COLOR, fmt_date, fmt_datetime
from onestop_desktop.gui.tasks import Lane
from onestop_desktop.services import dossiers, ratings
from onestop_desktop.services.browse import (
    DeadlineKind,
    DossierDetail,
    TimelineEntry,
    dossier_detail,
    new_due_at,
)
from onestop_desktop.services.dossiers import DossierView

FORM_TITLES: Mapping[str, str] = {
    "01": "Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Mẫu 05 — Phiếu kiểm soát quá trình giải quyết hồ sơ",
}

FIELD_LABELS: Mapping[str, str] = {
    "applicant_name": "Họ và tên",
    "id_number": "Số CCCD/CMND",
    "phone": "Điện thoại",
    "address": "Địa chỉ",
    "email": "Email",
    "note": "Ghi chú",
}

_RESOLUTION_LABELS: Mapping[Resolution, str] = {
    Resolution.EARLY: "trước hạn",
    Resolution.ON_TIME: "đúng hạn",
    Resolution.LATE: "quá hạn",
}

_ERROR_STYLE = "color: #c62828;"
_STATUS_COLORS: Mapping[Status, str] = {
    Status.RECEIVED: "#1565c0",
    Status.IN_PROGRESS: "#1565c0",
    Status.WAITING_SUPPLEMENT: "#a15c00",
    Status.RESOLVED: "#2e7d32",
    Status.RETURNED: "#555555",
    Status.REFUSED: "#555555",
    Status.WITHDRAWN: "#555555",
}


# =========================================================================== dialogs


class _ActionDialog(QDialog):
    """A small dialog: an explanation, the fields of one action, an inline error, OK/Cancel.

    Ctrl+Enter confirms from a multi-line field; :meth:`validate` keeps the dialog open with a
    message in Vietnamese while the input is not acceptable.
    """

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(480)
        self._layout = QVBoxLayout(self)
        self.intro_label = QLabel(intro)
        self.intro_label.setWordWrap(True)
        self._layout.addWidget(self.intro_label)
        self.form = QFormLayout()
        self._layout.addLayout(self.form)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.setWordWrap(True)
        # Room for the message from the start: a dialog already shown does not grow for it.
        self.error_label.setMinimumHeight(2 * self.error_label.fontMetrics().lineSpacing())
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setObjectName("okButton")
        self.ok_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy (Esc)"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.accept)

    def validate(self) -> str | None:
        """A message saying what is missing, or None when the input is acceptable."""
        return None

    def accept(self) -> None:
        """Close only when the input is acceptable; otherwise say why."""
        problem = self.validate()
        if problem:
            self.error_label.setText(problem)
            return
        super().accept()


class ConfirmDialog(_ActionDialog):
    """Confirm a status change, with an optional note."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(title, intro, ok_text, parent)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.setPlaceholderText(self.tr("Không bắt buộc"))
        self.form.addRow(self.tr("Ghi chú:"), self.note_edit)

    @property
    def note(self) -> str | None:
        """The note, or None when left blank."""
        return self.note_edit.text().strip() or None


class TextRequiredDialog(_ActionDialog):
    """Ask for a required text (a reason, the name of who collects the result)."""

    def __init__(
        self,
        title: str,
        intro: str,
        ok_text: str,
        label: str,
        missing_message: str,
        parent: QWidget | None,
        *,
        multiline: bool = True,
        initial: str = "",
    ) -> None:
        super().__init__(title, intro, ok_text, parent)
        self._missing = missing_message
        self.text_edit: QPlainTextEdit | QLineEdit
        if multiline:
            edit = QPlainTextEdit(initial)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(96)
            edit.setPlaceholderText(self.tr("Ctrl+Enter để xác nhận"))
            self.text_edit = edit
        else:
            line = QLineEdit(initial)
            line.selectAll()
            self.text_edit = line
        self.text_edit.setObjectName("textEdit")
        self.form.addRow(label, self.text_edit)

    @property
    def value(self) -> str:
        """The text, trimmed."""
        edit = self.text_edit
        text = edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
        return " ".join(text.split())

    def validate(self) -> str | None:
        """Refuse an empty text."""
        return None if self.value else self._missing


class SupplementDialog(_ActionDialog):
    """Tick the checklist items the citizen still has to bring (Mẫu 02 lists them)."""

    def __init__(self, documents: Sequence[DocumentItem], parent: QWidget | None) -> None:
        super().__init__(
            self.tr("Yêu cầu bổ sung hồ sơ"),
            self.tr(
                "Đánh dấu các giấy tờ còn thiếu hoặc cần hoàn thiện. Yêu cầu bổ sung chỉ "
                "được đưa ra một lần, đầy đủ; thời hạn giải quyết tạm dừng cho đến khi nhận đủ."
            ),
            self.tr("Yêu cầu bổ sung và in Mẫu 02"),
            parent,
        )
        self.setMinimumWidth(620)
        self._documents = list(documents)
        self.items_list = QListWidget()
        self.items_list.setObjectName("missingList")
        for doc in self._documents:
            item = QListWidgetItem(doc.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if doc.received else Qt.CheckState.Checked)
            item.setToolTip(doc.name)
            self.items_list.addItem(item)
        self.items_list.setMinimumHeight(140)
        self.form.addRow(self.tr("Giấy tờ thiếu:"), self.items_list)
        self.other_edit = QPlainTextEdit()
        self.other_edit.setObjectName("otherEdit")
        self.other_edit.setTabChangesFocus(True)
        self.other_edit.setFixedHeight(64)
        self.other_edit.setPlaceholderText(self.tr("Giấy tờ khác, mỗi dòng một loại"))
        self.form.addRow(self.tr("Khác:"), self.other_edit)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        from onestop_desktop.services import printing  # noqa: PLC0415 - reportlab on first use

        self.reason_edit.setPlaceholderText(printing.DEFAULT_SUPPLEMENT_REASON)
        self.form.addRow(self.tr("Lý do:"), self.reason_edit)

    def check(self, name: str, checked: bool = True) -> None:
        """Tick (or untick) a checklist item by its name."""
        for i in range(self.items_list.count()):
            item = self.items_list.item(i)
            if item.text() == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    @property
    def missing(self) -> list[DocumentItem]:
        """The ticked checklist items, then the other documents typed in."""
        out = [
            doc
            for i, doc in enumerate(self._documents)
            if self.items_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        out += [
            DocumentItem(" ".join(line.split()), originals=1)
            for line in self.other_edit.toPlainText().splitlines()
            if line.strip()
        ]
        return out

    @property
    def reason(self) -> str | None:
        """The reason, or None for the standard one."""
        return " ".join(self.reason_edit.text().split()) or None

    def validate(self) -> str | None:
        """At least one document must be asked for."""
        if not self.missing:
            return self.tr("Hãy đánh dấu ít nhất một giấy tờ cần bổ sung.")
        return None


class RescheduleDialog(_ActionDialog):
    """The apology's new appointment (once, with a reason)."""

    def __init__(self, detail: DossierDetail, parent: QWidget | None) -> None:
        due = detail.dossier.due_at
        super().__init__(
            self.tr("Xin lỗi và hẹn lại ngày trả kết quả"),
            self.tr(
                "Hồ sơ đã quá hạn trả kết quả (hẹn %s). Chọn ngày hẹn mới và nêu lý do; "
                "chỉ được hẹn lại một lần. Thống kê vẫn tính theo hạn cũ."
            )
            % fmt_datetime(due),
            self.tr("Hẹn lại và in Mẫu 04"),
            parent,
        )
        self._detail = detail
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("dateEdit")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        proposal = detail.proposed_new_due
        self.date_edit.setDate(QDate(proposal.year, proposal.month, proposal.day))
        today = detail.as_of.astimezone(VN_TZ).date()
        self.date_edit.setMinimumDate(QDate(today.year, today.month, today.day))
        self.form.addRow(self.tr("Ngày hẹn mới:"), self.date_edit)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(80)
        self.reason_edit.setPlaceholderText(self.tr("Lý do chậm trả kết quả (Ctrl+Enter)"))
        self.form.addRow(self.tr("Lý do:"), self.reason_edit)

    @property
    def new_day(self) -> date:
        """The chosen day."""
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    @property
    def new_due(self) -> datetime:
        """The new appointment: the chosen day at the office's closing time."""
        return new_due_at(self._detail, self.new_day)

    @property
    def reason(self) -> str:
        """The reason, trimmed."""
        return " ".join(self.reason_edit.toPlainText().split())

    def validate(self) -> str | None:
        """A reason and a day after the statutory due date."""
        if self.new_due <= self._detail.dossier.due_at:
            return self.tr("Ngày hẹn mới phải sau ngày hẹn trả kết quả theo quy định.")
        if not self.reason:
            return self.tr("Phải nêu lý do chậm trả kết quả.")
        return None


class EditDialog(_ActionDialog):
    """Correct the applicant's fields; each changed field is recorded as its own event."""

    def __init__(self, detail: DossierDetail, parent: QWidget | None) -> None:
        super().__init__(
            self.tr("Sửa thông tin hồ sơ"),
            self.tr(
                "Sửa thông tin nhập sai khi tiếp nhận. Mỗi thay đổi được ghi vào lịch sử "
                "hồ sơ; in lại phiếu hẹn nếu thông tin trên phiếu đã thay đổi."
            ),
            self.tr("Lưu thay đổi"),
            parent,
        )
        v = detail.dossier
        self._old: dict[str, str] = {
            "applicant_name": v.applicant_name,
            "id_number": v.id_number or "",
            "phone": v.phone or "",
            "address": v.address or "",
            "email": detail.email or "",
            "note": detail.note or "",
        }
        self.edits: dict[str, QLineEdit] = {}
        for name, old in self._old.items():
            edit = QLineEdit(old)
            edit.setObjectName(f"{name}Edit")
            self.edits[name] = edit
            self.form.addRow(self.tr(FIELD_LABELS[name]) + ":", edit)
        self.setMinimumWidth(560)

    @property
    def changes(self) -> dict[str, str | None]:
        """Field → new value (None to clear) for the fields that changed."""
        out: dict[str, str | None] = {}
        for name, edit in self.edits.items():
            new = " ".join(edit.text().split())
            if new != " ".join(self._old[name].split()):
                out[name] = new or None
        return out

    def validate(self) -> str | None:
        """Something must change, and the name cannot be blank."""
        changes = self.changes
        if not changes:
            return self.tr("Chưa có thông tin nào thay đổi.")
        if "applicant_name" in changes and not changes["applicant_name"]:
            return self.tr("Họ và tên người nộp không được để trống.")
        return None


# =========================================================================== the page


class _ActionButton(QPushButton):
    """An action: its name on the left, its shortcut in grey on the right."""

    def __init__(self, text: str, shortcut: str) -> None:
        super().__init__()
        self.setAccessibleName(text)
        self.setMinimumHeight(32)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 0, 10, 0)
        name = QLabel(text)
        key = QLabel(shortcut)
        key.setObjectName("shortcutLabel")
        key.setStyleSheet("color: #777;")
        for label in (name, key):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        layout.insertStretch(1, 1)


@dataclass(frozen=True, slots=True)
class _ActionSpec:
    name: str
    text: str
    shortcut: str
    tip: str


def _action_specs() -> tuple[_ActionSpec, ...]:
    return (
        _ActionSpec(
            "toProcessing", "Chuyển xử lý", "F3", "Chuyển hồ sơ sang bộ phận chuyên môn giải quyết"
        ),
        _ActionSpec(
            "requestSupplement",
            "Yêu cầu bổ sung",
            "F4",
            "Yêu cầu bổ sung hồ sơ (in Mẫu 02); tạm dừng thời hạn giải quyết",
        ),
        _ActionSpec(
            "supplementReceived",
            "Đã nhận bổ sung",
            "F5",
            "Đã nhận đủ hồ sơ bổ sung; tính tiếp thời hạn và cho biết ngày hẹn trả mới",
        ),
        _ActionSpec("resolve", "Đã có kết quả", "F6", "Bộ phận chuyên môn đã trả kết quả"),
        _ActionSpec(
            "returnResult", "Trả kết quả", "F7", "Trả kết quả cho công dân (ghi người nhận)"
        ),
        _ActionSpec(
            "rate",
            "Ghi đánh giá",
            "Shift+F7",
            "Ghi mức độ hài lòng của công dân khi nhận kết quả (hồ sơ đã trả, chưa có đánh giá)",
        ),
        _ActionSpec(
            "refuse", "Từ chối", "F8", "Từ chối tiếp nhận, giải quyết hồ sơ (in Mẫu 03; cần lý do)"
        ),
        _ActionSpec(
            "reschedule",
            "Xin lỗi & hẹn lại",
            "F9",
            "Hồ sơ quá hạn: xin lỗi và hẹn lại ngày trả kết quả (in Mẫu 04); chỉ một lần",
        ),
        _ActionSpec("withdraw", "Rút hồ sơ", "Shift+F8", "Công dân rút hồ sơ"),
        _ActionSpec("edit", "Sửa thông tin", "F2", "Sửa thông tin người nộp nhập sai"),
        _ActionSpec(
            "printReceipt",
            "In lại phiếu hẹn",
            "Ctrl+P",
            "In lại giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)",
        ),
        _ActionSpec(
            "printControl",
            "In phiếu kiểm soát",
            "Ctrl+Shift+P",
            "In phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)",
        ),
    )


class DossierDetailPage(QWidget):
    """One dossier: who, what, when, how late, its history, and what can be done next.

    Signals:
        loaded(DossierDetail): a dossier was shown (after :meth:`show_code` or an action).
        dossier_changed(DossierView): an action changed the dossier.
        back_requested(): the clerk wants the list again (Esc).
    """

    loaded = Signal(object)
    dossier_changed = Signal(object)
    back_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("detailPage")
        self.detail: DossierDetail | None = None
        self.last_dialog: QDialog | None = None
        self.last_preview: QDialog | None = None
        self._generation = 0
        self._busy = False
        self.buttons: dict[str, QPushButton] = {}
        self._build()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.addLayout(self._build_header())
        self.duplicate_banner = self._build_duplicate_banner()
        outer.addWidget(self.duplicate_banner)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(line)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_info_panel())
        splitter.addWidget(self._build_timeline())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 600])
        body = QHBoxLayout()
        body.addWidget(splitter, 1)
        body.addWidget(self._build_actions())
        outer.addLayout(body, 1)

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← Danh sách"))
        self.back_button.setObjectName("backButton")
        self.back_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.back_button.setToolTip(self.tr("Quay lại danh sách kết quả (Esc)"))
        self.back_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.back_button.clicked.connect(self.back_requested)
        header.addWidget(self.back_button)
        self.code_label = QLabel()
        self.code_label.setObjectName("codeLabel")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setStyleSheet("font-size: 15pt; font-weight: 600;")
        header.addWidget(self.code_label)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        header.addWidget(self.status_label)
        header.addStretch(1)
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("deadlineLabel")
        header.addWidget(self.deadline_label)
        return header

    def _build_duplicate_banner(self) -> QLabel:
        banner = QLabel()
        banner.setObjectName("duplicateBanner")
        banner.setWordWrap(True)
        banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        banner.setStyleSheet(
            "background: #fff4ce; color: #5c4400; border: 1px solid #e0c060;"
            " border-radius: 4px; padding: 6px 10px;"
        )
        banner.hide()
        return banner

    def _build_info_panel(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(380)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)

        applicant = QGroupBox(self.tr("Người nộp hồ sơ"))
        form = QFormLayout(applicant)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.value_labels: dict[str, QLabel] = {}

        def row(target: QFormLayout, key: str, label: str) -> None:
            value = QLabel()
            value.setObjectName(f"{key}Value")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.value_labels[key] = value
            target.addRow(label, value)

        row(form, "applicant", self.tr("Họ và tên:"))
        row(form, "idNumber", self.tr("CCCD/CMND:"))
        row(form, "phone", self.tr("Điện thoại:"))
        row(form, "address", self.tr("Địa chỉ:"))
        row(form, "email", self.tr("Email:"))
        layout.addWidget(applicant)

        dossier = QGroupBox(self.tr("Hồ sơ"))
        form2 = QFormLayout(dossier)
        row(form2, "procedure", self.tr("Thủ tục:"))
        row(form2, "channel", self.tr("Kênh nộp:"))
        row(form2, "received", self.tr("Tiếp nhận:"))
        row(form2, "due", self.tr("Hẹn trả:"))
        row(form2, "reason", self.tr("Lý do:"))
        row(form2, "returnedTo", self.tr("Người nhận KQ:"))
        row(form2, "rating", self.tr("Đánh giá:"))
        row(form2, "note", self.tr("Ghi chú:"))
        row(form2, "prints", self.tr("Đã in phiếu:"))
        self._dossier_form = form2
        layout.addWidget(dossier)

        docs = QGroupBox(self.tr("Thành phần hồ sơ"))
        docs_layout = QVBoxLayout(docs)
        self.documents_list = QListWidget()
        self.documents_list.setObjectName("documentsList")
        self.documents_list.setWordWrap(True)
        self.documents_list.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        docs_layout.addWidget(self.documents_list)
        layout.addWidget(docs, 1)
        return panel

    def _build_timeline(self) -> QWidget:
        box = QGroupBox(self.tr("Quá trình xử lý"))
        layout = QVBoxLayout(box)
        self.timeline = QTableWidget(0, 4)
        self.timeline.setObjectName("timelineTable")
        self.timeline.setHorizontalHeaderLabels(
            [self.tr("Thời gian"), self.tr("Người thực hiện"), self.tr("Máy"), self.tr("Nội dung")]
        )
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setWordWrap(True)
        self.timeline.setAlternatingRowColors(True)
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.timeline.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.timeline)
        return box

    def _build_actions(self) -> QWidget:
        box = QGroupBox(self.tr("Thao tác"))
        box.setObjectName("actionsBox")
        layout = QVBoxLayout(box)
        handlers: dict[str, Callable[[], None]] = {
            "toProcessing": self.hand_over,
            "requestSupplement": self.request_supplement,
            "supplementReceived": self.supplement_received,
            "resolve": self.resolve,
            "returnResult": self.return_result,
            "rate": self.rate,
            "refuse": self.refuse,
            "reschedule": self.reschedule,
            "withdraw": self.withdraw,
            "edit": self.edit,
            "printReceipt": self.print_receipt,
            "printControl": self.print_control_sheet,
        }
        for spec in _action_specs():
            if spec.name == "edit":
                separator = QFrame()
                separator.setFrameShape(QFrame.Shape.HLine)
                separator.setFrameShadow(QFrame.Shadow.Sunken)
                layout.addWidget(separator)
            key = QKeySequence(spec.shortcut)
            shown = key.toString(QKeySequence.SequenceFormat.NativeText)
            button = _ActionButton(self.tr(spec.text), shown)
            button.setObjectName(f"{spec.name}Button")
            button.setShortcut(key)
            button.setToolTip(f"{self.tr(spec.tip)} ({shown})")
            button.setEnabled(False)
            button.clicked.connect(handlers[spec.name])
            self.buttons[spec.name] = button
            layout.addWidget(button)
        layout.addStretch(1)
        box.setFixedWidth(280)
        return box

    # ------------------------------------------------------------------ loading

    def show_code(self, code: str) -> None:
        """Load a dossier by code off the GUI thread; ``loaded`` fires when it is shown."""
        self._generation += 1
        generation = self._generation
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> DossierDetail:
            return dossier_detail(ws, code)

        def done(detail: DossierDetail) -> None:
            if generation == self._generation:
                self._show(detail)

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_error)

    def reload(self) -> None:
        """Read the shown dossier again."""
        if self.detail is not None:
            self.show_code(self.detail.dossier.code)

    def _show(self, detail: DossierDetail) -> None:
        self.detail = detail
        v = detail.dossier
        status = detail.status
        self.code_label.setText(v.code)
        self.status_label.setText(STATUS_LABELS[status])
        color = _STATUS_COLORS[status]
        self.status_label.setStyleSheet(
            f"color: white; background: {color}; border-radius: 4px; padding: 2px 8px;"
            " font-weight: 600;"
        )
        text, late = self._deadline_text(detail)
        self.deadline_label.setText(text)
        self.deadline_label.setStyleSheet(
            f"color: {OVERDUE_COLOR.name()}; font-weight: 700; font-size: 12pt;"
            if late
            else "font-size: 12pt;"
        )
        labels = self.value_labels
        labels["applicant"].setText(f"<b>{_escape(v.applicant_name)}</b>")
        labels["idNumber"].setText(v.id_number or "—")
        labels["phone"].setText(v.phone or "—")
        labels["address"].setText(v.address or "—")
        labels["email"].setText(detail.email or "—")
        labels["procedure"].setText(f"{_escape(v.procedure_name)} <i>({v.procedure_code})</i>")
        labels["channel"].setText(CHANNEL_LABELS.get(Channel(v.channel), v.channel))
        labels["received"].setText(fmt_datetime(v.received_at))
        due = fmt_datetime(v.due_at)
        if v.rescheduled_due_at is not None:
            due += "  " + self.tr("(đã hẹn lại: %s)") % fmt_datetime(v.rescheduled_due_at)
        labels["due"].setText(due)
        if detail.overdue:
            labels["due"].setStyleSheet(f"color: {OVERDUE_COLOR.name()}; font-weight: 600;")
        else:
            labels["due"].setStyleSheet("")
        for key, value in (
            ("reason", detail.reason),
            ("returnedTo", detail.returned_to),
            ("rating", self.rating_text(detail)),
            ("note", detail.note),
        ):
            labels[key].setText(value or "")
            self._dossier_form.setRowVisible(labels[key], bool(value))
        labels["prints"].setText(self.tr("%d lần") % detail.print_count)
        if detail.duplicates:
            self.duplicate_banner.setText(
                self.tr(
                    "Có thể trùng: công dân này còn hồ sơ cùng thủ tục đang mở: %s. "
                    "Không tự gộp — kiểm tra và rút hồ sơ thừa nếu đúng là trùng."
                )
                % ", ".join(detail.duplicates)
            )
        self.duplicate_banner.setVisible(bool(detail.duplicates))
        self._fill_documents(detail.documents)
        self._fill_timeline(detail.timeline)
        self._update_actions()
        self.loaded.emit(detail)

    def _deadline_text(self, detail: DossierDetail) -> tuple[str, bool]:
        d = detail.deadline
        if d.kind is DeadlineKind.OVERDUE:
            if d.overdue_days:
                return self.tr("Quá hạn %d ngày") % d.overdue_days, True
            return self.tr("Quá hạn (hạn trả hôm nay)"), True
        if d.kind is DeadlineKind.DUE_TODAY:
            return self.tr("Hạn trả hôm nay"), False
        if d.kind is DeadlineKind.ON_TRACK:
            return self.tr("Còn %d ngày làm việc") % (d.working_days_left or 0), False
        if d.kind is DeadlineKind.PAUSED:
            since = fmt_date(detail.paused_at)
            text = self.tr("Tạm dừng — chờ bổ sung từ %s") % since
            return text, detail.overdue
        if d.resolution is not None:
            label = self.tr(_RESOLUTION_LABELS[d.resolution])
            return self.tr("Đã giải quyết %s") % label, d.resolution is Resolution.LATE
        return self.tr("Đã kết thúc"), False

    def _fill_documents(self, documents: Sequence[DocumentItem]) -> None:
        self.documents_list.clear()
        if not documents:
            self.documents_list.addItem(self.tr("(không có danh mục giấy tờ)"))
            return
        for doc in documents:
            counts = []
            if doc.originals:
                counts.append(self.tr("%d bản chính") % doc.originals)
            if doc.certified_copies:
                counts.append(self.tr("%d bản sao chứng thực") % doc.certified_copies)
            if doc.photocopies:
                counts.append(self.tr("%d bản photo") % doc.photocopies)
            mark = "☑" if doc.received else "☐"
            suffix = f" — {', '.join(counts)}" if counts else ""
            item = QListWidgetItem(f"{mark} {doc.name}{suffix}")
            if not doc.received:
                item.setForeground(OVERDUE_COLOR)
                item.setToolTip(self.tr("Chưa nộp"))
            self.documents_list.addItem(item)

    def _fill_timeline(self, entries: Sequence[TimelineEntry]) -> None:
        table = self.timeline
        table.setRowCount(0)
        table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            when = QTableWidgetItem(fmt_datetime(e.occurred_at))
            who = QTableWidgetItem(e.username or "—")
            if e.full_name and e.full_name != e.username:
                who.setToolTip(e.full_name)
            device = QTableWidgetItem("" if e.device_number is None else str(e.device_number))
            device.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            what = QTableWidgetItem(self.describe(e))
            what.setToolTip(what.text())
            for column, item in enumerate((when, who, device, what)):
                table.setItem(i, column, item)
        table.resizeRowsToContents()
        if entries:
            table.scrollToBottom()

    def describe(self, e: TimelineEntry) -> str:
        """One event in words."""
        p = e.payload
        if e.type == EventType.RECEIVED:
            channel = CHANNEL_LABELS.get(Channel(str(p.get("channel", "direct"))), "")
            return self.tr("Tiếp nhận hồ sơ (%s); hẹn trả %s") % (
                channel.lower(),
                fmt_datetime(_instant(p.get("due_at"))),
            )
        if e.type == EventType.IMPORTED:
            return self.tr("Nhập từ dữ liệu cũ")
        if e.type == EventType.STATUS_CHANGED:
            return self._describe_status(p)
        if e.type == EventType.FIELD_EDITED:
            name = str(p.get("field", ""))
            label = self.tr(FIELD_LABELS.get(name, name))
            return self.tr("Sửa %s: «%s» → «%s»") % (label, p.get("old") or "", p.get("new") or "")
        if e.type == EventType.RESCHEDULED:
            return self.tr("Xin lỗi, hẹn lại ngày trả: %s (hạn cũ %s). Lý do: %s") % (
                fmt_datetime(_instant(p.get("new_due_at"))),
                fmt_datetime(_instant(p.get("original_due_at"))),
                p.get("reason") or "",
            )
        if e.type == EventType.PRINTED:
            form = str(p.get("form", ""))
            return self.tr("In %s") % FORM_TITLES.get(form, form)
        if e.type == EventType.RATING_GIVEN:
            text = self.tr("Đánh giá: %s") % _rating_label(p.get("rating"))
            if p.get("reason"):
                text += ". " + self.tr("Lý do: %s") % p["reason"]
            return text
        return e.type

    @staticmethod
    def rating_of(detail: DossierDetail) -> Mapping[str, Any] | None:
        """The payload of the dossier's latest rating (None when not rated)."""
        given = [e for e in detail.timeline if e.type == EventType.RATING_GIVEN]
        return given[-1].payload if given else None

    def rating_text(self, detail: DossierDetail) -> str:
        """The rating in words (``Không hài lòng — lý do: …``); empty when not rated."""
        p = self.rating_of(detail)
        if p is None:
            return ""
        text = _rating_label(p.get("rating"))
        if p.get("reason"):
            text += " — " + self.tr("lý do: %s") % p["reason"]
        return text

    def _describe_status(self, p: Mapping[str, Any]) -> str:
        source, target = Status(str(p["from"])), Status(str(p["to"]))
        if target is Status.IN_PROGRESS and source is Status.WAITING_SUPPLEMENT:
            text = self.tr("Đã nhận bổ sung; hẹn trả mới %s") % fmt_datetime(
                _instant(p.get("due_at"))
            )
        elif target is Status.IN_PROGRESS:
            text = self.tr("Chuyển bộ phận chuyên môn giải quyết")
        elif target is Status.WAITING_SUPPLEMENT:
            text = self.tr("Yêu cầu bổ sung hồ sơ")
        elif target is Status.RETURNED:
            text = self.tr("Trả kết quả cho: %s") % p.get("collected_by", "")
        else:
            text = f"{STATUS_LABELS[source]} → {STATUS_LABELS[target]}"
        if p.get("reason"):
            text += ". " + self.tr("Lý do: %s") % p["reason"]
        if p.get("note"):
            text += ". " + str(p["note"])
        return text

    # ------------------------------------------------------------------ actions: state

    def _update_actions(self) -> None:
        d = self.detail
        enabled: dict[str, bool] = dict.fromkeys(self.buttons, False)
        if d is not None and not self._busy:
            status, allowed = d.status, d.allowed
            enabled.update(
                toProcessing=status is Status.RECEIVED and Status.IN_PROGRESS in allowed,
                requestSupplement=Status.WAITING_SUPPLEMENT in allowed,
                supplementReceived=status is Status.WAITING_SUPPLEMENT,
                resolve=Status.RESOLVED in allowed,
                returnResult=Status.RETURNED in allowed,
                rate=status is Status.RETURNED and self.rating_of(d) is None,
                refuse=Status.REFUSED in allowed,
                reschedule=d.can_reschedule,
                withdraw=Status.WITHDRAWN in allowed,
                edit=True,
                printReceipt=True,
                printControl=True,
            )
        for name, button in self.buttons.items():
            button.setEnabled(enabled[name])

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_actions()

    def _open(self, dialog: QDialog, on_accepted: Callable[[], None]) -> None:
        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(dialog.deleteLater)
        self.last_dialog = dialog
        dialog.open()
        dialog.activateWindow()  # keyboard first: the dialog takes the keys at once

    def _current(self) -> DossierDetail | None:
        return None if self._busy else self.detail

    # ------------------------------------------------------------------ actions

    def hand_over(self) -> None:
        """Chuyển xử lý: received → in progress."""
        d = self._current()
        if d is None:
            return
        dialog = ConfirmDialog(
            self.tr("Chuyển xử lý"),
            self.tr("Chuyển hồ sơ %s sang bộ phận chuyên môn giải quyết?") % d.dossier.code,
            self.tr("Chuyển xử lý"),
            self,
        )
        self._open(dialog, lambda: self._advance(d, Status.IN_PROGRESS, note=dialog.note))

    def request_supplement(self) -> None:
        """Yêu cầu bổ sung: tick what is missing, pause the clock, print Mẫu 02."""
        d = self._current()
        if d is None:
            return
        dialog = SupplementDialog(d.documents, self)

        def accepted() -> None:
            missing = dialog.missing
            reason = dialog.reason
            note = self.tr("Cần bổ sung: %s") % "; ".join(m.name for m in missing)
            self._advance(
                d,
                Status.WAITING_SUPPLEMENT,
                note=note,
                reason=reason,
                then=lambda _v: self._print("02", reason=reason, missing=missing),
            )

        self._open(dialog, accepted)

    def supplement_received(self) -> None:
        """Đã nhận bổ sung: the clock resumes; the new due date is shown."""
        d = self._current()
        if d is None:
            return
        dialog = ConfirmDialog(
            self.tr("Đã nhận bổ sung"),
            self.tr(
                "Đã nhận đủ hồ sơ bổ sung của %s? Thời hạn giải quyết được tính tiếp; "
                "ngày hẹn trả mới sẽ được tính lại."
            )
            % d.dossier.applicant_name,
            self.tr("Đã nhận bổ sung"),
            self,
        )
        self._open(
            dialog,
            lambda: self._advance(d, Status.IN_PROGRESS, note=dialog.note, then=self._show_new_due),
        )

    def _show_new_due(self, view: DossierView) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Ngày hẹn trả mới"),
            self.tr("Hồ sơ %s: ngày hẹn trả kết quả mới là %s.")
            % (view.code, fmt_datetime(view.due_at)),
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setObjectName("newDueBox")
        print_button = box.addButton(
            self.tr("In phiếu hẹn mới (Mẫu 01)"), QMessageBox.ButtonRole.AcceptRole
        )
        print_button.clicked.connect(self.print_receipt)
        box.setDefaultButton(print_button)
        box.finished.connect(box.deleteLater)
        self.last_dialog = box
        box.open()

    def resolve(self) -> None:
        """Đã có kết quả: the department sent the result back."""
        d = self._current()
        if d is None:
            return
        dialog = ConfirmDialog(
            self.tr("Đã có kết quả"),
            self.tr("Ghi nhận hồ sơ %s đã có kết quả giải quyết?") % d.dossier.code,
            self.tr("Đã có kết quả"),
            self,
        )
        self._open(dialog, lambda: self._advance(d, Status.RESOLVED, note=dialog.note))

    def return_result(self) -> None:
        """Trả kết quả: record who collected it (required)."""
        d = self._current()
        if d is None:
            return
        dialog = TextRequiredDialog(
            self.tr("Trả kết quả"),
            self.tr("Trả kết quả hồ sơ %s. Ghi họ tên người đến nhận kết quả.") % d.dossier.code,
            self.tr("Trả kết quả"),
            self.tr("Người nhận:"),
            self.tr("Phải ghi họ tên người nhận kết quả."),
            self,
            multiline=False,
            initial=d.dossier.applicant_name,
        )
        self._open(
            dialog,
            lambda: self._advance(d, Status.RETURNED, collected_by=dialog.value),
        )

    def rate(self) -> None:
        """Ghi đánh giá: the citizen's rating of the returned result (once)."""
        d = self._current()
        if d is None:
            return
        dialog = RatingDialog(d.dossier.code, d.dossier.applicant_name, self)

        def accepted() -> None:
            rating, reason = dialog.rating, dialog.reason
            ws, code = self.ctx.ws, d.dossier.code
            self._write(lambda: ratings.rate(ws, code, rating, reason), then=None)

        self._open(dialog, accepted)

    def refuse(self) -> None:
        """Từ chối: a reason is required; prints Mẫu 03."""
        d = self._current()
        if d is None:
            return
        dialog = TextRequiredDialog(
            self.tr("Từ chối hồ sơ"),
            self.tr(
                "Từ chối tiếp nhận, giải quyết hồ sơ %s. Lý do được in trên Mẫu 03 giao cho "
                "công dân."
            )
            % d.dossier.code,
            self.tr("Từ chối và in Mẫu 03"),
            self.tr("Lý do từ chối:"),
            self.tr("Phải nhập lý do từ chối hồ sơ."),
            self,
        )

        def accepted() -> None:
            reason = dialog.value
            self._advance(
                d,
                Status.REFUSED,
                reason=reason,
                then=lambda _v: self._print("03", reason=reason),
            )

        self._open(dialog, accepted)

    def reschedule(self) -> None:
        """Xin lỗi & hẹn lại: a new appointment once, for a late dossier; prints Mẫu 04."""
        d = self._current()
        if d is None or not d.can_reschedule:
            return
        dialog = RescheduleDialog(d, self)

        def accepted() -> None:
            new_due, reason = dialog.new_due, dialog.reason
            ws, code = self.ctx.ws, d.dossier.code
            self._write(
                lambda: dossiers.reschedule(ws, code, new_due, reason),
                then=lambda _v: self._print("04", reason=reason, new_due_at=new_due),
            )

        self._open(dialog, accepted)

    def withdraw(self) -> None:
        """Rút hồ sơ: at the citizen's request."""
        d = self._current()
        if d is None:
            return
        dialog = TextRequiredDialog(
            self.tr("Rút hồ sơ"),
            self.tr("Công dân rút hồ sơ %s. Hồ sơ sẽ được đóng.") % d.dossier.code,
            self.tr("Rút hồ sơ"),
            self.tr("Lý do:"),
            self.tr("Phải ghi lý do rút hồ sơ."),
            self,
            initial=self.tr("Theo đề nghị của người nộp hồ sơ."),
        )
        self._open(dialog, lambda: self._advance(d, Status.WITHDRAWN, reason=dialog.value))

    def edit(self) -> None:
        """Sửa thông tin: correct applicant fields (each change recorded as an event)."""
        d = self._current()
        if d is None:
            return
        dialog = EditDialog(d, self)

        def accepted() -> None:
            changes = dialog.changes
            ws, code = self.ctx.ws, d.dossier.code

            def fn() -> DossierView:
                view = d.dossier
                for name, value in changes.items():
                    view = dossiers.edit_field(ws, code, name, value)
                return view

            self._write(fn, then=self._offer_reprint)

        self._open(dialog, accepted)

    def _offer_reprint(self, view: DossierView) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Đã sửa thông tin"),
            self.tr("Đã lưu thay đổi của hồ sơ %s. In lại phiếu hẹn (Mẫu 01)?") % view.code,
            QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("reprintBox")
        yes = box.addButton(self.tr("In lại phiếu hẹn"), QMessageBox.ButtonRole.YesRole)
        yes.clicked.connect(self.print_receipt)
        box.setDefaultButton(yes)
        box.finished.connect(box.deleteLater)
        self.last_dialog = box
        box.open()

    def print_receipt(self) -> None:
        """In lại phiếu hẹn (Mẫu 01)."""
        if self.detail is not None:
            self._print("01")

    def print_control_sheet(self) -> None:
        """In phiếu kiểm soát (Mẫu 05)."""
        if self.detail is not None:
            self._print("05")

    # ------------------------------------------------------------------ running

    def _advance(
        self,
        d: DossierDetail,
        target: Status,
        *,
        note: str | None = None,
        reason: str | None = None,
        collected_by: str | None = None,
        then: Callable[[DossierView], None] | None = None,
    ) -> None:
        ws, code = self.ctx.ws, d.dossier.code
        self._write(
            lambda: dossiers.advance(
                ws, code, target, note=note, reason=reason, collected_by=collected_by
            ),
            then=then,
        )

    def _write(
        self, fn: Callable[[], DossierView], *, then: Callable[[DossierView], None] | None
    ) -> None:
        """One service call on the WRITE lane; buttons stay disabled until it answers."""
        self._set_busy(True)

        def job(_cancel: threading.Event) -> DossierView:
            return fn()

        def done(view: DossierView) -> None:
            self._set_busy(False)
            self.dossier_changed.emit(view)
            self.reload()
            if then is not None:
                then(view)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self._on_error(exc)

        self.ctx.runner.submit(job, on_done=done, on_error=failed, lane=Lane.WRITE)

    def _print(
        self,
        form: str,
        *,
        reason: str | None = None,
        missing: Sequence[DocumentItem] | None = None,
        new_due_at: datetime | None = None,
    ) -> None:
        """Render a form on the READ lane, then open it in the print preview."""
        if self.detail is None:
            return
        ws, code = self.ctx.ws, self.detail.dossier.code
        title = self.tr(FORM_TITLES[form])

        from onestop_desktop.services import printing  # noqa: PLC0415 - reportlab on first use

        def job(_cancel: threading.Event) -> bytes:  # reads only: READ lane
            return printing.render_form(
                ws, form, code, reason=reason, missing=missing, new_due_at=new_due_at, record=False
            )

        def record(_cancel: threading.Event) -> None:  # the print event: WRITE lane
            printing.record_print(ws, code, form)

        def done(pdf: bytes) -> None:
            self.ctx.runner.submit(
                record, on_done=lambda _r: self.reload(), on_error=self._on_error, lane=Lane.WRITE
            )
            self._open_preview(pdf, f"{title} — {code}", f"Mau{form}_{code}.pdf")

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_error)

    def _open_preview(self, pdf: bytes, title: str, file_name: str) -> None:
        from onestop_desktop.gui.dialogs.print_preview import (  # noqa: PLC0415 - heavy, on use
            PrintPreviewDialog,
        )

        dialog = PrintPreviewDialog(pdf, title, file_name, self)
        dialog.finished.connect(dialog.deleteLater)
        self.last_preview = dialog
        dialog.open()

    def _on_error(self, exc: BaseException) -> None:
        self.last_dialog = show_error(self, exc)


def _rating_label(value: object) -> str:
    """A recorded rating's Vietnamese label (the value as given when it is not a rating)."""
    try:
        return RATING_LABELS[parse_rating(value)]
    except ValidationError:
        return str(value or "")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _instant(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
