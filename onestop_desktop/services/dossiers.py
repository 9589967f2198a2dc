"""Dossier use cases: intake, status changes, corrections. One transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import VN_TZ, TimeUnit, WorkCalendar
from onestop_desktop.domain.catalog import Procedure
from onestop_desktop.domain.codes import validate_agency_code
from onestop_desktop.domain.dossier import (
    EDITABLE_FIELDS,
    OPEN_STATUSES,
    STATUS_LABELS,
    Channel,
    DocumentItem,
    DossierState,
    EventType,
    Status,
    iso,
    reduce,
    status_change_payload,
)
from onestop_desktop.domain.errors import TransitionError, ValidationError
from onestop_desktop.domain.identity import normalize_id_number, normalize_phone, normalize_sex
from onestop_desktop.domain.ids import new_id
from onestop_desktop.domain.text import normalize_name, normalize_text
from onestop_desktop.errors import NotFoundError, UserError
from onestop_desktop.services.context import Actor, Workstation
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow, EventRow, OfficeRow

EMAIL_MAX = 200


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    """What the clerk entered at the counter."""

    procedure_code: str
    applicant_name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    email: str | None = None
    channel: Channel = Channel.DIRECT
    received_at: datetime | None = None
    office_code: str | None = None
    documents: Sequence[DocumentItem] | None = None
    note: str | None = None
    birth_date: date | None = None
    sex: str | None = None


@dataclass(frozen=True, slots=True)
class DossierView:
    """A dossier as front ends show it."""

    id: str
    code: str
    procedure_code: str
    procedure_name: str
    office_code: str
    applicant_name: str
    id_number: str | None
    phone: str | None
    address: str | None
    channel: str
    status: str
    received_at: datetime
    due_at: datetime
    rescheduled_due_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    possible_duplicate: bool = False

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict with ISO instants in Vietnam time."""

        def t(v: datetime | None) -> str | None:
            return None if v is None else v.astimezone(VN_TZ).isoformat()

        return {
            "id": self.id,
            "code": self.code,
            "procedure_code": self.procedure_code,
            "procedure_name": self.procedure_name,
            "office_code": self.office_code,
            "applicant_name": self.applicant_name,
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
            "channel": self.channel,
            "status": self.status,
            "received_at": t(self.received_at),
            "due_at": t(self.due_at),
            "rescheduled_due_at": t(self.rescheduled_due_at),
            "resolved_at": t(self.resolved_at),
            "returned_at": t(self.returned_at),
            "possible_duplicate": self.possible_duplicate,
        }


def view_of(state: DossierState, *, possible_duplicate: bool = False) -> DossierView:
    """The front-end view of a dossier state."""
    return DossierView(
        id=state.id,
        code=state.code,
        procedure_code=state.procedure_code,
        procedure_name=state.procedure_name,
        office_code=state.office_code,
        applicant_name=state.applicant_name,
        id_number=state.id_number,
        phone=state.phone,
        address=state.address,
        channel=state.channel.value,
        status=state.status.value,
        received_at=state.received_at,
        due_at=state.due_at,
        rescheduled_due_at=state.rescheduled_due_at,
        resolved_at=state.resolved_at,
        returned_at=state.returned_at,
        possible_duplicate=possible_duplicate,
    )


def compute_due(cal: WorkCalendar, proc: Procedure, received_at: datetime) -> datetime:
    """The statutory appointment for a procedure received at ``received_at``."""
    return cal.due_at(received_at, proc.processing_days, TimeUnit(proc.time_unit))


