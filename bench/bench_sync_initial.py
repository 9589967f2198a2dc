"""Initial sync of a large office to a NEW workstation: ``pull_all`` from a real server.

Server data: the N-dossier benchmark DB (``bench/out/bench-<N>.db`` from ``onestop demo``,
about 3.8 events per dossier) copied into a server database whose every event has its server
sequence (in the demo device's order) and disposition ``applied``. PostgreSQL (default): a
database ``onestop_bench_sync_<N>`` created for the bench with the server's schema and reference
data (``prepare_server``), filled with ``COPY``; kept between runs (with a build record
``bench/out/sync-server-<N>.json``) while its source DB is the same build — ``--drop`` drops it at
the end, ``--rebuild-server`` builds it again. ``--server sqlite``: a SQLite server file
``bench/out/sync-server-<N>.db`` filled with ``INSERT … SELECT`` from the source.

Service: a real ``onestop server run`` process on loopback; a workstation freshly set up with
``onestop init`` and ``onestop enroll`` (a token of the district office, whose scope holds every
office of the demo data); then ``pull_all(ws, client)`` timed from the call to its return (every
page: HTTP, parse, reduce, write dossiers + events + cursor in one transaction). A progress line
shows the cursor while it runs.

Floors: (1) the very rows the workstation ended with (its dossiers and events, read back)
inserted with raw sqlite3 ``executemany`` into another fresh ``onestop init`` DB with the app's
pragmas, in one transaction (rows fetched outside the timing); (2) server side, the PostgreSQL
``COPY`` of the same dossier and event rows into the server's indexed tables (timed when the
server DB was built; printed, and in the JSON details).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common
import sync_common

CHUNK = 50_000


def _columns(table: str) -> list[str]:
    from onestop_desktop.store.models import DossierRow, EventRow

    model = DossierRow if table == "dossiers" else EventRow
    return [c.name for c in model.__table__.columns]


def _source_meta(src: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(src.with_suffix(".json").read_text(encoding="utf-8"))
    return meta


def _event_select() -> str:
    cols = [c for c in _columns("events") if c not in ("server_seq", "disposition")]
    return f"SELECT {', '.join(cols)} FROM events ORDER BY device_id, device_seq"


# --------------------------------------------------------------------------- PostgreSQL server


def _pg_name(n: int) -> str:
    return f"onestop_bench_sync_{common.db_label(n)}"


def _server_meta_path(n: int, kind: str) -> Path:
    return common.OUT_DIR / f"sync-server-{kind}-{common.db_label(n)}.json"


def _pg_events(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
        return int(row[0]) if row else 0


def _pg_reusable(n: int, src: Path) -> str | None:
    meta_path = _server_meta_path(n, "pg")
    if not sync_common.pg_exists(_pg_name(n)):
        return "not built yet"
    if not meta_path.exists():
        return "no build record"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("source_built_at") != _source_meta(src).get("built_at"):
        return "built from another source DB"
    if _pg_events(sync_common.pg_url(_pg_name(n))) != meta.get("events"):
        return "event count differs from the build record"
    return None


def build_pg(n: int, src: Path) -> dict[str, Any]:
    """Create and fill the PostgreSQL server DB; returns its build record (with COPY timings)."""
    import psycopg

    name = _pg_name(n)
    print(f"Building PostgreSQL server DB {name} from {src.name}", flush=True)
    _server_meta_path(n, "pg").unlink(missing_ok=True)
    url = sync_common.create_pg(name)
    sync_common.prepare(url)
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    source = sqlite3.connect(src)
    try:
        with psycopg.connect(url) as conn:
            conn.execute("SET TIME ZONE 'UTC'")  # naive SQLite instants are UTC
            d_cols = _columns("dossiers")
            e_cols = _columns("events")
            plan = (
                ("dossiers", d_cols, f"SELECT {', '.join(d_cols)} FROM dossiers", False),
                ("events", e_cols, _event_select(), True),
            )
            for table, cols, select_sql, sequence in plan:
                cur = source.execute(select_sql)
                seconds = 0.0
                done = 0
                with conn.cursor() as pg:
                    t0 = time.perf_counter()
                    with pg.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        seconds += time.perf_counter() - t0
                        while True:
                            rows = cur.fetchmany(CHUNK)
                            if not rows:
                                break
                            if sequence:
                                rows = [(*r, done + i + 1, "applied") for i, r in enumerate(rows)]
                            t0 = time.perf_counter()
                            for row in rows:
                                copy.write_row(row)
                            seconds += time.perf_counter() - t0
                            done += len(rows)
                            print(f"\r  COPY {table}: {done:,}", end="", flush=True)
                        t0 = time.perf_counter()  # the end of COPY and the COMMIT count
                conn.commit()
                seconds += time.perf_counter() - t0
                print(f" rows in {seconds:,.1f} s ({done / seconds:,.0f} rows/s)", flush=True)
                timings[table] = seconds
                counts[table] = done
            t0 = time.perf_counter()
            conn.execute("ANALYZE")
            conn.commit()
            print(f"  ANALYZE in {time.perf_counter() - t0:.1f} s")
    finally:
        source.close()
    meta = {
        "database": name,
        "source": src.name,
        "source_built_at": _source_meta(src).get("built_at"),
        "dossiers": counts["dossiers"],
        "events": counts["events"],
        "copy_seconds": {k: round(v, 3) for k, v in timings.items()},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": common.git_commit(),
    }
    _server_meta_path(n, "pg").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def ensure_pg(n: int, src: Path, *, rebuild: bool) -> tuple[str, dict[str, Any]]:
    """The cached PostgreSQL server DB for N (built first when needed): (URL, build record)."""
    why = "--rebuild-server" if rebuild else _pg_reusable(n, src)
    if why is None:
        meta = json.loads(_server_meta_path(n, "pg").read_text(encoding="utf-8"))
        print(f"Server DB: PostgreSQL {_pg_name(n)} ({meta['events']:,} events, cached)")
    else:
        print(f"Server DB: PostgreSQL {_pg_name(n)} needs a build ({why})")
        meta = build_pg(n, src)
    return sync_common.pg_url(_pg_name(n)), meta


# --------------------------------------------------------------------------- SQLite server


def ensure_sqlite(n: int, src: Path, *, rebuild: bool) -> tuple[str, dict[str, Any]]:
    """The cached SQLite server file for N: (path, build record)."""
    db = common.OUT_DIR / f"sync-server-{common.db_label(n)}.db"
    meta_path = _server_meta_path(n, "sqlite")
    if not rebuild and db.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("source_built_at") == _source_meta(src).get("built_at"):
            print(f"Server DB: SQLite {db.name} ({meta['events']:,} events, cached)")
            return str(db), meta
    print(f"Building SQLite server DB {db.name} from {src.name}", flush=True)
    meta_path.unlink(missing_ok=True)
    common.remove_db(db)
    sync_common.prepare(str(db))
    con = common.raw_connect(db)
    d_cols = ", ".join(_columns("dossiers"))
    e_cols = [c for c in _columns("events") if c not in ("server_seq", "disposition")]
    t0 = time.perf_counter()
    con.execute("ATTACH DATABASE ? AS src", (str(src),))
    con.execute("BEGIN IMMEDIATE")
    con.execute(f"INSERT INTO dossiers ({d_cols}) SELECT {d_cols} FROM src.dossiers")
    cols = ", ".join(e_cols)
    con.execute(
        f"INSERT INTO events ({cols}, server_seq, disposition) "
        f"SELECT {cols}, row_number() OVER (ORDER BY device_id, device_seq), 'applied' "
        "FROM src.events ORDER BY device_id, device_seq"
    )
    con.execute("COMMIT")
    con.execute("DETACH DATABASE src")
    seconds = time.perf_counter() - t0
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    dossiers = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    con.close()
    print(f"  {dossiers:,} dossiers + {events:,} events in {seconds:,.1f} s")
    meta = {
        "source": src.name,
        "source_built_at": _source_meta(src).get("built_at"),
        "dossiers": dossiers,
        "events": events,
        "insert_select_seconds": round(seconds, 3),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return str(db), meta


# --------------------------------------------------------------------------- the sync


def _progress(db: Path, total: int, started: float, stop: threading.Event) -> None:
    """Print the pull cursor every second (read through its own connection; WAL)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        while not stop.wait(1.0):
            try:
                row = con.execute("SELECT value FROM settings WHERE key = 'pull_cursor'").fetchone()
            except sqlite3.OperationalError:
                continue
            at = int(row[0]) if row else 0
            elapsed = time.perf_counter() - started
            rate = at / elapsed if elapsed else 0.0
            eta = (total - at) / rate if rate else 0.0
            print(
                f"\r  pull: {at:,}/{total:,} events ({at / max(total, 1):.0%}), "
                f"{rate:,.0f} events/s, {elapsed:,.0f} s, ETA {eta:,.0f} s   ",
                end="",
                flush=True,
            )
    finally:
        con.close()


