"""Plain data the forms are printed from (filled by services; no database, no Qt here).

Instants are aware datetimes; the forms show them in Vietnam time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from onestop_desktop.domain.dossier import Resolution


@dataclass(frozen=True, slots=True)
class Agency:
    """The office a form is issued by (left column of the header)."""

    parent_name: str  # the parent authority, e.g. "UBND phường Nhân Chính"
    name: str  # the receiving unit, e.g. "Bộ phận Một cửa UBND phường Nhân Chính"
    place: str = ""  # the place of the date line, e.g. "Hà Nội"
    address: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who brought the dossier (display-ready strings: phone formatted, ID masked)."""

    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """A line of the document table: how many originals, certified copies, photocopies."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


@dataclass(frozen=True, slots=True)
class ProcedureInfo:
    """The procedure asked for, with its statutory time and fee."""

    code: str
    name: str
    field: str = ""
    processing_days: int = 0
    time_unit: str = "working_days"  # working_days | calendar_days | working_hours
    fee: int = 0
    fee_note: str = ""


@dataclass(frozen=True, slots=True)
class DossierInfo:
    """Everything the per-dossier forms (Mẫu 01-05) print."""

    code: str
    agency: Agency
    applicant: Applicant
    procedure: ProcedureInfo
    received_at: datetime
    due_at: datetime
    issued_at: datetime  # the date of the place-and-date line
    documents: tuple[DocumentLine, ...] = ()
    sets: int = 1
    return_place: str = ""  # where the result is collected
    processing_unit: str = ""  # the department that handles it
    clerk_name: str = ""  # who received it (printed under the signature)
    book_volume: str = ""  # Sổ theo dõi hồ sơ: volume ...
    book_number: int | None = None  # ... and sequence number
    qr_text: str = ""  # what the receipt's QR code holds (default: the dossier code)


@dataclass(frozen=True, slots=True)
class HandOver:
    """One row of the control sheet (Mẫu 05): who gave the dossier to whom, when, how timely."""

    giver: str
    receiver: str
    at: datetime
    result: Resolution | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One dossier in the register (Mẫu 06)."""

    number: int
    code: str
    procedure_name: str
    applicant_name: str
    address: str
    phone: str
    processing_unit: str
    received_at: datetime
    due_at: datetime
    sets: int = 1
    sent_at: datetime | None = None  # handed to the processing department
    result_at: datetime | None = None  # result back at the counter
    returned_at: datetime | None = None  # result given to the citizen
    collected_by: str = ""  # who collected the result (beside the signature)
    note: str = ""


@dataclass(frozen=True, slots=True)
class RegisterInfo:
    """The register of the dossiers received between two dates."""

    agency: Agency
    date_from: date
    date_to: date
    issued_at: datetime
    book_volume: str = ""
    rows: tuple[RegisterRow, ...] = field(default_factory=tuple)
