"""Printing use cases: load a dossier, build the print data, render the form, record the print.

Every printed form of a dossier is recorded as a ``dossier.printed`` event (payload
``{"form": "01"}``) through the same path as every other dossier event. The register (Mẫu 06)
covers many dossiers and records nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.dossier import (
    STATUS_LABELS,
    Channel,
    DocumentItem,
    DossierState,
    EventType,
    Status,
    classify_resolution,
)
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import format_phone, mask_id_number
from onestop_desktop.printing import (
    Agency,
    Applicant,
    DocumentLine,
    DossierInfo,
    HandOver,
    ProcedureInfo,
    RegisterInfo,
    RegisterRow,
    apology,
    control_sheet,
    receipt,
    refusal,
    register,
    supplement_request,
)
from onestop_desktop.services.context import Workstation

# One path for every dossier event: reuse the dossier service's loader and event writer.
from onestop_desktop.services.dossiers import _apply, _load
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow, EventRow, OfficeRow, ProcedureRow, UserRow

#: The per-dossier forms ``render_form`` prints.
FORMS = ("01", "02", "03", "04", "05")
#: Setting that overrides the place of the date line ("Hà Nội, ngày …").
PLACE_SETTING = "print_place"
#: The register is kept as one volume per office and year; sequence numbers restart each year.
BOOK_VOLUME_FORMAT = "01/{year}"
DEFAULT_SUPPLEMENT_REASON = "Hồ sơ chưa đầy đủ thành phần, số lượng giấy tờ theo quy định."

_RETURN_PLACES = {
    Channel.POSTAL: "Qua dịch vụ bưu chính công ích",
    Channel.ONLINE: "Trực tuyến, trên Cổng Dịch vụ công",
}
_PLACE_PREFIXES = ("Thành phố ", "Thành Phố ", "TP. ", "TP ", "Tỉnh ")


def normalize_form(form: str) -> str:
    """``"1"`` or ``"01"`` → ``"01"``; refuses anything but Mẫu 01-05."""
    f = form.strip()
    f = f.zfill(2) if f.isdigit() else f
    if f not in FORMS:
        raise ValidationError(
            "form", f"Mẫu '{form}' không hợp lệ; dùng một trong: {', '.join(FORMS)}."
        )
    return f


# --------------------------------------------------------------------------- use cases


def render_receipt(ws: Workstation, code: str, *, record: bool = True) -> bytes:
    """Mẫu 01, the receipt and appointment slip, as PDF bytes (and record the print)."""
    return render_form(ws, "01", code, record=record)


def render_form(
    ws: Workstation,
    form: str,
    code: str,
    *,
    reason: str | None = None,
    missing: Sequence[DocumentItem | str] | None = None,
    new_due_at: datetime | None = None,
    record: bool = True,
) -> bytes:
    """One of Mẫu 01-05 of a dossier as PDF bytes; the print is recorded as an event.

    Rendering only reads the database; recording the print is one short write transaction.
    A front end that renders on a parallel lane can pass ``record=False`` and call
    :func:`record_print` on its write lane once the form is actually printed or saved.

    Args:
        form: ``"01"`` receipt, ``"02"`` supplement request, ``"03"`` refusal, ``"04"`` apology
            and new appointment, ``"05"`` control sheet.
        reason: the reason printed on 02/03/04 (default: the one recorded on the dossier).
        missing: what 02 asks for (default: the checklist items not received).
        new_due_at: the new appointment on 04 (default: the one recorded by ``reschedule``).
        record: record the ``dossier.printed`` event (default).

    Raises:
        NotFoundError: no dossier has this code.
        ValidationError: an unknown form, or what the form needs is missing (no reason to
            refuse, nothing missing to ask for, no new appointment).
    """
    form = normalize_form(form)
    with ws.db.read() as s:
        state = _load(s, code)
        info = _dossier_info(s, ws, state)
        events = _events(s, state.id) if form in ("02", "04", "05") else []
    pdf = _render(form, info, state, events, reason, missing, new_due_at)
    if record:
        record_print(ws, state.code, form)
    return pdf


def render_register(
    ws: Workstation, date_from: date, date_to: date, *, office_code: str | None = None
) -> bytes:
    """Mẫu 06, the register of the dossiers received from ``date_from`` to ``date_to``.

    Covers this workstation's office unless ``office_code`` names another; numbered as in the
    register volume of each year (the numbers printed on the receipts).
    """
    if date_to < date_from:
        raise ValidationError("to", "Ngày kết thúc không được trước ngày bắt đầu.")
    start = datetime.combine(date_from, time(0), VN_TZ)
    end = datetime.combine(date_to + timedelta(days=1), time(0), VN_TZ)
    with ws.db.read() as s:
        office = office_code or repo.get_setting(s, repo.OFFICE_CODE) or ""
        agency = _agency(s, office)
        rows = list(
            s.scalars(
                select(DossierRow)
                .where(
                    DossierRow.office_code == office,
                    DossierRow.received_at >= start,
                    DossierRow.received_at < end,
                )
                .order_by(DossierRow.received_at, DossierRow.code)
            )
        )
        sent = _sent_at(s, [r.id for r in rows])
        fields = _procedure_fields(s, {r.procedure_code for r in rows})
        bases: dict[int, int] = {}
        numbers: dict[int, int] = {}
        out: list[RegisterRow] = []
        for r in rows:
            year = r.received_at.astimezone(VN_TZ).year
            if year not in bases:
                year_start = datetime(year, 1, 1, tzinfo=VN_TZ)
                bases[year] = _count_received(s, office, year_start, max(start, year_start))
            numbers[year] = numbers.get(year, bases[year]) + 1
            out.append(_register_row(r, numbers[year], fields.get(r.procedure_code, ""), sent))
        volume = (
            BOOK_VOLUME_FORMAT.format(year=date_from.year) if date_from.year == date_to.year else ""
        )
        info = RegisterInfo(
            agency=agency,
            date_from=date_from,
            date_to=date_to,
            issued_at=ws.now(),
            book_volume=volume,
            rows=tuple(out),
        )
    return register(info)


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True, slots=True)
class _Ev:
    type: str
    payload: dict[str, object]


def _render(
    form: str,
    info: DossierInfo,
    state: DossierState,
    events: Sequence[_Ev],
    reason: str | None,
    missing: Sequence[DocumentItem | str] | None,
    new_due_at: datetime | None,
) -> bytes:
    if form == "01":
        return receipt(info)
    if form == "02":
        lines = _missing_lines(state, missing)
        why = _clean(reason) or _last_reason(events, Status.WAITING_SUPPLEMENT)
        return supplement_request(info, lines, why or DEFAULT_SUPPLEMENT_REASON)
    if form == "03":
        why = _clean(reason) or _clean(state.reason)
        if not why:
            raise ValidationError("reason", "Phải nêu lý do từ chối tiếp nhận, giải quyết hồ sơ.")
        return refusal(info, why)
    if form == "04":
        return _apology(info, state, events, reason, new_due_at)
    return control_sheet(info, _hand_overs(info, state, events))


def _apology(
    info: DossierInfo,
    state: DossierState,
    events: Sequence[_Ev],
    reason: str | None,
    new_due_at: datetime | None,
) -> bytes:
    recorded = next((e.payload for e in reversed(events) if e.type == EventType.RESCHEDULED), {})
    new_due = new_due_at or state.rescheduled_due_at
    if new_due is None:
        raise ValidationError(
            "new_due_at",
            f"Hồ sơ {state.code} chưa được hẹn lại ngày trả kết quả; hãy hẹn lại trước khi in "
            "phiếu xin lỗi.",
        )
    if new_due.tzinfo is None:
        raise ValidationError("new_due_at", "Ngày hẹn mới phải kèm múi giờ.")
    why = _clean(reason) or _clean(_str(recorded.get("reason")))
    if not why:
        raise ValidationError("reason", "Phải nêu lý do chưa trả kết quả đúng hẹn.")
    original = _instant(recorded.get("original_due_at")) or state.due_at
    return apology(info, original_due_at=original, new_due_at=new_due, reason=why)


def _missing_lines(
    state: DossierState, missing: Sequence[DocumentItem | str] | None
) -> list[DocumentLine]:
    if missing is None:
        items: Iterable[DocumentItem | str] = [d for d in state.documents if not d.received]
    else:
        items = missing
    lines = [
        DocumentLine(item)
        if isinstance(item, str)
        else DocumentLine(item.name, item.originals, item.certified_copies, item.photocopies)
        for item in items
        if (item.strip() if isinstance(item, str) else item.name.strip())
    ]
    if not lines:
        raise ValidationError(
            "missing",
            "Chưa có giấy tờ nào cần bổ sung; hãy đánh dấu giấy tờ còn thiếu trong danh mục hồ sơ.",
        )
    return lines


def _hand_overs(info: DossierInfo, state: DossierState, events: Sequence[_Ev]) -> list[HandOver]:
    """One row per status change: who handed the dossier to whom, when, and how timely."""
    counter = info.agency.name
    dept = info.processing_unit
    citizen = f"Ông/Bà {state.applicant_name}"
    holder = counter
    due: datetime | None = None
    out: list[HandOver] = []
    for ev in events:
        p = ev.payload
        if ev.type in (EventType.RECEIVED, EventType.IMPORTED):
            due = _instant(p.get("due_at"))
            continue
        if ev.type != EventType.STATUS_CHANGED:
            continue
        at = _instant(p.get("at"))
        if at is None:
            continue
        due = _instant(p.get("due_at")) or due
        source, target = Status(str(p["from"])), Status(str(p["to"]))
        note = ""
        if target is Status.IN_PROGRESS:
            giver, receiver = counter, dept
            resumed = source is Status.WAITING_SUPPLEMENT
            note = "Đã bổ sung hồ sơ" if resumed else "Chuyển giải quyết"
        elif target is Status.WAITING_SUPPLEMENT:
            giver, receiver = (dept, counter) if holder == dept else (counter, citizen)
            why = _str(p.get("reason")) or ""
            note = f"Yêu cầu bổ sung hồ sơ: {why}" if why else "Yêu cầu bổ sung hồ sơ"
        elif target is Status.RESOLVED:
            giver, receiver = dept, counter
            note = "Có kết quả giải quyết"
        elif target is Status.RETURNED:
            giver = counter
            receiver = f"Ông/Bà {_str(p.get('collected_by')) or state.applicant_name}"
            note = "Trả kết quả"
        else:  # refused or withdrawn: the dossier goes back to the citizen
            giver, receiver = holder, citizen
            label = STATUS_LABELS[target]
            why = _str(p.get("reason")) or ""
            note = f"{label}: {why}" if why else label
        extra = _str(p.get("note"))
        if extra and extra not in note:
            note = f"{note}. {extra}" if note else extra
        out.append(
            HandOver(
                giver=giver,
                receiver=receiver,
                at=at,
                result=classify_resolution(at, due) if due is not None else None,
                note=note,
            )
        )
        holder = receiver
    return out


def record_print(ws: Workstation, code: str, form: str) -> None:
    """Record that a form of a dossier was printed (a ``dossier.printed`` event)."""
    form = normalize_form(form)
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        _apply(s, actor, state, EventType.PRINTED, {"form": form}, ws.now())


# --------------------------------------------------------------------------- loading


def _dossier_info(s: Session, ws: Workstation, state: DossierState) -> DossierInfo:
    agency = _agency(s, state.office_code)
    proc = s.get(ProcedureRow, state.procedure_code)
    field = proc.field if proc else ""
    procedure = ProcedureInfo(
        code=state.procedure_code,
        name=state.procedure_name or (proc.name if proc else state.procedure_code),
        field=field,
        processing_days=proc.processing_days if proc else 0,
        time_unit=proc.time_unit if proc else "working_days",
        fee=proc.fee if proc else 0,
        fee_note=proc.fee_note if proc else "",
    )
    applicant = Applicant(
        name=state.applicant_name,
        address=state.address,
        phone=format_phone(state.phone) if state.phone else None,
        email=state.email,
        id_number=mask_id_number(state.id_number) if state.id_number else None,
    )
    year_start = datetime(state.received_at.astimezone(VN_TZ).year, 1, 1, tzinfo=VN_TZ)
    number = _count_received(s, state.office_code, year_start, state.received_at, state.code) + 1
    return DossierInfo(
        code=state.code,
        agency=agency,
        applicant=applicant,
        procedure=procedure,
        received_at=state.received_at,
        due_at=state.due_at,
        issued_at=ws.now(),
        documents=tuple(
            DocumentLine(d.name, d.originals, d.certified_copies, d.photocopies)
            for d in state.documents
            if d.received
        ),
        sets=1,
        return_place=_RETURN_PLACES.get(state.channel, f"Trực tiếp tại {agency.name}"),
        processing_unit=_processing_unit(field),
        clerk_name=_person_name(s, _receiver_id(s, state.id)),
        book_volume=BOOK_VOLUME_FORMAT.format(year=year_start.year),
        book_number=number,
        qr_text=state.code,
    )


def _agency(s: Session, office_code: str) -> Agency:
    office = s.get(OfficeRow, office_code)
    if office is None:
        return Agency(parent_name="", name=office_code)
    place = repo.get_setting(s, PLACE_SETTING) or place_from_address(office.address)
    return Agency(
        parent_name=office.parent_name or "",
        name=office.name,
        place=place,
        address=office.address or "",
        phone=format_phone(office.phone) if office.phone else "",
    )


def place_from_address(address: str | None) -> str:
    """The place of the date line from an office address: its last part, without
    "Thành phố"/"Tỉnh" (``"…, Thành phố Hà Nội"`` → ``"Hà Nội"``)."""
    if not address or not address.strip():
        return ""
    last = address.split(",")[-1].strip()
    for prefix in _PLACE_PREFIXES:
        if last.startswith(prefix):
            return last[len(prefix) :].strip()
    return last


def _processing_unit(field: str) -> str:
    return f"Bộ phận chuyên môn (lĩnh vực {field})" if field else "Bộ phận chuyên môn"


def _procedure_fields(s: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    q = select(ProcedureRow.code, ProcedureRow.field).where(ProcedureRow.code.in_(codes))
    return {row[0]: row[1] for row in s.execute(q)}


def _count_received(
    s: Session, office: str, since: datetime, until: datetime, code_before: str | None = None
) -> int:
    """Dossiers of an office received in ``[since, until)`` (and at ``until`` with a smaller
    code): the register numbers taken before a dossier."""
    earlier = DossierRow.received_at < until
    if code_before is not None:
        earlier = or_(earlier, and_(DossierRow.received_at == until, DossierRow.code < code_before))
    q = (
        select(func.count())
        .select_from(DossierRow)
        .where(DossierRow.office_code == office, DossierRow.received_at >= since, earlier)
    )
    return int(s.scalar(q) or 0)


def _events(s: Session, dossier_id: str) -> list[_Ev]:
    rows = s.execute(
        select(EventRow.type, EventRow.payload)
        .where(EventRow.dossier_id == dossier_id)
        .order_by(EventRow.hlc)
    )
    return [_Ev(t, json.loads(p)) for t, p in rows]


def _receiver_id(s: Session, dossier_id: str) -> str | None:
    """The user who received (or imported) the dossier."""
    return s.scalar(
        select(EventRow.user_id)
        .where(
            EventRow.dossier_id == dossier_id,
            EventRow.type.in_([EventType.RECEIVED.value, EventType.IMPORTED.value]),
        )
        .limit(1)
    )


def _person_name(s: Session, user_id: str | None) -> str:
    """A user's full name for a signature; blank while it is only a login name."""
    if user_id is None:
        return ""
    user = s.get(UserRow, user_id)
    if user is None or not user.full_name or user.full_name == user.username:
        return ""
    return user.full_name