def sync_new_workstation(
    server_url: str, db_url: str, total: int, page: int
) -> tuple[float, float, Path]:
    """Enrol a fresh workstation and pull everything: (enrol seconds, pull seconds, its DB)."""
    from onestop_desktop.services.enrollment_client import connect
    from onestop_desktop.services.sync_pull import pull_all

    path = common.WORK_DIR / f"sync-initial-ws-{os.getpid()}.db"  # concurrent runs never share
    t0 = time.perf_counter()
    token = sync_common.enroll_token(db_url, sync_common.DISTRICT)
    sync_common.new_workstation(path, server_url, token)
    enrol_s = time.perf_counter() - t0
    ws = common.open_workstation(path)
    stop = threading.Event()
    try:
        with connect(ws) as client:
            started = time.perf_counter()
            watcher = threading.Thread(
                target=_progress, args=(path, total, started, stop), daemon=True
            )
            watcher.start()
            summary = pull_all(ws, client, page=page)
            pull_s = time.perf_counter() - started
    finally:
        stop.set()
        ws.db.dispose()
    print(
        f"\r  pull: {summary.pulled:,} events in {summary.pages:,} pages, {pull_s:,.1f} s"
        + " " * 30
    )
    if summary.pulled != total:
        raise SystemExit(f"pulled {summary.pulled} events, the server holds {total}")
    return enrol_s, pull_s, path


