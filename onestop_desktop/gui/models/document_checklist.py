"""The intake checklist: one row per required document, ticked when received, with counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QSpinBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from onestop_desktop.domain.dossier import DocumentItem

_Index = QModelIndex | QPersistentModelIndex

NAME, ORIGINALS, CERTIFIED, PHOTOCOPIES = range(4)
MAX_COUNT = 99
_COUNT_FIELDS = {ORIGINALS: "originals", CERTIFIED: "certified_copies", PHOTOCOPIES: "photocopies"}


@dataclass(frozen=True, slots=True)
class _Row:
    item: DocumentItem
    custom: bool = False  # added at the counter: its name may be edited


def _tr(text: str) -> str:
    return QCoreApplication.translate("DocumentChecklistModel", text)


class DocumentChecklistModel(QAbstractTableModel):
    """Documents of the chosen procedure; the first column is the "received" tick box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    # ------------------------------------------------------------------ contents

    def set_items(self, items: Sequence[DocumentItem], *, custom_from: int | None = None) -> None:
        """Replace the checklist; rows from ``custom_from`` on are counter-added (name editable)."""
        self.beginResetModel()
        first_custom = len(items) if custom_from is None else custom_from
        self._rows = [_Row(item, i >= first_custom) for i, item in enumerate(items)]
        self.endResetModel()

    def items(self) -> tuple[DocumentItem, ...]:
        """The checklist as entered (blank added rows left out)."""
        return tuple(r.item for r in self._rows if r.item.name.strip())

    def add_custom(self, name: str) -> QModelIndex:
        """Append a document brought by the applicant; returns the index of its name."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(_Row(DocumentItem(name, originals=1), custom=True))
        self.endInsertRows()
        return self.index(row, NAME)

    def received_count(self) -> tuple[int, int]:
        """(ticked rows, all rows)."""
        return sum(1 for r in self._rows if r.item.received), len(self._rows)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Rows of the checklist (flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Name + three counts."""
        return 0 if parent.isValid() else 4

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; rows are numbered 1, 2, 3 …"""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return {
            NAME: _tr("Đã nhận — tên giấy tờ"),
            ORIGINALS: _tr("Bản chính"),
            CERTIFIED: _tr("Bản sao CT"),
            PHOTOCOPIES: _tr("Bản photo"),
        }.get(section)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Name: tick box (and editable for added rows); counts: editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == NAME:
            base |= Qt.ItemFlag.ItemIsUserCheckable
            if self._rows[index.row()].custom:
                base |= Qt.ItemFlag.ItemIsEditable
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, tick state, counts and alignment."""
        if not index.isValid():
            return None
        item = self._rows[index.row()].item
        col = index.column()
        if col == NAME:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                return item.name
            if role == Qt.ItemDataRole.ToolTipRole:
                return item.name
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if item.received else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return int(getattr(item, _COUNT_FIELDS[col]))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Tick/untick, rename an added row, or change a count (0–99)."""
        if not index.isValid():
            return False
        row = self._rows[index.row()]
        col = index.column()
        new: DocumentItem | None = None
        if col == NAME and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
            new = replace(row.item, received=checked)
        elif col == NAME and role == Qt.ItemDataRole.EditRole and row.custom:
            new = replace(row.item, name=" ".join(str(value).split()))
        elif col in _COUNT_FIELDS and role == Qt.ItemDataRole.EditRole:
            try:
                count = int(value)
            except (TypeError, ValueError):
                return False
            if not 0 <= count <= MAX_COUNT:
                return False
            if col == ORIGINALS:
                new = replace(row.item, originals=count)
            elif col == CERTIFIED:
                new = replace(row.item, certified_copies=count)
            else:
                new = replace(row.item, photocopies=count)
        if new is None:
            return False
        self._rows[index.row()] = replace(row, item=new)
        self.dataChanged.emit(index, index, [role])
        return True


class CountDelegate(QStyledItemDelegate):
    """Edits a count with a spin box limited to 0–99."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        """A spin box instead of the default unbounded one."""
        del option, index
        editor = QSpinBox(parent)
        editor.setRange(0, MAX_COUNT)
        editor.setFrame(False)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return editor
