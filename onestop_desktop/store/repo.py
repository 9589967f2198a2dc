"""Repositories: settings, the event outbox, dossier projections and code allocation.

Everything here runs inside a caller's unit of work (a Session from ``Database.write``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from onestop_desktop.domain.codes import format_dossier_code, sequence_for
from onestop_desktop.domain.dossier import (
    Channel,
    DocumentItem,
    DossierState,
    Event,
    EventType,
    Status,
    classify_resolution,
)
from onestop_desktop.domain.hlc import Hlc, HlcClock
from onestop_desktop.domain.ids import new_id
from onestop_desktop.domain.text import fold, name_sort_key
from onestop_desktop.store.models import (
    CodeCounterRow,
    DossierRow,
    EventRow,
    Setting,
    UtcDateTime,
)

# Settings keys
OFFICE_CODE = "office_code"
DEVICE_ID = "device_id"
DEVICE_NUMBER = "device_number"
NEXT_DEVICE_SEQ = "next_device_seq"
ACKED_DEVICE_SEQ = "acked_device_seq"  # the last own event the server confirmed (sync, #4)
HLC_LAST = "hlc_last"
LAST_SYNC_AT = "last_sync_at"  # UTC ISO time of the last completed sync round
SERVER_CA_FILE = "server_ca_file"  # the CA (PEM) trusted for the server's TLS; "" = system
CUTOFF = "cutoff"
CATALOG_VERSION = "catalog_version"  # bumped by every catalog change: caches compare it
CALENDAR_VERSION = "calendar_version"  # likewise for calendar overrides and office hours
UNITS_VERSION = "units_version"  # likewise for admin units and offices
SERVER_URL = "server_url"  # the district server this workstation is enrolled with (#4)
ENROLLED_AT = "enrolled_at"  # ISO instant of the enrollment (absent: never enrolled)


def bump_version(session: Session, key: str) -> None:
    """Mark cached reference data (catalog, calendar) as changed for every process."""
    set_setting(session, key, str(int(get_setting(session, key, "0") or "0") + 1))


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    """Read one setting."""
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    """Write one setting."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def get_settings(session: Session, *keys: str) -> dict[str, str]:
    """Several settings in one query (missing keys are absent)."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys)))
    return {str(row[0]): str(row[1]) for row in rows}


_SETTINGS = cast(Table, Setting.__table__)
_UPDATE_SETTING = (
    update(_SETTINGS).where(_SETTINGS.c.key == bindparam("k")).values(value=bindparam("v"))
)


def put_settings(session: Session, values: Mapping[str, str]) -> None:
    """Write settings with Core statements (no ORM flush): update, then insert the missing."""
    conn = session.connection()
    params = [{"k": k, "v": v} for k, v in values.items()]
    result = conn.execute(_UPDATE_SETTING, params)
    if result.rowcount != len(params):
        existing = set(
            conn.execute(select(_SETTINGS.c.key).where(_SETTINGS.c.key.in_(list(values))))
            .scalars()
            .all()
        )
        rows = [{"key": k, "value": v} for k, v in values.items() if k not in existing]
        if rows:
            conn.execute(insert(_SETTINGS), rows)


def all_settings(session: Session) -> dict[str, str]:
    """Every setting as a dict."""
    return {s.key: s.value for s in session.scalars(select(Setting))}


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class EventStamper:
    """Gives events their device sequence and HLC time inside one write transaction.

    Sequences are gap-free per device: the next number is read and written back in the same
    transaction as the events that use it.
    """

    def __init__(self, session: Session, device_id: str) -> None:
        self._session = session
        self.device_id = device_id
        current = get_settings(session, NEXT_DEVICE_SEQ, HLC_LAST)
        self._next_seq = int(current.get(NEXT_DEVICE_SEQ) or "1")
        last = current.get(HLC_LAST)
        self._clock = HlcClock(device_id, _now_ms, Hlc.unpack(last) if last else None)

    def stamp(self) -> tuple[int, str]:
        """Return the next (device_seq, packed HLC)."""
        seq = self._next_seq
        self._next_seq += 1
        return seq, self._clock.tick().pack()

    def flush(self) -> None:
        """Persist the counters (call before commit)."""
        put_settings(
            self._session,
            {NEXT_DEVICE_SEQ: str(self._next_seq), HLC_LAST: self._clock.tick().pack()},
        )


def make_event(
    stamper: EventStamper,
    *,
    dossier_id: str,
    type_: EventType,
    payload: Mapping[str, Any],
    occurred_at: datetime,
    user_id: str,
) -> Event:
    """Create a stamped event (not yet stored)."""
    seq, hlc = stamper.stamp()
    return Event(
        id=new_id(),
        dossier_id=dossier_id,
        type=type_,
        payload=dict(payload),
        occurred_at=occurred_at,
        user_id=user_id,
        device_id=stamper.device_id,
        device_seq=seq,
        hlc=hlc,
    )


def event_values(ev: Event) -> dict[str, Any]:
    """Column values of an event row."""
    return {
        "id": ev.id,
        "dossier_id": ev.dossier_id,
        "type": ev.type.value,
        "payload": json.dumps(ev.payload, ensure_ascii=False, separators=(",", ":")),
        "occurred_at": ev.occurred_at,
        "user_id": ev.user_id,
        "device_id": ev.device_id,
        "device_seq": ev.device_seq,
        "hlc": ev.hlc,
        "server_seq": None,
        "disposition": None,
    }


def dossier_values(state: DossierState) -> dict[str, Any]:
    """Column values of a dossier projection row."""
    return {
        "id": state.id,
        "code": state.code,
        "procedure_code": state.procedure_code,
        "procedure_name": state.procedure_name,
        "office_code": state.office_code,
        "applicant_name": state.applicant_name,
        "name_folded": fold(state.applicant_name),
        "name_sort": name_sort_key(state.applicant_name),
        "id_number": state.id_number,
        "phone": state.phone,
        "address": state.address,
        "email": state.email,
        "birth_date": state.birth_date,
        "sex": state.sex,
        "channel": state.channel.value,
        "received_at": state.received_at,
        "due_at": state.due_at,
        "rescheduled_due_at": state.rescheduled_due_at,
        "status": state.status.value,
        "paused_at": state.paused_at,
        "last_paused_at": state.last_paused_at,
        "last_resumed_at": state.last_resumed_at,
        "due_before_pause": state.due_before_pause,
        "resolved_at": state.resolved_at,
        "resolution": (
            classify_resolution(state.resolved_at, state.due_at).value
            if state.resolved_at is not None
            else None
        ),
        "returned_at": state.returned_at,
        "closed_at": state.closed_at,
        "finished_at": state.resolved_at or state.closed_at,
        "returned_to": state.returned_to,
        "reason": state.reason,
        "note": state.note,
        "documents": (
            json.dumps(
                [d.to_payload() for d in state.documents],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            if state.documents
            else "[]"
        ),
        "rating": state.rating,
        "rating_reason": state.rating_reason,
        "print_count": state.print_count,
        "flags": "",
        "field_clock": (
            json.dumps(dict(sorted(state.field_clock.items())), separators=(",", ":"))
            if state.field_clock
            else None
        ),
        "version": state.version,
        "updated_at": state.updated_at or state.received_at,
    }


def state_of(row: DossierRow) -> DossierState:
    """Rebuild the domain state from its projection row."""
    return DossierState(
        id=row.id,
        code=row.code,
        procedure_code=row.procedure_code,
        procedure_name=row.procedure_name,
        office_code=row.office_code,
        applicant_name=row.applicant_name,
        channel=Channel(row.channel),
        received_at=row.received_at,
        due_at=row.due_at,
        status=Status(row.status),
        id_number=row.id_number,
        phone=row.phone,
        address=row.address,
        email=row.email,
        birth_date=row.birth_date,
        sex=row.sex,
        documents=tuple(DocumentItem.from_payload(d) for d in json.loads(row.documents or "[]")),
        rescheduled_due_at=row.rescheduled_due_at,
        paused_at=row.paused_at,
        last_paused_at=row.last_paused_at,
        last_resumed_at=row.last_resumed_at,
        due_before_pause=row.due_before_pause,
        resolved_at=row.resolved_at,
        returned_at=row.returned_at,
        closed_at=row.closed_at,
        returned_to=row.returned_to,
        reason=row.reason,
        note=row.note,
        rating=row.rating,
        rating_reason=row.rating_reason,
        print_count=row.print_count,
        version=row.version,
        updated_at=row.updated_at,
        field_clock=json.loads(row.field_clock) if row.field_clock else {},
    )


_EVENTS = cast(Table, EventRow.__table__)
_DOSSIERS = cast(Table, DossierRow.__table__)
_CODE_COUNTERS = cast(Table, CodeCounterRow.__table__)


def _sqlite_instant(value: object) -> object:
    """The text SQLAlchemy's SQLite DATETIME stores for a UTC instant (see UtcDateTime)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """executemany of many rows; on SQLite straight to the driver (≈3× faster than Core).

    Instants are written in the exact text form SQLAlchemy's SQLite DATETIME uses (UTC,
    ``YYYY-MM-DD HH:MM:SS.ffffff``), so ORM reads and range comparisons see the same values.
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    instant_names = {c.name for c in table.columns if isinstance(c.type, UtcDateTime)}
    instant_at = [i for i, n in enumerate(names) if n in instant_names]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - names from our schema
        f"VALUES ({', '.join('?' * len(names))})"
    )
    params = []
    for r in rows:
        values = list(r.values())
        for i in instant_at:
            v = values[i]
            if v is not None:
                values[i] = v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)


