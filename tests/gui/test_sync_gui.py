"""Background sync in the window, against a real ``onestop server run`` process (SQLite DB).

The window's workstation is really enrolled; rounds run on the task runner's SYNC lane. Covers
the status bar (online/offline, last sync, pending, rejected), an intake pushed by the
background round, saving while the server is down and catching up when it is back
(SYNC-FAULTS 1, 13, 19), the rejected-events list (SYNC-FAULTS 10, 18), and that the GUI thread
never stalls during a round.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.dossier import Status
from onestop_desktop.gui.application import tune_garbage_collector
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.pages.intake import IntakePage
from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import advance
from onestop_desktop.services.sync_round import RoundResult
from onestop_desktop.services.sync_schedule import Backoff
from onestop_desktop.store.db import Database
from tests.conftest import CliRunner
from tests.gui.test_intake_page import _choose
from tests.integration import _server
from tests.integration._server import free_port, running_server
from tests.integration._sync_helpers import WARD, enrolled, intake_at, rows, sync_cli

LAST_SYNC = re.compile(r"^Đồng bộ lần cuối: \d\d:\d\d \d\d/\d\d/\d{4}$")


@pytest.fixture
def server_db(tmp_path: Path) -> str:
    """The server's database: a SQLite file (kept across server restarts)."""
    return str(tmp_path / "server.db")


class Server:
    """The server process, started and stopped on ONE port so the enrolled URL stays valid."""

    def __init__(self, db: str, folder: Path) -> None:
        self.db = db
        self.folder = folder
        self.runs = 0
        self.stack = ExitStack()

    def start(self) -> str:
        self.runs += 1
        log = self.folder / f"server-{self.runs}.log"
        return self.stack.enter_context(running_server(self.db, log))

    def stop(self) -> None:
        self.stack.close()


