"""The dossiers behind one number of the report; double-click (or Enter) opens a dossier."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
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

from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.models.dossier_table import fmt_date, fmt_datetime
from onestop_desktop.gui.models.report_model import DrillTarget
from onestop_desktop.services.reports import vn_int

#: At most this many dossiers are listed (the count above says how many there are).
DRILL_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class DrillQuery:
    """The report the number comes from."""

    date_from: date
    date_to: date
    unit_code: str | None
    procedure_code: str | None = None


def load_drill_rows(ws: Any, query: DrillQuery, target: DrillTarget) -> list[Any]:
    """Every dossier behind the target (one call per figure and report row), by receipt."""
    from onestop_desktop.services.report_drill import report_dossiers  # noqa: PLC0415

    rows: list[Any] = []
    for figure in target.figures:
        for row_unit in target.row_units or (None,):
            rows.extend(
                report_dossiers(
                    ws,
                    query.date_from,
                    query.date_to,
                    figure,
                    unit_code=query.unit_code,
                    procedure_field=target.field,
                    procedure_code=query.procedure_code,
                    row_unit=row_unit,
                    limit=DRILL_LIMIT,
                )
            )
    rows.sort(key=lambda r: (r.received_at, r.code))
    return rows[:DRILL_LIMIT]


class _DrillView(QTableView):
    def __init__(self, dialog: ReportDrillDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current dossier."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._dialog.open_index(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class ReportDrillDialog(QDialog):
    """Lists the dossiers behind a figure, loaded on the READ lane."""

    dossier_requested = Signal(str)
    loaded = Signal(int)

    HEADERS = (
        "Mã hồ sơ",
        "Người nộp",
        "Thủ tục",
        "Cơ quan",
        "Ngày nhận",
        "Hẹn trả",
        "Ngày kết thúc",
        "Trạng thái",
    )

    def __init__(
        self,
        ctx: AppContext,
        query: DrillQuery,
        target: DrillTarget,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportDrillDialog")
        self.ctx = ctx
        self.query = query
        self.target = target
        self.setWindowTitle(self.tr("Hồ sơ: %s") % target.column_title)
        self.model = QStandardItemModel(0, len(self.HEADERS), self)
        self.model.setHorizontalHeaderLabels([self.tr(h) for h in self.HEADERS])
        self.title_label = QLabel(
            self.tr("<b>%s</b> · %s · %s đến %s")
            % (
                target.column_title,
                target.row_label,
                query.date_from.strftime("%d/%m/%Y"),
                query.date_to.strftime("%d/%m/%Y"),
            )
        )
        self.title_label.setWordWrap(True)
        self.count_label = QLabel(self.tr("Đang tải…"))
        self.count_label.setObjectName("drillCountLabel")
        self.view = _DrillView(self)
        self.view.setObjectName("drillView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.setToolTip(self.tr("Nhấp đúp hoặc Enter để mở hồ sơ"))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((200, 170, 260, 200, 120, 90, 120, 120)):
            self.view.setColumnWidth(col, width)
        self.view.doubleClicked.connect(self.open_index)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.count_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(1180, 560)
        self.codes: list[str] = []

    def load(self) -> None:
        """Query the dossiers off the GUI thread."""
        ws, query, target = self.ctx.ws, self.query, self.target

        def job(_cancel: threading.Event) -> list[Any]:
            return load_drill_rows(ws, query, target)

        self.ctx.runner.submit(job, on_done=self._show_rows, on_error=self._on_load_error)

    def _show_rows(self, rows: list[Any]) -> None:
        self.model.setRowCount(0)
        self.codes = [r.code for r in rows]
        for r in rows:
            items = [
                QStandardItem(r.code),
                QStandardItem(r.applicant),
                QStandardItem(r.procedure),
                QStandardItem(r.office),
                QStandardItem(fmt_datetime(r.received_at)),
                QStandardItem(fmt_date(r.due_at)),
                QStandardItem(fmt_datetime(r.finished_at)),
                QStandardItem(r.status),
            ]
            self.model.appendRow(items)
        n = len(rows)
        text = self.tr("%s hồ sơ") % vn_int(n)
        if n < self.target.value:
            text += self.tr(" (hiện %s trên tổng số %s)") % (vn_int(n), vn_int(self.target.value))
        self.count_label.setText(text)
        self.loaded.emit(n)

    def _on_load_error(self, exc: BaseException) -> None:
        self.count_label.setText(self.tr("Không tải được danh sách hồ sơ."))
        show_error(self, exc)

    def open_index(self, index: QModelIndex) -> None:
        """Ask the main window to open the dossier of a row."""
        if not index.isValid():
            return
        code = self.model.data(self.model.index(index.row(), 0))
        if code:
            self.dossier_requested.emit(str(code))
