"""Báo cáo: the periodic report (Biểu II.06a) with filters, drill-down, exports, the daily summary
and charts.

The report, the chart series, the drill-down lists, the exports and the daily summary's PDF all
run on the READ lane; a generation counter drops results of a query the clerk has since changed.
Only painting charts into a PDF ("In biểu đồ") happens on the GUI thread.
"""

from __future__ import annotations

import html
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QDate,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyleOptionHeader,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.catalog import HANDLING_LEVEL_LABELS, HandlingLevel
from onestop_desktop.domain.text import fold
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.dialogs.print_preview import PrintPreviewDialog
from onestop_desktop.gui.dialogs.report_drill import DrillQuery, ReportDrillDialog
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.models.report_model import (
    COLUMNS,
    DRILL_ROLE,
    DrillTarget,
    ReportTableModel,
)
from onestop_desktop.services.queue import QueueStats
from onestop_desktop.services.report_periods import (
    MAX_START_DAY,
    PERIOD_LABELS,
    PeriodKind,
    period_bounds_for,
    period_title,
    shift_period,
)
from onestop_desktop.services.report_series import (
    QUEUE_HEADS,
    DayPoint,
    ReportScope,
    daily_series,
    monthly,
    queue_stats,
    queue_values,
    report_fields,
    report_scopes,
    vn_minutes,
    weekly,
)
from onestop_desktop.services.reports import (
    FIGURE_LABELS,
    RATING_FIGURES,
    Figures,
    Report,
    build_report,
    report_procedures,
    vn_int,
    vn_pct,
)

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150
_START_DAY_KEY = "reports/startDay"
_GROUP_HEIGHT = 26
#: Role of the procedure combo's items holding the text typed search matches against.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 10
#: What the page loads once: units, fields, the catalog's ``(code, name, field)``.
_Choices = tuple[list["ReportScope"], list[str], list[tuple[str, str, str]]]


class _ProcedureCompleter(QCompleter):
    """Matches the typed text against SEARCH_ROLE (code, name, folded name) but writes the
    item's own text into the line edit."""

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:  # noqa: N802
        """The item's display text."""
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


@dataclass(frozen=True, slots=True)
class ReportResult:
    """One query's answer: the report, the chart series and the queue's figures."""

    report: Report
    points: list[DayPoint]
    scope: ReportScope
    field: str | None
    procedure: str | None = None
    queue: QueueStats | None = None


class GroupedHeader(QHeaderView):
    """A horizontal header with a second line above: the form's column groups.

    A column without a group gets both lines (its title centred over the full height).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignVCenter)
        self.setSectionsClickable(False)
        self.setHighlightSections(False)

    def sizeHint(self) -> Any:
        """Two lines of headers: the groups, then two-line titles."""
        size = super().sizeHint()
        size.setHeight(_GROUP_HEIGHT + max(size.height(), 2 * self.fontMetrics().height() + 10))
        return size

    def _group_span(self, logical: int) -> tuple[int, int]:
        group = COLUMNS[logical].group
        first = last = logical
        while first > 0 and COLUMNS[first - 1].group == group:
            first -= 1
        while last < len(COLUMNS) - 1 and COLUMNS[last + 1].group == group:
            last += 1
        return first, last

    def paintSection(  # noqa: N802 - Qt override
        self,
        painter: QPainter,
        rect: QRect,
        logicalIndex: int,  # noqa: N803 - Qt signature
    ) -> None:
        """The column's own title: below its group, or over the full height without one."""
        if not 0 <= logicalIndex < len(COLUMNS):
            super().paintSection(painter, rect, logicalIndex)
            return
        column = COLUMNS[logicalIndex]
        cell = QRect(rect)
        if column.group:
            cell.setTop(rect.top() + _GROUP_HEIGHT)
        self._paint_cell(painter, cell, self.tr(column.title), logicalIndex)

    def paintEvent(self, event: Any) -> None:
        """Sections first, then each group's cell across the columns it spans."""
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        try:
            logical = 0
            while logical < len(COLUMNS):
                first, last = self._group_span(logical)
                if COLUMNS[logical].group:
                    left = self.sectionViewportPosition(first)
                    right = self.sectionViewportPosition(last) + self.sectionSize(last)
                    group_rect = QRect(left, 0, right - left, _GROUP_HEIGHT)
                    self._paint_cell(painter, group_rect, self.tr(COLUMNS[logical].group), first)
                logical = last + 1
        finally:
            painter.end()

    def _paint_cell(
        self, painter: QPainter, rect: QRect, text: str, logical: int, *, bold: bool = False
    ) -> None:
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = rect
        option.section = logical
        option.text = ""
        option.textAlignment = Qt.AlignmentFlag.AlignCenter
        style = self.style()
        style.drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            rect.adjusted(3, 2, -3, -2),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            text,
        )
        _ = bold


class ReportTableView(QTableView):
    """The report table: one selection of cells; Enter drills down like a double-click."""

    drill_requested = Signal(QModelIndex)

    def keyPressEvent(self, event: Any) -> None:
        """Enter on a number opens its dossiers."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.drill_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


def _short_unit(name: str) -> str:
    """A ward's name on two short lines: Phường Thanh Xuân Bắc → Thanh Xuân<br>Bắc."""
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    words = name.split()
    if len(words) > 2:
        return " ".join(words[:2]) + "<br>" + " ".join(words[2:])
    return name