def _sent_at(s: Session, dossier_ids: Sequence[str]) -> dict[str, datetime]:
    """When each dossier was first handed to the processing department."""
    out: dict[str, datetime] = {}
    for i in range(0, len(dossier_ids), 500):
        chunk = dossier_ids[i : i + 500]
        rows = s.execute(
            select(EventRow.dossier_id, EventRow.payload)
            .where(
                EventRow.dossier_id.in_(chunk),
                EventRow.type == EventType.STATUS_CHANGED.value,
            )
            .order_by(EventRow.hlc)
        )
        for dossier_id, payload in rows:
            if dossier_id in out:
                continue
            p = json.loads(payload)
            at = _instant(p.get("at"))
            if p.get("to") == Status.IN_PROGRESS.value and at is not None:
                out[dossier_id] = at
    return out


def _register_row(r: DossierRow, number: int, field: str, sent: dict[str, datetime]) -> RegisterRow:
    status = Status(r.status)
    notes: list[str] = []
    if status in (Status.REFUSED, Status.WITHDRAWN):
        label = STATUS_LABELS[status]
        notes.append(f"{label}: {r.reason}" if r.reason else label)
    if r.rescheduled_due_at is not None:
        notes.append(f"Hẹn lại: {_vn_date(r.rescheduled_due_at)}")
    return RegisterRow(
        number=number,
        code=r.code,
        procedure_name=r.procedure_name,
        applicant_name=r.applicant_name,
        address=r.address or "",
        phone=format_phone(r.phone) if r.phone else "",
        processing_unit=_processing_unit(field),
        received_at=r.received_at,
        due_at=r.due_at,
        sets=1,
        sent_at=sent.get(r.id),
        result_at=r.resolved_at,
        returned_at=r.returned_at,
        collected_by=r.returned_to or "",
        note="; ".join(notes),
    )


# --------------------------------------------------------------------------- small helpers


def _vn_date(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y")


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _instant(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _last_reason(events: Sequence[_Ev], target: Status) -> str:
    """The reason (or note) of the latest move to ``target``."""
    for ev in reversed(events):
        p = ev.payload
        if ev.type == EventType.STATUS_CHANGED and p.get("to") == target.value:
            return _clean(_str(p.get("reason")) or _str(p.get("note")))
    return ""


__all__ = [
    "BOOK_VOLUME_FORMAT",
    "FORMS",
    "PLACE_SETTING",
    "normalize_form",
    "place_from_address",
    "record_print",
    "render_form",
    "render_receipt",
    "render_register",
]
