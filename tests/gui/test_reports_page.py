"""Báo cáo driven for real: filters against build_report's JSON, drill-down counts, exports,
charts, and a GUI thread that never stalls while a report runs over 20,000 dossiers."""

from __future__ import annotations

import csv
import gc
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCharts import QBarSeries, QLineSeries, QPieSeries
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from onestop_desktop.domain.dossier import Rating
from onestop_desktop.domain.text import fold
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.main_window import MainWindow
from onestop_desktop.gui.models.report_model import (
    COLUMNS,
    DRILL_ROLE,
    VALUE_ROLE,
    DrillTarget,
    ReportTableModel,
    RowKind,
)
from onestop_desktop.gui.pages.lookup import LookupPage
from onestop_desktop.gui.pages.reports import ReportsPage
from onestop_desktop.gui.tasks import TaskRunner
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.demo import generate_demo
from onestop_desktop.services.dossiers import IntakeRequest, intake
from onestop_desktop.services.queue import LocalQueue
from onestop_desktop.services.ratings import rate
from onestop_desktop.services.report_periods import PeriodKind
from onestop_desktop.services.reports import build_report, report_procedures, vn_pct
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import DossierRow, OfficeRow
from tests.conftest import TEMPLATE_OFFICE, FixedClock, copy_db, vn
from tests.gui.test_lookup_page import StallMeter

log = logging.getLogger(__name__)

#: Column index of each figure key (single-figure columns).
COL = {c.figures[0]: i for i, c in enumerate(COLUMNS) if len(c.figures) == 1}
DIRECT_POSTAL = next(i for i, c in enumerate(COLUMNS) if len(c.figures) == 2)


@pytest.fixture
def demo_ws(ws: Workstation) -> Workstation:
    """1,500 demo dossiers over the year before the fixed clock's Monday 5 January 2026."""
    generate_demo(ws, 1500, seed=7, days=365)
    return ws


def _window(qtbot: QtBot, ctx: AppContext) -> tuple[MainWindow, ReportsPage]:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    page = window.show_page("reports")
    assert isinstance(page, ReportsPage)
    _settle(qtbot, page)
    return window, page


def _settle(qtbot: QtBot, page: ReportsPage) -> None:
    qtbot.waitUntil(lambda: not page.query_pending and page.result is not None, timeout=20_000)


def _values(page: ReportsPage, row: int) -> dict[str, Any]:
    return {
        key: page.model.data(page.model.index(row, col), VALUE_ROLE) for key, col in COL.items()
    }


def _expected(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: figures[key] for key in COL}


def _total_row(page: ReportsPage) -> int:
    last = page.model.rowCount() - 1
    assert page.model.row_at(last).kind is RowKind.TOTAL
    return last


def test_filters_change_the_table_to_build_reports_numbers(
    qtbot: QtBot, ctx: AppContext, demo_ws: Workstation
) -> None:
    _w, page = _window(qtbot, ctx)
    scope = page.current_scope()
    assert scope is not None
    assert scope.key == "tree:009"  # the workstation's district with all its wards
    start, end = page.period()
    assert (start, end) == (date(2026, 1, 1), date(2026, 1, 31))
    rep = build_report(demo_ws, start, end, unit_code="009").to_json()
    assert _values(page, _total_row(page)) == _expected(rep["total"])
    assert rep["total"]["received"] > 0

    # Quarter IV of 2025, one ward: the numbers follow.
    page.set_period(PeriodKind.QUARTER, date(2025, 11, 20))
    page.select_scope("unit:00343")
    qtbot.waitUntil(lambda: page.result is not None and page.result.scope.key == "unit:00343")
    _settle(qtbot, page)
    assert page.period() == (date(2025, 10, 1), date(2025, 12, 31))
    rep = build_report(demo_ws, date(2025, 10, 1), date(2025, 12, 31), unit_code="00343").to_json()
    assert _values(page, _total_row(page)) == _expected(rep["total"])
    assert rep["total"]["received"] > 100
    unit_rows = [r for r in page.model.rows() if r.kind is RowKind.UNIT]
    assert [r.label for r in unit_rows] == [u["unit_name"] for u in rep["units"]]
    field_rows = [r for r in page.model.rows() if r.kind is RowKind.FIELD]
    assert {r.label: r.figures.received for r in field_rows} == {
        f["field"]: f["received"] for f in rep["units"][0]["fields"]
    }
    assert page.model.data(page.model.index(_total_row(page), len(COLUMNS) - 1)) == (
        f"{rep['total']['on_time_rate']:.2f}".replace(".", ",") + " %"
    )

    # One field: only its rows; the total is that field's.
    page.field_combo.setCurrentIndex(page.field_combo.findData("Hộ tịch"))
    qtbot.waitUntil(lambda: page.result is not None and page.result.field == "Hộ tịch")
    _settle(qtbot, page)
    hotich = next(f for f in rep["units"][0]["fields"] if f["field"] == "Hộ tịch")
    assert _values(page, _total_row(page)) == _expected(hotich)
    assert {r.field for r in page.model.rows() if r.kind is RowKind.FIELD} == {"Hộ tịch"}

    # The district office alone: its unit's row of the district report, not the wards'.
    page.field_combo.setCurrentIndex(0)
    page.select_scope("unit:009")
    qtbot.waitUntil(lambda: page.result is not None and page.result.scope.key == "unit:009")
    _settle(qtbot, page)
    rep = build_report(demo_ws, date(2025, 10, 1), date(2025, 12, 31), unit_code="009").to_json()
    district = next(u for u in rep["units"] if u["unit_code"] == "009")
    assert _values(page, _total_row(page)) == _expected(district)
    assert [r.label for r in page.model.rows() if r.kind is RowKind.UNIT] == ["Quận Thanh Xuân"]


