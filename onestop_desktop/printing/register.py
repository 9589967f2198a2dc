"""Mẫu 06: Sổ theo dõi hồ sơ (the register of dossiers received), A4 landscape."""

from __future__ import annotations

from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Spacer

from onestop_desktop.printing import common as c
from onestop_desktop.printing import fonts
from onestop_desktop.printing.model import RegisterInfo, RegisterRow

# A register is a wide ledger: narrower side margins than a letter so its 14 columns fit.
MARGINS = (15 * mm, 12 * mm, 15 * mm, 20 * mm)  # top, right, bottom, left
WIDTH = 297 * mm - MARGINS[1] - MARGINS[3]
CELL_SIZE = 8.5
# TT, code, procedure, sets, applicant, address/phone, agency, 5 dates, signature, note
COLUMNS = (11, 38, 25, 10, 25, 25, 19, 17, 17, 17, 17, 17, 14, 13)  # mm, sum = WIDTH


@cache
def _cell_styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    st = c.styles()
    size, lead = CELL_SIZE, CELL_SIZE * 1.2
    cell = ParagraphStyle("reg_cell", parent=st.cell, fontSize=size, leading=lead)
    center = ParagraphStyle("reg_center", parent=st.cell_center, fontSize=size, leading=lead)
    head = ParagraphStyle("reg_head", parent=st.head, fontSize=size, leading=lead)
    return cell, center, head


def _row(r: RegisterRow) -> list[object]:
    cell, center, _head = _cell_styles()
    contact = "<br/>".join(c.esc(x) for x in (r.address, r.phone) if x)
    return [
        c.para(str(r.number), center),
        c.para(c.esc(r.code), cell),
        c.para(c.esc(r.procedure_name), cell),
        c.para(f"{r.sets:02d}", center),
        c.para(c.esc(r.applicant_name), cell),
        c.para(contact, cell),
        c.para(c.esc(r.processing_unit), cell),
        c.para(c.fmt_date(r.received_at), center),
        c.para(c.fmt_date(r.due_at), center),
        c.para(c.fmt_date(r.sent_at), center),
        c.para(c.fmt_date(r.result_at), center),
        c.para(c.fmt_date(r.returned_at), center),
        c.para(c.esc(r.collected_by), cell),
        c.para(c.esc(r.note), cell),
    ]


def _table(info: RegisterInfo) -> Flowable:
    _cell, center, head = _cell_styles()

    def h(text: str) -> object:
        return c.para(text, head)

    top = [
        h("TT"),
        h("Mã hồ sơ"),
        h("Tên thủ tục hành chính"),
        h("Số<br/>lượng<br/>hồ sơ<br/>(bộ)"),
        h("Tên cá nhân, tổ chức"),
        h("Địa chỉ, số điện thoại"),
        h("Cơ quan chủ trì giải quyết"),
        h("Ngày, tháng, năm"),
        "",
        "",
        "",
        "",
        h("Ký nhận"),
        h("Ghi chú"),
    ]
    second = [
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        h("Nhận hồ sơ"),
        h("Hẹn trả kết quả"),
        h("Chuyển hồ sơ đến cơ quan giải quyết"),
        h("Nhận kết quả từ cơ quan giải quyết"),
        h("Trả kết quả cho cá nhân, tổ chức"),
        "",
        "",
    ]
    numbers = [c.para(f"({i})", center) for i in range(1, len(COLUMNS) + 1)]
    rows: list[list[object]] = [top, second, numbers]
    rows += [_row(r) for r in info.rows]
    spans: list[tuple[object, ...]] = [("SPAN", (i, 0), (i, 1)) for i in (*range(7), 12, 13)]
    spans.append(("SPAN", (7, 0), (11, 0)))
    if not info.rows:
        rows.append(
            [c.para("Không có hồ sơ nào được tiếp nhận trong khoảng thời gian này.", center)]
            + [""] * (len(COLUMNS) - 1)
        )
        spans.append(("SPAN", (0, 3), (-1, 3)))
    spans += [
        ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("TOPPADDING", (0, 2), (-1, 2), 0),
        ("BOTTOMPADDING", (0, 2), (-1, 2), 1),
    ]
    return c.grid_table(
        rows,
        [w * mm for w in COLUMNS],
        header_rows=3,
        extra=spans,
        long=True,
    )


def register(info: RegisterInfo) -> bytes:
    """Mẫu 06: the register of the dossiers received from ``date_from`` to ``date_to``."""
    period = (
        f"Từ ngày {c.fmt_date(info.date_from)} đến ngày {c.fmt_date(info.date_to)}"
        + (f" · Quyển số: {c.esc(info.book_volume)}" if info.book_volume else "")
        + f" · {len(info.rows)} hồ sơ"
    )
    story: list[Flowable] = [
        c.header(info.agency, issued_at=info.issued_at, width=WIDTH),
        *c.title("06", extra=period),
        Spacer(1, 1 * mm),
        _table(info),
    ]
    printed = c.fmt_instant(info.issued_at)

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 9)
        y = MARGINS[2] - 8 * mm
        canvas.drawString(MARGINS[3], y, c.nfc(f"{info.agency.name} · In lúc {printed}"))
        canvas.drawRightString(297 * mm - MARGINS[1], y, f"Trang {doc.page}")
        canvas.restoreState()

    return c.build_pdf(
        story,
        form="06",
        doc_title=f"{c.FORM_TITLES['06']} {c.fmt_date(info.date_from)} - "
        f"{c.fmt_date(info.date_to)}",
        author=info.agency.name,
        subject=c.FORM_CAPTIONS["06"],
        landscape_page=True,
        margins=MARGINS,
        on_page=on_page,
    )
