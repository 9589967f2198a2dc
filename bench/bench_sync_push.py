"""Push of a large outbox: a workstation with 100,000 pending events → a PostgreSQL server.

The outbox: ``import_dossiers`` of the CSV that bench_import.py generates (100,000 realistic
rows, ``--rows``; offices limited to the district's, so the server applies every one), done
offline into a workstation set up with ``onestop init`` + ``onestop enroll`` (a token of the
district office): 100,000 dossiers, one pending ``dossier.imported`` event each.

Service: a real ``onestop server run`` process on loopback over a PostgreSQL database created for
the run (dropped afterwards); ``push_pending(ws, client)`` timed from the call to its return
(batches of 500: read the outbox, gzip JSON, server validates/reduces/stores dossiers + events
under its locks and COMMITs, the workstation records every receipt in one transaction). A
progress line shows the acknowledged sequence.

Floor: the very rows the server ended with (its dossiers and events, read back) written with
PostgreSQL ``COPY`` into the same indexed tables of another fresh server database, in one
transaction; psycopg ``executemany`` of the same rows is printed too. Rates are events per second.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_import
import common
import sync_common


def _columns(table: str) -> list[str]:
    from onestop_desktop.store.models import DossierRow, EventRow

    model = DossierRow if table == "dossiers" else EventRow
    return [c.name for c in model.__table__.columns]


def make_csv(rows: int, seed: int) -> Path:
    """The import file, with offices of the district only (so the server applies every row)."""
    template = bench_import.make_template()
    with sqlite3.connect(template) as con:
        con.execute(
            "DELETE FROM offices WHERE unit_code NOT IN "
            "(SELECT code FROM admin_units WHERE code = '009' OR parent_code = '009')"
        )
    csv_path = common.OUT_DIR / f"sync-push-{common.db_label(rows)}.csv"
    bench_import.write_csv(template, csv_path, rows, seed)
    common.remove_db(template)
    return csv_path


def _progress(db: Path, total: int, first: int, started: float, stop: threading.Event) -> None:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        while not stop.wait(1.0):
            try:
                row = con.execute(
                    "SELECT value FROM settings WHERE key = 'acked_device_seq'"
                ).fetchone()
            except sqlite3.OperationalError:
                continue
            done = (int(row[0]) - first + 1) if row else 0
            elapsed = time.perf_counter() - started
            rate = done / elapsed if elapsed else 0.0
            print(
                f"\r  push: {done:,}/{total:,} events ({done / max(total, 1):.0%}), "
                f"{rate:,.0f} events/s, {elapsed:,.0f} s   ",
                end="",
                flush=True,
            )
    finally:
        con.close()


def push_run(db_url: str, base: str, csv_path: Path, rows: int) -> tuple[float, dict[str, Any]]:
    """Enrol, import offline, push: (push seconds, details)."""
    from onestop_desktop.services.enrollment_client import connect
    from onestop_desktop.services.importer import import_dossiers
    from onestop_desktop.services.sync_push import pending_count, push_pending

    path = common.WORK_DIR / "sync-push-ws.db"
    sync_common.new_workstation(path, base, sync_common.enroll_token(db_url, sync_common.DISTRICT))
    ws = common.open_workstation(path)
    stop = threading.Event()
    try:
        t0 = time.perf_counter()
        res = import_dossiers(ws, csv_path)
        import_s = time.perf_counter() - t0
        pending = pending_count(ws)
        print(
            f"  offline import: {res.imported:,} dossiers in {import_s:.1f} s; {pending:,} pending"
        )
        if pending != rows:
            raise SystemExit(f"{pending} pending events, expected {rows}")
        with ws.db.read() as s:
            from sqlalchemy import func, select

            from onestop_desktop.store.models import EventRow

            first = int(s.scalar(select(func.min(EventRow.device_seq))) or 1)
        with connect(ws) as client:
            started = time.perf_counter()
            watcher = threading.Thread(
                target=_progress, args=(path, rows, first, started, stop), daemon=True
            )
            watcher.start()
            summary = push_pending(ws, client)
            push_s = time.perf_counter() - started
        stop.set()
        left = pending_count(ws)
    finally:
        stop.set()
        ws.db.dispose()
        common.remove_db(path)
        path.with_name(path.name + ".secret").unlink(missing_ok=True)
    print(f"\r  push: {summary.pushed:,} events in {push_s:,.1f} s" + " " * 40)
    if summary.pushed != rows or left:
        raise SystemExit(f"pushed {summary.pushed}, {left} still pending")
    return push_s, {
        "import_s": round(import_s, 3),
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
    }


def read_server(db_url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, int]]:
    """The server's dossier and event rows, and its dispositions."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        d = conn.execute(f"SELECT {', '.join(_columns('dossiers'))} FROM dossiers").fetchall()
        e = conn.execute(
            f"SELECT {', '.join(_columns('events'))} FROM events ORDER BY server_seq"
        ).fetchall()
        disp = dict(conn.execute("SELECT disposition, count(*) FROM events GROUP BY 1").fetchall())
        seqs = conn.execute(
            "SELECT min(server_seq), max(server_seq), count(*) FROM events"
        ).fetchone()
    if seqs is None or seqs[0] != 1 or seqs[1] != seqs[2]:
        raise SystemExit(f"server sequence not gapless: {seqs}")
    return d, e, {str(k): int(v) for k, v in disp.items()}


