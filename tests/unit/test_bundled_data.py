"""The bundled reference data in ``db/data`` (catalog, documents, units, offices) is well formed."""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache

import pytest

from onestop_desktop.paths import data_file

HEADERS = {
    "catalog.csv": [
        "code",
        "name",
        "field",
        "level",
        "processing_days",
        "time_unit",
        "fee",
        "fee_note",
        "online_level",
        "legal_basis",
    ],
    "catalog_documents.csv": [
        "procedure_code",
        "position",
        "name",
        "originals",
        "certified_copies",
        "photocopies",
    ],
    "units_hanoi_2020.csv": [
        "code",
        "name",
        "level",
        "parent_code",
        "valid_from",
        "valid_to",
        "replaced_by",
    ],
    "units_vn_2025.csv": [
        "code",
        "name",
        "level",
        "parent_code",
        "valid_from",
        "valid_to",
        "replaced_by",
    ],
    "offices.csv": ["code", "name", "unit_code", "parent_name", "address", "phone"],
    "unit_transitions_thanh_xuan.csv": ["old_code", "new_code", "effective_date", "extent"],
}
UNIT_FILES = ("units_hanoi_2020.csv", "units_vn_2025.csv")
PROCEDURE_CODE = re.compile(r"^[1-9]\.\d{6}$")
AGENCY_CODE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
THANH_XUAN_WARDS = {
    "Phường Nhân Chính",
    "Phường Thượng Đình",
    "Phường Khương Trung",
    "Phường Khương Mai",
    "Phường Thanh Xuân Trung",
    "Phường Phương Liệt",
    "Phường Hạ Đình",
    "Phường Khương Đình",
    "Phường Thanh Xuân Bắc",
    "Phường Thanh Xuân Nam",
    "Phường Kim Giang",
}


@cache
def read(name: str) -> tuple[list[str], tuple[dict[str, str], ...]]:
    """Header and rows of a bundled CSV (cached: the files are read once per session)."""
    with data_file(name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = tuple(reader)
        return list(reader.fieldnames or []), rows


def rows(name: str) -> tuple[dict[str, str], ...]:
    return read(name)[1]


def units() -> dict[str, dict[str, str]]:
    """All units of both files by code (a code may occur in both only for the same unit)."""
    merged: dict[str, dict[str, str]] = {}
    for name in UNIT_FILES:
        for row in rows(name):
            merged[row["code"]] = row
    return merged


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_is_exact_and_text_is_nfc(name: str) -> None:
    header, data = read(name)
    assert header == HEADERS[name]
    assert data, f"{name} is empty"
    raw = data_file(name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} has a BOM"
    text = raw.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text), f"{name} is not NFC"
    for row in data:
        assert None not in row, f"{name}: extra cells in {row}"
        assert all(value is not None for value in row.values()), f"{name}: short row {row}"
        assert all(value == value.strip() for value in row.values()), f"{name}: padded {row}"


def test_catalog() -> None:
    catalog = rows("catalog.csv")
    codes = [row["code"] for row in catalog]
    assert len(catalog) >= 24
    assert len(set(codes)) == len(codes), "duplicate procedure codes"
    assert all(PROCEDURE_CODE.match(code) for code in codes), codes
    assert len({row["field"] for row in catalog}) >= 6
    assert {row["level"] for row in catalog} >= {"ward", "district"}
    for row in catalog:
        assert all(row[column] for column in ("name", "field", "legal_basis")), row
        assert row["level"] in {"ward", "district", "province"}, row
        assert row["time_unit"] in {"working_days", "calendar_days", "working_hours"}, row
        assert row["online_level"] in {"none", "partial", "full"}, row
        assert row["processing_days"].isdigit(), row
        assert row["fee"].isdigit(), row
    # Online shares per level are not trivial: each of ward and district mixes the levels.
    for level in ("ward", "district"):
        online = {row["online_level"] for row in catalog if row["level"] == level}
        assert online == {"none", "partial", "full"}, (level, online)


def test_catalog_documents() -> None:
    codes = {row["code"] for row in rows("catalog.csv")}
    positions: dict[str, list[int]] = {}
    for row in rows("catalog_documents.csv"):
        assert row["procedure_code"] in codes, row
        assert row["name"], row
        counts = [row["originals"], row["certified_copies"], row["photocopies"]]
        assert all(count.isdigit() for count in counts), row
        assert any(int(count) > 0 for count in counts), row
        positions.setdefault(row["procedure_code"], []).append(int(row["position"]))
    assert set(positions) == codes, f"procedures without documents: {codes - set(positions)}"
    for code, found in positions.items():
        assert found == list(range(1, len(found) + 1)), (code, found)


