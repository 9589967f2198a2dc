"""What the intake form needs besides ``intake`` itself, without Qt.

Procedure search the way clerks type (part of a code or a name, no diacritics), the appointment
preview (the very function ``intake`` uses, so the date shown is the date saved), the check for
an open dossier of the same person and procedure, the chip card's QR code, field checks as the
clerk types (the domain's own messages), and the half-filled form as plain JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from onestop_desktop.domain.calendar import VN_TZ, WorkCalendar
from onestop_desktop.domain.catalog import Procedure
from onestop_desktop.domain.dossier import Channel, DocumentItem
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import (
    CccdInfo,
    CccdQr,
    IdKind,
    check_cccd_consistency,
    classify_id_number,
    normalize_id_number,
    normalize_phone,
    normalize_sex,
    parse_cccd,
    parse_cccd_qr,
)
from onestop_desktop.domain.text import fold
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import (
    IntakeRequest,
    clean_applicant,
    compute_due,
    open_duplicates,
)
from onestop_desktop.services.reference import list_catalog

__all__ = [
    "DRAFT_VERSION",
    "IdSummary",
    "IntakeDraft",
    "IntakeReference",
    "draft_from_json",
    "draft_to_json",
    "extract_cccd_qr",
    "field_error",
    "find_open_duplicates",
    "identity_warnings",
    "load_intake_reference",
    "parse_birth_date",
    "preview_due",
    "read_cccd_qr",
    "request_from_draft",
    "search_procedures",
    "summarize_id",
]

# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True)
class IntakeReference:
    """What the form loads once: the current catalog and the deadline calendar."""

    procedures: tuple[Procedure, ...]
    calendar: WorkCalendar

    def procedure(self, code: str) -> Procedure | None:
        """The current procedure with this code, if any."""
        return next((p for p in self.procedures if p.code == code), None)


def load_intake_reference(ws: Workstation) -> IntakeReference:
    """Load the current catalog (with required documents) and the calendar."""
    procedures = tuple(list_catalog(ws))
    with ws.db.read() as s:
        calendar = ws.calendar(s)
    return IntakeReference(procedures=procedures, calendar=calendar)


# --------------------------------------------------------------------------- procedure search

_TIER_CODE = 0
_TIER_CODE_PREFIX = 1
_TIER_NAME_PREFIX = 2
_TIER_NAME_PHRASE = 3
_TIER_NAME_WORDS = 4
_TIER_NAME_SUBSTRING = 5
_TIER_FIELD = 6


def _tier(proc: Procedure, query: str, words: Sequence[str]) -> int | None:
    code = proc.code.casefold()
    if code == query:
        return _TIER_CODE
    if code.startswith(query):
        return _TIER_CODE_PREFIX
    name = fold(proc.name)
    if name.startswith(query):
        return _TIER_NAME_PREFIX
    if f" {query}" in f" {name}":
        return _TIER_NAME_PHRASE
    name_words = re.split(r"[\s,;.()/\-]+", name)
    if all(any(w.startswith(q) for w in name_words) for q in words):
        return _TIER_NAME_WORDS
    if query in name:
        return _TIER_NAME_SUBSTRING
    if f" {query}" in f" {fold(proc.field)}":
        return _TIER_FIELD
    return None


def search_procedures(
    procedures: Sequence[Procedure], query: str, *, limit: int = 50
) -> list[Procedure]:
    """Procedures matching part of a code or name, typed with or without diacritics.

    Best first: exact code, code prefix, name starting with the query, the query as a phrase
    at a word start, every typed word starting a word of the name (any order), anywhere in the
    name, then the field ("ho tich"). Within a tier the shorter name wins (the plain procedure
    before its variants). An empty query lists the catalog in its order.
    """
    q = fold(query)
    if not q:
        return list(procedures[:limit])
    words = q.split(" ")
    ranked: list[tuple[int, int, str, Procedure]] = []
    for proc in procedures:
        tier = _tier(proc, q, words)
        if tier is not None:
            ranked.append((tier, len(proc.name), proc.code, proc))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]


# --------------------------------------------------------------------------- appointment


def preview_due(calendar: WorkCalendar, procedure: Procedure, received_at: datetime) -> datetime:
    """The appointment ``intake`` will compute for this procedure and receipt time (VN time)."""
    return compute_due(calendar, procedure, received_at).astimezone(VN_TZ)


# --------------------------------------------------------------------------- duplicates


def find_open_duplicates(ws: Workstation, id_number: str, procedure_code: str) -> list[str]:
    """Codes of open dossiers of this ID number and procedure ([] for an invalid number)."""
    try:
        clean = normalize_id_number(id_number)
    except ValidationError:
        return []
    with ws.db.read() as s:
        return open_duplicates(s, id_number=clean, procedure_code=procedure_code)


# --------------------------------------------------------------------------- the card's QR code

# Twelve digits, then at least five more "|"-separated fields, up to the end of what was typed:
# a scanner types the code where the cursor is (usually at the end of the field, possibly right
# after digits already there, e.g. in the phone field).
_QR_RE = re.compile(r"[0-9]{12}(?:\|[^|\r\n]*){5,}$")


def extract_cccd_qr(text: str) -> tuple[str, str] | None:
    """Split a field's text into (what was there before, the scanned QR text), if a QR is there."""
    match = _QR_RE.search(text.rstrip("\r\n"))
    if match is None:
        return None
    return text[: match.start()], match.group()


