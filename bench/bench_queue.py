"""Queue: call-next round trip with 20 counters, and issue/call-to-display latency (issue #5).

A real ``onestop server run`` on loopback (PostgreSQL by default, ``--sqlite`` for the embedded
store). One kiosk issues tickets, 20 counters call the next one (each waits a random think time
between calls, far busier than real counters), and one display follows the queue by long poll.
Every client is an asyncio task on its own keep-alive connection, as separate PCs would be.

Figures: call-next round trip p99 (target ≤ 50 ms) beside the floor, an idle ``GET /health``
round trip on the same server; issue-to-display and call-to-display latency p99 (target ≤ 1 s),
the time from sending the request to the display's poll returning the change, beside the same
floor. Afterwards the run is checked: every ticket called once, none skipped.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import common
import sync_common

from onestop_desktop.services.enrollment import issue_token
from onestop_desktop.store.db import Database

OFFICE = sync_common.WARD


async def _enroll(base: str, token: str, name: str) -> dict[str, str]:
    import httpx

    async with httpx.AsyncClient(base_url=base) as http:
        r = await http.post("/v1/enroll", json={"token": token, "device_name": name})
        r.raise_for_status()
        answer = r.json()
    return {"Authorization": f"Bearer {answer['device_id']}:{answer['secret']}"}


async def run(base: str, tokens: list[str], args: Any) -> dict[str, Any]:
    """The load; returns the samples."""
    import httpx

    heads = [await _enroll(base, t, f"bench-{i}") for i, t in enumerate(tokens)]
    kiosk_h, display_h, counter_h = heads[0], heads[1], heads[2:]
    groups = ["ho_tich", "chung_thuc", "dat_dai_xay_dung", "bao_tro_xa_hoi", "ho_kinh_doanh"]
    rng = random.Random(args.seed)
    sent_issue: dict[str, float] = {}
    sent_call: dict[str, float] = {}
    seen_issue: dict[str, float] = {}
    seen_call: dict[str, float] = {}
    call_ms: list[float] = []
    issue_ms: list[float] = []
    called: list[str] = []
    stop = asyncio.Event()  # the kiosk and the counters
    stop_display = asyncio.Event()
    limits = httpx.Limits(max_connections=4)

    async with httpx.AsyncClient(base_url=base, headers=kiosk_h, limits=limits) as kiosk:
        # A morning's backlog first, so counters always find someone.
        for i in range(args.backlog):
            r = await kiosk.post("/v1/queue/issue", json={"service": groups[i % len(groups)]})
            r.raise_for_status()

        async def display() -> None:
            rev = 0
            async with httpx.AsyncClient(
                base_url=base, headers=display_h, timeout=60, limits=limits
            ) as http:
                while not stop_display.is_set():
                    r = await http.get("/v1/queue/changes", params={"since": rev, "wait": 1})
                    r.raise_for_status()
                    body = r.json()
                    now = time.perf_counter()
                    for t in body["tickets"]:
                        seen_issue.setdefault(t["id"], now)
                        if t["called_at"]:
                            seen_call.setdefault(t["id"], now)
                    rev = body["rev"]

        async def issuing() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                r = await kiosk.post(
                    "/v1/queue/issue", json={"service": groups[rng.randrange(len(groups))]}
                )
                r.raise_for_status()
                issue_ms.append((time.perf_counter() - t0) * 1000)
                sent_issue[r.json()["ticket"]["id"]] = t0
                await asyncio.sleep(rng.uniform(0, 2 * args.issue_every))

        async def counter(n: int) -> None:
            async with httpx.AsyncClient(
                base_url=base, headers=counter_h[n - 1], limits=limits
            ) as http:
                await asyncio.sleep(rng.uniform(0, args.think))
                while not stop.is_set():
                    t0 = time.perf_counter()
                    r = await http.post("/v1/queue/call", json={"counter": n})
                    r.raise_for_status()
                    call_ms.append((time.perf_counter() - t0) * 1000)
                    ticket = r.json()["ticket"]
                    if ticket is not None:
                        sent_call[ticket["id"]] = t0
                        called.append(ticket["id"])
                    await asyncio.sleep(rng.uniform(0, 2 * args.think))

        shown = asyncio.create_task(display())
        await asyncio.sleep(0.5)
        tasks = [asyncio.create_task(issuing())]
        tasks += [asyncio.create_task(counter(n)) for n in range(1, args.counters + 1)]
        await asyncio.sleep(args.duration)
        stop.set()
        await asyncio.gather(*tasks)  # every request answered
        await asyncio.sleep(2)  # the display's next poll sees the last changes
        stop_display.set()
        await shown
    return {
        "call_ms": call_ms,
        "issue_ms": issue_ms,
        "issue_to_display_ms": [
            (seen_issue[k] - v) * 1000 for k, v in sent_issue.items() if k in seen_issue
        ],
        "call_to_display_ms": [
            (seen_call[k] - v) * 1000 for k, v in sent_call.items() if k in seen_call
        ],
        "unseen_issues": [k for k in sent_issue if k not in seen_issue],
        "unseen_calls": [k for k in sent_call if k not in seen_call],
        "called": called,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the queue benchmark."""
    from bench_sync_load import floor_health

    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--counters", type=int, default=20)
    p.add_argument(
        "--think", type=float, default=2.0, help="mean seconds between a counter's calls"
    )
    p.add_argument("--issue-every", type=float, default=0.2, help="mean seconds between tickets")
    p.add_argument("--backlog", type=int, default=500, help="tickets waiting at the start")
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--sqlite", action="store_true", help="the embedded SQLite store")
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    common.start(args)
    store = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"Queue: {args.counters} counters calling every ~{args.think:g} s, a kiosk issuing every "
        f"~{args.issue_every:g} s, one display long-polling, {args.duration:g} s, {store} server"
    )
    log = common.WORK_DIR / "queue-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)

    def measure(db_url: str) -> tuple[dict[str, Any], list[float]]:
        sync_common.prepare(db_url)
        db = Database.open(db_url)
        try:
            tokens = [issue_token(db, OFFICE) for _ in range(2)]
            tokens += [issue_token(db, OFFICE, n) for n in range(1, args.counters + 1)]
        finally:
            db.dispose()
        with sync_common.running_server(db_url, log) as base:
            floor = floor_health(base, 1000)
            return asyncio.run(run(base, tokens, args)), floor

    if args.sqlite:
        path = common.WORK_DIR / "queue-server.db"
        common.remove_db(path)
        rec, floor_ms = measure(str(path))
    else:
        with sync_common.scratch_pg("queue") as db_url:
            rec, floor_ms = measure(db_url)
    twice = [k for k, n in Counter(rec["called"]).items() if n > 1]
    if twice or rec["unseen_calls"] or rec["unseen_issues"]:
        raise SystemExit(
            f"check failed: {len(twice)} tickets called twice, {len(rec['unseen_calls'])} calls "
            f"and {len(rec['unseen_issues'])} tickets the display never saw"
        )
    f = common.summary_ms(floor_ms)
    c = common.summary_ms(rec["call_ms"])
    i2d = common.summary_ms(rec["issue_to_display_ms"])
    c2d = common.summary_ms(rec["call_to_display_ms"])
    print(
        f"  {len(rec['call_ms']):,} calls ({len(rec['called']):,} served a ticket, none twice), "
        f"{len(rec['issue_ms']):,} tickets issued, every change seen by the display"
    )
    for name, s in (("call next", c), ("issue→display", i2d), ("call→display", c2d)):
        print(
            f"    {name:14s} p50 {s['p50']:.1f}  p95 {s['p95']:.1f}  p99 {s['p99']:.1f}  "
            f"max {s['max']:.1f} ms"
        )
    print(f"    floor: idle GET /health p50 {f['p50']:.2f}  p99 {f['p99']:.2f} ms")
    tag = "sqlite" if args.sqlite else "pg"
    details = {
        "counters": args.counters,
        "think_s": args.think,
        "duration_s": args.duration,
        "calls": len(rec["call_ms"]),
        "issued": len(rec["issue_ms"]),
        "store": store,
        "floor_ms": f,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    measured = (
        ("queue_call_p99", f"Call next, {args.counters} counters, p99", c, 50),
        ("queue_issue_display_p99", "Issue to display p99", i2d, 1000),
        ("queue_call_display_p99", "Call to display p99", c2d, 1000),
    )
    figures = [
        common.Figure(
            key=f"{key}_{tag}",
            name=f"{name} ({store})",
            unit="ms",
            value=ms["p99"],
            floor=f["p99"],
            target=target,
            details={**details, "ms": ms},
        )
        for key, name, ms, target in measured
    ]
    return common.finish(args, figures)


if __name__ == "__main__":
    raise SystemExit(main())
