"""Print preview of a rendered form (PDF bytes): look at it, print it, or save it as a file.

The PDF is rendered off the GUI thread by the caller; here it is only shown (QtPdf) and, when
the clerk prints, each page is rasterised at up to 300 dpi and painted onto the printer — the
one part that must run on the GUI thread, and fast enough for a one- or two-page form.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, QStandardPaths, Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.text import fold

log = logging.getLogger(__name__)

#: Pages are rasterised at the printer's resolution, but never above this (speed, spool size).
MAX_PRINT_DPI = 300
_POINTS_PER_INCH = 72


def _file_name_for(title: str) -> str:
    """``"Giấy tiếp nhận hồ sơ 000.01…"`` → ``"giay-tiep-nhan-ho-so-000.01….pdf"``."""
    stem = re.sub(r"[^0-9a-z.\-]+", "-", fold(title)).strip("-.")
    return f"{stem or 'tai-lieu'}.pdf"


class PrintPreviewDialog(QDialog):
    """Shows PDF bytes; In (print), Lưu PDF (save as) and Đóng (close).

    Args:
        pdf: the document.
        title: what it is, for the window title ("Giấy tiếp nhận hồ sơ … — mã").
        file_name: suggested file name when saving (default: made from the title).
    """

    def __init__(
        self,
        pdf: bytes,
        title: str = "",
        file_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("printPreviewDialog")
        self.setWindowTitle(
            self.tr("Xem trước khi in — %s") % title if title else self.tr("Xem trước khi in")
        )
        self.pdf = pdf
        self.file_name = file_name or _file_name_for(title)
        self.print_dialog: QPrintDialog | None = None
        self.file_dialog: QFileDialog | None = None
        self.message_box: QMessageBox | None = None
        self._printer: QPrinter | None = None

        self._data = QByteArray(pdf)
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)  # the whole slip at a glance
        self.view.setPageSpacing(12)

        self.pages_label = QLabel(self)
        self.pages_label.setObjectName("pagesLabel")
        self.print_button = QPushButton(self.tr("&In…"), self)
        self.print_button.setObjectName("printButton")
        self.print_button.setToolTip(self.tr("Chọn máy in và in (Ctrl+P)"))
        self.save_button = QPushButton(self.tr("&Lưu PDF…"), self)
        self.save_button.setObjectName("savePdfButton")
        self.save_button.setToolTip(self.tr("Lưu thành tệp PDF (Ctrl+S)"))
        self.close_button = QPushButton(self.tr("Đón&g"), self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setToolTip(self.tr("Đóng (Esc)"))
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.print_button.setDefault(True)
        # The box's own accepted/rejected would close the dialog; each button does its job.
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.close_button.clicked.connect(self.reject)

        footer = QHBoxLayout()
        footer.addWidget(self.pages_label, 1)
        footer.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(footer)

        QShortcut(QKeySequence.StandardKey.Print, self, self._on_print_button_clicked)
        QShortcut(QKeySequence.StandardKey.Save, self, self._on_save_button_clicked)
        self.document.statusChanged.connect(self._on_document_status_changed)
        self._on_document_status_changed(self.document.status())
        self._fit_to_screen()
        self.print_button.setFocus()

    # ------------------------------------------------------------------ printing

    def page_count(self) -> int:
        """Pages of the loaded document (0 while loading or if it is not a PDF)."""
        return self.document.pageCount()

    def print_to(self, printer: QPrinter) -> int:
        """Paint the pages (the range and copies asked for) onto ``printer``; returns pages sent."""
        count = self.page_count()
        if count == 0:
            return 0
        first, last = 1, count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first = max(1, printer.fromPage())
            last = min(count, printer.toPage() or count)
        copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
        printer.setFullPage(True)  # the PDF carries its own margins
        painter = QPainter()
        if not painter.begin(printer):
            self._show_message(
                self.tr("Không in được"),
                self.tr(
                    "Không mở được máy in «%s». Hãy kiểm tra máy in đã bật, còn giấy và đang "
                    "được kết nối, rồi bấm In lần nữa."
                )
                % printer.printerName(),
            )
            return 0
        sent = 0
        try:
            dpi = min(printer.resolution(), MAX_PRINT_DPI)
            target = printer.paperRect(QPrinter.Unit.DevicePixel).toRect()
            for _copy in range(copies):
                for page in range(first - 1, last):
                    if sent:
                        printer.newPage()
                    self._paint_page(painter, page, dpi, target)
                    sent += 1
        finally:
            painter.end()
        log.info("printed %d page(s) to %s", sent, printer.printerName() or "file")
        return sent

    def _paint_page(self, painter: QPainter, page: int, dpi: int, target: QRect) -> None:
        points = self.document.pagePointSize(page)
        size = QSize(
            round(points.width() * dpi / _POINTS_PER_INCH),
            round(points.height() * dpi / _POINTS_PER_INCH),
        )
        image = self.document.render(page, size)
        scaled = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRect(target.topLeft(), scaled), image)

    # ------------------------------------------------------------------ saving

    def save_to(self, path: str | Path) -> bool:
        """Write the PDF to ``path``; a failure is told to the clerk, not raised."""
        target = Path(path)
        try:
            target.write_bytes(self.pdf)
        except OSError as exc:
            log.warning("could not save %s: %s", target, exc)
            self._show_message(
                self.tr("Không lưu được tệp"),
                self.tr("Không ghi được tệp «%s» (%s). Hãy chọn thư mục khác rồi lưu lại.")
                % (target, exc.strerror or exc),
            )
            return False
        self.pages_label.setText(self.tr("Đã lưu: %s") % target)
        return True

    # ------------------------------------------------------------------ slots

    def _on_print_button_clicked(self) -> None:
        if self.page_count() == 0:
            return
        self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self._printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(self._printer, self)
        dialog.setWindowTitle(self.tr("In"))
        dialog.setMinMax(1, self.page_count())
        self.print_dialog = dialog
        dialog.accepted.connect(self._on_print_dialog_accepted)
        QDialog.open(dialog)  # QPrintDialog.open(receiver, member) hides the plain overload

    def _on_print_dialog_accepted(self) -> None:
        if self._printer is not None:
            self.print_to(self._printer)

    def _on_save_button_clicked(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        dialog = QFileDialog(
            self,
            self.tr("Lưu PDF"),
            str(Path(folder) / self.file_name) if folder else self.file_name,
            self.tr("Tệp PDF (*.pdf)"),
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.save_to)
        self.file_dialog = dialog
        dialog.open()

    def _on_document_status_changed(self, status: QPdfDocument.Status) -> None:
        if status == QPdfDocument.Status.Ready:
            self.pages_label.setText(self.tr("%d trang") % self.page_count())
        elif status == QPdfDocument.Status.Error:
            self.pages_label.setText(self.tr("Không đọc được tài liệu PDF."))
            self.print_button.setEnabled(False)

    def _show_message(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        self.message_box = box
        box.open()

    def _fit_to_screen(self) -> None:
        width, height = 860, 1000
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 60)
        self.resize(width, height)
