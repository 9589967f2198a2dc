"""Intake p95 (target ≤ 10 ms): one dossier + its event, durable (WAL, synchronous=FULL).

Service: ``intake(ws, IntakeRequest(...))`` — the whole use case in one write transaction
(BEGIN IMMEDIATE, actor, procedure, validation, due date, duplicate check, code allocation,
dossier row, event row, device counters, COMMIT with fsync).

Floor: raw sqlite3 with the same pragmas on the same DB: ``BEGIN IMMEDIATE``, INSERT one dossier
row, INSERT one event row, ``COMMIT`` — values computed before timing.

Both run on a copy of the benchmark DB (the N-dossier one unless ``--source-dossiers`` names
another size), one floor insert and one service intake alternately so both see the same WAL
growth and checkpoints. The copy is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import gc
import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common

FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores an instant in SQLite (naive UTC)


def _procedures(con: sqlite3.Connection) -> list[tuple[str, str, int]]:
    return con.execute(
        "SELECT code, name, processing_days FROM procedures WHERE active ORDER BY code"
    ).fetchall()


def floor_rows(
    con: sqlite3.Connection, people: list[dict[str, Any]], procs: list[tuple[str, str, int]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pre-computed (dossier, event) column values, one pair per floor insert."""
    from onestop_desktop.domain.ids import new_id
    from onestop_desktop.domain.text import fold, name_sort_key

    office = con.execute("SELECT value FROM settings WHERE key = 'office_code'").fetchone()[0]
    docs = con.execute(
        "SELECT documents FROM dossiers WHERE status = 'received' LIMIT 1"
    ).fetchone() or ("[]",)
    device_id = new_id()  # a device of its own: (device_id, device_seq) is unique
    now = datetime.now(UTC).replace(tzinfo=None)
    out = []
    for i, person in enumerate(people, start=1):
        code, name, days = procs[i % len(procs)]
        dossier_id = new_id()
        received = now + timedelta(seconds=i)
        due = received + timedelta(days=days)
        d = {
            "id": dossier_id,
            "code": f"BENCH.FLOOR-{received:%y%m%d}-{i:06d}",
            "procedure_code": code,
            "procedure_name": name,
            "office_code": office,
            "applicant_name": person["applicant_name"],
            "name_folded": fold(person["applicant_name"]),
            "name_sort": name_sort_key(person["applicant_name"]),
            "id_number": person["id_number"],
            "phone": person["phone"],
            "address": person["address"],
            "email": None,
            "channel": "direct",
            "received_at": received.strftime(FMT),
            "due_at": due.strftime(FMT),
            "rescheduled_due_at": None,
            "status": "received",
            "paused_at": None,
            "resolved_at": None,
            "resolution": None,
            "returned_at": None,
            "closed_at": None,
            "returned_to": None,
            "reason": None,
            "note": None,
            "documents": docs[0],
            "rating": None,
            "rating_reason": None,
            "print_count": 0,
            "flags": "",
            "version": 1,
            "updated_at": received.strftime(FMT),
        }
        payload = {
            k: d[k]
            for k in (
                "code",
                "procedure_code",
                "procedure_name",
                "office_code",
                "applicant_name",
                "id_number",
                "phone",
                "address",
                "channel",
                "received_at",
                "due_at",
            )
        }
        payload["documents"] = json.loads(d["documents"])
        e = {
            "id": new_id(),
            "dossier_id": dossier_id,
            "type": "dossier.received",
            "payload": json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            "occurred_at": received.strftime(FMT),
            "user_id": "bench-floor",
            "device_id": device_id,
            "device_seq": i,
            "hlc": f"{int(received.timestamp() * 1000)}-00000-{device_id}",
            "server_seq": None,
            "disposition": None,
        }
        out.append((d, e))
    return out


