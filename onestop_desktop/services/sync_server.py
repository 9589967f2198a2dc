"""Push, server side: store a device's events exactly once, in order, under one lock.

One transaction per push batch (``push_events``):

1. Lock the device row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions
   start with ``BEGIN IMMEDIATE`` and so hold the database's single write lock), then the
   global server-sequence counter (a ``settings`` row, locked the same way). Holding the
   counter lock until COMMIT makes commit order equal sequence order, so a puller reading
   ``server_seq > cursor`` never skips a row that commits later with a smaller number.
2. For each event in ``device_seq`` order:

   - already stored under the same id (same device, same sequence) → ``duplicate`` with its
     stored ``server_seq`` (and its original disposition);
   - another event already holds this (device, device_seq) → FORK (a cloned disk or a restored
     backup): the whole batch is refused (409, nothing of it kept on the server) and the device
     is quarantined in a separate transaction; every later push of it is refused (409) until an
     admin resolves it. The server keeps the events it had; the clone keeps its own in its
     outbox (still pending) — so both sets are kept for review, none is lost or merged;
   - a gap (``device_seq`` ≠ last stored + 1) → 409 with ``expected_seq``, nothing applied;
   - otherwise its time is clamped to the receipt time when it lies in the future by more
     than the allowed skew (a fast clock), and it is checked with the domain reducer against
     the server's projection (the same ``dossiers`` table and repo functions as the
     workstation) and the device's scope. Every event is STORED, never dropped, with a
     disposition: ``applied`` (the projection updated); ``superseded`` (a field edit older on
     (HLC, device) than the one applied — last writer wins per field); ``rejected:conflict``
     (a status change the state machine refuses on the server's current state, e.g. another
     counter moved the dossier first); ``rejected:scope`` (a dossier — or a creation — of an
     office outside the device's scope); ``rejected:unknown`` (a dossier the server does not
     hold: its creation never arrived or was rejected); ``rejected:invalid`` / ``rejected:code``
     (a malformed event, an unknown procedure, a dossier code already in use). A rejected event
     never blocks the queue and is shown to its author and to supervisors.

3. The answer is built before COMMIT but sent only after it (the caller returns after the
   ``with`` block has committed).

Pull (``pull_events``): the stored events after a cursor, in ``server_seq`` order, whose
dossier's office is in the device's scope, a page at a time.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from onestop_desktop import faults
from onestop_desktop.domain.dossier import DossierState, Event, EventType, is_superseded, reduce
from onestop_desktop.domain.errors import DomainError, TransitionError
from onestop_desktop.errors import UserError
from onestop_desktop.services.enrollment import DeviceIdentity
from onestop_desktop.services.server_setup import EPOCH_BASE, SERVER_EPOCH, SERVER_SEQ_LAST
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import DeviceRow, DossierRow, EventRow, ProcedureRow, Setting
from onestop_desktop.sync.protocol import MAX_CLOCK_SKEW, PulledEvent

MAX_BATCH = 500
APPLIED = "applied"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"  # a field edit older (HLC, device) than the applied one
REJECTED_CONFLICT = "rejected:conflict"
REJECTED_INVALID = "rejected:invalid"
REJECTED_SCOPE = "rejected:scope"
REJECTED_UNKNOWN = "rejected:unknown"
REJECTED_CODE = "rejected:code"
_CREATION = (EventType.RECEIVED, EventType.IMPORTED)


class PushRefused(UserError):
    """The whole batch is refused (nothing of it kept); ``status`` is the HTTP status."""

    status = 409

    def body(self) -> dict[str, object]:
        """The JSON answer."""
        return {"detail": str(self)}


class SequenceGap(PushRefused):
    """The batch does not continue the device's stored sequence."""

    def __init__(self, expected_seq: int) -> None:
        super().__init__(
            f"Dữ liệu gửi lên bị thiếu thứ tự; máy chủ cần sự kiện số {expected_seq} trước."
        )
        self.expected_seq = expected_seq

    def body(self) -> dict[str, object]:
        """The JSON answer, with the sequence the server expects next."""
        return {"detail": str(self), "expected_seq": self.expected_seq}


class DeviceForked(PushRefused):
    """Another event already holds one of the batch's device sequences (a cloned device)."""

    def body(self) -> dict[str, object]:
        """The JSON answer, saying the device is now quarantined."""
        return {"detail": str(self), "quarantined": True}


class DeviceQuarantined(DeviceForked):
    """The device is quarantined: nothing it sends is accepted until an admin resolves it."""


