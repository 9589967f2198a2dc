"""The counter side of the queue (issue #5): the Hàng chờ page and the counter bar, driven with
their keys and buttons over a real queue in the workstation's database (and a dead server)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.queue import Ticket, TicketStatus
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.counter_bar import CounterBar
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.pages.intake import IntakePage
from onestop_desktop.gui.pages.queue import QueuePage
from onestop_desktop.gui.queue_counter import COUNTER_GROUPS, QueueCounter
from onestop_desktop.services import queue
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment import issue_token
from onestop_desktop.services.queue_remote import RemoteQueue, counter_of
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import SyncClient
from tests.conftest import TEMPLATE_OFFICE, FixedClock
from tests.integration._server import running_server

Key = Qt.Key


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def local(ws: Workstation) -> queue.LocalQueue:
    """The office queue in the test's database (the kiosk's side: tickets are issued here)."""
    return queue.LocalQueue(ws.db, TEMPLATE_OFFICE, clock=ws.now, clerk="kiosk")


@pytest.fixture
def counter(ctx: AppContext) -> Iterator[QueueCounter]:
    """This workstation's counter over its own queue; its feed thread stopped at the end."""
    c = QueueCounter(ctx)
    yield c
    c.stop()


def _page(qtbot: QtBot, controller: QueueCounter) -> QueuePage:
    page = QueuePage(controller)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: controller.is_ready and controller.status is not None, timeout=10_000)
    return page


def _ticket(local: queue.LocalQueue, number: str) -> Ticket:
    found = [t for t in local.changes(0).tickets if t.number == number]
    assert len(found) == 1
    return found[0]


def _press(qtbot: QtBot, page: QueuePage, key: Qt.Key) -> None:
    """A function key as the clerk presses it (shortcuts need the page's window active)."""
    qtbot.waitUntil(lambda: not page.controller.busy, timeout=10_000)
    window = page.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(page, key)


def _shows(qtbot: QtBot, page: QueuePage, number: str) -> None:
    qtbot.waitUntil(lambda: page.number_label.text() == number, timeout=10_000)
    qtbot.waitUntil(lambda: not page.controller.busy, timeout=10_000)


def _enabled(page: QueuePage) -> set[str]:
    return {name for name, b in page.action_buttons.items() if b.isEnabled()}


def _no_dialogs() -> None:
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert not [b for b in boxes if b.isVisible()]


# --------------------------------------------------------------------------- the page


