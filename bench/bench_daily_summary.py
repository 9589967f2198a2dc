"""Daily summary PDF (target ≤ 1 s): ``render_daily_summary(ws, day)`` on a 5,000-dossier demo DB.

Value: p95 of the whole use case — the day's figures (the report's aggregate for one office),
the three dossier lists with their clerks, the ratings, and the reportlab layout to PDF bytes —
for the day of the newest receipt in the demo DB (fonts warm; the first call is printed).

Floor: a bare reportlab canvas that draws the same number of table rows as plain text lines
(one ``drawString`` per row, a new page every 40 rows) and saves to bytes — the fixed cost of
putting that many rows into a PDF with reportlab on this machine.
"""

from __future__ import annotations

import io
import time
from datetime import date

import common

DEFAULT_DOSSIERS = 5000
ROWS_PER_PAGE = 40


def floor_pdf(rows: int) -> bytes:
    """``rows`` lines of text on bare A4 pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 9)
    for i in range(max(rows, 1)):
        if i and i % ROWS_PER_PAGE == 0:
            c.showPage()
            c.setFont("Helvetica", 9)
        y = 780 - (i % ROWS_PER_PAGE) * 18
        c.drawString(85, y, f"{i + 1}  000.01.09.H24-260105-{1000 + i}  Nguyen Van A  17:00")
    c.showPage()
    c.save()
    return buf.getvalue()


def newest_day(ws: object) -> date:
    """The local date of the newest receipt in the DB."""
    from sqlalchemy import func, select

    from onestop_desktop.domain.calendar import VN_TZ
    from onestop_desktop.store.models import DossierRow

    with ws.db.read() as s:  # type: ignore[attr-defined]
        newest = s.scalar(select(func.max(DossierRow.received_at)))
    return newest.astimezone(VN_TZ).date()


def main(argv: list[str] | None = None) -> int:
    """Run the daily summary benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--rounds", type=int, default=15, help="timed renders of each kind")
    p.add_argument("--date", help="the day to summarise (default: the newest receipt's day)")
    args = p.parse_args(argv)
    if not args.no_header:
        common.print_machine()
    n = int(args.dossiers) if args.dossiers else DEFAULT_DOSSIERS
    db = common.ensure_db(n, rebuild=args.rebuild)

    from onestop_desktop.services.daily_summary import render_daily_summary, summary_info

    ws = common.open_workstation(db)
    try:
        day = date.fromisoformat(args.date) if args.date else newest_day(ws)
        t0 = time.perf_counter()
        first = render_daily_summary(ws, day)
        first_ms = (time.perf_counter() - t0) * 1000
        info = summary_info(ws, day)
        rows = sum(len(lst.rows) for lst in info.lists) + len(info.ratings)
        listed = [lst.total for lst in info.lists]
        floor_pdf(rows)
        ours: list[float] = []
        floor: list[float] = []
        for _ in range(args.rounds):  # alternate, so both see the same machine state
            ours += common.time_each(lambda _i: render_daily_summary(ws, day), range(1))
            floor += common.time_each(lambda _i: floor_pdf(rows), range(1))
    finally:
        ws.db.dispose()
    ours_s = common.summary_ms(ours)
    floor_s = common.summary_ms(floor)
    print(
        f"Daily summary of {day:%d/%m/%Y} on {n:_} dossiers: {len(first):,} bytes, "
        f"{rows} table rows (due today/next/overdue: {listed}); first render {first_ms:.1f} ms"
    )
    print(f"  render p50 {ours_s['p50']:.1f} ms, p95 {ours_s['p95']:.1f} ms")
    print(f"  floor  p50 {floor_s['p50']:.1f} ms, p95 {floor_s['p95']:.1f} ms (bare canvas rows)")
    figures = [
        common.Figure(
            key="daily_summary_p95",
            name="daily summary PDF p95",
            unit="ms",
            value=ours_s["p95"],
            floor=floor_s["p95"],
            target=1000.0,
            dossiers=n,
            details={
                "day": day.isoformat(),
                "rows": rows,
                "lists": listed,
                "bytes": len(first),
                "first_render_ms": round(first_ms, 2),
                "render": ours_s,
                "floor": floor_s,
            },
        )
    ]
    return common.finish(args, figures)


if __name__ == "__main__":
    raise SystemExit(main())