class EpochChanged(PushRefused):
    """The batch was prepared against another server epoch (the server restarted or was restored).

    The client reconciles with the new epoch (handshake) before pushing again.
    """

    def __init__(self, epoch: str) -> None:
        super().__init__(
            "Máy chủ đã khởi động lại hoặc được khôi phục; máy trạm cần đối chiếu lại "
            "trước khi gửi."
        )
        self.epoch = epoch

    def body(self) -> dict[str, object]:
        """The JSON answer, with the server's current epoch."""
        return {"detail": str(self), "epoch_changed": True, "epoch": self.epoch}


@dataclass(frozen=True, slots=True)
class PushResult:
    """What became of one pushed event."""

    id: str
    disposition: str  # applied | duplicate | rejected:<reason>
    server_seq: int
    original: str  # the stored disposition (differs from ``disposition`` for a duplicate)
    #: The event time the server stored when it clamped a time in the future (a fast clock).
    clamped_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """The answer of one push, given after COMMIT."""

    results: list[PushResult]
    epoch: str


def push_events(
    db: Database,
    device: DeviceIdentity,
    events: Sequence[Event],
    *,
    epoch: str | None = None,
    now: datetime | None = None,
    review: bool = False,
) -> PushOutcome:
    """Store a batch of ``device``'s events in one transaction (see the module docstring).

    ``events`` carry ``device.device_id`` (the caller takes it from the credentials); ``epoch``
    is the server epoch the client last reconciled with (refused when it is not the current
    one); ``now`` is the receipt time (event times later than it by more than the allowed
    clock skew are clamped to it). ``review``: an admin imports the outbox of a revoked or
    quarantined device (services/outbox.py), so its state does not refuse the batch.

    Raises:
        SequenceGap, DeviceForked, DeviceQuarantined, EpochChanged, PushRefused: the batch was
            refused and nothing of it stored.
    """
    received = now or datetime.now(UTC)
    try:
        with db.write() as s:
            current = repo.get_setting(s, SERVER_EPOCH) or ""
            if epoch and epoch != current:
                raise EpochChanged(current)
            results = _push(s, device, events, received, review=review)
            epoch = current
            faults.checkpoint(faults.SERVER_PUSH_BEFORE_COMMIT)
    except DeviceQuarantined:
        raise
    except DeviceForked:
        with db.write() as s:
            row = s.execute(
                select(DeviceRow).where(DeviceRow.id == device.device_id).with_for_update()
            ).scalar_one()
            row.quarantined = True
        raise
    return PushOutcome(results=results, epoch=epoch)


def _push(
    s: Session,
    device: DeviceIdentity,
    events: Sequence[Event],
    received: datetime,
    *,
    review: bool = False,
) -> list[PushResult]:
    me = device.device_id
    row = s.execute(select(DeviceRow).where(DeviceRow.id == me).with_for_update()).scalar_one()
    if not review and (row.quarantined or row.revoked_at is not None):
        raise DeviceQuarantined(
            "Máy trạm này đang bị tạm khóa đồng bộ (phát hiện hai máy dùng chung một danh tính); "
            "hãy liên hệ quản trị viên máy chủ."
        )
    counter = s.execute(
        select(Setting).where(Setting.key == SERVER_SEQ_LAST).with_for_update()
    ).scalar_one_or_none()
    if counter is None:  # a database prepared before the counter existed
        counter = Setting(key=SERVER_SEQ_LAST, value=str(_max_server_seq(s)))
        s.add(counter)
    next_seq = int(counter.value)

    ordered = sorted(events, key=lambda e: e.device_seq)
    ids = [e.id for e in ordered]
    seqs = [e.device_seq for e in ordered]
    by_id = {r.id: r for r in s.scalars(select(EventRow).where(EventRow.id.in_(ids)))}
    by_seq = {
        r.device_seq: r
        for r in s.scalars(
            select(EventRow).where(EventRow.device_id == me, EventRow.device_seq.in_(seqs))
        )
    }
    last = s.scalar(select(func.max(EventRow.device_seq)).where(EventRow.device_id == me)) or 0
    expected = int(last) + 1

    results: list[PushResult] = []
    receipts: list[tuple[Event, int, str]] = []
    batch = _Batch.load(s, [e for e in ordered if e.id not in by_id])
    for sent in ordered:
        old = by_id.get(sent.id)
        ev = sent
        if old is not None:
            if old.device_id != me or old.device_seq != ev.device_seq:
                raise PushRefused(
                    f"Sự kiện {ev.id} đã được ghi nhận với thứ tự khác; dữ liệu gửi lên bị hỏng."
                )
            assert old.server_seq is not None  # noqa: S101 - every server row has one
            results.append(PushResult(ev.id, DUPLICATE, old.server_seq, old.disposition or APPLIED))
            continue
        if ev.device_seq in by_seq:
            raise DeviceForked(
                f"Máy chủ đã có sự kiện số {ev.device_seq} khác của máy trạm này: có hai máy "
                "dùng chung một danh tính (ổ đĩa sao chép hoặc khôi phục từ bản sao lưu). Máy "
                "trạm bị tạm khóa đồng bộ; dữ liệu trên máy được giữ nguyên để xem xét."
            )
        if ev.device_seq != expected:
            raise SequenceGap(expected)
        expected += 1
        clamped = None
        if ev.occurred_at > received + MAX_CLOCK_SKEW:  # a fast clock: never a future time
            ev = dataclasses.replace(ev, occurred_at=received)
            clamped = received
        disposition = _apply(device, ev, batch)
        next_seq += 1
        receipts.append((ev, next_seq, disposition))
        results.append(PushResult(ev.id, disposition, next_seq, disposition, clamped))
    batch.write(s)
    repo.insert_received_events(s, receipts)
    counter.value = str(next_seq)
    return results


