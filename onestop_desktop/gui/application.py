"""Start the Qt application: settings identity, logging of Qt messages, crash handling, fonts."""

from __future__ import annotations

import gc
import hashlib
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QLockFile,
    QMessageLogContext,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFont, QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from onestop_desktop import __version__
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import ExceptionHook
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue_remote import open_queue
from onestop_desktop.services.reference import init_workstation
from onestop_desktop.store.db import Database

log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def configure_application(app: QApplication) -> None:
    """Identity for QSettings, a readable default font, Qt messages into logging."""
    QCoreApplication.setOrganizationName("OneStop")
    QCoreApplication.setApplicationName("OneStopDesktop")
    QCoreApplication.setApplicationVersion(__version__)
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)


def create_main_window(db_target: str | Path) -> tuple[MainWindow, AppContext]:
    """Open (creating or migrating if needed) the database and build the main window."""
    ws = Workstation(Database.open(db_target))
    init_workstation(ws)  # idempotent: migrates and loads bundled data on first start
    ctx = AppContext(ws=ws, runner=TaskRunner())
    return MainWindow(ctx), ctx


LOCK_SUFFIX = ".gui.lock"


def instance_lock_path(db_target: str | Path) -> Path:
    """Where the single-instance lock of a database lives: ``<db file>.gui.lock``.

    A database given as a non-file URL gets a lock named after the URL in the temp folder.
    """
    text = str(db_target)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///").split("?", 1)[0]
    if "://" not in text and text not in ("", ":memory:"):
        path = Path(text).expanduser().resolve()
        return path.with_name(path.name + LOCK_SUFFIX)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"onestop-{key}{LOCK_SUFFIX}"


def acquire_instance_lock(db_target: str | Path) -> QLockFile | None:
    """Lock the database for this window (SYNC-FAULTS 26); ``None`` if another window holds it.

    Two windows on one database would write as one device and race its counters. A lock left
    by a crashed process is stale (its process id no longer runs) and is taken over; a live
    lock never goes stale by age (stale time 0), however long the first window stays open.
    """
    path = instance_lock_path(db_target)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)
    return lock if lock.tryLock(0) else None


def refuse_second_instance(db_target: str | Path) -> int:
    """Tell the clerk OneStop already runs on this database; the exit code of this process."""
    message = (
        "OneStop đang chạy trên máy này với cùng cơ sở dữ liệu "
        f"({db_target}). Hãy dùng cửa sổ đang mở (xem trên thanh tác vụ); không mở hai cửa "
        "sổ cùng lúc vì hai cửa sổ sẽ ghi dữ liệu như một máy trạm."
    )
    print(message, file=sys.stderr)  # noqa: T201 - also for a start from a terminal
    log.warning("second instance refused: %s", instance_lock_path(db_target))
    if QGuiApplication.platformName() not in ("offscreen", "minimal"):  # nobody could click it
        box = QMessageBox(QMessageBox.Icon.Warning, "OneStop", message)
        box.finished.connect(lambda _result: QCoreApplication.exit(1))
        box.open()
        QCoreApplication.exec()
    return 1


def tune_garbage_collector() -> None:
    """Keep full garbage collections from freezing the window.

    A full collection of the start-up heap (≈ 140,000 objects: Qt wrappers, SQLAlchemy, the
    catalog) stops every thread for 75–140 ms. Objects alive after start-up are moved out of the
    collector's reach (``gc.freeze``) and the young-generation threshold is raised so that
    result lists from the worker lanes rarely trigger collections at all.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def run(db_target: str | Path, argv: Sequence[str] = ()) -> int:
    """Run the GUI until the main window closes."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)  # noqa: S101
    configure_application(app)
    qInstallMessageHandler(_qt_message)
    lock = acquire_instance_lock(db_target)
    if lock is None:
        return refuse_second_instance(db_target)
    hook = ExceptionHook()
    hook.install()
    window, ctx = create_main_window(db_target)
    window.show()
    tune_garbage_collector()
    try:
        return app.exec()
    finally:
        ctx.runner.wait(10_000)
        hook.uninstall()
        lock.unlock()


# --------------------------------------------------------------------------- kiosk and display


def _start_screen_app(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)  # noqa: S101
    configure_application(app)
    qInstallMessageHandler(_qt_message)
    return app


def _open_workstation(db_target: str | Path) -> Workstation:
    ws = Workstation(Database.open(db_target))
    init_workstation(ws)  # idempotent: migrates and loads bundled data on first start
    return ws


def choose_screen(index: int | None) -> QScreen:
    """The screen ``index`` of ``QGuiApplication.screens()``, clamped to the screens present
    (with a warning); the primary screen when ``index`` is None."""
    screens = QGuiApplication.screens()
    if index is None or not screens:
        return QGuiApplication.primaryScreen()
    chosen = min(max(index, 0), len(screens) - 1)
    if chosen != index:
        message = (
            f"Không có màn hình số {index} (máy có {len(screens)} màn hình: 0–{len(screens) - 1}); "
            f"dùng màn hình số {chosen}."
        )
        print(message, file=sys.stderr)  # noqa: T201 - started from a terminal or a shortcut
        log.info("screen %d absent; using %d of %d", index, chosen, len(screens))
    return screens[chosen]


def show_full_screen(window: QWidget, screen: QScreen) -> None:
    """Show ``window`` full screen on ``screen``."""
    window.setScreen(screen)
    window.setGeometry(screen.geometry())
    window.showFullScreen()


def _run_screen(
    app: QApplication, ctx: AppContext, feed: QueueFeed, window: QWidget, screen: QScreen
) -> int:
    hook = ExceptionHook()
    hook.install()
    show_full_screen(window, screen)
    feed.start()
    tune_garbage_collector()
    try:
        return app.exec()
    finally:
        feed.stop()
        ctx.runner.wait(10_000)
        hook.uninstall()


def run_kiosk(db_target: str | Path, argv: Sequence[str] = (), *, screen: int | None = None) -> int:
    """Run the full-screen ticket kiosk until Ctrl+Shift+Q.

    It issues tickets into the office's queue (the server's when enrolled, else the local
    database, which the counters of a server-less office share) and prints them where the
    ``kiosk.printer`` setting says.
    """
    from onestop_desktop.gui.kiosk import KioskWindow  # noqa: PLC0415 - only for the kiosk

    app = _start_screen_app(argv)
    ws = _open_workstation(db_target)
    ctx = AppContext(ws=ws, runner=TaskRunner())
    feed = QueueFeed(lambda: open_queue(ws))
    window = KioskWindow(ctx, feed, backend_factory=lambda: open_queue(ws))
    window.locked = True
    return _run_screen(app, ctx, feed, window, choose_screen(screen))


def run_display(
    db_target: str | Path, argv: Sequence[str] = (), *, screen: int | None = None
) -> int:
    """Run the full-screen queue display (and its voice) on screen ``screen`` until
    Ctrl+Shift+Q."""
    from onestop_desktop.gui.announcer import Announcer  # noqa: PLC0415 - only for the display
    from onestop_desktop.gui.display import DisplayWindow  # noqa: PLC0415

    app = _start_screen_app(argv)
    ws = _open_workstation(db_target)
    ctx = AppContext(ws=ws, runner=TaskRunner())
    feed = QueueFeed(lambda: open_queue(ws))
    window = DisplayWindow(ctx, feed, announcer=Announcer())
    window.locked = True
    return _run_screen(app, ctx, feed, window, choose_screen(screen))
