"""One-year report (target ≤ 1 s) over the benchmark DB, on SQLite and on PostgreSQL.

``build_report(ws, 1 Jan, 31 Dec)`` of the latest calendar year the demo data covers (the demo
spreads dossiers over the two years before the DB was built); the median of ``--repeat`` (7)
timed runs after one untimed run, alternating with the floor.

Ratings: the demo records none, so before the first run this script adds citizens' ratings to
the cached SQLite DB once (``--no-ratings`` skips it): 30 % of the returned dossiers, a
``rating.given`` event a few minutes after the return (60 % very satisfied, 35 % satisfied,
5 % dissatisfied with a reason) and the dossier's rating, as ``services.ratings.rate`` would
leave them, from a fixed seed. The build record notes it.

PostgreSQL (``--pg``, on by default; ``--no-pg`` skips it): the database ``bench_onestop_<N>``
on ``postgresql://postgres@127.0.0.1:5432`` (trust auth) is created at the schema head and
filled with a copy of every table of the SQLite DB (``COPY``), then ``ANALYZE``; it is reused
while it holds the same number of dossiers and events.

Floor: the same aggregate hand-written, sent through ``sqlite3`` / ``psycopg`` with nothing of
ours around it — one ``SELECT office_code, procedure_code, count(*) FILTER (WHERE …) …
FROM dossiers WHERE received_at < :end AND (finished_at IS NULL OR finished_at >= :start)
GROUP BY office_code, procedure_code`` with the report's definitions written out, plus one
``GROUP BY rating`` over the dossiers rated within the year (the satisfaction figures). Its
sums are checked against the service's totals.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import common

RATED_SHARE = 0.30
RATING_SPLIT = (("very_satisfied", 0.60), ("satisfied", 0.35), ("dissatisfied", 0.05))
RATING_DEVICE = "bench-ratings"
VN = timedelta(hours=7)

# The report's definitions (services/reports.py), written out by hand. {p} is the placeholder
# style: ":name" for sqlite3, "%(name)s" for psycopg.
_OPEN_AT_END = "(finished_at IS NULL OR finished_at >= {end})"
_DUE_THEN = "(CASE WHEN last_paused_at >= {end} THEN due_before_pause ELSE due_at END)"
_PAUSED = "(last_paused_at < {end} AND (last_resumed_at IS NULL OR last_resumed_at >= {end}))"
_NOT_PAUSED = "(last_paused_at IS NULL OR last_paused_at >= {end} OR last_resumed_at < {end})"
FIGURES_SQL = f"""
SELECT office_code, procedure_code,
  count(*) FILTER (WHERE received_at < {{start}}) AS carried_over,
  count(*) FILTER (WHERE received_at >= {{start}} AND channel = 'online') AS received_online,
  count(*) FILTER (WHERE received_at >= {{start}} AND channel = 'direct') AS received_direct,
  count(*) FILTER (WHERE received_at >= {{start}} AND channel = 'postal') AS received_postal,
  count(*) FILTER (WHERE finished_at < {{end}} AND resolution = 'early') AS resolved_early,
  count(*) FILTER (WHERE finished_at < {{end}} AND resolution = 'on_time') AS resolved_on_time,
  count(*) FILTER (WHERE finished_at < {{end}} AND resolution = 'late') AS resolved_late,
  count(*) FILTER (WHERE {_OPEN_AT_END} AND ({_DUE_THEN} >= {{end}} OR {_PAUSED}))
    AS in_progress_on_time,
  count(*) FILTER (WHERE {_OPEN_AT_END} AND {_DUE_THEN} < {{end}} AND {_NOT_PAUSED})
    AS in_progress_overdue,
  count(*) FILTER (WHERE finished_at < {{end}} AND status = 'refused') AS refused,
  count(*) FILTER (WHERE finished_at < {{end}} AND status = 'withdrawn') AS withdrawn
FROM dossiers
WHERE received_at < {{end}} AND (finished_at IS NULL OR finished_at >= {{start}})
GROUP BY office_code, procedure_code
"""
RATINGS_SQL = """
SELECT office_code, procedure_code, rating, count(*)
FROM dossiers
WHERE id || '' IN (SELECT dossier_id FROM events
             WHERE type = 'rating.given' AND occurred_at >= {start} AND occurred_at < {end})
  AND rating IS NOT NULL
GROUP BY office_code, procedure_code, rating
"""


def sql_for(dialect: str) -> list[str]:
    """The floor's statements with the dialect's placeholders."""
    ph = (
        {"start": ":start", "end": ":end"}
        if dialect == "sqlite"
        else {"start": "%(start)s", "end": "%(end)s"}
    )
    return [FIGURES_SQL.format(**ph), RATINGS_SQL.format(**ph)]


def latest_full_year(db: Path) -> tuple[date, date]:
    """1 Jan – 31 Dec of the latest calendar year wholly within the data."""
    with sqlite3.connect(db) as con:
        newest = con.execute("SELECT max(received_at) FROM dossiers").fetchone()[0]
    last = datetime.fromisoformat(newest).date()
    year = last.year if last >= date(last.year, 12, 31) else last.year - 1
    return date(year, 1, 1), date(year, 12, 31)


def bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The period's UTC instants ``[start, end)`` (local midnight, Asia/Ho_Chi_Minh)."""
    start = datetime.combine(date_from, dtime(0)) - VN
    end = datetime.combine(date_to + timedelta(days=1), dtime(0)) - VN
    return start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- ratings