def _max_server_seq(s: Session) -> int:
    return int(s.scalar(select(func.max(EventRow.server_seq))) or 0)


@dataclass
class _Batch:
    """What one push needs from the projection, read up front in a few queries, and the
    projection changes it makes, written at the end in bulk (not one round trip per event)."""

    states: dict[str, DossierState | None]
    procedures: set[str]
    codes_taken: set[str]
    created: dict[str, DossierState] = dataclasses.field(default_factory=dict)
    changed: dict[str, DossierState] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, s: Session, events: Sequence[Event]) -> _Batch:
        dossier_ids = sorted({e.dossier_id for e in events})
        states: dict[str, DossierState | None] = dict.fromkeys(dossier_ids)
        for i in range(0, len(dossier_ids), 500):
            chunk = dossier_ids[i : i + 500]
            for row in s.scalars(select(DossierRow).where(DossierRow.id.in_(chunk))):
                states[row.id] = repo.state_of(row)
        creations = [e.payload for e in events if e.type in _CREATION]
        wanted_procs = sorted({str(p.get("procedure_code")) for p in creations})
        wanted_codes = sorted({str(p.get("code")) for p in creations})
        procedures = set(
            s.scalars(select(ProcedureRow.code).where(ProcedureRow.code.in_(wanted_procs)))
        )
        taken: set[str] = set()
        for i in range(0, len(wanted_codes), 500):
            chunk = wanted_codes[i : i + 500]
            taken |= set(s.scalars(select(DossierRow.code).where(DossierRow.code.in_(chunk))))
        return cls(states=states, procedures=procedures, codes_taken=taken)

    def write(self, s: Session) -> None:
        """Insert the new dossiers, then save the last state of each changed one."""
        repo.insert_dossiers(s, list(self.created.values()))
        repo.save_dossiers(s, [st for d, st in self.changed.items() if d not in self.created])


def _apply(device: DeviceIdentity, ev: Event, batch: _Batch) -> str:
    """Validate and project one new event; return its disposition (it is stored either way)."""
    state = batch.states.get(ev.dossier_id)
    if ev.type in _CREATION:
        return _create(device, ev, state, batch)
    if state is None:
        return REJECTED_UNKNOWN  # its creation never reached the server, or was rejected
    if state.office_code not in device.scope:
        return REJECTED_SCOPE
    if is_superseded(state, ev):
        return SUPERSEDED
    try:
        new = reduce(state, ev)
    except TransitionError:
        return REJECTED_CONFLICT  # valid where it was made, no longer on the server's state
    except (DomainError, KeyError, ValueError, TypeError):
        return REJECTED_INVALID
    batch.states[ev.dossier_id] = new
    if ev.dossier_id in batch.created:
        batch.created[ev.dossier_id] = new
    else:
        batch.changed[ev.dossier_id] = new
    return APPLIED


def _create(device: DeviceIdentity, ev: Event, state: DossierState | None, batch: _Batch) -> str:
    if state is not None:
        return REJECTED_CONFLICT  # the dossier exists already (a replayed creation)
    if ev.payload.get("office_code") not in device.scope:
        return REJECTED_SCOPE
    try:
        new = reduce(None, ev)
    except (DomainError, KeyError, ValueError, TypeError):
        return REJECTED_INVALID
    if new.procedure_code not in batch.procedures:
        return REJECTED_INVALID
    if new.code in batch.codes_taken:
        # Codes are unique offline by construction (per-device slices); this is the tripwire.
        return REJECTED_CODE
    batch.codes_taken.add(new.code)
    batch.states[ev.dossier_id] = new
    batch.created[ev.dossier_id] = new
    return APPLIED