@pytest.mark.parametrize("name", UNIT_FILES)
def test_units_are_a_valid_tree(name: str) -> None:
    data = rows(name)
    codes = [row["code"] for row in data]
    assert len(set(codes)) == len(codes), f"duplicate codes in {name}"
    known = units()
    for row in data:
        assert row["level"] in {"province", "district", "ward"}, row
        assert row["name"], row
        if row["level"] == "province":
            assert row["parent_code"] == "", row
        else:
            parent = known.get(row["parent_code"])
            assert parent is not None, f"missing parent of {row}"
            expected = {"district": {"province"}, "ward": {"province", "district"}}[row["level"]]
            assert parent["level"] in expected, row
        for column in ("valid_from", "valid_to"):
            assert row[column] == "" or ISO_DATE.match(row[column]), row
        if row["valid_from"] and row["valid_to"]:
            assert row["valid_from"] <= row["valid_to"], row
        if row["replaced_by"]:
            assert row["valid_to"], f"replaced but still valid: {row}"
            assert row["replaced_by"] in known, f"unknown successor: {row}"


def test_no_code_means_two_units() -> None:
    old = {row["code"]: row for row in rows("units_hanoi_2020.csv")}
    new = {row["code"]: row for row in rows("units_vn_2025.csv")}
    for code in old.keys() & new.keys():
        # Only a unit that is the very same in both structures (Hà Nội) may appear twice.
        assert old[code] == new[code], (old[code], new[code])
    assert set(old.keys() & new.keys()) == {"01"}


def test_hanoi_2020() -> None:
    data = rows("units_hanoi_2020.csv")
    by_code = {row["code"]: row for row in data}
    assert by_code["01"]["name"] == "Thành phố Hà Nội"
    assert by_code["009"]["name"] == "Quận Thanh Xuân"
    districts = [row for row in data if row["level"] == "district"]
    assert len(districts) == 30
    assert all(row["parent_code"] == "01" and row["valid_to"] == "2025-06-30" for row in districts)
    wards = [row for row in data if row["level"] == "ward" and row["parent_code"] == "009"]
    assert {row["name"] for row in wards} == THANH_XUAN_WARDS
    assert all(re.fullmatch(r"\d{5}", row["code"]) and row["valid_to"] for row in wards)
    assert by_code["00343"]["name"] == "Phường Nhân Chính"


def test_vn_2025() -> None:
    data = rows("units_vn_2025.csv")
    provinces = [row for row in data if row["level"] == "province"]
    wards = [row for row in data if row["level"] == "ward"]
    assert len(provinces) == 34
    assert 3300 <= len(wards) <= 3350
    assert all(row["valid_from"] == "2025-07-01" for row in wards)
    assert all(re.fullmatch(r"N\d{5}", row["code"]) for row in wards)
    assert not [row for row in data if row["level"] == "district"]
    by_code = {row["code"]: row for row in data}
    for code, name in (
        ("N00367", "Phường Thanh Xuân"),
        ("N00364", "Phường Khương Đình"),
        ("N00352", "Phường Phương Liệt"),
    ):
        assert by_code[code]["name"] == name
        assert by_code[code]["parent_code"] == "01"


def test_transitions_reference_known_units() -> None:
    known = units()
    for row in rows("unit_transitions_thanh_xuan.csv"):
        assert row["old_code"] in known, row
        assert row["new_code"] in known, row
        assert row["extent"] in {"whole", "part"}, row
        assert ISO_DATE.match(row["effective_date"]), row
        assert known[row["old_code"]]["valid_to"] < row["effective_date"], row


def test_offices() -> None:
    data = rows("offices.csv")
    known = units()
    codes = [row["code"] for row in data]
    assert len(set(codes)) == len(codes)
    for row in data:
        assert AGENCY_CODE.match(row["code"]), row
        assert row["unit_code"] in known, row
        assert row["name"], row
        assert row["parent_name"], row
    # The first row is the default office of a fresh install: Phường Nhân Chính (2020).
    assert data[0]["unit_code"] == "00343"
    assert known[data[0]["unit_code"]]["name"] == "Phường Nhân Chính"
    office_units = {row["unit_code"] for row in data}
    assert "009" in office_units
    thanh_xuan_wards = {code for code, unit in known.items() if unit["parent_code"] == "009"}
    assert thanh_xuan_wards <= office_units
    assert {"N00367", "N00364", "N00352"} <= office_units