def read_cccd_qr(text: str, *, today: date | None = None) -> CccdQr:
    """Read the chip card's QR text (see ``domain.identity.parse_cccd_qr``).

    Raises:
        ValidationError: not the card's layout; the message says what is wrong.
    """
    return parse_cccd_qr(text, today=today)


# --------------------------------------------------------------------------- field checks

_ID_SEPARATORS = re.compile(r"[\s.\-]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_BIRTH_DATE_RE = re.compile(
    r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})|([0-9]{2})([0-9]{2})([0-9]{4})"
)
_EARLIEST_BIRTH = date(1900, 1, 1)


def _id_incomplete(text: str) -> bool:
    """True while a number being typed may still become a valid one."""
    cleaned = _ID_SEPARATORS.sub("", text).upper()
    if cleaned.isascii() and cleaned.isdigit():
        return len(cleaned) < 12
    return re.fullmatch(r"[A-Z][0-9]{0,6}", cleaned) is not None


def _phone_incomplete(text: str) -> bool:
    compact = _PHONE_SEPARATORS.sub("", text)
    if not re.fullmatch(r"\+?[0-9]*", compact):
        return False
    if compact.startswith("+84"):
        return len(compact) < 12
    if compact.startswith("0084"):
        return len(compact) < 13
    if compact.startswith(("01", "02")):
        return len(compact) < 11
    return len(compact) < 10


def parse_birth_date(text: str, *, today: date | None = None) -> date | None:
    """A birth date typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ddmmyyyy).

    Returns None for an empty field.

    Raises:
        ValidationError: not a date, before 1900 or in the future.
    """
    value = text.strip()
    if not value:
        return None
    match = _BIRTH_DATE_RE.fullmatch(value)
    bad = ValidationError(
        "birth_date",
        f"Ngày sinh «{value}» không hợp lệ; nhập theo dạng ngày/tháng/năm (dd/mm/yyyy).",
    )
    if match is None:
        raise bad
    groups = [g for g in match.groups() if g is not None]
    try:
        born = date(int(groups[2]), int(groups[1]), int(groups[0]))
    except ValueError:
        raise bad from None
    current = today or datetime.now(VN_TZ).date()
    if born > current:
        raise ValidationError("birth_date", f"Ngày sinh {born:%d/%m/%Y} sau ngày hôm nay.")
    if born < _EARLIEST_BIRTH:
        raise ValidationError("birth_date", f"Ngày sinh {born:%d/%m/%Y} trước năm 1900.")
    return born


def field_error(name: str, text: str, *, final: bool, today: date | None = None) -> str | None:
    """The message for one applicant field, or None when it is fine.

    ``final=False`` is the check while typing: a number that may still become valid is not
    reported yet. ``final=True`` is the check on leaving the field and on saving. Messages are
    the domain's and the intake service's own (the same rules ``intake`` applies).
    """
    value = text.strip()
    try:
        if name == "applicant_name":
            if final:
                clean_applicant(value, None, None, None, None)
        elif name == "id_number":
            if value and (final or not _id_incomplete(value)):
                normalize_id_number(value)
        elif name == "phone":
            if value and (final or not _phone_incomplete(value)):
                normalize_phone(value)
        elif name == "email":
            if value and (final or "@" in value):
                clean_applicant("x", None, None, None, value)
        elif name == "birth_date":
            if value and (final or len(value) >= 8):
                parse_birth_date(value, today=today)
        elif name == "sex":
            if value:
                normalize_sex(value)
        else:
            raise ValueError(f"unknown field {name!r}")
    except ValidationError as exc:
        return exc.message
    return None