def test_as_of_line_and_definitions(qtbot: QtBot, ctx: AppContext, demo_ws: Workstation) -> None:
    _w, page = _window(qtbot, ctx)
    assert page.as_of_label.text().startswith("Số liệu tính đến ")
    assert "chưa đồng bộ với máy chủ" in page.as_of_label.text()
    assert not page.definitions_text.isVisibleTo(page)
    page.definitions_button.click()
    assert page.definitions_text.isVisibleTo(page)
    assert "carried_over" in page.definitions_text.toPlainText()


def test_periods_and_the_statistical_cut_off(
    qtbot: QtBot, ctx: AppContext, demo_ws: Workstation
) -> None:
    _w, page = _window(qtbot, ctx)
    page.set_period(PeriodKind.MONTH, date(2026, 1, 5))
    page.start_day_spin.setValue(15)
    _settle(qtbot, page)
    assert page.period() == (date(2025, 12, 15), date(2026, 1, 14))
    assert "Tháng 01/2026" in page.period_label.text()
    assert page.result is not None
    assert (page.result.report.date_from, page.result.report.date_to) == page.period()
    page.step_period(-1)
    assert page.period() == (date(2025, 11, 15), date(2025, 12, 14))
    page.start_day_spin.setValue(1)
    page.set_period(PeriodKind.CUSTOM, date(2025, 12, 1), date(2025, 12, 10))
    assert page.to_edit.isVisibleTo(page)
    _settle(qtbot, page)
    assert page.result is not None
    assert page.result.report.date_to == date(2025, 12, 10)


def test_drill_down_lists_as_many_dossiers_as_the_figure_and_opens_one(
    qtbot: QtBot, ctx: AppContext, demo_ws: Workstation
) -> None:
    window, page = _window(qtbot, ctx)
    total = _total_row(page)
    cells = [
        (total, COL["received"]),
        (total, DIRECT_POSTAL),
        (total, COL["resolved_on_time"]),
        (total, COL["in_progress_overdue"]),
        (1, COL["received"]),  # a field row of the first unit
    ]
    level = next((i for i, r in enumerate(page.model.rows()) if r.kind is RowKind.LEVEL), None)
    if level is not None:
        cells.append((level, COL["resolved"]))
    checked = 0
    for row, col in cells:
        index = page.model.index(row, col)
        target = page.model.data(index, DRILL_ROLE)
        assert isinstance(target, DrillTarget)
        if target.value == 0:
            continue
        dialog = page.drill(index)
        assert dialog is not None
        with qtbot.waitSignal(dialog.loaded, timeout=20_000) as blocker:
            pass
        assert blocker.args == [target.value], (page.model.row_at(row).label, COLUMNS[col])
        assert dialog.model.rowCount() == target.value
        checked += 1
        if (row, col) != cells[-1]:
            dialog.close()
    assert checked >= 4
    # Double-click (here: Enter) on a listed dossier opens it on Tra cứu.
    dialog = page.drill_dialog
    assert dialog is not None
    code = dialog.codes[0]
    dialog.view.setCurrentIndex(dialog.model.index(0, 0))
    with qtbot.waitSignal(page.dossier_requested, timeout=5000) as opened:
        dialog.open_index(dialog.view.currentIndex())
    assert opened.args == [code]
    assert window.tabs.currentWidget() is window.pages["lookup"]
    lookup = window.pages["lookup"]
    assert isinstance(lookup, LookupPage)

    def shown() -> bool:
        detail = lookup.detail.detail
        return detail is not None and detail.dossier.code == code

    qtbot.waitUntil(shown, timeout=10_000)
    # A zero or a rate opens nothing.
    assert page.drill(page.model.index(total, len(COLUMNS) - 1)) is None
    assert page.drill(QModelIndex()) is None