def insert_events(session: Session, events: Iterable[Event]) -> None:
    """Append events to the log (bulk executemany; no ORM bookkeeping)."""
    _bulk_insert(session, _EVENTS, [event_values(e) for e in events])


def insert_dossiers(session: Session, states: Iterable[DossierState]) -> None:
    """Insert new projection rows (bulk executemany)."""
    _bulk_insert(session, _DOSSIERS, [dossier_values(s) for s in states])


def save_dossier(session: Session, state: DossierState) -> None:
    """Overwrite an existing projection row with a new state."""
    values = dossier_values(state)
    dossier_id = values.pop("id")
    session.execute(update(DossierRow).where(DossierRow.id == dossier_id).values(**values))


def save_dossiers(session: Session, states: Sequence[DossierState]) -> None:
    """Overwrite many existing projection rows (one executemany)."""
    if not states:
        return
    params = []
    for state in states:
        values = dossier_values(state)
        params.append({f"v_{k}": v for k, v in values.items()})
    names = [k for k in dossier_values(states[0]) if k != "id"]
    stmt = (
        update(_DOSSIERS)
        .where(_DOSSIERS.c.id == bindparam("v_id"))
        .values({n: bindparam(f"v_{n}") for n in names})
    )
    session.connection().execute(stmt, params)


