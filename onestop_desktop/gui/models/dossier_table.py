"""Table model of the lookup list: DossierView DTOs in, six columns out, with a sort role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.dossier import FINISHED_STATUSES, STATUS_LABELS, Status
from onestop_desktop.domain.text import fold
from onestop_desktop.services.browse import RUNNING_STATUSES
from onestop_desktop.services.dossiers import DossierView

#: Role giving a value that sorts the column correctly (dates as instants, names folded).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role giving the row's DossierView.
DOSSIER_ROLE = Qt.ItemDataRole.UserRole + 2

OVERDUE_COLOR = QColor("#c62828")
_MUTED_COLOR = QColor("#6b6b6b")

_Index = QModelIndex | QPersistentModelIndex
_OVERDUE_BRUSH = QBrush(OVERDUE_COLOR)
_MUTED_BRUSH = QBrush(_MUTED_COLOR)


@dataclass(frozen=True, slots=True)
class _Cells:
    """What a row shows, computed once."""

    display: tuple[str, ...]
    foreground: tuple[QBrush | None, ...]


class Column(IntEnum):
    """The list's columns, in display order."""

    CODE = 0
    APPLICANT = 1
    PROCEDURE = 2
    RECEIVED = 3
    DUE = 4
    STATUS = 5


def fmt_datetime(at: datetime | None) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time (blank for None)."""
    return "" if at is None else at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def fmt_date(at: datetime | None) -> str:
    """``dd/mm/yyyy`` in Vietnam time (blank for None)."""
    return "" if at is None else at.astimezone(VN_TZ).strftime("%d/%m/%Y")


def is_late(view: DossierView, now: datetime) -> bool:
    """Open, clock running, and past the statutory due date."""
    return Status(view.status) in RUNNING_STATUSES and view.due_at < now


class DossierTableModel(QAbstractTableModel):
    """Rows of DossierView; read-only. ``now`` decides which due dates show as overdue."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DossierView] = []
        self._cache: list[_Cells | None] = []
        self._now: datetime | None = None
        self._handlers: dict[int, Callable[[int, int], Any]] = {
            Qt.ItemDataRole.DisplayRole: self._display_of,
            Qt.ItemDataRole.ForegroundRole: self._foreground_of,
            Qt.ItemDataRole.ToolTipRole: self._tooltip_of,
            SORT_ROLE: self._sort_of,
            DOSSIER_ROLE: self._dossier_of,
        }
        self._headers = (
            self.tr("Mã hồ sơ"),
            self.tr("Người nộp"),
            self.tr("Thủ tục"),
            self.tr("Ngày nhận"),
            self.tr("Hẹn trả"),
            self.tr("Trạng thái"),
        )

    # ------------------------------------------------------------------ content

    def set_rows(self, rows: Sequence[DossierView], now: datetime) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self._cache = [None] * len(self._rows)
        self._now = now
        self.endResetModel()

    def append_rows(self, rows: Sequence[DossierView]) -> None:
        """Add a further page at the end (rows already shown are skipped)."""
        seen = {r.id for r in self._rows}
        fresh = [r for r in rows if r.id not in seen]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(fresh)
        self._cache.extend([None] * len(fresh))
        self.endInsertRows()

    def update_row(self, view: DossierView) -> None:
        """Show a dossier's new state if it is listed."""
        for i, row in enumerate(self._rows):
            if row.id == view.id:
                self._rows[i] = view
                self._cache[i] = None
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))
                return

    def dossier_at(self, row: int) -> DossierView:
        """The DossierView of a source row."""
        return self._rows[row]

    def rows(self) -> list[DossierView]:
        """Every row, in source order."""
        return list(self._rows)

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Rows (a table: no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Columns (a table: no children)."""
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Vietnamese column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return self._headers[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Selectable, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, sort keys, tooltips, and red for overdue due dates.

        Views call this for every role of every visible cell on each repaint, so a row's cells
        are computed once and kept; a role is one dictionary look-up.
        """
        handler = self._handlers.get(role)
        if handler is None:
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        return handler(row, index.column())

    def _cells(self, row: int) -> _Cells:
        cells = self._cache[row]
        if cells is None:
            view = self._rows[row]
            late = self._now is not None and is_late(view, self._now)
            finished = Status(view.status) in FINISHED_STATUSES
            cells = _Cells(
                display=(
                    view.code,
                    view.applicant_name,
                    view.procedure_name or view.procedure_code,
                    fmt_datetime(view.received_at),
                    fmt_date(view.due_at),
                    STATUS_LABELS[Status(view.status)],
                ),
                foreground=(
                    None,
                    None,
                    None,
                    None,
                    _OVERDUE_BRUSH if late else None,
                    _MUTED_BRUSH if finished else None,
                ),
            )
            self._cache[row] = cells
        return cells

    def _display_of(self, row: int, column: int) -> str | None:
        display = self._cells(row).display
        return display[column] if 0 <= column < len(display) else None

    def _foreground_of(self, row: int, column: int) -> QBrush | None:
        foreground = self._cells(row).foreground
        return foreground[column] if 0 <= column < len(foreground) else None

    def _sort_of(self, row: int, column: int) -> str | float | int | None:
        if not 0 <= column < len(Column):
            return None
        return self._sort_key(self._rows[row], Column(column))

    def _tooltip_of(self, row: int, column: int) -> str | None:
        if not 0 <= column < len(Column):
            return None
        return self._tooltip(self._rows[row], Column(column))

    def _dossier_of(self, row: int, _column: int) -> DossierView:
        return self._rows[row]

    def _sort_key(self, view: DossierView, column: Column) -> str | float | int:
        if column is Column.CODE:
            return view.code
        if column is Column.APPLICANT:
            return fold(view.applicant_name)
        if column is Column.PROCEDURE:
            return fold(view.procedure_name or view.procedure_code)
        if column is Column.RECEIVED:
            return view.received_at.timestamp()
        if column is Column.DUE:
            return view.due_at.timestamp()
        return list(Status).index(Status(view.status))

    def _tooltip(self, view: DossierView, column: Column) -> str | None:
        if column is Column.PROCEDURE:
            return f"{view.procedure_code} — {view.procedure_name}"
        if column is Column.DUE:
            tip = self.tr("Hẹn trả theo quy định: %s") % fmt_datetime(view.due_at)
            if view.rescheduled_due_at is not None:
                tip += "\n" + self.tr("Đã hẹn lại: %s") % fmt_datetime(view.rescheduled_due_at)
            if self._now is not None and is_late(view, self._now):
                tip += "\n" + self.tr("Quá hạn")
            return tip
        if column is Column.APPLICANT:
            parts = [view.applicant_name, view.id_number or "", view.phone or ""]
            return " · ".join(p for p in parts if p)
        return None
