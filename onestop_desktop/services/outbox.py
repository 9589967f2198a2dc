"""The outbox outside the sync path: signed export/import, devices' review, a damaged database.

- A revoked (or quarantined) device cannot push (SYNC-FAULTS 21) and a workstation whose
  database is damaged must not write (15); their unsynced events are not lost: ``export_outbox``
  writes this device's pending events to a JSON file signed with HMAC-SHA256 keyed by the
  SHA-256 of the device secret (the server keeps exactly that digest, never the secret), and
  ``import_outbox`` on the server checks the signature and stores the events through the same
  push path (gap check, one transaction, dispositions), as an explicit admin review.
- ``check_database`` runs SQLite's ``quick_check``; ``salvage_outbox`` reads the pending events
  with the bare sqlite3 module, row by row, skipping what cannot be read, so a damaged file
  still gives up what it can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from onestop_desktop.domain.dossier import Event, EventType
from onestop_desktop.errors import EnvironmentFault, NotFoundError, UserError
from onestop_desktop.services import sync_server
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment import device_identity, digest
from onestop_desktop.services.enrollment_client import load_credentials
from onestop_desktop.services.sync_push import wire_event as _wire
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import DeviceRow, EventRow

FORMAT = "onestop-outbox/1"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device as the server's admin sees it."""

    id: str
    number: int
    office_code: str
    name: str
    counter_number: int | None
    enrolled_at: datetime | None
    revoked: bool
    quarantined: bool
    last_seen_at: datetime | None
    clock_skew_s: int | None

    @property
    def clock_flagged(self) -> bool:
        """Its clock was more than five minutes off at its last handshake."""
        return self.clock_skew_s is not None and abs(self.clock_skew_s) > 300


def list_devices(db: Database) -> list[DeviceInfo]:
    """Every enrolled device, by office and number."""
    with db.read() as s:
        rows = s.scalars(
            select(DeviceRow)
            .where(DeviceRow.secret_hash.is_not(None))
            .order_by(DeviceRow.office_code, DeviceRow.number)
        ).all()
        return [
            DeviceInfo(
                id=r.id,
                number=r.number,
                office_code=r.office_code,
                name=r.name,
                counter_number=r.counter_number,
                enrolled_at=r.enrolled_at,
                revoked=r.revoked_at is not None,
                quarantined=r.quarantined,
                last_seen_at=r.last_seen_at,
                clock_skew_s=r.clock_skew_s,
            )
            for r in rows
        ]


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _signature(secret_digest: str, body: dict[str, Any]) -> str:
    return hmac.new(secret_digest.encode(), _canonical(body), hashlib.sha256).hexdigest()


