"""Tra cứu: results as you type, filters, and the dossier detail (Enter, double-click or a scan).

Each query runs on the READ lane; a newer query cancels the older one and a generation counter
drops any result that still arrives for a stale query, so the list always matches what is typed.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.catalog import Procedure
from onestop_desktop.domain.dossier import STATUS_LABELS, Status
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.models.dossier_table import (
    DOSSIER_ROLE,
    SORT_ROLE,
    Column,
    DossierTableModel,
)
from onestop_desktop.gui.pages.detail import DossierDetailPage
from onestop_desktop.services.browse import (
    PAGE_SIZE,
    BrowseFilter,
    BrowsePage,
    DossierDetail,
    list_dossiers,
)
from onestop_desktop.services.dossiers import DossierView
from onestop_desktop.services.reference import list_catalog

#: Pause after the last keystroke before a query runs.
DEBOUNCE_MS = 150

_PERIODS = ("all", "today", "7d", "30d", "month", "year", "custom")


class ResultsView(QTableView):
    """The results table; Enter opens the current row."""

    def __init__(self, page: LookupPage) -> None:
        super().__init__(page)
        self._page = page

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter/Return opens the dossier of the current row."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._page.open_index(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


class LookupPage(QWidget):
    """Search and filter dossiers; open one to see and act on it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self._running = False
        self._queued: bool | None = None  # a query waiting for the running one (True: more)
        self._open_first_when_ready = False
        self._pending_open: str | None = None
        self._started = False
        self._has_more = False
        self.last_error: QWidget | None = None

        self.model = DossierTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_query)

        self._build()
        self._connect()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)

        top = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(
            self.tr(
                "Mã hồ sơ, họ tên (gõ không dấu cũng được), số CCCD/CMND hoặc số điện thoại"
                " — Ctrl+F"
            )
        )
        self.search_edit.setToolTip(
            self.tr(
                "Gõ để tìm; Enter mở hồ sơ đầu tiên; ↓ xuống danh sách. Quét mã vạch ở bất kỳ "
                "đâu trong cửa sổ để mở hồ sơ."
            )
        )
        self.search_edit.setMinimumHeight(30)
        font = self.search_edit.font()
        font.setPointSize(font.pointSize() + 1)
        self.search_edit.setFont(font)
        top.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.count_label.setMinimumWidth(150)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.count_label)
        layout.addLayout(top)
        layout.addLayout(self._build_filters())
        self._show_custom_period(False)
        self.stack = QStackedWidget()
        self.stack.setObjectName("lookupStack")
        self.list_page = self._build_list()
        self.stack.addWidget(self.list_page)
        self.detail = DossierDetailPage(self.ctx, self)
        self.stack.addWidget(self.detail)
        layout.addWidget(self.stack, 1)

    def _build_filters(self) -> QHBoxLayout:
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Trạng thái:")))
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("statusCombo")
        self.status_combo.addItem(self.tr("Tất cả"), None)
        for status in Status:
            self.status_combo.addItem(self.tr(STATUS_LABELS[status]), status.value)
        filters.addWidget(self.status_combo)
        self.overdue_check = QCheckBox(self.tr("Quá hạn"))
        self.overdue_check.setObjectName("overdueCheck")
        self.overdue_check.setToolTip(self.tr("Hồ sơ đang giải quyết đã quá hạn trả (Alt+Q)"))
        filters.addWidget(self.overdue_check)
        self.due_today_check = QCheckBox(self.tr("Hẹn trả hôm nay"))
        self.due_today_check.setObjectName("dueTodayCheck")
        filters.addWidget(self.due_today_check)
        filters.addSpacing(8)
        filters.addWidget(QLabel(self.tr("Thủ tục:")))
        self.procedure_combo = QComboBox()
        self.procedure_combo.setObjectName("procedureCombo")
        self.procedure_combo.addItem(self.tr("Tất cả thủ tục"), None)
        self.procedure_combo.setMinimumContentsLength(22)
        self.procedure_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        filters.addWidget(self.procedure_combo, 1)
        filters.addSpacing(8)
        filters.addWidget(QLabel(self.tr("Tiếp nhận:")))
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        for key, text in zip(
            _PERIODS,
            (
                self.tr("Mọi lúc"),
                self.tr("Hôm nay"),
                self.tr("7 ngày qua"),
                self.tr("30 ngày qua"),
                self.tr("Tháng này"),
                self.tr("Năm nay"),
                self.tr("Khoảng ngày…"),
            ),
            strict=True,
        ):
            self.period_combo.addItem(text, key)
        filters.addWidget(self.period_combo)
        self.from_edit = self._date_edit("fromEdit")
        self.to_edit = self._date_edit("toEdit")
        filters.addWidget(self.from_edit)
        self.dash_label = QLabel("–")
        filters.addWidget(self.dash_label)
        filters.addWidget(self.to_edit)
        self.clear_button = QPushButton(self.tr("Bỏ lọc"))
        self.clear_button.setObjectName("clearFiltersButton")
        self.clear_button.setToolTip(self.tr("Bỏ mọi bộ lọc (Ctrl+Shift+L)"))
        filters.addWidget(self.clear_button)
        return filters

    def _build_list(self) -> QWidget:
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        self.results_view = ResultsView(self)
        self.results_view.setObjectName("resultsView")
        self.results_view.setModel(self.proxy)
        self.results_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_view.setAlternatingRowColors(True)
        self.results_view.setWordWrap(False)
        self.results_view.verticalHeader().setVisible(False)
        self.results_view.verticalHeader().setDefaultSectionSize(26)
        self.results_view.setToolTip(self.tr("Enter hoặc nhấp đúp để mở hồ sơ"))
        header = self.results_view.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.results_view.setSortingEnabled(True)
        header.setHighlightSections(False)
        for column, width in (
            (Column.CODE, 215),
            (Column.APPLICANT, 200),
            (Column.RECEIVED, 130),
            (Column.DUE, 95),
            (Column.STATUS, 125),
        ):
            self.results_view.setColumnWidth(column, width)
        header.setSectionResizeMode(Column.PROCEDURE, QHeaderView.ResizeMode.Stretch)
        list_layout.addWidget(self.results_view, 1)
        bottom = QHBoxLayout()
        self.hint_label = QLabel(
            self.tr(
                "Enter/nhấp đúp: mở hồ sơ · Esc: quay lại danh sách · Quét mã vạch ở bất kỳ đâu "
                "để mở hồ sơ"
            )
        )
        self.hint_label.setStyleSheet("color: #666;")
        bottom.addWidget(self.hint_label, 1)
        self.more_button = QPushButton(self.tr("Xem thêm %d hồ sơ") % PAGE_SIZE)
        self.more_button.setObjectName("moreButton")
        self.more_button.setEnabled(False)
        bottom.addWidget(self.more_button)
        list_layout.addLayout(bottom)
        return list_page

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        today = self._today()
        edit.setDate(QDate(today.year, today.month, today.day))
        return edit

    def _connect(self) -> None:
        self.search_edit.textEdited.connect(self._on_search_edit_text_edited)
        self.search_edit.returnPressed.connect(self._on_search_edit_return_pressed)
        self.search_edit.installEventFilter(self)
        self.status_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.overdue_check.toggled.connect(self._on_filter_changed)
        self.due_today_check.toggled.connect(self._on_filter_changed)
        self.procedure_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.period_combo.currentIndexChanged.connect(self._on_period_combo_current_index_changed)
        self.from_edit.dateChanged.connect(self._on_filter_changed)
        self.to_edit.dateChanged.connect(self._on_filter_changed)
        self.clear_button.clicked.connect(self.clear_filters)
        self.more_button.clicked.connect(self.load_more)
        self.results_view.doubleClicked.connect(self.open_index)
        self.detail.loaded.connect(self._on_detail_loaded)
        self.detail.back_requested.connect(self.show_list)
        self.detail.dossier_changed.connect(self._on_detail_dossier_changed)
        for keys, slot in (
            ("Ctrl+F", self.focus_search),
            ("Ctrl+Shift+L", self.clear_filters),
            ("Alt+Q", self.overdue_check.toggle),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ public

    def open_code(self, code: str) -> None:
        """Show the detail of the dossier with this code (the scanner and intake call this)."""
        self._pending_open = code.strip().upper()
        self.detail.show_code(self._pending_open)

    def open_index(self, index: QModelIndex) -> None:
        """Open the dossier of a row of the results table."""
        if not index.isValid():
            return
        view = self.proxy.data(index, DOSSIER_ROLE)
        if isinstance(view, DossierView):
            self.open_code(view.code)

    def show_list(self) -> None:
        """Back to the results, with the shown dossier selected."""
        self.stack.setCurrentWidget(self.list_page)
        shown = self.detail.detail
        if shown is not None:
            for row in range(self.proxy.rowCount()):
                index = self.proxy.index(row, 0)
                if self.proxy.data(index) == shown.dossier.code:
                    self.results_view.setCurrentIndex(index)
                    self.results_view.setFocus()
                    return
        self.focus_search()

    def focus_search(self) -> None:
        """Ctrl+F: back to the list and into the search box."""
        if self.stack.currentWidget() is not self.list_page:
            self.stack.setCurrentWidget(self.list_page)
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def clear_filters(self) -> None:
        """Show everything again (the search text stays)."""
        widgets = (
            self.status_combo,
            self.overdue_check,
            self.due_today_check,
            self.procedure_combo,
            self.period_combo,
        )
        for w in widgets:
            w.blockSignals(True)
        self.status_combo.setCurrentIndex(0)
        self.overdue_check.setChecked(False)
        self.due_today_check.setChecked(False)
        self.procedure_combo.setCurrentIndex(0)
        self.period_combo.setCurrentIndex(0)
        for w in widgets:
            w.blockSignals(False)
        self._show_custom_period(False)
        self.run_query()

    def current_filter(self) -> BrowseFilter:
        """The filters as chosen on the page."""
        status = self.status_combo.currentData()
        start, end = self._period()
        return BrowseFilter(
            status=Status(status) if status else None,
            overdue=self.overdue_check.isChecked(),
            due_today=self.due_today_check.isChecked(),
            procedure_code=self.procedure_combo.currentData() or None,
            received_from=start,
            received_to=end,
        )

    def run_query(self) -> None:
        """Query now (the debounce timer ends here): first page of results."""
        self._debounce.stop()
        self._submit(more=False)

    def load_more(self) -> None:
        """Next page of the same query."""
        self._submit(more=True)

    @property
    def query_pending(self) -> bool:
        """True while a query is scheduled, queued or running."""
        return self._debounce.isActive() or self._running or self._queued is not None

    # ------------------------------------------------------------------ querying

    def _submit(self, *, more: bool) -> None:
        """Run a query, or queue it behind the one running.

        One lookup query at a time: queries that pile up while the clerk types would only
        compete for the interpreter with the GUI thread. The newest request replaces any queued
        one, and the generation counter drops the running query's now stale result.
        """
        self._generation += 1
        if self._running:
            self._queued = more if self._queued is None else (self._queued and more)
            return
        self._start(more=more)

    def _start(self, *, more: bool) -> None:
        generation = self._generation
        self._running = True
        ws = self.ctx.ws
        query = self.search_edit.text()
        flt = self.current_filter()
        offset = self.model.rowCount() if more else 0
        now = ws.now()

        def job(_cancel: threading.Event) -> BrowsePage:
            return list_dossiers(ws, query, flt, limit=PAGE_SIZE, offset=offset)

        def done(page: BrowsePage) -> None:
            if generation == self._generation:
                self._show_page(page, now, append=more)
            self._next()

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._open_first_when_ready = False
                self.last_error = show_error(self, exc)
            self._next()

        self.ctx.runner.submit(job, on_done=done, on_error=failed)

    def _next(self) -> None:
        self._running = False
        if self._queued is not None:
            more, self._queued = self._queued, None
            self._start(more=more)

    def _show_page(self, page: BrowsePage, now: datetime, *, append: bool) -> None:
        if append:
            self.model.append_rows(page.rows)
        else:
            self.model.set_rows(page.rows, now)
        self._has_more = page.has_more
        self.more_button.setEnabled(page.has_more)
        self._show_count()
        if self._open_first_when_ready:
            self._open_first_when_ready = False
            self._open_first()

    def _show_count(self) -> None:
        n = self.model.rowCount()
        if n == 0:
            text = self.tr("Không tìm thấy hồ sơ nào")
        elif self._has_more:
            text = self.tr("%d+ hồ sơ") % n
        else:
            text = self.tr("%d hồ sơ") % n
        self.count_label.setText(text)

    def _open_first(self) -> None:
        if self.proxy.rowCount() == 0:
            return
        index = self.proxy.index(0, 0)
        self.results_view.setCurrentIndex(index)
        self.open_index(index)

    def _today(self) -> date:
        return self.ctx.ws.now().astimezone(VN_TZ).date()

    def _period(self) -> tuple[date | None, date | None]:
        key = self.period_combo.currentData()
        today = self._today()
        if key == "today":
            return today, today
        if key == "7d":
            return today - timedelta(days=6), today
        if key == "30d":
            return today - timedelta(days=29), today
        if key == "month":
            return today.replace(day=1), today
        if key == "year":
            return today.replace(month=1, day=1), today
        if key == "custom":
            a, b = self.from_edit.date(), self.to_edit.date()
            return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())
        return None, None

    def _show_custom_period(self, visible: bool) -> None:
        for w in (self.from_edit, self.dash_label, self.to_edit):
            w.setVisible(visible)

    # ------------------------------------------------------------------ slots

    def _on_search_edit_text_edited(self, _text: str) -> None:
        if self.stack.currentWidget() is not self.list_page:
            self.stack.setCurrentWidget(self.list_page)
        self._debounce.start()

    def _on_search_edit_return_pressed(self) -> None:
        if self.query_pending:
            self._open_first_when_ready = True
            if self._debounce.isActive():
                self.run_query()
            return
        current = self.results_view.currentIndex()
        if current.isValid():
            self.open_index(current)
        else:
            self._open_first()

    def _on_filter_changed(self) -> None:
        self.run_query()

    def _on_period_combo_current_index_changed(self) -> None:
        custom = self.period_combo.currentData() == "custom"
        if custom:
            today = self._today()
            self.from_edit.blockSignals(True)
            self.from_edit.setDate(QDate(today.year, today.month, 1))
            self.from_edit.blockSignals(False)
        self._show_custom_period(custom)
        self.run_query()

    def _on_detail_loaded(self, detail: DossierDetail) -> None:
        if self._pending_open is not None and detail.dossier.code == self._pending_open:
            self._pending_open = None
            self.stack.setCurrentWidget(self.detail)
            self.detail.setFocus()

    def _on_detail_dossier_changed(self, view: DossierView) -> None:
        self.model.update_row(view)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """↓ in the search box moves into the results."""
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.proxy.rowCount()
        ):
            self.results_view.setFocus()
            if not self.results_view.currentIndex().isValid():
                self.results_view.setCurrentIndex(self.proxy.index(0, 0))
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        """Each time the page shows, read again what other pages may have changed."""
        super().showEvent(event)
        if event.spontaneous():
            return  # the window was restored or uncovered: nothing changed here
        if not self._started:
            self._started = True
            self._load_procedures()
        if not self.query_pending:
            self.run_query()
        if self.stack.currentWidget() is self.detail and self._pending_open is None:
            self.detail.reload()

    def _load_procedures(self) -> None:
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> list[Procedure]:
            return list_catalog(ws, include_retired=True)

        def done(procedures: list[Procedure]) -> None:
            self.procedure_combo.blockSignals(True)
            for p in procedures:
                self.procedure_combo.addItem(f"{p.name} ({p.code})", p.code)
                self.procedure_combo.setItemData(
                    self.procedure_combo.count() - 1, p.name, Qt.ItemDataRole.ToolTipRole
                )
            self.procedure_combo.blockSignals(False)

        def failed(exc: BaseException) -> None:
            self.last_error = show_error(self, exc)

        self.ctx.runner.submit(job, on_done=done, on_error=failed)
