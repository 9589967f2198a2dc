"""The server under 200 workstations each syncing every 30 s: request latency p99 (≤ 250 ms).

Setup: a real ``onestop server run`` process over a PostgreSQL database created for the run
(dropped afterwards). ``--workstations`` (200) devices, spread over the district's 12 offices,
enrolled through the real protocol: a one-time token each (``issue_token``, as ``onestop server
enroll-token`` does), traded at ``POST /v1/enroll``.

Load: asyncio + one ``httpx.AsyncClient`` per simulated workstation (its own kept-alive
connection). Each syncs every ``--interval`` s (30) for ``--duration`` s (180), starting at a
random phase — the requests of ``sync_round``: ``GET /v1/handshake``; ``GET /v1/reference``
(with the version it holds, so after the first round the answer is "unchanged");
``POST /v1/push`` of 1–3 new dossiers (``dossier.received``, the payload ``intake`` writes,
offline-unique codes from the device number) plus, from the second round on, a phone
correction (``dossier.field_edited``) of one of its earlier dossiers — bodies
shaped exactly as services/sync_push.py sends them (``{"epoch", "events": [{id, dossier_id,
type, payload, occurred_at, user_id, device_seq, hlc}]}``, gzip from 1 KiB on, bearer
credentials, protocol header); then ``GET /v1/pull`` pages (500) until ``more`` is false. The
wall time of every request is recorded on the client side.

``--no-reference`` leaves ``GET /v1/reference`` out, to see the rest of the round alone.

Checks (nothing lost): every event pushed is on the server exactly once, ``applied``; the server
has no other event; ``server_seq`` is 1..count without a gap; every workstation pulled exactly the
events of its office, each once, in ascending order.

Floor: ``GET /health`` round trips to the same idle server (before the load), as many as the
load's requests up to 2000, sequentially over one kept-alive connection.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import common
import sync_common


@dataclass
class Station:
    """One simulated workstation's identity and local state."""

    token: str
    office: str
    device_id: str = ""
    secret: str = ""
    number: int = 0
    epoch: str | None = None
    reference: str | None = None  # the reference-data version last received
    next_seq: int = 1
    codes_today: int = 0
    cursor: int = 0
    clock: Any = None
    user_id: str = ""
    own: list[tuple[str, str | None]] = field(default_factory=list)  # (dossier id, phone)
    pulled: list[tuple[int, str]] = field(default_factory=list)  # (server_seq, event id)
    pushed: list[str] = field(default_factory=list)
    rounds: int = 0