def clean_applicant(
    name: str,
    id_number: str | None,
    phone: str | None,
    address: str | None,
    email: str | None,
) -> tuple[str, str | None, str | None, str | None, str | None]:
    """Normalise and validate applicant fields; raises ValidationError naming the field."""
    clean_name = normalize_name(name or "")
    if not clean_name:
        raise ValidationError("applicant_name", "Họ và tên người nộp không được để trống.")
    if len(clean_name) > 200:
        raise ValidationError("applicant_name", "Họ và tên người nộp dài quá 200 ký tự.")
    clean_id = normalize_id_number(id_number) if id_number and id_number.strip() else None
    clean_phone = normalize_phone(phone) if phone and phone.strip() else None
    clean_address = normalize_text(address) if address and address.strip() else None
    clean_email = email.strip() if email and email.strip() else None
    if clean_email and ("@" not in clean_email or len(clean_email) > EMAIL_MAX):
        raise ValidationError("email", f"Địa chỉ email '{clean_email}' không hợp lệ.")
    return clean_name, clean_id, clean_phone, clean_address, clean_email


def open_duplicates(
    s: Session, *, id_number: str | None, procedure_code: str, exclude_id: str | None = None
) -> list[str]:
    """Codes of open dossiers of the same ID number and procedure."""
    if not id_number:
        return []
    rows = s.execute(_OPEN_SAME_ID, {"id_number": id_number, "procedure_code": procedure_code})
    return [code for code, dossier_id in rows if dossier_id != exclude_id]


# Built once: statement construction costs more than the indexed query itself.
_OPEN_SAME_ID = select(DossierRow.code, DossierRow.id).where(
    DossierRow.id_number == bindparam("id_number"),
    DossierRow.procedure_code == bindparam("procedure_code"),
    DossierRow.status.in_([st.value for st in OPEN_STATUSES]),
)


def _resolve_office(s: Session, actor: Actor, office_code: str | None) -> str:
    if not office_code:
        return actor.office_code
    code = validate_agency_code(office_code.strip().upper())
    if s.get(OfficeRow, code) is None:
        raise ValidationError("office_code", f"Cơ quan tiếp nhận '{code}' chưa được khai báo.")
    return code


def next_code(s: Session, *, office_code: str, received_local_day: object, actor: Actor) -> str:
    """Allocate the next free code of this device's slice (skips codes already present)."""
    while True:
        code = repo.allocate_codes(
            s,
            office_code=office_code,
            day=received_local_day,  # type: ignore[arg-type]
            device_number=actor.device_number,
        )[0]
        if s.scalar(select(DossierRow.id).where(DossierRow.code == code)) is None:
            return code


def intake(ws: Workstation, req: IntakeRequest) -> DossierView:
    """Receive a dossier: validate, compute the appointment, store dossier + event atomically."""
    with ws.db.write() as s:
        actor = ws.actor(s)
        proc = ws.procedure(s, req.procedure_code, field="procedure_code")
        name, id_number, phone, address, email = clean_applicant(
            req.applicant_name, req.id_number, req.phone, req.address, req.email
        )
        office_code = _resolve_office(s, actor, req.office_code)
        now = ws.now()
        received_at = req.received_at or now
        if received_at.tzinfo is None:
            raise ValidationError("received_at", "Thời điểm tiếp nhận phải kèm múi giờ.")
        cal = ws.calendar(s)
        due_at = compute_due(cal, proc, received_at)
        documents = (
            tuple(req.documents)
            if req.documents is not None
            else tuple(
                DocumentItem(d.name, d.originals, d.certified_copies, d.photocopies)
                for d in proc.documents
            )
        )
        duplicates = open_duplicates(s, id_number=id_number, procedure_code=proc.code)
        # The code is the RECEIVING unit's (DOMAIN.md §3: that day's sequence at the unit that
        # received it), from this device's slice there — also when the district counter
        # receives a dossier handled by a ward: the ward's own devices use the ward's slices.
        code = next_code(
            s,
            office_code=actor.office_code,
            received_local_day=received_at.astimezone(VN_TZ).date(),
            actor=actor,
        )
        dossier_id = new_id()
        payload = {
            "code": code,
            "procedure_code": proc.code,
            "procedure_name": proc.name,
            "office_code": office_code,
            "applicant_name": name,
            "id_number": id_number,
            "phone": phone,
            "address": address,
            "email": email,
            "channel": req.channel.value,
            "received_at": iso(received_at),
            "due_at": iso(due_at),
            "documents": [d.to_payload() for d in documents],
            "note": normalize_text(req.note) if req.note else None,
            "birth_date": req.birth_date.isoformat() if req.birth_date else None,
            "sex": normalize_sex(req.sex) if req.sex else None,
        }
        stamper = repo.EventStamper(s, actor.device_id)
        event = repo.make_event(
            stamper,
            dossier_id=dossier_id,
            type_=EventType.RECEIVED,
            payload=payload,
            occurred_at=now,
            user_id=actor.user_id,
        )
        state = reduce(None, event)
        repo.insert_dossiers(s, [state])
        repo.insert_events(s, [event])
        stamper.flush()
        return view_of(state, possible_duplicate=bool(duplicates))


