"""Printed forms checked for real: PDFs from a real database, read back with poppler and zbar.

``pdftotext`` must find the applicant's name with its diacritics, the national name and motto,
the dossier code and the dates; ``pdftoppm -r 300`` + ``zbarimg`` must decode the Code128
barcode to exactly the dossier code (and the receipt's QR code to it too). No mocks.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import unicodedata
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from onestop_desktop.domain.dossier import DocumentItem, Status
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.errors import NotFoundError
from onestop_desktop.printing import fonts
from onestop_desktop.printing.common import (
    fmt_date,
    fmt_date_words,
    fmt_instant_words,
    money,
    place_date,
)
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import (
    IntakeRequest,
    advance,
    get_dossier,
    intake,
    reschedule,
)
from onestop_desktop.services.printing import (
    place_from_address,
    record_print,
    render_form,
    render_receipt,
    render_register,
)
from tests.conftest import CliRunner, FixedClock, vn

NAME = "Nguyễn Thị Ánh Tuyết"
OTHER = "Đặng Văn Hưởng"
ADDRESS = "Số 12 ngõ 34 phố Nguyễn Trãi, Phường Nhân Chính, Quận Thanh Xuân, Thành phố Hà Nội"
CCCD = "001190012345"
THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
COPY_FEE = "2.000635"  # Cấp bản sao trích lục hộ tịch: same day, 8.000 đ
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOCS = (
    DocumentItem("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)", 1, 0, 0),
    DocumentItem("Giấy tờ chứng minh đã ly hôn", 0, 1, 0, received=False),
    DocumentItem("Giấy tờ tùy thân của người yêu cầu (xuất trình)", 1, 0, 0),
)
RECEIVED = vn(2026, 1, 5, 8, 30)  # Monday
DUE_TEXT = "08/01/2026"  # 3 working days later (Thursday 17:00)

Pdf = Callable[[bytes], str]


# --------------------------------------------------------------------------- tools


def _run(*cmd: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(cmd, input=stdin, capture_output=True, check=True).stdout


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as ``pdftotext`` reads it, in NFC, runs of white space made one space
    (a table cell or a long line may wrap anywhere)."""
    text = _run("pdftotext", "-", "-", stdin=pdf).decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_info(pdf: bytes) -> dict[str, str]:
    """``pdfinfo`` fields."""
    out = _run("pdfinfo", "-", stdin=pdf).decode("utf-8")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def symbols(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(type, data) of every barcode ``zbarimg`` finds on the pages rendered at 300 dpi."""
    src = tmp_path / "scan.pdf"
    src.write_bytes(pdf)
    prefix = tmp_path / "scan"
    _run("pdftoppm", "-r", "300", "-png", str(src), str(prefix))
    found: list[tuple[str, str]] = []
    for png in sorted(tmp_path.glob("scan-*.png")):
        proc = subprocess.run(["zbarimg", "-q", str(png)], capture_output=True, check=False)
        for line in proc.stdout.decode("utf-8").splitlines():
            kind, _, data = line.partition(":")
            found.append((kind, data))
        png.unlink()
    return found


def printed_forms(db_path: Path) -> list[str]:
    """The ``form`` of every ``dossier.printed`` event, in order."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT payload FROM events WHERE type = 'dossier.printed' ORDER BY device_seq"
        ).fetchall()
    finally:
        conn.close()
    return [json.loads(p)["form"] for (p,) in rows]


def _intake(ws: Workstation, **kw: Any) -> str:
    req = IntakeRequest(
        procedure_code=kw.pop("procedure", THREE_DAYS),
        applicant_name=kw.pop("name", NAME),
        id_number=kw.pop("id_number", CCCD),
        phone=kw.pop("phone", "0912345678"),
        address=kw.pop("address", ADDRESS),
        email=kw.pop("email", "tuyet.nguyen@example.vn"),
        received_at=kw.pop("received_at", RECEIVED),
        documents=kw.pop("documents", DOCS),
        **kw,
    )
    return intake(ws, req).code


@pytest.fixture
def code(ws: Workstation) -> str:
    """A dossier received Monday 05/01/2026 08:30, one checklist item missing."""
    return _intake(ws)


