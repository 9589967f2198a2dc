"""The printed queue ticket checked for real: the thermal PNG decoded with ``zbarimg``, the A6 PDF
read back with poppler (``pdfinfo``, ``pdftotext``, ``pdftoppm``) and its QR code decoded too.
No mocks.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import segno
from PIL import Image

from onestop_desktop.domain.queue import Ticket, format_number
from onestop_desktop.printing.ticket import (
    THERMAL_MARGIN_PX,
    THERMAL_WIDTH_PX,
    qr_payload_for,
    render_ticket_image,
    thermal_font,
    ticket_pdf_a6,
    ticket_png,
    wrap_text,
)

OFFICE = "UBND Phường Nhân Chính"
LONG_OFFICE = (
    "Ủy ban nhân dân Phường Nhân Chính, Quận Thanh Xuân, Thành phố Hà Nội - "
    "Bộ phận Tiếp nhận và Trả kết quả"
)
URL = "https://motcua.nhanchinh.gov.vn/"
A6_POINTS = (297.638, 419.528)  # 105 x 148 mm


def make_ticket(*, priority: bool = True, ahead: int = 4, wait: int = 20) -> Ticket:
    """Ticket 1023 of Hộ tịch, issued 08:30 Vietnam time (01:30 UTC) on 05/01/2026."""
    return Ticket(
        id="01J9ZK3Q8M4V2T6W7X8Y9ZABCD",
        office_code="PNC",
        day=date(2026, 1, 5),
        group_code="ho_tich",
        group_name="Hộ tịch",
        prefix="1",
        seq=23,
        number=format_number("1", 23),
        priority=priority,
        status="waiting",
        issued_at=datetime(2026, 1, 5, 1, 30, tzinfo=UTC),
        people_ahead=ahead,
        wait_minutes=wait,
    )


# --------------------------------------------------------------------------- tools


def _run(*cmd: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(cmd, input=stdin, capture_output=True, check=True).stdout


def decode_qr(png: Path) -> list[str]:
    """Every QR code ``zbarimg`` finds in the image."""
    out = _run("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png))
    return out.decode("utf-8").splitlines()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (``pdftotext``), NFC, white space runs made one space."""
    text = _run("pdftotext", "-", "-", stdin=pdf).decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", text).split())


def qr_module_px(img: Image.Image, payload: str) -> int:
    """The QR code's module size in pixels, measured on the image: the top row of the symbol
    starts and ends with the 7-module edges of two finder patterns, ``n`` modules apart."""
    n = segno.make(payload, error="m", micro=False).symbol_size(scale=1, border=0)[0]
    bw = img.convert("L")
    for y in range(bw.height):
        row = [bw.getpixel((x, y)) for x in range(bw.width)]
        runs: list[tuple[int, int]] = []
        start = -1
        for x, v in enumerate([*row, 255]):
            if v == 0 and start < 0:
                start = x
            elif v != 0 and start >= 0:
                runs.append((start, x - start))
                start = -1
        if len(runs) < 2:
            continue
        (x0, first), (x1, last) = runs[0], runs[-1]
        if first == last and first % 7 == 0 and x1 + last - x0 == n * first // 7:
            return first // 7
    raise AssertionError("no QR code found in the image")


# --------------------------------------------------------------------------- payload


def test_qr_payload_with_and_without_a_lookup_url() -> None:
    t = make_ticket()
    assert qr_payload_for(t, URL) == "https://motcua.nhanchinh.gov.vn/q/01J9ZK3Q8M4V2T6W7X8Y9ZABCD"
    assert qr_payload_for(t, "http://10.0.0.5:8765") == "http://10.0.0.5:8765/q/" + t.id
    assert qr_payload_for(t, None) == "ONESTOP|PNC|2026-01-05|1023|01J9ZK3Q8M4V2T6W7X8Y9ZABCD"
    assert qr_payload_for(t, "") == qr_payload_for(t, None)


# --------------------------------------------------------------------------- 80 mm thermal


@pytest.mark.parametrize("lookup", [URL, None])
def test_thermal_png_is_576_dots_wide_and_its_qr_decodes(
    tmp_path: Path, lookup: str | None
) -> None:
    t = make_ticket()
    payload = qr_payload_for(t, lookup)
    png = ticket_png(t, office_name=OFFICE, qr_payload=payload)
    path = tmp_path / "ticket.png"
    path.write_bytes(png)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.width == THERMAL_WIDTH_PX == 576
    assert img.mode == "1"  # black or white: nothing for the printer to dither
    assert round(img.info["dpi"][0]) == 203
    assert 800 < img.height < 1400  # as tall as the content, no trailing paper
    assert decode_qr(path) == [payload]
    assert qr_module_px(img, payload) >= 4


def test_thermal_priority_mark() -> None:
    payload = qr_payload_for(make_ticket(), URL)
    ordinary = render_ticket_image(
        make_ticket(priority=False), office_name=OFFICE, qr_payload=payload
    )
    priority = render_ticket_image(make_ticket(), office_name=OFFICE, qr_payload=payload)
    assert priority.height > ordinary.height + 40
    # The priority band is black across 200+ dots on its rows above and below the white text;
    # an ordinary ticket has only the full-width rule (2 rows) that long.
    assert _rows_with_black_run(priority, 200) >= 20
    assert _rows_with_black_run(ordinary, 200) == 2


