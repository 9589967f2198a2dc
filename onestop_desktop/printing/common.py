"""Shared layout of the forms: Vietnamese formatting, styles, header, barcode, QR, the document.

Layout follows Decree 30/2020 (A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; a
Times-metric serif) and the Circular 01/2018 forms (DOMAIN.md §2).
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import barcode
import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.printing import fonts
from onestop_desktop.printing.model import Agency

#: "Mẫu số …" captions. Circular 01/2018 numbering; Circular 03/2025 renumbers some forms,
#: so a deployment may change these (DOMAIN.md §2).
FORM_CAPTIONS: dict[str, str] = {
    "01": "Mẫu số 01",
    "02": "Mẫu số 02",
    "03": "Mẫu số 03",
    "04": "Mẫu số 04",
    "05": "Mẫu số 05",
    "06": "Mẫu số 06",
}

#: Titles of the forms (printed UPPER and bold).
FORM_TITLES: Mapping[str, str] = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "06": "Sổ theo dõi hồ sơ",
}

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
CREATOR = "OneStop Desktop"

# Decree 30/2020, Appendix I: margins and sizes.
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

BODY_SIZE = 13.0
TABLE_SIZE = 12.0
HEADER_LEFT_WIDTH = 72 * mm
HEADER_RIGHT_MAX = 100 * mm

#: Months written with a leading zero in dates in words (Decree 30/2020: January, February).
ZERO_PADDED_MONTHS: frozenset[int] = frozenset({1, 2})

_AMOUNT_D = re.compile(r"(\d[\d.]*)\s*đ\b")
_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


# --------------------------------------------------------------------------- text


def nfc(text: str) -> str:
    """Precomposed form: every Vietnamese letter is then one glyph of the font."""
    return unicodedata.normalize("NFC", text)


def esc(text: str | None) -> str:
    """User text made safe for Paragraph markup (``&``, ``<``, ``>``), in NFC."""
    return html.escape(nfc(text or ""), quote=False)


def upper(text: str) -> str:
    """Vietnamese upper case (``phường`` → ``PHƯỜNG``)."""
    return nfc(text).upper()


def local(at: datetime) -> datetime:
    """The instant in Vietnam time."""
    return at.astimezone(VN_TZ)


def fmt_date(value: datetime | date | None) -> str:
    """``05/01/2026`` (Vietnam time for instants); empty for None."""
    if value is None:
        return ""
    day = local(value).date() if isinstance(value, datetime) else value
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def fmt_date_words(value: datetime | date) -> str:
    """``ngày 05 tháng 01 năm 2026``, ``ngày 15 tháng 3 năm 2026``.

    Decree 30/2020 (Appendix I, II.5.b): a day below 10 and the months 1 and 2 take a leading
    zero (so that no digit can be added in front of them); see ``ZERO_PADDED_MONTHS``.
    """
    day = local(value).date() if isinstance(value, datetime) else value
    month = f"{day.month:02d}" if day.month in ZERO_PADDED_MONTHS else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def fmt_instant_words(at: datetime) -> str:
    """``08 giờ 30 phút, ngày 05 tháng 01 năm 2026``."""
    t = local(at)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, {fmt_date_words(t)}"


def fmt_instant(at: datetime) -> str:
    """``08 giờ 30 phút, ngày 05/01/2026``."""
    t = local(at)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, ngày {fmt_date(t)}"


def weekday(value: datetime | date) -> str:
    """``thứ Hai`` … ``Chủ nhật``."""
    day = local(value).date() if isinstance(value, datetime) else value
    return _WEEKDAYS[day.weekday()]


def place_date(place: str, value: datetime | date) -> str:
    """``Hà Nội, ngày 05 tháng 01 năm 2026`` (``Ngày 05 tháng …`` without a place)."""
    words = fmt_date_words(value)
    return f"{place}, {words}" if place else words[0].upper() + words[1:]


def nbsp(text: str) -> str:
    """Markup that keeps the words together on one line (``thứ Năm``)."""
    return esc(text).replace(" ", "&nbsp;")


def money(amount: int) -> str:
    """``8.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def fee_text(fee: int, note: str = "") -> str:
    """The fee line: ``8.000 đồng``, or the catalog's note when it states the amount itself
    (``8.000 đ/bản sao`` → ``8.000 đồng/bản sao``); ``Không thu phí, lệ phí`` when free."""
    if fee > 0:
        if note and money(fee).split()[0] in note:
            return _AMOUNT_D.sub(r"\1 đồng", note)
        return money(fee) + (f" ({note})" if note else "")
    return note or "Không thu phí, lệ phí"


