"""Temporary page shell; replaced by the real page."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from onestop_desktop.gui.context import AppContext


class IntakePage(QWidget):
    """Shell."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
