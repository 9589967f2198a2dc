"""Start the Qt application: settings identity, logging of Qt messages, crash handling, fonts."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from onestop_desktop import __version__
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.errors import ExceptionHook
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation
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