def processing_time(days: int, unit: str) -> str:
    """``3 ngày làm việc``, ``Trong ngày làm việc``, ``4 giờ làm việc``, ``15 ngày``."""
    if unit == "working_hours":
        return f"{days} giờ làm việc"
    if unit == "calendar_days":
        return f"{days} ngày" if days else "Trong ngày"
    return f"{days} ngày làm việc" if days else "Trong ngày làm việc"


def count(n: int) -> str:
    """A count in a table cell: ``01`` … ``09``, ``12``; blank for none."""
    return f"{n:02d}" if n > 0 else ""


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True, slots=True)
class Styles:
    """The paragraph styles of the forms."""

    body: ParagraphStyle
    body_justify: ParagraphStyle
    letter: ParagraphStyle
    body_center: ParagraphStyle
    small: ParagraphStyle
    small_italic: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    head: ParagraphStyle
    header_left: ParagraphStyle
    header_left_bold: ParagraphStyle
    nation: ParagraphStyle
    motto: ParagraphStyle
    place_date: ParagraphStyle
    sign_title: ParagraphStyle
    sign_note: ParagraphStyle
    sign_name: ParagraphStyle


@cache
def styles() -> Styles:
    """The styles (built once the fonts are registered)."""
    fonts.ensure_fonts()

    def ps(name: str, **kw: Any) -> ParagraphStyle:
        base: dict[str, Any] = {
            "fontName": fonts.REGULAR,
            "fontSize": BODY_SIZE,
            "leading": BODY_SIZE * 1.16,
            "textColor": colors.black,
        }
        base.update(kw)
        return ParagraphStyle(name, **base)

    tsize = TABLE_SIZE
    return Styles(
        body=ps("body", spaceAfter=1.5),
        body_justify=ps("body_justify", alignment=TA_JUSTIFY, spaceAfter=1.5),
        # Running text of a letter: justified, first line indented (Decree 30/2020).
        letter=ps("letter", alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=4),
        body_center=ps("body_center", alignment=TA_CENTER),
        small=ps("small", fontSize=11, leading=13.5),
        small_italic=ps("small_italic", fontName=fonts.ITALIC, fontSize=11, leading=13.5),
        title=ps(
            "title",
            fontName=fonts.BOLD,
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            spaceBefore=6,
            spaceAfter=5,
        ),
        subtitle=ps(
            "subtitle", fontName=fonts.ITALIC, alignment=TA_CENTER, spaceAfter=6, leading=16
        ),
        cell=ps("cell", fontSize=tsize, leading=tsize * 1.2),
        cell_center=ps("cell_center", fontSize=tsize, leading=tsize * 1.2, alignment=TA_CENTER),
        head=ps(
            "head", fontName=fonts.BOLD, fontSize=tsize, leading=tsize * 1.2, alignment=TA_CENTER
        ),
        header_left=ps("header_left", fontSize=12, leading=14.5, alignment=TA_CENTER),
        header_left_bold=ps(
            "header_left_bold",
            fontName=fonts.BOLD,
            fontSize=12,
            leading=14.5,
            alignment=TA_CENTER,
        ),
        nation=ps("nation", fontName=fonts.BOLD, fontSize=12, leading=14.5, alignment=TA_CENTER),
        motto=ps("motto", fontName=fonts.BOLD, fontSize=13, leading=15.5, alignment=TA_CENTER),
        place_date=ps("place_date", fontName=fonts.ITALIC, alignment=TA_CENTER),
        sign_title=ps("sign_title", fontName=fonts.BOLD, alignment=TA_CENTER, leading=16),
        sign_note=ps(
            "sign_note", fontName=fonts.ITALIC, fontSize=12, leading=14, alignment=TA_CENTER
        ),
        sign_name=ps("sign_name", fontName=fonts.BOLD, alignment=TA_CENTER),
    )


@cache
def small_head() -> ParagraphStyle:
    """Column heads of dense tables (11 pt bold)."""
    return ParagraphStyle("small_head", parent=styles().head, fontSize=11, leading=13)