def floor_run(synced: Path) -> float:
    """executemany of the workstation's final dossiers + events into a fresh DB: seconds."""
    template = common.WORK_DIR / f"sync-initial-floor-{os.getpid()}.db"
    common.remove_db(template)
    common.onestop("--db", str(template), "init", quiet=True)
    src = sqlite3.connect(synced)
    con = common.raw_connect(template)
    seconds = 0.0
    try:
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        seconds += time.perf_counter() - t0
        for table in ("dossiers", "events"):
            cols = _columns(table)
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            cur = src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid")
            while rows := cur.fetchmany(CHUNK):
                t0 = time.perf_counter()
                con.executemany(sql, rows)
                seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        con.execute("COMMIT")
        seconds += time.perf_counter() - t0
    finally:
        con.close()
        src.close()
        common.remove_db(template)
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Run the initial-sync benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--server", choices=("postgres", "sqlite"), default="postgres")
    p.add_argument("--page", type=int, default=500, help="events per pull page (max 1000)")
    p.add_argument("--rebuild-server", action="store_true", help="rebuild the server DB")
    p.add_argument("--drop", action="store_true", help="drop the server DB at the end")
    p.add_argument("--keep-workstation", action="store_true", help="keep the synced DB")
    args = p.parse_args(argv)
    n = common.start(args)
    src = common.ensure_db(n, rebuild=args.rebuild)
    if args.server == "postgres":
        db_url, meta = ensure_pg(n, src, rebuild=args.rebuild_server or args.rebuild)
    else:
        db_url, meta = ensure_sqlite(n, src, rebuild=args.rebuild_server or args.rebuild)
    total = int(meta["events"])
    dossiers = int(meta["dossiers"])
    log = common.WORK_DIR / f"sync-initial-server-{args.server}-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"Initial sync: {dossiers:,} dossiers, {total:,} events from a {args.server} server "
        f"(real `onestop server run` on loopback), pages of {args.page}"
    )
    with sync_common.running_server(db_url, log, start_timeout=600) as base:
        enrol_s, pull_s, ws_db = sync_new_workstation(base, db_url, total, args.page)
    floor_s = floor_run(ws_db)
    if not args.keep_workstation:
        common.remove_db(ws_db)
        ws_db.with_name(ws_db.name + ".secret").unlink(missing_ok=True)
    copy = meta.get("copy_seconds", {})
    copy_s = sum(copy.values()) if copy else None
    print(
        f"  enrol (init + token + enroll) {enrol_s:.1f} s; floor executemany {floor_s:,.1f} s "
        f"({total / floor_s:,.0f} events/s incl. dossiers)"
    )
    if copy_s:
        print(
            f"  server-side floor: PostgreSQL COPY of the same rows {copy_s:,.1f} s "
            f"({total / copy_s:,.0f} events/s incl. dossiers; at build {meta['built_at']})"
        )
    if args.drop and args.server == "postgres":
        sync_common.drop_pg(_pg_name(n))
        _server_meta_path(n, "pg").unlink(missing_ok=True)
        print(f"  dropped {_pg_name(n)}")
    details = {
        "server": args.server,
        "dossiers": dossiers,
        "events": total,
        "page": args.page,
        "pull_s": round(pull_s, 3),
        "enrol_s": round(enrol_s, 3),
        "floor_executemany_s": round(floor_s, 3),
        "server_copy_s": copy,
        "server_copy_rate": round(total / copy_s) if copy_s else None,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    figs = [
        common.Figure(
            key=f"sync_initial_rate_{args.server}",
            name=f"initial sync pull ({args.server})",
            unit="rows/s",
            value=total / pull_s,
            floor=total / floor_s,
            target=20_000,
            higher_is_better=True,
            dossiers=n,
            details=details,
        ),
        common.Figure(
            key=f"sync_initial_time_{args.server}",
            name=f"initial sync total time ({args.server})",
            unit="s",
            value=pull_s,
            floor=floor_s,
            target=total / 20_000,
            dossiers=n,
            details=details,
        ),
    ]
    return common.finish(args, figs)


if __name__ == "__main__":
    raise SystemExit(main())
