"""One sync round (handshake → push → pull until done) and what the front ends show about sync.

Used alike by ``onestop sync`` and the window's background sync (which runs it off the GUI
thread). A round changes nothing locally before the handshake has agreed on versions; a
failure part-way leaves every answered batch/page recorded and the rest pending.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, literal_column, select

from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue_remote import QueueSync, sync_queue
from onestop_desktop.services.sync_epoch import Reconciled, local_epoch, reconcile
from onestop_desktop.services.sync_handshake import (
    EpochChangedError,
    HandshakeInfo,
    handshake,
    skew_warning,
)
from onestop_desktop.services.sync_pull import pull_all
from onestop_desktop.services.sync_push import push_pending
from onestop_desktop.services.sync_reference import pull_reference
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow, EventRow
from onestop_desktop.sync.client import Refused, RequestRejected, SyncClient

#: Settings key: UTC ISO time of the last round that completed (push and pull).
LAST_SYNC_AT = repo.LAST_SYNC_AT

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoundResult:
    """What one round did. ``rejected`` counts this round's pushed events the server refused."""

    pushed: int
    pulled: int
    rejected: int
    duplicates: int
    warning: str | None
    finished_at: datetime
    reconciled: Reconciled | None = None  # the server had a new epoch (restart or restore)
    queue: QueueSync | None = None  # walk-ins uploaded, queue tickets copied for reports


def sync_round(ws: Workstation, client: SyncClient) -> RoundResult:
    """Handshake, push the outbox, pull until the server has no more; record the time.

    Raises:
        sync.client.ProtocolMismatch: client or server too old (nothing changed locally).
        sync.client.ServerUnreachable / ServerFault / Refused / RequestRejected,
        sync_push.PushGap / DeviceQuarantinedError: the round stopped; what was answered is
            recorded, the rest stays pending.
    """
    for attempt in range(3):
        info = handshake(ws, client)
        reconciled = _reconcile_if_needed(ws, info)
        try:
            pushed = push_pending(ws, client)
            # Reference data first: pulled dossiers may name a procedure new on the server.
            pull_reference(ws, client)
            pulled = pull_all(ws, client)
            break
        except EpochChangedError:
            if attempt == 2:  # the server keeps restarting: stop, nothing is lost
                raise
    queue_sync = _sync_queue(ws, client)
    warning = skew_warning(info)
    finished = datetime.now(UTC)
    with ws.db.write() as s:
        repo.set_setting(s, LAST_SYNC_AT, finished.isoformat())
    return RoundResult(
        pushed=pushed.pushed,
        pulled=pulled.pulled,
        rejected=pushed.rejected,
        duplicates=pushed.duplicates,
        warning=warning,
        finished_at=finished,
        reconciled=reconciled,
        queue=queue_sync,
    )


def _sync_queue(ws: Workstation, client: SyncClient) -> QueueSync | None:
    """The office queue's part of the round (walk-ins up, the tickets' copy down). A server
    refusing it (one without the queue, say) does not fail the round: it is logged."""
    try:
        return sync_queue(ws, client)
    except (Refused, RequestRejected) as exc:
        log.warning("queue sync skipped: %s", exc)
        return None


def _reconcile_if_needed(ws: Workstation, info: HandshakeInfo) -> Reconciled | None:
    """Adopt a new server epoch (see sync_epoch); ``None`` when nothing had to be done."""
    known = local_epoch(ws)
    if not info.epoch or known == info.epoch:
        return None
    if known is None or info.epoch_base is None or info.device_last_seq is None:
        return None  # first sync (the epoch is recorded by push/pull), or an older server
    return reconcile(ws, info.epoch, info.epoch_base, info.device_last_seq)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The sync figures of the status bar (all from one short read)."""

    enrolled: bool
    server_url: str | None
    pending: int
    rejected: int
    last_sync_at: datetime | None


def sync_status(ws: Workstation) -> SyncStatus:
    """Enrolled?, pending changes (O(1), from the device sequence), rejected events, last sync."""
    with ws.db.read() as s:
        url = repo.get_setting(s, repo.SERVER_URL)
        issued = int(repo.get_setting(s, repo.NEXT_DEVICE_SEQ, "1") or "1") - 1
        acked = int(repo.get_setting(s, repo.ACKED_DEVICE_SEQ, "0") or "0")
        last = repo.get_setting(s, LAST_SYNC_AT)
        rejected = int(s.scalar(select(func.count()).select_from(EventRow).where(_REJECTED)) or 0)
    return SyncStatus(
        enrolled=bool(url),
        server_url=url or None,
        pending=max(issued - acked, 0),
        rejected=rejected,
        last_sync_at=datetime.fromisoformat(last) if last else None,
    )


# A literal pattern (not a bound parameter), so SQLite can use the partial index on it.
_REJECTED = EventRow.disposition.like(literal_column("'rejected%'"))


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """An event the server kept but refused to apply, for its author and supervisors."""

    id: str
    dossier_id: str
    dossier_code: str | None
    applicant_name: str | None
    type: str
    reason: str  # the part after ``rejected:`` (transition, conflict, scope, invalid, unknown)
    occurred_at: datetime
    user_id: str
    device_id: str
    mine: bool  # authored on this workstation
    payload: dict[str, object]


def rejected_events(ws: Workstation, limit: int = 500) -> list[RejectedEvent]:
    """The rejected events held here, newest first (this device's and, in scope, others')."""
    with ws.db.read() as s:
        me = repo.get_setting(s, repo.DEVICE_ID)
        rows = s.execute(
            select(EventRow, DossierRow.code, DossierRow.applicant_name)
            .outerjoin(DossierRow, DossierRow.id == EventRow.dossier_id)
            .where(_REJECTED)
            .order_by(EventRow.occurred_at.desc(), EventRow.id)
            .limit(limit)
        ).all()
        return [
            RejectedEvent(
                id=ev.id,
                dossier_id=ev.dossier_id,
                dossier_code=code,
                applicant_name=name,
                type=ev.type,
                reason=(ev.disposition or "").partition(":")[2] or "unknown",
                occurred_at=ev.occurred_at,
                user_id=ev.user_id,
                device_id=ev.device_id,
                mine=ev.device_id == me,
                payload=json.loads(ev.payload),
            )
            for ev, code, name in rows
        ]


__all__ = [
    "LAST_SYNC_AT",
    "RejectedEvent",
    "RoundResult",
    "SyncStatus",
    "rejected_events",
    "sync_round",
    "sync_status",
]