@cache
def small_cells() -> tuple[ParagraphStyle, ParagraphStyle]:
    """Cells of dense tables (11 pt): left-aligned and centred."""
    st = styles()
    return (
        ParagraphStyle("small_cell", parent=st.cell, fontSize=11, leading=13),
        ParagraphStyle("small_cell_center", parent=st.cell_center, fontSize=11, leading=13),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of (already escaped) markup."""
    return Paragraph(text, style)


def field_line(label: str, value: str | None, *, bold: bool = False, style: Any = None) -> Any:
    """``Label: value`` with the value escaped (and bold if asked); blank values stay blank."""
    v = esc(value)
    shown = f"<b>{v}</b>" if bold and v else v
    return Paragraph(f"{label} {shown}", style or styles().body)


# --------------------------------------------------------------------------- flowables


class HRule(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A horizontal rule of a given width, centred in the space it is given."""

    def __init__(self, width: float, thickness: float = 0.6, space: float = 2.0) -> None:
        super().__init__()
        self.rule_width = width
        self.thickness = thickness
        self.space = space
        self._avail = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:  # noqa: ARG002
        """Take the whole width so the rule can be centred."""
        self._avail = avail_width
        return avail_width, self.thickness + 2 * self.space

    def draw(self) -> None:
        """Draw the rule."""
        x = (self._avail - self.rule_width) / 2
        y = self.space + self.thickness / 2
        self.canv.setLineWidth(self.thickness)
        self.canv.line(x, y, x + self.rule_width, y)


def _dark_runs(bits: Iterable[int]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = -1
    i = -1
    for i, bit in enumerate(bits):
        if bit and start < 0:
            start = i
        elif not bit and start >= 0:
            runs.append((start, i - start))
            start = -1
    if start >= 0:
        runs.append((start, i + 1 - start))
    return runs


class Code128(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A Code128 barcode (python-barcode's encoding) drawn as vector bars.

    Vector bars print sharp at any resolution. The module is as wide as fits ``max_width``
    (with the 10-module quiet zones), at most ``max_module``.
    """

    QUIET = 10

    def __init__(
        self,
        value: str,
        *,
        max_width: float,
        height: float = 10 * mm,
        max_module: float = 0.26 * mm,
    ) -> None:
        super().__init__()
        modules: str = barcode.get("code128", value).build()[0]
        total = len(modules) + 2 * self.QUIET
        self.value = value
        self.module = min(max_module, max_width / total)
        self.width = total * self.module
        self.height = height
        self._runs = _dark_runs(1 if ch == "1" else 0 for ch in modules)
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:  # noqa: ARG002
        """Fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Draw the bars."""
        c = self.canv
        c.setFillColor(colors.black)
        x0 = self.QUIET * self.module
        for start, length in self._runs:
            c.rect(x0 + start * self.module, 0, length * self.module, self.height, 0, 1)


class QrCode(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A QR code (segno, error level M) drawn as vector modules, ``size`` wide and high."""

    def __init__(self, text: str, *, size: float = 24 * mm, border: int = 2) -> None:
        super().__init__()
        qr = segno.make(text, error="m", micro=False)
        self.matrix: tuple[bytearray, ...] = qr.matrix
        self.text = text
        self.size = size
        self.border = border
        self.module = size / (len(self.matrix) + 2 * border)
        self.width = self.height = size
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:  # noqa: ARG002
        """Fixed size."""
        return self.size, self.size

    def draw(self) -> None:
        """Draw the dark modules, one rectangle per horizontal run."""
        c = self.canv
        c.setFillColor(colors.black)
        m = self.module
        n = len(self.matrix)
        for row_index, row in enumerate(self.matrix):
            y = (n - 1 - row_index + self.border) * m
            for start, length in _dark_runs(row):
                c.rect((start + self.border) * m, y, length * m, m, 0, 1)


# --------------------------------------------------------------------------- blocks


def title(form: str, *, extra: str = "") -> list[Flowable]:
    """The form's title (UPPER, bold, centred) and an optional italic line under it."""
    out: list[Flowable] = [para(esc(upper(FORM_TITLES[form])), styles().title)]
    if extra:
        out.append(para(extra, styles().subtitle))
    return out


def header(
    agency: Agency,
    *,
    issued_at: datetime | date,
    code: str | None = None,
    with_barcode: bool = False,
    unit_only: bool = False,
    width: float = FRAME_WIDTH,
) -> Table:
    """The common two-column header.

    Left: the parent authority (UPPER) over the receiving unit (UPPER, bold, short rule), then
    ``Mã hồ sơ`` and the barcode. Right: the national name (UPPER, bold, 12 pt) over the motto
    (bold, 13 pt, a rule as long as the text), then the italic place and date. With
    ``unit_only`` the left column shows the parent authority alone, as the issuing agency.
    """
    st = styles()
    left_w = HEADER_LEFT_WIDTH
    right_w = width - left_w
    left: list[Flowable] = []
    if unit_only:
        unit = upper(agency.parent_name or agency.name)
        left.append(para(esc(unit), st.header_left_bold))
    else:
        if agency.parent_name:
            left.append(para(esc(upper(agency.parent_name)), st.header_left))
        unit = upper(agency.name)
        left.append(para(esc(unit), st.header_left_bold))
    unit_w = min(fonts.string_width(unit, fonts.BOLD, 12), left_w)
    left.append(HRule(max(unit_w * 0.4, 18 * mm)))
    motto_w = fonts.string_width(MOTTO, fonts.BOLD, 13)
    right: list[Flowable] = [
        para(NATION, st.nation),
        para(MOTTO, st.motto),
        HRule(motto_w),
    ]
    below_left: list[Flowable] = []
    if code:
        below_left.append(para(f"Mã hồ sơ: <b>{esc(code)}</b>", st.header_left))
        if with_barcode:
            below_left += [Spacer(1, 1.5 * mm), Code128(code, max_width=left_w - 2 * mm)]
    below_right = [para(esc(place_date(agency.place, issued_at)), st.place_date)]
    rows: list[list[Any]] = [[left, right], [below_left, below_right]]
    widths = [left_w, right_w]
    if right_w > HEADER_RIGHT_MAX:  # a landscape page: keep the national block to the right
        widths = [left_w, right_w - HEADER_RIGHT_MAX, HEADER_RIGHT_MAX]
        rows = [[r[0], "", r[1]] for r in rows]
    table = Table(
        rows,
        colWidths=widths,
        style=table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 3),
            ]
        ),
    )
    table.hAlign = "LEFT"
    return table


def table_style(commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A table style whose plain-string cells use the bundled font (never Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR), *commands])