def _meta(db: Path) -> dict[str, Any]:
    path = db.with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def add_ratings(db: Path, seed: int = 1) -> int:
    """Add the ratings described above once; the number of rating events in the DB."""
    con = common.raw_connect(db)
    try:
        have = con.execute("SELECT count(*) FROM events WHERE type = 'rating.given'").fetchone()[0]
        if have:
            return int(have)
        print("Adding ratings to the benchmark DB (once) …", flush=True)
        started = time.perf_counter()
        rows = con.execute(
            "SELECT id, returned_at FROM dossiers WHERE status = 'returned' "
            "AND returned_at IS NOT NULL ORDER BY id"
        ).fetchall()
        user = con.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
        rng = random.Random(seed)
        events: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for dossier_id, returned_at in rows:
            if rng.random() >= RATED_SHARE:
                continue
            x = rng.random()
            rating = "dissatisfied"
            for value, share in RATING_SPLIT:
                if x < share:
                    rating = value
                    break
                x -= share
            reason = "Phải chờ lâu" if rating == "dissatisfied" else None
            at = datetime.fromisoformat(returned_at) + timedelta(minutes=rng.randint(1, 15))
            seq = len(events) + 1
            payload = {"rating": rating, **({"reason": reason} if reason else {})}
            events.append(
                (
                    f"00000000-0000-7000-8000-{seq:012d}",
                    dossier_id,
                    "rating.given",
                    json.dumps(payload, ensure_ascii=False),
                    at.isoformat(sep=" ", timespec="microseconds"),
                    user,
                    RATING_DEVICE,
                    seq,
                    f"{int(at.replace(tzinfo=UTC).timestamp() * 1000):015d}-0000-{RATING_DEVICE}",
                    None,
                    None,
                )
            )
            updates.append((rating, reason, dossier_id))
        con.execute("BEGIN IMMEDIATE")
        con.executemany(
            "INSERT INTO events (id, dossier_id, type, payload, occurred_at, user_id, device_id,"
            " device_seq, hlc, server_seq, disposition) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        con.executemany("UPDATE dossiers SET rating = ?, rating_reason = ? WHERE id = ?", updates)
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    meta = _meta(db)
    meta["ratings_added"] = {"events": len(events), "share": RATED_SHARE, "seed": seed}
    db.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(f"  {len(events):_} ratings added in {time.perf_counter() - started:.1f} s")
    return len(events)


# --------------------------------------------------------------------------- PostgreSQL


def pg_name(n: int) -> str:
    """The PostgreSQL benchmark database of N dossiers."""
    return f"bench_onestop_{common.db_label(n)}"


def _pg_counts(url: str) -> tuple[int, int] | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            d = conn.execute("SELECT count(*) FROM dossiers").fetchone()
            e = conn.execute("SELECT count(*) FROM events").fetchone()
            return (int(d[0]), int(e[0])) if d and e else None
    except psycopg.Error:
        return None


def _pg_reachable() -> bool:
    import psycopg
    import sync_common

    try:
        with psycopg.connect(sync_common.PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def ensure_pg(db: Path, n: int, *, rebuild: bool = False) -> str:
    """The PostgreSQL copy of the SQLite benchmark DB (built when missing or stale); its URL."""
    import psycopg
    import sync_common  # bench/sync_common.py: the local PostgreSQL helpers

    from onestop_desktop.store.db import Database
    from onestop_desktop.store.migrate import upgrade
    from onestop_desktop.store.models import Base

    name = pg_name(n)
    url = sync_common.pg_url(name)
    with sqlite3.connect(db) as con:
        want = (
            con.execute("SELECT count(*) FROM dossiers").fetchone()[0],
            con.execute("SELECT count(*) FROM events").fetchone()[0],
        )
    if not rebuild and sync_common.pg_exists(name) and _pg_counts(url) == want:
        print(f"PostgreSQL DB: {name} ({want[0]:_} dossiers, {want[1]:_} events, cached)")
        return url
    print(f"Building PostgreSQL DB {name}: schema head, then COPY of every table …", flush=True)
    started = time.perf_counter()
    sync_common.create_pg(name)
    database = Database.open(url)
    try:
        upgrade(database.engine)
    finally:
        database.dispose()
    src = sqlite3.connect(db)
    tables = list(Base.metadata.sorted_tables)
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE")
        for table in tables:
            cols = [c.name for c in table.columns]
            quoted = ", ".join(f'"{c}"' for c in cols)
            t0 = time.perf_counter()
            count = 0
            with conn.cursor().copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as cp:
                for row in src.execute(f'SELECT {quoted} FROM "{table.name}"'):
                    cp.write_row(row)
                    count += 1
            print(f"  {table.name}: {count:_} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        conn.commit()
    src.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  built in {time.perf_counter() - started:.1f} s")
    return url


# --------------------------------------------------------------------------- timing


def _check(report: Any, rows: list[tuple[Any, ...]], figure_rows: int) -> None:
    """The floor's sums equal the service's totals."""
    ours = sum(getattr(report.total, f.name) for f in fields(report.total))
    floor_total = sum(v for r in rows[:figure_rows] for v in r[2:])
    floor_total += sum(r[3] for r in rows[figure_rows:])
    if floor_total != ours:
        raise SystemExit(f"floor and service disagree: {floor_total} vs {ours} counted")


def measure(
    label: str,
    ws: Any,
    floor: Callable[[], tuple[list[tuple[Any, ...]], int]],
    date_from: date,
    date_to: date,
    repeat: int,
    n: int,
) -> common.Figure:
    """Median of ``repeat`` runs of the service and of the floor, alternating."""
    from onestop_desktop.services.reports import build_report

    t0 = time.perf_counter()
    report = build_report(ws, date_from, date_to)
    first_s = time.perf_counter() - t0
    rows, figure_rows = floor()
    _check(report, rows, figure_rows)
    ours_s: list[float] = []
    floor_s: list[float] = []
    gc.collect()
    for _ in range(repeat):
        t = time.perf_counter()
        floor()
        floor_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        build_report(ws, date_from, date_to)
        ours_s.append(time.perf_counter() - t)
    print(
        f"  {label}: {report.total.received:_} dossiers counted, {report.total.rated:_} rated; "
        f"first run {first_s:.3f} s; service {[round(x, 3) for x in ours_s]} s; "
        f"floor {[round(x, 3) for x in floor_s]} s"
    )
    return common.Figure(
        key=f"report_year_{label}",
        name=f"one-year report ({label})",
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
            "received": report.total.received,
            "resolved": report.total.resolved,
            "rated": report.total.rated,
            "floor": "hand-written GROUP BY office, procedure + GROUP BY rating",
        },
    )


def sqlite_floor(db: Path, start: datetime, end: datetime) -> Callable[[], Any]:
    """The hand-written aggregate through sqlite3 (the app's pragmas)."""
    con = common.raw_connect(db)
    params = {
        "start": start.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
        "end": end.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
    }
    figures_sql, ratings_sql = sql_for("sqlite")

    def run() -> tuple[list[tuple[Any, ...]], int]:
        rows = con.execute(figures_sql, params).fetchall()
        return rows + con.execute(ratings_sql, params).fetchall(), len(rows)

    return run


def pg_floor(url: str, start: datetime, end: datetime) -> Callable[[], Any]:
    """The hand-written aggregate through psycopg."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    params = {"start": start, "end": end}
    figures_sql, ratings_sql = sql_for("postgresql")

    def run() -> tuple[list[tuple[Any, ...]], int]:
        rows = conn.execute(figures_sql, params).fetchall()
        return rows + conn.execute(ratings_sql, params).fetchall(), len(rows)

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the one-year report benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--from", dest="date_from", type=date.fromisoformat)
    p.add_argument("--to", dest="date_to", type=date.fromisoformat)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--pg", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--ratings", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--rebuild-pg", action="store_true", help="copy the DB to PostgreSQL again")
    args = p.parse_args(argv)
    n = common.start(args)
    db = common.ensure_db(n, rebuild=args.rebuild)
    if args.ratings:
        add_ratings(db)
    d_from, d_to = latest_full_year(db)
    d_from, d_to = args.date_from or d_from, args.date_to or d_to
    start, end = bounds(d_from, d_to)
    print(f"Report: {d_from} – {d_to}, median of {args.repeat} runs after one untimed run")
    figures = []
    ws = common.open_workstation(db)
    try:
        figures.append(
            measure("SQLite", ws, sqlite_floor(db, start, end), d_from, d_to, args.repeat, n)
        )
    finally:
        ws.db.dispose()
    if args.pg and not _pg_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432: its figure is skipped")
    elif args.pg:
        url = ensure_pg(db, n, rebuild=args.rebuild_pg)
        from onestop_desktop.services.context import Workstation
        from onestop_desktop.store.db import Database

        pg_ws = Workstation(Database.open(url), username="bench")
        try:
            figures.append(
                measure(
                    "PostgreSQL", pg_ws, pg_floor(url, start, end), d_from, d_to, args.repeat, n
                )
            )
        finally:
            pg_ws.db.dispose()
    return common.finish(args, figures)


if __name__ == "__main__":
    raise SystemExit(main())
