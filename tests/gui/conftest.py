"""GUI test fixtures: isolated QSettings, an application context and a main window per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own QSettings store (window state, drafts) in a temp folder."""
    folder = tmp_path / "qsettings"
    folder.mkdir()
    QCoreApplication.setOrganizationName("OneStopTest")
    QCoreApplication.setApplicationName("OneStopDesktopTest")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    QSettings().clear()


@pytest.fixture
def ctx(ws: Workstation) -> Iterator[AppContext]:
    """The app context over the test's fresh database; lanes drained at the end."""
    context = AppContext(ws=ws, runner=TaskRunner())
    yield context
    context.runner.wait(30_000)
