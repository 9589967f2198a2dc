"""Nine-month report (target ≤ 1 s): ``build_report(ws, from, to)`` on the benchmark DB.

The period is 1 January – 30 September of the latest year whose September the demo data covers
(the demo spreads dossiers over the two years before the DB was built); ``--from``/``--to``
choose another. The figure is the median of ``--repeat`` (7) timed runs after one untimed run;
service and floor runs alternate.

Floor: the report's aggregate in raw sqlite3 — the ``SELECT <the report's conditional counts>
FROM dossiers …`` statements that ``build_report`` sends to SQLite (on SQLite one covering-index
range scan per office × procedure group and scope; elsewhere one GROUP BY per scope), captured
from its own run (SQLAlchemy's ``before_cursor_execute`` hook) with their bound parameters,
executed with ``sqlite3`` and fetched whole. The floor is therefore always the service's
current SQL, whatever index or rewrite the report adopts; what it leaves out is everything else
the service does (reference lookups, data-as-of, grouping rows into units and fields). Its sums
are checked against the service's totals. The satisfaction figures' statement (ratings of the
period, ``GROUP BY rating``) is captured the same way.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import time
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import common

Statement = tuple[str, tuple[Any, ...]]


def default_period(db: Path) -> tuple[date, date]:
    """1 Jan – 30 Sep of the latest year whose September lies within the data."""
    with sqlite3.connect(db) as con:
        newest = con.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    last = datetime.fromisoformat(newest).date()
    year = last.year if last >= date(last.year, 10, 1) else last.year - 1
    return date(year, 1, 1), date(year, 9, 30)


def captured(ws: Any, date_from: date, date_to: date) -> tuple[Any, list[Statement]]:
    """Run ``build_report`` once, recording the aggregate statements it executes."""
    from sqlalchemy import event

    from onestop_desktop.services.reports import build_report

    seen: list[Statement] = []

    def hook(*args: Any) -> None:  # (conn, cursor, statement, parameters, context, many)
        statement, parameters = args[2], args[3]
        text = statement.upper()
        # The figures' conditional counts and the satisfaction figures' GROUP BY rating.
        if "FROM DOSSIERS" in text and ("FILTER" in text or "RATING.GIVEN" in text):
            seen.append((statement, tuple(parameters)))

    event.listen(ws.db.engine, "before_cursor_execute", hook)
    try:
        report = build_report(ws, date_from, date_to)
    finally:
        event.remove(ws.db.engine, "before_cursor_execute", hook)
    if not seen:
        raise SystemExit("build_report ran no aggregate statement; the floor needs updating")
    return report, seen


def floor(con: sqlite3.Connection, statements: list[Statement]) -> list[tuple[Any, ...]]:
    """The floor: the report's aggregate statement(s) in raw sqlite3."""
    rows: list[tuple[Any, ...]] = []
    for sql, params in statements:
        rows += con.execute(sql, params).fetchall()
    return rows


def run(db: Path, n: int, date_from: date, date_to: date, repeat: int) -> common.Figure:
    """Time the service and the floor ``repeat`` times each (after one untimed run each)."""
    from onestop_desktop.services.reports import build_report

    con = common.raw_connect(db)
    ws = common.open_workstation(db)
    t0 = time.perf_counter()
    report, statements = captured(ws, date_from, date_to)
    first_s = time.perf_counter() - t0
    rows = floor(con, statements)
    floor_total = sum(v for r in rows for v in r if isinstance(v, int))
    ours_total = sum(getattr(report.total, f.name) for f in fields(report.total))
    if floor_total != ours_total:
        raise SystemExit(f"floor and service disagree: {floor_total} vs {ours_total} counted")
    floor_s: list[float] = []
    ours_s: list[float] = []
    gc.collect()
    for _ in range(repeat):  # alternately, so both see the same machine load and caches
        floor_s.append(common.time_one(lambda st: floor(con, st), statements) / 1000)
        ours_s.append(common.time_one(lambda p: build_report(ws, *p), (date_from, date_to)) / 1000)
    con.close()
    ws.db.dispose()
    return common.Figure(
        key="report_9_months",
        name="nine-month report",
        unit="s",
        value=statistics.median(ours_s),
        floor=statistics.median(floor_s),
        target=1.0,
        dossiers=n,
        details={
            "period": [date_from.isoformat(), date_to.isoformat()],
            "runs": repeat,
            "first_run_s": round(first_s, 4),
            "service_s": [round(x, 4) for x in ours_s],
            "floor_s": [round(x, 4) for x in floor_s],
            "floor_statements": len(statements),
            "floor_sql": [sql for sql, _ in statements],
            "groups": len(rows),
            "received": report.total.received,
            "resolved": report.total.resolved,
        },
    )


def main(argv: list[str] | None = None) -> int:
    """Run the report benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--from", dest="date_from", type=date.fromisoformat)
    p.add_argument("--to", dest="date_to", type=date.fromisoformat)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args(argv)
    n = common.start(args)
    db = common.ensure_db(n, rebuild=args.rebuild)
    d_from, d_to = default_period(db)
    d_from, d_to = args.date_from or d_from, args.date_to or d_to
    print(
        f"Report: {d_from} – {d_to}, median of {args.repeat} runs (alternating with the floor) "
        "after one untimed run"
    )
    fig = run(db, n, d_from, d_to, args.repeat)
    d = fig.details
    print(
        f"  {d['received']:_} dossiers counted, {d['floor_statements']} aggregate statement(s), "
        f"{d['groups']} result rows; "
        f"first run {d['first_run_s']:.3f} s; service runs {d['service_s']} s; "
        f"floor runs {d['floor_s']} s"
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
