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
   - otherwise the event is checked with the domain reducer against the server's projection
     (the same ``dossiers`` table and repo functions as the workstation) and the device's scope:
     a change the state machine refuses, or a change of a dossier outside the device's scope, is
     stored as ``rejected:<reason>`` (never dropped; the projection is left alone); otherwise it
     is ``applied`` and the projection updated.

   An event that cannot be stored at all — it names a dossier the server does not know, or
   creates one outside the device's scope, with a code already in use, or for an unknown
   procedure — refuses the whole batch (403/409, nothing kept): ``events.dossier_id`` is a
   foreign key of ``dossiers``, so there is no projection row to hang a rejected event on.
   (Keeping those as rejected needs that key relaxed; see the sync issue.)
3. The answer is built before COMMIT but sent only after it (the caller returns after the
   ``with`` block has committed).

Pull (``pull_events``): the stored events after a cursor, in ``server_seq`` order, whose
dossier's office is in the device's scope, a page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.dossier import DossierState, Event, EventType, reduce
from onestop_desktop.domain.errors import DomainError, TransitionError
from onestop_desktop.errors import UserError
from onestop_desktop.services.enrollment import DeviceIdentity
from onestop_desktop.services.server_setup import SERVER_EPOCH, SERVER_SEQ_LAST
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import DeviceRow, DossierRow, EventRow, ProcedureRow, Setting

MAX_BATCH = 500
APPLIED = "applied"
DUPLICATE = "duplicate"
REJECTED_TRANSITION = "rejected:transition"
REJECTED_INVALID = "rejected:invalid"
REJECTED_SCOPE = "rejected:scope"
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


class OutOfScope(PushRefused):
    """The batch creates a dossier in an office outside the device's scope."""

    status = 403


@dataclass(frozen=True, slots=True)
class PushResult:
    """What became of one pushed event."""

    id: str
    disposition: str  # applied | duplicate | rejected:<reason>
    server_seq: int
    original: str  # the stored disposition (differs from ``disposition`` for a duplicate)


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """The answer of one push, given after COMMIT."""

    results: list[PushResult]
    epoch: str


def push_events(db: Database, device: DeviceIdentity, events: Sequence[Event]) -> PushOutcome:
    """Store a batch of ``device``'s events in one transaction (see the module docstring).

    ``events`` carry ``device.device_id`` (the caller takes it from the credentials).

    Raises:
        SequenceGap, DeviceForked, DeviceQuarantined, OutOfScope, PushRefused: the batch was
            refused and nothing of it stored.
    """
    try:
        with db.write() as s:
            results = _push(s, device, events)
            epoch = repo.get_setting(s, SERVER_EPOCH) or ""
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


def _push(s: Session, device: DeviceIdentity, events: Sequence[Event]) -> list[PushResult]:
    me = device.device_id
    row = s.execute(select(DeviceRow).where(DeviceRow.id == me).with_for_update()).scalar_one()
    if row.quarantined or row.revoked_at is not None:
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
    states: dict[str, DossierState | None] = {}
    for ev in ordered:
        old = by_id.get(ev.id)
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
        disposition = _apply(s, device, ev, states)
        next_seq += 1
        receipts.append((ev, next_seq, disposition))
        results.append(PushResult(ev.id, disposition, next_seq, disposition))
    repo.insert_received_events(s, receipts)
    counter.value = str(next_seq)
    return results


def _max_server_seq(s: Session) -> int:
    return int(s.scalar(select(func.max(EventRow.server_seq))) or 0)


def _state(
    s: Session, dossier_id: str, states: dict[str, DossierState | None]
) -> DossierState | None:
    if dossier_id not in states:
        row = s.get(DossierRow, dossier_id)
        states[dossier_id] = repo.state_of(row) if row is not None else None
    return states[dossier_id]


def _apply(
    s: Session, device: DeviceIdentity, ev: Event, states: dict[str, DossierState | None]
) -> str:
    """Validate and project one new event; return its disposition."""
    state = _state(s, ev.dossier_id, states)
    creation = ev.type in _CREATION
    if state is None and not creation:
        raise PushRefused(
            f"Máy chủ không có hồ sơ {ev.dossier_id} mà sự kiện {ev.id} thay đổi; "
            "hãy đồng bộ lại sau khi hồ sơ được gửi lên."
        )
    if state is not None:
        if state.office_code not in device.scope:
            return REJECTED_SCOPE
        try:
            new = reduce(state, ev)
        except TransitionError:
            return REJECTED_TRANSITION
        except (DomainError, KeyError, ValueError, TypeError):
            return REJECTED_INVALID
        repo.save_dossier(s, new)
        states[ev.dossier_id] = new
        return APPLIED
    office = ev.payload.get("office_code")
    if office not in device.scope:
        raise OutOfScope(
            f"Máy trạm không được tiếp nhận hồ sơ cho cơ quan '{office}' (ngoài phạm vi)."
        )
    try:
        new = reduce(None, ev)
    except (DomainError, KeyError, ValueError, TypeError) as exc:
        raise PushRefused(f"Sự kiện tạo hồ sơ {ev.id} không hợp lệ: {exc}") from None
    if s.get(ProcedureRow, new.procedure_code) is None:
        raise PushRefused(f"Máy chủ không có thủ tục '{new.procedure_code}' trong danh mục.")
    if s.scalar(select(DossierRow.id).where(DossierRow.code == new.code)) is not None:
        raise PushRefused(f"Mã hồ sơ {new.code} đã được dùng cho một hồ sơ khác trên máy chủ.")
    repo.insert_dossiers(s, [new])
    states[ev.dossier_id] = new
    return APPLIED


MAX_PULL = 1000


@dataclass(frozen=True, slots=True)
class PulledEvent:
    """One stored event as a puller sees it: the event, its server sequence and disposition."""

    event: Event
    server_seq: int
    disposition: str


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
        rows = (
            s.execute(
                select(EventRow)
                .join(DossierRow, DossierRow.id == EventRow.dossier_id)
                .where(EventRow.server_seq > after, DossierRow.office_code.in_(device.scope))
                .order_by(EventRow.server_seq)
                .limit(limit + 1)
            )
            .scalars()
            .all()
        )
        epoch = repo.get_setting(s, SERVER_EPOCH) or ""
        more = len(rows) > limit
        events = [
            PulledEvent(
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
            for r in rows[:limit]
        ]
    return PullPage(
        events=events,
        next=events[-1].server_seq if events else after,
        more=more,
        epoch=epoch,
    )


__all__ = [
    "APPLIED",
    "DUPLICATE",
    "MAX_BATCH",
    "MAX_PULL",
    "DeviceForked",
    "DeviceQuarantined",
    "OutOfScope",
    "PullPage",
    "PulledEvent",
    "PushOutcome",
    "PushRefused",
    "PushResult",
    "SequenceGap",
    "pull_events",
    "push_events",
]
