"""Reference data flowing down from the server; the server wins (DESIGN.md §4).

Server side, :func:`reference_snapshot` gathers what a workstation needs to work offline — the
procedure catalog with its required documents, admin units and offices, calendar overrides,
users, and the devices of the caller's scope — with a content ``version`` (a SHA-256 of the
canonical JSON; volatile columns such as a device's last contact are left out so the version
only moves when the data does).

Workstation side, :func:`pull_reference` asks ``GET /v1/reference?have=<stored version>``; an
``unchanged`` answer writes nothing. Otherwise the snapshot is applied in ONE local transaction,
server wins: units, offices, procedures, documents, users and devices are upserted (the catalog
through the same import code as ``onestop import catalog``); procedures the server does not
have are retired locally, never deleted (dossiers reference them); calendar overrides become
exactly the server's. The catalog and calendar version stamps are bumped so every cached
catalog/calendar (:class:`~onestop_desktop.services.context.Workstation`) is reloaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import DayKind
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment import DeviceIdentity
from onestop_desktop.services.reference import (
    CATALOG_COLUMNS,
    CATALOG_OPTIONAL,
    UNIT_COLUMNS,
    UNIT_OPTIONAL,
    _import_catalog,
    _import_documents,
    _import_units,
)
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import (
    AdminUnitRow,
    CalendarDayRow,
    DeviceRow,
    OfficeRow,
    ProcedureDocumentRow,
    ProcedureRow,
    UserRow,
)
from onestop_desktop.sync.client import RequestRejected, ServerFault, SyncClient

log = logging.getLogger(__name__)

#: Settings key: the version of the reference data last applied from the server.
REFERENCE_VERSION = "reference_version"
#: Settings key: the local catalog/calendar stamps right after that apply. When they moved
#: since (a local import), the local data is no longer the server's: fetch it all again.
REFERENCE_STAMPS = "reference_stamps"

_SECTIONS = ("procedures", "admin_units", "offices", "calendar_days", "users", "devices")
_DOC_COLUMNS = ("position", "name", "originals", "certified_copies", "photocopies")
_SOURCE = "máy chủ (dữ liệu danh mục)"


@dataclass(frozen=True, slots=True)
class ReferenceSnapshot:
    """The server's reference data (JSON-ready sections) and its content version."""

    version: str
    data: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ReferenceSummary:
    """What :func:`pull_reference` did; all counts are 0 when ``unchanged``."""

    version: str
    unchanged: bool
    procedures: int = 0  # procedures in the server's catalog (added or updated)
    retired: int = 0  # local procedures retired because the server no longer has them
    units: int = 0
    offices: int = 0
    calendar_days: int = 0
    users: int = 0
    devices: int = 0


# --------------------------------------------------------------------------- server side


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _version(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shared_sections(s: Session) -> dict[str, list[dict[str, Any]]]:
    """Catalog, units, offices, calendar and users: the same for every device."""
    docs: dict[str, list[dict[str, Any]]] = {}
    for d in s.scalars(
        select(ProcedureDocumentRow).order_by(
            ProcedureDocumentRow.procedure_code, ProcedureDocumentRow.position
        )
    ):
        docs.setdefault(d.procedure_code, []).append({c: getattr(d, c) for c in _DOC_COLUMNS})
    procedures = [
        {
            "code": p.code,
            "name": p.name,
            "field": p.field,
            "level": p.level,
            "processing_days": p.processing_days,
            "time_unit": p.time_unit,
            "fee": p.fee,
            "fee_note": p.fee_note,
            "online_level": p.online_level,
            "legal_basis": p.legal_basis,
            "active": bool(p.active),
            "retired_at": _iso(p.retired_at),
            "documents": docs.get(p.code, []),
        }
        for p in s.scalars(select(ProcedureRow).order_by(ProcedureRow.code))
    ]
    units = [
        {
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "parent_code": u.parent_code,
            "valid_from": _iso(u.valid_from),
            "valid_to": _iso(u.valid_to),
            "replaced_by": u.replaced_by,
        }
        for u in s.scalars(select(AdminUnitRow).order_by(AdminUnitRow.code))
    ]
    offices = [
        {
            "code": o.code,
            "name": o.name,
            "unit_code": o.unit_code,
            "parent_name": o.parent_name,
            "address": o.address,
            "phone": o.phone,
        }
        for o in s.scalars(select(OfficeRow).order_by(OfficeRow.code))
    ]
    days = [
        {"day": c.day.isoformat(), "kind": c.kind, "note": c.note}
        for c in s.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day))
    ]
    users = [
        {
            "id": u.id,
            "username": u.username,
            "full_name": u.full_name,
            "role": u.role,
            "active": bool(u.active),
        }
        for u in s.scalars(select(UserRow).order_by(UserRow.id))
    ]
    return {
        "procedures": procedures,
        "admin_units": units,
        "offices": offices,
        "calendar_days": days,
        "users": users,
    }