def assert_common(text: str, code: str, *, name: str = NAME) -> None:
    """What every per-dossier form shows."""
    assert name in text
    assert NATION in text
    assert MOTTO in text
    assert code in text
    assert "05/01/2026" in text  # received
    assert DUE_TEXT in text  # appointment


def assert_barcode(pdf: bytes, code: str, tmp_path: Path) -> None:
    """The rendered page carries a Code128 barcode of exactly the dossier code."""
    codes = [data for kind, data in symbols(pdf, tmp_path) if kind == "CODE-128"]
    assert codes == [code]


# --------------------------------------------------------------------------- Mẫu 01


def test_receipt_is_one_page_with_text_barcode_and_qr(
    ws: Workstation, code: str, tmp_path: Path
) -> None:
    pdf = render_receipt(ws, code)
    assert pdf.startswith(b"%PDF")
    info = pdf_info(pdf)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("595.276 x 841.89")  # A4 portrait
    text = pdf_text(pdf)
    assert_common(text, code)
    for needle in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mẫu số 01",
        "UBND PHƯỜNG NHÂN CHÍNH",
        "BỘ PHẬN MỘT CỬA UBND",
        "Hà Nội, ngày 05 tháng 01 năm 2026",
        "Tiếp nhận hồ sơ của: Ông/Bà",
        "001*******45",  # the ID number, masked
        "0912 345 678",
        "tuyet.nguyen@example.vn",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "Tên giấy tờ",
        "Bản chính",
        "Bản sao",
        "Bản photo",
        "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)",
        "Số lượng hồ sơ: 01 bộ",
        "3 ngày làm việc",
        "08 giờ 30 phút, ngày 05 tháng 01 năm 2026",
        "17 giờ 00 phút, ngày 08 tháng 01 năm 2026",
        "Đăng ký nhận kết quả tại: Trực tiếp tại Bộ phận Một cửa UBND phường Nhân Chính",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 1.",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "giấy tờ tùy thân khi đến nhận kết quả",
    ):
        assert needle in text, needle
    # The missing item is not on the receipt (it goes on Mẫu 02).
    assert "Giấy tờ chứng minh đã ly hôn" not in text
    found = symbols(pdf, tmp_path)
    assert [d for k, d in found if k == "CODE-128"] == [code]
    assert [d for k, d in found if k == "QR-Code"] == [code]


def test_every_catalog_procedure_fits_the_receipt_on_one_page(ws: Workstation) -> None:
    conn = sqlite3.connect(ws.db.engine.url.database or "")
    try:
        procedures = [c for (c,) in conn.execute("SELECT code FROM procedures WHERE active")]
    finally:
        conn.close()
    assert len(procedures) >= 20
    for i, procedure in enumerate(procedures):
        code = _intake(
            ws,
            procedure=procedure,
            documents=None,  # the procedure's full checklist
            received_at=RECEIVED + timedelta(minutes=i),
            address="Số 123 ngách 45/67 ngõ 89 đường Nguyễn Trãi, Tổ dân phố 12, Phường "
            "Thanh Xuân Trung, Quận Thanh Xuân, Thành phố Hà Nội",
        )
        assert pdf_info(render_receipt(ws, code))["Pages"] == "1", procedure


def test_receipt_fee_money_and_register_number(ws: Workstation) -> None:
    first = _intake(ws, procedure=COPY_FEE, name=OTHER, documents=None)
    second = _intake(ws, procedure=COPY_FEE, received_at=RECEIVED + timedelta(minutes=5))
    text = pdf_text(render_receipt(ws, second))
    assert "8.000 đồng" in text
    assert "Trong ngày làm việc" in text
    assert "Số thứ tự: 2." in text
    assert "Số thứ tự: 1." in pdf_text(render_receipt(ws, first))


def test_receipt_embeds_the_bundled_font(ws: Workstation, code: str) -> None:
    pdf = render_receipt(ws, code)
    listing = _run("pdffonts", "-", stdin=pdf).decode("utf-8").splitlines()[2:]
    assert listing
    for line in listing:
        assert "LiberationSerif" in line
        assert " yes " in line  # embedded: prints right without the font installed
    folder = fonts.font_dir()
    for file in (*fonts.FONT_FILES.values(), fonts.LICENCE_FILE):
        assert (folder / file).is_file(), file
    assert "SIL OPEN FONT LICENSE" in (folder / fonts.LICENCE_FILE).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- Mẫu 02-05


