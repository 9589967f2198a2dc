"""The dossier detail, driven for real: each status action with its dialog, its service effect in
the database, and the form it prints opened in the print preview."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.dossier import TRANSITIONS, DocumentItem, Rating, Status
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.dialogs.print_preview import PrintPreviewDialog
from onestop_desktop.gui.dialogs.rating import RatingDialog
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.pages.detail import (
    ConfirmDialog,
    DossierDetailPage,
    EditDialog,
    RescheduleDialog,
    SupplementDialog,
    TextRequiredDialog,
)
from onestop_desktop.gui.pages.lookup import LookupPage
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import (
    DossierView,
    IntakeRequest,
    advance,
    get_dossier,
    intake,
)
from tests.conftest import FixedClock, vn

THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
D = TypeVar("D", bound=QDialog)


def _receive(ws: Workstation, documents: list[DocumentItem] | None = None) -> str:
    req = IntakeRequest(
        procedure_code=THREE_DAYS,
        applicant_name="Nguyễn Thị Hoa",
        id_number="001190012345",
        phone="0912345678",
        address="Số 5, ngõ 12 Khuất Duy Tiến, phường Thanh Xuân, Hà Nội",
        documents=documents,
    )
    return intake(ws, req).code


def type_text(widget: QWidget, text: str) -> None:
    """Type like a keyboard with a Vietnamese input method (QTest only knows ASCII keys)."""
    for ch in text:
        key = Qt.Key(ord(ch.upper())) if ch.isascii() and ch.isalnum() else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return item.text()


def _events(db_path: Path) -> list[tuple[str, dict[str, Any]]]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT type, payload FROM events ORDER BY hlc").fetchall()
    finally:
        conn.close()
    return [(t, json.loads(p)) for t, p in rows]


def _printed(db_path: Path) -> list[str]:
    return [p["form"] for t, p in _events(db_path) if t == "dossier.printed"]


class Harness:
    """A main window on the lookup page with one dossier's detail open."""

    def __init__(self, qtbot: QtBot, ctx: AppContext, code: str) -> None:
        self.qtbot = qtbot
        self.ctx = ctx
        self.window = MainWindow(ctx)
        qtbot.addWidget(self.window)
        self.window.resize(1366, 768)
        self.window.show()
        page = self.window.show_page("lookup")
        assert isinstance(page, LookupPage)
        self.page = page
        self.detail: DossierDetailPage = page.detail
        self.code = code
        self.open(code)

    def open(self, code: str) -> None:
        self.window.open_dossier(code)
        self.qtbot.waitUntil(
            lambda: (
                self.page.stack.currentWidget() is self.detail
                and self.detail.detail is not None
                and self.detail.detail.dossier.code == code
            ),
            timeout=10_000,
        )

    def button(self, name: str) -> QPushButton:
        return self.detail.buttons[name]

    def click(self, name: str, kind: type[D]) -> D:
        self.detail.last_dialog = None
        button = self.button(name)
        assert button.isEnabled(), name
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return self.dialog(kind)

    def dialog(self, kind: type[D]) -> D:
        self.qtbot.waitUntil(
            lambda: (
                isinstance(self.detail.last_dialog, kind) and self.detail.last_dialog.isVisible()
            )
        )
        dialog = self.detail.last_dialog
        assert isinstance(dialog, kind)
        self.qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    def confirm(self, dialog: QDialog) -> None:
        ok = dialog.findChild(QPushButton, "okButton")
        assert ok is not None
        self.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    def wait_status(self, status: Status) -> DossierView:
        self.qtbot.waitUntil(
            lambda: self.detail.detail is not None and self.detail.detail.status is status,
            timeout=10_000,
        )
        return get_dossier(self.ctx.ws, self.code)

    def wait_preview(self) -> PrintPreviewDialog:
        self.qtbot.waitUntil(
            lambda: (
                isinstance(self.detail.last_preview, PrintPreviewDialog)
                and self.detail.last_preview.isVisible()
            ),
            timeout=15_000,
        )
        preview = self.detail.last_preview
        assert isinstance(preview, PrintPreviewDialog)
        assert preview.pdf.startswith(b"%PDF")
        return preview

    def idle(self) -> None:
        self.qtbot.waitUntil(lambda: self.ctx.runner.wait(0), timeout=10_000)
        self.qtbot.wait(50)