#: Server side: the shared sections, built once per change of their fingerprint (a few cheap
#: reads), not on every round of every workstation. Keyed by database URL.
_SHARED: dict[str, tuple[tuple[Any, ...], dict[str, list[dict[str, Any]]], str]] = {}
_SHARED_LOCK = threading.Lock()


def _fingerprint(s: Session) -> tuple[Any, ...]:
    """Changes whenever the shared sections may have changed."""
    versions = repo.get_settings(s, repo.CATALOG_VERSION, repo.CALENDAR_VERSION, repo.UNITS_VERSION)
    return (
        tuple(sorted(versions.items())),
        tuple(s.execute(select(func.count(), func.max(AdminUnitRow.code))).one()),
        tuple(s.execute(select(func.count(), func.max(OfficeRow.code))).one()),
        tuple(s.execute(select(func.count(), func.max(ProcedureRow.updated_at))).one()),
        tuple(s.execute(select(func.count(), func.max(CalendarDayRow.day))).one()),
        tuple(
            s.execute(
                select(
                    func.count(), func.max(UserRow.id), func.sum(case((UserRow.active, 1), else_=0))
                )
            ).one()
        ),
    )


def reference_snapshot(db: Database, device: DeviceIdentity) -> ReferenceSnapshot:
    """The reference data a workstation of ``device``'s scope receives, with its version."""
    key = db.engine.url.render_as_string(hide_password=True)
    with db.read() as s:
        fingerprint = _fingerprint(s)
        with _SHARED_LOCK:
            cached = _SHARED.get(key)
        if cached is not None and cached[0] == fingerprint:
            shared, shared_version = cached[1], cached[2]
        else:
            shared = _shared_sections(s)
            shared_version = _version(shared)
            with _SHARED_LOCK:
                _SHARED[key] = (fingerprint, shared, shared_version)
        devices = [
            {
                "id": d.id,
                "number": d.number,
                "office_code": d.office_code,
                "name": d.name,
                "counter_number": d.counter_number,
                "revoked": d.revoked_at is not None,
                "quarantined": bool(d.quarantined),
            }
            for d in s.scalars(
                select(DeviceRow)
                .where(DeviceRow.office_code.in_(device.scope))
                .order_by(DeviceRow.office_code, DeviceRow.number)
            )
        ]
    data: dict[str, list[dict[str, Any]]] = {**shared, "devices": devices}
    # The version: the shared sections' hash (computed once per change) and the devices'.
    return ReferenceSnapshot(
        version=_version({"shared": shared_version, "devices": devices}), data=data
    )


# --------------------------------------------------------------------------- workstation side