def test_supplement_request_lists_the_missing_items(
    ws: Workstation, code: str, tmp_path: Path
) -> None:
    pdf = render_form(ws, "02", code, reason="Thiếu giấy tờ chứng minh tình trạng hôn nhân.")
    text = pdf_text(pdf)
    assert_common(text, code)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:" in text
    assert "Giấy tờ chứng minh đã ly hôn" in text
    assert "Tờ khai cấp Giấy xác nhận" not in text  # received items are not asked for
    assert "Thiếu giấy tờ chứng minh tình trạng hôn nhân." in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert_barcode(pdf, code, tmp_path)

    given = pdf_text(render_form(ws, "02", code, missing=["Sổ hộ khẩu (bản sao)"]))
    assert "Sổ hộ khẩu (bản sao)" in given
    assert "Giấy tờ chứng minh đã ly hôn" not in given


def test_supplement_request_takes_the_recorded_reason(ws: Workstation, code: str) -> None:
    advance(ws, code, Status.WAITING_SUPPLEMENT, at=vn(2026, 1, 5, 9), reason="Ảnh bị mờ.")
    assert "Lý do: Ảnh bị mờ." in pdf_text(render_form(ws, "02", code))


def test_supplement_request_with_nothing_missing_is_refused(ws: Workstation, db_path: Path) -> None:
    complete = _intake(ws, documents=[DOCS[0], DOCS[2]])
    with pytest.raises(ValidationError, match="Chưa có giấy tờ nào cần bổ sung"):
        render_form(ws, "02", complete)
    assert printed_forms(db_path) == []


def test_refusal_prints_the_reason(ws: Workstation, code: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="lý do từ chối"):
        render_form(ws, "03", code)
    advance(ws, code, Status.REFUSED, at=vn(2026, 1, 5, 10), reason="Không thuộc thẩm quyền.")
    pdf = render_form(ws, "03", code)
    text = pdf_text(pdf)
    assert_common(text, code)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert "thông báo không tiếp nhận, giải quyết hồ sơ" in text
    assert "Không thuộc thẩm quyền." in text
    assert_barcode(pdf, code, tmp_path)


def test_apology_keeps_the_original_date(ws: Workstation, code: str, clock: FixedClock) -> None:
    with pytest.raises(ValidationError, match="chưa được hẹn lại"):
        render_form(ws, "04", code)
    clock.now = vn(2026, 1, 8, 16)
    reschedule(ws, code, vn(2026, 1, 12, 17), "Cần xác minh thêm tại nơi cư trú trước đây")
    text = pdf_text(render_form(ws, "04", code))
    assert_common(text, code)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert f"Kính gửi: Ông/Bà {NAME}" in text
    assert "17 giờ 00 phút, ngày 08/01/2026" in text  # the original appointment
    assert "17 giờ 00 phút, ngày 12/01/2026" in text  # the new one
    assert "Cần xác minh thêm tại nơi cư trú trước đây" in text
    assert "Hà Nội, ngày 08 tháng 01 năm 2026" in text  # the day it is issued
    assert "THỦ TRƯỞNG CƠ QUAN" in text
    view = get_dossier(ws, code)
    assert view.due_at == vn(2026, 1, 8, 17)  # statistics keep the statutory date
    assert view.rescheduled_due_at == vn(2026, 1, 12, 17)


def test_control_sheet_has_one_row_per_hand_over(
    ws: Workstation, code: str, tmp_path: Path
) -> None:
    advance(ws, code, Status.IN_PROGRESS, at=vn(2026, 1, 5, 9))
    advance(ws, code, Status.RESOLVED, at=vn(2026, 1, 8, 16))
    advance(ws, code, Status.RETURNED, at=vn(2026, 1, 9, 8, 15), collected_by=OTHER)
    pdf = render_form(ws, "05", code)
    text = pdf_text(pdf)
    assert_common(text, code)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    for head in ("TÊN CƠ QUAN", "THỜI GIAN GIAO,", "KẾT QUẢ GIẢI", "GHI CHÚ"):
        assert head in text
    assert "09 giờ 00 phút, ngày 05/01/2026" in text
    assert "16 giờ 00 phút, ngày 08/01/2026" in text
    assert "08 giờ 15 phút, ngày 09/01/2026" in text
    assert text.count("Người giao") == 5  # three hand-overs + two blank rows to fill by hand
    assert text.count("Trước hạn") == 2  # in progress on the 5th; the header's legend
    assert "Đúng hạn" in text  # resolved on the due day
    assert "Quá hạn" in text  # returned the day after the due date
    assert f"Ông/Bà {OTHER}" in text
    assert "lĩnh vực Hộ tịch" in text
    assert_barcode(pdf, code, tmp_path)


