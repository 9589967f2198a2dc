"""The periodic report (Biểu II.06a/VPCP/KSTT) as a PDF table, A4 landscape.

Plain, already formatted data in (filled by services/report_export.py), PDF bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, Paragraph, Spacer

from onestop_desktop.printing import common as c
from onestop_desktop.printing import fonts
from onestop_desktop.printing.model import Agency

FORM_CAPTION = "Biểu II.06a/VPCP/KSTT"
TITLE = "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"

# A wide table: narrower margins than a letter (top, right, bottom, left).
MARGINS = (15 * mm, 12 * mm, 16 * mm, 18 * mm)
WIDTH = 297 * mm - MARGINS[1] - MARGINS[3]
CELL_SIZE = 9.0
#: STT, name, then columns (3)…(14) and the on-time rate (15), in mm; sum = WIDTH.
NUMBER_COL = 14.0
COLUMNS = (10.0, 72.0, *([NUMBER_COL] * 12), 17.0)

#: Row kinds: a level subtotal, a unit subtotal, a field row, the grand total.
KINDS = ("level", "unit", "field", "total")

_SHADES = {
    "total": colors.Color(0.85, 0.85, 0.85),
    "level": colors.Color(0.92, 0.92, 0.92),
    "unit": colors.Color(0.97, 0.97, 0.97),
}


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of the table: ``values`` are the 13 formatted cells (3)…(15)."""

    kind: str
    number: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportSheet:
    """Everything the report PDF prints, formatted."""

    agency: Agency
    issued_at: datetime
    period: str  # "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    scope: str  # "Phạm vi: toàn bộ đơn vị" …
    rows: tuple[ReportRow, ...]
    summary: tuple[str, ...] = ()  # rates, catalog shares (markup-safe text)
    definitions: tuple[str, ...] = ()
    as_of: str = ""  # "Số liệu tính đến 08:00 ngày 05/01/2026."
    notes: tuple[str, ...] = field(default_factory=tuple)  # sync caveats


@cache
def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    st = c.styles()
    size, lead = CELL_SIZE, CELL_SIZE * 1.2
    cell = ParagraphStyle("rp_cell", parent=st.cell, fontSize=size, leading=lead)
    num = ParagraphStyle("rp_num", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("rp_head", parent=st.head, fontSize=size, leading=lead)
    note = ParagraphStyle("rp_note", parent=st.small, fontSize=10, leading=12.5, spaceAfter=1)
    return cell, num, head, note


def _table(sheet: ReportSheet) -> Flowable:
    cell, num, head, _note = _styles()
    center = ParagraphStyle("rp_center", parent=cell, alignment=1)

    def h(text: str) -> Paragraph:
        return c.para(text, head)

    top = [
        h("STT"),
        h("Lĩnh vực, đơn vị"),
        h("Số hồ sơ nhận giải quyết"),
        "",
        "",
        "",
        h("Số hồ sơ đã giải quyết"),
        "",
        "",
        "",
        h("Số hồ sơ đang giải quyết"),
        "",
        "",
        h("Từ chối, rút hồ sơ"),
        h("Tỷ lệ đúng hạn"),
    ]
    second = [
        "",
        "",
        h("Tổng số"),
        h("Trực tuyến"),
        h("Trực tiếp, bưu chính"),
        h("Từ kỳ trước"),
        h("Tổng số"),
        h("Trước hạn"),
        h("Đúng hạn"),
        h("Quá hạn"),
        h("Tổng số"),
        h("Trong hạn"),
        h("Quá hạn"),
        "",
        "",
    ]
    numbers = [c.para(f"({i})", center) for i in range(1, len(COLUMNS) + 1)]
    rows: list[list[object]] = [top, second, numbers]
    extra: list[tuple[object, ...]] = [
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
        ("SPAN", (2, 0), (5, 0)),
        ("SPAN", (6, 0), (9, 0)),
        ("SPAN", (10, 0), (12, 0)),
        ("SPAN", (13, 0), (13, 1)),
        ("SPAN", (14, 0), (14, 1)),
        ("BACKGROUND", (0, 0), (-1, 2), colors.Color(0.93, 0.93, 0.93)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 2), (-1, 2), 0),
        ("BOTTOMPADDING", (0, 2), (-1, 2), 1),
        ("VALIGN", (0, 3), (-1, -1), "MIDDLE"),
    ]
    for r in sheet.rows:
        i = len(rows)
        bold = r.kind in ("level", "unit", "total")
        label = c.esc(r.label)
        if r.kind == "field":
            label = f"&nbsp;&nbsp;&nbsp;{label}"
        if bold:
            label = f"<b>{label}</b>"
        values = [c.para(f"<b>{v}</b>" if bold else v, num) for v in r.values]
        rows.append([c.para(c.esc(r.number), center), c.para(label, cell), *values])
        shade = _SHADES.get(r.kind)
        if shade is not None:
            extra.append(("BACKGROUND", (0, i), (-1, i), shade))
    if not sheet.rows:
        rows.append(
            [c.para("Không có hồ sơ nào trong kỳ báo cáo.", center)] + [""] * (len(COLUMNS) - 1)
        )
        extra.append(("SPAN", (0, 3), (-1, 3)))
    return c.grid_table(rows, [w * mm for w in COLUMNS], header_rows=3, extra=extra, long=True)