def pull_reference(ws: Workstation, client: SyncClient) -> ReferenceSummary:
    """Fetch the server's reference data and apply it (server wins) in one transaction.

    A server without ``/v1/reference`` (older than this client) answers 404: nothing changes
    and the summary says ``unchanged``.

    Raises:
        ServerUnreachable, ServerFault, Refused, RequestRejected: from the client; nothing is
            written then. ``ServerFault`` also when the answer is not reference data.
    """
    ws.ensure_ready()
    with ws.db.read() as s:
        values = repo.get_settings(s, REFERENCE_VERSION, REFERENCE_STAMPS)
        have = values.get(REFERENCE_VERSION)
        if values.get(REFERENCE_STAMPS) != _stamps(s):
            have = None  # changed locally since: the server's copy wins again
    try:
        answer = client.reference(have)
    except RequestRejected as exc:
        if exc.status_code != 404:
            raise
        log.warning("server has no reference endpoint; catalog kept as is")
        return ReferenceSummary(version=have or "", unchanged=True)
    version = answer.get("version")
    if not isinstance(version, str) or not version:
        raise _bad(client)
    if answer.get("unchanged") is True:
        if version != have:
            raise _bad(client)
        return ReferenceSummary(version=version, unchanged=True)
    data = answer.get("data")
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), list) and all(isinstance(r, dict) for r in data[k])
        for k in _SECTIONS
    ):
        raise _bad(client)
    try:
        with ws.db.write() as s:
            units = _apply_units(s, data["admin_units"])
            offices = _apply_offices(s, data["offices"])
            procedures, retired = _apply_catalog(s, data["procedures"], ws)
            days = _apply_calendar(s, data["calendar_days"])
            users = _apply_users(s, data["users"])
            devices = _apply_devices(s, data["devices"], ws)
            s.flush()
            repo.put_settings(s, {REFERENCE_VERSION: version, REFERENCE_STAMPS: _stamps(s)})
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(client) from exc
    finally:
        ws.invalidate_caches()
    log.info(
        "reference data applied",
        extra={"version": version, "procedures": procedures, "retired": retired},
    )
    return ReferenceSummary(
        version=version,
        unchanged=False,
        procedures=procedures,
        retired=retired,
        units=units,
        offices=offices,
        calendar_days=days,
        users=users,
        devices=devices,
    )


def _stamps(s: Session) -> str:
    """The local catalog and calendar version stamps (every local change bumps one)."""
    values = repo.get_settings(s, repo.CATALOG_VERSION, repo.CALENDAR_VERSION)
    return f"{values.get(repo.CATALOG_VERSION, '0')}:{values.get(repo.CALENDAR_VERSION, '0')}"


def _bad(client: SyncClient) -> EnvironmentFault:
    return ServerFault(
        f"Máy chủ {client.base_url} trả về dữ liệu danh mục không hợp lệ; hãy thử lại sau."
    )


def _csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text in the import format (the same parser and checks as a file import)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return out.getvalue()


def _apply_units(s: Session, units: list[dict[str, Any]]) -> int:
    """Upsert the units that differ from the local ones (thousands of rows, rarely changed)."""
    columns = (*UNIT_COLUMNS, *UNIT_OPTIONAL)
    local = {
        u.code: (
            u.code,
            u.name,
            u.level,
            u.parent_code,
            _iso(u.valid_from),
            _iso(u.valid_to),
            u.replaced_by,
        )
        for u in s.scalars(select(AdminUnitRow))
    }
    changed = [u for u in units if local.get(str(u["code"])) != tuple(u.get(c) for c in columns)]
    if not changed:
        return 0
    res = _import_units(s, _csv(columns, changed), _SOURCE)
    return res.added + res.updated


def _apply_offices(s: Session, offices: list[dict[str, Any]]) -> int:
    for o in offices:
        row = s.get(OfficeRow, str(o["code"]))
        if row is None:
            row = OfficeRow(code=str(o["code"]))
            s.add(row)
        row.name = str(o["name"])
        row.unit_code = o.get("unit_code") or None
        row.parent_name = str(o.get("parent_name") or "")
        row.address = str(o.get("address") or "")
        row.phone = str(o.get("phone") or "")
    s.flush()
    return len(offices)


