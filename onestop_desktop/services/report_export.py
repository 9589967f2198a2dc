"""Exports of the periodic report: PDF (the form's table, A4 landscape), .xlsx and CSV.

Rows: a subtotal per level (district-level offices, all wards… when the report has several
units), a subtotal per unit, a row per field under it, and the grand total. PDF numbers are in
Vietnamese format (4.716; 54,36 %); the .xlsx holds real numbers (percentages as fractions with
a percent format); the CSV is UTF-8 with a BOM (Excel on Windows), plain numbers with a
decimal point. Satisfaction (the citizens' ratings recorded in the period) is a line under
the PDF's table, and columns of its own in the .xlsx and the CSV.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.catalog import HANDLING_LEVEL_LABELS, HandlingLevel
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.printing.model import Agency
from onestop_desktop.printing.report_pdf import ReportRow, ReportSheet, report_pdf
from onestop_desktop.services.reports import (
    FIGURE_LABELS,
    RATING_FIGURES,
    Figures,
    Report,
    UnitReport,
    satisfaction_text,
    vn_int,
    vn_pct,
)

#: Unit levels, in the order the report lists them, and their labels.
LEVEL_LABELS: dict[str, str] = {
    "province": "Cấp tỉnh",
    "district": "Cấp huyện",
    "ward": "Cấp xã",
    "office": "Cơ quan khác",
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")

#: Short definitions printed under the table (column numbers of Biểu II.06a).
DEFINITIONS: tuple[str, ...] = (
    "(3) = (4) + (5) + (6). (6): hồ sơ tiếp nhận trước kỳ, chưa giải quyết xong tại đầu kỳ.",
    "(7) = (8) + (9) + (10), giải quyết trong kỳ: trước hạn là trả kết quả trước ngày hẹn; "
    "đúng hạn là trong ngày hẹn, không muộn hơn giờ hẹn; quá hạn là sau thời điểm hẹn. "
    "Hạn là hạn theo quy định (đã cộng thời gian dừng để bổ sung hồ sơ), không tính ngày hẹn "
    "lại trong phiếu xin lỗi.",
    "(11) = (12) + (13), chưa giải quyết xong tại cuối kỳ; quá hạn khi hạn giải quyết trước "
    "cuối kỳ; hồ sơ đang chờ bổ sung (dừng tính thời gian) được tính trong hạn.",
    "(14): hồ sơ bị từ chối hoặc được rút trong kỳ; (3) = (7) + (11) + (14).",
    "(15) = ((8) + (9)) / (7). Tỷ lệ trực tuyến = (4) / ((4) + (5)).",
)

#: Columns of the .xlsx and CSV: (header, figure name or derived property).
DETAIL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Tổng số hồ sơ", "received"),
    ("Trực tuyến", "received_online"),
    ("Trực tiếp", "received_direct"),
    ("Bưu chính công ích", "received_postal"),
    ("Từ kỳ trước", "carried_over"),
    ("Tổng số đã giải quyết", "resolved"),
    ("Trước hạn", "resolved_early"),
    ("Đúng hạn", "resolved_on_time"),
    ("Quá hạn", "resolved_late"),
    ("Tổng số đang giải quyết", "in_progress"),
    ("Trong hạn", "in_progress_on_time"),
    ("Quá hạn", "in_progress_overdue"),
    ("Từ chối", "refused"),
    ("Rút hồ sơ", "withdrawn"),
)
RATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Tỷ lệ đúng hạn", "on_time_rate"),
    ("Tỷ lệ trực tuyến", "online_share"),
)
#: Satisfaction columns after the rates: the three rating counts, then the rate (a percent).
RATING_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (FIGURE_LABELS[key], key) for key in RATING_FIGURES
)
SATISFACTION_RATE_COLUMN: tuple[str, str] = ("Tỷ lệ hài lòng", "satisfaction_rate")


@dataclass(frozen=True, slots=True)
class Line:
    """A row of the exported table."""

    kind: str  # level | unit | field | total
    number: str
    label: str
    figures: Figures
    unit_code: str = ""
    field: str = ""


def report_lines(rep: Report) -> list[Line]:
    """The table's rows: level subtotals (when several units), units, their fields, total."""
    order = list(LEVEL_LABELS)
    by_level: dict[str, list[UnitReport]] = {}
    for u in rep.units:
        by_level.setdefault(u.level if u.level in LEVEL_LABELS else "office", []).append(u)
    with_levels = len(rep.units) > 1
    lines: list[Line] = []
    unit_no = 0
    for li, level in enumerate(lv for lv in order if lv in by_level):
        units = by_level[level]
        if with_levels:
            sub = Figures()
            for u in units:
                sub.add(u.figures)
            label = f"{LEVEL_LABELS[level]} ({len(units)} đơn vị)"
            lines.append(Line("level", _ROMAN[li % len(_ROMAN)], label, sub))
        for u in units:
            unit_no += 1
            lines.append(Line("unit", str(unit_no), u.unit_name, u.figures, u.unit_code))
            for fi, (name, f) in enumerate(sorted(u.by_field.items()), start=1):
                lines.append(Line("field", f"{unit_no}.{fi}", name, f, u.unit_code, name))
    lines.append(Line("total", "", "Tổng cộng", rep.total))
    return lines