@pytest.fixture
def harness_for(qtbot: QtBot, ctx: AppContext) -> Callable[[str], Harness]:
    def make(code: str) -> Harness:
        return Harness(qtbot, ctx, code)

    return make


def test_detail_shows_applicant_documents_timeline_and_days_left(
    ws: Workstation, harness_for: Callable[[str], Harness]
) -> None:
    code = _receive(ws)
    h = harness_for(code)
    d = h.detail
    assert d.code_label.text() == code
    assert d.status_label.text() == "Đã tiếp nhận"
    assert "Nguyễn Thị Hoa" in d.value_labels["applicant"].text()
    assert d.value_labels["phone"].text() == "0912345678"
    assert d.documents_list.count() >= 1
    assert d.deadline_label.text() == "Còn 3 ngày làm việc"  # due Thu 8 Jan 17:00
    assert d.timeline.rowCount() == 1
    assert _cell(d.timeline, 0, 0) == "05/01/2026 08:00"
    assert _cell(d.timeline, 0, 1) == "tester"
    assert _cell(d.timeline, 0, 2) == "1"
    assert _cell(d.timeline, 0, 3).startswith("Tiếp nhận hồ sơ")


def test_buttons_follow_the_state_machine_and_tooltips_name_the_shortcuts(
    ws: Workstation, harness_for: Callable[[str], Harness]
) -> None:
    h = harness_for(_receive(ws))
    allowed = TRANSITIONS[Status.RECEIVED]
    expected = {
        "toProcessing": Status.IN_PROGRESS in allowed,
        "requestSupplement": Status.WAITING_SUPPLEMENT in allowed,
        "supplementReceived": False,
        "resolve": Status.RESOLVED in allowed,
        "returnResult": Status.RETURNED in allowed,
        "rate": False,  # only a returned dossier is rated
        "refuse": Status.REFUSED in allowed,
        "reschedule": False,  # not late
        "withdraw": Status.WITHDRAWN in allowed,
        "edit": True,
        "printReceipt": True,
        "printControl": True,
    }
    assert {n: b.isEnabled() for n, b in h.detail.buttons.items()} == expected
    for button in h.detail.buttons.values():
        key = button.shortcut().toString()
        assert key
        assert f"({key})" in button.toolTip()


def test_hand_over_by_keyboard(
    ws: Workstation, harness_for: Callable[[str], Harness], db_path: Path
) -> None:
    h = harness_for(_receive(ws))
    h.qtbot.keyClick(h.window, Qt.Key.Key_F3)
    dialog = h.dialog(ConfirmDialog)
    type_text(dialog.note_edit, "Giao bộ phận hộ tịch")
    h.qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    assert h.wait_status(Status.IN_PROGRESS).status == "in_progress"
    last_type, payload = _events(db_path)[-1]
    assert last_type == "dossier.status_changed"
    assert payload["to"] == "in_progress"
    assert payload["note"] == "Giao bộ phận hộ tịch"
    h.qtbot.waitUntil(lambda: h.detail.timeline.rowCount() == 2)
    assert "Chuyển bộ phận chuyên môn" in _cell(h.detail.timeline, 1, 3)