def test_every_print_is_an_event(ws: Workstation, code: str, db_path: Path) -> None:
    render_receipt(ws, code)
    render_form(ws, "5", code)
    render_form(ws, "01", code)
    render_form(ws, "02", code)
    assert printed_forms(db_path) == ["01", "05", "01", "02"]
    conn = sqlite3.connect(db_path)
    try:
        count = conn.execute("SELECT print_count FROM dossiers WHERE code = ?", (code,)).fetchone()
    finally:
        conn.close()
    assert count == (4,)


def test_render_without_recording_then_record(ws: Workstation, code: str, db_path: Path) -> None:
    assert render_receipt(ws, code, record=False).startswith(b"%PDF")
    assert render_form(ws, "05", code, record=False).startswith(b"%PDF")
    assert printed_forms(db_path) == []
    record_print(ws, code, "5")
    assert printed_forms(db_path) == ["05"]


def test_unknown_form_or_code_is_refused(ws: Workstation, code: str, db_path: Path) -> None:
    with pytest.raises(ValidationError, match="Mẫu '06' không hợp lệ"):
        render_form(ws, "06", code)
    with pytest.raises(NotFoundError, match="Không tìm thấy hồ sơ"):
        render_receipt(ws, "000.01.09.H24-260105-9999")
    assert printed_forms(db_path) == []


# --------------------------------------------------------------------------- Mẫu 06


def test_register_lists_every_dossier_of_the_range(ws: Workstation, db_path: Path) -> None:
    before = _intake(ws, received_at=vn(2026, 1, 2, 10))
    inside = [
        _intake(ws, received_at=vn(2026, 1, 5, 8, 30)),
        _intake(ws, name=OTHER, received_at=vn(2026, 1, 6, 14)),
        _intake(ws, procedure=COPY_FEE, received_at=vn(2026, 1, 7, 9)),
    ]
    after = _intake(ws, received_at=vn(2026, 1, 8, 9))
    advance(ws, inside[0], Status.IN_PROGRESS, at=vn(2026, 1, 5, 10))
    advance(ws, inside[1], Status.REFUSED, at=vn(2026, 1, 6, 15), reason="Sai thẩm quyền")

    pdf = render_register(ws, vn(2026, 1, 5).date(), vn(2026, 1, 7).date())
    info = pdf_info(pdf)
    assert info["Page size"].startswith("841.89 x 595.276")  # A4 landscape
    text = pdf_text(pdf)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Mẫu số 06" in text
    assert "Từ ngày 05/01/2026 đến ngày 07/01/2026" in text
    assert NATION in text
    assert MOTTO in text
    for c in inside:
        assert c in text
    assert before not in text
    assert after not in text
    assert NAME in text
    assert OTHER in text
    assert "Từ chối: Sai thẩm quyền" in text
    assert "05/01/2026" in text
    # Numbered as in the year's volume: the dossier of 2 January is number 1.
    assert "Số thứ tự: 2." in pdf_text(render_receipt(ws, inside[0]))
    assert printed_forms(db_path) == ["01"]  # the register itself records nothing

    empty = pdf_text(render_register(ws, vn(2026, 2, 1).date(), vn(2026, 2, 2).date()))
    assert "Không có hồ sơ nào" in empty
    with pytest.raises(ValidationError):
        render_register(ws, vn(2026, 1, 7).date(), vn(2026, 1, 5).date())


def test_register_over_many_pages_repeats_its_header(ws: Workstation) -> None:
    codes = [_intake(ws, received_at=vn(2026, 1, 5, 8) + timedelta(minutes=i)) for i in range(30)]
    pdf = render_register(ws, vn(2026, 1, 5).date(), vn(2026, 1, 5).date())
    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 2
    text = pdf_text(pdf)
    assert all(c in text for c in codes)
    assert text.count("Nhận hồ sơ") == pages  # the column heads on every page
    assert f"Trang {pages}" in text