def _insert_sql(table: str, columns: list[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


def run(
    work: Path, n: int, *, ops: int, warmup: int, seed: int, copy_s: float, source: Path
) -> common.Figure:
    """Time ``ops`` service intakes and ``ops`` floor inserts, alternately."""
    from onestop_desktop.domain.dossier import Channel
    from onestop_desktop.services.demo import NameMaker
    from onestop_desktop.services.dossiers import IntakeRequest, intake

    rng = random.Random(seed)
    maker = NameMaker(rng)
    today = datetime.now(UTC).date()
    total = ops + warmup
    con = common.raw_connect(work)
    procs = _procedures(con)
    people = [maker.person(today) for _ in range(total)]
    requests = [
        IntakeRequest(
            procedure_code=rng.choice(procs)[0],
            applicant_name=p["applicant_name"],
            id_number=p["id_number"],
            phone=p["phone"],
            address=p["address"],
            channel=rng.choices([Channel.DIRECT, Channel.ONLINE, Channel.POSTAL], [72, 25, 3])[0],
        )
        for p in [maker.person(today) for _ in range(total)]
    ]
    rows = floor_rows(con, people, procs)
    d_sql = _insert_sql("dossiers", list(rows[0][0]))
    e_sql = _insert_sql("events", list(rows[0][1]))

    def floor(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        con.execute("BEGIN IMMEDIATE")
        con.execute(d_sql, pair[0])
        con.execute(e_sql, pair[1])
        con.execute("COMMIT")

    ws = common.open_workstation(work)
    for i in range(warmup):
        floor(rows[i])
        intake(ws, requests[i])
    floor_ms: list[float] = []
    ours_ms: list[float] = []
    gc.collect()
    for i in range(warmup, total):
        floor_ms.append(common.time_one(floor, rows[i]))
        ours_ms.append(common.time_one(lambda r: intake(ws, r), requests[i]))
    con.close()
    ws.db.dispose()
    return common.Figure(
        key="intake_p95",
        name="intake (dossier + event, durable) p95",
        unit="ms",
        value=common.percentile(ours_ms, 95),
        floor=common.percentile(floor_ms, 95),
        target=10.0,
        dossiers=n,
        details={
            "operations": ops,
            "db_copied_from": str(source.name),
            "copy_seconds": round(copy_s, 2),
            "service_ms": common.summary_ms(ours_ms),
            "floor_ms": common.summary_ms(floor_ms),
            "floor_sql": "BEGIN IMMEDIATE; INSERT dossiers; INSERT events; COMMIT",
        },
    )


def main(argv: list[str] | None = None) -> int:
    """Run the intake benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--ops", type=int, default=1000, help="timed intakes (and as many floors)")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument(
        "--source-dossiers",
        type=common.parse_count,
        help="copy the DB of this size instead of the N one (e.g. 100k to copy less)",
    )
    p.add_argument("--keep", action="store_true", help="keep the work copy")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    n = common.start(args)
    size = args.source_dossiers or n
    source = common.ensure_db(size, rebuild=args.rebuild)
    work = common.WORK_DIR / "intake.db"
    copy_s = common.copy_db(source, work)
    mib = work.stat().st_size / 2**20
    print(f"Intake: on a copy of {source.name} ({mib:,.0f} MiB, copied in {copy_s:.1f} s)")
    print(f"  {args.ops} service intakes alternating with {args.ops} floor inserts")
    try:
        fig = run(
            work,
            size,
            ops=args.ops,
            warmup=args.warmup,
            seed=args.seed,
            copy_s=copy_s,
            source=source,
        )
    finally:
        if not args.keep:
            common.remove_db(work)
    s, fl = fig.details["service_ms"], fig.details["floor_ms"]
    print(
        f"  service p50 {s['p50']:.3f} / p95 {s['p95']:.3f} / p99 {s['p99']:.3f} / "
        f"max {s['max']:.3f} ms; floor p50 {fl['p50']:.3f} / p95 {fl['p95']:.3f} / "
        f"p99 {fl['p99']:.3f} ms"
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
