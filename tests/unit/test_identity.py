"""CCCD / CMND / passport numbers, phone numbers and the chip card's QR code."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import (
    CCCD_PROVINCES,
    CccdInfo,
    IdKind,
    check_cccd_consistency,
    classify_id_number,
    format_phone,
    is_phone_like,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
    normalize_sex,
    parse_cccd,
    parse_cccd_qr,
)

TODAY = date(2026, 1, 5)

# --- CCCD -------------------------------------------------------------------------------------


def test_parse_cccd_hanoi_male_1999() -> None:
    assert parse_cccd("001099012345", today=TODAY) == CccdInfo(
        number="001099012345",
        province_code="001",
        province_name="Hà Nội",
        sex="Nam",
        century=20,
        birth_year=1999,
    )


def test_parse_cccd_female_born_in_the_2000s() -> None:
    info = parse_cccd("079305001234", today=TODAY)
    assert (info.province_name, info.sex, info.century, info.birth_year) == (
        "Hồ Chí Minh",
        "Nữ",
        21,
        2005,
    )


@pytest.mark.parametrize(
    ("number", "sex", "year"),
    [
        ("038085000001", "Nam", 1985),
        ("038185000001", "Nữ", 1985),
        ("038200000001", "Nam", 2000),
        ("038326000001", "Nữ", 2026),
    ],
)
def test_parse_cccd_century_and_sex_digit(number: str, sex: str, year: int) -> None:
    info = parse_cccd(number, today=TODAY)
    assert (info.province_name, info.sex, info.birth_year) == ("Thanh Hóa", sex, year)


def test_parse_cccd_ignores_spaces_and_dots() -> None:
    assert parse_cccd(" 001 099 012.345 ", today=TODAY).number == "001099012345"


def test_cccd_province_table_is_the_63_pre_2025_provinces() -> None:
    assert len(CCCD_PROVINCES) == 63
    assert min(CCCD_PROVINCES) == "001"
    assert max(CCCD_PROVINCES) == "096"
    assert CCCD_PROVINCES["030"] == "Hải Dương"
    assert CCCD_PROVINCES["046"] == "Thừa Thiên Huế"
    assert CCCD_PROVINCES["067"] == "Đắk Nông"
    assert all(unicodedata.is_normalized("NFC", name) for name in CCCD_PROVINCES.values())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("00109901234", "Số CCCD phải gồm đúng 12 chữ số (đã nhập 11)."),
        ("0010990123456", "Số CCCD phải gồm đúng 12 chữ số (đã nhập 13)."),
        ("", "Số CCCD phải gồm đúng 12 chữ số (đã nhập 0)."),
        ("00109901234A", "Số CCCD chỉ được gồm chữ số (có ký tự không hợp lệ «A»)."),
        (
            "003099012345",
            "Số CCCD có mã tỉnh 003 không tồn tại: 3 chữ số đầu phải là mã tỉnh nơi đăng ký "
            "khai sinh (từ 001 Hà Nội đến 096 Cà Mau).",
        ),
        (
            "001699012345",
            "Số CCCD có chữ số thứ tư (mã thế kỷ và giới tính) là 6, chỉ được từ 0 đến 5.",
        ),
        ("001227012345", "Số CCCD cho năm sinh 2027, sau năm hiện tại (2026)."),
        ("001400012345", "Số CCCD cho năm sinh 2100, sau năm hiện tại (2026)."),
    ],
)
def test_parse_cccd_refusals(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_cccd(value, today=TODAY)
    assert caught.value.field == "id_number"
    assert caught.value.message == message
    assert str(caught.value) == message


def test_parse_cccd_reports_the_given_field() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_cccd("123", field="owner_id_number", today=TODAY)
    assert caught.value.field == "owner_id_number"


def test_parse_cccd_defaults_to_the_current_year() -> None:
    assert parse_cccd("001099012345").birth_year == 1999


@given(
    province=st.sampled_from(sorted(CCCD_PROVINCES)),
    code=st.integers(0, 3),
    yy=st.integers(0, 99),
    rest=st.from_regex(r"\A[0-9]{6}\Z"),
)
def test_parse_cccd_decodes_every_valid_number(
    province: str, code: int, yy: int, rest: str
) -> None:
    number = f"{province}{code}{yy:02d}{rest}"
    year = (1900 if code < 2 else 2000) + yy
    if year > TODAY.year:
        with pytest.raises(ValidationError):
            parse_cccd(number, today=TODAY)
        return
    info = parse_cccd(number, today=TODAY)
    assert info.birth_year == year
    assert info.sex == ("Nam" if code % 2 == 0 else "Nữ")
    assert info.province_name == CCCD_PROVINCES[province]


def test_check_cccd_consistency() -> None:
    info = parse_cccd("001099012345", today=TODAY)
    assert check_cccd_consistency(info, birth_year=1999, sex="Nam") == []
    assert check_cccd_consistency(info, birth_year=None, sex=None) == []
    assert check_cccd_consistency(info, birth_year=None, sex="nam") == []
    assert check_cccd_consistency(
        info, birth_year=1998, sex=unicodedata.normalize("NFD", "Nữ")
    ) == [
        "Năm sinh đã nhập (1998) khác năm sinh theo số CCCD (1999).",
        "Giới tính đã nhập (Nữ) khác giới tính theo số CCCD (Nam).",
    ]
    # An unrecognised sex is not compared (the form validates it on its own).
    assert check_cccd_consistency(info, birth_year=1999, sex="?") == []


def test_normalize_sex() -> None:
    assert normalize_sex("NỮ") == "Nữ"
    assert normalize_sex(" nu ") == "Nữ"
    assert normalize_sex("Nam") == "Nam"
    with pytest.raises(ValidationError, match=r"^Giới tính phải là «Nam» hoặc «Nữ»\.$"):
        normalize_sex("khác")


# --- ID numbers of any kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "stored"),
    [
        ("001099012345", IdKind.CCCD, "001099012345"),
        ("001 099 012 345", IdKind.CCCD, "001099012345"),
        ("012345678", IdKind.CMND, "012345678"),
        ("012.345.678", IdKind.CMND, "012345678"),
        ("b1234567", IdKind.PASSPORT, "B1234567"),
        (" C 123 4567 ", IdKind.PASSPORT, "C1234567"),
    ],
)
def test_classify_and_normalize_id_numbers(value: str, kind: IdKind, stored: str) -> None:
    assert classify_id_number(value) is kind
    assert normalize_id_number(value) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Số giấy tờ tùy thân không được để trống."),
        (
            "1234567",
            "Số giấy tờ tùy thân phải là số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số hoặc số "
            "hộ chiếu gồm 1 chữ cái và 7 chữ số (đã nhập 7 chữ số).",
        ),
        (
            "1099012345",
            "Số giấy tờ tùy thân phải là số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số hoặc số "
            "hộ chiếu gồm 1 chữ cái và 7 chữ số (đã nhập 10 chữ số).",
        ),
        (
            "01099012345",
            "Số giấy tờ tùy thân phải là số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số hoặc số "
            "hộ chiếu gồm 1 chữ cái và 7 chữ số (đã nhập 11 chữ số; có thể đã mất số 0 ở đầu).",
        ),
        (
            "AB123456",
            "Số giấy tờ tùy thân phải là số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số hoặc số "
            "hộ chiếu gồm 1 chữ cái và 7 chữ số (đã nhập 8 ký tự).",
        ),
    ],
)
def test_normalize_id_number_refusals(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_id_number(value)
    assert (caught.value.field, caught.value.message) == ("id_number", message)


def test_normalize_id_number_validates_a_cccd_fully() -> None:
    with pytest.raises(ValidationError, match="mã tỉnh 099") as caught:
        normalize_id_number("099099012345", field="owner_id_number")
    assert caught.value.field == "owner_id_number"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("001099012345", "001*******45"),
        ("012345678", "012****78"),
        ("B1234567", "B*****67"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


# --- Phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("\u20070912\u2009345\u00a0678\n", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("0328 123 456", "0328123456"),
        ("0589 123 456", "0589123456"),
        ("024 3856 1234", "02438561234"),
        ("(024) 38561234", "02438561234"),
        ("+84 24 3856 1234", "02438561234"),
        ("0236 3822 123", "02363822123"),
    ],
)
def test_normalize_phone(raw: str, stored: str) -> None:
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # Viettel 0162-0169 → 032-039
        *[(f"016{d} 123 4567", f"03{d}1234567") for d in "23456789"],
        # MobiFone
        ("0120 123 4567", "0701234567"),
        ("0121 123 4567", "0791234567"),
        ("0122 123 4567", "0771234567"),
        ("0126 123 4567", "0761234567"),
        ("0128 123 4567", "0781234567"),
        # VinaPhone
        ("0123 123 4567", "0831234567"),
        ("0124 123 4567", "0841234567"),
        ("0125 123 4567", "0851234567"),
        ("0127 123 4567", "0811234567"),
        ("0129 123 4567", "0821234567"),
        # Vietnamobile, Gmobile
        ("0186 123 4567", "0561234567"),
        ("0188 123 4567", "0581234567"),
        ("0199 123 4567", "0591234567"),
        # International notation of an old number
        ("+84 168 123 4567", "0381234567"),
    ],
)
def test_normalize_phone_converts_old_11_digit_mobiles(old: str, new: str) -> None:
    assert normalize_phone(old) == new


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Số điện thoại không được để trống."),
        (" - ", "Số điện thoại không được để trống."),
        ("+1 212 555 0100", "Số điện thoại phải là số Việt Nam (mã quốc gia +84)."),
        (
            "0912 34x 678",
            "Số điện thoại chỉ được gồm chữ số, dấu cách, dấu chấm, dấu gạch ngang và tiền tố "
            "+84 (có ký tự không hợp lệ «x»).",
        ),
        (
            "0130 123 4567",
            "Số điện thoại có đầu số 0130 không phải đầu số di động 11 số cũ "
            "(0120-0129, 0162-0169, 0186, 0188, 0199).",
        ),
        (
            "091234567",
            "Số điện thoại không hợp lệ: số di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
            "hoặc 09; số cố định gồm 11 chữ số bắt đầu bằng 02 (đã nhập 9 chữ số).",
        ),
        (
            "912345678",
            "Số điện thoại không hợp lệ: số di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
            "hoặc 09; số cố định gồm 11 chữ số bắt đầu bằng 02 (đã nhập 9 chữ số; có thể "
            "thiếu số 0 ở đầu).",
        ),
        (
            "0612345678",
            "Số điện thoại không hợp lệ: số di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
            "hoặc 09; số cố định gồm 11 chữ số bắt đầu bằng 02 (đã nhập 10 chữ số).",
        ),
        (
            "0438561234",  # pre-2017 Hà Nội landline, now 024 3856 1234
            "Số điện thoại không hợp lệ: số di động gồm 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
            "hoặc 09; số cố định gồm 11 chữ số bắt đầu bằng 02 (đã nhập 10 chữ số).",
        ),
    ],
)
def test_normalize_phone_refusals(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert (caught.value.field, caught.value.message) == ("phone", message)


def test_normalize_phone_names_the_field() -> None:
    with pytest.raises(ValidationError, match=r"^Số điện thoại của chủ hồ sơ ") as caught:
        normalize_phone("12", field="owner_phone")
    assert caught.value.field == "owner_phone"


@given(st.sampled_from("35789"), st.from_regex(r"\A[0-9]{8}\Z"))
def test_every_mobile_survives_every_notation(first: str, rest: str) -> None:
    digits = f"0{first}{rest}"
    spaced = f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    for notation in (
        digits,
        spaced,
        "+84" + digits[1:],
        "84" + digits[1:],
        digits.replace("", "."),
    ):
        assert normalize_phone(notation) == digits
    assert normalize_phone(format_phone(digits)) == digits


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0912345678", "0912 345 678"),
        ("+84912345678", "0912 345 678"),
        ("02438561234", "024 3856 1234"),
        ("02838221234", "028 3822 1234"),
        ("02363822123", "0236 3822 123"),
        ("not a phone", "not a phone"),
    ],
)
def test_format_phone(stored: str, shown: str) -> None:
    assert format_phone(stored) == shown


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("0912 345 678", True),
        ("+84 912 345 678", True),
        ("01621234567", True),
        ("024 3856 1234", True),
        ("001099012345", False),  # a CCCD
        ("084099012345", False),  # a CCCD from Trà Vinh, not 84…
        ("012345678", False),  # a CMND
        ("Nguyễn Văn An", False),
        ("0912", False),
    ],
)
def test_is_phone_like(query: str, expected: bool) -> None:
    assert is_phone_like(query) is expected


# --- The chip card's QR code ----------------------------------------------------------------------

QR = (
    "001099012345|012345678|Nguyễn Văn An|15031999|Nam|"
    "Số 12 ngõ 34 phố Khương Trung, Phường Khương Trung, Quận Thanh Xuân, Hà Nội|20042021"
)


def test_parse_cccd_qr_realistic() -> None:
    qr = parse_cccd_qr(QR, today=TODAY)
    assert qr.id_number == "001099012345"
    assert qr.old_id_number == "012345678"
    assert qr.full_name == "Nguyễn Văn An"
    assert qr.birth_date == date(1999, 3, 15)
    assert qr.sex == "Nam"
    assert qr.address == (
        "Số 12 ngõ 34 phố Khương Trung, Phường Khương Trung, Quận Thanh Xuân, Hà Nội"
    )
    assert qr.issued_on == date(2021, 4, 20)
    info = parse_cccd(qr.id_number, today=TODAY)
    assert check_cccd_consistency(info, birth_year=qr.birth_date.year, sex=qr.sex) == []


def test_parse_cccd_qr_without_old_cmnd_in_nfd_with_new_style_tones() -> None:
    text = unicodedata.normalize(
        "NFD", "038305001234||LÊ THỊ THUỶ|01022005|Nữ|Phường Hạc Thành, Thanh Hoá|\r\n"
    )
    qr = parse_cccd_qr(text, today=TODAY)
    assert qr.old_id_number is None
    assert qr.full_name == "Lê Thị Thủy"
    assert qr.sex == "Nữ"
    assert qr.address == "Phường Hạc Thành, Thanh Hoá"
    assert qr.issued_on is None


def test_parse_cccd_qr_ignores_extra_trailing_fields() -> None:
    qr = parse_cccd_qr(QR + "|20042046|", today=TODAY)
    assert qr.issued_on == date(2021, 4, 20)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("001099012345", "cần ít nhất 6 trường"),
        ("just some barcode", "cần ít nhất 6 trường"),
        ("00109901234|012345678|An|15031999|Nam|Hà Nội|20042021", "số CCCD không gồm đúng 12"),
        ("001099012345|1234|An|15031999|Nam|Hà Nội|20042021", "số CMND cũ không gồm 9 hoặc 12"),
        ("001099012345||  |15031999|Nam|Hà Nội|20042021", "không có họ và tên"),
        ("001099012345||An|31021999|Nam|Hà Nội|20042021", "ngày sinh «31021999» không hợp lệ"),
        ("001099012345||An|1999-03-15|Nam|Hà Nội|20042021", "ngày sinh «1999-03-15» không"),
        ("001099012345||An|15031999|X|Hà Nội|20042021", "giới tính «X», cần «Nam» hoặc «Nữ»"),
        ("001099012345||An|15031999|Nam|Hà Nội|20042031", "ngày cấp 20/04/2031 sau ngày hôm nay"),
    ],
)
def test_parse_cccd_qr_refusals(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_cccd_qr(text, today=TODAY)
    assert caught.value.field == "cccd_qr"
    assert fragment in caught.value.message
    assert caught.value.message.endswith(".")