def test_dates_in_words_follow_decree_30() -> None:
    assert place_date("Hà Nội", vn(2026, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2026"
    assert fmt_date_words(vn(2026, 2, 9)) == "ngày 09 tháng 02 năm 2026"
    assert fmt_date_words(vn(2026, 3, 15)) == "ngày 15 tháng 3 năm 2026"
    assert fmt_date_words(vn(2026, 12, 1)) == "ngày 01 tháng 12 năm 2026"
    assert fmt_instant_words(vn(2026, 1, 5, 7, 5)) == "07 giờ 05 phút, ngày 05 tháng 01 năm 2026"
    # Instants are shown in Vietnam time whatever zone they come in.
    assert fmt_date(vn(2026, 1, 5, 6).astimezone(UTC)) == "05/01/2026"
    assert money(8000) == "8.000 đồng"
    assert money(1250000) == "1.250.000 đồng"


def test_place_of_the_date_line() -> None:
    assert place_from_address(ADDRESS) == "Hà Nội"
    assert place_from_address("Phường Hạc Thành, Tỉnh Thanh Hóa") == "Thanh Hóa"
    assert place_from_address("") == ""


# --------------------------------------------------------------------------- CLI


def test_cli_writes_the_pdfs(run_cli: CliRunner, tmp_path: Path, db_path: Path) -> None:
    rc, out, err = run_cli(
        "--json",
        "intake",
        "--procedure",
        THREE_DAYS,
        "--name",
        NAME,
        "--received-at",
        "2026-01-05T08:30",
    )
    assert (rc, err) == (0, "")
    code = json.loads(out)["code"]

    receipt = tmp_path / "receipt.pdf"
    rc, out, err = run_cli("receipt", code, "--out", str(receipt))
    assert (rc, err) == (0, "")
    assert str(receipt) in out
    assert NAME in pdf_text(receipt.read_bytes())

    form05 = tmp_path / "kiem-soat.pdf"
    rc, out, err = run_cli("--json", "print-form", "05", code, "--out", str(form05))
    assert (rc, err) == (0, "")
    assert json.loads(out)["form"] == "05"
    assert "PHIẾU KIỂM SOÁT" in pdf_text(form05.read_bytes())

    form03 = tmp_path / "tu-choi.pdf"
    rc, _, err = run_cli("print-form", "03", code, "--out", str(form03), "--reason", "Sai mẫu")
    assert (rc, err) == (0, "")
    assert "Sai mẫu" in pdf_text(form03.read_bytes())

    book = tmp_path / "so.pdf"
    rc, out, err = run_cli(
        "register", "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(book)
    )
    assert (rc, err) == (0, "")
    assert code in pdf_text(book.read_bytes())
    assert printed_forms(db_path) == ["01", "05", "03"]


def test_cli_unknown_code_exits_1_with_one_vietnamese_line(
    run_cli: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "none.pdf"
    for args in (
        ("receipt", "000.01.09.H24-260105-9999", "--out", str(target)),
        ("print-form", "02", "000.01.09.H24-260105-9999", "--out", str(target)),
    ):
        rc, out, err = run_cli(*args)
        assert rc == 1
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("Lỗi: Không tìm thấy hồ sơ có mã")
    assert not target.exists()

    rc, _, err = run_cli("print-form", "07", "X", "--out", str(target))
    assert rc == 2  # not a form: a usage error
    assert not list(tmp_path.glob("*.pdf*"))


def test_cli_unwritable_target_is_an_environment_fault_and_records_nothing(
    run_cli: CliRunner, tmp_path: Path, db_path: Path
) -> None:
    rc, out, _ = run_cli("--json", "intake", "--procedure", THREE_DAYS, "--name", NAME)
    code = json.loads(out)["code"]
    rc, out, err = run_cli("receipt", code, "--out", str(tmp_path / "no" / "such" / "dir.pdf"))
    assert rc == 3
    assert err.startswith("Lỗi môi trường: Không ghi được tệp")
    assert printed_forms(db_path) == []
