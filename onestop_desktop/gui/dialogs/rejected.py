"""The events the server kept but refused to apply (SYNC-FAULTS 10, 18), for their authors.

Loaded on the READ lane from ``services.sync_round.rejected_events``; double-clicking a row asks
the main window to open the dossier (``dossier_requested(code)``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.dossier import STATUS_LABELS, EventType, Status
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import show_error
from onestop_desktop.services.sync_round import RejectedEvent, rejected_events

_Index = QModelIndex | QPersistentModelIndex

AT, CODE, APPLICANT, CHANGE, REASON, ORIGIN = range(6)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
EVENT_ROLE = Qt.ItemDataRole.UserRole + 2


def _tr(text: str) -> str:
    return QCoreApplication.translate("RejectedEventsModel", text)


def event_type_name(event: RejectedEvent) -> str:
    """The kind of change, in Vietnamese (a status change names its target status)."""
    names = {
        EventType.RECEIVED: _tr("Tiếp nhận hồ sơ"),
        EventType.IMPORTED: _tr("Nhập hồ sơ từ hệ thống khác"),
        EventType.FIELD_EDITED: _tr("Sửa thông tin"),
        EventType.RESCHEDULED: _tr("Xin lỗi và hẹn lại ngày trả"),
        EventType.PRINTED: _tr("In giấy tờ"),
        EventType.RATING_GIVEN: _tr("Đánh giá của người dân"),
    }
    if event.type == EventType.STATUS_CHANGED:
        target = _status_label(event.payload, "to")
        source = _status_label(event.payload, "from")
        if source and target:
            return _tr("Chuyển trạng thái: %s → %s") % (source, target)
        return _tr("Chuyển trạng thái")
    if event.type == EventType.FIELD_EDITED:
        field = str(event.payload.get("field", ""))
        fields = {
            "applicant_name": _tr("họ tên"),
            "id_number": _tr("số giấy tờ"),
            "phone": _tr("điện thoại"),
            "address": _tr("địa chỉ"),
            "email": _tr("thư điện tử"),
            "note": _tr("ghi chú"),
        }
        if field in fields:
            return _tr("Sửa thông tin (%s)") % fields[field]
    try:
        return names[EventType(event.type)]
    except (ValueError, KeyError):
        return event.type


def _status_label(payload: Mapping[str, Any], key: str) -> str | None:
    try:
        return STATUS_LABELS[Status(str(payload.get(key)))]
    except ValueError:
        return None


def reason_text(reason: str) -> str:
    """Why the server refused the event, in Vietnamese."""
    texts = {
        "conflict": _tr(
            "Xung đột: hồ sơ đã được máy khác chuyển sang trạng thái khác trước, thay đổi này "
            "không còn hợp lệ"
        ),
        "transition": _tr("Chuyển trạng thái không hợp lệ với trạng thái hiện tại của hồ sơ"),
        "scope": _tr("Hồ sơ ngoài phạm vi cơ quan của máy trạm này"),
        "unknown": _tr("Máy chủ không có hồ sơ này"),
        "invalid": _tr("Dữ liệu của thay đổi không hợp lệ"),
    }
    return texts.get(reason, _tr("Bị từ chối (%s)") % reason)


class RejectedEventsModel(QAbstractTableModel):
    """One row per rejected event."""

    HEADERS = (
        "Thời gian",
        "Mã hồ sơ",
        "Người nộp",
        "Loại thay đổi",
        "Lý do",
        "Của máy",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RejectedEvent] = []

    def set_events(self, events: Sequence[RejectedEvent]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._rows = list(events)
        self.endResetModel()

    def event_at(self, row: int) -> RejectedEvent:
        """The event of a (source) row."""
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(self.HEADERS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == EVENT_ROLE:
            return event
        if role == SORT_ROLE:
            if column == AT:
                return event.occurred_at.timestamp()
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.ToolTipRole and column == REASON:
            return f"rejected:{event.reason}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == AT:
            return event.occurred_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
        if column == CODE:
            return event.dossier_code or _tr("(chưa có trên máy này)")
        if column == APPLICANT:
            return event.applicant_name or ""
        if column == CHANGE:
            return event_type_name(event)
        if column == REASON:
            return reason_text(event.reason)
        return _tr("Máy này") if event.mine else _tr("Máy khác")


class RejectedDialog(QDialog):
    """Lists rejected events; double-click (or Enter) opens the dossier."""

    dossier_requested = Signal(str)
    loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("rejectedDialog")
        self.setWindowTitle(self.tr("Thay đổi bị máy chủ từ chối"))
        self.resize(1000, 420)
        layout = QVBoxLayout(self)
        self.intro_label = QLabel(
            self.tr(
                "Máy chủ đã lưu các thay đổi dưới đây nhưng không áp dụng. Hãy mở hồ sơ (nhấp đúp) "
                "để kiểm tra trạng thái hiện tại và làm lại thao tác nếu cần."
            )
        )
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.model = RejectedEventsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setObjectName("rejectedTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AT, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.count_label = QLabel(self.tr("Đang tải…"))
        self.count_label.setObjectName("rejectedCountLabel")
        layout.addWidget(self.count_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.doubleClicked.connect(self.open_index)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda: self.open_index(self.table.currentIndex()))

    def load(self) -> None:
        """Read the rejected events off the GUI thread."""
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> list[RejectedEvent]:
            return rejected_events(ws)

        self.ctx.runner.submit(job, on_done=self._show, on_error=self._on_error)

    def _show(self, events: list[RejectedEvent]) -> None:
        self.model.set_events(events)
        if events:
            self.count_label.setText(self.tr("%d thay đổi bị từ chối.") % len(events))
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.count_label.setText(self.tr("Không có thay đổi nào bị từ chối."))
        self.loaded.emit(len(events))

    def _on_error(self, exc: BaseException) -> None:
        self.count_label.setText(self.tr("Không tải được danh sách."))
        show_error(self, exc)

    def open_index(self, index: QModelIndex) -> None:
        """Open the dossier of a row (when this workstation holds it)."""
        if not index.isValid():
            return
        event = self.proxy.data(index, EVENT_ROLE)
        if isinstance(event, RejectedEvent) and event.dossier_code:
            self.dossier_requested.emit(event.dossier_code)
            self.accept()


__all__ = ["RejectedDialog", "RejectedEventsModel", "event_type_name", "reason_text"]