@pytest.fixture
def server(tmp_path: Path, server_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A stoppable, restartable server on a fixed loopback port (killed at the end)."""
    port = free_port()
    monkeypatch.setattr(_server, "free_port", lambda: port)
    control = Server(server_db, tmp_path)
    try:
        yield control
    finally:
        control.stop()


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[Path], MainWindow]]:
    """A main window on a workstation file, with quick sync retries; lanes drained after."""
    opened: list[tuple[MainWindow, AppContext]] = []

    def make(path: Path) -> MainWindow:
        ctx = AppContext(
            ws=Workstation(Database.open(path), username="tester"), runner=TaskRunner()
        )
        window = MainWindow(ctx)
        # Seconds instead of the default half-minute, so the test sees the loop at work.
        window.sync.backoff = Backoff(1.0, first_retry=0.3, cap=1.0, floor=0.2)
        qtbot.addWidget(window)
        window.show()
        opened.append((window, ctx))
        return window

    yield make
    for window, ctx in opened:
        window.sync.stop()
        ctx.runner.wait(30_000)
        ctx.ws.db.dispose()


def _online(window: MainWindow) -> bool:
    return window.network_label.text() == "● Trực tuyến"


def _save_intake(qtbot: QtBot, window: MainWindow, name: str) -> str:
    page = window.show_page("intake")
    assert isinstance(page, IntakePage)
    qtbot.waitUntil(lambda: page.reference is not None, timeout=15_000)
    _choose(qtbot, page, "khai sinh")
    page.ui.nameEdit.setText(name)
    with qtbot.waitSignal(page.dossier_received, timeout=15_000) as saved:
        page.save()
    qtbot.waitUntil(lambda: page.preview_dialog is not None, timeout=15_000)
    assert page.preview_dialog is not None
    page.preview_dialog.close()
    return str(saved.args[0])


class Heartbeat:
    """A 10 ms QTimer on the GUI thread; ``max_gap()`` is its longest silence (ms)."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def start(self) -> None:
        self.beats = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self.beats.append(time.perf_counter())
        return self.max_gap()

    def max_gap(self) -> float:
        return max((b - a) * 1000 for a, b in zip(self.beats, self.beats[1:], strict=False))


def test_background_sync_online_offline_and_back(
    qtbot: QtBot,
    server: Server,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    open_window: Callable[[Path], MainWindow],
) -> None:
    base = server.start()
    a = enrolled(base, server_db, tmp_path, run_cli, "A")
    b = enrolled(base, server_db, tmp_path, run_cli, "B")
    window = open_window(a)
    qtbot.waitUntil(lambda: _online(window), timeout=20_000)
    assert LAST_SYNC.match(window.sync_label.text()), window.sync_label.text()
    assert window.pending_label.text() == "Chờ đồng bộ: 0 thay đổi"
    assert window.rejected_button.text() == "Bị từ chối: 0"
    assert window.sync_now_button.isVisible()

    # Another counter's 300 dossiers reach the server; the next round pulls them while the
    # GUI thread keeps beating every 10 ms (the app's own garbage-collector tuning applied).
    code, _out, err = run_cli("demo", "--dossiers", "300", db=b)
    assert code == 0, err
    assert sync_cli(run_cli, b)["pushed"] >= 300
    thresholds = gc.get_threshold()
    tune_garbage_collector()
    heartbeat = Heartbeat()
    try:
        with qtbot.waitSignal(window.sync.round_finished, timeout=60_000) as finished:
            window.sync.sync_now()
            heartbeat.start()
        gap = heartbeat.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    result = finished.args[0]
    assert isinstance(result, RoundResult)
    assert result.pulled >= 300
    assert gap < 100, f"the GUI thread stalled {gap:.0f} ms during a round"
    same_office = f"SELECT code, status FROM dossiers WHERE office_code = '{WARD}' ORDER BY code"
    assert len(rows(a, same_office)) > 100
    assert rows(a, same_office) == rows(b, same_office)

    # An intake saved in the window is pushed by the background round; B pulls it.
    first = _save_intake(qtbot, window, "Lê Văn Bình")
    qtbot.waitUntil(lambda: window.sync.state.pending == 0 and _online(window), timeout=20_000)
    assert sync_cli(run_cli, b)["pulled"] >= 1
    assert rows(b, f"SELECT applicant_name FROM dossiers WHERE code = '{first}'") == [
        ("Lê Văn Bình",)
    ]

    # The server goes away: offline shown with the reason, and the clerk still saves.
    server.stop()
    window.activateWindow()
    with qtbot.waitSignal(window.sync.round_failed, timeout=20_000):
        QTest.keyClick(window, Qt.Key.Key_F12)  # "Đồng bộ ngay"
    qtbot.waitUntil(lambda: window.sync.state.online is False, timeout=20_000)
    assert window.network_label.text().startswith("● Ngoại tuyến: Không kết nối được máy chủ")
    assert "Tự thử lại sau" in window.network_label.toolTip()
    started = time.perf_counter()
    second = _save_intake(qtbot, window, "Trần Thị Cúc")
    assert time.perf_counter() - started < 10
    qtbot.waitUntil(
        lambda: window.pending_label.text() == "Chờ đồng bộ: 1 thay đổi", timeout=10_000
    )
    assert window.sync.state.online is False  # retried meanwhile, still down
    assert window.sync.backoff.failures >= 1

    # The server is back (a restart: new epoch); the retry loop finds it without a click.
    server.start()
    qtbot.waitUntil(lambda: _online(window) and window.sync.state.pending == 0, timeout=30_000)
    assert window.sync.backoff.failures == 0
    assert sync_cli(run_cli, b)["pulled"] >= 1
    assert rows(b, f"SELECT applicant_name FROM dossiers WHERE code = '{second}'") == [
        ("Trần Thị Cúc",)
    ]


def test_rejected_change_is_listed_and_opens_the_dossier(
    qtbot: QtBot,
    server: Server,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    open_window: Callable[[Path], MainWindow],
) -> None:
    base = server.start()
    a = enrolled(base, server_db, tmp_path, run_cli, "A")
    b = enrolled(base, server_db, tmp_path, run_cli, "B")
    code = intake_at(run_cli, b, "Phạm Văn Dũng", "2026-01-05T09:00")
    sync_cli(run_cli, b)
    sync_cli(run_cli, a)
    # Offline, two counters of the office move the dossier to incompatible states.
    for path, target in ((b, Status.WITHDRAWN), (a, Status.IN_PROGRESS)):
        ws = Workstation(Database.open(path), username="tester")
        try:
            advance(
                ws, code, target, reason="Công dân xin rút" if target is Status.WITHDRAWN else None
            )
        finally:
            ws.db.dispose()
    assert sync_cli(run_cli, b)["rejected"] == 0  # first in server order: applied

    window = open_window(a)  # A's background round pushes the now-invalid change
    qtbot.waitUntil(lambda: window.rejected_button.text() == "Bị từ chối: 1", timeout=20_000)
    assert _online(window)
    disposition = rows(a, "SELECT disposition FROM events WHERE disposition LIKE 'rejected%'")
    assert disposition in ([("rejected:conflict",)], [("rejected:transition",)])

    window.rejected_button.click()
    dialog = window.rejected_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.loaded, timeout=10_000) as loaded:
        pass
    assert loaded.args == [1]
    model = dialog.proxy
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert re.match(r"^\d\d:\d\d \d\d/\d\d/\d{4}$", cells[0])
    assert cells[1:4] == [
        code,
        "Phạm Văn Dũng",
        "Chuyển trạng thái: Đã tiếp nhận → Đang giải quyết",
    ]
    assert cells[4].startswith(("Xung đột", "Chuyển trạng thái không hợp lệ"))
    assert cells[5] == "Máy này"
    assert dialog.count_label.text() == "1 thay đổi bị từ chối."

    # Double-click: the dossier opens on the lookup page (it shows the winning state).
    qtbot.waitExposed(dialog)
    index = model.index(0, 1)
    rect = dialog.table.visualRect(index)
    assert rect.isValid()
    # A real double click: press, release, then the double-click event.
    QTest.mouseClick(
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )
    QTest.mouseDClick(
        dialog.table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )
    lookup = window.pages["lookup"]
    assert window.tabs.currentWidget() is lookup
    detail = lookup.detail  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: detail.detail is not None, timeout=10_000)
    assert detail.detail.dossier.code == code
    assert detail.detail.dossier.status == Status.WITHDRAWN


def test_not_enrolled_shows_it_and_runs_no_timer(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.office_label.text() != "", timeout=10_000)
    qtbot.waitUntil(lambda: "Chưa đăng ký máy chủ" in window.network_label.text())
    window.sync.sync_now()  # F12 without a server: re-reads the status, starts nothing
    qtbot.wait(200)
    assert not window.sync.running
    assert not window.sync.timer_active
    assert not window.sync_now_button.isVisible()
    assert window.sync_label.text() == "Đồng bộ lần cuối: chưa có"
    window.close()
