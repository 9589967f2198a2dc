"""Dossiers: statuses, the state machine, events and the one reducer that projects them.

Row tables are projections of the append-only event log; this module's :func:`reduce` is the
only place that turns an event into a new state, on workstations and the server alike.
Event payloads hold strings and integers only (no floats); instants are ISO-8601 strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.domain.errors import TransitionError, ValidationError


class Status(StrEnum):
    """Lifecycle of a dossier."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    WAITING_SUPPLEMENT = "waiting_supplement"
    RESOLVED = "resolved"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: Mapping[Status, str] = {
    Status.RECEIVED: "Đã tiếp nhận",
    Status.IN_PROGRESS: "Đang giải quyết",
    Status.WAITING_SUPPLEMENT: "Chờ bổ sung",
    Status.RESOLVED: "Đã có kết quả",
    Status.RETURNED: "Đã trả kết quả",
    Status.REFUSED: "Từ chối",
    Status.WITHDRAWN: "Rút hồ sơ",
}

#: Allowed forward moves. Waiting for a supplement pauses the clock; the move back to
#: in-progress resumes it.
TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(
        {
            Status.IN_PROGRESS,
            Status.WAITING_SUPPLEMENT,
            Status.RESOLVED,
            Status.REFUSED,
            Status.WITHDRAWN,
        }
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING_SUPPLEMENT, Status.RESOLVED, Status.REFUSED, Status.WITHDRAWN}
    ),
    Status.WAITING_SUPPLEMENT: frozenset({Status.IN_PROGRESS, Status.REFUSED, Status.WITHDRAWN}),
    Status.RESOLVED: frozenset({Status.RETURNED}),
    Status.RETURNED: frozenset(),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.WAITING_SUPPLEMENT})
FINISHED_STATUSES = frozenset({Status.RESOLVED, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN})


class Channel(StrEnum):
    """How the dossier reached the office."""

    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"


CHANNEL_LABELS: Mapping[Channel, str] = {
    Channel.DIRECT: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POSTAL: "Bưu chính công ích",
}


class EventType(StrEnum):
    """Kinds of dossier events."""

    RECEIVED = "dossier.received"
    IMPORTED = "dossier.imported"
    STATUS_CHANGED = "dossier.status_changed"
    FIELD_EDITED = "dossier.field_edited"
    RESCHEDULED = "dossier.rescheduled"
    PRINTED = "dossier.printed"
    RATING_GIVEN = "rating.given"


class Rating(StrEnum):
    """A citizen's satisfaction, recorded when the result is returned (DOMAIN.md §8)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"


RATING_LABELS: Mapping[Rating, str] = {
    Rating.VERY_SATISFIED: "Rất hài lòng",
    Rating.SATISFIED: "Hài lòng",
    Rating.DISSATISFIED: "Không hài lòng",
}
#: Values accepted besides the keys and their labels (an early name of "dissatisfied").
_RATING_ALIASES = {"unsatisfied": Rating.DISSATISFIED}


def parse_rating(value: object, field_name: str = "rating") -> Rating:
    """A rating from its key (``satisfied``), a legacy alias or its Vietnamese label.

    Raises:
        ValidationError: not one of the three ratings.
    """
    text = str(value or "").strip()
    folded = text.casefold()
    for r in Rating:
        if folded in (r.value, RATING_LABELS[r].casefold()):
            return r
    if folded in _RATING_ALIASES:
        return _RATING_ALIASES[folded]
    allowed = ", ".join(f"{r.value} ({RATING_LABELS[r]})" for r in Rating)
    raise ValidationError(field_name, f"Đánh giá '{text}' không hợp lệ; dùng một trong: {allowed}.")


#: Applicant fields a correction may change (and last-writer-wins applies to, in sync).
EDITABLE_FIELDS = frozenset({"applicant_name", "id_number", "phone", "address", "email", "note"})


class Resolution(StrEnum):
    """How a resolved dossier compares with its statutory due date (Biểu II.06a cols 8-10)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


def classify_resolution(resolved_at: datetime, due_at: datetime) -> Resolution:
    """Early: resolved on a day before the due day; late: after the due date-time; else on time.

    Days are Vietnam calendar days. The statutory due date is used, never an apology's new date.
    """
    if resolved_at > due_at:
        return Resolution.LATE
    if resolved_at.astimezone(VN_TZ).date() < due_at.astimezone(VN_TZ).date():
        return Resolution.EARLY
    return Resolution.ON_TIME