def test_f5_calls_the_first_ticket_and_only_call_is_enabled_without_one(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("ho_tich")
    local.issue("ho_tich", priority=True)
    page = _page(qtbot, counter)
    assert page.number_label.text() == "—"
    assert _enabled(page) == {"call"}
    qtbot.waitUntil(lambda: "Tổng: 2 người chờ · ưu tiên 1" in page.waiting_total_label.text())
    assert page.waiting_table.item(0, 0).text() == "Hộ tịch"
    assert page.waiting_table.item(0, 1).text() == "2"
    assert page.waiting_table.item(0, 2).text() == "1"

    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1002")  # the priority ticket first (strict policy)
    assert page.priority_label.isVisible()
    assert page.group_label.text() == "Hộ tịch"
    assert "Lấy số lúc 08:00" in page.details_label.text()
    assert "đã chờ 0 phút" in page.details_label.text()
    assert _enabled(page) == set(page.action_buttons)
    assert "Mời số 1002 đến quầy 1" in page.message_label.text()
    assert _ticket(local, "1002").status == TicketStatus.CALLED
    assert _ticket(local, "1002").counter == 1

    _press(qtbot, page, Key.Key_F5)  # the next call finishes the current ticket
    _shows(qtbot, page, "1001")
    assert not page.priority_label.isVisible()
    assert _ticket(local, "1002").status == TicketStatus.DONE
    qtbot.waitUntil(lambda: "Tổng: 0 người chờ" in page.waiting_total_label.text())


def test_nobody_waiting_is_a_calm_message(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    qtbot.waitUntil(lambda: "không có ai chờ" in page.message_label.text(), timeout=10_000)
    assert page.message_label.property("role") == "info"
    assert page.number_label.text() == "—"
    _no_dialogs()


def test_recall_counts_and_skip_ends_as_no_show(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("chung_thuc")
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "2001")
    _press(qtbot, page, Key.Key_F6)
    qtbot.waitUntil(lambda: "gọi lại 1 lần" in page.details_label.text(), timeout=10_000)
    _press(qtbot, page, Key.Key_F6)
    qtbot.waitUntil(lambda: "gọi lại 2 lần" in page.details_label.text(), timeout=10_000)
    assert _ticket(local, "2001").recalls == 2

    _press(qtbot, page, Key.Key_F7)
    _shows(qtbot, page, "—")
    assert _ticket(local, "2001").status == TicketStatus.NO_SHOW
    assert "vắng mặt" in page.message_label.text()
    assert _enabled(page) == {"call"}


def test_hold_lists_the_ticket_and_resume_serves_it_again(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("ho_tich")
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    _press(qtbot, page, Key.Key_F8)
    _shows(qtbot, page, "—")
    qtbot.waitUntil(lambda: page.held_list.count() == 1, timeout=10_000)
    assert page.held_list.item(0).text().startswith("1001")
    assert _ticket(local, "1001").status == TicketStatus.HELD

    _press(qtbot, page, Key.Key_F5)  # the counter calls on while 1001 fetches a paper
    _shows(qtbot, page, "1002")
    assert not page.resume_button.isEnabled()
    page.held_list.setCurrentRow(0)
    assert page.resume_button.isEnabled()
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    _shows(qtbot, page, "1001")
    qtbot.waitUntil(lambda: page.held_list.count() == 0, timeout=10_000)
    assert _ticket(local, "1001").status == TicketStatus.CALLED
    assert _ticket(local, "1002").status == TicketStatus.DONE  # resuming finished the current


def test_transfer_to_counter_4_and_finish(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("ho_tich")
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    _press(qtbot, page, Key.Key_F9)
    qtbot.waitUntil(lambda: page.transfer_dialog is not None and page.transfer_dialog.isVisible())
    dialog = page.transfer_dialog
    assert dialog is not None
    assert dialog.counter_radio.isChecked()
    dialog.counter_spin.setValue(4)
    dialog.accept()
    _shows(qtbot, page, "—")
    moved = _ticket(local, "1001")
    assert moved.status == TicketStatus.WAITING
    assert moved.target_counter == 4
    assert "Đã chuyển số 1001 đến quầy 4" in page.message_label.text()

    _press(qtbot, page, Key.Key_F5)  # 1001 waits for counter 4: this counter gets 1002
    _shows(qtbot, page, "1002")
    _press(qtbot, page, Key.Key_F11)
    _shows(qtbot, page, "—")
    assert _ticket(local, "1002").status == TicketStatus.DONE
    assert _ticket(local, "1001").status == TicketStatus.WAITING


def test_transfer_to_a_group(qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue) -> None:
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    dialog = page.open_transfer()
    assert dialog is not None
    dialog.group_radio.setChecked(True)
    dialog.group_combo.setCurrentIndex(dialog.group_combo.findData("chung_thuc"))
    dialog.accept()
    _shows(qtbot, page, "—")
    moved = _ticket(local, "1001")
    assert (moved.status, moved.group_code, moved.target_counter) == ("waiting", "chung_thuc", None)


def test_refused_operation_is_shown_inline(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    counter.transfer(to_counter=1)  # its own counter
    qtbot.waitUntil(lambda: page.message_label.property("role") == "error", timeout=10_000)
    assert page.message_label.text() == "Phiếu đang ở quầy 1; hãy chọn quầy khác."
    assert page.number_label.text() == "1001"
    _no_dialogs()


def test_counter_groups_are_stored_and_respected(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue, db_path: Path
) -> None:
    local.issue("ho_tich")
    local.issue("chung_thuc")
    page = _page(qtbot, counter)
    qtbot.waitUntil(lambda: len(page.group_checks) == 6, timeout=10_000)
    assert all(box.isChecked() for box in page.group_checks.values())  # the office's rule: all
    page.group_checks["ho_tich"].setChecked(False)
    qtbot.waitUntil(lambda: counter.groups != [], timeout=10_000)
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (COUNTER_GROUPS,)).fetchone()
    finally:
        conn.close()
    assert "ho_tich" not in json.loads(row[0])
    assert "chung_thuc" in json.loads(row[0])
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "2001")  # 1001 came first but this counter no longer calls Hộ tịch
    assert _ticket(local, "1001").status == TicketStatus.WAITING

    page.group_checks["ho_tich"].setChecked(True)  # back to every group: the office's rule
    qtbot.waitUntil(lambda: counter.groups == [], timeout=10_000)


def test_counter_number_is_the_workstation_setting(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue, ws: Workstation
) -> None:
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    assert page.counter_spin.value() == 1
    page.counter_spin.setValue(3)
    page.apply_counter()
    qtbot.waitUntil(lambda: counter.counter == 3, timeout=10_000)
    assert counter_of(ws) == 3
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    assert _ticket(local, "1001").counter == 3
    page.counter_spin.setValue(5)  # refused while serving
    page.apply_counter()
    qtbot.waitUntil(lambda: page.counter_spin.value() == 3, timeout=10_000)
    assert page.message_label.property("role") == "error"
    assert counter_of(ws) == 3


# --------------------------------------------------------------------------- the bar


def test_bar_and_page_agree(qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue) -> None:
    for _ in range(3):
        local.issue("ho_tich")
    page = _page(qtbot, counter)
    bar = CounterBar(counter)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    flags = bar.windowFlags()
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert flags & Qt.WindowType.Tool
    assert bar.counter_label.text() == "QUẦY 1"
    qtbot.waitUntil(lambda: bar.waiting_label.text() == "Đang chờ: 3", timeout=10_000)
    assert not bar.buttons["finish"].isEnabled()

    qtbot.mouseClick(bar.buttons["call"], Qt.MouseButton.LeftButton)  # from the bar…
    _shows(qtbot, page, "1001")  # …shows on the page
    assert bar.number_label.text() == "1001"
    qtbot.waitUntil(lambda: bar.waiting_label.text() == "Đang chờ: 2", timeout=10_000)

    _press(qtbot, page, Key.Key_F5)  # from the page…
    qtbot.waitUntil(lambda: bar.number_label.text() == "1002", timeout=10_000)  # …on the bar
    qtbot.mouseClick(bar.buttons["recall"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "gọi lại 1 lần" in page.details_label.text(), timeout=10_000)
    qtbot.waitUntil(bar.buttons["finish"].isEnabled, timeout=10_000)
    qtbot.mouseClick(bar.buttons["finish"], Qt.MouseButton.LeftButton)
    _shows(qtbot, page, "—")
    assert bar.number_label.text() == "—"
    assert _ticket(local, "1002").status == TicketStatus.DONE


def test_bar_remembers_its_position(qtbot: QtBot, counter: QueueCounter) -> None:
    bar = CounterBar(counter)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    bar.move(QPoint(200, 150))
    bar.close()
    again = CounterBar(counter)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert again.pos() == QPoint(200, 150)


def test_main_window_opens_the_bar_with_ctrl_shift_b(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.show_page("queue")
    assert isinstance(window.pages["queue"], QueuePage)
    qtbot.keyClick(
        window, Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    bar = window.counter_bar
    assert bar is not None
    assert bar.isVisible()
    assert bar.controller is window.queue
    window.close()
    assert not bar.isVisible()


# --------------------------------------------------------------------------- intake from a ticket


def test_intake_from_the_called_ticket_links_the_dossier(
    qtbot: QtBot, ctx: AppContext, local: queue.LocalQueue, db_path: Path
) -> None:
    local.issue("ho_tich")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 760)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    page = window.show_page("queue")
    assert isinstance(page, QueuePage)
    qtbot.waitUntil(lambda: window.queue.is_ready and window.queue.status is not None)
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1001")
    _press(qtbot, page, Key.Key_F10)
    intake = window.pages["intake"]
    assert isinstance(intake, IntakePage)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is intake)
    assert intake.queue_ticket is not None
    assert intake.queue_ticket.number == "1001"
    assert "số thứ tự 1001" in intake.ui.statusLabel.text()
    qtbot.waitUntil(lambda: intake.reference is not None, timeout=10_000)

    edit = intake.ui.procedureEdit
    edit.setFocus()
    qtbot.keyClicks(edit, "khai sinh")
    qtbot.keyClick(edit, Key.Key_Return)
    assert intake.picker.procedure is not None
    intake.ui.nameEdit.setText("Lê Văn Bình")
    with qtbot.waitSignal(window.queue.dossier_linked, timeout=15_000) as linked:
        intake.save()
    ticket, code = linked.args
    assert intake.last_saved is not None
    assert code == intake.last_saved.code
    assert ticket.dossier_id == intake.last_saved.id
    assert _ticket(local, "1001").dossier_id == intake.last_saved.id
    assert intake.queue_ticket is None  # the next dossier is not this ticket's
    window.show_page("queue")
    assert page.dossier_label.text() == f"Đã tiếp nhận hồ sơ {code}"
    if intake.preview_dialog is not None:
        qtbot.waitUntil(lambda: intake.preview_dialog is not None, timeout=10_000)
        intake.preview_dialog.close()


# --------------------------------------------------------------------------- offline


def test_offline_banner_and_walk_in(qtbot: QtBot, ctx: AppContext, ws: Workstation) -> None:
    def dead_server() -> RemoteQueue:
        client = SyncClient(
            "http://127.0.0.1:9",
            device_id="dev-x",
            secret="not-a-secret",  # noqa: S106 - a fake credential for a dead port
            timeout=2,
        )
        return RemoteQueue(client, TEMPLATE_OFFICE, clerk="tester")

    controller = QueueCounter(ctx, backend_factory=dead_server)
    try:
        page = QueuePage(controller)
        qtbot.addWidget(page)
        page.resize(1280, 720)
        page.show()
        qtbot.waitExposed(page)
        qtbot.waitUntil(page.offline_banner.isVisible, timeout=10_000)
        assert "Mất kết nối máy chủ hàng chờ — vẫn tiếp nhận được hồ sơ" in (
            page.offline_label.text()
        )
        qtbot.waitUntil(lambda: controller.is_ready, timeout=10_000)
        assert not page.action_buttons["call"].isEnabled()
        qtbot.waitUntil(lambda: page.walk_in_combo.count() == 6, timeout=10_000)
        page.walk_in_combo.setCurrentIndex(page.walk_in_combo.findData("chung_thuc"))
        assert page.walk_in_button.isEnabled()
        qtbot.mouseClick(page.walk_in_button, Qt.MouseButton.LeftButton)
        _shows(qtbot, page, "L1-001")
        assert page.walk_in_label.isVisible()
        assert page.group_label.text() == "Chứng thực"
        assert _enabled(page) == {"intake", "finish"}
        with ws.db.read() as s:
            pending = queue.pending_uploads(s, TEMPLATE_OFFICE)
        assert [(t.number, t.status, t.origin) for t in pending] == [("L1-001", "called", "local")]
        qtbot.mouseClick(page.action_buttons["finish"], Qt.MouseButton.LeftButton)
        _shows(qtbot, page, "—")
        with ws.db.read() as s:
            pending = queue.pending_uploads(s, TEMPLATE_OFFICE)
        assert [(t.number, t.status) for t in pending] == [("L1-001", "done")]
        _no_dialogs()
    finally:
        controller.stop()


class _Cable(httpx.BaseTransport):
    """The office LAN cable between this counter and its server: unplug it and plug it back."""

    def __init__(self) -> None:
        self.plugged = False
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.plugged:
            raise httpx.ConnectError("cable unplugged", request=request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_walk_ins_are_uploaded_when_the_server_answers_again(
    qtbot: QtBot, ctx: AppContext, ws: Workstation, clock: FixedClock, tmp_path: Path
) -> None:
    clock.now = datetime.now(VN_TZ)  # the server's queue day is today's
    server_db = str(tmp_path / "server.db")
    cable = _Cable()
    with running_server(server_db, tmp_path / "server.log") as base:
        db = Database.open(server_db)
        try:
            token = issue_token(db, TEMPLATE_OFFICE, 1)
        finally:
            db.dispose()
        with SyncClient(base) as anonymous:
            device = anonymous.enroll(token, "quay-1")

        def server_queue() -> RemoteQueue:
            client = SyncClient(
                base, device_id=device["device_id"], secret=device["secret"], transport=cable
            )
            return RemoteQueue(client, TEMPLATE_OFFICE, clerk="tester")

        controller = QueueCounter(ctx, backend_factory=server_queue)
        try:
            page = QueuePage(controller)
            qtbot.addWidget(page)
            page.show()
            qtbot.waitExposed(page)
            qtbot.waitUntil(page.offline_banner.isVisible, timeout=10_000)
            qtbot.waitUntil(lambda: controller.is_ready and page.walk_in_combo.count() == 6)
            qtbot.mouseClick(page.walk_in_button, Qt.MouseButton.LeftButton)
            _shows(qtbot, page, "L1-001")
            qtbot.mouseClick(page.action_buttons["finish"], Qt.MouseButton.LeftButton)
            _shows(qtbot, page, "—")

            cable.plugged = True  # the feed retries every few seconds
            qtbot.waitUntil(lambda: not page.offline_banner.isVisible(), timeout=15_000)
            qtbot.waitUntil(lambda: "Đã gửi 1 phiếu" in page.message_label.text(), timeout=10_000)
            with ws.db.read() as s:
                assert queue.pending_uploads(s, TEMPLATE_OFFICE) == []
            check = server_queue()
            try:
                uploaded = check.changes(0).tickets
            finally:
                check.close()
            assert [(t.number, t.status, t.origin) for t in uploaded] == [
                ("L1-001", "done", "local")
            ]
            assert page.action_buttons["call"].isEnabled()
        finally:
            controller.stop()
            ctx.runner.wait()


def test_staff_issue_a_priority_ticket_from_the_counter(
    qtbot: QtBot, counter: QueueCounter, local: queue.LocalQueue
) -> None:
    local.issue("ho_tich")
    page = _page(qtbot, counter)
    qtbot.waitUntil(lambda: counter.is_ready and page.issue_button.isEnabled(), timeout=10_000)
    dialog = page.open_issue()
    assert dialog is not None
    dialog.group_combo.setCurrentIndex(dialog.group_combo.findData("ho_tich"))
    dialog.priority_check.setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "Đã cấp số 1002 (ưu tiên)" in page.message_label.text(), timeout=10_000)
    assert _ticket(local, "1002").priority
    _press(qtbot, page, Key.Key_F5)
    _shows(qtbot, page, "1002")  # the staff-marked priority ticket is called first
