"""Dossier codes ``<agency>-<YYMMDD>-<sequence>`` and offline-unique daily sequences.

Layouts (DOMAIN §3): Circular 01/2018 ``000.17.22.H56-210531-0001``; new agency identifiers
``MX1X2.Y1Y2Y3.Z1Z2…`` (≤ 35 characters); Circular 04/2025 ``…-YYMMDD-AAXXXX`` where the
sequence may start with two letters. The agency part is opaque configuration; a stored code is
never recomputed.

Offline uniqueness (DESIGN §4): each device of an office has a short device number d (1..99,
never reused; 0 is the server and imports). The k-th code a device issues on a day uses
``sequence_for(d, k)``: block ``b, r = divmod(k - 1, 999)``, sequence ``(b*100 + d)*1000 + r + 1``.
So device 2 issues 2001…2999, then 102001…102999, …; the server issues 0001…0999, then
100001…. The three low digits are never 000 and the thousands (mod 100) name the device, so two
devices can never draw the same number, with or without a network. Numbers are not contiguous
(gaps are allowed by the rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from onestop_desktop.domain.errors import ValidationError

__all__ = [
    "AGENCY_CODE_MAX_LENGTH",
    "AGENCY_CODE_RE",
    "DOSSIER_CODE_MAX_LENGTH",
    "DOSSIER_CODE_RE",
    "MAX_DEVICE_NUMBER",
    "ParsedCode",
    "device_of_sequence",
    "format_dossier_code",
    "looks_like_dossier_code",
    "parse_dossier_code",
    "sequence_for",
    "validate_agency_code",
]

AGENCY_CODE_MAX_LENGTH = 35
DOSSIER_CODE_MAX_LENGTH = 50
MAX_DEVICE_NUMBER = 99

_AGENCY = r"[0-9A-Z]+(?:\.[0-9A-Z]+)*"
AGENCY_CODE_RE = re.compile(rf"^{_AGENCY}$", re.ASCII)
# Lenient: any agency identifier, the date received, a sequence of ≥ 4 digits that may carry the
# two letters of Circular 04/2025 (``AAXXXX``).
DOSSIER_CODE_RE = re.compile(
    rf"^(?P<agency>{_AGENCY})-(?P<day>\d{{6}})-(?P<sequence>(?:[A-Z]{{2}})?\d{{4,}})$",
    re.ASCII,  # \d: ASCII digits only
)

_BLOCK_SIZE = 999  # numbers per device per block: low three digits 001..999
_DEVICES_PER_BLOCK = MAX_DEVICE_NUMBER + 1

_OFFICE_FIELD_LABELS = {
    "office_code": "Mã đơn vị tiếp nhận",
    "agency_code": "Mã cơ quan",
}
_EXAMPLE = "000.17.22.H56-210531-0001"


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """The three parts of a dossier code."""

    agency: str
    day: date
    sequence: str  # kept as text: leading zeros and the optional two letters matter


def looks_like_dossier_code(q: str) -> bool:
    """True when a search query has the layout of a dossier code (after strip and uppercase)."""
    code = q.strip().upper()
    return len(code) <= DOSSIER_CODE_MAX_LENGTH and DOSSIER_CODE_RE.fullmatch(code) is not None


def parse_dossier_code(code: str, field: str = "dossier_code") -> ParsedCode:
    """Split a dossier code into agency, date received and sequence.

    Raises:
        ValidationError: not the layout ``<agency>-<YYMMDD>-<sequence>`` or not a real date.
    """
    text = code.strip().upper()
    match = DOSSIER_CODE_RE.fullmatch(text) if len(text) <= DOSSIER_CODE_MAX_LENGTH else None
    if match is None:
        raise ValidationError(
            field,
            "Mã hồ sơ không đúng định dạng <mã cơ quan>-<năm tháng ngày yymmdd>-<số thứ tự>, "
            f"tối đa {DOSSIER_CODE_MAX_LENGTH} ký tự (ví dụ {_EXAMPLE}).",
        )
    digits = match["day"]
    try:
        day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        raise ValidationError(
            field, f"Mã hồ sơ có phần ngày tiếp nhận «{digits}» không phải ngày hợp lệ (yymmdd)."
        ) from None
    return ParsedCode(agency=match["agency"], day=day, sequence=match["sequence"])


def validate_agency_code(code: str, field: str = "office_code") -> str:
    """Return the agency identifier stripped and uppercased.

    Raises:
        ValidationError: not letters/digits in dot-separated parts, or longer than 35 characters.
    """
    text = code.strip().upper()
    if AGENCY_CODE_RE.fullmatch(text) is None or len(text) > AGENCY_CODE_MAX_LENGTH:
        label = _OFFICE_FIELD_LABELS.get(field, "Mã cơ quan")
        raise ValidationError(
            field,
            f"{label} chỉ gồm chữ cái không dấu và chữ số, các phần cách nhau bằng dấu chấm, "
            f"tối đa {AGENCY_CODE_MAX_LENGTH} ký tự (ví dụ 000.17.22.H56).",
        )
    return text


def format_dossier_code(agency: str, day: date, sequence: int) -> str:
    """Build a code: ``("000.17.22.H56", date(2021, 5, 31), 1)`` → ``"000.17.22.H56-210531-0001"``.

    Raises:
        ValidationError: a bad agency code (field ``office_code``).
        ValueError: a sequence < 1 or a date outside 2000-2099 (programming errors).
    """
    agency_code = validate_agency_code(agency)
    if isinstance(sequence, bool) or sequence < 1:
        raise ValueError(f"sequence must be a positive integer, got {sequence!r}")
    if not 2000 <= day.year <= 2099:
        raise ValueError(f"YYMMDD cannot hold the year {day.year}")
    code = f"{agency_code}-{day:%y%m%d}-{sequence:04d}"
    if len(code) > DOSSIER_CODE_MAX_LENGTH:
        raise ValueError(f"dossier code longer than {DOSSIER_CODE_MAX_LENGTH} characters: {code}")
    return code


def sequence_for(device_number: int, k: int) -> int:
    """The daily sequence of the k-th code (k ≥ 1) that device ``device_number`` issues."""
    if not 0 <= device_number <= MAX_DEVICE_NUMBER:
        raise ValueError(f"device number must be in 0..{MAX_DEVICE_NUMBER}, got {device_number}")
    if k < 1:
        raise ValueError(f"k counts from 1, got {k}")
    block, offset = divmod(k - 1, _BLOCK_SIZE)
    return (block * _DEVICES_PER_BLOCK + device_number) * 1000 + offset + 1


def device_of_sequence(seq: int) -> int:
    """The device number that `sequence_for` gave this sequence.

    Raises:
        ValueError: the scheme never produces this number (< 1 or a multiple of 1000).
    """
    if seq < 1 or seq % 1000 == 0:
        raise ValueError(f"{seq} is not a sequence of the device-slice scheme")
    return (seq // 1000) % _DEVICES_PER_BLOCK
