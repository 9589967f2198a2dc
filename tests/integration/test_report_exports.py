"""Report exports (PDF, .xlsx, CSV) and the drill-down, checked against the JSON report.

The dataset is the demo generator's (fixed seed) on a real database: every figure of every unit
row, field row and the grand total is compared with what the exports hold, and the drill-down's
list behind every number has exactly that many dossiers.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from onestop_desktop.domain.dossier import Rating
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.demo import generate_demo
from onestop_desktop.services.ratings import rate
from onestop_desktop.services.report_drill import report_dossiers
from onestop_desktop.services.report_export import (
    DETAIL_COLUMNS,
    RATE_COLUMNS,
    export_report_csv,
    export_report_pdf,
    export_report_xlsx,
    report_lines,
)
from onestop_desktop.services.reports import (
    FIGURE_LABELS,
    Figures,
    Report,
    build_report,
    vn_int,
    vn_pct,
)
from onestop_desktop.store.models import DossierRow
from tests.conftest import CliRunner, FixedClock, vn

# The ws fixture's clock: Monday 5 January 2026. The demo spreads dossiers over the year before.
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
QUARTER = (date(2025, 10, 1), date(2025, 12, 31))


@pytest.fixture
def demo_ws(ws: Workstation) -> Workstation:
    """2,500 demo dossiers over the year before the clock (seed 7): totals in thousands."""
    generate_demo(ws, 2500, seed=7, days=365)
    return ws


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.replace("\xa0", " ")


def pdf_cells(f: Figures) -> list[str]:
    """The 13 cells (3)…(15) of a row as the PDF prints them."""
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
    return [*(vn_int(n) for n in ints), vn_pct(f.on_time_rate)]


def row_cells(text: str, label: str) -> list[str]:
    """The cells after ``label`` on its line of the PDF text (the label must end there)."""
    pattern = re.compile(rf"(?:^|\s){re.escape(label)}\s+(\d[\d.]*(?:\s+.*)?)$")
    for line in text.splitlines():
        m = pattern.search(line.strip())
        if m:
            return re.findall(r"\d[\d.]*,\d\d %|—|\d[\d.]*", m.group(1))
    raise AssertionError(f"no row {label!r} in the PDF text")


def test_pdf_rows_match_the_json_report(demo_ws: Workstation, tmp_path: Path) -> None:
    rep = build_report(demo_ws, *YEAR)
    data = rep.to_json()
    assert data["total"]["received"] >= 1000  # thousands separator is exercised
    path = tmp_path / "report.pdf"
    export_report_pdf(rep, path, office_name="UBND quận Thanh Xuân")
    text = pdf_text(path)
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND QUẬN THANH XUÂN" in text
    assert "Biểu II.06a/VPCP/KSTT" in text
    assert "từ ngày 01/01/2025 đến ngày 31/12/2025" in text
    assert "Số liệu tính đến" in text
    assert "NGƯỜI LẬP BIỂU" in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text
    total = data["total"]
    assert row_cells(text, "Tổng cộng") == pdf_cells(rep.total)
    assert vn_int(total["received"]) in row_cells(text, "Tổng cộng")
    assert "." in vn_int(total["received"])
    for unit in rep.units:
        assert row_cells(text, unit.unit_name) == pdf_cells(unit.figures), unit.unit_name
    # Rates and the catalog's online shares in Vietnamese format.
    assert f"tỷ lệ hồ sơ tiếp nhận trực tuyến trong kỳ: {vn_pct(total['online_share'])}" in text
    for share in data["catalog"]:
        part = f"{share['online']}/{share['procedures']} ({vn_pct(share['online_share'])})"
        assert part in text
    # The definitions are printed.
    assert "(3) = (4) + (5) + (6)" in text
    assert "(15) = ((8) + (9)) / (7)" in text


def test_pdf_field_rows_and_level_subtotals(demo_ws: Workstation, tmp_path: Path) -> None:
    rep = build_report(demo_ws, *QUARTER)
    path = tmp_path / "q4.pdf"
    export_report_pdf(rep, path)
    text = pdf_text(path)
    lines = report_lines(rep)
    levels = [ln for ln in lines if ln.kind == "level"]
    assert levels, "several units: a subtotal per level"
    level_total = Figures()
    for ln in levels:
        level_total.add(ln.figures)
        assert row_cells(text, ln.label) == pdf_cells(ln.figures)
    assert level_total.to_json() == rep.total.to_json()
    # One field row of every unit (labels repeat across units, so check by position).
    field_rows = [ln for ln in lines if ln.kind == "field"]
    assert len(field_rows) == sum(len(u.by_field) for u in rep.units)
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(
                ["pdfinfo", str(path)], check=True, capture_output=True, text=True
            ).stdout,
        ).group(1)  # type: ignore[union-attr]
    )
    assert pages >= 2
    # The column heads repeat on every page.
    assert text.count("Số hồ sơ nhận giải quyết") == pages


def test_xlsx_cells_are_the_json_numbers(demo_ws: Workstation, tmp_path: Path) -> None:
    rep = build_report(demo_ws, *YEAR)
    data = rep.to_json()
    path = tmp_path / "report.xlsx"
    export_report_xlsx(rep, path)
    wb = load_workbook(path)
    sheet = wb.active
    assert sheet is not None
    assert sheet.freeze_panes == "D6"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"D4:H4", "I4:L4", "M4:O4", "A4:A5", "C4:C5"} <= merged
    assert sheet.column_dimensions["C"].width == 42
    keys = [k for _, k in DETAIL_COLUMNS]
    rates = [k for _, k in RATE_COLUMNS]
    rows = {(r[1].value or "", str(r[2].value).strip()): r for r in sheet.iter_rows(min_row=6)}
    expected: list[tuple[tuple[str, str], dict[str, Any]]] = [
        ((u["unit_code"], u["unit_name"]), u) for u in data["units"]
    ]
    expected.append((("", "Tổng cộng"), data["total"]))
    for key, figures in expected:
        row = rows[key]
        for i, name in enumerate(keys):
            cell = row[3 + i]
            assert type(cell.value) is int, (key, name)
            assert cell.value == figures[name], (key, name)
        for j, name in enumerate(rates):
            cell = row[3 + len(keys) + j]
            if figures[name] is None:
                assert cell.value is None
            else:
                assert isinstance(cell.value, float)
                assert cell.value * 100 == pytest.approx(figures[name], abs=1e-9)
                assert cell.number_format == "0.00%"
    # Field rows, too: every unit's fields, under it, as numbers.
    for u in data["units"]:
        for f in u["fields"]:
            row = rows[(u["unit_code"], f["field"])]
            assert [row[3 + i].value for i in range(len(keys))] == [f[k] for k in keys]


def test_csv_parses_with_a_bom(demo_ws: Workstation, tmp_path: Path) -> None:
    rep = build_report(demo_ws, *YEAR)
    data = rep.to_json()
    path = tmp_path / "report.csv"
    export_report_csv(rep, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Mã đơn vị", "Tên đơn vị", "Cấp"]
    assert len(body) == len(data["units"]) + 1
    keys = [k for _, k in DETAIL_COLUMNS] + [k for _, k in RATE_COLUMNS]
    for row, figures in zip(body, [*data["units"], data["total"]], strict=True):
        assert len(row) == len(header)
        for i, key in enumerate(keys, start=3):
            value = figures[key]
            assert row[i] == ("" if value is None else str(value)), key
    assert body[-1][1] == "Tổng cộng"


def test_cli_report_writes_all_three(
    demo_ws: Workstation, run_cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf, xlsx, csv_path = tmp_path / "r.pdf", tmp_path / "r.xlsx", tmp_path / "r.csv"
    code, out, err = run_cli(
        "--json",
        "report",
        "--from",
        "2025-10-01",
        "--to",
        "2025-12-31",
        "--pdf",
        str(pdf),
        "--xlsx",
        str(xlsx),
        "--csv",
        str(csv_path),
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["files"] == {"pdf": str(pdf), "xlsx": str(xlsx), "csv": str(csv_path)}
    assert pdf.read_bytes().startswith(b"%PDF")
    assert row_cells(pdf_text(pdf), "Tổng cộng")[0] == vn_int(data["total"]["received"])
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    total_row = next(r for r in sheet.iter_rows(min_row=6) if r[2].value == "Tổng cộng")
    assert total_row[3].value == data["total"]["received"]
    assert not list(tmp_path.glob("*.part"))
    # Text output names the files (a relative path, in the working folder).
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("report", "--from", "2025-10-01", "--to", "2025-10-31", "--csv", "x.csv")
    assert code == 0
    assert "Đã ghi báo cáo (CSV): x.csv" in out
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_report_unwritable_target(demo_ws: Workstation, run_cli: CliRunner) -> None:
    code, _out, err = run_cli(
        "report", "--from", "2025-10-01", "--to", "2025-10-31", "--pdf", "/nonexistent/r.pdf"
    )
    assert code == 3
    assert "Không ghi được tệp" in err


def _drill_count(ws: Workstation, period: tuple[date, date], figure: str, **kw: Any) -> int:
    return len(report_dossiers(ws, *period, figure, limit=100_000, **kw))


def _check_drill(
    ws: Workstation, rep: Report, period: tuple[date, date], *, fields: bool = True
) -> int:
    checked = 0
    proc = rep.procedure_code
    for figure in FIGURE_LABELS:
        assert _drill_count(
            ws, period, figure, unit_code=rep.unit_code, procedure_code=proc
        ) == getattr(rep.total, figure), figure
        for unit in rep.units:
            want = getattr(unit.figures, figure)
            got = _drill_count(
                ws,
                period,
                figure,
                unit_code=rep.unit_code,
                row_unit=unit.unit_code,
                procedure_code=proc,
            )
            assert got == want, (figure, unit.unit_code)
            checked += 1
            for field_name, f in unit.by_field.items() if fields else ():
                got = _drill_count(
                    ws,
                    period,
                    figure,
                    unit_code=rep.unit_code,
                    row_unit=unit.unit_code,
                    procedure_field=field_name,
                    procedure_code=proc,
                )
                assert got == getattr(f, figure), (figure, unit.unit_code, field_name)
    return checked


def test_drill_down_counts_equal_the_report(ws: Workstation, clock: FixedClock) -> None:
    generate_demo(ws, 300, seed=3, days=200)
    period = (date(2025, 10, 1), date(2025, 11, 30))  # with carried-over and open dossiers
    # Ratings of returned dossiers, recorded within the period (one rated again).
    with ws.db.read() as s:
        returned = s.scalars(
            select(DossierRow.code)
            .where(DossierRow.status == "returned", DossierRow.returned_at < vn(2025, 11, 20))
            .order_by(DossierRow.code)
        ).all()
    assert len(returned) >= 12
    now = clock.now
    clock.now = vn(2025, 11, 20, 9)
    for i, code in enumerate(returned[:12]):
        rating = list(Rating)[i % 3]
        rate(ws, code, rating, "Phải chờ lâu" if rating is Rating.DISSATISFIED else None)
    rate(ws, returned[0], Rating.SATISFIED)
    clock.now = now
    rep = build_report(ws, *period)
    assert rep.total.carried_over > 0
    assert rep.total.in_progress > 0
    assert (rep.total.rated, rep.total.rated_satisfied) == (12, 5)
    assert _check_drill(ws, rep, period) == len(FIGURE_LABELS) * len(rep.units)
    # One procedure (the report's procedure filter): every figure, every row.
    with ws.db.read() as s:
        busiest = s.scalar(
            select(DossierRow.procedure_code)
            .where(DossierRow.code.in_(returned[:12]))
            .group_by(DossierRow.procedure_code)
            .order_by(func.count().desc(), DossierRow.procedure_code)
            .limit(1)
        )
    assert busiest is not None
    one = build_report(ws, *period, procedure_code=busiest)
    assert 0 < one.total.received < rep.total.received
    assert one.total.rated > 0
    _check_drill(ws, one, period)
    # A district with its wards, as the report's unit filter.
    district = build_report(ws, *period, unit_code="009")
    assert len(district.units) > 1
    _check_drill(ws, district, period, fields=False)
    # One office.
    office = "000.01.09.H24"
    rows = report_dossiers(ws, *period, "received", office_code=office)
    assert rows
    assert {r.office_code for r in rows} == {office}
    assert len(rows) == _drill_count(ws, period, "received", row_unit="00343")


def test_drill_rows_carry_what_the_list_shows(ws: Workstation) -> None:
    generate_demo(ws, 300, seed=3, days=200)
    period = (date(2025, 12, 1), date(2025, 12, 31))
    rows = report_dossiers(ws, *period, "resolved_late")
    rep = build_report(ws, *period)
    assert len(rows) == rep.total.resolved_late > 0
    for r in rows:
        assert r.code
        assert r.applicant
        assert r.procedure
        assert r.office
        assert r.finished_at is not None
        assert r.finished_at > r.due_at
        assert r.status_code in ("resolved", "returned")
        assert r.status in ("Đã có kết quả", "Đã trả kết quả")
    assert rows == sorted(rows, key=lambda r: (r.received_at, r.code))
    assert len(report_dossiers(ws, *period, "received", limit=5)) == 5
    assert rows[0].to_json()["code"] == rows[0].code
    with pytest.raises(ValidationError):
        report_dossiers(ws, *period, "nonsense")


def test_satisfaction_in_pdf_xlsx_and_csv(
    demo_ws: Workstation, clock: FixedClock, tmp_path: Path
) -> None:
    """Six ratings in the year (3 very satisfied, 2 satisfied, 1 not): the PDF's line, the
    .xlsx's and the CSV's columns say what the JSON says."""
    with demo_ws.db.read() as s:
        codes = list(
            s.scalars(
                select(DossierRow.code)
                .where(DossierRow.status == "returned", DossierRow.returned_at < vn(2025, 12, 1))
                .order_by(DossierRow.code)
                .limit(6)
            )
        )
    assert len(codes) == 6
    clock.now = vn(2025, 12, 15, 10)
    for code, rating in zip(codes, ["very_satisfied"] * 3 + ["satisfied"] * 2, strict=False):
        rate(demo_ws, code, rating)
    rate(demo_ws, codes[5], Rating.DISSATISFIED, "Phải đi lại nhiều lần")
    clock.now = vn(2026, 1, 5, 8)
    rep = build_report(demo_ws, *YEAR)
    total = rep.to_json()["total"]
    assert (total["rated"], total["satisfaction_rate"]) == (6, 83.33)

    pdf = tmp_path / "report.pdf"
    export_report_pdf(rep, pdf)
    flat = re.sub(r"\s+", " ", pdf_text(pdf))
    assert (
        "Mức độ hài lòng: Rất hài lòng: 3 (50,00 %); Hài lòng: 2 (33,33 %); Không hài lòng: 1 "
        "(16,67 %); tỷ lệ hài lòng: 83,33 % trên 6 lượt đánh giá." in flat
    )

    xlsx = tmp_path / "report.xlsx"
    export_report_xlsx(rep, xlsx)
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    assert "T4:W4" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["T4"].value == "Đánh giá của người dân"
    assert [sheet.cell(5, c).value for c in range(20, 24)] == [
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
        "Tỷ lệ hài lòng",
    ]
    rows = {str(r[2].value).strip(): r for r in sheet.iter_rows(min_row=6) if r[2].value}
    total_row = rows["Tổng cộng"]
    keys = ["rated_very_satisfied", "rated_satisfied", "rated_dissatisfied"]
    assert [c.value for c in total_row[19:22]] == [total[k] for k in keys] == [3, 2, 1]
    rate_cell = total_row[22].value
    assert isinstance(rate_cell, float)
    assert rate_cell * 100 == pytest.approx(total["satisfaction_rate"])
    assert total_row[22].number_format == "0.00%"
    texts = [str(c.value) for c in sheet["A"] if c.value]
    assert any(t.startswith("Mức độ hài lòng: Rất hài lòng: 3 (50,00 %)") for t in texts)
    for u in rep.to_json()["units"]:  # every unit's counts, too
        row = next(r for r in sheet.iter_rows(min_row=6) if r[1].value == u["unit_code"])
        assert [c.value for c in row[19:22]] == [u[k] for k in keys]

    path = tmp_path / "report.csv"
    export_report_csv(rep, path)
    header, *body = csv.reader(path.read_bytes().decode("utf-8-sig").splitlines())
    assert header[-4:] == ["Rất hài lòng", "Hài lòng", "Không hài lòng", "Tỷ lệ hài lòng (%)"]
    assert body[-1][-4:] == ["3", "2", "1", "83.33"]
