"""Dossier codes and the offline-unique per-device daily sequences."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.codes import (
    AGENCY_CODE_RE,
    DOSSIER_CODE_RE,
    MAX_DEVICE_NUMBER,
    ParsedCode,
    device_of_sequence,
    format_dossier_code,
    looks_like_dossier_code,
    parse_dossier_code,
    sequence_for,
    validate_agency_code,
)
from onestop_desktop.domain.errors import ValidationError

# --- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "000.17.22.H56-210531-0001",  # Circular 01/2018, a Thanh Hóa ward
        "000.00.01.H29-251231-12345",
        "H26-200101-0001",
        "G01.001.01-260115-0001",  # new left-to-right identifier
        "G01.001.01-260115-AB0001",  # Circular 04/2025: two letters before the digits
        "G01.001.01-260115-AB123456",
    ],
)
def test_valid_codes(code: str) -> None:
    assert DOSSIER_CODE_RE.fullmatch(code)
    assert not DOSSIER_CODE_RE.fullmatch(code + "\n")
    assert looks_like_dossier_code(code)
    assert looks_like_dossier_code(f"  {code.lower()} ")


@pytest.mark.parametrize(
    "code",
    [
        "",
        "1.000894",  # a procedure code, not a dossier code
        "000.17.22.H56-210531-001",  # 3-digit sequence
        "000.17.22.H56-21053-0001",  # 5-digit date
        "000.17.22.H56-210531-A0001",  # one letter
        "000.17.22.H56-210531-ABC0001",  # three letters
        "000..17-210531-0001",
        ".H56-210531-0001",
        "000.17.22.H56 210531 0001",
        "Nguyễn Văn An",
        "001099012345",
        "A" * 40 + "-210531-0001",  # over 50 characters
        "000.17.22.H56-210531-000\u0661",  # an Arabic-Indic digit
    ],
)
def test_not_dossier_codes(code: str) -> None:
    assert not looks_like_dossier_code(code)


def test_parse_dossier_code() -> None:
    assert parse_dossier_code("000.17.22.H56-210531-0001") == ParsedCode(
        agency="000.17.22.H56", day=date(2021, 5, 31), sequence="0001"
    )
    assert parse_dossier_code(" g01.001.01-260115-ab0042 ") == ParsedCode(
        agency="G01.001.01", day=date(2026, 1, 15), sequence="AB0042"
    )


def test_parse_dossier_code_refusals() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_dossier_code("000.17.22.H56-210531")
    assert caught.value.field == "dossier_code"
    assert caught.value.message == (
        "Mã hồ sơ không đúng định dạng <mã cơ quan>-<năm tháng ngày yymmdd>-<số thứ tự>, "
        "tối đa 50 ký tự (ví dụ 000.17.22.H56-210531-0001)."
    )
    with pytest.raises(ValidationError) as caught:
        parse_dossier_code("000.17.22.H56-210231-0001")
    assert caught.value.message == (
        "Mã hồ sơ có phần ngày tiếp nhận «210231» không phải ngày hợp lệ (yymmdd)."
    )


def test_format_dossier_code() -> None:
    assert format_dossier_code("000.17.22.H56", date(2021, 5, 31), 1) == (
        "000.17.22.H56-210531-0001"
    )
    assert format_dossier_code(" 000.17.22.h56 ", date(2026, 1, 5), 2001) == (
        "000.17.22.H56-260105-2001"
    )
    assert format_dossier_code("H56", date(2026, 1, 5), 102001) == "H56-260105-102001"


def test_format_dossier_code_refusals() -> None:
    with pytest.raises(ValidationError) as caught:
        format_dossier_code("000.17.22.H56.", date(2026, 1, 5), 1)
    assert caught.value.field == "office_code"
    with pytest.raises(ValueError, match="positive"):
        format_dossier_code("H56", date(2026, 1, 5), 0)
    with pytest.raises(ValueError, match="YYMMDD"):
        format_dossier_code("H56", date(1999, 12, 31), 1)


@pytest.mark.parametrize(
    ("code", "stored"),
    [
        ("000.17.22.H56", "000.17.22.H56"),
        (" g01.001.01 ", "G01.001.01"),
        ("H29", "H29"),
    ],
)
def test_validate_agency_code(code: str, stored: str) -> None:
    assert AGENCY_CODE_RE.fullmatch(stored)
    assert validate_agency_code(code) == stored


@pytest.mark.parametrize("code", ["", "000.17.22.H56-", "Hà.Nội", "000 17", "A.", "A" * 36])
def test_validate_agency_code_refusals(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_agency_code(code)
    assert caught.value.field == "office_code"
    assert caught.value.message == (
        "Mã đơn vị tiếp nhận chỉ gồm chữ cái không dấu và chữ số, các phần cách nhau bằng "
        "dấu chấm, tối đa 35 ký tự (ví dụ 000.17.22.H56)."
    )


@given(
    agency=st.from_regex(r"\A[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){0,4}\Z"),
    day=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    sequence=st.integers(1, 10**9),
)
def test_format_parse_round_trip(agency: str, day: date, sequence: int) -> None:
    code = format_dossier_code(agency, day, sequence)
    assert looks_like_dossier_code(code)
    parsed = parse_dossier_code(code)
    assert (parsed.agency, parsed.day, int(parsed.sequence)) == (agency, day, sequence)


# --- per-device sequence slices ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("device", "k", "sequence"),
    [
        (0, 1, 1),
        (0, 999, 999),
        (0, 1000, 100001),
        (1, 1, 1001),
        (2, 1, 2001),
        (2, 999, 2999),
        (2, 1000, 102001),
        (2, 1998, 102999),
        (2, 1999, 202001),
        (99, 1, 99001),
        (99, 1000, 199001),
    ],
)
def test_sequence_for_known_answers(device: int, k: int, sequence: int) -> None:
    assert sequence_for(device, k) == sequence
    assert device_of_sequence(sequence) == device


def test_sequence_for_refusals() -> None:
    with pytest.raises(ValueError, match="device number"):
        sequence_for(100, 1)
    with pytest.raises(ValueError, match="device number"):
        sequence_for(-1, 1)
    with pytest.raises(ValueError, match="k counts from 1"):
        sequence_for(1, 0)
    for impossible in (0, -5, 1000, 2000, 102000):
        with pytest.raises(ValueError, match="not a sequence"):
            device_of_sequence(impossible)


devices = st.integers(0, MAX_DEVICE_NUMBER)
ks = st.integers(1, 50_000)


@given(devices, ks, devices, ks)
def test_distinct_device_and_k_never_collide(d1: int, k1: int, d2: int, k2: int) -> None:
    if (d1, k1) != (d2, k2):
        assert sequence_for(d1, k1) != sequence_for(d2, k2)
    assert device_of_sequence(sequence_for(d1, k1)) == d1


@given(devices, ks)
def test_a_device_counts_strictly_upwards(device: int, k: int) -> None:
    assert sequence_for(device, k) < sequence_for(device, k + 1)


@given(
    st.lists(st.tuples(devices, ks), min_size=2, max_size=50, unique=True),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
)
def test_codes_of_different_devices_never_collide(pairs: list[tuple[int, int]], day: date) -> None:
    codes = [format_dossier_code("000.17.22.H56", day, sequence_for(d, k)) for d, k in pairs]
    assert len(set(codes)) == len(codes)


def test_every_slot_of_the_first_blocks_is_used_once() -> None:
    # Exhaustive over all 100 devices x 3 blocks: no two (device, k) share a number.
    seen = {sequence_for(d, k) for d in range(MAX_DEVICE_NUMBER + 1) for k in range(1, 3 * 999 + 1)}
    assert len(seen) == (MAX_DEVICE_NUMBER + 1) * 3 * 999
