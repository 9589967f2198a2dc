"""People's numbers: CCCD / CMND / passport, phone numbers, the chip card's QR code.

Rules from DOMAIN §7. Every refusal is a `ValidationError` whose message is a complete
Vietnamese sentence naming the field; consistency checks only warn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.text import fold, normalize_name, normalize_text

__all__ = [
    "CCCD_PROVINCES",
    "FEMALE",
    "MALE",
    "CccdInfo",
    "CccdQr",
    "IdKind",
    "check_cccd_consistency",
    "classify_id_number",
    "format_phone",
    "is_phone_like",
    "mask_id_number",
    "normalize_id_number",
    "normalize_phone",
    "normalize_sex",
    "parse_cccd",
    "parse_cccd_qr",
]

# Vietnam has had no daylight saving time since 1975: a fixed UTC+7 offset is exact and needs no
# tz database (Windows Python ships none).
_VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

MALE = "Nam"
FEMALE = "Nữ"

# Province of birth registration, first three digits of a CCCD (Circular 07/2016/TT-BCA,
# Appendix I). The 63 provinces before the 2025 mergers; codes are not renumbered after a merger,
# so these stay valid for every card ever issued.
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# User-facing names of the fields these functions are called for; unknown fields fall back to
# the generic label of the kind of value.
_ID_FIELD_LABELS = {
    "id_number": "Số giấy tờ tùy thân",
    "applicant_id_number": "Số giấy tờ tùy thân của người nộp",
    "owner_id_number": "Số giấy tờ tùy thân của chủ hồ sơ",
    "old_id_number": "Số CMND cũ",
}
_PHONE_FIELD_LABELS = {
    "phone": "Số điện thoại",
    "applicant_phone": "Số điện thoại của người nộp",
    "owner_phone": "Số điện thoại của chủ hồ sơ",
}


def _today() -> date:
    return datetime.now(_VIETNAM_TZ).date()


def _id_label(field: str) -> str:
    return _ID_FIELD_LABELS.get(field, "Số giấy tờ tùy thân")


def _phone_label(field: str) -> str:
    return _PHONE_FIELD_LABELS.get(field, "Số điện thoại")


_ID_SEPARATORS_RE = re.compile(r"[\s.\-]+")
_PHONE_SEPARATORS_RE = re.compile(r"[\s.\-()]+")


def _clean_id(value: str) -> str:
    """Drop spaces, dots and dashes people type inside ID numbers; uppercase."""
    return _ID_SEPARATORS_RE.sub("", value).upper()


def _first_bad_char(value: str, allowed: str) -> str | None:
    return next((ch for ch in value if ch not in allowed), None)


_DIGITS = "0123456789"


# --- CCCD -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CccdInfo:
    """What a 12-digit personal ID number says about its holder."""

    number: str
    province_code: str
    province_name: str
    sex: str  # "Nam" or "Nữ"
    century: int  # 20 for births 1900-1999, 21 for 2000-2099, 22 for 2100-2199
    birth_year: int


def parse_cccd(value: str, *, today: date | None = None, field: str = "id_number") -> CccdInfo:
    """Check a CCCD number ``PPP G YY RRRRRR`` and decode it.

    Spaces, dots and dashes inside the number are ignored.

    Raises:
        ValidationError: not 12 digits, unknown province code, century/sex digit outside 0-5,
            or a birth year after this year.
    """
    number = _clean_id(value)
    bad = None if number.isascii() and number.isdigit() else _first_bad_char(number, _DIGITS)
    if bad is not None:
        raise ValidationError(
            field, f"Số CCCD chỉ được gồm chữ số (có ký tự không hợp lệ «{bad}»)."
        )
    if len(number) != 12:
        raise ValidationError(field, f"Số CCCD phải gồm đúng 12 chữ số (đã nhập {len(number)}).")
    province_code = number[:3]
    province_name = CCCD_PROVINCES.get(province_code)
    if province_name is None:
        raise ValidationError(
            field,
            f"Số CCCD có mã tỉnh {province_code} không tồn tại: 3 chữ số đầu phải là mã tỉnh "
            "nơi đăng ký khai sinh (từ 001 Hà Nội đến 096 Cà Mau).",
        )
    code = int(number[3])
    if code > 5:
        raise ValidationError(
            field,
            f"Số CCCD có chữ số thứ tư (mã thế kỷ và giới tính) là {code}, chỉ được từ 0 đến 5.",
        )
    century = 20 + code // 2
    birth_year = (century - 1) * 100 + int(number[4:6])
    current_year = (today or _today()).year
    if birth_year > current_year:
        raise ValidationError(
            field,
            f"Số CCCD cho năm sinh {birth_year}, sau năm hiện tại ({current_year}).",
        )
    return CccdInfo(
        number=number,
        province_code=province_code,
        province_name=province_name,
        sex=MALE if code % 2 == 0 else FEMALE,
        century=century,
        birth_year=birth_year,
    )


_SEX_WORDS = {"nam": MALE, "m": MALE, "male": MALE, "nu": FEMALE, "f": FEMALE, "female": FEMALE}


def normalize_sex(value: str, field: str = "sex") -> str:
    """``"nữ"``, ``"NU"``, ``"Nữ"`` (NFD), ``"F"`` … → ``"Nữ"``; likewise ``"Nam"``.

    Raises:
        ValidationError: anything else.
    """
    sex = _SEX_WORDS.get(fold(value))
    if sex is None:
        raise ValidationError(field, "Giới tính phải là «Nam» hoặc «Nữ».")
    return sex


def check_cccd_consistency(info: CccdInfo, *, birth_year: int | None, sex: str | None) -> list[str]:
    """Warnings (Vietnamese sentences) where the entered birth year or sex disagree with the CCCD.

    Never blocks: a clerk may have mistyped either side. Unknown or empty values are not compared.
    """
    warnings: list[str] = []
    if birth_year is not None and birth_year != info.birth_year:
        warnings.append(
            f"Năm sinh đã nhập ({birth_year}) khác năm sinh theo số CCCD ({info.birth_year})."
        )
    entered_sex = _SEX_WORDS.get(fold(sex)) if sex else None
    if entered_sex is not None and entered_sex != info.sex:
        warnings.append(
            f"Giới tính đã nhập ({entered_sex}) khác giới tính theo số CCCD ({info.sex})."
        )
    return warnings


# --- ID numbers of any kind ---------------------------------------------------------------------


class IdKind(StrEnum):
    """Kinds of identity document number a dossier may carry."""

    CCCD = "cccd"  # 12 digits (also the 12-digit CMND of 2012-2016, same layout)
    CMND = "cmnd"  # 9 digits, invalid since 31/12/2024 but kept in old records
    PASSPORT = "passport"  # one letter + 7 digits


_CMND_RE = re.compile(r"[0-9]{9}")
_CCCD_RE = re.compile(r"[0-9]{12}")
_PASSPORT_RE = re.compile(r"[A-Z][0-9]{7}")


def _kind_of(cleaned: str) -> IdKind | None:
    if _CCCD_RE.fullmatch(cleaned):
        return IdKind.CCCD
    if _CMND_RE.fullmatch(cleaned):
        return IdKind.CMND
    if _PASSPORT_RE.fullmatch(cleaned):
        return IdKind.PASSPORT
    return None


def _unknown_id_error(cleaned: str, field: str) -> ValidationError:
    label = _id_label(field)
    rule = (
        f"{label} phải là số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số "
        "hoặc số hộ chiếu gồm 1 chữ cái và 7 chữ số"
    )
    if not cleaned:
        return ValidationError(field, f"{label} không được để trống.")
    all_digits = _first_bad_char(cleaned, _DIGITS) is None
    if all_digits and len(cleaned) in (8, 11):
        return ValidationError(
            field,
            f"{rule} (đã nhập {len(cleaned)} chữ số; có thể đã mất số 0 ở đầu).",
        )
    if all_digits:
        return ValidationError(field, f"{rule} (đã nhập {len(cleaned)} chữ số).")
    return ValidationError(field, f"{rule} (đã nhập {len(cleaned)} ký tự).")


def classify_id_number(value: str, field: str = "id_number") -> IdKind:
    """Tell a CCCD (12 digits) from a CMND (9 digits) and a passport (letter + 7 digits).

    Only the shape is checked; `normalize_id_number` validates the content.

    Raises:
        ValidationError: the value has none of these shapes.
    """
    cleaned = _clean_id(value)
    kind = _kind_of(cleaned)
    if kind is None:
        raise _unknown_id_error(cleaned, field)
    return kind


def normalize_id_number(value: str, field: str = "id_number") -> str:
    """The stored form of an ID number: no spaces/dots/dashes, uppercase, validated by kind.

    A 12-digit number is checked as a CCCD (province code, century digit, birth year).

    Raises:
        ValidationError: the message names the field and the rule broken.
    """
    cleaned = _clean_id(value)
    kind = classify_id_number(cleaned, field)
    if kind is IdKind.CCCD:
        parse_cccd(cleaned, field=field)
    return cleaned


def mask_id_number(v: str) -> str:
    """Hide the middle of an ID number where the whole is not needed: ``"001*******45"``."""
    cleaned = _clean_id(v)
    if len(cleaned) <= 5:
        return "*" * len(cleaned)
    head = 3 if len(cleaned) >= 9 else 1
    return cleaned[:head] + "*" * (len(cleaned) - head - 2) + cleaned[-2:]


# --- Phones ---------------------------------------------------------------------------------------

# Old 11-digit mobile prefixes → the 10-digit prefixes they became in 2018.
_OLD_MOBILE_PREFIXES = {
    # Viettel
    **{f"016{d}": f"03{d}" for d in "23456789"},
    # MobiFone
    "0120": "070",
    "0121": "079",
    "0122": "077",
    "0126": "076",
    "0128": "078",
    # VinaPhone
    "0123": "083",
    "0124": "084",
    "0125": "085",
    "0127": "081",
    "0129": "082",
    # Vietnamobile
    "0186": "056",
    "0188": "058",
    # Gmobile
    "0199": "059",
}
_MOBILE_RE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE_RE = re.compile(r"02[0-9]{9}")
# Hà Nội and Hồ Chí Minh City have 2-digit area codes (024, 028); every other province 3 (02xx).
_SHORT_AREA_CODES = ("024", "028")


def _phone_digits(value: str, field: str) -> str:
    """Strip separators and turn an international prefix (+84, 0084, 84) into 0."""
    label = _phone_label(field)
    compact = _PHONE_SEPARATORS_RE.sub("", value)
    if not compact:
        raise ValidationError(field, f"{label} không được để trống.")
    if compact.startswith("+"):
        if not compact.startswith("+84"):
            raise ValidationError(field, f"{label} phải là số Việt Nam (mã quốc gia +84).")
        compact = "0" + compact[3:]
    elif compact.startswith("0084"):
        compact = "0" + compact[4:]
    elif compact.startswith("84") and len(compact) in (11, 12):
        compact = "0" + compact[2:]
    # "+84 (0) 912 …" and "+84 0912 …" carry a redundant trunk zero.
    if compact.startswith("00"):
        compact = compact[1:]
    bad = _first_bad_char(compact, _DIGITS)
    if bad is not None:
        raise ValidationError(
            field,
            f"{label} chỉ được gồm chữ số, dấu cách, dấu chấm, dấu gạch ngang "
            f"và tiền tố +84 (có ký tự không hợp lệ «{bad}»).",
        )
    return compact


def normalize_phone(value: str, field: str = "phone") -> str:
    """The stored form of a Vietnamese phone number: ``0XXXXXXXXX`` (mobile) or ``02…`` (landline).

    Accepts spaces, dots, dashes, parentheses and ``+84``/``0084``/``84`` prefixes; converts the
    old 11-digit mobile prefixes (0162 → 032 …).

    Raises:
        ValidationError: anything that is not a valid mobile or landline number.
    """
    label = _phone_label(field)
    digits = _phone_digits(value, field)
    if len(digits) == 11 and digits.startswith("01"):
        new_prefix = _OLD_MOBILE_PREFIXES.get(digits[:4])
        if new_prefix is None:
            raise ValidationError(
                field,
                f"{label} có đầu số {digits[:4]} không phải đầu số di động 11 số cũ "
                "(0120-0129, 0162-0169, 0186, 0188, 0199).",
            )
        digits = new_prefix + digits[4:]
    if _MOBILE_RE.fullmatch(digits) or _LANDLINE_RE.fullmatch(digits):
        return digits
    hint = ""
    if digits[:1] in ("3", "5", "7", "8", "9") and len(digits) == 9:
        hint = "; có thể thiếu số 0 ở đầu"
    raise ValidationError(
        field,
        f"{label} không hợp lệ: số di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09; "
        f"số cố định gồm 11 chữ số bắt đầu bằng 02 (đã nhập {len(digits)} chữ số{hint}).",
    )


def format_phone(p: str) -> str:
    """Display form: ``"0912 345 678"``, ``"024 3856 1234"``, ``"0236 3822 123"``.

    A value that is not a valid phone number is shown as it is (stripped): display never fails.
    """
    try:
        digits = normalize_phone(p)
    except ValidationError:
        return p.strip()
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if digits.startswith(_SHORT_AREA_CODES):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


def is_phone_like(q: str) -> bool:
    """True when a search query is a complete phone number in any accepted notation."""
    try:
        normalize_phone(q)
    except ValidationError:
        return False
    return True


# --- The chip card's QR code ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CccdQr:
    """Fields read from the QR code printed on a chip-based CCCD card."""

    id_number: str
    old_id_number: str | None
    full_name: str
    birth_date: date
    sex: str  # "Nam" or "Nữ"
    address: str
    issued_on: date | None


_QR_FIELD = "cccd_qr"


def _qr_date(text: str, what: str, *, today: date) -> date:
    malformed = ValidationError(
        _QR_FIELD,
        f"Mã QR trên thẻ CCCD có {what} «{text}» không hợp lệ (cần dạng ngày tháng năm ddmmyyyy).",
    )
    if not re.fullmatch(r"[0-9]{8}", text):
        raise malformed
    try:
        day = date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise malformed from None
    if day > today:
        raise ValidationError(
            _QR_FIELD, f"Mã QR trên thẻ CCCD có {what} {day:%d/%m/%Y} sau ngày hôm nay."
        )
    return day


def parse_cccd_qr(text: str, *, today: date | None = None) -> CccdQr:
    """Read ``CCCD|old CMND|Full name|ddmmyyyy|Gender|Address|ddmmyyyy issued``.

    The old CMND and the issue date may be empty; fields after the seventh (newer cards) are
    ignored. The name is normalised like a typed name, the address like free text. The CCCD
    number is checked for shape only here; `normalize_id_number` validates it on save.

    Raises:
        ValidationError: (field ``"cccd_qr"``) not this layout.
    """
    current = today or _today()
    parts = [p.strip() for p in text.strip().lstrip("\ufeff").split("|")]
    if len(parts) < 6:
        raise ValidationError(
            _QR_FIELD,
            "Mã QR không phải mã QR của thẻ CCCD: cần ít nhất 6 trường cách nhau bằng «|» "
            "(số CCCD|số CMND cũ|họ tên|ngày sinh|giới tính|địa chỉ|ngày cấp), "
            f"đọc được {len(parts)}.",
        )
    id_number, old_id, raw_name, raw_birth, raw_sex, raw_address = parts[:6]
    raw_issued = parts[6] if len(parts) > 6 else ""
    if not _CCCD_RE.fullmatch(id_number):
        raise ValidationError(_QR_FIELD, "Mã QR trên thẻ CCCD có số CCCD không gồm đúng 12 chữ số.")
    if old_id and not (_CMND_RE.fullmatch(old_id) or _CCCD_RE.fullmatch(old_id)):
        raise ValidationError(
            _QR_FIELD, "Mã QR trên thẻ CCCD có số CMND cũ không gồm 9 hoặc 12 chữ số."
        )
    full_name = normalize_name(raw_name)
    if not full_name:
        raise ValidationError(_QR_FIELD, "Mã QR trên thẻ CCCD không có họ và tên.")
    sex = _SEX_WORDS.get(fold(raw_sex))
    if sex is None:
        raise ValidationError(
            _QR_FIELD, f"Mã QR trên thẻ CCCD có giới tính «{raw_sex}», cần «Nam» hoặc «Nữ»."
        )
    return CccdQr(
        id_number=id_number,
        old_id_number=old_id or None,
        full_name=full_name,
        birth_date=_qr_date(raw_birth, "ngày sinh", today=current),
        sex=sex,
        address=normalize_text(raw_address),
        issued_on=_qr_date(raw_issued, "ngày cấp", today=current) if raw_issued else None,
    )