class Recorder:
    """Client-side wall times per endpoint, and failures."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    async def call(self, name: str, coro: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            response = await coro
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        self.ms[name].append((time.perf_counter_ns() - t0) / 1e6)
        if response.status_code != 200:
            self.errors.append(f"{name}: HTTP {response.status_code} {response.text[:200]}")
            return None
        return response.json()


def _headers(st: Station) -> dict[str, str]:
    from onestop_desktop.sync import protocol

    return {
        "Accept": "application/json",
        protocol.PROTOCOL_HEADER: str(protocol.PROTOCOL_VERSION),
        "Authorization": f"Bearer {st.device_id}:{st.secret}",
    }


def _body(value: Any) -> tuple[bytes, dict[str, str]]:
    """JSON, gzip-compressed from 1 KiB on — what SyncClient sends."""
    from onestop_desktop.sync.client import COMPRESS_MIN_BYTES

    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if len(raw) >= COMPRESS_MIN_BYTES:
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(raw, compresslevel=6, mtime=0), headers
    return raw, headers


def _events(st: Station, rng: random.Random) -> list[dict[str, Any]]:
    """1–3 new dossiers and (after the first round) a phone correction, as _wire() sends them."""
    from onestop_desktop.domain.calendar import VN_TZ
    from onestop_desktop.domain.codes import format_dossier_code, sequence_for
    from onestop_desktop.domain.ids import new_id

    now = datetime.now(UTC)
    today = now.astimezone(VN_TZ).date()
    out: list[dict[str, Any]] = []

    def wire(dossier_id: str, type_: str, payload: dict[str, Any]) -> dict[str, Any]:
        ev = {
            "id": new_id(),
            "dossier_id": dossier_id,
            "type": type_,
            "payload": payload,
            "occurred_at": now.isoformat(),
            "user_id": st.user_id,
            "device_seq": st.next_seq,
            "hlc": st.clock.tick().pack(),
        }
        st.next_seq += 1
        return ev

    for _ in range(rng.randint(1, 3)):
        st.codes_today += 1
        dossier_id = new_id()
        phone = f"09{rng.randint(0, 99_999_999):08d}"
        payload = {
            "code": format_dossier_code(st.office, today, sequence_for(st.number, st.codes_today)),
            "procedure_code": "1.004873",
            "procedure_name": "Cấp Giấy xác nhận tình trạng hôn nhân",
            "office_code": st.office,
            "applicant_name": f"Trần Thị Tải {st.number} {st.codes_today}",
            "id_number": None,
            "phone": phone,
            "address": "Thanh Xuân, Hà Nội",
            "email": None,
            "channel": "direct",
            "received_at": now.isoformat(),
            "due_at": (now + timedelta(days=5)).isoformat(),
            "documents": [],
            "note": None,
            "birth_date": None,
            "sex": None,
        }
        out.append(wire(dossier_id, "dossier.received", payload))
        st.own.append((dossier_id, phone))
    if st.rounds > 0:
        i = rng.randrange(len(st.own) - len(out))
        dossier_id, old = st.own[i]
        new = f"08{rng.randint(0, 99_999_999):08d}"
        out.append(
            wire(dossier_id, "dossier.field_edited", {"field": "phone", "old": old, "new": new})
        )
        st.own[i] = (dossier_id, new)
    return out


#: ``--no-reference`` leaves out ``GET /v1/reference`` (to see the rest of the round alone).
WITH_REFERENCE = [True]


async def sync_once(
    http: Any, st: Station, rec: Recorder, rng: random.Random, *, push: bool = True
) -> None:
    """One round: handshake, push, pull until done — the protocol the workstation speaks."""
    from onestop_desktop.sync import protocol

    headers = _headers(st)
    hs = await rec.call(
        "handshake",
        http.get(
            "/v1/handshake",
            headers={**headers, protocol.CLIENT_TIME_HEADER: datetime.now(UTC).isoformat()},
        ),
    )
    if hs is None:
        return
    st.epoch = hs["epoch"]
    if WITH_REFERENCE[0]:
        params = {"have": st.reference} if st.reference else None
        ref = await rec.call("reference", http.get("/v1/reference", params=params, headers=headers))
        if ref is None:
            return
        st.reference = ref["version"]
    if push:
        events = _events(st, rng)
        content, extra = _body({"epoch": st.epoch, "events": events})
        answer = await rec.call(
            "push", http.post("/v1/push", content=content, headers={**headers, **extra})
        )
        if answer is None:
            st.next_seq -= len(events)  # not stored: sent again next round in real life; stop
            raise RuntimeError("push failed")
        bad = [r for r in answer["results"] if r["disposition"] != "applied"]
        if bad or len(answer["results"]) != len(events):
            rec.errors.append(f"push results: {bad or answer}")
        st.pushed.extend(e["id"] for e in events)
        st.rounds += 1
    while True:
        page = await rec.call(
            "pull",
            http.get("/v1/pull", params={"after": st.cursor, "limit": 500}, headers=headers),
        )
        if page is None:
            return
        st.pulled.extend((e["server_seq"], e["id"]) for e in page["events"])
        st.cursor = page["next"]
        if not page["more"]:
            return


async def station_loop(
    base: str, st: Station, rec: Recorder, interval: float, until: float, seed: int
) -> None:
    """Sync every ``interval`` s from a random phase until ``until`` (monotonic)."""
    import httpx

    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        answer = await rec.call(
            "enroll",
            http.post("/v1/enroll", json={"token": st.token, "device_name": f"bench-{seed}"}),
        )
        if answer is None:
            return
        from onestop_desktop.domain.hlc import HlcClock
        from onestop_desktop.domain.ids import new_id

        st.device_id, st.secret = answer["device_id"], answer["secret"]
        st.number = int(answer["device_number"])
        st.clock = HlcClock(st.device_id, lambda: time.time_ns() // 1_000_000)
        st.user_id = new_id()
        await asyncio.sleep(rng.uniform(0, interval))
        next_at = loop.time()
        while next_at < until:
            try:
                await sync_once(http, st, rec, rng)
            except RuntimeError:
                return
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - loop.time()))


async def final_pull(base: str, st: Station, rec: Recorder) -> None:
    """After the load: pull what the others pushed last (not counted in the latencies)."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        await sync_once(http, st, rec, random.Random(0), push=False)


async def run_load(
    base: str, stations: list[Station], interval: float, duration: float
) -> tuple[Recorder, float]:
    """Every station's loop; returns the recorder and the wall time."""
    rec = Recorder()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    until = t0 + duration
    await asyncio.gather(
        *(station_loop(base, st, rec, interval, until, seed) for seed, st in enumerate(stations, 1))
    )
    wall = loop.time() - t0
    tail = Recorder()
    await asyncio.gather(*(final_pull(base, st, tail) for st in stations if st.device_id))
    rec.errors += tail.errors
    return rec, wall


