"""The printed queue ticket (DOMAIN.md §8): an 80 mm thermal receipt and an A6 PDF.

Cheap thermal printers garble Vietnamese in their text mode, so the receipt is an image:
black on white, drawn with the bundled Liberation Serif without anti-aliasing (a 1-bit image
that any ESC/POS raster command or printer driver prints as is). 576 dots are the 72 mm
printable width of an 80 mm printer at 203 dpi. The A6 PDF has the same content, with the QR
code drawn as vector modules.

Content, centred: office name, ``PHIẾU SỐ THỨ TỰ``, the number, the service group, an
``ƯU TIÊN`` mark for a priority ticket, the issue time (Vietnam time), the people ahead, the
estimated wait, the QR code to look up the queue and a footer.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import segno
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Frame,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)
from reportlab.platypus.doctemplate import BaseDocTemplate

from onestop_desktop.domain.calendar import to_vn
from onestop_desktop.domain.queue import Ticket
from onestop_desktop.printing import common as c
from onestop_desktop.printing import fonts

__all__ = [
    "THERMAL_DPI",
    "THERMAL_MARGIN_PX",
    "THERMAL_WIDTH_PX",
    "TicketText",
    "qr_payload_for",
    "render_ticket_image",
    "thermal_font",
    "ticket_pdf_a6",
    "ticket_png",
    "ticket_text",
    "wrap_text",
]

#: Dots per line of an 80 mm thermal printer (72 mm printable at 203 dpi).
THERMAL_WIDTH_PX = 576
THERMAL_DPI = 203
#: White space left and right of everything printed on the receipt.
THERMAL_MARGIN_PX = 16

TITLE = "PHIẾU SỐ THỨ TỰ"
PRIORITY = "ƯU TIÊN"
SCAN_HINT = "Quét mã để xem lượt chờ"
FOOTER = "Vui lòng giữ phiếu và chờ gọi số"

_BLACK = 0
_WHITE = 1


# --------------------------------------------------------------------------- content


def qr_payload_for(ticket: Ticket, lookup_url: str | None) -> str:
    """What the ticket's QR code holds: the lookup page of the ticket when the office publishes
    one (``{lookup_url}/q/{id}``), else a plain record ``ONESTOP|office|day|number|id``."""
    if lookup_url:
        return f"{lookup_url.rstrip('/')}/q/{ticket.id}"
    return f"ONESTOP|{ticket.office_code}|{ticket.day.isoformat()}|{ticket.number}|{ticket.id}"


@dataclass(frozen=True, slots=True)
class TicketText:
    """The printed wording of one ticket (both layouts print the same)."""

    office: str
    number: str
    group: str
    priority: bool
    issued: str  # "05/01/2026 08:30", Vietnam time
    ahead_label: str  # "Số người chờ trước bạn: " (empty when unknown)
    ahead_value: str  # "4"
    wait: str  # "Thời gian chờ dự kiến: khoảng 20 phút", "Đến lượt ngay" or ""


def ticket_text(ticket: Ticket, office_name: str) -> TicketText:
    """The lines of a ticket, in NFC; unknown people-ahead and wait figures print nothing."""
    t = to_vn(ticket.issued_at)
    ahead = ticket.people_ahead
    if ticket.wait_minutes is None:
        wait = ""
    elif ticket.wait_minutes <= 0:
        wait = "Đến lượt ngay"
    else:
        wait = f"Thời gian chờ dự kiến: khoảng {ticket.wait_minutes} phút"
    return TicketText(
        office=c.upper(office_name.strip()),
        number=c.nfc(ticket.number),
        group=c.nfc(ticket.group_name.strip()),
        priority=ticket.priority,
        issued=f"{t:%d/%m/%Y %H:%M}",
        ahead_label="" if ahead is None else "Số người chờ trước bạn: ",
        ahead_value="" if ahead is None else str(ahead),
        wait=wait,
    )


# --------------------------------------------------------------------------- thermal image


@cache
def thermal_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled Liberation Serif (regular or bold) at ``size`` pixels."""
    file = fonts.FONT_FILES[fonts.BOLD if bold else fonts.REGULAR]
    return ImageFont.truetype(str(fonts.font_dir() / file), size)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` pixels in ``font``: at spaces,
    and inside a word only when the word alone is too wide."""
    lines: list[str] = []
    current = ""
    for whole in c.nfc(text).split():
        word = whole
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > max_width:  # a word wider than the line: cut it
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


Draw = Callable[[ImageDraw.ImageDraw, Image.Image, int], None]


@dataclass(frozen=True, slots=True)
class _Block:
    height: int
    draw: Draw


def _text_block(
    text: str, font: ImageFont.FreeTypeFont, width: int, *, inverted: bool = False
) -> _Block:
    """One centred line; its height covers the font's ascent/descent and any diacritic above."""
    ascent, descent = font.getmetrics()
    _, top, _, bottom = font.getbbox(text, anchor="ls")
    above = max(ascent, math.ceil(-top))
    height = above + max(descent, math.ceil(bottom))

    def draw(d: ImageDraw.ImageDraw, _img: Image.Image, y: int) -> None:
        fill = _WHITE if inverted else _BLACK
        d.text((width / 2, y + above), text, font=font, fill=fill, anchor="ms")

    return _Block(height, draw)


def _space(height: int) -> _Block:
    return _Block(height, lambda _d, _i, _y: None)


def _rule(width: int, *, dashed: bool = False, thickness: int = 2) -> _Block:
    def draw(d: ImageDraw.ImageDraw, _img: Image.Image, y: int) -> None:
        left, right = THERMAL_MARGIN_PX, width - THERMAL_MARGIN_PX - 1
        if not dashed:
            d.rectangle((left, y, right, y + thickness - 1), fill=_BLACK)
            return
        for x in range(left, right, 12):
            d.rectangle((x, y, min(x + 6, right), y + thickness - 1), fill=_BLACK)

    return _Block(thickness, draw)


def _lines(text: str, font: ImageFont.FreeTypeFont, width: int, *, gap: int = 4) -> list[_Block]:
    out: list[_Block] = []
    for i, line in enumerate(wrap_text(text, font, width - 2 * THERMAL_MARGIN_PX)):
        if i:
            out.append(_space(gap))
        out.append(_text_block(line, font, width))
    return out


def _priority_block(width: int) -> _Block:
    """``ƯU TIÊN`` in white on a black band."""
    font = thermal_font(40, bold=True)
    inner = _text_block(PRIORITY, font, width, inverted=True)
    pad_y = 8
    text_w = int(font.getlength(PRIORITY))
    band_w = min(width - 2 * THERMAL_MARGIN_PX, text_w + 64)

    def draw(d: ImageDraw.ImageDraw, img: Image.Image, y: int) -> None:
        x0 = (width - band_w) // 2
        d.rectangle((x0, y, x0 + band_w - 1, y + inner.height + 2 * pad_y - 1), fill=_BLACK)
        inner.draw(d, img, y + pad_y)

    return _Block(inner.height + 2 * pad_y, draw)


def _label_value_block(label: str, value: str, width: int, size: int) -> _Block:
    """``label`` in regular and ``value`` in bold on one centred line."""
    regular, bold = thermal_font(size), thermal_font(size, bold=True)
    ascent, descent = regular.getmetrics()
    height = ascent + descent
    total = regular.getlength(label) + bold.getlength(value)

    def draw(d: ImageDraw.ImageDraw, _img: Image.Image, y: int) -> None:
        x = (width - total) / 2
        d.text((x, y + ascent), label, font=regular, fill=_BLACK, anchor="ls")
        d.text(
            (x + regular.getlength(label), y + ascent), value, font=bold, fill=_BLACK, anchor="ls"
        )

    return _Block(height, draw)


def _number_font(number: str, max_width: int) -> ImageFont.FreeTypeFont:
    size = 200
    while size > 40 and thermal_font(size, bold=True).getlength(number) > max_width:
        size -= 8
    return thermal_font(size, bold=True)


def _number_block(number: str, width: int) -> _Block:
    """The number, huge; its box is the digits' ink (no diacritics, no descenders)."""
    font = _number_font(number, width - 2 * THERMAL_MARGIN_PX)
    _, top_f, _, bottom_f = font.getbbox(number, anchor="ls")
    top, bottom = math.floor(top_f), math.ceil(bottom_f)

    def draw(d: ImageDraw.ImageDraw, _img: Image.Image, y: int) -> None:
        d.text((width / 2, y - top), number, font=font, fill=_BLACK, anchor="ms")

    return _Block(bottom - top, draw)


def _qr_block(payload: str, width: int) -> _Block:
    """The QR code (error level M), 4 modules of quiet zone, the biggest whole-pixel module
    (4 to 10 px) that fits in about half the paper's width."""
    qr = segno.make(payload, error="m", micro=False)
    border = 4
    modules = qr.symbol_size(scale=1, border=border)[0]
    scale = max(4, min(10, 300 // modules))
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=border, dark="black", light="white")
    buf.seek(0)
    symbol = Image.open(buf).convert("1")
    if symbol.width > width:
        raise ValueError(f"QR payload too long for the receipt ({len(payload)} characters)")

    def draw(_d: ImageDraw.ImageDraw, img: Image.Image, y: int) -> None:
        img.paste(symbol, ((width - symbol.width) // 2, y))

    return _Block(symbol.height, draw)


def render_ticket_image(
    ticket: Ticket, *, office_name: str, qr_payload: str, width_px: int = THERMAL_WIDTH_PX
) -> Image.Image:
    """The 80 mm thermal receipt of ``ticket`` as a 1-bit image ``width_px`` dots wide, as
    tall as its content: black text (no anti-aliasing) on white, everything centred."""
    text = ticket_text(ticket, office_name)
    w = width_px
    blocks: list[_Block] = [
        _space(20),
        *_lines(text.office, thermal_font(30, bold=True), w),
        _space(14),
        _rule(w),
        _space(22),
        _text_block(TITLE, thermal_font(36, bold=True), w),
        _space(26),
        _number_block(text.number, w),
        _space(26),
        *_lines(text.group, thermal_font(38, bold=True), w),
    ]
    if text.priority:
        blocks += [_space(16), _priority_block(w)]
    blocks += [_space(22), _rule(w, dashed=True), _space(16)]
    info: list[_Block] = [_text_block(f"Thời gian lấy số: {text.issued}", thermal_font(27), w)]
    if text.ahead_label:
        info.append(_label_value_block(text.ahead_label, text.ahead_value, w, 27))
    if text.wait:
        info += _lines(text.wait, thermal_font(27), w)
    for i, block in enumerate(info):
        blocks += [_space(8)] if i else []
        blocks.append(block)
    blocks += [
        _space(4),  # the QR code's own quiet zone is white space enough
        _qr_block(qr_payload, w),
        _space(4),
        _text_block(SCAN_HINT, thermal_font(25), w),
        _space(18),
        _rule(w, dashed=True),
        _space(14),
        *_lines(FOOTER, thermal_font(27, bold=True), w),
        _space(40),  # room above the cutter
    ]
    height = sum(b.height for b in blocks)
    img = Image.new("1", (w, height), _WHITE)
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"  # crisp 1-bit glyphs, no grey edges for the printer to dither
    y = 0
    for block in blocks:
        block.draw(draw, img, y)
        y += block.height
    return img


def ticket_png(ticket: Ticket, *, office_name: str, qr_payload: str) -> bytes:
    """The thermal receipt (:func:`render_ticket_image`) as PNG bytes tagged 203 dpi."""
    img = render_ticket_image(ticket, office_name=office_name, qr_payload=qr_payload)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(THERMAL_DPI, THERMAL_DPI), optimize=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- A6 PDF

A6_MARGIN = 6 * mm


@cache
def _a6_styles() -> dict[str, ParagraphStyle]:
    fonts.ensure_fonts()

    def ps(name: str, size: float, *, bold: bool = False, leading: float = 1.2) -> ParagraphStyle:
        return ParagraphStyle(
            f"ticket_{name}",
            fontName=fonts.BOLD if bold else fonts.REGULAR,
            fontSize=size,
            leading=size * leading,
            alignment=TA_CENTER,
            textColor=colors.black,
        )

    return {
        "office": ps("office", 11, bold=True),
        "title": ps("title", 13, bold=True),
        "number": ps("number", 76, bold=True, leading=1.0),
        "group": ps("group", 16, bold=True),
        "priority": ps("priority", 13, bold=True),
        "info": ps("info", 11, leading=1.35),
        "hint": ps("hint", 9),
        "footer": ps("footer", 10, bold=True),
    }


def _priority_band() -> Flowable:
    st = _a6_styles()
    style = ParagraphStyle("ticket_priority_white", parent=st["priority"], textColor=colors.white)
    band = Table(
        [[Paragraph(PRIORITY, style)]],
        colWidths=[32 * mm],
        style=c.table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )
    band.hAlign = "CENTER"
    return band


def ticket_pdf_a6(ticket: Ticket, *, office_name: str, qr_payload: str) -> bytes:
    """The ticket as a one-page A6 portrait PDF (vector QR code, bundled font embedded).

    The content is shrunk to fit the page when an office name is very long.
    """
    fonts.ensure_fonts()
    st = _a6_styles()
    text = ticket_text(ticket, office_name)
    page_w, page_h = A6
    frame_w = page_w - 2 * A6_MARGIN
    frame_h = page_h - 2 * A6_MARGIN
    story: list[Flowable] = [
        c.para(c.esc(text.office), st["office"]),
        Spacer(1, 1.5 * mm),
        c.HRule(frame_w, thickness=0.8),
        Spacer(1, 2.5 * mm),
        c.para(c.esc(TITLE), st["title"]),
        Spacer(1, 1 * mm),
        c.para(c.esc(text.number), st["number"]),
        Spacer(1, 4 * mm),
        c.para(c.esc(text.group), st["group"]),
    ]
    if text.priority:
        story += [Spacer(1, 2 * mm), _priority_band()]
    story += [Spacer(1, 3 * mm), c.HRule(frame_w * 0.6, thickness=0.5), Spacer(1, 1 * mm)]
    story.append(c.para(f"Thời gian lấy số: {text.issued}", st["info"]))
    if text.ahead_label:
        story.append(
            c.para(f"{c.esc(text.ahead_label)}<b>{c.esc(text.ahead_value)}</b>", st["info"])
        )
    if text.wait:
        story.append(c.para(c.esc(text.wait), st["info"]))
    story += [
        Spacer(1, 2.5 * mm),
        c.QrCode(qr_payload, size=32 * mm, border=3),
        c.para(c.esc(SCAN_HINT), st["hint"]),
        Spacer(1, 2.5 * mm),
        c.HRule(frame_w, thickness=0.5),
        Spacer(1, 1 * mm),
        c.para(c.esc(FOOTER), st["footer"]),
    ]
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A6,
        leftMargin=A6_MARGIN,
        rightMargin=A6_MARGIN,
        topMargin=A6_MARGIN,
        bottomMargin=A6_MARGIN,
        title=c.nfc(f"Phiếu số thứ tự {ticket.number}"),
        author=c.nfc(office_name),
        subject=c.nfc(ticket.group_name),
        creator=c.CREATOR,
        lang="vi-VN",
        initialFontName=fonts.REGULAR,
    )
    frame = Frame(
        A6_MARGIN,
        A6_MARGIN,
        frame_w,
        frame_h,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="ticket",
    )
    doc.addPageTemplates([PageTemplate(id="ticket", frames=[frame])])
    doc.build([KeepInFrame(frame_w, frame_h, story, mode="shrink", hAlign="CENTER")])
    return buf.getvalue()