def export_outbox(ws: Workstation, out: Path) -> int:
    """Write this device's pending events to ``out`` (signed); returns how many."""
    creds = load_credentials(ws)
    with ws.db.read() as s:
        rows = s.scalars(
            select(EventRow)
            .where(EventRow.device_id == creds.device_id, EventRow.server_seq.is_(None))
            .order_by(EventRow.device_seq)
        ).all()
        events = [_wire(r) for r in rows]
    body = {"format": FORMAT, "device_id": creds.device_id, "events": events}
    signed = {**body, "signature": _signature(digest(creds.secret), body)}
    out.write_text(json.dumps(signed, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(events)


@dataclass(frozen=True, slots=True)
class OutboxImport:
    """What the server did with an imported outbox."""

    device_id: str
    stored: int
    duplicates: int
    rejected: int


def import_outbox(db: Database, path: Path) -> OutboxImport:
    """Check an exported outbox's signature and store its events (server side, admin review).

    Raises:
        UserError: unreadable file, bad signature, unknown device; PushRefused (a gap: the
            server misses earlier events of the device — import the earlier file first).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"Không đọc được tệp hộp thư đi {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"Tệp {path} không phải hộp thư đi OneStop ({FORMAT}).")
    signature = data.pop("signature", "")
    device_id = str(data.get("device_id", ""))
    with db.read() as s:
        device = s.get(DeviceRow, device_id)
        if device is None or device.secret_hash is None:
            raise NotFoundError(f"Máy chủ không có máy trạm mã '{device_id}'.")
        expected = _signature(device.secret_hash, data)
        identity = device_identity(s, device)
    if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
        raise UserError(f"Chữ ký của tệp {path} không đúng: tệp đã bị sửa hoặc không của máy này.")
    try:
        events = [
            Event(
                id=str(e["id"]),
                dossier_id=str(e["dossier_id"]),
                type=EventType(e["type"]),
                payload=dict(e["payload"]),
                occurred_at=datetime.fromisoformat(str(e["occurred_at"])),
                user_id=str(e["user_id"]),
                device_id=device_id,
                device_seq=int(e["device_seq"]),
                hlc=str(e["hlc"]),
            )
            for e in data["events"]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"Tệp {path} có sự kiện không hợp lệ: {exc}") from None
    stored = duplicates = rejected = 0
    for i in range(0, len(events), sync_server.MAX_BATCH):
        outcome = sync_server.push_events(
            db, identity, events[i : i + sync_server.MAX_BATCH], review=True
        )
        for r in outcome.results:
            duplicates += r.disposition == sync_server.DUPLICATE
            stored += r.disposition != sync_server.DUPLICATE
            rejected += r.original.startswith("rejected")
    return OutboxImport(device_id, stored, duplicates, rejected)


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    """``ok`` or SQLite's list of problems."""

    ok: bool
    problems: list[str]


def check_database(path: Path) -> DatabaseCheck:
    """Run SQLite's ``quick_check`` on a workstation database file (read-only)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(20)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return DatabaseCheck(ok=False, problems=[str(exc)])
    return DatabaseCheck(ok=rows == ["ok"], problems=[] if rows == ["ok"] else rows)


def salvage_outbox(path: Path, out: Path) -> int:
    """Copy the readable pending events of a (possibly damaged) database to ``out`` (JSON).

    The file is unsigned (the secret may be unreadable too); an admin imports it after review.
    """
    events: list[dict[str, Any]] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise EnvironmentFault(f"Không mở được {path}: {exc}") from None
    try:
        try:
            device = conn.execute(
                "SELECT value FROM settings WHERE key = ?", (repo.DEVICE_ID,)
            ).fetchone()
        except sqlite3.DatabaseError:
            device = None
        try:
            ids = [r[0] for r in conn.execute("SELECT rowid FROM events WHERE server_seq IS NULL")]
        except sqlite3.DatabaseError:
            ids = []
        for rowid in ids:
            try:
                row = conn.execute(
                    "SELECT id, dossier_id, type, payload, occurred_at, user_id, device_id, "
                    "device_seq, hlc FROM events WHERE rowid = ?",
                    (rowid,),
                ).fetchone()
                payload = json.loads(row[3])
            except (sqlite3.DatabaseError, TypeError, ValueError):
                continue
            events.append(
                dict(
                    zip(
                        (
                            "id",
                            "dossier_id",
                            "type",
                            "payload",
                            "occurred_at",
                            "user_id",
                            "device_id",
                            "device_seq",
                            "hlc",
                        ),
                        (*row[:3], payload, *row[4:]),
                        strict=True,
                    )
                )
            )
    finally:
        conn.close()
    events.sort(key=lambda e: (str(e["device_id"]), int(e["device_seq"] or 0)))
    body = {
        "format": FORMAT + "+salvaged",
        "device_id": device[0] if device else None,
        "events": events,
    }
    out.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(events)


__all__ = [
    "FORMAT",
    "DatabaseCheck",
    "DeviceInfo",
    "OutboxImport",
    "check_database",
    "export_outbox",
    "import_outbox",
    "list_devices",
    "salvage_outbox",
]