def test_request_supplement_prints_form_02_from_the_ticked_items(
    ws: Workstation, harness_for: Callable[[str], Harness], db_path: Path
) -> None:
    docs = [
        DocumentItem("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", originals=1),
        DocumentItem("Bản sao sổ hộ khẩu", photocopies=1),
    ]
    h = harness_for(_receive(ws, docs))
    dialog = h.click("requestSupplement", SupplementDialog)
    h.confirm(dialog)  # nothing ticked: refused, stays open
    assert dialog.isVisible()
    assert dialog.error_label.text() == "Hãy đánh dấu ít nhất một giấy tờ cần bổ sung."
    dialog.check("Bản sao sổ hộ khẩu")
    type_text(dialog.other_edit, "Giấy xác nhận cư trú")
    h.confirm(dialog)
    view = h.wait_status(Status.WAITING_SUPPLEMENT)
    assert view.status == "waiting_supplement"
    preview = h.wait_preview()
    assert "Mẫu 02" in preview.windowTitle()
    h.idle()
    assert _printed(db_path) == ["02"]
    change = next(p for t, p in _events(db_path) if t == "dossier.status_changed")
    assert change["note"] == "Cần bổ sung: Bản sao sổ hộ khẩu; Giấy xác nhận cư trú"
    assert h.detail.deadline_label.text().startswith("Tạm dừng")


def test_supplement_received_shows_the_new_due_date(
    ws: Workstation, clock: FixedClock, harness_for: Callable[[str], Harness]
) -> None:
    code = _receive(ws)
    advance(ws, code, Status.WAITING_SUPPLEMENT, reason="Thiếu tờ khai")
    clock.now = vn(2026, 1, 6, 8)  # one working day later
    h = harness_for(code)
    before = get_dossier(ws, code).due_at
    dialog = h.click("supplementReceived", ConfirmDialog)
    h.confirm(dialog)
    view = h.wait_status(Status.IN_PROGRESS)
    assert view.due_at == vn(2026, 1, 9, 17)  # Thu 8 Jan pushed by the day waited
    assert view.due_at > before
    box = h.dialog(QMessageBox)
    assert "09/01/2026 17:00" in box.text()
    assert "09/01/2026 17:00" in h.detail.value_labels["due"].text()


def test_refusal_needs_a_reason_and_prints_form_03(
    ws: Workstation, harness_for: Callable[[str], Harness], db_path: Path
) -> None:
    h = harness_for(_receive(ws))
    dialog = h.click("refuse", TextRequiredDialog)
    h.confirm(dialog)
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text() == "Phải nhập lý do từ chối hồ sơ."
    assert get_dossier(ws, h.code).status == "received"
    type_text(dialog.text_edit, "Không thuộc thẩm quyền giải quyết của UBND phường")
    h.qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    view = h.wait_status(Status.REFUSED)
    assert view.status == "refused"
    preview = h.wait_preview()
    assert "Mẫu 03" in preview.windowTitle()
    h.idle()
    assert _printed(db_path) == ["03"]
    assert not any(b.isEnabled() for n, b in h.detail.buttons.items() if n not in _ALWAYS)


_ALWAYS = {"edit", "printReceipt", "printControl"}


def test_apology_and_new_date_only_when_late_keeps_the_statutory_date(
    ws: Workstation, clock: FixedClock, harness_for: Callable[[str], Harness], db_path: Path
) -> None:
    code = _receive(ws)
    due = get_dossier(ws, code).due_at
    clock.now = vn(2026, 1, 9, 9)  # one working day late
    h = harness_for(code)
    assert h.detail.deadline_label.text() == "Quá hạn 1 ngày"
    assert "#c62828" in h.detail.deadline_label.styleSheet()
    dialog = h.click("reschedule", RescheduleDialog)
    # Proposed: five working days on (Sat 10 Jan 2026 is a make-up working day).
    assert dialog.date_edit.date() == QDate(2026, 1, 15)
    h.confirm(dialog)  # no reason yet
    assert dialog.error_label.text() == "Phải nêu lý do chậm trả kết quả."
    dialog.date_edit.setDate(QDate(2026, 1, 16))
    type_text(dialog.reason_edit, "Chờ xác minh thông tin hộ tịch tại nơi cư trú cũ")
    h.confirm(dialog)
    preview = h.wait_preview()
    assert "Mẫu 04" in preview.windowTitle()
    view = get_dossier(ws, code)
    assert view.due_at == due  # statistics keep the original due date
    assert view.rescheduled_due_at == vn(2026, 1, 16, 17)
    h.idle()
    assert _printed(db_path) == ["04"]
    assert not h.button("reschedule").isEnabled()  # once only


