"""Pull, workstation side: bring the server's events of this device's scope down, page by page.

The cursor (setting ``pull_cursor``) is the last ``server_seq`` applied. Each page is applied in
ONE local write transaction together with the new cursor (``apply_page``), so a crash or an
error in the middle rolls both back and the next round fetches the page again (SYNC-FAULTS 5,
22). Applying is idempotent (fault 6): events at or below the cursor are ignored, and events
are inserted only when their id is not stored yet; an event already here (typically this
device's own, pushed earlier) only gets its ``server_seq`` and disposition recorded. The
cursor never moves back.

Projection. For a dossier whose local events are all in server order (none pending, none
confirmed beyond the cursor), the page's events are applied incrementally with the domain
reducer: a creation event inserts the dossier, later events update it; ``rejected:*`` events are
stored but do not change the projection.

Rebase. A dossier that gets events it has not seen and that holds local events not yet in
server order — pending ones (``server_seq`` NULL) or ones confirmed by push whose sequence lies
beyond the cursor — is rebuilt instead (a page that only confirms this device's own events
changes nothing: they were applied in the same order): ALL its events are reduced again
ordered by (``server_seq`` NULLS LAST, then ``hlc``), i.e. the confirmed events in server
order, then the pending local ones on top.
Rejected events are skipped; a pending event the reducer no longer accepts on the new state is
left out of the projection (it stays pending, and the server will give it its rejection when
it is pushed).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from onestop_desktop import faults
from onestop_desktop.domain import dossier as dossier_domain
from onestop_desktop.domain.dossier import DossierState, Event, EventType
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.domain.hlc import Hlc, HlcClock
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.server_setup import SERVER_EPOCH
from onestop_desktop.services.sync_handshake import EpochChangedError
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow, EventRow
from onestop_desktop.sync.client import ServerFault, SyncClient
from onestop_desktop.sync.protocol import PulledEvent

PULL_CURSOR = "pull_cursor"
_CREATION = (EventType.RECEIVED, EventType.IMPORTED)
DEFAULT_PAGE = 500
#: Events applied per local transaction (a page is split): keeps each write short.
APPLY_CHUNK = 100
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class PullSummary:
    """One pull round: events newly stored here, and pages fetched."""

    pulled: int
    pages: int


def cursor(ws: Workstation) -> int:
    """The last server sequence applied on this workstation."""
    with ws.db.read() as s:
        return int(repo.get_setting(s, PULL_CURSOR, "0") or "0")


def pull_all(ws: Workstation, client: SyncClient, page: int = DEFAULT_PAGE) -> PullSummary:
    """Fetch and apply pages until the server has no more.

    Raises:
        sync.client.ServerUnreachable / ServerFault / Refused / RequestRejected: the round
            stopped; pages already applied stay applied (with their cursor), the rest come
            next time.
    """
    page = max(1, min(page, MAX_PAGE))
    pulled = pages = 0
    with ws.db.read() as s:
        known_epoch = repo.get_setting(s, SERVER_EPOCH)
    while True:
        after = cursor(ws)
        answer = client.pull(after, page)
        events, next_seq, more = parse_page(client, answer, after)
        epoch = answer.get("epoch")
        if isinstance(epoch, str) and epoch and known_epoch and epoch != known_epoch:
            raise EpochChangedError(epoch)  # the server restarted: reconcile before applying
        missing = missing_histories(ws, events)
        history = fetch_histories(client, missing) if missing else []
        # Applied in short transactions (each with its cursor), so a clerk's save never
        # waits long for the database while a big page comes in (SYNC-FAULTS 25).
        for i in range(0, max(len(events), 1), APPLY_CHUNK):
            chunk = events[i : i + APPLY_CHUNK]
            last = i + APPLY_CHUNK >= len(events)
            pulled += apply_page(
                ws,
                chunk,
                next_seq if last else chunk[-1].server_seq,
                epoch=epoch if isinstance(epoch, str) else None,
                history=history if i == 0 else None,
            )
        pages += 1
        if not more or next_seq <= after:
            break
    return PullSummary(pulled=pulled, pages=pages)


def parse_page(
    client: SyncClient, answer: dict[str, Any], after: int
) -> tuple[list[PulledEvent], int, bool]:
    """Check and decode a pull answer: events strictly ascending after ``after``.

    Raises:
        ServerFault: the answer is malformed (nothing is applied; the cursor stays).
    """
    bad = _bad(client)
    items, next_seq, more = answer.get("events"), answer.get("next"), answer.get("more")
    if not isinstance(items, list) or type(next_seq) is not int or not isinstance(more, bool):
        raise bad
    out = _parse_events(client, items, after)
    if next_seq != (out[-1].server_seq if out else after):
        raise bad
    return out, next_seq, more


def _bad(client: SyncClient) -> ServerFault:
    return ServerFault(f"Máy chủ {client.base_url} trả lời đồng bộ không hợp lệ; thử lại sau.")


def _parse_events(client: SyncClient, items: list[Any], after: int) -> list[PulledEvent]:
    """Decode events strictly ascending in server sequence after ``after``."""
    bad = _bad(client)
    out: list[PulledEvent] = []
    last = after
    try:
        for item in items:
            seq = item["server_seq"]
            if type(seq) is not int or seq <= last or not isinstance(item["payload"], dict):
                raise bad
            last = seq
            out.append(
                PulledEvent(
                    Event(
                        id=str(item["id"]),
                        dossier_id=str(item["dossier_id"]),
                        type=EventType(item["type"]),
                        payload=item["payload"],
                        occurred_at=datetime.fromisoformat(str(item["occurred_at"])),
                        user_id=str(item["user_id"]),
                        device_id=str(item["device_id"]),
                        device_seq=int(item["device_seq"]),
                        hlc=str(item["hlc"]),
                    ),
                    seq,
                    str(item["disposition"]),
                )
            )
    except (KeyError, TypeError, ValueError):
        raise bad from None
    return out


def missing_histories(ws: Workstation, events: list[PulledEvent]) -> list[str]:
    """Dossiers a page changes that are not held here and that the page does not create.

    A dossier that entered this workstation's scope after the cursor passed its creation
    (SYNC-FAULTS 23): its earlier history has to be fetched by id.
    """
    created = {p.event.dossier_id for p in events if p.event.type in _CREATION}
    wanted = sorted(
        {
            p.event.dossier_id
            for p in events
            if p.event.dossier_id not in created and not p.disposition.startswith("rejected")
        }
    )
    if not wanted:
        return []
    held: set[str] = set()
    with ws.db.read() as s:
        for i in range(0, len(wanted), 500):
            held |= set(
                s.scalars(select(DossierRow.id).where(DossierRow.id.in_(wanted[i : i + 500])))
            )
    return [d for d in wanted if d not in held]


def fetch_histories(client: SyncClient, dossier_ids: list[str]) -> list[PulledEvent]:
    """The whole stored history of ``dossier_ids`` from the server (``/v1/history``)."""
    out: list[PulledEvent] = []
    for i in range(0, len(dossier_ids), 100):
        answer = client.history(dossier_ids[i : i + 100])
        items = answer.get("events")
        if not isinstance(items, list):
            raise _bad(client)
        out.extend(_parse_events(client, items, 0))
    return out


_EVENTS = EventRow.__table__
assert isinstance(_EVENTS, Table)  # noqa: S101 - declarative tables are Tables
_CONFIRM = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("b_id"), _EVENTS.c.server_seq.is_(None))
    .values(server_seq=bindparam("b_seq"), disposition=bindparam("b_disposition"))
)


def apply_page(
    ws: Workstation,
    events: list[PulledEvent],
    next_seq: int,
    *,
    epoch: str | None = None,
    history: list[PulledEvent] | None = None,
) -> int:
    """Apply one page and move the cursor to ``next_seq`` (never back), in ONE transaction.

    ``epoch`` (the server's, from the same answer) is recorded in that transaction too.
    ``history``: earlier events of dossiers new to this workstation (fetched by id, whatever
    their sequence); they are stored and those dossiers rebuilt from all their events.

    Returns the number of events newly stored here.
    """
    with ws.db.write() as s:
        current = int(repo.get_setting(s, PULL_CURSOR, "0") or "0")
        fresh_page = sorted(
            (p for p in events if p.server_seq > current), key=lambda p: p.server_seq
        )
        backfill = {p.event.dossier_id for p in history or ()}
        page_ids = {p.event.id for p in fresh_page}
        fresh_page = sorted(
            [*fresh_page, *(p for p in history or () if p.event.id not in page_ids)],
            key=lambda p: p.server_seq,
        )
        ids = [p.event.id for p in fresh_page]
        known: dict[str, int | None] = {}
        for i in range(0, len(ids), 500):
            for event_id, seq in s.execute(
                select(EventRow.id, EventRow.server_seq).where(EventRow.id.in_(ids[i : i + 500]))
            ):
                known[str(event_id)] = seq
        touched = sorted({p.event.dossier_id for p in fresh_page})
        # Only a dossier that gets events it has not seen can change; it must be rebuilt in
        # server order when it also holds local events not yet in that order. A page that
        # merely confirms this device's own events changes nothing (same order as applied).
        # (Another device's event held here without a sequence — after a server restore — may
        # come back in a different order: it counts as unseen.)
        me = repo.get_setting(s, repo.DEVICE_ID)
        unseen = sorted(
            {
                p.event.dossier_id
                for p in fresh_page
                if p.event.id not in known
                or (known[p.event.id] is None and p.event.device_id != me)
            }
        )
        rebase = _out_of_order(s, unseen, current) | backfill

        states: dict[str, DossierState | None] = {}
        rows: dict[str, DossierRow] = {}
        for i in range(0, len(touched), 500):  # one query per 500 dossiers, not one each
            for row in s.scalars(select(DossierRow).where(DossierRow.id.in_(touched[i : i + 500]))):
                rows[row.id] = row
        created: set[str] = set()
        changed: set[str] = set()
        receipts: list[tuple[Event, int, str]] = []
        confirms: list[dict[str, Any]] = []
        for p in fresh_page:
            ev = p.event
            if ev.id in known:
                if known[ev.id] is None:
                    confirms.append(
                        {"b_id": ev.id, "b_seq": p.server_seq, "b_disposition": p.disposition}
                    )
                continue
            receipts.append((ev, p.server_seq, p.disposition))
            if ev.dossier_id in rebase or p.disposition.startswith("rejected"):
                continue
            if ev.dossier_id not in states:
                held = rows.get(ev.dossier_id)
                states[ev.dossier_id] = repo.state_of(held) if held is not None else None
                if held is None:
                    created.add(ev.dossier_id)
            if states[ev.dossier_id] is None and ev.type not in _CREATION:
                continue  # its history is out of reach (scope): stored, not projected
            states[ev.dossier_id] = dossier_domain.reduce(states[ev.dossier_id], ev)
            changed.add(ev.dossier_id)

        repo.insert_dossiers(s, [st for d, st in states.items() if d in created and st])
        repo.save_dossiers(
            s, [st for d in sorted(changed - created) if (st := states[d]) is not None]
        )
        repo.insert_received_events(s, receipts)
        if confirms:
            s.connection().execute(_CONFIRM, confirms)
        for d in sorted(rebase):
            _rebuild(s, d)
        values = {PULL_CURSOR: str(max(current, next_seq))}
        if epoch:
            values[SERVER_EPOCH] = epoch
        merged = _merge_hlc(s, [p.event.hlc for p in fresh_page])
        if merged:
            values[repo.HLC_LAST] = merged
        repo.put_settings(s, values)
        faults.checkpoint(faults.CLIENT_PULL_BEFORE_COMMIT)
        return len(receipts)


def _merge_hlc(s: Session, remote: list[str]) -> str | None:
    """This device's HLC after receiving the page's latest time (so a later local edit wins).

    Without it a field edited here after pulling an edit from a device whose clock is ahead
    would lose to that older edit (last-writer-wins compares HLCs).
    """
    latest = max(remote, default=None)
    device = repo.get_setting(s, repo.DEVICE_ID)
    if latest is None or not device:
        return None
    try:
        remote_hlc = Hlc.unpack(latest)
        last = repo.get_setting(s, repo.HLC_LAST)
        clock = HlcClock(device, _now_ms, Hlc.unpack(last) if last else None)
        return clock.receive(remote_hlc).pack()
    except (ValueError, OverflowError):
        return None  # a malformed or absurd remote time is not merged


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _out_of_order(s: Session, dossier_ids: list[str], current: int) -> set[str]:
    """Dossiers holding local events not yet in server order (pending or beyond the cursor)."""
    out: set[str] = set()
    for i in range(0, len(dossier_ids), 500):
        out |= {
            str(d)
            for d in s.scalars(
                select(EventRow.dossier_id)
                .where(
                    EventRow.dossier_id.in_(dossier_ids[i : i + 500]),
                    or_(EventRow.server_seq.is_(None), EventRow.server_seq > current),
                )
                .distinct()
            )
        }
    return out


def _rebuild(s: Session, dossier_id: str) -> None:
    """Reduce all of a dossier's events: confirmed in server order, then pending on top."""
    rows = s.execute(
        select(EventRow)
        .where(EventRow.dossier_id == dossier_id)
        .order_by(EventRow.server_seq.is_(None), EventRow.server_seq, EventRow.hlc)
    ).scalars()
    state: DossierState | None = None
    for row in rows:
        if row.disposition is not None and row.disposition.startswith("rejected"):
            continue
        ev = Event(
            id=row.id,
            dossier_id=row.dossier_id,
            type=EventType(row.type),
            payload=json.loads(row.payload),
            occurred_at=row.occurred_at,
            user_id=row.user_id,
            device_id=row.device_id,
            device_seq=row.device_seq,
            hlc=row.hlc,
        )
        if row.server_seq is not None:
            state = dossier_domain.reduce(state, ev)
            continue
        try:  # a pending event the rebased state no longer accepts stays out of the projection
            state = dossier_domain.reduce(state, ev)
        except (DomainError, KeyError, ValueError, TypeError):
            continue
    if state is None:
        return
    if s.get(DossierRow, dossier_id) is None:
        repo.insert_dossiers(s, [state])
    else:
        repo.save_dossier(s, state)


__all__ = [
    "DEFAULT_PAGE",
    "PULL_CURSOR",
    "PullSummary",
    "PulledEvent",
    "apply_page",
    "cursor",
    "parse_page",
    "pull_all",
]