class ReportCharts(QWidget):
    """Four charts of a report: received per day/week, on-time rate, units side by side, status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportCharts")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.received_view = self._view("receivedChart")
        self.rate_view = self._view("rateChart")
        self.units_view = self._view("unitsChart")
        self.status_view = self._view("statusChart")
        grid.addWidget(self.received_view, 0, 0)
        grid.addWidget(self.rate_view, 0, 1)
        grid.addWidget(self.status_view, 0, 2)
        grid.addWidget(self.units_view, 1, 0, 1, 3)
        self.bucket = "day"
        self.axis_title = ""

    def _view(self, name: str) -> QChartView:
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(4, 4, 4, 4))
        title_font = QFont(self.font())
        title_font.setBold(True)
        title_font.setPointSize(title_font.pointSize() + 1)
        chart.setTitleFont(title_font)
        view = QChartView(chart, self)
        view.setObjectName(name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(300, 230)
        return view

    @staticmethod
    def _reset(view: QChartView, title: str) -> QChart:
        chart = view.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        chart.setTitle(title)
        return chart

    def show_result(self, rep: Report, points: list[DayPoint]) -> None:
        """Redraw every chart."""
        days = len(points)
        if days > 120:
            buckets, self.bucket, fmt = monthly(points), "month", "%m/%y"
        elif days > 31:
            buckets, self.bucket, fmt = weekly(points), "week", "%d/%m"
        else:
            same_month = bool(points) and points[0].day.month == points[-1].day.month
            buckets, self.bucket, fmt = points, "day", "%d" if same_month else "%d/%m"
        unit = {"day": "ngày", "week": "tuần", "month": "tháng"}[self.bucket]
        self.axis_title = {
            "day": self.tr("Ngày (tháng %s)") % points[0].day.strftime("%m/%Y") if points else "",
            "week": self.tr("Tuần (ngày thứ Hai)"),
            "month": self.tr("Tháng/năm"),
        }[self.bucket]
        labels = [p.day.strftime(fmt) for p in buckets]
        self._received(buckets, labels, unit)
        self._rate(buckets, labels, unit)
        self._units(rep)
        self._status(rep)

    def _received(self, buckets: list[DayPoint], labels: list[str], unit: str) -> None:
        chart = self._reset(
            self.received_view, self.tr("Hồ sơ tiếp nhận và giải quyết theo %s") % unit
        )
        received = QBarSet(self.tr("Tiếp nhận"))
        received.setColor(QColor("#1f6fb2"))
        resolved = QBarSet(self.tr("Đã giải quyết"))
        resolved.setColor(QColor("#2e9d5b"))
        for p in buckets:
            received.append(p.received)
            resolved.append(p.resolved)
        series = QBarSeries()
        series.append(received)
        series.append(resolved)
        chart.addSeries(series)
        self._category_axes(
            chart,
            series,
            labels,
            max([1, *(p.received for p in buckets), *(p.resolved for p in buckets)]),
        )

    def _category_axes(
        self, chart: QChart, series: Any, labels: list[str], top: float, *, percent: bool = False
    ) -> None:
        # A value axis with labels only every few buckets: a category axis would squeeze
        # thirty labels into "…".
        x = QCategoryAxis()
        x.setRange(-0.5, max(len(labels), 1) - 0.5)
        x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        step = max(1, -(-len(labels) // 10))
        for i in range(0, len(labels), step):
            x.append(labels[i], i)
        x.setTitleText(self.axis_title)
        small = QFont(self.font())
        small.setPointSize(max(7, small.pointSize() - 1))
        x.setLabelsFont(small)
        x.setTitleFont(small)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setRange(0, 100 if percent else top * 1.1)
        y.setLabelFormat("%.0f %%" if percent else "%.0f")
        y.applyNiceNumbers() if not percent else None
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)

    def _rate(self, buckets: list[DayPoint], labels: list[str], unit: str) -> None:
        chart = self._reset(self.rate_view, self.tr("Tỷ lệ giải quyết đúng hạn theo %s") % unit)
        series = QLineSeries()
        series.setName(self.tr("Tỷ lệ đúng hạn (%)"))
        series.setPointsVisible(True)
        series.setColor(QColor("#2e9d5b"))
        for i, p in enumerate(buckets):
            if p.on_time_rate is not None:
                series.append(i, p.on_time_rate)
        chart.addSeries(series)
        self._category_axes(chart, series, labels, 100, percent=True)

    def _units(self, rep: Report) -> None:
        chart = self._reset(self.units_view, self.tr("So sánh các đơn vị"))
        units = rep.units[:16]
        sets = (
            (self.tr("Tiếp nhận"), "received", "#1f6fb2"),
            (self.tr("Đã giải quyết"), "resolved", "#2e9d5b"),
            (self.tr("Đang giải quyết"), "in_progress", "#e0a100"),
        )
        series = QBarSeries()
        top = 1
        for title, key, color in sets:
            bar = QBarSet(title)
            bar.setColor(QColor(color))
            for u in units:
                value = int(getattr(u.figures, key))
                top = max(top, value)
                bar.append(value)
            series.append(bar)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([_short_unit(u.unit_name) for u in units])
        small = QFont(self.font())
        small.setPointSize(max(7, small.pointSize() - 1))
        x.setLabelsFont(small)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setRange(0, top * 1.1)
        y.setLabelFormat("%.0f")
        y.applyNiceNumbers()
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)

    def _status(self, rep: Report) -> None:
        chart = self._reset(self.status_view, self.tr("Tình trạng hồ sơ trong kỳ"))
        t = rep.total
        slices = (
            (self.tr("Đã GQ trước hạn"), t.resolved_early, "#1b7f3b"),
            (self.tr("Đã GQ đúng hạn"), t.resolved_on_time, "#5cb85c"),
            (self.tr("Đã GQ quá hạn"), t.resolved_late, "#b3261e"),
            (self.tr("Đang GQ trong hạn"), t.in_progress_on_time, "#1f6fb2"),
            (self.tr("Đang GQ quá hạn"), t.in_progress_overdue, "#e8710a"),
            (self.tr("Từ chối"), t.refused, "#7b5ea7"),
            (self.tr("Rút hồ sơ"), t.withdrawn, "#9e9e9e"),
        )
        series = QPieSeries()
        total = sum(v for _label, v, _c in slices) or 1
        for label, value, color in slices:
            if value <= 0:
                continue
            piece = series.append(f"{label}: {vn_int(value)}", value)
            piece.setColor(QColor(color))
            share = vn_pct(round(100 * value / total, 2))
            piece.setLabel(f"{label}: {vn_int(value)}")
            piece.setProperty("share", share)
            piece.setLabelVisible(False)
        series.setPieSize(0.72)
        series.setHorizontalPosition(0.34)
        chart.addSeries(series)
        legend = chart.legend()
        legend.setAlignment(Qt.AlignmentFlag.AlignRight)
        small = QFont(self.font())
        small.setPointSize(max(7, small.pointSize() - 1))
        legend.setFont(small)

    def chart_views(self) -> list[QChartView]:
        """The four views, in reading order."""
        return [self.received_view, self.rate_view, self.units_view, self.status_view]

    def write_pdf(self, path: Path, title: str) -> None:
        """Paint the four charts onto one A4 landscape page (GUI thread: painting only)."""
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
        writer.setResolution(150)
        writer.setTitle(title)
        painter = QPainter(writer)
        try:
            page = writer.pageLayout().paintRectPixels(writer.resolution())
            font = QFont(self.font())
            font.setPointSize(14)
            font.setBold(True)
            painter.setFont(font)
            head = QRect(0, 0, page.width(), 60)
            painter.drawText(head, int(Qt.AlignmentFlag.AlignCenter), title)
            cell_w, cell_h = page.width() // 2, (page.height() - 70) // 2
            for i, view in enumerate(self.chart_views()):
                target = QRect((i % 2) * cell_w, 70 + (i // 2) * cell_h, cell_w - 10, cell_h - 10)
                view.chart().scene().render(painter, target, view.chart().sceneBoundingRect())
        finally:
            painter.end()


class ReportsPage(QWidget):
    """Choose a period and a unit; read the report; drill into any number; export; print."""

    dossier_requested = Signal(str)
    report_shown = Signal(object)  # ReportResult

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: ReportResult | None = None
        self._generation = 0
        self._running = 0
        self._started = False
        self._scopes: list[ReportScope] = []
        self.drill_dialog: ReportDrillDialog | None = None
        self.preview_dialog: PrintPreviewDialog | None = None
        self.message_box: QMessageBox | None = None
        self.last_export: Path | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_query)
        self.model = ReportTableModel(self)
        self._build()
        self._connect()
        self._update_period()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        row1 = QHBoxLayout()
        row1.addWidget(QLabel(self.tr("Kỳ báo cáo:")))
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        for kind in PeriodKind:
            self.period_combo.addItem(self.tr(PERIOD_LABELS[kind]), kind.value)
        self.period_combo.setCurrentIndex(self.period_combo.findData(PeriodKind.MONTH.value))
        row1.addWidget(self.period_combo)
        self.prev_button = QToolButton()
        self.prev_button.setObjectName("prevPeriodButton")
        self.prev_button.setText("◀")
        self.prev_button.setToolTip(self.tr("Kỳ trước (Alt+←)"))
        row1.addWidget(self.prev_button)
        self.anchor_edit = self._date_edit("anchorEdit")
        self.anchor_edit.setToolTip(self.tr("Một ngày bất kỳ trong kỳ; kỳ được tính tự động"))
        row1.addWidget(self.anchor_edit)
        self.next_button = QToolButton()
        self.next_button.setObjectName("nextPeriodButton")
        self.next_button.setText("▶")
        self.next_button.setToolTip(self.tr("Kỳ sau (Alt+→)"))
        row1.addWidget(self.next_button)
        self.to_label = QLabel(self.tr("đến"))
        row1.addWidget(self.to_label)
        self.to_edit = self._date_edit("toEdit")
        row1.addWidget(self.to_edit)
        self.period_label = QLabel()
        self.period_label.setObjectName("periodLabel")
        self.period_label.setStyleSheet("font-weight: 600;")
        row1.addWidget(self.period_label, 1)
        row1.addWidget(QLabel(self.tr("Kỳ thống kê bắt đầu ngày:")))
        self.start_day_spin = QSpinBox()
        self.start_day_spin.setObjectName("startDaySpin")
        self.start_day_spin.setRange(1, MAX_START_DAY)
        self.start_day_spin.setToolTip(
            self.tr(
                "1 = tháng dương lịch. Ví dụ 15: tháng 01 tính từ 15/12 đến 14/01 "
                "(quý, 6 tháng, 9 tháng, năm tính theo cùng mốc)."
            )
        )
        value = QSettings().value(_START_DAY_KEY, 1, type=int)
        self.start_day_spin.setValue(int(value))  # type: ignore[call-overload]
        row1.addWidget(self.start_day_spin)
        layout.addLayout(row1)
        layout.addLayout(self._build_row2())
        self.as_of_label = QLabel()
        self.as_of_label.setObjectName("asOfLabel")
        self.as_of_label.setStyleSheet("color: #444;")
        self.as_of_label.setWordWrap(True)
        layout.addWidget(self.as_of_label)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reportTabs")
        self.tabs.addTab(self._build_table_page(), self.tr("Biểu II.06a"))
        self.tabs.addTab(self._build_chart_page(), self.tr("Biểu đồ"))
        layout.addWidget(self.tabs, 1)
        self._set_result_actions(enabled=False)

    def _build_row2(self) -> QHBoxLayout:
        row2 = QHBoxLayout()
        row2.addWidget(QLabel(self.tr("Đơn vị:")))
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("unitCombo")
        self.unit_combo.setMinimumContentsLength(30)
        self.unit_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        row2.addWidget(self.unit_combo, 2)
        row2.addWidget(QLabel(self.tr("Lĩnh vực:")))
        self.field_combo = QComboBox()
        self.field_combo.setObjectName("fieldCombo")
        self.field_combo.addItem(self.tr("Tất cả lĩnh vực"), None)
        self.field_combo.setMinimumContentsLength(14)
        row2.addWidget(self.field_combo, 1)
        row2.addWidget(QLabel(self.tr("Thủ tục:")))
        row2.addWidget(self._build_procedure_combo(), 2)
        self.refresh_button = QPushButton(self.tr("Làm mới (F5)"))
        self.refresh_button.setObjectName("refreshButton")
        row2.addWidget(self.refresh_button)
        row2.addSpacing(12)
        self.pdf_button = QPushButton(self.tr("Xuất PDF"))
        self.pdf_button.setObjectName("exportPdfButton")
        self.xlsx_button = QPushButton(self.tr("Xuất Excel"))
        self.xlsx_button.setObjectName("exportXlsxButton")
        self.csv_button = QPushButton(self.tr("Xuất CSV"))
        self.csv_button.setObjectName("exportCsvButton")
        self.daily_button = QPushButton(self.tr("In báo cáo ngày"))
        self.daily_button.setObjectName("dailySummaryButton")
        self.daily_button.setToolTip(
            self.tr("Báo cáo tổng hợp trong ngày cho lãnh đạo (ngày đang chọn) — Ctrl+Shift+P")
        )
        for b in (self.pdf_button, self.xlsx_button, self.csv_button, self.daily_button):
            row2.addWidget(b)
        return row2

    def _build_procedure_combo(self) -> QComboBox:
        """A combo of the catalog the clerk can type into: part of a code or name, with or
        without diacritics, narrows the list."""
        combo = QComboBox()
        combo.setObjectName("procedureCombo")
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setMinimumContentsLength(22)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMaxVisibleItems(20)
        combo.setToolTip(self.tr("Gõ một phần mã hoặc tên thủ tục (có dấu hay không dấu)"))
        edit = combo.lineEdit()
        if edit is not None:  # an editable combo always has one
            edit.setPlaceholderText(self.tr("Tất cả thủ tục"))
        completer = _ProcedureCompleter(combo.model(), combo)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        popup = completer.popup()
        if popup is not None:
            popup.setMinimumWidth(460)  # whole procedure names, wider than the combo
        combo.setCompleter(completer)
        self.procedure_combo = combo
        self._procedures: list[tuple[str, str, str]] = []
        self._fill_procedures(None)
        return combo

    def _fill_procedures(self, field: str | None) -> None:
        """The catalog's procedures (of one field, when chosen); keeps the choice if it stays."""
        combo = self.procedure_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        everything = self.tr("Tất cả thủ tục")
        combo.addItem(everything, None)
        combo.setItemData(0, f"{everything} {fold(everything)}", SEARCH_ROLE)
        for code, name, proc_field in self._procedures:
            if field is not None and proc_field != field:
                continue
            text = f"{code} — {name}"
            combo.addItem(text, code)
            index = combo.count() - 1
            combo.setItemData(index, f"{text} {fold(text)}", SEARCH_ROLE)
            combo.setItemData(index, f"{name}\n{proc_field}", Qt.ItemDataRole.ToolTipRole)
        found = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(found, 0))
        combo.blockSignals(False)
        if current is not None and found < 0:
            self._on_filter_changed()  # the chosen procedure is not in the new field

    def select_procedure(self, code: str | None) -> None:
        """Choose one procedure by its code (None: all procedures)."""
        index = self.procedure_combo.findData(code) if code is not None else 0
        if index < 0:
            raise KeyError(code)
        self.procedure_combo.setCurrentIndex(index)

    def _on_procedure_text_done(self) -> None:
        """Typed text that names no item: back to the chosen one (or to an exact code)."""
        combo = self.procedure_combo
        text = combo.currentText().strip()
        if text == combo.itemText(combo.currentIndex()):
            return
        if not text:
            combo.setCurrentIndex(0)
            return
        wanted = fold(text)
        for i in range(1, combo.count()):
            data = str(combo.itemData(i) or "")
            if fold(data) == wanted or fold(combo.itemText(i)) == wanted:
                combo.setCurrentIndex(i)
                return
        combo.setEditText(combo.itemText(combo.currentIndex()))

    def _build_table_page(self) -> QWidget:
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 4, 0, 0)
        self.table = ReportTableView()
        self.table.setObjectName("reportTable")
        self.table.setHorizontalHeader(GroupedHeader(self.table))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(col, 84)
        self.table.setToolTip(self.tr("Nhấp đúp (hoặc Enter) vào một số để xem các hồ sơ"))
        table_layout.addWidget(self.table, 1)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)
        table_layout.addWidget(self.summary_label)
        self.shares_label = QLabel()
        self.shares_label.setObjectName("onlineSharesLabel")
        self.shares_label.setWordWrap(True)
        self.shares_label.setTextFormat(Qt.TextFormat.RichText)
        table_layout.addWidget(self.shares_label)
        self.satisfaction_label = QLabel()
        self.satisfaction_label.setObjectName("satisfactionLabel")
        self.satisfaction_label.setWordWrap(True)
        self.satisfaction_label.setTextFormat(Qt.TextFormat.RichText)
        self.satisfaction_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.satisfaction_label.setToolTip(self.tr("Nhấp vào một số để xem các hồ sơ"))
        table_layout.addWidget(self.satisfaction_label)
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queueLabel")
        self.queue_label.setWordWrap(True)
        self.queue_label.setTextFormat(Qt.TextFormat.RichText)
        self.queue_label.setToolTip(self._queue_tooltip(None))
        table_layout.addWidget(self.queue_label)
        self.definitions_button = QToolButton()
        self.definitions_button.setObjectName("definitionsButton")
        self.definitions_button.setCheckable(True)
        self.definitions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.definitions_button.setArrowType(Qt.ArrowType.RightArrow)
        self.definitions_button.setText(self.tr("Định nghĩa các chỉ tiêu"))
        self.definitions_button.setAutoRaise(True)
        table_layout.addWidget(self.definitions_button)
        self.definitions_text = QTextBrowser()
        self.definitions_text.setObjectName("definitionsText")
        self.definitions_text.setMaximumHeight(190)
        self.definitions_text.setVisible(False)
        table_layout.addWidget(self.definitions_text)
        return table_page

    def _build_chart_page(self) -> QWidget:
        chart_page = QWidget()
        chart_layout = QVBoxLayout(chart_page)
        chart_layout.setContentsMargins(0, 4, 0, 0)
        self.charts = ReportCharts()
        chart_layout.addWidget(self.charts, 1)
        chart_bottom = QHBoxLayout()
        chart_bottom.addStretch(1)
        self.print_charts_button = QPushButton(self.tr("In biểu đồ (PDF)…"))
        self.print_charts_button.setObjectName("printChartsButton")
        chart_bottom.addWidget(self.print_charts_button)
        chart_layout.addLayout(chart_bottom)
        return chart_page

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        today = self._today()
        edit.setDate(QDate(today.year, today.month, today.day))
        return edit

    def _connect(self) -> None:
        self.period_combo.currentIndexChanged.connect(self._on_period_changed)
        self.anchor_edit.dateChanged.connect(self._on_period_changed)
        self.to_edit.dateChanged.connect(self._on_period_changed)
        self.start_day_spin.valueChanged.connect(self._on_start_day_spin_value_changed)
        self.prev_button.clicked.connect(lambda: self.step_period(-1))
        self.next_button.clicked.connect(lambda: self.step_period(1))
        self.unit_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.field_combo.currentIndexChanged.connect(self._on_field_changed)
        self.procedure_combo.currentIndexChanged.connect(self._on_filter_changed)
        procedure_edit = self.procedure_combo.lineEdit()
        if procedure_edit is not None:
            procedure_edit.editingFinished.connect(self._on_procedure_text_done)
        self.satisfaction_label.linkActivated.connect(self.drill_figure)
        self.refresh_button.clicked.connect(self.run_query)
        self.table.doubleClicked.connect(self.drill)
        self.table.drill_requested.connect(self.drill)
        self.definitions_button.toggled.connect(self._on_definitions_button_toggled)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.daily_button.clicked.connect(self.print_daily_summary)
        self.print_charts_button.clicked.connect(self.print_charts)
        for keys, slot in (
            ("F5", self.run_query),
            ("Alt+Left", lambda: self.step_period(-1)),
            ("Alt+Right", lambda: self.step_period(1)),
            ("Ctrl+Shift+P", self.print_daily_summary),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ period

    def _today(self) -> date:
        return self.ctx.ws.now().astimezone(VN_TZ).date()

    @staticmethod
    def _py_date(d: QDate) -> date:
        return date(d.year(), d.month(), d.day())

    def period_kind(self) -> PeriodKind:
        """The chosen kind of period."""
        return PeriodKind(self.period_combo.currentData())

    def period(self) -> tuple[date, date]:
        """The report's ``[from, to]`` local dates as chosen."""
        kind = self.period_kind()
        anchor = self._py_date(self.anchor_edit.date())
        to = self._py_date(self.to_edit.date())
        if kind is PeriodKind.CUSTOM and to < anchor:
            to = anchor
        return period_bounds_for(kind, anchor, start_day=self.start_day_spin.value(), custom_to=to)

    def set_period(self, kind: PeriodKind, anchor: date, to: date | None = None) -> None:
        """Choose a period (tests and the CLI-like shortcuts); queries once."""
        for w in (self.period_combo, self.anchor_edit, self.to_edit):
            w.blockSignals(True)
        self.period_combo.setCurrentIndex(self.period_combo.findData(kind.value))
        self.anchor_edit.setDate(QDate(anchor.year, anchor.month, anchor.day))
        if to is not None:
            self.to_edit.setDate(QDate(to.year, to.month, to.day))
        for w in (self.period_combo, self.anchor_edit, self.to_edit):
            w.blockSignals(False)
        self._on_period_changed()

    def step_period(self, steps: int) -> None:
        """Alt+←/→: the previous or next period of the same kind."""
        kind = self.period_kind()
        if kind is PeriodKind.CUSTOM:
            start, end = self.period()
            span = (end - start).days + 1
            start += timedelta(days=span * steps)
            self.set_period(kind, start, start + timedelta(days=span - 1))
            return
        start, _end = shift_period(
            kind,
            self._py_date(self.anchor_edit.date()),
            steps,
            start_day=self.start_day_spin.value(),
        )
        self.set_period(kind, start)

    def _update_period(self) -> None:
        custom = self.period_kind() is PeriodKind.CUSTOM
        self.to_label.setVisible(custom)
        self.to_edit.setVisible(custom)
        start, end = self.period()
        title = period_title(self.period_kind(), start, end)
        if self.period_kind() in (PeriodKind.WEEK, PeriodKind.CUSTOM, PeriodKind.DAY):
            self.period_label.setText(title)
        else:
            self.period_label.setText(
                self.tr("%s (từ %s đến %s)")
                % (title, start.strftime("%d/%m/%Y"), end.strftime("%d/%m/%Y"))
            )

    # ------------------------------------------------------------------ querying

    def current_scope(self) -> ReportScope | None:
        """The chosen unit (None until the list is loaded)."""
        index = self.unit_combo.currentIndex()
        return self._scopes[index] if 0 <= index < len(self._scopes) else None

    def select_scope(self, key: str) -> None:
        """Choose a unit by its scope key (``all``, ``tree:009``, ``unit:00343``)."""
        for i, scope in enumerate(self._scopes):
            if scope.key == key:
                self.unit_combo.setCurrentIndex(i)
                return
        raise KeyError(key)

    @property
    def query_pending(self) -> bool:
        """True while a query is scheduled or running."""
        return self._debounce.isActive() or self._running > 0 or not self._scopes

    def run_query(self) -> None:
        """Compute the report for the chosen filters on the READ lane."""
        self._debounce.stop()
        scope = self.current_scope()
        if scope is None:
            return
        self._generation += 1
        generation = self._generation
        ws = self.ctx.ws
        start, end = self.period()
        field = self.field_combo.currentData() or None
        procedure = self.procedure_combo.currentData() or None

        def job(cancel: threading.Event) -> ReportResult | None:
            if cancel.is_set():
                return None
            rep = build_report(ws, start, end, unit_code=scope.unit_code, procedure_code=procedure)
            points = daily_series(
                ws,
                start,
                end,
                office_codes=scope.office_codes,
                procedure_field=field,
                procedure_code=procedure,
            )
            queue = queue_stats(ws, start, end, office_codes=scope.office_codes)
            return ReportResult(rep, points, scope, field, procedure, queue)

        def done(result: ReportResult | None) -> None:
            self._running -= 1
            if result is not None and generation == self._generation:
                self._show_result(result)

        def failed(exc: BaseException) -> None:
            self._running -= 1
            if generation == self._generation:
                show_error(self, exc)

        self._running += 1
        self.as_of_label.setText(self.tr("Đang tính số liệu…"))
        self.ctx.runner.submit(job, on_done=done, on_error=failed)

    def _show_result(self, result: ReportResult) -> None:
        self.result = result
        rep = result.report
        self.model.set_report(rep, only_unit=result.scope.only_unit, field=result.field)
        self._show_as_of(rep)
        total = self.model.rows()[-1].figures if self.model.rowCount() else rep.total
        self.summary_label.setText(
            self.tr(
                "Tỷ lệ giải quyết đúng hạn: <b>%s</b> · Tỷ lệ tiếp nhận trực tuyến: <b>%s</b> · "
                "Từ chối: %s · Rút hồ sơ: %s"
            )
            % (
                vn_pct(total.on_time_rate),
                vn_pct(total.online_share),
                vn_int(total.refused),
                vn_int(total.withdrawn),
            )
        )
        self.shares_label.setText(self._shares_html(rep))
        self.satisfaction_label.setText(self._satisfaction_html(total))
        self.queue_label.setText(self._queue_html(result.queue))
        self.queue_label.setToolTip(self._queue_tooltip(result.queue))
        definitions = str(rep.to_json().get("definitions") or "")
        self.definitions_text.setPlainText(definitions.strip())
        self.charts.show_result(rep, result.points)
        self._set_result_actions(enabled=True)
        self.report_shown.emit(result)

    def _shares_html(self, rep: Report) -> str:
        """The catalog's online shares per handling level (Vietnamese number format)."""
        lines = []
        for share in rep.catalog:
            try:
                level = self.tr(HANDLING_LEVEL_LABELS[HandlingLevel(share.level)])
            except ValueError:
                level = share.level
            whole = share.procedures
            lines.append(
                self.tr(
                    "Thủ tục %s có dịch vụ công trực tuyến: <b>%s/%s (%s)</b> một phần hoặc "
                    "toàn trình; <b>%s/%s (%s)</b> toàn trình"
                )
                % (
                    level.lower(),
                    vn_int(share.online),
                    vn_int(whole),
                    vn_pct(round(100 * share.online / whole, 2) if whole else None),
                    vn_int(share.online_full),
                    vn_int(whole),
                    vn_pct(round(100 * share.online_full / whole, 2) if whole else None),
                )
            )
        return "<br>".join(lines)

    def _satisfaction_html(self, total: Figures) -> str:
        """Ratings in the period: each count (a link to its dossiers), its share, the rate."""
        if not total.rated:
            return self.tr("Mức độ hài lòng: chưa có đánh giá nào trong kỳ.")
        parts = []
        for key in RATING_FIGURES:
            value = int(getattr(total, key))
            count = vn_int(value)
            if value:
                count = f"<a href='{key}'>{count}</a>"
            share = vn_pct(round(100 * value / total.rated, 2))
            parts.append(f"{self.tr(FIGURE_LABELS[key])}: <b>{count}</b> ({share})")
        return self.tr("Mức độ hài lòng: %s · tỷ lệ hài lòng <b>%s</b> trên %s lượt đánh giá") % (
            " · ".join(parts),
            vn_pct(total.satisfaction_rate),
            vn_int(total.rated),
        )

    def _queue_html(self, stats: QueueStats | None) -> str:
        """The queue over the period: tickets, served, no-shows, average wait and service; then
        a short line per service group (the full table is the label's tooltip)."""
        if stats is None or not stats.total.tickets:
            return self.tr("Hàng chờ: không có phiếu xếp hàng nào trong kỳ.")
        f = stats.total
        head = self.tr(
            "Hàng chờ: <b>%s</b> phiếu · đã phục vụ <b>%s</b> · vắng mặt <b>%s</b> · "
            "chờ trung bình <b>%s</b> · phục vụ trung bình <b>%s</b>"
        ) % (
            vn_int(f.tickets),
            vn_int(f.served),
            vn_int(f.no_shows),
            vn_minutes(f.avg_wait_s),
            vn_minutes(f.avg_service_s),
        )
        groups = [
            self.tr("%s: %s phiếu, chờ %s, phục vụ %s")
            % (
                html.escape(g.key),
                vn_int(g.tickets),
                vn_minutes(g.avg_wait_s),
                vn_minutes(g.avg_service_s),
            )
            for g in stats.by_group
        ]
        return head + "<br>" + self.tr("Theo nhóm dịch vụ (trung bình): %s") % " · ".join(groups)

    def _queue_tooltip(self, stats: QueueStats | None) -> str:
        """Every group's and counter's figures as a small table, and what they mean."""
        note = self.tr(
            "Phiếu xếp hàng của các cơ quan thuộc đơn vị đã chọn, theo ngày phát phiếu (dữ liệu "
            "hàng chờ trên máy này); không lọc theo lĩnh vực, thủ tục. Chờ: từ lúc lấy phiếu "
            "đến lúc được gọi; phục vụ: từ lúc gọi đến lúc xong."
        )
        if stats is None or not stats.total.tickets:
            return note
        heads = [self.tr("Nhóm dịch vụ / quầy"), *(self.tr(h) for h in QUEUE_HEADS)]
        rows = [(html.escape(g.key), g) for g in stats.by_group]
        rows += [(self.tr("Quầy %s") % c.key, c) for c in stats.by_counter]
        rows.append((f"<b>{self.tr('Tổng cộng')}</b>", stats.total))
        cells = "".join(f"<th>{h}</th>" for h in heads)
        body = "".join(
            f"<tr><td>{label}</td>"
            + "".join(f"<td align='right'>{v}</td>" for v in queue_values(f))
            + "</tr>"
            for label, f in rows
        )
        return f"<p>{note}</p><table cellspacing='0' cellpadding='3'><tr>{cells}</tr>{body}</table>"

    def _show_as_of(self, rep: Report) -> None:
        at = (rep.data_as_of or rep.as_of).astimezone(VN_TZ)
        parts = [self.tr("Số liệu tính đến %s") % at.strftime("%H:%M ngày %d/%m/%Y")]
        if rep.synced_at is not None:
            synced = rep.synced_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
            parts.append(self.tr("đồng bộ lần cuối %s") % synced)
        else:
            parts.append(self.tr("chưa đồng bộ với máy chủ (chỉ số liệu của máy này)"))
        text = " · ".join(parts)
        if rep.unsynced:
            text += " · " + self.tr(
                "<span style='color:#b3261e'>%s thay đổi chưa đồng bộ</span>"
            ) % vn_int(rep.unsynced)
        self.as_of_label.setText(text)

    def _set_result_actions(self, *, enabled: bool) -> None:
        for b in (self.pdf_button, self.xlsx_button, self.csv_button, self.print_charts_button):
            b.setEnabled(enabled)

    # ------------------------------------------------------------------ drill-down

    def drill(self, index: QModelIndex) -> ReportDrillDialog | None:
        """Open the list of dossiers behind the number at ``index``."""
        if self.result is None or not index.isValid():
            return None
        target = self.model.data(index, DRILL_ROLE)
        if not isinstance(target, DrillTarget) or target.value == 0:
            return None
        return self._open_drill(target)

    def drill_figure(self, figure: str) -> ReportDrillDialog | None:
        """Open the dossiers behind a figure of the table's total row (the satisfaction
        counts under the table link here)."""
        if self.result is None or not self.model.rowCount() or figure not in FIGURE_LABELS:
            return None
        total = self.model.row_at(self.model.rowCount() - 1)
        value = int(getattr(total.figures, figure))
        if value == 0:
            return None
        target = DrillTarget(
            (figure,),
            value,
            total.row_units,
            total.field,
            total.label,
            self.tr("Mức độ hài lòng — %s") % self.tr(FIGURE_LABELS[figure]),
        )
        return self._open_drill(target)

    def _open_drill(self, target: DrillTarget) -> ReportDrillDialog | None:
        if self.result is None:
            return None
        rep = self.result.report
        query = DrillQuery(rep.date_from, rep.date_to, rep.unit_code, rep.procedure_code)
        dialog = ReportDrillDialog(self.ctx, query, target, self)
        dialog.dossier_requested.connect(self.dossier_requested)
        dialog.finished.connect(dialog.deleteLater)
        self.drill_dialog = dialog
        dialog.setModal(False)
        dialog.show()
        dialog.load()
        return dialog

    # ------------------------------------------------------------------ exports

    def _ask_path(self, title: str, suggested: str, filter_text: str) -> Path | None:
        path, _selected = QFileDialog.getSaveFileName(self, title, suggested, filter_text)
        return Path(path) if path else None

    def export(self, kind: str) -> None:
        """Xuất PDF / Excel / CSV: ask for a file, write it on the READ lane."""
        if self.result is None:
            return
        rep = self.result.report
        stem = f"bao-cao-{rep.date_from:%Y%m%d}-{rep.date_to:%Y%m%d}"
        filters = {
            "pdf": self.tr("Tệp PDF (*.pdf)"),
            "xlsx": self.tr("Bảng tính Excel (*.xlsx)"),
            "csv": self.tr("Tệp CSV (*.csv)"),
        }
        path = self._ask_path(self.tr("Xuất báo cáo"), f"{stem}.{kind}", filters[kind])
        if path is None:
            return
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(path.name + f".{kind}")
        office = self.window().findChild(QLabel, "officeLabel")
        office_name = None
        if office is not None and ":" in office.text():
            office_name = office.text().split(":", 1)[1].strip() or None

        def job(_cancel: threading.Event) -> Path:
            from onestop_desktop.services import report_export  # noqa: PLC0415

            writers: dict[str, Callable[[], None]] = {
                "pdf": lambda: report_export.export_report_pdf(rep, path, office_name=office_name),
                "xlsx": lambda: report_export.export_report_xlsx(rep, path),
                "csv": lambda: report_export.export_report_csv(rep, path),
            }
            writers[kind]()
            return path

        def done(written: Path) -> None:
            self.last_export = written
            self.as_of_label.setText(self.tr("Đã xuất báo cáo: %s") % written)

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_job_error)

    def print_daily_summary(self) -> None:
        """In báo cáo ngày: render the chosen day's summary off the GUI thread, then preview it."""
        day = self._py_date(self.anchor_edit.date())
        if self.period_kind() is not PeriodKind.DAY:
            day = min(self._today(), self.period()[1])
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> bytes | None:
            # Imported by name: the daily summary (issue #6 part 3) may not be installed yet.
            try:
                module = importlib.import_module("onestop_desktop.services.daily_summary")
            except ImportError:
                return None
            pdf: bytes = module.render_daily_summary(ws, day)
            return pdf

        def done(pdf: bytes | None) -> None:
            if pdf is None:
                self._tell(
                    self.tr("Chưa có báo cáo ngày"),
                    self.tr("Phiên bản này chưa có mẫu báo cáo ngày."),
                )
                return
            dialog = PrintPreviewDialog(
                pdf,
                self.tr("Báo cáo ngày %s") % day.strftime("%d/%m/%Y"),
                f"bao-cao-ngay-{day:%Y%m%d}.pdf",
                self,
            )
            dialog.finished.connect(dialog.deleteLater)
            self.preview_dialog = dialog
            dialog.open()

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_job_error)

    def print_charts(self) -> None:
        """In biểu đồ: the four charts on one A4 landscape PDF page."""
        if self.result is None:
            return
        rep = self.result.report
        path = self._ask_path(
            self.tr("In biểu đồ"),
            f"bieu-do-{rep.date_from:%Y%m%d}-{rep.date_to:%Y%m%d}.pdf",
            self.tr("Tệp PDF (*.pdf)"),
        )
        if path is None:
            return
        title = self.tr("Biểu đồ tình hình giải quyết TTHC — %s") % self.period_label.text()
        self.charts.write_pdf(path, title)
        self.last_export = path
        self.as_of_label.setText(self.tr("Đã lưu biểu đồ: %s") % path)

    def _on_job_error(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _tell(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        self.message_box = box
        box.open()

    # ------------------------------------------------------------------ slots

    def _on_period_changed(self) -> None:
        self._update_period()
        self._debounce.start()

    def _on_filter_changed(self) -> None:
        self._debounce.start()

    def _on_field_changed(self) -> None:
        self._fill_procedures(self.field_combo.currentData() or None)
        self._debounce.start()

    def _on_start_day_spin_value_changed(self, value: int) -> None:
        QSettings().setValue(_START_DAY_KEY, value)
        self._on_period_changed()

    def _on_definitions_button_toggled(self, shown: bool) -> None:
        self.definitions_text.setVisible(shown)
        self.definitions_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def showEvent(self, event: QShowEvent) -> None:
        """Load the units and fields once, then the report; later shows refresh it."""
        super().showEvent(event)
        if event.spontaneous():
            return
        if not self._started:
            self._started = True
            self._load_choices()
        elif not self.query_pending:
            self.run_query()

    def _load_choices(self) -> None:
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> _Choices:
            return report_scopes(ws), report_fields(ws), report_procedures(ws)

        def done(choices: _Choices) -> None:
            scopes, fields, procedures = choices
            self.unit_combo.blockSignals(True)
            self.field_combo.blockSignals(True)
            self._scopes = scopes
            for scope in scopes:
                self.unit_combo.addItem(self.tr(scope.label), scope.key)
            # A workstation reports on its own district by default when it has one.
            trees = [i for i, s in enumerate(scopes) if s.key.startswith("tree:")]
            self.unit_combo.setCurrentIndex(trees[-1] if trees else 0)
            for name in fields:
                self.field_combo.addItem(name, name)
            self.unit_combo.blockSignals(False)
            self.field_combo.blockSignals(False)
            self._procedures = procedures
            self._fill_procedures(self.field_combo.currentData() or None)
            self.run_query()

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_job_error)
