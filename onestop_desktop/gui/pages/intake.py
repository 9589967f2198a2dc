"""Tiếp nhận: receive a dossier at the counter and print its receipt-and-appointment slip.

Keyboard first: F4 goes to the procedure, Enter moves to the next field, Ctrl+S saves, Ctrl+N
starts over. A CCCD card's QR code scanned into any field fills the applicant. The form is kept
as a draft (QSettings ``intake/draft``) while it is being filled, so closing the window loses
nothing. Saving is one ``intake`` call on the write lane; the receipt is rendered on the read
lane and opens in the print preview.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, QSettings, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from onestop_desktop.domain.calendar import VN_TZ, TimeUnit
from onestop_desktop.domain.catalog import HandlingLevel, OnlineLevel, Procedure
from onestop_desktop.domain.dossier import Channel, DocumentItem
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import FEMALE, MALE, IdKind
from onestop_desktop.domain.queue import Ticket
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.dialogs.print_preview import PrintPreviewDialog
from onestop_desktop.gui.errors import show_error
from onestop_desktop.gui.forms.ui_intake_page import Ui_IntakePage
from onestop_desktop.gui.models.document_checklist import (
    CERTIFIED,
    NAME,
    ORIGINALS,
    PHOTOCOPIES,
    CountDelegate,
    DocumentChecklistModel,
)
from onestop_desktop.gui.tasks import Lane
from onestop_desktop.gui.widgets.procedure_picker import ProcedurePicker
from onestop_desktop.services.dossiers import DossierView, intake
from onestop_desktop.services.intake_support import (
    IntakeDraft,
    IntakeReference,
    draft_from_json,
    draft_to_json,
    extract_cccd_qr,
    field_error,
    find_open_duplicates,
    identity_warnings,
    load_intake_reference,
    parse_birth_date,
    preview_due,
    read_cccd_qr,
    request_from_draft,
    summarize_id,
)

log = logging.getLogger(__name__)

DRAFT_KEY = "intake/draft"
AUTOSAVE_MS = 1_500
DUPLICATE_CHECK_MS = 250
CLOCK_REFRESH_MS = 30_000

_STYLE = """
QLabel[role="error"] { color: #b3261e; }
QLabel[role="hint"], QLabel[role="caption"] { color: #5b6470; }
QLabel[role="warning"] {
    color: #7a4a00; background: #fff4e0; border: 1px solid #f0c36d;
    border-radius: 3px; padding: 3px 6px;
}
QLabel#statusLabel[role="ok"] { color: #1b6e20; font-weight: 600; }
QLabel#statusLabel[role="error"] { color: #b3261e; font-weight: 600; }
QLineEdit[invalid="true"] {
    border: 1px solid #b3261e; border-radius: 2px; padding: 2px 3px; background: #fff8f7;
}
QFrame#appointmentFrame {
    background: #eef4fc; border: 1px solid #b9cde8; border-radius: 4px;
}
QLabel#dueLabel { color: #0b3d91; font-weight: 700; }
"""


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class IntakePage(QWidget):
    """The intake form. ``dossier_received(code)`` is emitted after a dossier is saved;
    ``ticket_dossier_saved(Ticket, DossierView)`` too when it was received for a queue ticket
    (:meth:`attach_ticket`)."""

    dossier_received = Signal(str)
    ticket_dossier_saved = Signal(object, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_IntakePage()
        self.ui.setupUi(self)  # type: ignore[no-untyped-call]  # generated, unannotated
        self.setStyleSheet(_STYLE)
        self.reference: IntakeReference | None = None
        self.last_saved: DossierView | None = None
        self.preview_dialog: PrintPreviewDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.duplicates: list[str] = []
        self.queue_ticket: Ticket | None = None  # the called ticket this dossier is received for
        self._saving = False
        self._quiet = 0  # >0 while the form is filled by code: no autosave, no draft noise
        self._pending_draft: IntakeDraft | None = None
        self._duplicate_key: tuple[str, str] | None = None
        self.documents = DocumentChecklistModel(self)
        self._fields: dict[str, tuple[QLineEdit, QLabel]] = {
            "applicant_name": (self.ui.nameEdit, self.ui.nameErrorLabel),
            "id_number": (self.ui.idNumberEdit, self.ui.idNumberErrorLabel),
            "birth_date": (self.ui.birthDateEdit, self.ui.birthDateErrorLabel),
            "phone": (self.ui.phoneEdit, self.ui.phoneErrorLabel),
            "email": (self.ui.emailEdit, self.ui.emailErrorLabel),
        }
        self._setup_widgets()
        self.picker = ProcedurePicker(self.ui.procedureEdit, self)
        self.picker.procedure_changed.connect(self._on_picker_procedure_changed)
        self.picker.accepted.connect(self._focus_next)
        self._setup_keyboard()
        self._setup_signals()
        self._restore_draft()
        self._update_due()
        self._load_reference()

    # ------------------------------------------------------------------ set-up

    def _setup_widgets(self) -> None:
        ui = self.ui
        ui.sexCombo.addItem("", "")
        ui.sexCombo.addItem(self.tr("Nam"), MALE)
        ui.sexCombo.addItem(self.tr("Nữ"), FEMALE)
        for channel, text in (
            (Channel.DIRECT, self.tr("Trực tiếp")),
            (Channel.ONLINE, self.tr("Trực tuyến")),
            (Channel.POSTAL, self.tr("Bưu chính")),
        ):
            ui.channelCombo.addItem(text, channel.value)
        ui.receivedEdit.setDateTime(self._to_qdatetime(self.ctx.ws.now()))
        table = ui.documentsTable
        table.setModel(self.documents)
        delegate = CountDelegate(table)
        for column in (ORIGINALS, CERTIFIED, PHOTOCOPIES):
            table.setItemDelegateForColumn(column, delegate)
        header = table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (ORIGINALS, CERTIFIED, PHOTOCOPIES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        ui.addDocumentButton.setEnabled(False)
        # One label column for both groups on the left, so their fields line up.
        captions = (
            ui.nameLabel,
            ui.idNumberLabel,
            ui.birthDateLabel,
            ui.phoneLabel,
            ui.emailLabel,
            ui.addressLabel,
            ui.noteLabel,
            ui.channelLabel,
            ui.receivedLabel,
        )
        width = max(label.sizeHint().width() for label in captions)
        ui.applicantLayout.setColumnMinimumWidth(0, width)
        ui.receptionLayout.setColumnMinimumWidth(0, width)
        font = ui.dueLabel.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        ui.dueLabel.setFont(font)
        for label in (
            ui.procedureErrorLabel,
            ui.receivedErrorLabel,
            ui.idInfoLabel,
            ui.duplicateLabel,
            ui.identityWarningLabel,
            *(lbl for _edit, lbl in self._fields.values()),
        ):
            label.hide()
        self._update_documents_summary()

    def _setup_keyboard(self) -> None:
        for sequence, slot in (
            (QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_S), self.save),
            (QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_N), self.new_form),
            (QKeySequence(Qt.Key.Key_F4), self.focus_procedure),
        ):
            shortcut = QShortcut(sequence, self)
            shortcut.activated.connect(slot)
        ui = self.ui
        # Installed after the picker's own filter, so this one sees the procedure edit's keys
        # first (a QR code scanned there is the applicant's, not a procedure search).
        for widget in (
            ui.procedureEdit,
            *(edit for edit, _lbl in self._fields.values()),
            ui.addressEdit,
            ui.noteEdit,
            ui.sexCombo,
            ui.channelCombo,
            ui.receivedNowCheck,
            ui.receivedEdit,
            ui.documentsTable,
        ):
            widget.installEventFilter(self)

    def _setup_signals(self) -> None:
        ui = self.ui
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.save_draft)
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(DUPLICATE_CHECK_MS)
        self._duplicate_timer.timeout.connect(self._check_duplicates)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_REFRESH_MS)
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start()
        for name, (edit, _label) in self._fields.items():
            edit.textChanged.connect(lambda _t, n=name: self._on_field_text_changed(n))
            edit.editingFinished.connect(lambda n=name: self._on_field_editing_finished(n))
        for edit in (ui.procedureEdit, ui.addressEdit, ui.noteEdit):
            edit.textChanged.connect(self._changed)
        ui.idNumberEdit.textChanged.connect(self._update_identity)
        ui.birthDateEdit.textChanged.connect(self._update_identity)
        ui.sexCombo.currentIndexChanged.connect(self._update_identity)
        ui.sexCombo.currentIndexChanged.connect(self._changed)
        ui.channelCombo.currentIndexChanged.connect(self._on_reception_changed)
        ui.receivedNowCheck.toggled.connect(self._on_received_now_check_toggled)
        ui.receivedEdit.dateTimeChanged.connect(self._on_reception_changed)
        self.documents.dataChanged.connect(self._on_documents_changed)
        self.documents.modelReset.connect(self._update_documents_summary)
        self.documents.rowsInserted.connect(self._on_documents_changed)
        ui.addDocumentButton.clicked.connect(self._on_add_document_button_clicked)
        ui.saveButton.clicked.connect(self.save)
        ui.clearButton.clicked.connect(self.new_form)

    # ------------------------------------------------------------------ reference data

    def _load_reference(self) -> None:
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> IntakeReference:
            return load_intake_reference(ws)

        self.ctx.runner.submit(
            job, on_done=self._on_reference_loaded, on_error=self._on_reference_failed
        )

    def _on_reference_loaded(self, reference: IntakeReference) -> None:
        self.reference = reference
        self.picker.set_procedures(reference.procedures)
        if self._pending_draft is not None:
            draft, self._pending_draft = self._pending_draft, None
            self._apply_draft_procedure(draft)
        self._update_procedure_info(self.picker.procedure)
        self._update_due()

    def _on_reference_failed(self, exc: BaseException) -> None:
        self._show_field_error(
            "procedure_code",
            self.tr("Không tải được danh mục thủ tục; hãy khởi động lại chương trình."),
        )
        show_error(self, exc)

    # ------------------------------------------------------------------ public API

    def focus_procedure(self) -> None:
        """F4: go to the procedure search."""
        self.ui.procedureEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ui.procedureEdit.selectAll()

    def current_draft(self) -> IntakeDraft:
        """What the form holds now, as a draft."""
        ui = self.ui
        proc = self.picker.procedure
        return IntakeDraft(
            procedure_code=proc.code if proc else None,
            applicant_name=ui.nameEdit.text(),
            id_number=ui.idNumberEdit.text(),
            birth_date=ui.birthDateEdit.text(),
            sex=str(ui.sexCombo.currentData() or ""),
            phone=ui.phoneEdit.text(),
            email=ui.emailEdit.text(),
            address=ui.addressEdit.text(),
            note=ui.noteEdit.text(),
            channel=Channel(ui.channelCombo.currentData()),
            received_at=None if ui.receivedNowCheck.isChecked() else self._received_at(),
            documents=self.documents.items() if proc else None,
        )

    def save_draft(self) -> None:
        """Keep the half-filled form (the main window calls this when it closes)."""
        self._autosave_timer.stop()
        draft = self.current_draft()
        pending = self._pending_draft
        if pending is not None:  # the catalog has not loaded yet: keep the draft's procedure
            draft = replace(
                draft, procedure_code=pending.procedure_code, documents=pending.documents
            )
        settings = QSettings()
        if draft.is_empty():
            settings.remove(DRAFT_KEY)
        else:
            settings.setValue(DRAFT_KEY, draft_to_json(draft))

    def apply_cccd_qr(self, text: str) -> bool:
        """Fill the applicant from the card's QR text; False (and a message) if unreadable."""
        try:
            qr = read_cccd_qr(text, today=self._today())
        except ValidationError as exc:
            self._set_status(exc.message, ok=False)
            return False
        ui = self.ui
        ui.nameEdit.setText(qr.full_name)
        ui.idNumberEdit.setText(qr.id_number)
        ui.birthDateEdit.setText(qr.birth_date.strftime("%d/%m/%Y"))
        ui.sexCombo.setCurrentIndex(max(0, ui.sexCombo.findData(qr.sex)))
        if qr.address:
            ui.addressEdit.setText(qr.address)
        for name in ("applicant_name", "id_number", "birth_date"):
            self._check_field(name, final=True)
        self._set_status(self.tr("Đã đọc mã QR trên thẻ căn cước của %s.") % qr.full_name, ok=True)
        ui.phoneEdit.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def new_form(self) -> None:
        """Ctrl+N: start over (asks first if something was typed)."""
        if self._saving:
            return
        if self.current_draft().is_empty():
            self.clear_form()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Nhập hồ sơ mới"),
            self.tr("Xóa các thông tin đang nhập để tiếp nhận hồ sơ mới?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Xóa và nhập mới"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Tiếp tục nhập"))
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.accepted.connect(self.clear_form)
        self.confirm_box = box
        box.open()

    def clear_form(self) -> None:
        """Empty every field for the next citizen and forget the draft."""
        ui = self.ui
        self._quiet += 1
        try:
            self.picker.choose(None)
            for edit in (*(e for e, _l in self._fields.values()), ui.addressEdit, ui.noteEdit):
                edit.clear()
            ui.sexCombo.setCurrentIndex(0)
            ui.channelCombo.setCurrentIndex(0)
            ui.receivedNowCheck.setChecked(True)
            self.documents.set_items(())
            for name in self._fields:
                self._show_field_error(name, None)
            self._show_field_error("procedure_code", None)
            self._show_field_error("received_at", None)
        finally:
            self._quiet -= 1
        self._autosave_timer.stop()
        QSettings().remove(DRAFT_KEY)
        self._update_identity()
        self._set_duplicates([])
        self._update_due()
        self.focus_procedure()

    def attach_ticket(self, ticket: Ticket | None) -> None:
        """Receive the next dossier for a called queue ticket (linked to it once saved)."""
        self.queue_ticket = ticket
        if ticket is not None:
            self._set_status(
                self.tr("Tiếp nhận hồ sơ cho số thứ tự %s (%s).")
                % (ticket.number, ticket.group_name),
                ok=True,
            )
            self.focus_procedure()

    def save(self) -> None:
        """Ctrl+S: check the form, then receive the dossier in one transaction."""
        if self._saving:
            return
        invalid = self._validate_all()
        if invalid is not None:
            self._set_status(self.tr("Chưa lưu: hãy sửa các ô báo đỏ."), ok=False)
            invalid.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        request = request_from_draft(self.current_draft())
        self._saving = True
        self.ui.saveButton.setEnabled(False)
        self._set_status(self.tr("Đang lưu hồ sơ…"), ok=True)
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> DossierView:
            return intake(ws, request)

        self.ctx.runner.submit(
            job, on_done=self._on_saved, on_error=self._on_save_failed, lane=Lane.WRITE
        )

    # ------------------------------------------------------------------ saving

    def _validate_all(self) -> QWidget | None:
        first: QWidget | None = None
        if self.picker.procedure is None:
            self._show_field_error("procedure_code", self.tr("Chưa chọn thủ tục hành chính."))
            first = self.ui.procedureEdit
        for name, (edit, _label) in self._fields.items():
            if not self._check_field(name, final=True) and first is None:
                first = edit
        if not self._check_received_at() and first is None:
            first = self.ui.receivedEdit
        return first

    def _on_saved(self, view: DossierView) -> None:
        self._saving = False
        self.ui.saveButton.setEnabled(True)
        self.last_saved = view
        self.clear_form()
        message = self.tr("Đã tiếp nhận hồ sơ %s — %s. %s") % (
            view.code,
            view.applicant_name,
            self._appointment_text(view.due_at),
        )
        if view.possible_duplicate:
            message += " " + self.tr("(Người nộp đang có hồ sơ cùng thủ tục chưa giải quyết.)")
        ticket, self.queue_ticket = self.queue_ticket, None
        if ticket is not None:
            message += " " + self.tr("(Số thứ tự %s.)") % ticket.number
        self._set_status(message + " " + self.tr("Đang tạo giấy tiếp nhận…"), ok=True)
        self.dossier_received.emit(view.code)
        if ticket is not None:
            self.ticket_dossier_saved.emit(ticket, view)
        self._render_receipt(view)
        self._load_reference()  # the next citizen gets the current catalog and calendar

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.ui.saveButton.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.field in (*self._fields, "procedure_code"):
            self._show_field_error(exc.field, exc.message)
            self._set_status(self.tr("Chưa lưu: %s") % exc.message, ok=False)
            widget = self._fields[exc.field][0] if exc.field in self._fields else None
            (widget or self.ui.procedureEdit).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._set_status(self.tr("Chưa lưu được hồ sơ."), ok=False)
        show_error(self, exc)

    def _render_receipt(self, view: DossierView) -> None:
        ws = self.ctx.ws
        code = view.code

        # reportlab loads on the first receipt, not at start-up.
        from onestop_desktop.services.printing import (  # noqa: PLC0415
            record_print,
            render_receipt,
        )

        def job(_cancel: threading.Event) -> bytes:
            return render_receipt(ws, code, record=False)  # reads only: READ lane

        def record(_cancel: threading.Event) -> None:
            record_print(ws, code, "01")  # the print event: WRITE lane

        def rendered(pdf: bytes) -> None:
            self.ctx.runner.submit(
                record, on_done=lambda _r: None, on_error=self._on_receipt_failed, lane=Lane.WRITE
            )
            self._on_receipt_rendered(view, pdf)

        self.ctx.runner.submit(job, on_done=rendered, on_error=self._on_receipt_failed)

    def _on_receipt_rendered(self, view: DossierView, pdf: bytes) -> None:
        self._set_status(
            self.tr("Đã tiếp nhận hồ sơ %s — %s. %s")
            % (view.code, view.applicant_name, self._appointment_text(view.due_at)),
            ok=True,
        )
        if self.preview_dialog is not None:
            self.preview_dialog.close()
            self.preview_dialog.deleteLater()
        dialog = PrintPreviewDialog(
            pdf,
            self.tr("Giấy tiếp nhận hồ sơ và hẹn trả kết quả %s") % view.code,
            f"giay-tiep-nhan-{view.code}.pdf",
            self,
        )
        dialog.finished.connect(self.focus_procedure)
        self.preview_dialog = dialog
        dialog.open()

    def _on_receipt_failed(self, exc: BaseException) -> None:
        code = self.last_saved.code if self.last_saved else ""
        self._set_status(
            self.tr(
                "Hồ sơ %s đã được lưu nhưng chưa in được giấy tiếp nhận; in lại ở trang Tra cứu."
            )
            % code,
            ok=False,
        )
        show_error(self, exc)

    # ------------------------------------------------------------------ fields

    def _check_field(self, name: str, *, final: bool) -> bool:
        edit, _label = self._fields[name]
        message = field_error(name, edit.text(), final=final, today=self._today())
        self._show_field_error(name, message)
        return message is None

    def _show_field_error(self, name: str, message: str | None) -> None:
        if name == "procedure_code":
            label, edit = self.ui.procedureErrorLabel, self.ui.procedureEdit
        elif name == "received_at":
            label, edit = self.ui.receivedErrorLabel, None
        else:
            edit, label = self._fields[name]
        label.setText(message or "")
        label.setVisible(bool(message))
        if edit is not None and bool(edit.property("invalid")) != bool(message):
            edit.setProperty("invalid", bool(message))
            _repolish(edit)

    def _on_field_text_changed(self, name: str) -> None:
        if self._quiet:
            return
        self._check_field(name, final=False)
        if name == "id_number":
            self._duplicate_timer.start()
        self._changed()

    def _on_field_editing_finished(self, name: str) -> None:
        edit, _label = self._fields[name]
        if edit.text().strip():
            self._check_field(name, final=True)
        else:
            self._show_field_error(name, None)  # an empty field is only refused on saving

    def _update_identity(self) -> None:
        ui = self.ui
        id_text = ui.idNumberEdit.text()
        summary = summarize_id(id_text) if id_text.strip() else None
        info = ""
        if summary is not None:
            if summary.cccd is not None:
                info = self.tr(
                    "Căn cước công dân · nơi đăng ký khai sinh: %s · %s · sinh năm %d"
                ) % (
                    summary.cccd.province_name,
                    summary.cccd.sex,
                    summary.cccd.birth_year,
                )
            elif summary.kind is IdKind.CMND:
                info = self.tr("Chứng minh nhân dân cũ (9 chữ số) — hết giá trị từ 01/01/2025.")
            else:
                info = self.tr("Hộ chiếu")
        ui.idInfoLabel.setText(info)
        ui.idInfoLabel.setVisible(bool(info))
        try:
            born = parse_birth_date(ui.birthDateEdit.text(), today=self._today())
        except ValidationError:
            born = None
        warnings = identity_warnings(id_text, born, str(ui.sexCombo.currentData() or ""))
        text = " ".join(warnings)
        if text:
            text = self.tr("Cần kiểm tra: %s") % text
        ui.identityWarningLabel.setText(text)
        ui.identityWarningLabel.setVisible(bool(text))

    # ------------------------------------------------------------------ procedure

    def _on_picker_procedure_changed(self, proc: Procedure | None) -> None:
        self._update_procedure_info(proc)
        if not self._quiet:
            self.documents.set_items(
                tuple(
                    DocumentItem(d.name, d.originals, d.certified_copies, d.photocopies)
                    for d in (proc.documents if proc else ())
                )
            )
        self.ui.addDocumentButton.setEnabled(proc is not None)
        if proc is not None:
            self._show_field_error("procedure_code", None)
        self._update_due()
        self._duplicate_timer.start()
        self._changed()

    def _update_procedure_info(self, proc: Procedure | None) -> None:
        ui = self.ui
        if proc is None:
            for label in (
                ui.fieldValueLabel,
                ui.levelValueLabel,
                ui.timeValueLabel,
                ui.onlineValueLabel,
                ui.feeValueLabel,
            ):
                label.setText("—")
            return
        ui.fieldValueLabel.setText(proc.field)
        ui.levelValueLabel.setText(self._level_text(proc.level))
        ui.timeValueLabel.setText(self._time_text(proc))
        ui.onlineValueLabel.setText(self._online_text(proc.online_level))
        ui.feeValueLabel.setText(self._fee_text(proc))
        ui.feeValueLabel.setToolTip(proc.legal_basis)

    def _level_text(self, level: HandlingLevel) -> str:
        return {
            HandlingLevel.WARD: self.tr("Cấp xã"),
            HandlingLevel.DISTRICT: self.tr("Cấp huyện"),
            HandlingLevel.PROVINCE: self.tr("Cấp tỉnh"),
        }[level]

    def _online_text(self, level: OnlineLevel) -> str:
        return {
            OnlineLevel.FULL: self.tr("Toàn trình"),
            OnlineLevel.PARTIAL: self.tr("Một phần"),
            OnlineLevel.NONE: self.tr("Không"),
        }[level]

    def _time_text(self, proc: Procedure) -> str:
        amount = proc.processing_days
        unit = TimeUnit(proc.time_unit)
        if amount == 0 and unit is not TimeUnit.WORKING_HOURS:
            cutoff = self.reference.calendar.hours.cutoff if self.reference else time(15, 0)
            return self.tr("Trong ngày (nhận sau %s: trả ngày làm việc tiếp theo)") % (
                cutoff.strftime("%H:%M")
            )
        if unit is TimeUnit.WORKING_HOURS:
            return self.tr("%d giờ làm việc") % amount
        if unit is TimeUnit.CALENDAR_DAYS:
            return self.tr("%d ngày") % amount
        return self.tr("%d ngày làm việc") % amount

    def _fee_text(self, proc: Procedure) -> str:
        if proc.fee > 0:
            money = self.tr("%s đồng") % f"{proc.fee:,}".replace(",", ".")
            return f"{money} ({proc.fee_note})" if proc.fee_note else money
        return proc.fee_note or self.tr("Không thu phí, lệ phí")

    # ------------------------------------------------------------------ appointment

    def _today(self) -> date:
        return self.ctx.ws.now().astimezone(VN_TZ).date()

    @staticmethod
    def _to_qdatetime(at: datetime) -> QDateTime:
        local = at.astimezone(VN_TZ)
        return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))

    def _received_at(self) -> datetime:
        """The receipt instant: now, or the wall-clock time (Vietnam) the clerk set."""
        if self.ui.receivedNowCheck.isChecked():
            return self.ctx.ws.now()
        value = self.ui.receivedEdit.dateTime()
        d, t = value.date(), value.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=VN_TZ)

    def _check_received_at(self) -> bool:
        if self.ui.receivedNowCheck.isChecked():
            self._show_field_error("received_at", None)
            return True
        ok = self._received_at() <= self.ctx.ws.now()
        self._show_field_error(
            "received_at",
            None if ok else self.tr("Thời điểm tiếp nhận không được sau thời điểm hiện tại."),
        )
        return ok

    def _weekday(self, day: date) -> str:
        return (
            self.tr("thứ Hai"),
            self.tr("thứ Ba"),
            self.tr("thứ Tư"),
            self.tr("thứ Năm"),
            self.tr("thứ Sáu"),
            self.tr("thứ Bảy"),
            self.tr("Chủ nhật"),
        )[day.weekday()]

    def _when_text(self, at: datetime) -> str:
        local = at.astimezone(VN_TZ)
        return f"{local:%H:%M} {self._weekday(local.date())}, {local:%d/%m/%Y}"

    def _appointment_text(self, due: datetime) -> str:
        return self.tr("Hẹn trả: %s") % self._when_text(due)

    def _update_due(self) -> None:
        ui = self.ui
        proc = self.picker.procedure
        if proc is None or self.reference is None:
            ui.dueLabel.setText(self.tr("Hẹn trả: chọn thủ tục để tính ngày hẹn"))
            ui.dueDetailLabel.setText(
                self.tr("Ngày hẹn được tính theo thời hạn của thủ tục và lịch làm việc.")
            )
            return
        received = self._received_at()
        due = preview_due(self.reference.calendar, proc, received)
        ui.dueLabel.setText(self._appointment_text(due))
        detail = self.tr("Tiếp nhận lúc %s") % self._when_text(received)
        effective = self.reference.calendar.effective_receipt(received)
        if effective > received:
            detail += self.tr(" — ngoài giờ làm việc, thời hạn tính từ %s") % self._when_text(
                effective
            )
        ui.dueDetailLabel.setText(detail + ".")

    def _on_reception_changed(self) -> None:
        if not self._quiet:
            self._check_received_at()
        self._update_due()
        self._changed()

    def _on_received_now_check_toggled(self, checked: bool) -> None:
        self.ui.receivedEdit.setEnabled(not checked)
        if checked:
            self.ui.receivedEdit.setDateTime(self._to_qdatetime(self.ctx.ws.now()))
        self._on_reception_changed()

    def _on_clock_timer_timeout(self) -> None:
        if self.ui.receivedNowCheck.isChecked():
            self._quiet += 1
            try:
                self.ui.receivedEdit.setDateTime(self._to_qdatetime(self.ctx.ws.now()))
            finally:
                self._quiet -= 1
        self._update_due()

    # ------------------------------------------------------------------ duplicates

    def _check_duplicates(self) -> None:
        proc = self.picker.procedure
        id_text = self.ui.idNumberEdit.text()
        summary = summarize_id(id_text) if id_text.strip() else None
        if proc is None or summary is None:
            self._duplicate_key = None
            self._set_duplicates([])
            return
        key = (id_text, proc.code)
        if key == self._duplicate_key:
            return
        self._duplicate_key = key
        ws = self.ctx.ws

        def job(_cancel: threading.Event) -> list[str]:
            return find_open_duplicates(ws, key[0], key[1])

        def done(codes: list[str]) -> None:
            if self._duplicate_key == key:  # drop answers to an older question
                self._set_duplicates(codes)

        self.ctx.runner.submit(job, on_done=done, on_error=self._on_duplicates_failed)

    def _on_duplicates_failed(self, exc: BaseException) -> None:
        log.warning("duplicate check failed: %s", exc)
        self._duplicate_key = None

    def _set_duplicates(self, codes: list[str]) -> None:
        self.duplicates = list(codes)
        label = self.ui.duplicateLabel
        if not codes:
            label.clear()
            label.hide()
            return
        label.setText(
            self.tr(
                "Người này đang có %d hồ sơ cùng thủ tục chưa giải quyết xong: %s. "
                "Hãy kiểm tra trước khi tiếp nhận thêm."
            )
            % (len(codes), ", ".join(codes))
        )
        label.show()

    # ------------------------------------------------------------------ documents

    def _on_documents_changed(self) -> None:
        self._update_documents_summary()
        self._changed()

    def _update_documents_summary(self) -> None:
        received, total = self.documents.received_count()
        if total == 0:
            text = self.tr("Chọn thủ tục để hiện danh sách giấy tờ phải nộp.")
        else:
            text = self.tr(
                "Đã nhận %d/%d giấy tờ · Dấu cách: đánh dấu đã nhận · gõ số để sửa số bản"
            ) % (received, total)
        self.ui.documentsSummaryLabel.setText(text)

    def _on_add_document_button_clicked(self) -> None:
        index = self.documents.add_custom(self.tr("Giấy tờ khác"))
        table = self.ui.documentsTable
        table.setCurrentIndex(index)
        table.setFocus(Qt.FocusReason.OtherFocusReason)
        table.edit(index)

    # ------------------------------------------------------------------ draft

    def _changed(self) -> None:
        if not self._quiet:
            self._autosave_timer.start()

    def _restore_draft(self) -> None:
        raw = QSettings().value(DRAFT_KEY)
        draft = draft_from_json(raw) if isinstance(raw, str) else None
        if draft is None or draft.is_empty():
            return
        ui = self.ui
        ui.nameEdit.setText(draft.applicant_name)
        ui.idNumberEdit.setText(draft.id_number)
        ui.birthDateEdit.setText(draft.birth_date)
        ui.sexCombo.setCurrentIndex(max(0, ui.sexCombo.findData(draft.sex)))
        ui.phoneEdit.setText(draft.phone)
        ui.emailEdit.setText(draft.email)
        ui.addressEdit.setText(draft.address)
        ui.noteEdit.setText(draft.note)
        ui.channelCombo.setCurrentIndex(max(0, ui.channelCombo.findData(draft.channel.value)))
        if draft.received_at is not None:
            ui.receivedNowCheck.setChecked(False)
            ui.receivedEdit.setDateTime(self._to_qdatetime(draft.received_at))
        self._autosave_timer.stop()
        if draft.procedure_code:
            self._pending_draft = draft
        self._set_status(
            self.tr("Đã khôi phục thông tin đang nhập dở lần trước (Ctrl+N để nhập mới)."),
            ok=True,
        )

    def _apply_draft_procedure(self, draft: IntakeDraft) -> None:
        code = draft.procedure_code or ""
        if not self.picker.choose_code(code):
            self._show_field_error(
                "procedure_code",
                self.tr("Thủ tục %s của bản nháp không còn trong danh mục; hãy chọn lại.") % code,
            )
            return
        if draft.documents is not None:
            proc_names = (
                {d.name for d in self.picker.procedure.documents}
                if self.picker.procedure
                else set()
            )
            custom_from = next(
                (i for i, d in enumerate(draft.documents) if d.name not in proc_names),
                len(draft.documents),
            )
            self.documents.set_items(draft.documents, custom_from=custom_from)

    # ------------------------------------------------------------------ keyboard

    def _focus_next(self) -> None:
        self.focusNextChild()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter moves on (or reads a scanned QR code); the table hands Enter to Save."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if isinstance(watched, QLineEdit):
            found = extract_cccd_qr(watched.text())
            if found is not None:
                before, qr = found
                if watched is self.ui.procedureEdit:
                    self.picker.set_text(before)
                else:
                    watched.setText(before)
                self.apply_cccd_qr(qr)
                return True
            if watched is self.ui.procedureEdit:
                return False  # the picker decides: pick a match, or move on
        if watched is self.ui.documentsTable:
            if self.ui.documentsTable.state() == QAbstractItemView.State.EditingState:
                return False
            self.ui.saveButton.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        if isinstance(watched, QWidget):
            if not watched.hasFocus():
                watched.setFocus(Qt.FocusReason.OtherFocusReason)  # move on from *this* field
            for name, (edit, _label) in self._fields.items():
                if edit is watched:
                    self._on_field_editing_finished(name)
        self._focus_next()
        return True

    def _set_status(self, text: str, *, ok: bool) -> None:
        label = self.ui.statusLabel
        label.setText(text)
        label.setProperty("role", "ok" if ok else "error")
        _repolish(label)