def _pdf_values(f: Figures) -> tuple[str, ...]:
    ints = (
        f.received,
        f.received_online,
        f.received_direct + f.received_postal,
        f.carried_over,
        f.resolved,
        f.resolved_early,
        f.resolved_on_time,
        f.resolved_late,
        f.in_progress,
        f.in_progress_on_time,
        f.in_progress_overdue,
        f.refused + f.withdrawn,
    )
    return (*(vn_int(n) for n in ints), vn_pct(f.on_time_rate).replace(" ", "&nbsp;"))


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def summary_lines(rep: Report) -> list[str]:
    """Rates, the catalog's online shares and satisfaction, in words (Vietnamese number
    format; ``<b>`` marks for the PDF)."""
    t = rep.total
    out = [
        f"Tỷ lệ giải quyết đúng hạn (trước hạn và đúng hạn): <b>{vn_pct(t.on_time_rate)}</b>; "
        f"tỷ lệ hồ sơ tiếp nhận trực tuyến trong kỳ: <b>{vn_pct(t.online_share)}</b> "
        f"({vn_int(t.received_online)}/{vn_int(t.received_in_period)}); "
        f"từ chối: {vn_int(t.refused)}; rút hồ sơ: {vn_int(t.withdrawn)}."
    ]
    for cs in rep.catalog:
        try:
            label = HANDLING_LEVEL_LABELS[HandlingLevel(cs.level)]
        except ValueError:
            label = cs.level
        out.append(
            f"Thủ tục {label.lower()} cung cấp dịch vụ công trực tuyến: "
            f"{vn_int(cs.online)}/{vn_int(cs.procedures)} "
            f"({vn_pct(_pct(cs.online, cs.procedures))}) một phần hoặc toàn trình; "
            f"{vn_int(cs.online_full)}/{vn_int(cs.procedures)} "
            f"({vn_pct(_pct(cs.online_full, cs.procedures))}) toàn trình."
        )
    out.append(f"Mức độ hài lòng: {satisfaction_text(t)}")
    return out


def as_of_text(rep: Report) -> str:
    """``Số liệu tính đến 08:00 ngày 05/01/2026.``"""
    at = (rep.data_as_of or rep.as_of).astimezone(VN_TZ)
    return f"Số liệu tính đến {at:%H:%M} ngày {at:%d/%m/%Y}."


def sync_notes(rep: Report) -> list[str]:
    """What the report may miss (last sync, changes not yet on the server)."""
    out = []
    if rep.synced_at is not None:
        s = rep.synced_at.astimezone(VN_TZ)
        out.append(f"Đồng bộ với máy chủ lần cuối lúc {s:%H:%M} ngày {s:%d/%m/%Y}.")
    if rep.unsynced:
        out.append(
            f"Còn {vn_int(rep.unsynced)} thay đổi của máy này chưa đồng bộ lên máy chủ; "
            "số liệu của các máy khác chỉ có đến lần đồng bộ cuối."
        )
    return out