def test_resolve_then_return_records_who_collected(
    ws: Workstation, harness_for: Callable[[str], Harness]
) -> None:
    h = harness_for(_receive(ws))
    h.confirm(h.click("resolve", ConfirmDialog))
    h.wait_status(Status.RESOLVED)
    dialog = h.click("returnResult", TextRequiredDialog)
    assert dialog.value == "Nguyễn Thị Hoa"  # proposed, the clerk may change it
    dialog.text_edit.clear()
    h.confirm(dialog)
    assert dialog.error_label.text() == "Phải ghi họ tên người nhận kết quả."
    type_text(dialog.text_edit, "Trần Văn Nam (chồng, có giấy ủy quyền)")
    h.confirm(dialog)
    view = h.wait_status(Status.RETURNED)
    assert view.returned_at is not None
    assert h.detail.detail is not None
    assert h.detail.detail.returned_to == "Trần Văn Nam (chồng, có giấy ủy quyền)"


def test_withdraw(ws: Workstation, harness_for: Callable[[str], Harness]) -> None:
    h = harness_for(_receive(ws))
    h.qtbot.keyClick(h.window, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    dialog = h.dialog(TextRequiredDialog)
    h.confirm(dialog)
    h.wait_status(Status.WITHDRAWN)
    assert h.detail.detail is not None
    assert h.detail.detail.reason == "Theo đề nghị của người nộp hồ sơ."


def test_correction_is_recorded_and_the_receipt_reprinted(
    ws: Workstation, harness_for: Callable[[str], Harness], db_path: Path
) -> None:
    h = harness_for(_receive(ws))
    h.qtbot.keyClick(h.window, Qt.Key.Key_F2)
    dialog = h.dialog(EditDialog)
    h.confirm(dialog)
    assert dialog.error_label.text() == "Chưa có thông tin nào thay đổi."
    edit = dialog.edits["phone"]
    edit.clear()
    type_text(edit, "0987654321")
    h.confirm(dialog)
    box = h.dialog(QMessageBox)
    assert get_dossier(ws, h.code).phone == "0987654321"
    edited = [p for t, p in _events(db_path) if t == "dossier.field_edited"]
    assert edited == [{"field": "phone", "old": "0912345678", "new": "0987654321"}]
    reprint = next(b for b in box.buttons() if b.text() == "In lại phiếu hẹn")
    h.qtbot.mouseClick(reprint, Qt.MouseButton.LeftButton)
    preview = h.wait_preview()
    assert "Mẫu 01" in preview.windowTitle()
    h.idle()
    assert _printed(db_path) == ["01"]
    assert h.detail.value_labels["phone"].text() == "0987654321"


@pytest.mark.parametrize(
    ("keys", "form"),
    [
        ((Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier), "01"),
        (
            (
                Qt.Key.Key_P,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            ),
            "05",
        ),
    ],
)
def test_reprint_receipt_and_control_sheet(
    ws: Workstation,
    harness_for: Callable[[str], Harness],
    db_path: Path,
    keys: tuple[Qt.Key, Qt.KeyboardModifier],
    form: str,
) -> None:
    code = _receive(ws)
    advance(ws, code, Status.IN_PROGRESS)
    h = harness_for(code)
    h.qtbot.keyClick(h.window, *keys)
    preview = h.wait_preview()
    assert f"Mẫu {form}" in preview.windowTitle()
    h.idle()
    assert _printed(db_path) == [form]
    h.qtbot.waitUntil(lambda: h.detail.timeline.rowCount() == 3)
    assert f"In Mẫu {form}" in _cell(h.detail.timeline, 2, 3)


def test_esc_goes_back_to_the_list(ws: Workstation, harness_for: Callable[[str], Harness]) -> None:
    h = harness_for(_receive(ws))
    h.qtbot.keyClick(h.window, Qt.Key.Key_Escape)
    h.qtbot.waitUntil(lambda: h.page.stack.currentWidget() is h.page.list_page)


def test_errors_reach_the_clerk_in_vietnamese(
    ws: Workstation, harness_for: Callable[[str], Harness]
) -> None:
    code = _receive(ws)
    h = harness_for(code)
    advance(ws, code, Status.REFUSED, reason="Hồ sơ giả mạo")  # another counter got there first
    h.confirm(h.click("toProcessing", ConfirmDialog))
    box = h.dialog(QMessageBox)
    assert "Không thể chuyển hồ sơ" in box.text()
    assert h.button("edit").isEnabled()  # the page is usable again


def _returned(ws: Workstation) -> str:
    code = _receive(ws)
    advance(ws, code, Status.RESOLVED)
    advance(ws, code, Status.RETURNED, collected_by="Nguyễn Thị Hoa")
    return code


def test_rating_a_returned_dossier_needs_a_reason_when_dissatisfied(
    ws: Workstation, db_path: Path, harness_for: Callable[[str], Harness]
) -> None:
    h = harness_for(_returned(ws))
    assert not h.detail.value_labels["rating"].isVisibleTo(h.detail)  # not rated yet
    assert "(Shift+F7)" in h.button("rate").toolTip()
    dialog = h.click("rate", RatingDialog)
    assert [b.text() for b in dialog.choices.values()] == [
        "&1. Rất hài lòng",
        "&2. Hài lòng",
        "&3. Không hài lòng",
    ]
    h.confirm(dialog)  # nothing chosen
    assert dialog.error_label.text() == "Chọn một mức đánh giá."
    dialog.choose(Rating.DISSATISFIED)
    assert dialog.reason_label.text() == "Lý do (bắt buộc):"
    h.confirm(dialog)  # no reason
    assert dialog.isVisible()
    assert "Lý do" in dialog.error_label.text()
    assert dialog.error_label.text().startswith("Phải ghi lý do khi người dân không hài lòng")
    type_text(dialog.reason_edit, "Phải đi lại hai lần")
    h.confirm(dialog)
    h.qtbot.waitUntil(
        lambda: h.detail.detail is not None and h.detail.rating_of(h.detail.detail) is not None,
        timeout=10_000,
    )
    h.idle()
    label = h.detail.value_labels["rating"]
    assert label.isVisibleTo(h.detail)
    assert label.text() == "Không hài lòng — lý do: Phải đi lại hai lần"
    last = h.detail.timeline.rowCount() - 1
    assert (
        _cell(h.detail.timeline, last, 3) == "Đánh giá: Không hài lòng. Lý do: Phải đi lại hai lần"
    )
    assert not h.button("rate").isEnabled()  # rated once
    ratings = [p for t, p in _events(db_path) if t == "rating.given"]
    assert ratings == [{"rating": "dissatisfied", "reason": "Phải đi lại hai lần"}]


def test_a_rating_is_shown_by_its_label_and_satisfied_needs_no_reason(
    ws: Workstation, db_path: Path, harness_for: Callable[[str], Harness]
) -> None:
    code = _returned(ws)
    h = harness_for(code)
    dialog = h.click("rate", RatingDialog)
    dialog.choose(Rating.VERY_SATISFIED)
    assert dialog.reason_label.text() == "Lý do:"
    h.qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    h.qtbot.waitUntil(lambda: not h.button("rate").isEnabled() and not h.detail._busy)
    h.qtbot.waitUntil(lambda: h.detail.value_labels["rating"].text() == "Rất hài lòng")
    last = h.detail.timeline.rowCount() - 1
    assert _cell(h.detail.timeline, last, 3) == "Đánh giá: Rất hài lòng"
    assert [p for t, p in _events(db_path) if t == "rating.given"] == [{"rating": "very_satisfied"}]
    # A dossier not yet returned cannot be rated.
    h.open(_receive(ws))
    assert not h.button("rate").isEnabled()
    assert h.detail.value_labels["rating"].text() == ""