@dataclass(frozen=True, slots=True)
class IdSummary:
    """What an ID number says, for a hint under the field."""

    kind: IdKind
    cccd: CccdInfo | None = None


def summarize_id(text: str) -> IdSummary | None:
    """Kind of a valid ID number and, for a CCCD, what its digits say; None if invalid."""
    try:
        clean = normalize_id_number(text)
        kind = classify_id_number(clean)
    except ValidationError:
        return None
    return IdSummary(kind=kind, cccd=parse_cccd(clean) if kind is IdKind.CCCD else None)


def identity_warnings(id_number: str, birth_date: date | None, sex: str | None) -> list[str]:
    """Warnings (never errors) where birth year or sex disagree with a CCCD's digits."""
    summary = summarize_id(id_number)
    if summary is None or summary.cccd is None:
        return []
    return check_cccd_consistency(
        summary.cccd, birth_year=birth_date.year if birth_date else None, sex=sex or None
    )


# --------------------------------------------------------------------------- the draft

DRAFT_VERSION = 1


@dataclass(frozen=True, slots=True)
class IntakeDraft:
    """Everything typed into the intake form, as text, so that it can be kept as it is."""

    procedure_code: str | None = None
    applicant_name: str = ""
    id_number: str = ""
    birth_date: str = ""
    sex: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    note: str = ""
    channel: Channel = Channel.DIRECT
    #: None: "now" at saving time; otherwise the receipt time the clerk set (aware).
    received_at: datetime | None = None
    #: None: the procedure's checklist as it is; otherwise the clerk's edited checklist.
    documents: tuple[DocumentItem, ...] | None = field(default=None)

    def is_empty(self) -> bool:
        """True when nothing worth keeping was entered."""
        texts = (
            self.applicant_name,
            self.id_number,
            self.birth_date,
            self.sex,
            self.phone,
            self.email,
            self.address,
            self.note,
        )
        return self.procedure_code is None and not any(t.strip() for t in texts)


def draft_to_json(draft: IntakeDraft) -> str:
    """Plain JSON of a draft."""
    data: dict[str, Any] = {
        "version": DRAFT_VERSION,
        "procedure_code": draft.procedure_code,
        "applicant_name": draft.applicant_name,
        "id_number": draft.id_number,
        "birth_date": draft.birth_date,
        "sex": draft.sex,
        "phone": draft.phone,
        "email": draft.email,
        "address": draft.address,
        "note": draft.note,
        "channel": draft.channel.value,
        "received_at": draft.received_at.isoformat() if draft.received_at else None,
        "documents": (
            None if draft.documents is None else [d.to_payload() for d in draft.documents]
        ),
    }
    return json.dumps(data, ensure_ascii=False)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def draft_from_json(text: str) -> IntakeDraft | None:
    """Read a draft back; None for anything unreadable (a draft is never worth a crash)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != DRAFT_VERSION:
            return None
        received = data.get("received_at")
        received_at = datetime.fromisoformat(received) if isinstance(received, str) else None
        if received_at is not None and received_at.tzinfo is None:
            received_at = None
        docs = data.get("documents")
        documents = (
            tuple(DocumentItem.from_payload(d) for d in docs) if isinstance(docs, list) else None
        )
        code = data.get("procedure_code")
        return IntakeDraft(
            procedure_code=code if isinstance(code, str) and code else None,
            applicant_name=_text(data, "applicant_name"),
            id_number=_text(data, "id_number"),
            birth_date=_text(data, "birth_date"),
            sex=_text(data, "sex"),
            phone=_text(data, "phone"),
            email=_text(data, "email"),
            address=_text(data, "address"),
            note=_text(data, "note"),
            channel=Channel(data.get("channel") or Channel.DIRECT),
            received_at=received_at,
            documents=documents,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def request_from_draft(draft: IntakeDraft) -> IntakeRequest:
    """The ``intake`` request for a completed form.

    Raises:
        ValidationError: no procedure chosen (field ``procedure_code``).
    """
    if not draft.procedure_code:
        raise ValidationError("procedure_code", "Chưa chọn thủ tục hành chính.")
    return IntakeRequest(
        procedure_code=draft.procedure_code,
        applicant_name=draft.applicant_name,
        id_number=draft.id_number or None,
        phone=draft.phone or None,
        address=draft.address or None,
        email=draft.email or None,
        channel=draft.channel,
        received_at=draft.received_at,
        documents=draft.documents,
        note=draft.note or None,
        birth_date=parse_birth_date(draft.birth_date) if draft.birth_date else None,
        sex=draft.sex or None,
    )
