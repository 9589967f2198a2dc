"""Request and response bodies of the server API (validated before any transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from onestop_desktop.domain.dossier import EventType

MAX_PUSH_EVENTS = 500
_MAX_DEPTH = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Health(_Strict):
    """``GET /health``."""

    status: str
    version: str
    schema_revision: str
    server_epoch: str


class Handshake(_Strict):
    """``GET /v1/handshake``: what a client checks before it syncs.

    ``protocol`` is the server's protocol version, ``min_client_protocol`` the oldest client it
    accepts, ``schema`` its database revision, ``epoch`` its server epoch and ``server_time`` its
    clock (ISO 8601, UTC) so the client can warn about a skewed clock.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    protocol: int
    min_client_protocol: int
    schema_revision: str = Field(alias="schema")
    epoch: str
    epoch_base: int = 0
    device_last_seq: int = 0
    server_time: str


class EnrollRequest(_Strict):
    """``POST /v1/enroll``: a one-time token and a name for the workstation."""

    token: StrictStr = Field(min_length=1, max_length=200)
    device_name: StrictStr = Field(min_length=1, max_length=100)


class EnrollResponse(_Strict):
    """The device identity, given once; the secret is never shown again."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    secret: str
    server_epoch: str


class WhoAmI(_Strict):
    """``GET /v1/whoami``: the authenticated device and the offices it may read and write."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    name: str
    quarantined: bool
    unit_code: str | None
    unit_level: str | None
    scope: list[str]
    server_epoch: str


class Problem(_Strict):
    """An error answer: a Vietnamese message for the user."""

    detail: str


def _check_json(value: Any, depth: int = 0) -> None:
    """Payload values: strings, integers, booleans, null, lists and objects — no floats."""
    if depth > _MAX_DEPTH:
        raise ValueError("payload nested too deeply")
    if isinstance(value, float):
        raise ValueError("floats are not allowed in payloads (use integers or strings)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("payload keys must be strings")
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    elif value is not None and not isinstance(value, str | int):
        raise ValueError(f"unsupported payload value {type(value).__name__}")


class PushEvent(_Strict):
    """One event of a push batch (its device comes from the credentials, never the body)."""

    id: StrictStr = Field(min_length=1, max_length=36)
    dossier_id: StrictStr = Field(min_length=1, max_length=36)
    type: StrictStr = Field(min_length=1, max_length=40)
    payload: dict[str, Any]
    occurred_at: StrictStr = Field(min_length=10, max_length=40)
    user_id: StrictStr = Field(min_length=1, max_length=36)
    device_seq: StrictInt = Field(ge=1, le=2**62)
    hlc: StrictStr = Field(min_length=1, max_length=80)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in {t.value for t in EventType}:
            raise ValueError(f"unknown event type {value}")
        return value

    @field_validator("payload")
    @classmethod
    def _no_floats(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_json(value)
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware_instant(cls, value: str) -> str:
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("occurred_at needs a time zone")
        return value


class PushRequest(_Strict):
    """``POST /v1/push``: at most 500 events of the authenticated device."""

    epoch: StrictStr | None = Field(default=None, max_length=64)
    events: list[PushEvent] = Field(max_length=MAX_PUSH_EVENTS)

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[PushEvent]) -> list[PushEvent]:
        if len({e.id for e in value}) != len(value):
            raise ValueError("an event id appears twice")
        if len({e.device_seq for e in value}) != len(value):
            raise ValueError("a device_seq appears twice")
        return value


class PushResultBody(_Strict):
    """What became of one event: ``applied``, ``duplicate`` or ``rejected:<reason>``."""

    id: str
    disposition: str
    server_seq: int
    original_disposition: str
    occurred_at: str | None = None  # the stored time, when the server clamped a future one


class PushResponse(_Strict):
    """Sent only after the batch committed."""

    results: list[PushResultBody]
    epoch: str


class PullEventBody(_Strict):
    """One stored event with its server sequence and disposition."""

    id: str
    dossier_id: str
    type: str
    payload: dict[str, Any]
    occurred_at: str
    user_id: str
    device_id: str
    device_seq: int
    hlc: str
    server_seq: int
    disposition: str


class PullResponse(_Strict):
    """``GET /v1/pull``: a page of events after the cursor; ``next`` is the new cursor."""

    events: list[PullEventBody]
    next: int
    more: bool
    epoch: str


class ReferenceDocument(_Strict):
    """A document required by a procedure."""

    position: int
    name: str
    originals: int
    certified_copies: int
    photocopies: int


class ReferenceProcedure(_Strict):
    """A catalog entry (retired ones too: dossiers may still name them)."""

    code: str
    name: str
    field: str
    level: str
    processing_days: int
    time_unit: str
    fee: int
    fee_note: str
    online_level: str
    legal_basis: str
    active: bool
    retired_at: str | None
    documents: list[ReferenceDocument]


class ReferenceUnit(_Strict):
    """An administrative unit."""

    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: str | None
    valid_to: str | None
    replaced_by: str | None


class ReferenceOffice(_Strict):
    """A receiving office."""

    code: str
    name: str
    unit_code: str | None
    parent_name: str
    address: str
    phone: str


class ReferenceDay(_Strict):
    """A calendar override (``holiday`` / ``workday``)."""

    day: str
    kind: str
    note: str


class ReferenceUser(_Strict):
    """A user account."""

    id: str
    username: str
    full_name: str
    role: str
    active: bool


class ReferenceDevice(_Strict):
    """An enrolled device of the caller's scope (no secret)."""

    id: str
    number: int
    office_code: str
    name: str
    counter_number: int | None
    revoked: bool
    quarantined: bool


class ReferenceData(_Strict):
    """Everything a workstation needs to work offline; the server wins."""

    procedures: list[ReferenceProcedure]
    admin_units: list[ReferenceUnit]
    offices: list[ReferenceOffice]
    calendar_days: list[ReferenceDay]
    users: list[ReferenceUser]
    devices: list[ReferenceDevice]


class ReferenceResponse(_Strict):
    """``GET /v1/reference?have=V``: ``unchanged`` (no data) when V is the current version."""

    version: str
    unchanged: bool
    data: ReferenceData | None = None


class HistoryResponse(_Strict):
    """``GET /v1/history``: every stored event of some dossiers, in server order."""

    events: list[PullEventBody]
