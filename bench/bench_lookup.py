"""Lookup: exact-code p99 (target ≤ 2 ms) and diacritics-insensitive name search p95 (≤ 30 ms).

Service: ``lookup(ws, query)`` (a read unit of work, the ranked tiers, views built for 20 hits).

Floors, raw sqlite3 on the same DB with the app's pragmas:
- code: ``SELECT * FROM dossiers WHERE code = ?``;
- name: the index range query that holds the answer, ``SELECT * ... WHERE name_folded >= ? AND
  name_folded < ? || U+FFFF ORDER BY name_folded LIMIT 20``, topped up from the ``name_sort``
  index (given name first) when fewer than 20 rows came back, as the service does. The fold of
  the query is computed before timing.

Queries: random existing codes; names typed the way clerks type them, lower case without
diacritics, built from names sampled from the DB: full names, family + middle + the given
name's first letter ("nguyen van a"), family + middle ("tran thi"), family + start of a middle
name ("le hoang", "pham th"), and given names alone ("anh").
Every query set runs once untimed (warm cache, as on a counter PC in use), then timed.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

import common

HIGH = "\uffff"
LIMIT = 20


def sample_rows(con: sqlite3.Connection, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` random (code, name_folded) pairs of existing dossiers."""
    lo, hi = con.execute("SELECT min(rowid), max(rowid) FROM dossiers").fetchone()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        row = con.execute(
            "SELECT code, name_folded FROM dossiers WHERE rowid >= ? LIMIT 1",
            (rng.randint(lo, hi),),
        ).fetchone()
        if row is not None:
            out.append((row[0], row[1]))
    return out


def name_queries(folded_names: list[str], rng: random.Random) -> list[str]:
    """Queries typed without diacritics, in a realistic mix."""
    out = []
    for name in folded_names:
        parts = name.split()
        family, middle, given = parts[0], parts[1:-1], parts[-1]
        mid = middle[0] if middle else ""
        roll = rng.random()
        if roll < 0.3:
            q = name  # full name, as on the ID card
        elif roll < 0.5:
            q = " ".join([family, *middle, given[0]])  # "nguyen van a"
        elif roll < 0.7:
            q = f"{family} {mid}".strip()  # "tran thi"
        elif roll < 0.8:
            q = f"{family} {mid[: max(2, len(mid) - 1)]}".strip()  # "le hoan", "pham th"
        else:
            q = given  # "anh"
        if rng.random() < 0.2:
            q = q.title()  # some clerks capitalise
        out.append(q)
    return out


def floor_code(con: sqlite3.Connection, code: str) -> int:
    """The floor of an exact-code lookup."""
    return len(con.execute("SELECT * FROM dossiers WHERE code = ?", (code,)).fetchall())


def floor_name(con: sqlite3.Connection, folded: str) -> int:
    """The floor of a name search: the index range query(ies) with LIMIT 20."""
    rows = con.execute(
        "SELECT * FROM dossiers WHERE name_folded >= ? AND name_folded < ? "
        "ORDER BY name_folded LIMIT ?",
        (folded, folded + HIGH, LIMIT),
    ).fetchall()
    if len(rows) < LIMIT:
        rows += con.execute(
            "SELECT * FROM dossiers WHERE name_sort >= ? AND name_sort < ? "
            "ORDER BY name_sort LIMIT ?",
            (folded, folded + HIGH, LIMIT - len(rows)),
        ).fetchall()
    return len(rows)


def run(db: Path, n: int, *, code_queries: int, name_count: int, seed: int) -> list[common.Figure]:
    """Measure both lookups on ``db``."""
    from onestop_desktop.domain.text import fold
    from onestop_desktop.services.lookup import lookup

    rng = random.Random(seed)
    con = common.raw_connect(db)
    ws = common.open_workstation(db)
    sampled = sample_rows(con, max(code_queries, name_count), rng)
    codes = [c for c, _ in sampled[:code_queries]]
    names = name_queries([nf for _, nf in sampled[:name_count]], rng)
    folded = [fold(q) for q in names]

    # exact code
    for code in codes:  # warm-up, and check the service finds each code first
        hits = lookup(ws, code)
        if not hits or hits[0].dossier.code != code or hits[0].match != "code":
            raise SystemExit(f"lookup({code!r}) did not return that dossier first")
        floor_code(con, code)
    floor_ms = common.time_each(lambda c: floor_code(con, c), codes)
    ours_ms = common.time_each(lambda c: lookup(ws, c), codes)
    code_fig = common.Figure(
        key="lookup_code_p99",
        name="exact-code lookup p99",
        unit="ms",
        value=common.percentile(ours_ms, 99),
        floor=common.percentile(floor_ms, 99),
        target=2.0,
        dossiers=n,
        details={
            "queries": len(codes),
            "service_ms": common.summary_ms(ours_ms),
            "floor_ms": common.summary_ms(floor_ms),
            "floor_sql": "SELECT * FROM dossiers WHERE code = ?",
        },
    )

    # name search
    empty = 0
    for q, f in zip(names, folded, strict=True):  # warm-up and sanity
        hits = lookup(ws, q)
        if not hits:
            empty += 1
        floor_name(con, f)
    floor_ms = common.time_each(lambda f: floor_name(con, f), folded)
    ours_ms = common.time_each(lambda q: lookup(ws, q), names)
    if empty:
        print(f"warning: {empty} name queries found nothing", file=sys.stderr)
    name_fig = common.Figure(
        key="lookup_name_p95",
        name="name search (no diacritics) p95",
        unit="ms",
        value=common.percentile(ours_ms, 95),
        floor=common.percentile(floor_ms, 95),
        target=30.0,
        dossiers=n,
        details={
            "queries": len(names),
            "examples": names[:8],
            "service_ms": common.summary_ms(ours_ms),
            "floor_ms": common.summary_ms(floor_ms),
            "floor_sql": "name_folded range ORDER BY name_folded LIMIT 20 (+ name_sort range)",
        },
    )
    con.close()
    ws.db.dispose()
    return [code_fig, name_fig]


def main(argv: list[str] | None = None) -> int:
    """Run the lookup benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--queries", type=int, default=2000, help="exact-code queries (≥ 1000)")
    p.add_argument("--name-queries", type=int, default=1000, help="name queries")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    n = common.start(args)
    db = common.ensure_db(n, rebuild=args.rebuild)
    print(f"Lookup: {args.queries} exact codes, {args.name_queries} names (warm, then timed)")
    figures = run(db, n, code_queries=args.queries, name_count=args.name_queries, seed=args.seed)
    for f in figures:
        s, fl = f.details["service_ms"], f.details["floor_ms"]
        print(
            f"  {f.name}: service p50 {s['p50']:.3f} / p95 {s['p95']:.3f} / p99 {s['p99']:.3f} "
            f"/ max {s['max']:.3f} ms; floor p50 {fl['p50']:.3f} / p95 {fl['p95']:.3f} / "
            f"p99 {fl['p99']:.3f} ms"
        )
    return common.finish(args, figures)


if __name__ == "__main__":
    raise SystemExit(main())