def _rows_with_black_run(img: Image.Image, length: int) -> int:
    """How many rows hold a run of at least ``length`` black pixels."""
    rows = 0
    for y in range(img.height):
        run = best = 0
        for x in range(img.width):
            run = run + 1 if img.getpixel((x, y)) == 0 else 0
            best = max(best, run)
        rows += best >= length
    return rows


def _ink_in_margins(img: Image.Image) -> int:
    cols = [*range(THERMAL_MARGIN_PX - 2), *range(img.width - THERMAL_MARGIN_PX + 2, img.width)]
    return sum(1 for y in range(img.height) for x in cols if img.getpixel((x, y)) == 0)


def test_thermal_long_office_name_wraps_inside_the_paper(tmp_path: Path) -> None:
    t = make_ticket()
    payload = qr_payload_for(t, URL)
    short = render_ticket_image(t, office_name=OFFICE, qr_payload=payload)
    long = render_ticket_image(t, office_name=LONG_OFFICE, qr_payload=payload)
    font = thermal_font(30, bold=True)
    lines = wrap_text(LONG_OFFICE.upper(), font, THERMAL_WIDTH_PX - 2 * THERMAL_MARGIN_PX)
    assert len(lines) >= 3
    assert " ".join(lines) == unicodedata.normalize("NFC", LONG_OFFICE.upper())
    assert all(font.getlength(line) <= THERMAL_WIDTH_PX - 2 * THERMAL_MARGIN_PX for line in lines)
    assert long.height >= short.height + (len(lines) - 1) * 30  # the extra lines, not overflow
    assert _ink_in_margins(short) == 0
    assert _ink_in_margins(long) == 0
    path = tmp_path / "long.png"
    long.save(path)
    assert decode_qr(path) == [payload]


def test_wrap_cuts_a_word_wider_than_the_line() -> None:
    font = thermal_font(30, bold=True)
    word = "X" * 60
    lines = wrap_text(f"UBND {word} Hà Nội", font, 300)
    assert "".join(lines).replace(" ", "") == f"UBND{word}HàNội"
    assert len(lines) >= 3
    assert all(font.getlength(line) <= 300 for line in lines)


# --------------------------------------------------------------------------- A6 PDF


def test_a6_pdf_priority_ticket(tmp_path: Path) -> None:
    t = make_ticket()
    payload = qr_payload_for(t, URL)
    pdf = ticket_pdf_a6(t, office_name=OFFICE, qr_payload=payload)
    assert pdf.startswith(b"%PDF")
    info = _run("pdfinfo", "-", stdin=pdf).decode()
    assert re.search(r"^Pages:\s+1$", info, re.M)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert size is not None
    assert (float(size[1]), float(size[2])) == pytest.approx(A6_POINTS, abs=0.01)
    fonts = _run("pdffonts", "-", stdin=pdf).decode()
    assert "LiberationSerif" in fonts
    assert "Helvetica" not in fonts
    text = pdf_text(pdf)
    for expected in (
        "UBND PHƯỜNG NHÂN CHÍNH",
        "PHIẾU SỐ THỨ TỰ",
        "1023",
        "Hộ tịch",
        "ƯU TIÊN",
        "Thời gian lấy số: 05/01/2026 08:30",  # 01:30 UTC in Asia/Ho_Chi_Minh
        "Số người chờ trước bạn: 4",
        "Thời gian chờ dự kiến: khoảng 20 phút",
        "Quét mã để xem lượt chờ",
        "Vui lòng giữ phiếu và chờ gọi số",
    ):
        assert expected in text, expected
    prefix = tmp_path / "page"
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", "-", str(prefix), stdin=pdf)
    assert decode_qr(prefix.with_suffix(".png")) == [payload]


def test_a6_pdf_ordinary_ticket_served_at_once(tmp_path: Path) -> None:
    t = make_ticket(priority=False, ahead=0, wait=0)
    payload = qr_payload_for(t, None)
    pdf = ticket_pdf_a6(t, office_name=LONG_OFFICE, qr_payload=payload)
    info = _run("pdfinfo", "-", stdin=pdf).decode()
    assert re.search(r"^Pages:\s+1$", info, re.M)  # a long name shrinks, never a second page
    text = pdf_text(pdf)
    assert "ƯU TIÊN" not in text
    assert "Số người chờ trước bạn: 0" in text
    assert "Đến lượt ngay" in text
    assert "khoảng" not in text
    assert "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in text
    prefix = tmp_path / "page"
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", "-", str(prefix), stdin=pdf)
    assert decode_qr(prefix.with_suffix(".png")) == [payload]


def test_unknown_figures_print_no_line() -> None:
    t = Ticket.from_json({**make_ticket().to_json(), "people_ahead": None, "wait_minutes": None})
    text = pdf_text(ticket_pdf_a6(t, office_name=OFFICE, qr_payload="x"))
    assert "1023" in text
    assert "Số người chờ" not in text
    assert "Thời gian chờ" not in text