def _scope_text(rep: Report) -> str:
    if rep.unit_code:
        names = [u.unit_name for u in rep.units if u.unit_code == rep.unit_code]
        name = names[0] if names else rep.unit_code
        return f"Phạm vi: {name} và các đơn vị trực thuộc ({len(rep.units)} đơn vị có số liệu)"
    return f"Phạm vi: tất cả đơn vị ({len(rep.units)} đơn vị có số liệu)"


def _period(rep: Report) -> str:
    return f"Kỳ báo cáo: từ ngày {rep.date_from:%d/%m/%Y} đến ngày {rep.date_to:%d/%m/%Y}"


def report_sheet(rep: Report, *, office_name: str | None = None) -> ReportSheet:
    """The PDF's data from a report."""
    if office_name:
        issuer = office_name
    elif rep.unit_code and rep.units:
        names = [u.unit_name for u in rep.units if u.unit_code == rep.unit_code]
        issuer = f"UBND {names[0]}" if names else "Đơn vị báo cáo"
    else:
        issuer = "Đơn vị báo cáo"
    rows = tuple(
        ReportRow(line.kind, line.number, line.label, _pdf_values(line.figures))
        for line in report_lines(rep)
    )
    return ReportSheet(
        agency=Agency(parent_name=issuer, name=issuer),
        issued_at=rep.as_of,
        period=_period(rep),
        scope=_scope_text(rep),
        rows=rows,
        summary=tuple(summary_lines(rep)),
        definitions=DEFINITIONS,
        as_of=as_of_text(rep),
        notes=tuple(sync_notes(rep)),
    )


def _write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file whole: into ``path.part`` first, then renamed over ``path``."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as handle:
            write(handle)
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise EnvironmentFault(f"Không ghi được tệp {path}: {exc.strerror or exc}") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def export_report_pdf(rep: Report, path: Path, *, office_name: str | None = None) -> None:
    """The report as a PDF in the form's table layout (A4 landscape)."""
    pdf = report_pdf(report_sheet(rep, office_name=office_name))
    _write(Path(path), lambda h: h.write(pdf))