def find_dossier_row(session: Session, code: str) -> DossierRow | None:
    """The dossier with this exact code."""
    return session.scalars(select(DossierRow).where(DossierRow.code == code)).one_or_none()


def allocate_code_blocks(
    session: Session, requests: Mapping[tuple[str, date], int], *, device_number: int
) -> dict[tuple[str, date], list[str]]:
    """Reserve codes for many (office, day) groups at once (bulk imports and demo data)."""
    if not requests:
        return {}
    table = _CODE_COUNTERS
    conn = session.connection()
    days = sorted({day for _office, day in requests})
    last: dict[tuple[str, date], int] = {}
    for i in range(0, len(days), 500):
        rows = conn.execute(
            select(table.c.office_code, table.c.day, table.c.last_k).where(
                table.c.device_number == device_number, table.c.day.in_(days[i : i + 500])
            )
        )
        for office, day, k in rows:
            last[(office, day)] = k
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    out: dict[tuple[str, date], list[str]] = {}
    for key, count in requests.items():
        start = last.get(key, 0) + 1
        office, day = key
        out[key] = [
            format_dossier_code(office, day, sequence_for(device_number, k))
            for k in range(start, start + count)
        ]
        values = {
            "office_code": office,
            "day": day,
            "device_number": device_number,
            "last_k": start + count - 1,
        }
        (changed if key in last else new_rows).append(values)
    if new_rows:
        conn.execute(insert(table), new_rows)
    if changed:
        conn.execute(
            update(table)
            .where(
                table.c.office_code == bindparam("b_office"),
                table.c.day == bindparam("b_day"),
                table.c.device_number == bindparam("b_device"),
            )
            .values(last_k=bindparam("b_last")),
            [
                {
                    "b_office": v["office_code"],
                    "b_day": v["day"],
                    "b_device": v["device_number"],
                    "b_last": v["last_k"],
                }
                for v in changed
            ],
        )
    return out


def upsert_insert(dialect: str) -> Any:
    """The dialect's INSERT … ON CONFLICT construct (SQLite and PostgreSQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: PLC0415

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415

    return sqlite_insert


def allocate_codes(
    session: Session, *, office_code: str, day: date, device_number: int, count: int = 1
) -> list[str]:
    """Reserve ``count`` dossier codes from this device's slice of the office's day.

    Unique across the office's workstations offline: each device has its own slice of the
    daily sequence (domain.codes.sequence_for); a reserved number is never handed out again.
    """
    table = _CODE_COUNTERS
    conn = session.connection()
    key = {"office_code": office_code, "day": day, "device_number": device_number}
    stmt = (
        upsert_insert(conn.dialect.name)(table)
        .values(**key, last_k=count)
        .on_conflict_do_update(
            index_elements=[table.c.office_code, table.c.day, table.c.device_number],
            set_={"last_k": table.c.last_k + count},
        )
        .returning(table.c.last_k)
    )
    last = int(conn.execute(stmt).scalar_one())
    start = last - count + 1
    return [
        format_dossier_code(office_code, day, sequence_for(device_number, k))
        for k in range(start, start + count)
    ]


def insert_received_events(session: Session, receipts: Iterable[tuple[Event, int, str]]) -> None:
    """Append events the server has sequenced: (event, server_seq, disposition) each."""
    rows = []
    for ev, server_seq, disposition in receipts:
        values = event_values(ev)
        values["server_seq"] = server_seq
        values["disposition"] = disposition
        rows.append(values)
    _bulk_insert(session, _EVENTS, rows)


_MARK_PUSHED = (
    update(_EVENTS)
    .where(_EVENTS.c.id == bindparam("b_id"), _EVENTS.c.server_seq.is_(None))
    .values(server_seq=bindparam("b_seq"), disposition=bindparam("b_disposition"))
)


def mark_pushed(session: Session, receipts: Iterable[tuple[str, int, str]]) -> int:
    """Record the server's (event id, server_seq, disposition) on still-pending local events."""
    params = [{"b_id": i, "b_seq": seq, "b_disposition": d} for i, seq, d in receipts]
    if not params:
        return 0
    return int(session.connection().execute(_MARK_PUSHED, params).rowcount)
