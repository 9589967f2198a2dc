"""Push, workstation side: send this device's pending events (the outbox) to the server.

Pending events are this device's events whose ``server_seq`` is still empty, sent in
``device_seq`` order in batches. The server answers only after its COMMIT; each answered batch
is then recorded in ONE local transaction (``server_seq`` and disposition of every event, and
``ACKED_DEVICE_SEQ``). Nothing local changes before an answer: when the network fails, or the
server refuses the batch, the events stay pending and the next round sends them again — the
server answers ``duplicate`` for those it already has (with the stored sequence), so a lost
answer costs one round trip, never a doubled event.

A duplicate is recorded with its original disposition (``applied`` or ``rejected:…``), so a
rejected event stays visibly rejected however many times it was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update

from onestop_desktop import faults
from onestop_desktop.errors import UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.server_setup import SERVER_EPOCH
from onestop_desktop.services.sync_handshake import EpochChangedError
from onestop_desktop.store import repo
from onestop_desktop.store.models import EventRow
from onestop_desktop.sync.client import RequestRejected, ServerFault, SyncClient

DEFAULT_BATCH = 500


class PushGap(UserError):
    """The server misses earlier events of this device (it expects ``expected_seq``)."""

    def __init__(self, expected_seq: int, first_pending: int) -> None:
        super().__init__(
            f"Máy chủ cần sự kiện số {expected_seq} của máy trạm này nhưng sự kiện chờ gửi "
            f"đầu tiên là số {first_pending}; máy chủ có thể đã được khôi phục từ bản sao lưu "
            "hoặc cơ sở dữ liệu máy trạm đã bị thay. Các thay đổi vẫn được giữ trên máy; "
            "hãy liên hệ quản trị viên."
        )
        self.expected_seq = expected_seq
        self.first_pending = first_pending


class DeviceQuarantinedError(UserError):
    """The server quarantined this device (a fork); its outbox is kept for review."""


@dataclass(frozen=True, slots=True)
class PushSummary:
    """One push round: events the server confirmed, how many were duplicates or rejected."""

    pushed: int
    duplicates: int
    rejected: int


def pending_count(ws: Workstation) -> int:
    """This device's events the server has not confirmed yet."""
    with ws.db.read() as s:
        device_id = repo.get_setting(s, repo.DEVICE_ID)
        if not device_id:
            return 0
        return len(s.scalars(_pending(device_id, None)).all())


def _pending(device_id: str, limit: int | None) -> Any:
    stmt = (
        select(EventRow)
        .where(EventRow.device_id == device_id, EventRow.server_seq.is_(None))
        .order_by(EventRow.device_seq)
    )
    return stmt if limit is None else stmt.limit(limit)


def wire_event(row: EventRow) -> dict[str, Any]:
    """An event row as push (and a signed outbox export) sends it."""
    return _wire(row)


def _wire(row: EventRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "dossier_id": row.dossier_id,
        "type": row.type,
        "payload": json.loads(row.payload),
        "occurred_at": row.occurred_at.isoformat(),
        "user_id": row.user_id,
        "device_seq": row.device_seq,
        "hlc": row.hlc,
    }


def push_pending(ws: Workstation, client: SyncClient, batch: int = DEFAULT_BATCH) -> PushSummary:
    """Push every pending event of this device, ``batch`` at a time.

    Raises:
        PushGap: the server expects an earlier sequence (nothing applied; outbox kept).
        DeviceQuarantinedError: the server quarantined this device (outbox kept).
        sync.client.ServerUnreachable / ServerFault / Refused / RequestRejected: the round
            stopped; batches already answered are recorded, the rest stay pending.
    """
    batch = max(1, min(batch, DEFAULT_BATCH))
    pushed = duplicates = rejected = 0
    with ws.db.read() as s:
        device_id = repo.get_setting(s, repo.DEVICE_ID)
        epoch = repo.get_setting(s, SERVER_EPOCH)
    if not device_id:
        raise UserError("Máy trạm chưa được khởi tạo; hãy chạy 'onestop init'.")
    while True:
        with ws.db.read() as s:
            rows = [_wire(r) for r in s.scalars(_pending(device_id, batch))]
        if not rows:
            break
        try:
            answer = client.push(rows, epoch)
        except RequestRejected as exc:
            if exc.status_code == 409 and isinstance(exc.body.get("expected_seq"), int):
                raise PushGap(int(exc.body["expected_seq"]), rows[0]["device_seq"]) from exc
            if exc.status_code == 409 and exc.body.get("quarantined"):
                raise DeviceQuarantinedError(exc.detail) from exc
            if exc.status_code == 409 and exc.body.get("epoch_changed"):
                raise EpochChangedError(str(exc.body.get("epoch") or "")) from exc
            raise
        receipts = _receipts(client, answer, rows)
        faults.checkpoint(faults.CLIENT_PUSH_AFTER_ANSWER)
        with ws.db.write() as s:
            repo.mark_pushed(s, [(i, seq, d) for i, seq, d, _dup, _at in receipts])
            clamped = [{"b_id": i, "b_at": at} for i, _s, _d, _dup, at in receipts if at]
            if clamped:  # the server stored a clamped time (this clock is fast): keep the same
                s.connection().execute(_SET_OCCURRED_AT, clamped)
            acked = int(repo.get_setting(s, repo.ACKED_DEVICE_SEQ, "0") or "0")
            values = {repo.ACKED_DEVICE_SEQ: str(max(acked, rows[-1]["device_seq"]))}
            if isinstance(answer.get("epoch"), str) and answer["epoch"]:
                values[SERVER_EPOCH] = answer["epoch"]
            repo.put_settings(s, values)
        epoch = values.get(SERVER_EPOCH, epoch)
        pushed += len(receipts)
        duplicates += sum(1 for r in receipts if r[3])
        rejected += sum(1 for r in receipts if r[2].startswith("rejected"))
    return PushSummary(pushed=pushed, duplicates=duplicates, rejected=rejected)


_EVENTS = EventRow.__table__
assert isinstance(_EVENTS, Table)  # noqa: S101 - declarative tables are Tables
_SET_OCCURRED_AT = (
    update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(occurred_at=bindparam("b_at"))
)


def _receipts(
    client: SyncClient, answer: dict[str, Any], rows: list[dict[str, Any]]
) -> list[tuple[str, int, str, bool, datetime | None]]:
    """(event id, server_seq, disposition to store, was a duplicate, clamped time) per event."""
    bad = ServerFault(f"Máy chủ {client.base_url} trả lời đồng bộ không hợp lệ; thử lại sau.")
    results = answer.get("results")
    if not isinstance(results, list):
        raise bad
    got: dict[str, tuple[int, str, bool, datetime | None]] = {}
    for item in results:
        if not isinstance(item, dict):
            raise bad
        event_id, seq = item.get("id"), item.get("server_seq")
        disposition = item.get("disposition")
        original = item.get("original_disposition", disposition)
        if not isinstance(event_id, str) or type(seq) is not int or seq < 1:
            raise bad
        if not isinstance(disposition, str) or not isinstance(original, str):
            raise bad
        at = item.get("occurred_at")
        try:
            clamped = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            raise bad from None
        got[event_id] = (seq, original, disposition == "duplicate", clamped)
    ids = [str(r["id"]) for r in rows]
    if set(got) != set(ids):
        raise bad
    return [(i, *got[i]) for i in ids]


__all__ = [
    "DEFAULT_BATCH",
    "DeviceQuarantinedError",
    "PushGap",
    "PushSummary",
    "pending_count",
    "push_pending",
]
