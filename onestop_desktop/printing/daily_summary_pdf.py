"""The supervisor's daily summary (A4 portrait): the day's figures, the queue's, the dossiers due
today, due on the next working day and overdue, the ratings recorded that day, a sign-off.

Plain, already formatted data in (filled by services/daily_summary.py), PDF bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
)

from onestop_desktop.printing import common as c
from onestop_desktop.printing import fonts
from onestop_desktop.printing.model import Agency

TITLE = "Báo cáo tổng hợp trong ngày"
CELL_SIZE = 9.5
WIDTH = c.FRAME_WIDTH
MARGINS = (c.MARGIN_TOP, c.MARGIN_RIGHT, c.MARGIN_BOTTOM, c.MARGIN_LEFT)
#: Dossier lists: TT, code, applicant, procedure, due, clerk (mm; sum = 165 = WIDTH).
LIST_COLUMNS = (8.0, 45.0, 31.0, 43.0, 19.0, 19.0)
#: Ratings: TT, code, applicant, rating, reason (mm).
RATING_COLUMNS = (8.0, 45.0, 31.0, 25.0, 56.0)
#: Queue: group or counter, then seven figures (mm; sum = 165 = WIDTH).
QUEUE_COLUMNS = (39.0, 18.0, 18.0, 18.0, 18.0, 18.0, 18.0, 18.0)


@dataclass(frozen=True, slots=True)
class SummaryDossier:
    """A dossier in one of the day's lists (display-ready strings)."""

    code: str
    applicant: str
    procedure: str
    due: str  # "05/01/2026 17:00" (printed on two lines)
    clerk: str
    note: str = ""  # e.g. "Hẹn lại 07/01/2026", "quá 3 ngày"


@dataclass(frozen=True, slots=True)
class SummaryList:
    """A titled list of dossiers; ``total`` may exceed the rows printed."""

    title: str
    rows: tuple[SummaryDossier, ...]
    total: int
    empty: str = "Không có hồ sơ."