def floor_health(base: str, count: int) -> list[float]:
    """Sequential ``GET /health`` round trips over one kept-alive connection (ms)."""
    import httpx

    with httpx.Client(base_url=base) as http:
        for _ in range(20):
            http.get("/health")
        out = []
        for _ in range(count):
            t0 = time.perf_counter_ns()
            http.get("/health").raise_for_status()
            out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def verify(db_url: str, stations: list[Station], offices: dict[str, str]) -> dict[str, Any]:
    """Nothing lost: the checks of the module docstring; returns what was checked."""
    import psycopg

    pushed = [i for st in stations for i in st.pushed]
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT e.id, e.server_seq, e.disposition, d.office_code FROM events e "
            "LEFT JOIN dossiers d ON d.id = e.dossier_id ORDER BY e.server_seq"
        ).fetchall()
    problems: list[str] = []
    by_id = {r[0]: r for r in rows}
    if len(by_id) != len(rows):
        problems.append("an event id twice on the server")
    missing = [i for i in pushed if i not in by_id]
    extra = set(by_id) - set(pushed)
    if missing:
        problems.append(f"{len(missing)} pushed events missing on the server")
    if extra:
        problems.append(f"{len(extra)} server events nobody pushed")
    if len(set(pushed)) != len(pushed):
        problems.append("an event pushed twice")
    seqs = [r[1] for r in rows]
    if seqs != list(range(1, len(rows) + 1)):
        problems.append("server_seq has a gap or a duplicate")
    not_applied = [r for r in rows if r[2] != "applied"]
    if not_applied:
        problems.append(f"{len(not_applied)} events not applied: {not_applied[:3]}")
    office_events: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for r in rows:
        office_events[r[3]].append((r[1], r[0]))
    for st in stations:
        if st.pulled != office_events[offices[st.token]]:
            problems.append(f"device {st.number}@{st.office} pulled other than its office's events")
            break
    if problems:
        raise SystemExit("LOST OR DOUBLED DATA: " + "; ".join(problems))
    return {"events": len(rows), "pushed": len(pushed), "gapless": True, "pull_checked": True}


def main(argv: list[str] | None = None) -> int:
    """Run the load benchmark."""
    from onestop_desktop.services.enrollment import issue_token
    from onestop_desktop.store.db import Database

    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--workstations", type=int, default=200)
    p.add_argument("--interval", type=float, default=30.0, help="seconds between syncs")
    p.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--no-reference", action="store_true", help="leave GET /v1/reference out of each round"
    )
    args = p.parse_args(argv)
    WITH_REFERENCE[0] = not args.no_reference
    what = "reference + " if WITH_REFERENCE[0] else "(no reference) "
    common.start(args)
    print(
        f"Load: {args.workstations} workstations each syncing every {args.interval:g} s for "
        f"{args.duration:g} s (handshake + {what}push 1–4 events + pull), "
        "PostgreSQL server on loopback"
    )
    log = common.WORK_DIR / "sync-load-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with sync_common.scratch_pg("load") as db_url:
        sync_common.prepare(db_url)
        db = Database.open(db_url)
        try:
            with db.read() as s:
                from onestop_desktop.services.enrollment import office_scope

                scope = office_scope(s, sync_common.DISTRICT)
            wards = [o for o in scope if o != sync_common.DISTRICT][:12] or [sync_common.WARD]
            stations = []
            for i in range(args.workstations):
                office = wards[i % len(wards)]
                stations.append(Station(token=issue_token(db, office), office=office))
        finally:
            db.dispose()
        offices = {st.token: st.office for st in stations}
        with sync_common.running_server(db_url, log) as base:
            floor_ms = floor_health(base, 2000)
            rec, wall = asyncio.run(run_load(base, stations, args.interval, args.duration))
        if rec.errors:
            raise SystemExit(f"{len(rec.errors)} failed requests, e.g. {rec.errors[:3]}")
        checked = verify(db_url, stations, offices)
    sync_ms = [ms for name in ("handshake", "reference", "push", "pull") for ms in rec.ms[name]]
    s = common.summary_ms(sync_ms)
    per = {name: common.summary_ms(v) for name, v in rec.ms.items() if v}
    f = common.summary_ms(floor_ms)
    rate = len(sync_ms) / wall
    print(
        f"  {len(sync_ms):,} requests in {wall:,.0f} s ({rate:.1f}/s), {checked['events']:,} "
        f"events pushed and verified (exactly once, server_seq gapless, pulls complete)"
    )
    for name, v in per.items():
        print(
            f"    {name:9s} n={len(rec.ms[name]):5d}  p50 {v['p50']:.1f}  p95 {v['p95']:.1f}  "
            f"p99 {v['p99']:.1f}  max {v['max']:.1f} ms"
        )
    print(
        f"  all sync requests p50 {s['p50']:.1f}  p95 {s['p95']:.1f}  p99 {s['p99']:.1f} ms; "
        f"idle /health p99 {f['p99']:.1f} ms"
    )
    fig = common.Figure(
        key="sync_load_p99" + ("" if WITH_REFERENCE[0] else "_no_reference"),
        name=f"{args.workstations} workstations syncing, request p99"
        + ("" if WITH_REFERENCE[0] else " (no reference)"),
        unit="ms",
        value=s["p99"],
        floor=f["p99"],
        target=250,
        details={
            "workstations": args.workstations,
            "reference": WITH_REFERENCE[0],
            "interval_s": args.interval,
            "duration_s": args.duration,
            "wall_s": round(wall, 1),
            "requests": len(sync_ms),
            "requests_per_s": round(rate, 1),
            "all_ms": s,
            "per_endpoint_ms": per,
            "floor_ms": f,
            **checked,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    return common.finish(args, [fig])


if __name__ == "__main__":
    raise SystemExit(main())
