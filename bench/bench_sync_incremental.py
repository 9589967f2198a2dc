"""Incremental sync round carrying 100 changes (target ≤ 200 ms): ``sync_round`` on loopback.

Setup: a real ``onestop server run`` process over a PostgreSQL database created for the run
(dropped afterwards); two workstations of one ward office set up with ``onestop init`` +
``onestop enroll``. Before each timed round (untimed): workstation B receives ``--pull`` (50)
dossiers with the ``intake`` service and syncs them to the server; workstation A receives
``--push`` (50) dossiers offline. Timed: ``sync_round(ws_a, client)`` — handshake, push A's 50
pending events, pull B's 50 (and the confirmation of A's own 50), each page applied in one
transaction — from the call to its return, over a kept-alive connection as in the app.
``--rounds`` (20) timed rounds after ``--warmup`` (2); every round is checked (pushed 50,
pulled 50).

Floor: a bare HTTP round trip ``GET /health`` to the same server, three in a row (a round
makes three requests: handshake, push, pull) over the same kind of kept-alive httpx client,
timed the same number of times between the rounds.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import common
import sync_common

PROCEDURES = ("1.004873", "1.001193")


def _intakes(ws: Any, count: int, tag: str) -> None:
    from onestop_desktop.services.dossiers import IntakeRequest, intake

    for i in range(count):
        intake(
            ws,
            IntakeRequest(
                procedure_code=PROCEDURES[i % len(PROCEDURES)],
                applicant_name=f"Nguyễn Văn Đồng Bộ {tag} {i}",
                phone=f"09{i:08d}",
            ),
        )


def main(argv: list[str] | None = None) -> int:
    """Run the incremental-round benchmark."""
    import httpx

    from onestop_desktop.services.enrollment_client import connect
    from onestop_desktop.services.sync_round import sync_round

    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--push", type=int, default=50, help="changes A pushes per round")
    p.add_argument("--pull", type=int, default=50, help="changes A pulls per round (from B)")
    args = p.parse_args(argv)
    common.start(args)
    print(
        f"Incremental round: sync_round carrying {args.push} pushed + {args.pull} pulled "
        f"changes, PostgreSQL server on loopback; {args.rounds} rounds after {args.warmup} warm-up"
    )
    log = common.WORK_DIR / "sync-incremental-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    paths = [common.WORK_DIR / f"sync-incr-{x}.db" for x in ("a", "b")]
    ours: list[float] = []
    floor: list[float] = []
    with (
        sync_common.scratch_pg("incr") as db_url,
        sync_common.running_server(db_url, log) as base,
    ):
        for path in paths:
            sync_common.new_workstation(
                path, base, sync_common.enroll_token(db_url, sync_common.WARD)
            )
        wa, wb = (common.open_workstation(p, username=u) for p, u in zip(paths, "ab", strict=True))
        try:
            with connect(wa) as ca, connect(wb) as cb, httpx.Client(base_url=base) as bare:
                for r in range(args.warmup + args.rounds):
                    _intakes(wb, args.pull, f"B{r}")
                    assert sync_round(wb, cb).pushed == args.pull  # noqa: S101
                    _intakes(wa, args.push, f"A{r}")
                    t0 = time.perf_counter_ns()
                    res = sync_round(wa, ca)
                    ms = (time.perf_counter_ns() - t0) / 1e6
                    if (res.pushed, res.pulled, res.rejected) != (args.push, args.pull, 0):
                        raise SystemExit(f"round {r}: {res}")
                    t0 = time.perf_counter_ns()
                    for _ in range(3):
                        bare.get("/health").raise_for_status()
                    floor_ms = (time.perf_counter_ns() - t0) / 1e6
                    if r >= args.warmup:
                        ours.append(ms)
                        floor.append(floor_ms)
                        print(f"\r  round {r - args.warmup + 1}/{args.rounds}: {ms:.0f} ms", end="")
        finally:
            wa.db.dispose()
            wb.db.dispose()
            for path in paths:
                common.remove_db(path)
                path.with_name(path.name + ".secret").unlink(missing_ok=True)
    s, f = common.summary_ms(ours), common.summary_ms(floor)
    print(
        f"\r  sync_round p50 {s['p50']:.0f} ms, p95 {s['p95']:.0f} ms, max {s['max']:.0f} ms; "
        f"3 × /health p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms"
    )
    fig = common.Figure(
        key="sync_incremental_p95",
        name="incremental sync round, 100 changes p95",
        unit="ms",
        value=s["p95"],
        floor=f["p95"],
        target=200,
        details={
            "rounds": args.rounds,
            "pushed": args.push,
            "pulled": args.pull,
            "service_ms": s,
            "floor_ms": f,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