@dataclass(frozen=True, slots=True)
class SummaryRating:
    """A rating recorded that day."""

    code: str
    applicant: str
    rating: str  # Rất hài lòng / Hài lòng / Không hài lòng
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """A group of the day's figures: title and (label, formatted value) pairs."""

    title: str
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A row of the queue table: ``kind`` is ``section`` (a sub-heading spanning the table,
    no values), ``row`` or ``total``; ``values`` follow ``DailySummaryInfo.queue_heads``."""

    kind: str
    label: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DailySummaryInfo:
    """Everything the daily summary prints."""

    agency: Agency
    day: date
    issued_at: datetime
    figures: tuple[FigureGroup, ...]
    lists: tuple[SummaryList, ...]
    ratings: tuple[SummaryRating, ...] = ()
    rating_summary: str = ""
    queue: str = "Chưa có dữ liệu hàng chờ."  # the day's queue in a sentence or two
    queue_heads: tuple[str, ...] = ()  # the seven figures' column heads
    queue_rows: tuple[QueueRow, ...] = ()  # per group and per counter; empty: no table
    notes: tuple[str, ...] = field(default_factory=tuple)  # figures' definitions, data as of


@cache
def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    st = c.styles()
    size, lead = CELL_SIZE, CELL_SIZE * 1.18
    cell = ParagraphStyle("ds_cell", parent=st.cell, fontSize=size, leading=lead)
    center = ParagraphStyle("ds_center", parent=cell, alignment=TA_CENTER)
    head = ParagraphStyle("ds_head", parent=st.head, fontSize=size, leading=lead)
    section = ParagraphStyle(
        "ds_section",
        parent=st.body,
        fontName=fonts.BOLD,
        fontSize=12,
        leading=15,
        spaceBefore=7,
        spaceAfter=3,
    )
    return cell, center, head, section


def _figures_table(groups: tuple[FigureGroup, ...]) -> Flowable:
    cell, center, head, _section = _styles()
    big = ParagraphStyle("ds_big", parent=center, fontName=fonts.BOLD, fontSize=12, leading=14)
    n = sum(len(g.items) for g in groups) or 1
    width = WIDTH / n
    top: list[object] = []
    labels: list[object] = []
    values: list[object] = []
    spans: list[tuple[object, ...]] = []
    col = 0
    for g in groups:
        top += [c.para(c.esc(g.title), head)] + [""] * (len(g.items) - 1)
        if len(g.items) > 1:
            spans.append(("SPAN", (col, 0), (col + len(g.items) - 1, 0)))
        for label, value in g.items:
            labels.append(c.para(c.esc(label), center))
            values.append(c.para(c.esc(value), big))
        col += len(g.items)
    spans += [
        ("BACKGROUND", (0, 0), (-1, 1), colors.Color(0.93, 0.93, 0.93)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 2), (-1, 2), 3),
        ("BOTTOMPADDING", (0, 2), (-1, 2), 4),
    ]
    _ = cell
    return c.grid_table([top, labels, values], [width] * n, header_rows=2, extra=spans)


#: Body cells that fit on one line are plain strings drawn in this font (a Paragraph costs a
#: wrap per layout pass and a draw: ≈ 0.1 ms a cell, most of a 700-row summary's render).
_PLAIN_STYLE = (
    ("FONTNAME", (0, 1), (-1, -1), fonts.REGULAR),
    ("FONTSIZE", (0, 1), (-1, -1), CELL_SIZE),
    ("LEADING", (0, 1), (-1, -1), CELL_SIZE * 1.18),
)
_PAD = 6.0  # left + right cell padding (common.grid_table)


def _cell(text: str, width_mm: float, style: ParagraphStyle) -> object:
    """``text`` as a plain string when it fits the column on one line, else a Paragraph."""
    lines = text.split("\n")
    room = width_mm * mm - _PAD
    if all(stringWidth(line, fonts.REGULAR, CELL_SIZE) <= room for line in lines):
        return text
    return c.para("<br/>".join(c.esc(line) for line in lines), style)


def _list_table(lst: SummaryList) -> list[Flowable]:
    cell, center, head, section = _styles()
    right = ParagraphStyle("ds_right", parent=cell, alignment=TA_RIGHT)
    title = f"{c.esc(lst.title)} ({lst.total} hồ sơ)"
    out: list[Flowable] = [CondPageBreak(30 * mm), c.para(title, section)]
    if not lst.rows:
        out.append(c.para(f"<i>{c.esc(lst.empty)}</i>", cell))
        return out
    rows: list[list[object]] = [
        [
            c.para("TT", head),
            c.para("Mã hồ sơ", head),
            c.para("Người nộp", head),
            c.para("Thủ tục", head),
            c.para("Hạn trả", head),
            c.para("Cán bộ tiếp nhận", head),
        ]
    ]
    w = LIST_COLUMNS
    for i, r in enumerate(lst.rows, start=1):
        due = "\n".join([*r.due.split(" ", 1), *([r.note] if r.note else [])])
        rows.append(
            [
                str(i),
                _cell(r.code, w[1], cell),
                _cell(r.applicant, w[2], cell),
                _cell(r.procedure, w[3], cell),
                _cell(due, w[4], center),
                _cell(r.clerk, w[5], cell),
            ]
        )
    extra = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        *_PLAIN_STYLE,
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (4, 1), (4, -1), "CENTER"),
    ]
    out.append(c.grid_table(rows, [w * mm for w in LIST_COLUMNS], extra=extra, long=True))
    if lst.total > len(lst.rows):
        more = lst.total - len(lst.rows)
        out.append(c.para(f"<i>… và {more} hồ sơ khác (xem danh sách trên máy).</i>", right))
    return out


def _ratings(info: DailySummaryInfo, number: int) -> list[Flowable]:
    cell, center, head, section = _styles()
    out: list[Flowable] = [
        CondPageBreak(30 * mm),
        c.para(f"{number}. Đánh giá của công dân trong ngày ({len(info.ratings)} lượt)", section),
    ]
    if info.rating_summary:
        out.append(c.para(c.esc(info.rating_summary), cell))
        out.append(Spacer(1, 1.5 * mm))
    if not info.ratings:
        out.append(c.para("<i>Không có đánh giá nào được ghi nhận trong ngày.</i>", cell))
        return out
    rows: list[list[object]] = [
        [
            c.para("TT", head),
            c.para("Mã hồ sơ", head),
            c.para("Người nộp", head),
            c.para("Mức đánh giá", head),
            c.para("Lý do", head),
        ]
    ]
    w = RATING_COLUMNS
    for i, r in enumerate(info.ratings, start=1):
        rows.append(
            [
                str(i),
                _cell(r.code, w[1], cell),
                _cell(r.applicant, w[2], cell),
                _cell(r.rating, w[3], center),
                _cell(r.reason, w[4], cell),
            ]
        )
    extra = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        *_PLAIN_STYLE,
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"),
    ]
    out.append(c.grid_table(rows, [w * mm for w in RATING_COLUMNS], extra=extra, long=True))
    return out


def _queue(info: DailySummaryInfo, number: int) -> list[Flowable]:
    cell, _center, head, section = _styles()
    out: list[Flowable] = [
        c.para(f"{number}. Hàng chờ", section),
        c.para(c.esc(info.queue), cell),
    ]
    if not info.queue_rows:
        return out
    out.append(Spacer(1, 1.5 * mm))
    rows: list[list[object]] = [
        [c.para("Nhóm dịch vụ / quầy", head), *(c.para(h, head) for h in info.queue_heads)]
    ]
    extra: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        *_PLAIN_STYLE,
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
    for r in info.queue_rows:
        i = len(rows)
        if r.kind == "section":
            rows.append([c.para(f"<i>{c.esc(r.label)}</i>", cell)] + [""] * len(info.queue_heads))
            extra += [
                ("SPAN", (0, i), (-1, i)),
                ("BACKGROUND", (0, i), (-1, i), colors.Color(0.97, 0.97, 0.97)),
            ]
            continue
        rows.append([_cell(r.label, QUEUE_COLUMNS[0], cell), *r.values])
        if r.kind == "total":
            extra.append(("FONTNAME", (0, i), (-1, i), fonts.BOLD))
    out.append(c.grid_table(rows, [w * mm for w in QUEUE_COLUMNS], extra=extra))
    return out


def daily_summary(info: DailySummaryInfo) -> bytes:
    """Render the daily summary."""
    st = c.styles()
    cell, _center, _head, section = _styles()
    day_text = f"{c.weekday(info.day).capitalize()}, {c.fmt_date_words(info.day)}"
    story: list[Flowable] = [
        c.header(info.agency, issued_at=info.issued_at),
        c.para(c.esc(c.upper(TITLE)), st.title),
        c.para(c.esc(day_text), st.subtitle),
        c.para("1. Số liệu trong ngày", section),
        _figures_table(info.figures),
    ]
    for note in info.notes:
        story.append(Paragraph(f"<i>{c.esc(note)}</i>", cell))
    # The queue is part of the day's figures: right after them, on the first page.
    story += _queue(info, 2)
    for i, lst in enumerate(info.lists, start=3):
        story += _list_table(SummaryList(f"{i}. {lst.title}", lst.rows, lst.total, lst.empty))
    story += _ratings(info, len(info.lists) + 3)
    story.append(
        c.signatures(
            [
                ("NGƯỜI LẬP", "(Ký, ghi rõ họ tên)", ""),
                ("LÃNH ĐẠO", "(Ký, ghi rõ họ tên)", ""),
            ],
            space=18 * mm,
        )
    )
    issued = c.local(info.issued_at)
    printed = f"{issued:%H:%M} {c.fmt_date(issued)}"
    page_w = c.PAGE_WIDTH

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 9)
        y = MARGINS[2] - 9 * mm
        footer = f"{info.agency.name} · Ngày {c.fmt_date(info.day)} · In lúc {printed}"
        canvas.drawString(MARGINS[3], y, c.nfc(footer))
        canvas.drawRightString(page_w - MARGINS[1], y, f"Trang {doc.page}")
        canvas.restoreState()

    return c.build_pdf(
        story,
        form="",
        doc_title=f"{TITLE} {c.fmt_date(info.day)}",
        author=info.agency.name,
        subject=TITLE,
        margins=MARGINS,
        on_page=on_page,
    )


__all__ = [
    "DailySummaryInfo",
    "FigureGroup",
    "QueueRow",
    "SummaryDossier",
    "SummaryList",
    "SummaryRating",
    "daily_summary",
]
