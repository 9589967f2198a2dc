"""CSV import (target ≥ 20,000 dossiers/s): ``import_dossiers`` of 100,000 realistic rows.

The CSV (``bench/out/import-<rows>.csv``, regenerated each run from a fixed seed) has the
``onestop import dossiers`` columns plus ``address``: Vietnamese names, CCCD numbers and phones
from the demo generator, the bundled catalog, the offices of a fresh DB, receipts over two years
in office hours; the code is blank in half of the rows (the importer allocates one) and given
in the other half; due_at is blank in half of the rows (computed from the catalog and the
calendar); older dossiers carry resolved_at/returned_at.

Service: ``import_dossiers(ws, csv)`` into a fresh initialised DB (``onestop init``), timed from
the call to its return (read, parse, validate, allocate codes, write dossiers + events, COMMIT).

Floor: the very rows the service stored (dossiers and events read back from its DB, so the
values are pre-computed) inserted with raw sqlite3 ``executemany`` into another fresh DB with
the same pragmas, in one transaction: BEGIN IMMEDIATE … COMMIT.

Rates are dossiers per second; the figure is the median over ``--repeat`` runs, each on its
own fresh DB.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import common

from onestop_desktop.services.importer import COLUMNS

HEADER = (*COLUMNS, "address")  # the import format, plus one optional column
OTHER_SYSTEM_DEVICE = 50  # codes "given" in the file come from another system's device slice


def make_template() -> Path:
    """A freshly initialised DB (``onestop init``) that every run copies."""
    template = common.WORK_DIR / "import-template.db"
    common.remove_db(template)
    template.parent.mkdir(parents=True, exist_ok=True)
    common.onestop("--db", str(template), "init", quiet=True)
    return template


def write_csv(template: Path, path: Path, rows: int, seed: int) -> None:
    """Generate the import file (deterministic for a seed)."""
    from onestop_desktop.domain.calendar import VN_TZ, TimeUnit
    from onestop_desktop.domain.codes import format_dossier_code, sequence_for
    from onestop_desktop.services.demo import NameMaker
    from onestop_desktop.store.calendar_source import build_calendar

    rng = random.Random(seed)
    maker = NameMaker(rng)
    cal = build_calendar()
    with sqlite3.connect(template) as con:
        procs = con.execute(
            "SELECT code, processing_days, time_unit FROM procedures WHERE active"
        ).fetchall()
        own = con.execute("SELECT value FROM settings WHERE key = 'office_code'").fetchone()[0]
        offices = [r[0] for r in con.execute("SELECT code FROM offices ORDER BY code")]
    today = datetime.now(VN_TZ).date()
    days = [today - timedelta(days=i) for i in range(1, 731)]
    days = [d for d in days if cal.is_working_day(d)]
    counters: dict[tuple[str, date], int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for _ in range(rows):
            person = maker.person(today)
            proc_code, proc_days, unit = rng.choice(procs)
            office = own if rng.random() < 0.6 else rng.choice(offices)
            day = rng.choice(days)
            minute = rng.choice([rng.randint(0, 239), rng.randint(330, 569)])
            received = datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN_TZ) + timedelta(
                minutes=minute, seconds=rng.randint(0, 59)
            )
            due = cal.due_at(received, proc_days, TimeUnit(unit))
            resolved = returned = None
            if (today - day).days > 30 and rng.random() < 0.92:
                span = max((due - received).total_seconds(), 3600.0)
                resolved = received + timedelta(seconds=span * rng.uniform(0.05, 1.1))
                if rng.random() < 0.85:
                    returned = resolved + timedelta(hours=rng.randint(1, 72))
            code = ""
            if rng.random() < 0.5:
                k = counters[(office, day)] = counters.get((office, day), 0) + 1
                code = format_dossier_code(office, day, sequence_for(OTHER_SYSTEM_DEVICE, k))
            roll = rng.random()
            channel = "online" if roll < 0.25 else "postal" if roll < 0.28 else "direct"
            out.writerow(
                (
                    code,
                    proc_code,
                    office,
                    person["applicant_name"],
                    person["id_number"],
                    person["phone"] or "",
                    channel,
                    _local(received),
                    _local(due) if rng.random() < 0.5 else "",
                    _local(resolved),
                    _local(returned),
                    person["address"],
                )
            )


def _local(dt: datetime | None) -> str:
    """Vietnam local time without a zone, the way spreadsheets export it."""
    from onestop_desktop.domain.calendar import VN_TZ

    return "" if dt is None else dt.astimezone(VN_TZ).strftime("%Y-%m-%dT%H:%M:%S")


def service_run(template: Path, csv_path: Path, rows: int) -> tuple[float, Path]:
    """One timed import into a fresh DB; returns (seconds, the DB)."""
    from onestop_desktop.services.importer import import_dossiers

    db = common.WORK_DIR / "import-service.db"
    common.copy_db(template, db)
    ws = common.open_workstation(db)
    t0 = time.perf_counter()
    res = import_dossiers(ws, csv_path)
    seconds = time.perf_counter() - t0
    ws.db.dispose()
    if res.imported != rows:
        raise SystemExit(f"imported {res.imported} of {rows} rows")
    return seconds, db


def read_back(db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every dossier and event row the service wrote (the floor's pre-computed values)."""
    with sqlite3.connect(db) as con:
        return (
            con.execute("SELECT * FROM dossiers").fetchall(),
            con.execute("SELECT * FROM events").fetchall(),
        )