def report_pdf(sheet: ReportSheet) -> bytes:
    """Render the periodic report."""
    st = c.styles()
    _cell, _num, _head, note = _styles()
    story: list[Flowable] = [
        c.header(sheet.agency, issued_at=sheet.issued_at, width=WIDTH, unit_only=True),
        c.para(c.esc(c.upper(TITLE)), st.title),
        c.para(c.esc(sheet.period), st.subtitle),
        Spacer(1, 0.5 * mm),
    ]
    unit_line = f"{c.esc(sheet.scope)}" if sheet.scope else ""
    note_right = ParagraphStyle("rp_note_right", parent=note, alignment=TA_RIGHT)
    story.append(
        c.grid_table(
            [[c.para(unit_line, note), c.para("<i>Đơn vị tính: số hồ sơ</i>", note_right)]],
            [WIDTH * 0.7, WIDTH * 0.3],
            extra=[
                ("GRID", (0, 0), (-1, -1), 0, colors.white),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ],
        )
    )
    story.append(_table(sheet))
    story.append(Spacer(1, 2.5 * mm))
    for line in sheet.summary:
        story.append(c.para(line, note))
    if sheet.definitions:
        defs: list[Flowable] = [
            Spacer(1, 1.5 * mm),
            c.para("<b>Cách tính:</b>", note),
            *(c.para(f"– {d}", note) for d in sheet.definitions),
        ]
        story.append(KeepTogether(defs))
    tail = [sheet.as_of, *sheet.notes]
    story += [c.para(f"<i>{c.esc(t)}</i>", note) for t in tail if t]
    story.append(
        c.signatures(
            [
                ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", ""),
                ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)", ""),
            ],
            width=WIDTH,
            space=18 * mm,
        )
    )
    printed = c.fmt_instant(sheet.issued_at)
    agency_name = sheet.agency.parent_name or sheet.agency.name

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if doc.page == 1:
            canvas.setFont(fonts.BOLD, 10)
            canvas.drawRightString(
                297 * mm - MARGINS[1], 210 * mm - MARGINS[0] + 6 * mm, c.nfc(FORM_CAPTION)
            )
        canvas.setFont(fonts.ITALIC, 9)
        y = MARGINS[2] - 8 * mm
        canvas.drawString(
            MARGINS[3], y, c.nfc(f"{agency_name} · {sheet.period} · In lúc {printed}")
        )
        canvas.drawRightString(297 * mm - MARGINS[1], y, f"Trang {doc.page}")
        canvas.restoreState()

    return c.build_pdf(
        story,
        form="",
        doc_title=f"{TITLE} - {sheet.period}",
        author=agency_name,
        subject=FORM_CAPTION,
        landscape_page=True,
        margins=MARGINS,
        on_page=on_page,
    )


__all__ = ["FORM_CAPTION", "KINDS", "ReportRow", "ReportSheet", "report_pdf"]