def parse_status(value: str, field_name: str = "status") -> Status:
    """Read a status name, refusing unknown ones with a Vietnamese message."""
    try:
        return Status(value.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationError(
            field_name, f"Trạng thái '{value}' không hợp lệ; dùng một trong: {allowed}."
        ) from None


def parse_channel(value: str, field_name: str = "channel") -> Channel:
    """Read a channel name (direct|online|postal), refusing unknown ones."""
    try:
        return Channel(value.strip().lower())
    except ValueError:
        raise ValidationError(
            field_name,
            f"Kênh tiếp nhận '{value}' không hợp lệ; dùng direct, online hoặc postal.",
        ) from None


def check_transition(current: Status, target: Status) -> None:
    """Raise :class:`TransitionError` unless ``current → target`` is allowed."""
    if target not in TRANSITIONS[current]:
        raise TransitionError(
            f"Không thể chuyển hồ sơ từ trạng thái '{STATUS_LABELS[current]}' "
            f"sang '{STATUS_LABELS[target]}'."
        )


@dataclass(frozen=True, slots=True)
class DocumentItem:
    """One line of the document checklist."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    received: bool = True

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON-able form."""
        return {
            "name": self.name,
            "originals": self.originals,
            "certified_copies": self.certified_copies,
            "photocopies": self.photocopies,
            "received": self.received,
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> DocumentItem:
        """Inverse of :meth:`to_payload`."""
        return cls(
            name=str(data["name"]),
            originals=int(data.get("originals", 0)),
            certified_copies=int(data.get("certified_copies", 0)),
            photocopies=int(data.get("photocopies", 0)),
            received=bool(data.get("received", True)),
        )


@dataclass(frozen=True, slots=True)
class DossierState:
    """The projection of one dossier's events."""

    id: str
    code: str
    procedure_code: str
    procedure_name: str
    office_code: str
    applicant_name: str
    channel: Channel
    received_at: datetime
    due_at: datetime
    status: Status = Status.RECEIVED
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    email: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    documents: tuple[DocumentItem, ...] = ()
    rescheduled_due_at: datetime | None = None
    paused_at: datetime | None = None
    last_paused_at: datetime | None = None
    last_resumed_at: datetime | None = None
    due_before_pause: datetime | None = None
    resolved_at: datetime | None = None
    returned_at: datetime | None = None
    closed_at: datetime | None = None
    returned_to: str | None = None
    reason: str | None = None
    note: str | None = None
    rating: str | None = None
    rating_reason: str | None = None
    print_count: int = 0
    version: int = 0
    updated_at: datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    #: The HLC (which ends with the device id) of the last applied edit of each free field:
    #: last-writer-wins per field on (HLC, device), whatever order the edits arrive in.
    field_clock: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """An immutable fact about a dossier."""

    id: str
    dossier_id: str
    type: EventType
    payload: Mapping[str, Any]
    occurred_at: datetime
    user_id: str
    device_id: str
    device_seq: int
    hlc: str


def _dt(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _req_dt(payload: Mapping[str, Any], key: str) -> datetime:
    value = _dt(payload.get(key))
    if value is None:
        raise ValueError(f"event payload lacks {key}")
    return value


def iso(value: datetime | None) -> str | None:
    """Serialise an aware instant for a payload."""
    return None if value is None else value.isoformat()


def state_from_creation(
    dossier_id: str, payload: Mapping[str, Any], updated_at: datetime | None = None
) -> DossierState:
    """Build the first state from a ``dossier.received`` or ``dossier.imported`` payload."""
    docs = tuple(DocumentItem.from_payload(d) for d in payload.get("documents", ()))
    return DossierState(
        id=dossier_id,
        code=str(payload["code"]),
        procedure_code=str(payload["procedure_code"]),
        procedure_name=str(payload.get("procedure_name", "")),
        office_code=str(payload["office_code"]),
        applicant_name=str(payload["applicant_name"]),
        channel=Channel(payload.get("channel", Channel.DIRECT)),
        received_at=_req_dt(payload, "received_at"),
        due_at=_req_dt(payload, "due_at"),
        status=Status(payload.get("status", Status.RECEIVED)),
        id_number=payload.get("id_number") or None,
        phone=payload.get("phone") or None,
        address=payload.get("address") or None,
        email=payload.get("email") or None,
        birth_date=date.fromisoformat(payload["birth_date"]) if payload.get("birth_date") else None,
        sex=payload.get("sex") or None,
        documents=docs,
        resolved_at=_dt(payload.get("resolved_at")),
        returned_at=_dt(payload.get("returned_at")),
        closed_at=_dt(payload.get("closed_at")),
        note=payload.get("note") or None,
        version=1,
        updated_at=updated_at,
    )


def status_change_payload(
    state: DossierState,
    target: Status,
    at: datetime,
    *,
    note: str | None = None,
    new_due_at: datetime | None = None,
    collected_by: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Validate a status change and return its event payload.

    Raises:
        TransitionError: the move is not allowed from the current status.
        ValidationError: a refusal or withdrawal without a reason, or a return without
            the name of who collected the result.
    """
    check_transition(state.status, target)
    if target is Status.REFUSED and not (reason and reason.strip()):
        raise ValidationError("reason", "Phải nhập lý do từ chối hồ sơ.")
    if target is Status.RETURNED and not (collected_by and collected_by.strip()):
        raise ValidationError("collected_by", "Phải ghi tên người nhận kết quả.")
    if at < state.received_at:
        raise ValidationError(
            "at", "Thời điểm chuyển trạng thái không được trước thời điểm tiếp nhận hồ sơ."
        )
    payload: dict[str, Any] = {"from": state.status.value, "to": target.value, "at": iso(at)}
    if note:
        payload["note"] = note.strip()
    if new_due_at is not None:
        payload["due_at"] = iso(new_due_at)
    if collected_by:
        payload["collected_by"] = collected_by.strip()
    if reason:
        payload["reason"] = reason.strip()
    return payload


def rating_payload(
    state: DossierState, rating: object, reason: str | None = None
) -> dict[str, Any]:
    """Validate a citizen's rating of a dossier whose result was returned; its event payload.

    Raises:
        TransitionError: the result has not been returned yet.
        ValidationError: an unknown rating, or "Không hài lòng" without a reason.
    """
    value = parse_rating(rating)
    if state.status is not Status.RETURNED:
        raise TransitionError(
            f"Hồ sơ {state.code} chưa trả kết quả; chỉ ghi đánh giá khi trả kết quả."
        )
    reason = (reason or "").strip()
    if value is Rating.DISSATISFIED and not reason:
        raise ValidationError("reason", "Phải ghi lý do khi người dân không hài lòng.")
    payload: dict[str, Any] = {"rating": value.value}
    if reason:
        payload["reason"] = reason
    return payload


def is_superseded(state: DossierState | None, event: Event) -> bool:
    """A field edit older, on (HLC, device), than the last applied edit of the same field.

    Such an edit is kept in the history (disposition ``superseded``) but changes nothing: the
    value of a free field is the one of its latest edit on every node, in any arrival order.
    """
    if state is None or event.type is not EventType.FIELD_EDITED:
        return False
    applied = state.field_clock.get(str(event.payload.get("field")))
    return applied is not None and applied >= event.hlc


def reduce(state: DossierState | None, event: Event) -> DossierState:
    """Apply one event to a dossier state (``None`` before its creation event)."""
    p = event.payload
    if event.type in (EventType.RECEIVED, EventType.IMPORTED):
        if state is not None:
            raise TransitionError(f"Hồ sơ {state.code} đã tồn tại.")
        return state_from_creation(event.dossier_id, p, event.occurred_at)
    if state is None:
        raise TransitionError("Sự kiện cho một hồ sơ chưa được tiếp nhận.")
    changes: dict[str, Any] = {"version": state.version + 1, "updated_at": event.occurred_at}
    if event.type is EventType.STATUS_CHANGED:
        target = Status(p["to"])
        check_transition(state.status, target)
        at = _req_dt(p, "at")
        changes["status"] = target
        if "due_at" in p:
            changes["due_at"] = _req_dt(p, "due_at")
        if target is Status.WAITING_SUPPLEMENT:
            # The last pause is kept after it ends, so that a past period's figures do not
            # change when the dossier resumes (see services/reports.py).
            changes["paused_at"] = at
            changes["last_paused_at"] = at
            changes["last_resumed_at"] = None
            changes["due_before_pause"] = state.due_at
        elif state.status is Status.WAITING_SUPPLEMENT:
            changes["paused_at"] = None
            changes["last_resumed_at"] = at
        if target is Status.RESOLVED:
            changes["resolved_at"] = at
        elif target is Status.RETURNED:
            changes["returned_at"] = at
            changes["returned_to"] = p.get("collected_by")
        elif target in (Status.REFUSED, Status.WITHDRAWN):
            changes["closed_at"] = at
            changes["reason"] = p.get("reason") or p.get("note")
        if p.get("note"):
            changes["note"] = p["note"]
    elif event.type is EventType.FIELD_EDITED:
        name = str(p["field"])
        if name not in EDITABLE_FIELDS:
            raise ValidationError(name, f"Không được sửa trường '{name}'.")
        if is_superseded(state, event):
            return state  # a later edit of this field (by HLC, then device) is already applied
        changes[name] = p.get("new") or None
        changes["field_clock"] = {**state.field_clock, name: event.hlc}
    elif event.type is EventType.RESCHEDULED:
        changes["rescheduled_due_at"] = _req_dt(p, "new_due_at")
    elif event.type is EventType.PRINTED:
        changes["print_count"] = state.print_count + 1
    elif event.type is EventType.RATING_GIVEN:
        changes["rating"] = parse_rating(p.get("rating")).value
        changes["rating_reason"] = p.get("reason") or None
    return dataclasses.replace(state, **changes)
