"""How failures reach the clerk: input problems inline or in a short message, environment faults
with what to do, and bugs through a crash dialog with a report to copy."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop import __version__
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import EnvironmentFault

log = logging.getLogger(__name__)


def crash_report(exc: BaseException) -> str:
    """A text a clerk can paste into a message to IT."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return (
        f"OneStop Desktop {__version__}\nPython {platform.python_version()} "
        f"on {platform.platform()}\n\n{''.join(lines)}"
    )


class CrashDialog(QDialog):
    """Shown for bugs: what happened in plain words, the report, and a copy button."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Đã xảy ra lỗi"))
        self.setMinimumWidth(560)
        self.report = crash_report(exc)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Chương trình gặp lỗi không mong muốn. Dữ liệu đã lưu không bị ảnh hưởng; "
                "thao tác vừa rồi có thể chưa hoàn thành.\n"
                "Hãy sao chép báo cáo dưới đây và gửi cho bộ phận CNTT."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.report_edit = QPlainTextEdit(self.report)
        self.report_edit.setReadOnly(True)
        self.report_edit.setObjectName("reportEdit")
        layout.addWidget(self.report_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(self.tr("Sao chép báo cáo"))
        self.copy_button.setObjectName("copyButton")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText(self.tr("Đã sao chép"))


def show_error(parent: QWidget | None, exc: BaseException) -> QDialog:
    """Tell the user about a failure the way its kind deserves; returns the dialog opened."""
    if isinstance(exc, DomainError):
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            parent.tr("Không thực hiện được") if parent else "Không thực hiện được",
            str(exc),
            parent=parent,
        )
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        return box
    if isinstance(exc, EnvironmentFault):
        log.warning("environment fault: %s", exc)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Lỗi môi trường",
            f"{exc}\n\nNếu lỗi lặp lại, hãy khởi động lại chương trình hoặc liên hệ bộ phận CNTT.",
            parent=parent,
        )
        box.open()
        return box
    log.critical("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    dialog = CrashDialog(exc, parent)
    dialog.open()
    return dialog


class ExceptionHook(QObject):
    """Routes uncaught exceptions on any thread to a crash dialog on the GUI thread."""

    caught = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._previous = sys.excepthook
        self.dialogs: list[QDialog] = []
        self.caught.connect(self._on_caught)

    def install(self) -> None:
        """Become ``sys.excepthook``."""
        sys.excepthook = self._hook

    def uninstall(self) -> None:
        """Restore the previous hook."""
        sys.excepthook = self._previous

    def _hook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, exc, tb)
            return
        exc.__traceback__ = tb
        self.caught.emit(exc)

    def _on_caught(self, exc: object) -> None:
        assert isinstance(exc, BaseException)  # noqa: S101 - signal contract
        self.dialogs.append(show_error(None, exc))
