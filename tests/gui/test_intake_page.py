"""The intake page driven like a clerk drives it: real widgets, a real database, real PDFs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.dossier import DocumentItem, EventType
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.dialogs.print_preview import PrintPreviewDialog
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.models.document_checklist import DocumentChecklistModel
from onestop_desktop.gui.pages.intake import DRAFT_KEY, IntakePage
from onestop_desktop.services.dossiers import IntakeRequest, intake
from onestop_desktop.services.intake_support import IntakeDraft, draft_from_json, draft_to_json
from onestop_desktop.services.printing import render_receipt
from tests.conftest import FixedClock, vn

BIRTH = "1.001193"  # Đăng ký khai sinh: same day, 15:00 cut-off
THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
CCCD = "001090012345"  # Hà Nội, male, born 1990
QR = (
    f"{CCCD}|012345678|Nguyễn Văn An|15031990|Nam|"
    "Số 12 ngõ 34 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội|01072021"
)
Key = Qt.Key


def _page(qtbot: QtBot, ctx: AppContext) -> IntakePage:
    page = IntakePage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: page.reference is not None, timeout=10_000)
    return page


def _type(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type like a keyboard (or a scanner) does, Vietnamese letters included.

    QTest.keyClicks only knows ASCII (it asserts on anything else), so other characters are
    sent as key events carrying their text, which is what a Vietnamese keyboard layout sends.
    """
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _rows(db_path: Path, sql: str, *args: object) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def _dossier_count(db_path: Path) -> int:
    return int(_rows(db_path, "SELECT count(*) AS n FROM dossiers")[0]["n"])


def _choose(qtbot: QtBot, page: IntakePage, typed: str) -> None:
    edit = page.ui.procedureEdit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, typed)
    qtbot.keyClick(edit, Key.Key_Return)
    assert page.picker.procedure is not None


def _wait_saved(qtbot: QtBot, page: IntakePage) -> None:
    qtbot.waitUntil(lambda: page.preview_dialog is not None, timeout=15_000)
    assert page.preview_dialog is not None
    preview = page.preview_dialog
    qtbot.waitUntil(lambda: preview.page_count() > 0, timeout=10_000)


# --------------------------------------------------------------------------- the whole intake