def _apply_catalog(
    s: Session, procedures: list[dict[str, Any]], ws: Workstation
) -> tuple[int, int]:
    """Upsert the server's catalog (``replace``: local extras are retired); (count, retired)."""
    if not procedures:
        return 0, 0
    now = ws.now()
    res = _import_catalog(
        s, _csv((*CATALOG_COLUMNS, *CATALOG_OPTIONAL), procedures), _SOURCE, replace=True, now=now
    )
    codes = [str(p["code"]) for p in procedures]
    s.execute(delete(ProcedureDocumentRow).where(ProcedureDocumentRow.procedure_code.in_(codes)))
    s.flush()
    documents = [
        {"procedure_code": p["code"], **d} for p in procedures for d in p.get("documents") or []
    ]
    if documents:
        _import_documents(s, _csv(("procedure_code", *_DOC_COLUMNS), documents), _SOURCE)
    for p in procedures:
        if not p.get("active", True):  # retired on the server: kept, no longer offered
            row = s.get(ProcedureRow, str(p["code"]))
            if row is not None:
                row.active = False
                retired_at = p.get("retired_at")
                row.retired_at = datetime.fromisoformat(retired_at) if retired_at else now
    s.flush()
    return len(procedures), res.retired


def _apply_calendar(s: Session, days: list[dict[str, Any]]) -> int:
    """Make the calendar overrides exactly the server's."""
    wanted = {date.fromisoformat(str(d["day"])): d for d in days}
    for old in list(s.scalars(select(CalendarDayRow))):
        if old.day not in wanted:
            s.delete(old)
    for day, d in wanted.items():
        kind = DayKind(str(d["kind"])).value
        row = s.get(CalendarDayRow, day)
        if row is None:
            s.add(CalendarDayRow(day=day, kind=kind, note=str(d.get("note") or "")))
        else:
            row.kind = kind
            row.note = str(d.get("note") or "")
    repo.bump_version(s, repo.CALENDAR_VERSION)
    s.flush()
    return len(days)


def _apply_users(s: Session, users: list[dict[str, Any]]) -> int:
    """Upsert users by id; a local user holding the same name under another id is kept."""
    applied = 0
    for u in users:
        clash = s.scalar(
            select(UserRow.id).where(UserRow.username == str(u["username"]), UserRow.id != u["id"])
        )
        if clash is not None:
            log.warning("server user skipped: name taken locally", extra={"user_id": u["id"]})
            continue
        row = s.get(UserRow, str(u["id"]))
        if row is None:
            row = UserRow(id=str(u["id"]))
            s.add(row)
        row.username = str(u["username"])
        row.full_name = str(u.get("full_name") or "")
        row.role = str(u.get("role") or "clerk")
        row.active = bool(u.get("active", True))
        applied += 1
    s.flush()
    return applied


def _apply_devices(s: Session, devices: list[dict[str, Any]], ws: Workstation) -> int:
    """Upsert the other devices of the scope; this workstation's own row is left alone."""
    local = repo.get_setting(s, repo.DEVICE_ID)
    now = ws.now()
    applied = 0
    for d in devices:
        device_id = str(d["id"])
        if device_id == local:
            continue
        clash = s.scalar(
            select(DeviceRow.id).where(
                DeviceRow.office_code == str(d["office_code"]),
                DeviceRow.number == int(d["number"]),
                DeviceRow.id != device_id,
            )
        )
        if clash is not None:
            log.warning("server device skipped: number taken locally", extra={"device": device_id})
            continue
        row = s.get(DeviceRow, device_id)
        if row is None:
            row = DeviceRow(id=device_id, is_local=False)
            s.add(row)
        row.number = int(d["number"])
        row.office_code = str(d["office_code"])
        row.name = str(d.get("name") or "")
        row.counter_number = d.get("counter_number")
        row.quarantined = bool(d.get("quarantined", False))
        if not d.get("revoked"):
            row.revoked_at = None
        elif row.revoked_at is None:
            row.revoked_at = now
        applied += 1
    s.flush()
    return applied


__all__ = [
    "REFERENCE_VERSION",
    "ReferenceSnapshot",
    "ReferenceSummary",
    "pull_reference",
    "reference_snapshot",
]
