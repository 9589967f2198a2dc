"""The per-dossier forms of Circular 01/2018 (Mẫu 01-05) as PDF bytes.

Each function takes plain data (:mod:`onestop_desktop.printing.model`) and returns a complete
PDF. Wording follows the official forms; see DOMAIN.md §2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from onestop_desktop.domain.dossier import Resolution
from onestop_desktop.printing import common as c
from onestop_desktop.printing.model import Applicant, DocumentLine, DossierInfo, HandOver

RESULT_LABELS: Mapping[Resolution, str] = {
    Resolution.EARLY: "Trước hạn",
    Resolution.ON_TIME: "Đúng hạn",
    Resolution.LATE: "Quá hạn",
}

SIGN_NOTE = "(Ký và ghi rõ họ tên)"
#: Rows of the control sheet printed in total at least, blank ones to be filled by hand.
CONTROL_SHEET_MIN_ROWS = 5


def _author(d: DossierInfo) -> str:
    return d.agency.name


def _doc_title(form: str, code: str) -> str:
    return f"{c.FORM_TITLES[form]} - {code}"


def _applicant_block(a: Applicant, *, label: str, with_id: bool = True) -> list[Flowable]:
    st = c.styles()
    out: list[Flowable] = [c.para(f"{label} Ông/Bà <b>{c.esc(a.name)}</b>", st.body)]
    if with_id and a.id_number:
        out.append(c.field_line("Số định danh cá nhân:", a.id_number))
    out.append(c.field_line("Địa chỉ:", a.address))
    contact = f"Số điện thoại: {c.esc(a.phone)}"
    if a.email:
        contact += f"{'&nbsp;' * 8}Email: {c.esc(a.email)}"
    out.append(c.para(contact, st.body))
    return out


def _request_line(d: DossierInfo) -> Flowable:
    name = c.esc(d.procedure.name)
    return c.para(f"Nội dung yêu cầu giải quyết: <b>{name}</b>", c.styles().body)


def _dossier_dates(d: DossierInfo) -> Flowable:
    return c.para(
        f"Ngày tiếp nhận hồ sơ: {c.fmt_date(d.received_at)}; "
        f"ngày hẹn trả kết quả: {c.fmt_date(d.due_at)}.",
        c.styles().body,
    )


def _documents_table(docs: Sequence[DocumentLine]) -> Table:
    st = c.styles()
    w_num, w_count = 10 * mm, 16 * mm
    w_name = c.FRAME_WIDTH - w_num - 3 * w_count
    rows: list[list[object]] = [
        [
            c.para("TT", st.head),
            c.para("Tên giấy tờ", st.head),
            c.para("Bản chính", st.head),
            c.para("Bản sao", st.head),
            c.para("Bản photo", st.head),
        ]
    ]
    for i, doc in enumerate(docs, start=1):
        rows.append(
            [
                c.para(str(i), st.cell_center),
                c.para(c.esc(doc.name), st.cell),
                c.para(c.count(doc.originals), st.cell_center),
                c.para(c.count(doc.certified_copies), st.cell_center),
                c.para(c.count(doc.photocopies), st.cell_center),
            ]
        )
    if not docs:
        rows.append(["", c.para("(không có)", st.cell), "", "", ""])
    return c.grid_table(rows, [w_num, w_name, w_count, w_count, w_count])


def _one_signature(title: str, note: str, name: str) -> Flowable:
    """A single signature block in the right half, as the official forms place it."""
    return c.signatures([("", "", ""), (title, note, name)])


def _footer_with_qr(d: DossierInfo) -> Flowable:
    st = c.styles()
    qr = c.QrCode(d.qr_text or d.code, size=18 * mm)
    contact = f", hoặc gọi số điện thoại {c.esc(d.agency.phone)}" if d.agency.phone.strip() else ""
    text: list[Flowable] = [
        c.para(f"Mã hồ sơ: <b>{c.esc(d.code)}</b>", st.small),
        c.para(
            f"Ngày nhận: {c.fmt_date(d.received_at)}{'&nbsp;' * 4}Ngày hẹn trả kết quả: "
            f"<b>{c.fmt_date(d.due_at)}</b> ({c.nbsp(c.weekday(d.due_at))})",
            st.small,
        ),
        c.para(
            "<i>Ghi chú:</i> Ông/Bà vui lòng mang theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
            "này cùng giấy tờ tùy thân khi đến nhận kết quả. Tra cứu tình trạng hồ sơ: quét mã "
            f"QR bên cạnh tại quầy hoặc trên Cổng Dịch vụ công{contact}.",
            st.small,
        ),
    ]
    t = Table(
        [[qr, text]],
        colWidths=[22 * mm, c.FRAME_WIDTH - 22 * mm],
        style=c.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    t.hAlign = "LEFT"
    return KeepTogether([Spacer(1, 2 * mm), t])


# --------------------------------------------------------------------------- Mẫu 01


def receipt(d: DossierInfo) -> bytes:
    """Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (receipt and appointment)."""
    st = c.styles()
    p = d.procedure
    book = ""
    if d.book_volume or d.book_number is not None:
        number = "" if d.book_number is None else str(d.book_number)
        book = f"Vào Sổ theo dõi hồ sơ, Quyển số: {c.esc(d.book_volume)}, Số thứ tự: {number}."
    story: list[Flowable] = [
        c.header(d.agency, issued_at=d.received_at, code=d.code, with_barcode=True),
        *c.title("01"),
        *_applicant_block(d.applicant, label="Tiếp nhận hồ sơ của:"),
        _request_line(d),
        c.para("1. Thành phần hồ sơ nộp gồm:", st.body),
        _documents_table(d.documents),
        Spacer(1, 2 * mm),
        c.para(f"2. Số lượng hồ sơ: {d.sets:02d} bộ.", st.body),
        c.para(
            "3. Thời gian giải quyết hồ sơ theo quy định: "
            f"{c.processing_time(p.processing_days, p.time_unit)}.",
            st.body,
        ),
        c.para(f"4. Thời gian nhận hồ sơ: {c.fmt_instant_words(d.received_at)}.", st.body),
        c.para(
            f"5. Thời gian trả kết quả giải quyết hồ sơ: <b>{c.fmt_instant_words(d.due_at)}</b>.",
            st.body,
        ),
        c.para(f"6. Đăng ký nhận kết quả tại: {c.esc(d.return_place)}.", st.body),
        c.para(f"7. Phí, lệ phí: {c.esc(c.fee_text(p.fee, p.fee_note))}.", st.body),
    ]
    if book:
        story.append(c.para(book, st.body))
    story += [
        c.signatures(
            [
                ("NGƯỜI NỘP HỒ SƠ", SIGN_NOTE, d.applicant.name),
                ("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_NOTE, d.clerk_name),
            ],
            space=15 * mm,
        ),
        _footer_with_qr(d),
    ]
    return c.build_pdf(
        story,
        form="01",
        doc_title=_doc_title("01", d.code),
        author=_author(d),
        subject=f"{c.FORM_CAPTIONS['01']} - {d.applicant.name}",
    )


# --------------------------------------------------------------------------- Mẫu 02


def supplement_request(d: DossierInfo, missing: Sequence[DocumentLine], reason: str) -> bytes:
    """Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (asked once, in full)."""
    st = c.styles()
    phone = f", số điện thoại {c.esc(d.agency.phone)}" if d.agency.phone.strip() else ""
    story: list[Flowable] = [
        c.header(d.agency, issued_at=d.issued_at, code=d.code, with_barcode=True),
        *c.title("02"),
        *_applicant_block(d.applicant, label="Hồ sơ của:", with_id=False),
        _request_line(d),
        _dossier_dates(d),
        c.para("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:", st.body),
        _documents_table(missing),
        Spacer(1, 2 * mm),
        c.para(f"Lý do: {c.esc(reason)}", st.body_justify),
        c.para(
            "Thời gian chờ bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết; "
            "ngày hẹn trả kết quả được tính lại khi nhận đủ hồ sơ.",
            st.body_justify,
        ),
        c.para(
            "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ "
            f"{c.esc(d.agency.name)}{phone} để được hướng dẫn; tra cứu tình trạng hồ sơ "
            f"bằng mã hồ sơ {c.esc(d.code)}.",
            st.body_justify,
        ),
        _one_signature("NGƯỜI HƯỚNG DẪN", SIGN_NOTE, d.clerk_name),
    ]
    return c.build_pdf(
        story,
        form="02",
        doc_title=_doc_title("02", d.code),
        author=_author(d),
        subject=f"{c.FORM_CAPTIONS['02']} - {d.applicant.name}",
    )


# --------------------------------------------------------------------------- Mẫu 03


def refusal(d: DossierInfo, reason: str) -> bytes:
    """Mẫu 03: Phiếu từ chối tiếp nhận, giải quyết hồ sơ, with the reason."""
    st = c.styles()
    story: list[Flowable] = [
        c.header(d.agency, issued_at=d.issued_at, code=d.code, with_barcode=True),
        *c.title("03"),
        *_applicant_block(d.applicant, label="Hồ sơ của:", with_id=False),
        _request_line(d),
        _dossier_dates(d),
        c.para(
            f"Qua xem xét, {c.esc(d.agency.name)} thông báo không tiếp nhận, giải quyết hồ sơ "
            "này với lý do cụ thể như sau:",
            st.body_justify,
        ),
        c.para(f"<b>{c.esc(reason)}</b>", st.body_justify),
        c.para("Xin thông báo để Ông/Bà biết và thực hiện./.", st.body),
        _one_signature("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN_NOTE, d.clerk_name),
    ]
    return c.build_pdf(
        story,
        form="03",
        doc_title=_doc_title("03", d.code),
        author=_author(d),
        subject=f"{c.FORM_CAPTIONS['03']} - {d.applicant.name}",
    )


# --------------------------------------------------------------------------- Mẫu 04


def apology(
    d: DossierInfo, *, original_due_at: datetime, new_due_at: datetime, reason: str
) -> bytes:
    """Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả, issued by the processing agency.

    The original appointment is printed as given on the receipt; statistics keep it.
    """
    st = c.styles()
    issuer = c.esc(d.agency.parent_name or d.agency.name)
    name = c.esc(d.applicant.name)
    story: list[Flowable] = [
        c.header(d.agency, issued_at=d.issued_at, code=d.code, unit_only=True),
        *c.title("04"),
        c.para(f"Kính gửi: Ông/Bà <b>{name}</b>", st.body_center),
        Spacer(1, 3 * mm),
        c.para(
            f"Ngày {c.fmt_date(d.received_at)}, {issuer} tiếp nhận giải quyết hồ sơ của "
            f"Ông/Bà đề nghị giải quyết thủ tục <b>{c.esc(d.procedure.name)}</b>.",
            st.letter,
        ),
        c.para(f"Mã hồ sơ: <b>{c.esc(d.code)}</b>.", st.letter),
        c.para(
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {c.fmt_instant(original_due_at)}.",
            st.letter,
        ),
        c.para(
            f"Tuy nhiên đến nay, {issuer} chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời "
            "hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, lý do: "
            f"{c.esc(reason)}.",
            st.letter,
        ),
        c.para(
            f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {issuer} xin lỗi Ông/Bà và sẽ trả kết "
            f"quả giải quyết hồ sơ cho Ông/Bà vào <b>{c.fmt_instant(new_due_at)}</b> "
            f"({c.nbsp(c.weekday(new_due_at))}).",
            st.letter,
        ),
        c.para("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.", st.letter),
        _one_signature("THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ""),
    ]
    return c.build_pdf(
        story,
        form="04",
        doc_title=_doc_title("04", d.code),
        author=d.agency.parent_name or d.agency.name,
        subject=f"{c.FORM_CAPTIONS['04']} - {d.applicant.name}",
    )


# --------------------------------------------------------------------------- Mẫu 05


def _time_cell(at: datetime | None) -> list[Flowable]:
    st = c.styles()
    _cell, center = c.small_cells()
    when = c.fmt_instant(at) if at is not None else "… giờ … phút, ngày …/…/……"
    signs = Table(
        [[c.para("Người giao", st.sign_note), c.para("Người nhận", st.sign_note)]],
        colWidths=[25 * mm, 25 * mm],
        rowHeights=[13 * mm],
        style=c.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        ),
    )
    return [c.para(when, center), signs]


def control_sheet(d: DossierInfo, hand_overs: Sequence[HandOver]) -> bytes:
    """Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ, one row per hand-over.

    Rows beyond the recorded hand-overs are left blank to be filled in by hand.
    """
    st = c.styles()
    a = d.applicant
    head = c.small_head()
    cell, center = c.small_cells()
    rows: list[list[object]] = [
        [
            c.para("TÊN CƠ QUAN", head),
            c.para("THỜI GIAN GIAO,<br/>NHẬN HỒ SƠ", head),
            c.para(
                "KẾT QUẢ GIẢI QUYẾT HỒ SƠ<br/><i>(Trước hạn/đúng hạn/quá hạn)</i>",
                head,
            ),
            c.para("GHI CHÚ", head),
        ]
    ]
    for h in hand_overs:
        rows.append(
            [
                c.para(f"1. Giao: {c.esc(h.giver)}<br/>2. Nhận: {c.esc(h.receiver)}", cell),
                _time_cell(h.at),
                c.para(RESULT_LABELS[h.result] if h.result else "", center),
                c.para(c.esc(h.note), cell),
            ]
        )
    for _ in range(max(0, CONTROL_SHEET_MIN_ROWS - len(hand_overs))):
        rows.append([c.para("1. Giao: …<br/>2. Nhận: …", cell), _time_cell(None), "", ""])
    widths = [50 * mm, 56 * mm, 30 * mm, c.FRAME_WIDTH - 136 * mm]
    story: list[Flowable] = [
        c.header(d.agency, issued_at=d.issued_at, code=d.code, with_barcode=True),
        *c.title("05", extra="(Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả)"),
        c.para(f"Người nộp hồ sơ: Ông/Bà <b>{c.esc(a.name)}</b>", st.body),
        c.field_line("Địa chỉ:", a.address),
        _request_line(d),
        c.para(f"Thời gian tiếp nhận: {c.fmt_instant(d.received_at)}.", st.body),
        c.para(f"Thời gian hẹn trả kết quả: <b>{c.fmt_instant(d.due_at)}</b>.", st.body),
        c.field_line("Cơ quan (bộ phận) giải quyết hồ sơ:", d.processing_unit),
        c.para("Cơ quan phối hợp giải quyết hồ sơ: ……………………………………………", st.body),
        Spacer(1, 1 * mm),
        c.grid_table(rows, widths),
    ]
    return c.build_pdf(
        story,
        form="05",
        doc_title=_doc_title("05", d.code),
        author=_author(d),
        subject=f"{c.FORM_CAPTIONS['05']} - {a.name}",
    )