def floor_run(
    template: Path, dossiers: list[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> float:
    """One timed executemany of the same rows into a fresh DB; returns seconds."""
    db = common.WORK_DIR / "import-floor.db"
    common.copy_db(template, db)
    con = common.raw_connect(db)
    d_sql = f"INSERT INTO dossiers VALUES ({', '.join('?' * len(dossiers[0]))})"
    e_sql = f"INSERT INTO events VALUES ({', '.join('?' * len(events[0]))})"
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany(d_sql, dossiers)
    con.executemany(e_sql, events)
    con.execute("COMMIT")
    seconds = time.perf_counter() - t0
    con.close()
    common.remove_db(db)
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Run the import benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--rows", type=common.parse_count, default=100_000, help="rows in the CSV")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    common.start(args)  # N is not used: the import goes into a fresh DB
    template = make_template()
    csv_path = common.OUT_DIR / f"import-{common.db_label(args.rows)}.csv"
    t0 = time.perf_counter()
    write_csv(template, csv_path, args.rows, args.seed)
    mib = csv_path.stat().st_size / 2**20
    print(
        f"Import: {args.rows:_} rows, {csv_path.name} ({mib:,.1f} MiB, generated in "
        f"{time.perf_counter() - t0:.1f} s), into a fresh DB; median of {args.repeat} runs"
    )
    ours_s: list[float] = []
    floor_s: list[float] = []
    for _ in range(args.repeat):
        seconds, db = service_run(template, csv_path, args.rows)
        ours_s.append(seconds)
        dossiers, events = read_back(db)
        common.remove_db(db)
        floor_s.append(floor_run(template, dossiers, events))
    common.remove_db(template)
    ours_rate = args.rows / statistics.median(ours_s)
    floor_rate = args.rows / statistics.median(floor_s)
    print(
        f"  service runs {[round(s, 2) for s in ours_s]} s; floor runs "
        f"{[round(s, 2) for s in floor_s]} s ({len(dossiers):_} dossiers + {len(events):_} events)"
    )
    fig = common.Figure(
        key="import_rate",
        name="CSV import",
        unit="rows/s",
        value=ours_rate,
        floor=floor_rate,
        target=20_000,
        higher_is_better=True,
        dossiers=args.rows,
        details={
            "rows": args.rows,
            "runs": args.repeat,
            "service_s": [round(s, 3) for s in ours_s],
            "floor_s": [round(s, 3) for s in floor_s],
            "blank_codes": "about half",
            "blank_due_at": "about half",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