@dataclass(frozen=True, slots=True)
class EpochState:
    """What a handshake tells a client about the server's epoch and this device's log."""

    epoch: str
    epoch_base: int  # the last server sequence held when this epoch began
    device_last_seq: int  # the highest device sequence of this device stored here


def handshake_state(
    db: Database, device: DeviceIdentity, client_time: datetime | None, now: datetime | None = None
) -> EpochState:
    """The epoch figures; records the device's clock skew (flagged over five minutes).

    Sync is never refused for skew: the skew is only stored on the device row (``onestop server
    devices`` lists it) and event times in the future are clamped at push.
    """
    received = now or datetime.now(UTC)
    with db.write() as s:
        settings = repo.get_settings(s, SERVER_EPOCH, EPOCH_BASE)
        last = s.scalar(
            select(func.max(EventRow.device_seq)).where(EventRow.device_id == device.device_id)
        )
        row = s.get(DeviceRow, device.device_id)
        if row is not None:
            row.last_seen_at = received
            if client_time is not None:
                row.clock_skew_s = round((client_time - received).total_seconds())
    return EpochState(
        epoch=settings.get(SERVER_EPOCH) or "",
        epoch_base=int(settings.get(EPOCH_BASE) or "0"),
        device_last_seq=int(last or 0),
    )


MAX_PULL = 1000


@dataclass(frozen=True, slots=True)
class PullPage:
    """A page of ``pull_events``: ``next`` is the last sequence in it (or ``after``)."""

    events: list[PulledEvent]
    next: int
    more: bool
    epoch: str


def pull_events(db: Database, device: DeviceIdentity, after: int, limit: int) -> PullPage:
    """The events with ``server_seq > after`` whose dossier's office is in ``device``'s scope.

    In ``server_seq`` order, at most ``limit`` (≤ ``MAX_PULL``). The device's own events are
    included (the workstation records their sequence and skips them otherwise). A reader never
    skips a row: push holds the sequence counter locked until COMMIT, so rows become visible
    in sequence order.
    """
    limit = max(1, min(limit, MAX_PULL))
    with db.read() as s:
        rows = s.execute(
            select(_EVENTS_T)
            .join(DossierRow, DossierRow.id == EventRow.dossier_id)
            .where(EventRow.server_seq > after, DossierRow.office_code.in_(device.scope))
            .order_by(EventRow.server_seq)
            .limit(limit + 1)
        ).all()
        epoch = repo.get_setting(s, SERVER_EPOCH) or ""
        more = len(rows) > limit
        events = [_pulled(r) for r in rows[:limit]]
    return PullPage(
        events=events,
        next=events[-1].server_seq if events else after,
        more=more,
        epoch=epoch,
    )


MAX_HISTORY = 100


_EVENTS_T = cast(Table, EventRow.__table__)


def _pulled(r: Any) -> PulledEvent:
    """A pulled event from a row of the events table (Core: no ORM entity per row)."""
    return PulledEvent(
        Event(
            id=r.id,
            dossier_id=r.dossier_id,
            type=EventType(r.type),
            payload=json.loads(r.payload),
            occurred_at=r.occurred_at,
            user_id=r.user_id,
            device_id=r.device_id,
            device_seq=r.device_seq,
            hlc=r.hlc,
        ),
        int(r.server_seq or 0),
        r.disposition or APPLIED,
    )


def dossier_history(
    db: Database, device: DeviceIdentity, dossier_ids: Sequence[str]
) -> list[PulledEvent]:
    """Every stored event of ``dossier_ids`` whose dossier is in ``device``'s scope.

    In ``server_seq`` order; at most ``MAX_HISTORY`` dossiers per call.
    """
    ids = list(dict.fromkeys(dossier_ids))[:MAX_HISTORY]
    with db.read() as s:
        rows = s.execute(
            select(_EVENTS_T)
            .join(DossierRow, DossierRow.id == EventRow.dossier_id)
            .where(EventRow.dossier_id.in_(ids), DossierRow.office_code.in_(device.scope))
            .order_by(EventRow.server_seq)
        ).all()
        return [_pulled(r) for r in rows]


__all__ = [
    "APPLIED",
    "DUPLICATE",
    "MAX_BATCH",
    "MAX_HISTORY",
    "MAX_PULL",
    "REJECTED_CODE",
    "REJECTED_CONFLICT",
    "REJECTED_INVALID",
    "REJECTED_SCOPE",
    "REJECTED_UNKNOWN",
    "SUPERSEDED",
    "DeviceForked",
    "DeviceQuarantined",
    "EpochChanged",
    "EpochState",
    "PullPage",
    "PulledEvent",
    "PushOutcome",
    "PushRefused",
    "PushResult",
    "SequenceGap",
    "dossier_history",
    "handshake_state",
    "pull_events",
    "push_events",
]
