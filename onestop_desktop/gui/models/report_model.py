"""Table model of Biểu II.06a: a Report in, rows by unit and field with subtotals out.

Rows keep the report's order (a unit, then its fields; a subtotal per level; the grand total),
so the table is not sortable: sorting would tear subtotals from the rows they add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from onestop_desktop.services.reports import Figures, Report, UnitReport, vn_int, vn_pct

_Index = QModelIndex | QPersistentModelIndex

#: Role giving the cell's DrillTarget (None for labels and rates).
DRILL_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role giving the cell's raw number (int, or float for the rate).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the figure key(s) it adds up, its header and its header group."""

    figures: tuple[str, ...]
    title: str
    group: str


#: Column 0 is the row label; then the form's columns 3–13 and the on-time rate.
COLUMNS: tuple[Column, ...] = (
    Column((), "Đơn vị / Lĩnh vực", ""),
    Column(("received",), "Tổng số", "Số hồ sơ nhận giải quyết"),
    Column(("received_online",), "Trực tuyến", "Số hồ sơ nhận giải quyết"),
    Column(("received_direct", "received_postal"), "Trực tiếp,\nBCCI", "Số hồ sơ nhận giải quyết"),
    Column(("carried_over",), "Từ kỳ\ntrước", "Số hồ sơ nhận giải quyết"),
    Column(("resolved",), "Tổng số", "Số hồ sơ đã giải quyết"),
    Column(("resolved_early",), "Trước hạn", "Số hồ sơ đã giải quyết"),
    Column(("resolved_on_time",), "Đúng hạn", "Số hồ sơ đã giải quyết"),
    Column(("resolved_late",), "Quá hạn", "Số hồ sơ đã giải quyết"),
    Column(("in_progress",), "Tổng số", "Số hồ sơ đang giải quyết"),
    Column(("in_progress_on_time",), "Trong hạn", "Số hồ sơ đang giải quyết"),
    Column(("in_progress_overdue",), "Quá hạn", "Số hồ sơ đang giải quyết"),
    Column((), "Tỷ lệ\nđúng hạn", ""),
)
RATE_COLUMN = len(COLUMNS) - 1

LEVEL_TOTAL_LABELS = {
    "province": "Cộng cấp tỉnh",
    "district": "Cộng cấp huyện",
    "ward": "Cộng cấp xã",
    "office": "Cộng các cơ quan khác",
}


class RowKind(Enum):
    """What a row is."""

    UNIT = "unit"
    FIELD = "field"
    LEVEL = "level"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One table row. ``row_units`` None means the whole report (its unit filter)."""

    kind: RowKind
    label: str
    figures: Figures
    row_units: tuple[str, ...] | None
    field: str | None


@dataclass(frozen=True, slots=True)
class DrillTarget:
    """What a double-clicked number stands for."""

    figures: tuple[str, ...]
    value: int
    row_units: tuple[str, ...] | None
    field: str | None
    row_label: str
    column_title: str


def _value(figs: Figures, keys: Sequence[str]) -> int:
    return sum(int(getattr(figs, k)) for k in keys)


def build_rows(
    rep: Report, *, only_unit: str | None = None, field: str | None = None
) -> list[ReportRow]:
    """The table's rows for a report, keeping one unit's row and one field if asked."""
    units: list[UnitReport] = [
        u for u in rep.units if only_unit is None or u.unit_code == only_unit
    ]

    def unit_figures(u: UnitReport) -> Figures:
        if field is None:
            return u.figures
        return u.by_field.get(field, Figures())

    rows: list[ReportRow] = []
    levels: dict[str, list[UnitReport]] = {}
    for u in units:
        levels.setdefault(u.level, []).append(u)
    many_levels = len(levels) > 1
    total = Figures()
    for level, members in levels.items():
        level_total = Figures()
        for u in members:
            figs = unit_figures(u)
            if field is not None and u.by_field.get(field) is None:
                continue
            level_total.add(figs)
            rows.append(ReportRow(RowKind.UNIT, u.unit_name, figs, (u.unit_code,), None))
            for name, f in sorted(u.by_field.items()):
                if field is None or name == field:
                    rows.append(ReportRow(RowKind.FIELD, name, f, (u.unit_code,), name))
        total.add(level_total)
        if many_levels and len(members) > 1:
            label = LEVEL_TOTAL_LABELS.get(level, "Cộng")
            codes = tuple(u.unit_code for u in members)
            rows.append(
                ReportRow(
                    RowKind.LEVEL, f"{label} ({len(codes)} đơn vị)", level_total, codes, field
                )
            )
    if field is None and only_unit is None:
        total = rep.total  # the service's own sum (equal; kept as the reference)
    rows.append(
        ReportRow(
            RowKind.TOTAL,
            "TỔNG CỘNG",
            total,
            (only_unit,) if only_unit is not None else None,
            field,
        )
    )
    return rows


class ReportTableModel(QAbstractTableModel):
    """Rows of a Report; read-only; numbers in Vietnamese format, subtotals in bold."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ReportRow] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._shades = {
            RowKind.UNIT: QBrush(QColor("#eef3fa")),
            RowKind.LEVEL: QBrush(QColor("#dde7f5")),
            RowKind.TOTAL: QBrush(QColor("#c9d8ee")),
        }
        self._late = QBrush(QColor("#b3261e"))

    def set_report(
        self, rep: Report, *, only_unit: str | None = None, field: str | None = None
    ) -> None:
        """Show a report (optionally one unit's row and one field only)."""
        self.beginResetModel()
        self._rows = build_rows(rep, only_unit=only_unit, field=field)
        self.endResetModel()

    def clear(self) -> None:
        """No report."""
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def row_at(self, row: int) -> ReportRow:
        """The ReportRow shown at ``row``."""
        return self._rows[row]

    def rows(self) -> list[ReportRow]:
        """Every row."""
        return list(self._rows)

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Rows (a table: no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Columns (a table: no children)."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Lower header line (the group line is painted by the view's header)."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section].title)
        if role == Qt.ItemDataRole.ToolTipRole:
            column = COLUMNS[section]
            group = self.tr(column.group) if column.group else ""
            title = self.tr(column.title).replace("\n", " ")
            return f"{group} — {title}" if group else title
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Selectable, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(  # noqa: PLR0911 - one answer per role
        self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Formatted numbers, raw values, drill targets, fonts and shading."""
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(COLUMNS)):
            return None
        r = self._rows[row]
        column = COLUMNS[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return ("      " if r.kind is RowKind.FIELD else "") + self.tr(r.label)
            if col == RATE_COLUMN:
                return vn_pct(r.figures.on_time_rate)
            return vn_int(_value(r.figures, column.figures))
        if role == VALUE_ROLE:
            if col == 0:
                return None
            if col == RATE_COLUMN:
                return r.figures.on_time_rate
            return _value(r.figures, column.figures)
        if role == DRILL_ROLE:
            if not column.figures:
                return None
            return DrillTarget(
                column.figures,
                _value(r.figures, column.figures),
                r.row_units,
                r.field,
                r.label,
                f"{column.group} — {column.title}".replace("\n", " "),
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == 0:
                return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.FontRole and r.kind is not RowKind.FIELD:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._shades.get(r.kind)
        if role == Qt.ItemDataRole.ForegroundRole:
            late = ("resolved_late",), ("in_progress_overdue",)
            if column.figures in late and _value(r.figures, column.figures):
                return self._late
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column.figures:
            return self.tr("Nhấp đúp để xem danh sách hồ sơ")
        return None