def grid_table(
    rows: Sequence[Sequence[Any]],
    col_widths: Sequence[float],
    *,
    header_rows: int = 1,
    extra: Sequence[tuple[Any, ...]] = (),
    long: bool = False,
) -> Table:
    """A ruled table whose first ``header_rows`` rows repeat on every page."""
    from reportlab.platypus import LongTable  # noqa: PLC0415 - only long registers need it

    cls = LongTable if long else Table
    t = cls(rows, colWidths=list(col_widths), repeatRows=header_rows)
    t.setStyle(
        table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("VALIGN", (0, header_rows), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                *extra,
            ]
        )
    )
    t.hAlign = "LEFT"
    return t


def signatures(
    columns: Sequence[tuple[str, str, str]], *, width: float = FRAME_WIDTH, space: float = 22 * mm
) -> KeepTogether:
    """Signature columns: (TITLE, (note), printed name), side by side, kept on one page."""
    st = styles()
    cells = [
        [
            para(esc(t), st.sign_title),
            para(esc(note), st.sign_note),
            Spacer(1, space),
            para(esc(name), st.sign_name),
        ]
        for t, note, name in columns
    ]
    n = max(1, len(columns))
    t = Table(
        [cells],
        colWidths=[width / n] * n,
        style=table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    t.hAlign = "LEFT"
    return KeepTogether([Spacer(1, 3 * mm), t])


# --------------------------------------------------------------------------- the document


PageHook = Callable[[Canvas, BaseDocTemplate], None]


def build_pdf(
    story: list[Flowable],
    *,
    form: str,
    doc_title: str,
    author: str,
    subject: str = "",
    landscape_page: bool = False,
    margins: tuple[float, float, float, float] = (
        MARGIN_TOP,
        MARGIN_RIGHT,
        MARGIN_BOTTOM,
        MARGIN_LEFT,
    ),
    on_page: PageHook | None = None,
) -> bytes:
    """Lay the story out on A4 pages (portrait unless ``landscape_page``) and return the PDF.

    The form's ``Mẫu số …`` caption is drawn in the top margin of the first page, at the right.
    """
    fonts.ensure_fonts()
    size = landscape(A4) if landscape_page else A4
    top, right, bottom, left = margins
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=size,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=nfc(doc_title),
        author=nfc(author),
        subject=nfc(subject),
        creator=CREATOR,
        lang="vi-VN",
        initialFontName=fonts.REGULAR,
    )
    frame = Frame(
        left,
        bottom,
        size[0] - left - right,
        size[1] - top - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    caption_text = nfc(FORM_CAPTIONS.get(form, ""))
    page_w, page_h = size

    def decorate(canvas: Canvas, document: BaseDocTemplate) -> None:
        if caption_text and document.page == 1:
            canvas.saveState()
            canvas.setFont(fonts.ITALIC, 10)
            canvas.drawRightString(page_w - right, page_h - top + 5 * mm, caption_text)
            canvas.restoreState()
        if on_page is not None:
            on_page(canvas, document)

    template = PageTemplate(id="page", frames=[frame], onPage=decorate)
    doc.addPageTemplates([template])
    doc.build(story)
    return buf.getvalue()