def export_report_xlsx(rep: Report, path: Path) -> None:
    """The report as a workbook: real numbers, percent-formatted rates, merged heads."""
    from openpyxl import Workbook  # noqa: PLC0415 - loaded only when exporting
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    wb = Workbook()
    ws = wb.active
    assert ws is not None  # noqa: S101 - a new workbook always has a sheet
    ws.title = "Biểu II.06a"
    rates_at = 4 + len(DETAIL_COLUMNS)  # first rate column
    ratings_at = rates_at + len(RATE_COLUMNS)  # first satisfaction column
    ncols = ratings_at + len(RATING_COLUMNS)  # the satisfaction rate is the last column
    last = get_column_letter(ncols)
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"] = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = center
    ws["A2"] = f"{_period(rep)} · {_scope_text(rep)} · {as_of_text(rep)}"
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].alignment = center
    # Heads: rows 4-5, groups merged over their columns.
    head_row, sub_row = 4, 5
    groups = [
        ("STT", 1, 1),
        ("Mã đơn vị", 2, 2),
        ("Lĩnh vực, đơn vị", 3, 3),
        ("Số hồ sơ nhận giải quyết", 4, 8),
        ("Số hồ sơ đã giải quyết", 9, 12),
        ("Số hồ sơ đang giải quyết", 13, 15),
        ("Từ chối, rút", 16, 17),
        ("Tỷ lệ", rates_at, ratings_at - 1),
        ("Đánh giá của người dân", ratings_at, ncols),
    ]
    for text, c1, c2 in groups:
        ws.cell(head_row, c1, text)
        if c1 == c2:
            ws.merge_cells(start_row=head_row, start_column=c1, end_row=sub_row, end_column=c2)
        else:
            ws.merge_cells(start_row=head_row, start_column=c1, end_row=head_row, end_column=c2)
    heads = (*DETAIL_COLUMNS, *RATE_COLUMNS, *RATING_COLUMNS, SATISFACTION_RATE_COLUMN)
    for i, (label, _key) in enumerate(heads, start=4):
        ws.cell(sub_row, i, label)
    fill = PatternFill("solid", fgColor="E8E8E8")
    for row in ws.iter_rows(min_row=head_row, max_row=sub_row, max_col=ncols):
        for cell in row:
            cell.font = bold
            cell.alignment = center
            cell.border = box
            cell.fill = fill
    ws.row_dimensions[sub_row].height = 45
    shades = {"total": "D9D9D9", "level": "EBEBEB", "unit": "F7F7F7"}
    r = sub_row
    for line in report_lines(rep):
        r += 1
        label = f"    {line.label}" if line.kind == "field" else line.label
        ws.cell(r, 1, line.number)
        ws.cell(r, 2, line.unit_code if line.kind != "level" else "")
        ws.cell(r, 3, label)
        for i, (_label, key) in enumerate(DETAIL_COLUMNS, start=4):
            ws.cell(r, i, int(getattr(line.figures, key))).number_format = "#,##0"
        for i, (_label, key) in enumerate(RATE_COLUMNS, start=rates_at):
            value = getattr(line.figures, key)
            cell = ws.cell(r, i, None if value is None else round(value / 100, 4))
            cell.number_format = "0.00%"
        for i, (_label, key) in enumerate(RATING_COLUMNS, start=ratings_at):
            ws.cell(r, i, int(getattr(line.figures, key))).number_format = "#,##0"
        rate = line.figures.satisfaction_rate
        cell = ws.cell(r, ncols, None if rate is None else round(rate / 100, 4))
        cell.number_format = "0.00%"
        for cell in ws[r][:ncols]:
            cell.border = box
            if line.kind != "field":
                cell.font = bold
            if line.kind in shades:
                cell.fill = PatternFill("solid", fgColor=shades[line.kind])
    r += 2
    for text in [*_plain(summary_lines(rep)), as_of_text(rep), *sync_notes(rep)]:
        ws.cell(r, 1, text)
        r += 1
    r += 1
    ws.cell(r, 1, "Cách tính:").font = bold
    for text in DEFINITIONS:
        r += 1
        ws.cell(r, 1, text)
    widths = {1: 6, 2: 14, 3: 42}
    for i in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(i, 12)
    ws.freeze_panes = f"D{sub_row + 1}"
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{head_row}:{sub_row}"
    _write(Path(path), wb.save)


def _plain(lines: list[str]) -> Iterator[str]:
    for line in lines:
        yield line.replace("<b>", "").replace("</b>", "")


def csv_rows(rep: Report) -> list[list[str | int | float]]:
    """Header and one row per unit, then the total."""
    header: list[str | int | float] = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Cấp",
        *(label for label, _ in DETAIL_COLUMNS),
        *(f"{label} (%)" for label, _ in RATE_COLUMNS),
        *(label for label, _ in RATING_COLUMNS),
        f"{SATISFACTION_RATE_COLUMN[0]} (%)",
    ]
    out = [header]

    def row(code: str, name: str, level: str, f: Figures) -> list[str | int | float]:
        rates = [getattr(f, key) for _, key in RATE_COLUMNS]
        satisfaction = f.satisfaction_rate
        return [
            code,
            name,
            level,
            *(int(getattr(f, key)) for _, key in DETAIL_COLUMNS),
            *("" if v is None else v for v in rates),
            *(int(getattr(f, key)) for _, key in RATING_COLUMNS),
            "" if satisfaction is None else satisfaction,
        ]

    for u in rep.units:
        out.append(row(u.unit_code, u.unit_name, LEVEL_LABELS.get(u.level, u.level), u.figures))
    out.append(row("", "Tổng cộng", "", rep.total))
    return out


def export_report_csv(rep: Report, path: Path) -> None:
    """The report as CSV: UTF-8 with a BOM, comma-separated, one row per unit and the total."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(csv_rows(rep))
    data = buf.getvalue().encode("utf-8-sig")
    _write(Path(path), lambda h: h.write(data))


__all__ = [
    "DEFINITIONS",
    "LEVEL_LABELS",
    "RATING_COLUMNS",
    "SATISFACTION_RATE_COLUMN",
    "Line",
    "export_report_csv",
    "export_report_pdf",
    "export_report_xlsx",
    "report_lines",
    "report_sheet",
]