def test_full_intake_by_keyboard_only(qtbot: QtBot, ctx: AppContext, db_path: Path) -> None:
    page = _page(qtbot, ctx)
    ui = page.ui
    qtbot.keyClick(page, Key.Key_F4)
    assert _focus() is ui.procedureEdit

    qtbot.keyClicks(_focus(), "khai sinh")
    assert page.picker.list.isVisible()
    assert page.picker.matches()[0].name == "Đăng ký khai sinh"
    qtbot.keyClick(_focus(), Key.Key_Return)
    assert page.picker.procedure is not None
    assert page.picker.procedure.code == BIRTH
    assert not page.picker.list.isVisible()
    assert ui.fieldValueLabel.text() == "Hộ tịch"
    assert "Trong ngày" in ui.timeValueLabel.text()
    assert "Miễn lệ phí" in ui.feeValueLabel.text()
    assert ui.onlineValueLabel.text() == "Toàn trình"
    assert page.documents.rowCount() == 5

    # Enter moves from field to field in the tab order.
    for widget, text in (
        (ui.nameEdit, "nguyễn thị  hòa"),
        (ui.idNumberEdit, "001190012345"),
        (ui.birthDateEdit, "01021990"),
    ):
        assert _focus() is widget
        _type(qtbot, widget, text)
        qtbot.keyClick(widget, Key.Key_Return)
    assert _focus() is ui.sexCombo
    qtbot.keyClick(ui.sexCombo, Key.Key_Down)
    qtbot.keyClick(ui.sexCombo, Key.Key_Down)
    assert ui.sexCombo.currentData() == "Nữ"
    qtbot.keyClick(ui.sexCombo, Key.Key_Return)
    for widget, text in (
        (ui.phoneEdit, "0912 345 678"),
        (ui.emailEdit, "hoa@example.vn"),
        (ui.addressEdit, "Số 1 Nguyễn Trãi, Hà Nội"),
        (ui.noteEdit, ""),
    ):
        assert _focus() is widget
        _type(qtbot, widget, text)
        qtbot.keyClick(widget, Key.Key_Return)
    assert _focus() is ui.channelCombo
    qtbot.keyClick(ui.channelCombo, Key.Key_Return)
    assert _focus() is ui.receivedNowCheck
    qtbot.keyClick(ui.receivedNowCheck, Key.Key_Return)
    # The checklist: the last document (power of attorney) was not brought — Space unticks it.
    assert _focus() is ui.documentsTable
    ui.documentsTable.setCurrentIndex(page.documents.index(0, 0))
    for _ in range(4):
        qtbot.keyClick(ui.documentsTable, Key.Key_Down)
    qtbot.keyClick(ui.documentsTable, Key.Key_Space)
    assert page.documents.received_count() == (4, 5)
    qtbot.keyClick(ui.documentsTable, Key.Key_Return)
    assert _focus() is ui.saveButton
    assert ui.dueLabel.text() == "Hẹn trả: 17:00 thứ Hai, 05/01/2026"

    qtbot.keyClick(ui.saveButton, Key.Key_Return)
    _wait_saved(qtbot, page)
    ctx.runner.wait()

    rows = _rows(db_path, "SELECT * FROM dossiers")
    assert len(rows) == 1
    row = rows[0]
    assert row["procedure_code"] == BIRTH
    assert row["applicant_name"] == "Nguyễn Thị Hòa"
    assert row["id_number"] == "001190012345"
    assert row["phone"] == "0912345678"
    assert row["email"] == "hoa@example.vn"
    assert row["address"] == "Số 1 Nguyễn Trãi, Hà Nội"
    assert row["channel"] == "direct"
    docs = [DocumentItem.from_payload(d) for d in json.loads(row["documents"])]
    assert [d.received for d in docs] == [True, True, True, True, False]
    events = _rows(db_path, "SELECT type FROM events WHERE dossier_id = ?", row["id"])
    kinds = [e["type"] for e in events]
    assert kinds.count(EventType.RECEIVED.value) == 1
    assert set(kinds) <= {EventType.RECEIVED.value, EventType.PRINTED.value}

    preview = page.preview_dialog
    assert preview is not None
    assert preview.isVisible()
    assert preview.page_count() == 1
    assert preview.pdf.startswith(b"%PDF")
    assert row["code"] in preview.windowTitle()
    assert page.last_saved is not None
    assert page.last_saved.code == row["code"]
    assert row["code"] in ui.statusLabel.text()
    # The form is clear for the next citizen, and no draft is kept.
    assert ui.nameEdit.text() == ""
    assert page.picker.procedure is None
    assert page.documents.rowCount() == 0
    assert QSettings().value(DRAFT_KEY) is None
    preview.close()


