"""Procedure catalog, administrative units and offices: plain data and their validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from onestop_desktop.domain.errors import ValidationError

PROCEDURE_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]{0,49}$")


class OnlineLevel(StrEnum):
    """Decree 42/2022: none, partly online (một phần) or fully online (toàn trình)."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


#: Pre-2022 levels 1–4 as they appear in old catalogs.
LEGACY_ONLINE_LEVELS: Mapping[str, OnlineLevel] = {
    "1": OnlineLevel.NONE,
    "2": OnlineLevel.NONE,
    "3": OnlineLevel.PARTIAL,
    "4": OnlineLevel.FULL,
}


class HandlingLevel(StrEnum):
    """Which tier of government handles a procedure."""

    WARD = "ward"
    DISTRICT = "district"
    PROVINCE = "province"


HANDLING_LEVEL_LABELS: Mapping[HandlingLevel, str] = {
    HandlingLevel.WARD: "Cấp xã",
    HandlingLevel.DISTRICT: "Cấp huyện",
    HandlingLevel.PROVINCE: "Cấp tỉnh",
}


class UnitLevel(StrEnum):
    """Level of an administrative unit in the tree."""

    PROVINCE = "province"
    DISTRICT = "district"
    WARD = "ward"


def parse_online_level(value: str, field: str = "online_level") -> OnlineLevel:
    """Read none|partial|full, or a legacy level 1–4."""
    v = value.strip().lower()
    if v in LEGACY_ONLINE_LEVELS:
        return LEGACY_ONLINE_LEVELS[v]
    try:
        return OnlineLevel(v)
    except ValueError:
        raise ValidationError(
            field,
            f"Mức dịch vụ trực tuyến '{value}' không hợp lệ; dùng none, partial, full "
            "(hoặc mức cũ 2, 3, 4).",
        ) from None


def parse_handling_level(value: str, field: str = "level") -> HandlingLevel:
    """Read ward|district|province."""
    try:
        return HandlingLevel(value.strip().lower())
    except ValueError:
        raise ValidationError(
            field, f"Cấp giải quyết '{value}' không hợp lệ; dùng ward, district hoặc province."
        ) from None


def parse_unit_level(value: str, field: str = "level") -> UnitLevel:
    """Read province|district|ward."""
    try:
        return UnitLevel(value.strip().lower())
    except ValueError:
        raise ValidationError(
            field,
            f"Cấp đơn vị hành chính '{value}' không hợp lệ; dùng province, district hoặc ward.",
        ) from None


def parse_procedure_code(value: str, field: str = "code") -> str:
    """Validate a procedure code such as ``1.000894``."""
    v = value.strip()
    if not PROCEDURE_CODE_RE.match(v):
        raise ValidationError(field, f"Mã thủ tục '{value}' không hợp lệ (ví dụ đúng: 1.000894).")
    return v


def parse_non_negative_int(value: str, field: str, label: str) -> int:
    """Read an integer ≥ 0 (thousands separators '.' or ',' allowed), naming the field."""
    v = value.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not v.isdigit():
        raise ValidationError(field, f"{label} phải là số nguyên không âm (đã nhập '{value}').")
    return int(v)


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    """A document the procedure requires, with how many of each kind."""

    position: int
    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure of the catalog."""

    code: str
    name: str
    field: str
    level: HandlingLevel
    processing_days: int
    time_unit: str = "working_days"
    fee: int = 0
    fee_note: str = ""
    online_level: OnlineLevel = OnlineLevel.NONE
    legal_basis: str = ""
    active: bool = True
    documents: tuple[RequiredDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """A node of the province → (district) → ward tree, with validity dates."""

    code: str
    name: str
    level: UnitLevel
    parent_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class Office:
    """A receiving office (bộ phận một cửa); ``code`` is its agency identifier."""

    code: str
    name: str
    unit_code: str | None
    parent_name: str = ""
    address: str = ""
    phone: str = ""
