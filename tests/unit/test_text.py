"""Vietnamese text folding, name normalisation and name sort keys."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.text import fold, name_sort_key, normalize_name, normalize_text


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --- fold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Đặng Thị Hoà", "dang thi hoa"),
        ("Đặng Thị Hòa", "dang thi hoa"),
        ("NGUYỄN VĂN AN", "nguyen van an"),
        ("  Trần   Thị\tMinh\u00a0Khai ", "tran thi minh khai"),
        ("Phạm Ngọc Đức", "pham ngoc duc"),
        ("Lê Hoàng Phương Thảo", "le hoang phuong thao"),
        ("Ưng Hoàng Phúc", "ung hoang phuc"),
        ("Thuỷ Thủy", "thuy thuy"),
        ("ĐĐđđ", "dddd"),
        ("", ""),
        ("   ", ""),
        ("000.17.22.H56-210531-0001", "000.17.22.h56-210531-0001"),
    ],
)
def test_fold_known_answers(raw: str, key: str) -> None:
    assert fold(raw) == key


def test_fold_nfd_input_equals_nfc_input() -> None:
    for name in ["Đặng Thị Hoà", "Nguyễn Thị Ngọc Ánh", "Ưng Hoàng Phúc", "Trịnh Văn Quyết"]:
        assert nfd(name) != name
        assert fold(nfd(name)) == fold(name)


def test_fold_drops_invisible_format_characters() -> None:
    # Zero-width space, soft hyphen and BOM come with pasted spreadsheet data.
    assert fold("\ufeffNguy\u00adễn\u200b Văn") == "nguyen van"


def test_fold_handles_characters_outside_the_precomputed_table() -> None:
    assert fold("ΣΊΣΥΦΟΣ") == "σισυφοσ"
    assert fold("Straße") == "strasse"
    assert fold("Ａｎ") == "ａｎ"  # fullwidth letters are not compatibility-folded


@given(st.text(max_size=40))
def test_fold_matches_the_reference_definition(s: str) -> None:
    # The definition from DOMAIN §7, applied to the whole string at once.
    decomposed = unicodedata.normalize("NFD", s)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    reference = " ".join(kept.replace("Đ", "d").replace("đ", "d").casefold().split())
    assert fold(s) == reference


@given(st.text(max_size=40))
def test_fold_is_idempotent_and_normal_form_blind(s: str) -> None:
    key = fold(s)
    assert fold(key) == key
    assert fold(nfd(s)) == key
    assert fold(unicodedata.normalize("NFC", s)) == key


# --- normalize_name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("nguyễn  văn an", "Nguyễn Văn An"),
        ("NGUYỄN THỊ THUỲ LINH", "Nguyễn Thị Thùy Linh"),
        ("Đặng Thị Hoà", "Đặng Thị Hòa"),
        ("Lê Thị Thuỷ", "Lê Thị Thủy"),
        ("Trần Văn Khoẻ", "Trần Văn Khỏe"),
        ("uỷ", "Ủy"),
        ("Phạm Thị Thuý Hằng", "Phạm Thị Thúy Hằng"),
        ("Võ Văn Hoá", "Võ Văn Hóa"),
        ("Bùi Thị Xoè", "Bùi Thị Xòe"),
        ("Nguyễn Thị Hoạ Mi", "Nguyễn Thị Họa Mi"),
        # A final consonant: spelt the same in both systems.
        ("Lê Văn Hoàn", "Lê Văn Hoàn"),
        ("Đỗ Thị Thuyền", "Đỗ Thị Thuyền"),
        ("Nguyễn Văn Khoát", "Nguyễn Văn Khoát"),
        # qu + y keeps the tone on y; "ngoài" is not the oa glide at the end.
        ("Trần Quý", "Trần Quý"),
        ("Lê Quỳnh Như", "Lê Quỳnh Như"),
        ("Ngoài", "Ngoài"),
        # Ê Đê names: a capital after the apostrophe.
        ("h'hen niê", "H'Hen Niê"),
        ("  Y   Moan  Ênuôl ", "Y Moan Ênuôl"),
        ("", ""),
    ],
)
def test_normalize_name_known_answers(raw: str, stored: str) -> None:
    assert normalize_name(raw) == stored
    assert normalize_name(nfd(raw)) == stored
    assert unicodedata.is_normalized("NFC", normalize_name(raw))


def test_normalize_name_old_and_new_tone_placement_meet() -> None:
    pairs = [("Hoà", "Hòa"), ("Thuỷ", "Thủy"), ("Khoẻ", "Khỏe"), ("Uỷ", "Ủy"), ("Thuỵ", "Thụy")]
    for new_style, old_style in pairs:
        assert normalize_name(new_style) == normalize_name(old_style) == old_style


@given(st.text(alphabet="aăâbdđeêghiklmnoôơpqrstuưvxyàáảãạòóỏõọùúủũụỳýỷỹỵ ", max_size=30))
def test_normalize_name_is_idempotent_and_keeps_the_fold(s: str) -> None:
    stored = normalize_name(s)
    assert normalize_name(stored) == stored
    assert fold(stored) == fold(s)


# --- normalize_text / name_sort_key -------------------------------------------------------------


def test_normalize_text() -> None:
    address = nfd("  Số 1,  phố Hoàng Đạo Thúy,\nPhường  Thanh Xuân ")
    assert normalize_text(address) == "Số 1, phố Hoàng Đạo Thúy, Phường Thanh Xuân"
    assert normalize_text("Thanh Hoá") == "Thanh Hoá"  # only names get tone placement fixed
    assert normalize_text("\ufeffPhường\u200b Láng\u00ad Thượng\u202c") == "Phường Láng Thượng"
    assert normalize_name("\u200bnguyễn văn\u00ad an") == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Nguyễn Văn An", "an van nguyen"),
        ("Trần Thị Minh Khai", "khai thi minh tran"),
        ("Lê An", "an le"),
        ("An", "an"),
        ("", ""),
        ("  Đặng   Thị  Hoà ", "hoa thi dang"),
    ],
)
def test_name_sort_key(name: str, key: str) -> None:
    assert name_sort_key(name) == key


def test_name_sort_key_orders_by_ten_then_dem_then_ho() -> None:
    names = [
        "Trần Văn Bình",
        "Nguyễn Văn An",
        "Lê Thị An",
        "Nguyễn Thị Anh",
        "Đỗ Văn An",
        "Phạm An",
    ]
    assert sorted(names, key=name_sort_key) == [
        "Phạm An",  # tên "an", no đệm: "an pham" < "an thi …"
        "Lê Thị An",
        "Đỗ Văn An",
        "Nguyễn Văn An",
        "Nguyễn Thị Anh",
        "Trần Văn Bình",
    ]