def test_export_buttons_write_the_files(
    qtbot: QtBot,
    ctx: AppContext,
    demo_ws: Workstation,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _w, page = _window(qtbot, ctx)
    assert page.result is not None
    received = page.result.report.total.received
    chosen: list[Path] = []

    def save_as(_parent: QWidget, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        chosen.append(tmp_path / suggested)
        return str(chosen[-1]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    for button, suffix in (
        (page.pdf_button, ".pdf"),
        (page.xlsx_button, ".xlsx"),
        (page.csv_button, ".csv"),
    ):
        button.click()
        path = chosen[-1]
        assert path.suffix == suffix
        qtbot.waitUntil(lambda p=path: page.last_export == p, timeout=20_000)
        assert path.stat().st_size > 0
    pdf, xlsx, csv_path = chosen
    assert pdf.read_bytes().startswith(b"%PDF")
    assert xlsx.read_bytes().startswith(b"PK")  # a zip: the workbook
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert any(str(received) in row for row in rows[1:]), rows[-1]
    # In biểu đồ: the four charts painted into a PDF.
    page.tabs.setCurrentIndex(1)
    page.print_charts_button.click()
    assert chosen[-1].read_bytes().startswith(b"%PDF")
    assert chosen[-1].stat().st_size > 5000
    # A cancelled dialog writes nothing.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: ("", "")))
    before = page.last_export
    page.csv_button.click()
    qtbot.wait(100)
    assert page.last_export == before


def test_daily_summary_button(qtbot: QtBot, ctx: AppContext, demo_ws: Workstation) -> None:
    _w, page = _window(qtbot, ctx)
    page.daily_button.click()
    qtbot.waitUntil(
        lambda: page.preview_dialog is not None or page.message_box is not None, timeout=20_000
    )
    try:
        import onestop_desktop.services.daily_summary  # noqa: F401
    except ImportError:
        assert page.message_box is not None
        assert page.preview_dialog is None
    else:
        assert page.preview_dialog is not None
        qtbot.waitUntil(lambda: page.preview_dialog.page_count() > 0, timeout=10_000)  # type: ignore[union-attr]


def test_charts_show_the_report(qtbot: QtBot, ctx: AppContext, demo_ws: Workstation) -> None:
    _w, page = _window(qtbot, ctx)
    assert page.result is not None
    rep = page.result.report
    views = page.charts.chart_views()
    assert len(views) == 4
    received = views[0].chart().series()
    assert len(received) == 1
    assert isinstance(received[0], QBarSeries)
    sets = received[0].barSets()
    assert [s.label() for s in sets] == ["Tiếp nhận", "Đã giải quyết"]
    assert sets[0].count() == 31  # January, per day
    assert sum(sets[0].at(i) for i in range(sets[0].count())) == rep.total.received_in_period
    rate = views[1].chart().series()
    assert len(rate) == 1
    assert isinstance(rate[0], QLineSeries)
    assert all(0 <= p.y() <= 100 for p in rate[0].points())
    pie = views[3].chart().series()
    assert isinstance(pie[0], QPieSeries)
    t = rep.total
    parts = (
        t.resolved_early,
        t.resolved_on_time,
        t.resolved_late,
        t.in_progress_on_time,
        t.in_progress_overdue,
        t.refused,
        t.withdrawn,
    )
    assert pie[0].count() == sum(1 for v in parts if v)
    assert pie[0].sum() == sum(parts)
    units = views[2].chart().series()
    assert isinstance(units[0], QBarSeries)
    assert [s.count() for s in units[0].barSets()] == [len(rep.units)] * 3
    # A year is drawn per month.
    page.set_period(PeriodKind.YEAR, date(2025, 6, 1))
    qtbot.waitUntil(lambda: page.charts.bucket == "month", timeout=20_000)
    _settle(qtbot, page)
    assert page.charts.chart_views()[0].chart().series()[0].barSets()[0].count() == 12


def test_model_passes_qtmodeltester(qtbot: QtBot, demo_ws: Workstation) -> None:
    model = ReportTableModel()
    tester = ModelTester(qtbot)
    tester.check(model)
    model.set_report(build_report(demo_ws, date(2025, 1, 1), date(2025, 12, 31)))
    tester.check(model)
    assert model.rowCount() > 10


# --------------------------------------------------------------------------- responsiveness


@pytest.fixture(scope="session")
def demo_20k(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 demo dossiers over two years (about 8 s, once per session)."""
    path = copy_db(template_db, tmp_path_factory.mktemp("reports20k") / "demo.db")
    db = Database.open(path)
    try:
        generate_demo(Workstation(db, clock=FixedClock(), username="tester"), 20_000)
    finally:
        db.dispose()
    return path


@pytest.fixture
def ctx_20k(demo_20k: Path, tmp_path: Path, clock: FixedClock) -> Iterator[AppContext]:
    db = Database.open(copy_db(demo_20k, tmp_path / "demo.db"))
    context = AppContext(ws=Workstation(db, clock=clock, username="tester"), runner=TaskRunner())
    try:
        yield context
    finally:
        context.runner.wait(30_000)
        db.dispose()


@pytest.mark.slow
def test_gui_never_stalls_while_reports_run_over_20k_dossiers(
    qtbot: QtBot, ctx_20k: AppContext
) -> None:
    _w, page = _window(qtbot, ctx_20k)
    qtbot.waitUntil(lambda: ctx_20k.runner.wait(0), timeout=30_000)
    gc.collect()
    gc.freeze()  # see test_lookup_page: a full collection of pytest's heap is not our stall
    meter = StallMeter()
    try:
        meter.start()
        for kind, anchor, scope in (
            (PeriodKind.YEAR, date(2025, 6, 1), "all"),
            (PeriodKind.NINE_MONTHS, date(2025, 6, 1), "tree:009"),
            (PeriodKind.QUARTER, date(2025, 11, 1), "unit:00343"),
            (PeriodKind.WEEK, date(2025, 12, 3), "all"),
        ):
            page.set_period(kind, anchor)
            page.select_scope(scope)
            qtbot.waitUntil(
                lambda s=scope: page.result is not None and page.result.scope.key == s,
                timeout=30_000,
            )
            _settle(qtbot, page)
        page.tabs.setCurrentIndex(1)
        qtbot.wait(100)
        worst = meter.stop()
    finally:
        gc.unfreeze()
    log.info("longest GUI stall during reports over 20,000 dossiers: %.1f ms", worst * 1000)
    assert meter.ticks > 50
    assert page.result is not None
    assert page.result.report.total.received > 0
    assert worst < 0.100, f"the event loop stalled {worst * 1000:.1f} ms"


# --------------------------------------------------------------------------- procedure filter


def _rate_some(ws: Workstation) -> list[str]:
    """Ratings of nine returned dossiers, recorded now (the default period: January 2026)."""
    with ws.db.read() as s:
        codes = list(
            s.scalars(
                select(DossierRow.code)
                .where(DossierRow.status == "returned")
                .order_by(DossierRow.code)
                .limit(9)
            )
        )
    assert len(codes) == 9
    ratings = [Rating.VERY_SATISFIED] * 4 + [Rating.SATISFIED] * 3 + [Rating.DISSATISFIED] * 2
    for code, rating in zip(codes, ratings, strict=True):
        rate(ws, code, rating, "Phải chờ lâu" if rating is Rating.DISSATISFIED else None)
    return codes


def test_procedure_filter_matches_build_report_and_its_drill_down(
    qtbot: QtBot, ctx: AppContext, demo_ws: Workstation
) -> None:
    _w, page = _window(qtbot, ctx)
    combo = page.procedure_combo
    assert combo.isEditable()
    assert combo.itemData(0) is None
    catalog = report_procedures(demo_ws)
    assert combo.count() == len(catalog) + 1
    # The busiest procedure of the quarter.
    start, end = date(2025, 10, 1), date(2025, 12, 31)
    with demo_ws.db.read() as s:
        code = s.scalar(
            select(DossierRow.procedure_code)
            .where(DossierRow.received_at >= vn(2025, 10, 1))
            .group_by(DossierRow.procedure_code)
            .order_by(func.count().desc(), DossierRow.procedure_code)
            .limit(1)
        )
    assert code is not None
    name = next(n for c, n, _f in catalog if c == code)
    # Typing part of the name without diacritics finds it (the completer's search text).
    completer = combo.completer()
    assert completer is not None
    completer.setCompletionPrefix(fold(name)[:12])
    found = [
        completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())
    ]
    assert f"{code} — {name}" in found
    assert completer.completionCount() < combo.count()
    page.set_period(PeriodKind.QUARTER, date(2025, 11, 20))
    page.select_procedure(code)
    qtbot.waitUntil(lambda: page.result is not None and page.result.procedure == code)
    _settle(qtbot, page)
    assert combo.currentText() == f"{code} — {name}"
    rep = build_report(demo_ws, start, end, unit_code="009", procedure_code=code)
    assert page.result is not None
    assert page.result.report.procedure_code == code
    assert _values(page, _total_row(page)) == _expected(rep.to_json()["total"])
    everything = build_report(demo_ws, start, end, unit_code="009").total.received
    assert 0 < rep.total.received < everything
    # The charts follow the procedure, too: the bars add up to the procedure's receipts.
    series = page.charts.chart_views()[0].chart().series()[0]
    assert isinstance(series, QBarSeries)
    received = series.barSets()[0]
    bars = sum(received.at(i) for i in range(received.count()))
    assert bars == sum(p.received for p in page.result.points) == rep.total.received_in_period
    assert rep.total.received_in_period < build_report(demo_ws, start, end).total.received
    # The drill-down behind the procedure's total has exactly that many dossiers, all of it.
    index = page.model.index(_total_row(page), COL["received"])
    dialog = page.drill(index)
    assert dialog is not None
    with qtbot.waitSignal(dialog.loaded, timeout=20_000) as blocker:
        pass
    assert blocker.args == [rep.total.received]
    dialog.close()
    # Typed text that names nothing goes back to the chosen procedure; an empty text, to all.
    combo.setEditText("không có thủ tục này")
    page._on_procedure_text_done()
    assert combo.currentData() == code
    # Choosing a field lists its procedures only; one of another field falls back to all.
    field = next(f for c, _n, f in catalog if c == code)
    other = next(f for _c, _n, f in catalog if f != field)
    page.field_combo.setCurrentIndex(page.field_combo.findData(other))
    assert combo.currentData() is None
    assert combo.count() == 1 + sum(1 for _c, _n, f in catalog if f == other)
    qtbot.waitUntil(lambda: page.result is not None and page.result.field == other)
    _settle(qtbot, page)
    assert page.result is not None
    assert page.result.procedure is None


def test_page_shows_online_shares_and_satisfaction_of_the_json_report(
    qtbot: QtBot, ctx: AppContext, demo_ws: Workstation
) -> None:
    _rate_some(demo_ws)
    _w, page = _window(qtbot, ctx)
    start, end = page.period()
    data = build_report(demo_ws, start, end, unit_code="009").to_json()
    total = data["total"]
    assert (total["rated_very_satisfied"], total["rated_satisfied"]) == (4, 3)
    assert (total["rated_dissatisfied"], total["rated"]) == (2, 9)
    assert _values(page, _total_row(page)) == _expected(total)
    shares = page.shares_label.text()
    assert data["catalog"]
    for share in data["catalog"]:
        n = share["procedures"]
        assert f"{share['online']}/{n} ({vn_pct(share['online_share'])})" in shares
        assert f"{share['online_full']}/{n} ({vn_pct(share['online_full_share'])})" in shares
    assert "một phần hoặc toàn trình" in shares
    text = page.satisfaction_label.text()
    for key, label in (
        ("rated_very_satisfied", "Rất hài lòng"),
        ("rated_satisfied", "Hài lòng"),
        ("rated_dissatisfied", "Không hài lòng"),
    ):
        share = vn_pct(round(100 * total[key] / total["rated"], 2))
        assert f"{label}: <b><a href='{key}'>{total[key]}</a></b> ({share})" in text
    assert f"tỷ lệ hài lòng <b>{vn_pct(total['satisfaction_rate'])}</b>" in text
    assert vn_pct(total["satisfaction_rate"]) == "77,78 %"
    # Each count opens its dossiers.
    dialog = page.drill_figure("rated_dissatisfied")
    assert dialog is not None
    with qtbot.waitSignal(dialog.loaded, timeout=20_000) as blocker:
        pass
    assert blocker.args == [2]
    assert dialog.model.rowCount() == 2
    dialog.close()
    # Another month: nobody rated.
    page.step_period(-1)
    qtbot.waitUntil(lambda: page.result is not None and page.result.report.date_to.month == 12)
    _settle(qtbot, page)
    assert "chưa có đánh giá nào" in page.satisfaction_label.text()
    assert page.drill_figure("rated_satisfied") is None


def test_page_shows_the_queue_of_the_period(
    qtbot: QtBot, ctx: AppContext, ws: Workstation, clock: FixedClock
) -> None:
    """Three tickets of the workstation's office in January 2026, one in December: the block
    shows January's (tickets, served, no-shows, average wait and service, per group)."""
    q = LocalQueue(ws.db, TEMPLATE_OFFICE, clock=clock, clerk="tester")
    clock.now = vn(2025, 12, 30, 8)
    q.issue("ho_tich")  # the month before
    clock.now = vn(2026, 1, 2, 8)
    a = q.issue("ho_tich")
    b = q.issue("chung_thuc")
    clock.now = vn(2026, 1, 2, 8, 6)
    q.call_next(1, groups=["ho_tich"])  # waited 6 min
    clock.now = vn(2026, 1, 2, 8, 16)
    q.finish(a.id, 1)  # served in 10 min
    clock.now = vn(2026, 1, 2, 8, 20)
    q.call_next(2, groups=["chung_thuc"])  # waited 20 min
    q.skip(b.id, 2)
    clock.now = vn(2026, 1, 2, 9)
    q.issue("ho_tich")  # still waiting
    clock.now = vn(2026, 1, 5, 8)
    with ws.db.read() as s:  # a ward office with a dossier (a scope) but no tickets
        ward_office = s.scalar(select(OfficeRow.code).where(OfficeRow.unit_code == "00346"))
    assert ward_office is not None
    intake(
        ws,
        IntakeRequest(
            procedure_code="1.004873", applicant_name="Lê Văn Phường", office_code=ward_office
        ),
    )
    _w, page = _window(qtbot, ctx)
    assert page.period() == (date(2026, 1, 1), date(2026, 1, 31))
    assert page.result is not None
    assert page.result.queue is not None
    assert page.result.queue.total.tickets == 3
    text = page.queue_label.text()
    assert (
        "Hàng chờ: <b>3</b> phiếu · đã phục vụ <b>1</b> · vắng mặt <b>1</b> · "
        "chờ trung bình <b>13 phút</b> · phục vụ trung bình <b>10 phút</b>" in text
    )
    assert "Hộ tịch: 2 phiếu, chờ 6 phút, phục vụ 10 phút" in text
    assert "Chứng thực: 1 phiếu, chờ 20 phút, phục vụ —" in text
    # Every figure of every group and counter in the tooltip's table.
    tip = page.queue_label.toolTip()
    for label, values in (
        ("Hộ tịch", ("2", "1", "0", "6 phút", "6 phút", "10 phút", "0")),
        ("Chứng thực", ("1", "0", "1", "20 phút", "20 phút", "—", "0")),
        ("Quầy 2", ("1", "0", "1", "20 phút", "20 phút", "—", "0")),
    ):
        cells = "".join(f"<td align='right'>{v}</td>" for v in values)
        assert f"<td>{label}</td>{cells}</tr>" in tip, label
    # Another office's unit: none of these tickets.
    page.select_scope("unit:00346")
    qtbot.waitUntil(lambda: page.result is not None and page.result.scope.key == "unit:00346")
    _settle(qtbot, page)
    assert page.queue_label.text() == "Hàng chờ: không có phiếu xếp hàng nào trong kỳ."
    # December: the one ticket of the 30th.
    page.select_scope("tree:009")
    page.step_period(-1)
    qtbot.waitUntil(
        lambda: (
            page.result is not None
            and page.result.report.date_to.month == 12
            and page.result.scope.key == "tree:009"
        )
    )
    _settle(qtbot, page)
    assert "Hàng chờ: <b>1</b> phiếu · đã phục vụ <b>0</b>" in page.queue_label.text()
