"""The counter's main window: Tiếp nhận, Hàng chờ, Tra cứu, Báo cáo, and a status bar."""

from __future__ import annotations

import threading

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QTabWidget,
    QToolButton,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.queue import Ticket
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.counter_bar import CounterBar
from onestop_desktop.gui.dialogs.rejected import RejectedDialog
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.pages.queue import BAR_KEY
from onestop_desktop.gui.queue_counter import QueueCounter
from onestop_desktop.gui.sync_controller import SyncController, SyncState
from onestop_desktop.gui.widgets.scanner import ScannerFilter
from onestop_desktop.services.dossiers import DossierView
from onestop_desktop.services.reports import vn_int
from onestop_desktop.services.status import WorkstationStatus, workstation_status

STATUS_REFRESH_MS = 30_000
#: "Đồng bộ ngay". F9 is taken by the dossier detail's "Xin lỗi & hẹn lại".
SYNC_NOW_KEY = "F12"
#: Opens the counter bar (also a button on the Hàng chờ page).
COUNTER_BAR_KEY = BAR_KEY
_ERROR_SHOWN = 90  # characters of a sync error shown in the status bar (all in the tooltip)


class MainWindow(QMainWindow):
    """One window per counter PC; pages are tabs reachable with Ctrl+1…4."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("OneStop — Bộ phận Một cửa"))
        self.setMinimumSize(1024, 640)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("pageTabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.pages: dict[str, QWidget] = {}
        # This counter's side of the office queue: the Hàng chờ page and the counter bar share it.
        self.queue = QueueCounter(ctx, parent=self)
        self.counter_bar: CounterBar | None = None
        self._add_pages()
        for i in range(self.tabs.count()):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            shortcut.activated.connect(lambda i=i: self.show_page_index(i))
        self._build_status_bar()
        self.rejected_dialog: RejectedDialog | None = None
        # Background sync: rounds on the runner's SYNC lane, never on this thread.
        self.sync = SyncController(ctx, parent=self)
        self.sync.state_changed.connect(self._on_sync_state_changed)
        QShortcut(QKeySequence(SYNC_NOW_KEY), self).activated.connect(self.sync.sync_now)
        QShortcut(QKeySequence(COUNTER_BAR_KEY), self).activated.connect(self.open_counter_bar)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        ctx.runner.busy_changed.connect(self._on_runner_busy_changed)
        # A barcode scanner (keyboard wedge) anywhere in this window opens the dossier.
        self.scanner = ScannerFilter(scope=self, parent=self)
        self.scanner.code_scanned.connect(self.open_dossier)
        self.scanner.install()
        self._restore_state()
        self.refresh_status()
        intake_saved = getattr(self.pages["intake"], "dossier_received", None)
        if intake_saved is not None:
            intake_saved.connect(self._on_intake_dossier_received)
        self.sync.start()

    # ------------------------------------------------------------------ pages

    def _add_pages(self) -> None:
        from onestop_desktop.gui.pages.intake import IntakePage  # noqa: PLC0415
        from onestop_desktop.gui.pages.lookup import LookupPage  # noqa: PLC0415
        from onestop_desktop.gui.pages.queue import QueuePage  # noqa: PLC0415
        from onestop_desktop.gui.pages.reports import ReportsPage  # noqa: PLC0415

        intake = IntakePage(self.ctx, self)
        lookup = LookupPage(self.ctx, self)
        queue = QueuePage(self.queue, self)
        queue.bar_requested.connect(self.open_counter_bar)
        self.queue.intake_requested.connect(self.start_intake_for_ticket)
        intake.ticket_dossier_saved.connect(self._on_ticket_dossier_saved)
        reports = ReportsPage(self.ctx, self)
        reports.dossier_requested.connect(self.open_dossier)
        for key, widget, title in (
            ("intake", intake, self.tr("Tiếp nhận")),
            ("queue", queue, self.tr("Hàng chờ")),
            ("lookup", lookup, self.tr("Tra cứu")),
            ("reports", reports, self.tr("Báo cáo")),
        ):
            widget.setObjectName(f"{key}Page")
            self.pages[key] = widget
            self.tabs.addTab(widget, f"{title}  (Ctrl+{self.tabs.count() + 1})")

    def show_page(self, key: str) -> QWidget:
        """Bring a page to the front."""
        page = self.pages[key]
        self.tabs.setCurrentWidget(page)
        return page

    def show_page_index(self, index: int) -> None:
        """Ctrl+N handler."""
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def open_dossier(self, code: str) -> None:
        """Show one dossier's detail on the lookup page (used by the scanner and intake)."""
        page = self.show_page("lookup")
        open_code = getattr(page, "open_code", None)
        if callable(open_code):
            open_code(code)

    # ------------------------------------------------------------------ queue

    def open_counter_bar(self) -> CounterBar:
        """Ctrl+Shift+B: show the always-on-top counter bar (one per window)."""
        if self.counter_bar is None:
            self.counter_bar = CounterBar(self.queue)
        self.counter_bar.show()
        self.counter_bar.raise_()
        return self.counter_bar

    def start_intake_for_ticket(self, ticket: Ticket) -> None:
        """Tiếp nhận hồ sơ (F10) on the Hàng chờ page: the intake form for the called ticket."""
        page = self.show_page("intake")
        attach = getattr(page, "attach_ticket", None)
        if callable(attach):
            attach(ticket)

    def _on_ticket_dossier_saved(self, ticket: Ticket, view: DossierView) -> None:
        self.queue.link_dossier(ticket, view.id, view.code)

    # ------------------------------------------------------------------ status bar

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.office_label = QLabel()
        self.office_label.setObjectName("officeLabel")
        self.clerk_label = QLabel()
        self.clerk_label.setObjectName("clerkLabel")
        self.network_label = QLabel()
        self.network_label.setObjectName("networkLabel")
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncLabel")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        self.rejected_button = QToolButton()
        self.rejected_button.setObjectName("rejectedButton")
        self.rejected_button.setAutoRaise(True)
        self.rejected_button.setToolTip(self.tr("Xem các thay đổi bị máy chủ từ chối"))
        self.rejected_button.clicked.connect(self.open_rejected)
        self.sync_now_button = QToolButton()
        self.sync_now_button.setObjectName("syncNowButton")
        self.sync_now_button.setAutoRaise(True)
        self.sync_now_button.setText(self.tr("Đồng bộ ngay (%s)") % SYNC_NOW_KEY)
        self.sync_now_button.clicked.connect(self._on_sync_now_button_clicked)
        self.network_label.setText(self.tr("● Ngoại tuyến"))
        self.sync_label.setText(self.tr("Đồng bộ lần cuối: chưa có"))
        self.rejected_button.setText(self.tr("Bị từ chối: 0"))
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setVisible(False)
        for w in (
            self.office_label,
            self.clerk_label,
            self.network_label,
            self.sync_label,
            self.pending_label,
            self.rejected_button,
            self.sync_now_button,
        ):
            bar.addPermanentWidget(w)
        bar.addWidget(self.busy_bar)

    def refresh_status(self) -> None:
        """Re-read office, clerk and pending changes off the GUI thread."""
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> WorkstationStatus:
            return workstation_status(ws)

        self.ctx.runner.submit(job, on_done=self._show_status, on_error=self._on_status_error)

    def _show_status(self, status: WorkstationStatus) -> None:
        self.office_label.setText(self.tr("Cơ quan: %s") % status.office_name)
        self.clerk_label.setText(
            self.tr("Máy số %d · Cán bộ: %s") % (status.device_number, status.clerk)
        )
        self.pending_label.setText(
            self.tr("Chờ đồng bộ: %s thay đổi") % vn_int(status.pending_changes)
        )

    def _on_status_error(self, exc: BaseException) -> None:
        show_error(self, exc)

    def _on_runner_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)

    def _on_sync_state_changed(self, state: SyncState) -> None:
        if not state.enrolled:
            self.network_label.setText(self.tr("● Ngoại tuyến · Chưa đăng ký máy chủ"))
            self.network_label.setToolTip(
                self.tr("Đăng ký máy trạm: onestop enroll --server … --token …")
            )
            self.network_label.setStyleSheet("color: #a15c00;")
        elif state.online is False:
            error = state.error or ""
            shown = error if len(error) <= _ERROR_SHOWN else error[: _ERROR_SHOWN - 1] + "…"
            self.network_label.setText(self.tr("● Ngoại tuyến: %s") % shown)
            tip = error
            if state.next_attempt_in is not None:
                tip += "\n" + self.tr("Tự thử lại sau %d giây.") % round(state.next_attempt_in)
            self.network_label.setToolTip(tip)
            self.network_label.setStyleSheet("color: #b3261e;")
        elif state.online:
            self.network_label.setText(self.tr("● Trực tuyến"))
            self.network_label.setToolTip("")
            self.network_label.setStyleSheet("color: #1b7f3b;")
        else:
            self.network_label.setText(self.tr("● Đang kết nối máy chủ…"))
            self.network_label.setStyleSheet("color: #a15c00;")
        if state.last_sync_at is not None:
            when = state.last_sync_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
            self.sync_label.setText(self.tr("Đồng bộ lần cuối: %s") % when)
        else:
            self.sync_label.setText(self.tr("Đồng bộ lần cuối: chưa có"))
        self.pending_label.setText(self.tr("Chờ đồng bộ: %s thay đổi") % vn_int(state.pending))
        self.rejected_button.setText(self.tr("Bị từ chối: %d") % state.rejected)
        self.rejected_button.setStyleSheet("color: #b3261e;" if state.rejected else "")
        self.sync_now_button.setVisible(state.enrolled)
        self.sync_now_button.setEnabled(not state.running)
        self.sync_now_button.setText(
            self.tr("Đang đồng bộ…")
            if state.running
            else self.tr("Đồng bộ ngay (%s)") % SYNC_NOW_KEY
        )

    def _on_sync_now_button_clicked(self) -> None:
        self.sync.sync_now()

    def _on_intake_dossier_received(self, _code: str) -> None:
        self.sync.refresh()  # one more pending change

    def open_rejected(self) -> RejectedDialog:
        """Show the events the server refused (loaded off the GUI thread)."""
        dialog = RejectedDialog(self.ctx, self)
        dialog.dossier_requested.connect(self.open_dossier)
        dialog.finished.connect(dialog.deleteLater)
        self.rejected_dialog = dialog
        dialog.open()
        dialog.load()
        return dialog

    # ------------------------------------------------------------------ state

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("mainWindow/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 760)
        state = settings.value("mainWindow/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        index = settings.value("mainWindow/page", 0, type=int)
        self.show_page_index(int(index))  # type: ignore[call-overload]

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember geometry and page; let pages keep their drafts."""
        settings = QSettings()
        settings.setValue("mainWindow/geometry", self.saveGeometry())
        settings.setValue("mainWindow/state", self.saveState())
        settings.setValue("mainWindow/page", self.tabs.currentIndex())
        for page in self.pages.values():
            save = getattr(page, "save_draft", None)
            if callable(save):
                save()
        self._status_timer.stop()
        self.sync.stop()
        if self.counter_bar is not None:
            self.counter_bar.close()
        self.queue.stop()
        self.scanner.uninstall()
        super().closeEvent(event)


__all__ = ["MainWindow", "Qt"]
