"""What every page gets: the workstation (services' context) and the task runner."""

from __future__ import annotations

from dataclasses import dataclass

from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation


@dataclass
class AppContext:
    """Shared by the windows of one process."""

    ws: Workstation
    runner: TaskRunner