def _load(s: Session, code: str) -> DossierState:
    row = repo.find_dossier_row(s, code.strip().upper())
    if row is None:
        raise NotFoundError(f"Không tìm thấy hồ sơ có mã '{code}'.")
    return repo.state_of(row)


def get_dossier(ws: Workstation, code: str) -> DossierView:
    """One dossier by its exact code (flagged when it may duplicate another open one)."""
    with ws.db.read() as s:
        state = _load(s, code)
        return view_of(state, possible_duplicate=bool(possible_duplicates(s, state)))


def possible_duplicates(s: Session, state: DossierState) -> list[str]:
    """Codes of the OTHER open dossiers of the same ID number and procedure (sorted).

    Derived from the data, so every node holding both dossiers flags them alike, however they
    arrived (two offices receiving the same citizen offline, SYNC-FAULTS 28). Nothing is merged
    automatically: a clerk withdraws the extra one with a reason, an audited event.
    """
    if state.status not in OPEN_STATUSES:
        return []
    return sorted(
        open_duplicates(
            s, id_number=state.id_number, procedure_code=state.procedure_code, exclude_id=state.id
        )
    )


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Open dossiers of one citizen and procedure (more than one)."""

    id_number: str
    procedure_code: str
    codes: tuple[str, ...]
    offices: tuple[str, ...]


def duplicate_groups(ws: Workstation, limit: int = 500) -> list[DuplicateGroup]:
    """Every group of possible duplicates held here (a scan of the open dossiers)."""
    open_values = [st.value for st in OPEN_STATUSES]
    with ws.db.read() as s:
        keys = s.execute(
            select(DossierRow.id_number, DossierRow.procedure_code)
            .where(DossierRow.status.in_(open_values), DossierRow.id_number.is_not(None))
            .group_by(DossierRow.id_number, DossierRow.procedure_code)
            .having(func.count() > 1)
            .order_by(DossierRow.id_number, DossierRow.procedure_code)
            .limit(limit)
        ).all()
        groups = []
        for id_number, procedure in keys:
            rows = s.execute(
                select(DossierRow.code, DossierRow.office_code)
                .where(
                    DossierRow.id_number == id_number,
                    DossierRow.procedure_code == procedure,
                    DossierRow.status.in_(open_values),
                )
                .order_by(DossierRow.code)
            ).all()
            groups.append(
                DuplicateGroup(
                    id_number=str(id_number),
                    procedure_code=str(procedure),
                    codes=tuple(str(r[0]) for r in rows),
                    offices=tuple(sorted({str(r[1]) for r in rows})),
                )
            )
    return groups


def advance(
    ws: Workstation,
    code: str,
    target: Status,
    *,
    at: datetime | None = None,
    note: str | None = None,
    reason: str | None = None,
    collected_by: str | None = None,
) -> DossierView:
    """Move a dossier to a new status (one transaction: row + event).

    Resuming from a supplement request pushes the appointment by the working time paused.
    """
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        now = ws.now()
        when = at or now
        if when.tzinfo is None:
            raise ValidationError("at", "Thời điểm phải kèm múi giờ.")
        new_due: datetime | None = None
        if state.status is Status.WAITING_SUPPLEMENT and state.paused_at is not None:
            if when < state.paused_at:
                raise ValidationError(
                    "at", "Thời điểm tiếp tục không được trước thời điểm tạm dừng."
                )
            new_due = ws.calendar(s).extend_for_pause(state.due_at, state.paused_at, when)
        payload = status_change_payload(
            state,
            target,
            when,
            note=note,
            new_due_at=new_due,
            collected_by=collected_by,
            reason=reason,
        )
        return _apply(s, actor, state, EventType.STATUS_CHANGED, payload, now)


def reschedule(ws: Workstation, code: str, new_due_at: datetime, reason: str) -> DossierView:
    """Record an apology and a new appointment (Mẫu 04); at most once per dossier.

    Only what the citizen is told changes (``rescheduled_due_at``): the statutory due date
    stays, so statistics still compare with it (late stays late).

    Raises:
        TransitionError: the dossier is already finished.
        ValidationError: no reason, a naive or not-later date, or a second new date.
    """
    if new_due_at.tzinfo is None:
        raise ValidationError("new_due_at", "Ngày hẹn mới phải kèm múi giờ.")
    if not (reason and reason.strip()):
        raise ValidationError("reason", "Phải nêu lý do hẹn lại ngày trả kết quả.")
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        if state.status not in OPEN_STATUSES:
            raise TransitionError(
                f"Hồ sơ {state.code} đã ở trạng thái '{STATUS_LABELS[state.status]}'; "
                "không hẹn lại ngày trả kết quả."
            )
        if state.rescheduled_due_at is not None:
            raise ValidationError(
                "new_due_at",
                f"Hồ sơ {state.code} đã được hẹn lại một lần; chỉ được hẹn lại một lần.",
            )
        if new_due_at <= state.due_at:
            raise ValidationError(
                "new_due_at", "Ngày hẹn mới phải sau ngày hẹn trả kết quả theo quy định."
            )
        payload: dict[str, object] = {
            "new_due_at": iso(new_due_at),
            "original_due_at": iso(state.due_at.astimezone(VN_TZ)),
            "reason": normalize_text(reason),
        }
        return _apply(s, actor, state, EventType.RESCHEDULED, payload, ws.now())


def edit_field(ws: Workstation, code: str, field: str, value: str | None) -> DossierView:
    """Correct one applicant field of a dossier (recorded as an event)."""
    if field not in EDITABLE_FIELDS:
        raise ValidationError(field, f"Không được sửa trường '{field}'.")
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        cleaned: str | None
        if field == "applicant_name":
            cleaned = clean_applicant(value or "", None, None, None, None)[0]
        elif field == "id_number":
            cleaned = normalize_id_number(value) if value else None
        elif field == "phone":
            cleaned = normalize_phone(value) if value else None
        else:
            cleaned = normalize_text(value) if value else None
        old = getattr(state, field)
        if old == cleaned:
            raise UserError("Giá trị mới trùng với giá trị hiện có; không có gì thay đổi.")
        payload = {"field": field, "old": old, "new": cleaned}
        return _apply(s, actor, state, EventType.FIELD_EDITED, payload, ws.now())


def _apply(
    s: Session,
    actor: Actor,
    state: DossierState,
    type_: EventType,
    payload: dict[str, object],
    now: datetime,
) -> DossierView:
    stamper = repo.EventStamper(s, actor.device_id)
    event = repo.make_event(
        stamper,
        dossier_id=state.id,
        type_=type_,
        payload=payload,
        occurred_at=now,
        user_id=actor.user_id,
    )
    new_state = reduce(state, event)
    repo.save_dossier(s, new_state)
    repo.insert_events(s, [event])
    stamper.flush()
    return view_of(new_state)


@dataclass(frozen=True, slots=True)
class EventView:
    """One line of a dossier's history."""

    type: str
    occurred_at: datetime
    user_id: str
    device_id: str
    device_seq: int
    payload: str


def history(ws: Workstation, code: str) -> list[EventView]:
    """A dossier's events in order."""
    with ws.db.read() as s:
        state = _load(s, code)
        rows = s.scalars(
            select(EventRow).where(EventRow.dossier_id == state.id).order_by(EventRow.hlc)
        )
        return [
            EventView(r.type, r.occurred_at, r.user_id, r.device_id, r.device_seq, r.payload)
            for r in rows
        ]