def floor_copy(dossiers: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> float:
    """COPY of the rows into a fresh server DB's tables, one transaction: seconds."""
    import psycopg

    with sync_common.scratch_pg("push_floor") as url:
        sync_common.prepare(url)
        with psycopg.connect(url) as conn:
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for table, rows in (("dossiers", dossiers), ("events", events)):
                    cols = ", ".join(_columns(table))
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.commit()
            return time.perf_counter() - t0


def floor_executemany(dossiers: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> float:
    """psycopg executemany of the rows into a fresh server DB's tables, one transaction."""
    import psycopg

    with sync_common.scratch_pg("push_floor") as url:
        sync_common.prepare(url)
        with psycopg.connect(url) as conn:
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for table, rows in (("dossiers", dossiers), ("events", events)):
                    cols = _columns(table)
                    sql = (
                        f"INSERT INTO {table} ({', '.join(cols)}) "
                        f"VALUES ({', '.join(['%s'] * len(cols))})"
                    )
                    cur.executemany(sql, rows)
            conn.commit()
            return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run the push benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--rows", type=common.parse_count, default=100_000, help="pending events")
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    common.start(args)  # N is not used: the outbox comes from a CSV import
    t0 = time.perf_counter()
    csv_path = make_csv(args.rows, args.seed)
    print(
        f"Push: {args.rows:_} pending events (offline import of {csv_path.name}, generated in "
        f"{time.perf_counter() - t0:.1f} s) → PostgreSQL server (real `onestop server run`)"
    )
    log = common.WORK_DIR / "sync-push-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with sync_common.scratch_pg("push") as db_url:
        sync_common.prepare(db_url)
        with sync_common.running_server(db_url, log) as base:
            push_s, details = push_run(db_url, base, csv_path, args.rows)
        dossiers, events, dispositions = read_server(db_url)
    if len(events) != args.rows or dispositions.get("applied") != args.rows:
        raise SystemExit(f"server holds {len(events)} events: {dispositions}")
    copy_s = floor_copy(dossiers, events)
    many_s = floor_executemany(dossiers, events)
    print(
        f"  server holds {len(dossiers):,} dossiers + {len(events):,} events {dispositions}, "
        f"server_seq gapless; floor COPY {copy_s:.1f} s, executemany {many_s:.1f} s"
    )
    fig = common.Figure(
        key="sync_push_rate",
        name="push 100k-event outbox (PostgreSQL)",
        unit="rows/s",
        value=args.rows / push_s,
        floor=args.rows / copy_s,
        target=20_000,
        higher_is_better=True,
        dossiers=args.rows,
        details={
            **details,
            "rows": args.rows,
            "push_s": round(push_s, 3),
            "floor_copy_s": round(copy_s, 3),
            "floor_executemany_s": round(many_s, 3),
            "floor_executemany_rate": round(args.rows / many_s),
            "dispositions": dispositions,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