def test_double_click_on_save_makes_one_dossier(
    qtbot: QtBot, ctx: AppContext, db_path: Path
) -> None:
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "khai sinh")
    page.ui.nameEdit.setText("Lê Văn Bình")
    with qtbot.waitSignal(page.dossier_received, timeout=15_000):
        qtbot.mouseDClick(page.ui.saveButton, Qt.MouseButton.LeftButton)
        page.save()  # and Ctrl+S while the first save runs
        qtbot.keyClick(page.ui.nameEdit, Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _wait_saved(qtbot, page)
    ctx.runner.wait()
    qtbot.wait(50)
    assert _dossier_count(db_path) == 1
    assert page.ui.saveButton.isEnabled()


def test_nothing_is_saved_until_the_form_is_valid(
    qtbot: QtBot, ctx: AppContext, db_path: Path
) -> None:
    page = _page(qtbot, ctx)
    ui = page.ui
    qtbot.keyClick(ui.nameEdit, Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert ui.procedureErrorLabel.isVisible()
    assert ui.procedureErrorLabel.text() == "Chưa chọn thủ tục hành chính."
    assert "Họ và tên" in ui.nameErrorLabel.text()
    assert _focus() is ui.procedureEdit
    assert "Chưa lưu" in ui.statusLabel.text()
    _choose(qtbot, page, "1.004873")
    assert not ui.procedureErrorLabel.isVisible()
    ctx.runner.wait()
    assert _dossier_count(db_path) == 0


# --------------------------------------------------------------------------- validation


def test_bad_cccd_names_the_rule_and_clears_when_fixed(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    edit, label = page.ui.idNumberEdit, page.ui.idNumberErrorLabel
    qtbot.keyClicks(edit, "0030900")
    assert not label.isVisible()  # still being typed
    qtbot.keyClicks(edit, "12345")
    assert label.isVisible()
    assert "mã tỉnh 003 không tồn tại" in label.text()
    assert "3 chữ số đầu phải là mã tỉnh" in label.text()
    assert edit.property("invalid") is True
    edit.selectAll()
    qtbot.keyClicks(edit, CCCD)
    assert not label.isVisible()
    assert label.text() == ""
    assert edit.property("invalid") is False
    assert "Hà Nội" in page.ui.idInfoLabel.text()
    assert "1990" in page.ui.idInfoLabel.text()

    # A number too short is told on leaving the field.
    edit.selectAll()
    qtbot.keyClicks(edit, "00109001234")
    assert not label.isVisible()
    qtbot.keyClick(edit, Key.Key_Return)
    assert "12 chữ số" in label.text()
    assert "có thể đã mất số 0 ở đầu" in label.text()


def test_phone_and_email_messages(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    ui = page.ui
    qtbot.keyClicks(ui.phoneEdit, "0412345678")
    assert "di động gồm 10 chữ số" in ui.phoneErrorLabel.text()
    ui.phoneEdit.clear()
    assert not ui.phoneErrorLabel.isVisible()
    qtbot.keyClicks(ui.phoneEdit, "0912 345 678")
    assert not ui.phoneErrorLabel.isVisible()
    qtbot.keyClicks(ui.emailEdit, "an.example.vn")
    assert not ui.emailErrorLabel.isVisible()
    qtbot.keyClick(ui.emailEdit, Key.Key_Return)
    assert "email" in ui.emailErrorLabel.text()
    qtbot.keyClicks(ui.birthDateEdit, "31/02/1990")
    assert "dd/mm/yyyy" in ui.birthDateErrorLabel.text()


# --------------------------------------------------------------------------- the card's QR code


def test_scanned_cccd_qr_fills_the_applicant(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    ui = page.ui
    ui.phoneEdit.setFocus()
    qtbot.keyClicks(ui.phoneEdit, "0912")
    _type(qtbot, ui.phoneEdit, QR)  # the scanner types into whatever has focus…
    qtbot.keyClick(ui.phoneEdit, Key.Key_Return)  # …and ends with Enter
    assert ui.phoneEdit.text() == "0912"  # what was typed before the scan is kept
    assert ui.nameEdit.text() == "Nguyễn Văn An"
    assert ui.idNumberEdit.text() == CCCD
    assert ui.birthDateEdit.text() == "15/03/1990"
    assert ui.sexCombo.currentData() == "Nam"
    assert ui.addressEdit.text() == "Số 12 ngõ 34 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội"
    assert "Nguyễn Văn An" in ui.statusLabel.text()
    assert not ui.identityWarningLabel.isVisible()
    assert _focus() is ui.phoneEdit

    # A different sex or birth year than the digits say: a warning, not a block.
    ui.sexCombo.setCurrentIndex(ui.sexCombo.findData("Nữ"))
    assert ui.identityWarningLabel.isVisible()
    assert "Giới tính đã nhập (Nữ)" in ui.identityWarningLabel.text()
    ui.birthDateEdit.setText("15/03/1991")
    assert "Năm sinh đã nhập (1991)" in ui.identityWarningLabel.text()


def test_qr_scanned_into_the_procedure_search_keeps_the_procedure(
    qtbot: QtBot, ctx: AppContext
) -> None:
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "khai sinh")
    edit = page.ui.procedureEdit
    edit.setFocus()
    edit.end(False)
    _type(qtbot, edit, QR)
    qtbot.keyClick(edit, Key.Key_Return)
    assert page.picker.procedure is not None
    assert page.picker.procedure.code == BIRTH
    assert page.ui.nameEdit.text() == "Nguyễn Văn An"


def test_unreadable_qr_is_told(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    bad = f"{CCCD}||Nguyễn Văn An|15031990|Không rõ|Hà Nội|01072021"
    _type(qtbot, page.ui.nameEdit, bad)
    qtbot.keyClick(page.ui.nameEdit, Key.Key_Return)
    assert "giới tính «Không rõ»" in page.ui.statusLabel.text()
    assert page.ui.nameEdit.text() == ""


# --------------------------------------------------------------------------- duplicates


def test_warning_when_the_same_id_has_an_open_dossier(qtbot: QtBot, ctx: AppContext) -> None:
    existing = intake(
        ctx.ws, IntakeRequest(procedure_code=BIRTH, applicant_name="Nguyễn Văn An", id_number=CCCD)
    )
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "khai sinh")
    qtbot.keyClicks(page.ui.idNumberEdit, CCCD)
    label = page.ui.duplicateLabel
    qtbot.waitUntil(label.isVisible, timeout=5000)
    assert existing.code in label.text()
    assert page.duplicates == [existing.code]
    _choose(qtbot, page, THREE_DAYS)  # another procedure: no warning
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=5000)
    _choose(qtbot, page, BIRTH)
    qtbot.waitUntil(label.isVisible, timeout=5000)
    page.ui.idNumberEdit.setText("001090012346")
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=5000)


# --------------------------------------------------------------------------- appointment


def test_appointment_follows_procedure_and_receipt_time(
    qtbot: QtBot, ctx: AppContext, clock: FixedClock
) -> None:
    clock.now = vn(2026, 2, 13, 16, 5)  # Friday before Tết, after the 15:00 cut-off
    page = _page(qtbot, ctx)
    due = page.ui.dueLabel
    assert "chọn thủ tục" in due.text()
    _choose(qtbot, page, "khai sinh")
    assert due.text() == "Hẹn trả: 17:00 thứ Hai, 23/02/2026"
    _choose(qtbot, page, "tinh trang hon nhan")
    assert due.text() == "Hẹn trả: 17:00 thứ Tư, 25/02/2026"
    _choose(qtbot, page, "khai sinh")
    page.ui.channelCombo.setCurrentIndex(1)
    assert due.text() == "Hẹn trả: 17:00 thứ Hai, 23/02/2026"
    # A postal dossier that arrived this morning: the clerk sets the time it was received.
    page.ui.channelCombo.setCurrentIndex(2)
    page.ui.receivedNowCheck.setChecked(False)
    assert page.ui.receivedEdit.isEnabled()
    page.ui.receivedEdit.setDateTime(page.ui.receivedEdit.dateTime().addSecs(-7 * 3600))
    assert due.text() == "Hẹn trả: 17:00 thứ Sáu, 13/02/2026"
    page.ui.receivedEdit.setDateTime(page.ui.receivedEdit.dateTime().addDays(1))
    assert "sau thời điểm hiện tại" in page.ui.receivedErrorLabel.text()
    assert "ngoài giờ làm việc" in page.ui.dueDetailLabel.text()


# --------------------------------------------------------------------------- the draft


def test_draft_survives_closing_the_window(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["intake"]
    assert isinstance(page, IntakePage)
    qtbot.waitUntil(lambda: page.reference is not None, timeout=10_000)
    _choose(qtbot, page, "khai sinh")
    _type(qtbot, page.ui.nameEdit, "Phạm Thị Thu")
    qtbot.keyClicks(page.ui.phoneEdit, "0912")
    page.ui.channelCombo.setCurrentIndex(2)
    page.documents.setData(
        page.documents.index(1, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    extra = page.documents.add_custom("Giấy xác nhận cư trú")
    window.close()
    assert QSettings().value(DRAFT_KEY) is not None
    del extra

    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    restored = again.pages["intake"]
    assert isinstance(restored, IntakePage)
    assert restored.ui.nameEdit.text() == "Phạm Thị Thu"
    assert restored.ui.phoneEdit.text() == "0912"
    assert restored.ui.channelCombo.currentData() == "postal"
    assert "khôi phục" in restored.ui.statusLabel.text()
    qtbot.waitUntil(lambda: restored.picker.procedure is not None, timeout=10_000)
    assert restored.picker.procedure is not None
    assert restored.picker.procedure.code == BIRTH
    items = restored.documents.items()
    assert [d.received for d in items] == [True, False, True, True, True, True]
    assert items[-1].name == "Giấy xác nhận cư trú"
    assert restored.ui.dueLabel.text().startswith("Hẹn trả: 17:00")
    again.close()


def test_draft_is_kept_while_typing_and_dropped_by_new_form(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    _type(qtbot, page.ui.nameEdit, "Đỗ Văn Cường")
    qtbot.waitUntil(lambda: QSettings().value(DRAFT_KEY) is not None, timeout=5000)
    assert "Đỗ Văn Cường" in str(QSettings().value(DRAFT_KEY))
    qtbot.keyClick(page.ui.nameEdit, Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    box = page.confirm_box
    assert isinstance(box, QMessageBox)
    assert box.isVisible()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert page.ui.nameEdit.text() == ""
    assert QSettings().value(DRAFT_KEY) is None
    assert _focus() is page.ui.procedureEdit


def test_draft_closed_before_the_catalog_loads_keeps_its_procedure(
    qtbot: QtBot, ctx: AppContext
) -> None:
    QSettings().setValue(
        DRAFT_KEY,
        draft_to_json(IntakeDraft(procedure_code=THREE_DAYS, applicant_name="Vũ Thị Lan")),
    )
    page = IntakePage(ctx)  # the catalog arrives later, through the event loop
    qtbot.addWidget(page)
    assert page.reference is None
    page.ui.phoneEdit.setText("0912345678")
    page.save_draft()
    kept = draft_from_json(str(QSettings().value(DRAFT_KEY)))
    assert kept is not None
    assert (kept.procedure_code, kept.applicant_name, kept.phone) == (
        THREE_DAYS,
        "Vũ Thị Lan",
        "0912345678",
    )
    qtbot.waitUntil(lambda: page.picker.procedure is not None, timeout=10_000)


def test_broken_draft_is_ignored(qtbot: QtBot, ctx: AppContext) -> None:
    QSettings().setValue(DRAFT_KEY, "{not json")
    page = _page(qtbot, ctx)
    assert page.ui.nameEdit.text() == ""
    assert page.picker.procedure is None


# --------------------------------------------------------------------------- save failures


def test_procedure_retired_meanwhile_is_told_inline(
    qtbot: QtBot, ctx: AppContext, db_path: Path
) -> None:
    page = _page(qtbot, ctx)
    _choose(qtbot, page, "khai sinh")
    page.ui.nameEdit.setText("Lê Văn Bình")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE procedures SET active = 0 WHERE code = ?", (BIRTH,))
    conn.close()
    page.save()
    qtbot.waitUntil(page.ui.saveButton.isEnabled, timeout=10_000)
    assert "bãi bỏ" in page.ui.procedureErrorLabel.text()
    assert page.ui.nameEdit.text() == "Lê Văn Bình"  # nothing lost
    assert _dossier_count(db_path) == 0


# --------------------------------------------------------------------------- procedure list


def test_procedure_list_by_keyboard(qtbot: QtBot, ctx: AppContext) -> None:
    page = _page(qtbot, ctx)
    edit = page.ui.procedureEdit
    edit.setFocus()
    qtbot.keyClicks(edit, "khai sinh")
    qtbot.keyClick(edit, Key.Key_Down)
    qtbot.keyClick(edit, Key.Key_Return)
    assert page.picker.procedure is not None
    assert page.picker.procedure.name == "Đăng ký lại khai sinh"
    assert edit.text().endswith("Đăng ký lại khai sinh")
    edit.setFocus()
    qtbot.keyClick(edit, Key.Key_End)
    qtbot.keyClick(edit, Key.Key_Backspace)
    assert page.picker.procedure is None
    assert page.ui.fieldValueLabel.text() == "—"
    qtbot.keyClick(edit, Key.Key_Escape)
    assert not page.picker.list.isVisible()
    edit.clear()
    qtbot.keyClicks(edit, "khong co thu tuc nay")
    assert not page.picker.list.isVisible()
    assert page.picker.matches() == []


# --------------------------------------------------------------------------- print preview


@pytest.fixture
def receipt_pdf(ctx: AppContext) -> tuple[str, bytes]:
    view = intake(
        ctx.ws, IntakeRequest(procedure_code=BIRTH, applicant_name="Nguyễn Văn An", id_number=CCCD)
    )
    return view.code, render_receipt(ctx.ws, view.code)


def test_print_preview_prints_and_saves(
    qtbot: QtBot, receipt_pdf: tuple[str, bytes], tmp_path: Path
) -> None:
    code, pdf = receipt_pdf
    dialog = PrintPreviewDialog(pdf, f"Giấy tiếp nhận {code}")
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.page_count() == 1, timeout=10_000)
    assert "1 trang" in dialog.pages_label.text()
    assert dialog.file_name == f"giay-tiep-nhan-{code.lower()}.pdf"

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    printer.setCopyCount(2)
    assert dialog.print_to(printer) == 2  # two copies, as counters print receipts
    assert printed.read_bytes().startswith(b"%PDF")

    saved = tmp_path / "saved.pdf"
    assert dialog.save_to(saved)
    assert saved.read_bytes() == pdf
    assert not dialog.save_to(tmp_path / "missing" / "x.pdf")
    assert dialog.message_box is not None
    assert "Không ghi được tệp" in dialog.message_box.text()
    dialog.message_box.close()

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.file_dialog is not None
    assert dialog.file_dialog.isVisible()
    dialog.file_dialog.reject()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_print_preview_of_something_that_is_not_a_pdf(qtbot: QtBot) -> None:
    dialog = PrintPreviewDialog(b"not a pdf", "Thử")
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: not dialog.print_button.isEnabled(), timeout=5000)
    assert dialog.page_count() == 0
    printer = QPrinter()
    assert dialog.print_to(printer) == 0


# --------------------------------------------------------------------------- checklist model


def test_checklist_model_contract(qtmodeltester: Any) -> None:
    model = DocumentChecklistModel()
    model.set_items(
        (DocumentItem("Tờ khai", 1, 0, 0), DocumentItem("Giấy chứng sinh", 1, 0, 0, False))
    )
    qtmodeltester.check(model)
    assert model.received_count() == (1, 2)
    assert model.setData(model.index(0, 2), 3)
    assert not model.setData(model.index(0, 2), -1)
    assert not model.setData(model.index(0, 0), "Đổi tên")  # a procedure's document keeps its name
    added = model.add_custom("Giấy khác")
    assert model.setData(added, "Giấy ủy quyền")
    assert [d.name for d in model.items()] == ["Tờ khai", "Giấy chứng sinh", "Giấy ủy quyền"]
    assert model.items()[0].certified_copies == 3
