"""The main window, the task runner's lanes and the crash dialog, driven for real."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import CrashDialog, show_error
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.tasks import Lane, TaskRunner


def _window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.office_label.text() != "", timeout=10_000)
    return window


def test_status_bar_shows_office_clerk_and_offline_state(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    assert "Nhân Chính" in window.office_label.text()
    assert "Máy số 1" in window.clerk_label.text()
    assert "Ngoại tuyến" in window.network_label.text()
    assert "Chờ đồng bộ: 0" in window.pending_label.text()


def test_pages_in_vietnamese_and_ctrl_number_switches(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    titles = [window.tabs.tabText(i).split("  ")[0] for i in range(window.tabs.count())]
    assert titles == ["Tiếp nhận", "Hàng chờ", "Tra cứu", "Báo cáo"]
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.pages["lookup"]
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.pages["intake"]


def test_window_state_is_remembered(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.show_page("lookup")
    saved_geometry = window.saveGeometry()
    window.close()
    assert QSettings().value("mainWindow/page", type=int) == 2
    assert QSettings().value("mainWindow/geometry") == saved_geometry
    again = _window(qtbot, ctx)
    assert again.tabs.currentWidget() is again.pages["lookup"]


def test_runner_delivers_results_and_errors_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui_thread = threading.get_ident()
    seen: list[object] = []

    def job(_cancel: threading.Event) -> int:
        assert threading.get_ident() != gui_thread
        return 42

    def boom(_cancel: threading.Event) -> int:
        raise EnvironmentFault("đĩa đầy")

    runner.submit(job, on_done=seen.append, on_error=seen.append, lane=Lane.WRITE)
    runner.submit(boom, on_done=seen.append, on_error=seen.append)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert 42 in seen
    assert any(isinstance(x, EnvironmentFault) for x in seen)


def test_cancelled_job_result_is_dropped(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[object] = []
    release = threading.Event()

    def slow(cancel: threading.Event) -> str:
        release.wait(5)
        return "late"

    handle = runner.submit(slow, on_done=seen.append, on_error=seen.append)
    handle.cancel()
    release.set()
    assert runner.wait(5000)
    qtbot.wait(50)
    assert seen == []


def test_write_lane_is_serial(qtbot: QtBot) -> None:
    runner = TaskRunner()
    active = 0
    peak = 0
    lock = threading.Lock()
    done: list[object] = []

    def job(_cancel: threading.Event) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1

    for _ in range(5):
        runner.submit(job, on_done=done.append, on_error=done.append, lane=Lane.WRITE)
    qtbot.waitUntil(lambda: len(done) == 5, timeout=5000)
    assert peak == 1


def test_crash_dialog_copies_a_report(qtbot: QtBot) -> None:
    try:
        raise RuntimeError("lỗi thử")
    except RuntimeError as exc:
        dialog = show_error(None, exc)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, CrashDialog)
    assert "RuntimeError: lỗi thử" in dialog.report_edit.toPlainText()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "RuntimeError" in QGuiApplication.clipboard().text()
    dialog.close()
