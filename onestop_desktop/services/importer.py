"""Bulk import of dossiers from CSV: all or nothing, every bad line reported.

Columns: ``code,procedure_code,office_code,applicant_name,id_number,phone,channel,received_at,
due_at,resolved_at,returned_at`` (optional: ``address,email``). A blank code is generated from this
workstation's slice; a blank due_at is computed from the catalog and the calendar. Every
imported dossier is also recorded as a ``dossier.imported`` event, so it syncs like any other.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from onestop_desktop.domain.calendar import VN_TZ, TimeUnit
from onestop_desktop.domain.codes import looks_like_dossier_code
from onestop_desktop.domain.dossier import (
    Channel,
    DossierState,
    Event,
    EventType,
    Status,
    parse_channel,
    state_from_creation,
)
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.ids import new_id
from onestop_desktop.errors import UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import clean_applicant
from onestop_desktop.store import repo
from onestop_desktop.store.csvfile import ImportFailed, LineError, iter_rows, read_text
from onestop_desktop.store.models import DossierRow, OfficeRow, ProcedureRow

COLUMNS = (
    "code",
    "procedure_code",
    "office_code",
    "applicant_name",
    "id_number",
    "phone",
    "channel",
    "received_at",
    "due_at",
    "resolved_at",
    "returned_at",
)
OPTIONAL = ("address", "email")
CHUNK = 5000
_INSTANT_KEYS = ("received_at", "due_at", "resolved_at", "returned_at")
Progress = Callable[[int, int], bool]


class ImportCancelled(UserError):
    """The user cancelled; nothing was written."""


@dataclass(frozen=True, slots=True)
class DossierImportResult:
    """How many dossiers were imported, and how many got a generated code."""

    imported: int
    generated_codes: int
    seconds: float


@dataclass(slots=True)
class _Row:
    line: int
    code: str
    payload: dict[str, Any]
    day: date
    office: str


def _instant(value: str, field: str, label: str) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            field, f"{label} '{value}' không hợp lệ; dùng dạng 2026-01-05T08:30:00 (ISO 8601)."
        ) from None
    return dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt


def import_dossiers(
    ws: Workstation, path: Path, *, progress: Progress | None = None
) -> DossierImportResult:
    """Import a dossier CSV in one transaction.

    Raises:
        ImportFailed: any bad line (all are listed, with their numbers); nothing written.
        ImportCancelled: ``progress`` returned False; nothing written.
    """
    started = time.perf_counter()
    text = read_text(path)
    source = str(path)
    with ws.db.write() as s:
        actor = ws.actor(s)
        cal = ws.calendar(s)
        procs = {
            p.code: (p.name, p.processing_days, TimeUnit(p.time_unit))
            for p in s.scalars(select(ProcedureRow))
        }
        offices = set(s.scalars(select(OfficeRow.code)))
        errors: list[LineError] = []
        rows: list[_Row] = []
        codes_in_file: dict[str, int] = {}
        for line, raw in iter_rows(text, source=source, required=COLUMNS, optional=OPTIONAL):
            if "__error__" in raw:
                errors.append(LineError(line, "", raw["__error__"]))
                continue
            try:
                rows.append(_parse(raw, line, actor.office_code, procs, offices, cal))
            except ValidationError as exc:
                errors.append(LineError(line, exc.field, exc.message))
                continue
            code = rows[-1].code
            if code:
                if code in codes_in_file:
                    errors.append(
                        LineError(
                            line, "code", f"Mã hồ sơ {code} trùng với dòng {codes_in_file[code]}."
                        )
                    )
                else:
                    codes_in_file[code] = line
        given = list(codes_in_file)
        for i in range(0, len(given), 500):
            for dup in s.scalars(
                select(DossierRow.code).where(DossierRow.code.in_(given[i : i + 500]))
            ):
                errors.append(
                    LineError(
                        codes_in_file[dup], "code", f"Mã hồ sơ {dup} đã có trong cơ sở dữ liệu."
                    )
                )
        if errors:
            errors.sort(key=lambda e: e.line)
            raise ImportFailed(source, errors)
        if not rows:
            raise ImportFailed(source, [LineError(2, "", "Tệp không có hồ sơ nào.")])

        generated = _assign_codes(s, rows, actor.device_number, codes_in_file)
        stamper = repo.EventStamper(s, actor.device_id)
        now = ws.now()
        total = len(rows)
        states: list[DossierState] = []
        events: list[Event] = []
        for i, r in enumerate(rows, start=1):
            dossier_id = new_id()
            seq, hlc = stamper.stamp()
            payload = r.payload
            payload["code"] = r.code
            # The state takes the parsed instants as they are; the event stores ISO text.
            states.append(state_from_creation(dossier_id, payload, now))
            for key in _INSTANT_KEYS:
                value = payload[key]
                if value is not None:
                    payload[key] = value.isoformat()
            events.append(
                Event(
                    id=new_id(),
                    dossier_id=dossier_id,
                    type=EventType.IMPORTED,
                    payload=payload,
                    occurred_at=now,
                    user_id=actor.user_id,
                    device_id=actor.device_id,
                    device_seq=seq,
                    hlc=hlc,
                )
            )
            if len(states) >= CHUNK or i == total:
                repo.insert_dossiers(s, states)
                repo.insert_events(s, events)
                states.clear()
                events.clear()
                if progress is not None and not progress(i, total):
                    raise ImportCancelled("Đã hủy nhập hồ sơ; không có hồ sơ nào được ghi.")
        stamper.flush()
    return DossierImportResult(total, generated, time.perf_counter() - started)


def _parse(
    raw: dict[str, str],
    line: int,
    default_office: str,
    procs: dict[str, tuple[str, int, TimeUnit]],
    offices: set[str],
    cal: Any,
) -> _Row:
    code = raw["code"].upper()
    if code and not looks_like_dossier_code(code):
        raise ValidationError(
            "code", f"Mã hồ sơ '{raw['code']}' sai định dạng (ví dụ: 000.00.12.H26-260105-1001)."
        )
    proc = procs.get(raw["procedure_code"])
    if proc is None:
        raise ValidationError(
            "procedure_code", f"Thủ tục '{raw['procedure_code']}' không có trong danh mục."
        )
    office = raw["office_code"].upper() or default_office
    if office not in offices:
        raise ValidationError("office_code", f"Cơ quan tiếp nhận '{office}' chưa được khai báo.")
    name, id_number, phone, address, email = clean_applicant(
        raw["applicant_name"], raw["id_number"], raw["phone"], raw.get("address"), raw.get("email")
    )
    channel = parse_channel(raw["channel"]) if raw["channel"] else Channel.DIRECT
    received_at = _instant(raw["received_at"], "received_at", "Thời điểm tiếp nhận")
    if received_at is None:
        raise ValidationError("received_at", "Thiếu thời điểm tiếp nhận (received_at).")
    due_at = _instant(raw["due_at"], "due_at", "Hạn trả kết quả")
    if due_at is None:
        due_at = cal.due_at(received_at, proc[1], proc[2])
    elif due_at < received_at:
        raise ValidationError("due_at", "Hạn trả kết quả không được trước thời điểm tiếp nhận.")
    resolved_at = _instant(raw["resolved_at"], "resolved_at", "Thời điểm có kết quả")
    returned_at = _instant(raw["returned_at"], "returned_at", "Thời điểm trả kết quả")
    if resolved_at is not None and resolved_at < received_at:
        raise ValidationError(
            "resolved_at", "Thời điểm có kết quả không được trước thời điểm tiếp nhận."
        )
    if returned_at is not None:
        if resolved_at is None:
            resolved_at = returned_at
        elif returned_at < resolved_at:
            raise ValidationError(
                "returned_at", "Thời điểm trả kết quả không được trước thời điểm có kết quả."
            )
    status = Status.RETURNED if returned_at else Status.RESOLVED if resolved_at else Status.RECEIVED
    payload: dict[str, Any] = {
        "code": code,
        "procedure_code": raw["procedure_code"],
        "procedure_name": proc[0],
        "office_code": office,
        "applicant_name": name,
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "email": email,
        "channel": channel.value,
        "received_at": received_at,  # an instant until the state is built (see import_dossiers)
        "due_at": due_at,  # an instant until the state is built (see import_dossiers)
        "status": status.value,
        "resolved_at": resolved_at,  # an instant until the state is built (see import_dossiers)
        "returned_at": returned_at,  # an instant until the state is built (see import_dossiers)
        "documents": [],
    }
    return _Row(line, code, payload, received_at.astimezone(VN_TZ).date(), office)


def _assign_codes(s: Any, rows: list[_Row], device_number: int, taken: dict[str, int]) -> int:
    """Give blank-coded rows codes from this device's slice, skipping codes in use."""
    groups: dict[tuple[str, date], list[_Row]] = defaultdict(list)
    for r in rows:
        if not r.code:
            groups[(r.office, r.day)].append(r)
    count = 0
    pending = dict(groups)
    while pending:
        blocks = repo.allocate_code_blocks(
            s, {k: len(v) for k, v in pending.items()}, device_number=device_number
        )
        all_codes = [c for codes in blocks.values() for c in codes]
        existing = set(taken) & set(all_codes)
        for i in range(0, len(all_codes), 500):
            existing.update(
                s.scalars(
                    select(DossierRow.code).where(DossierRow.code.in_(all_codes[i : i + 500]))
                )
            )
        retry: dict[tuple[str, date], list[_Row]] = {}
        for key, members in pending.items():
            for r, c in zip(members, blocks[key], strict=True):
                if c in existing:
                    retry.setdefault(key, []).append(r)
                else:
                    r.code = c
                    count += 1
        pending = retry
    return count
