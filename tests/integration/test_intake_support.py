"""The intake form's Qt-free helpers on the real catalog and database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onestop_desktop.domain.dossier import Channel, DocumentItem, Status
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import FEMALE, MALE, IdKind
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, advance, get_dossier, intake
from onestop_desktop.services.intake_support import (
    IntakeDraft,
    draft_from_json,
    draft_to_json,
    extract_cccd_qr,
    field_error,
    find_open_duplicates,
    identity_warnings,
    load_intake_reference,
    parse_birth_date,
    preview_due,
    read_cccd_qr,
    request_from_draft,
    search_procedures,
    summarize_id,
)
from tests.conftest import vn

BIRTH = "1.001193"  # Đăng ký khai sinh: same day, 15:00 cut-off
THREE_DAYS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân
CCCD = "001090012345"  # Hà Nội, male, born 1990
QR = f"{CCCD}|012345678|NGUYỄN VĂN AN|15031990|Nam|Số 12 ngõ 34 Nguyễn Trãi, Hà Nội|01072021"
TODAY = date(2026, 1, 5)


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("khai sinh", BIRTH),
        ("KHAI SINH", BIRTH),
        ("khai  sinh ", BIRTH),
        ("Đăng ký khai sinh", BIRTH),
        ("dang ky khai sinh", BIRTH),
        ("sinh khai", BIRTH),  # every word, any order
        ("1.001193", BIRTH),
        ("1.0011", BIRTH),
        ("tinh trang hon nhan", THREE_DAYS),
        ("thuong tru", "1.004222"),
        ("xây dựng", "1.013225"),
    ],
)
def test_search_finds_procedures_typed_without_diacritics(
    ws: Workstation, query: str, first: str
) -> None:
    procedures = load_intake_reference(ws).procedures
    found = search_procedures(procedures, query)
    assert found, query
    assert found[0].code == first


def test_search_ranks_the_plain_procedure_before_its_variants(ws: Workstation) -> None:
    procedures = load_intake_reference(ws).procedures
    names = [p.name for p in search_procedures(procedures, "khai sinh")]
    assert names[0] == "Đăng ký khai sinh"
    assert set(names) >= {
        "Đăng ký lại khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
    }
    assert "Đăng ký khai tử" not in names


def test_search_by_field_and_empty_query(ws: Workstation) -> None:
    procedures = load_intake_reference(ws).procedures
    by_field = search_procedures(procedures, "cu tru")
    assert {p.field for p in by_field} == {"Cư trú"}
    assert len(search_procedures(procedures, "")) == len(procedures)
    assert search_procedures(procedures, "zzzz khong co") == []
    assert len(search_procedures(procedures, "", limit=3)) == 3


def test_reference_carries_required_documents(ws: Workstation) -> None:
    ref = load_intake_reference(ws)
    birth = ref.procedure(BIRTH)
    assert birth is not None
    assert birth.documents[0].name == "Tờ khai đăng ký khai sinh (theo mẫu)"
    assert ref.procedure("9.999999") is None


# --------------------------------------------------------------------------- due preview


@pytest.mark.parametrize(
    ("code", "received", "due"),
    [
        (BIRTH, vn(2026, 1, 5, 9, 0), vn(2026, 1, 5, 17, 0)),  # same day before 15:00
        (BIRTH, vn(2026, 1, 5, 15, 30), vn(2026, 1, 6, 17, 0)),  # after the cut-off
        (BIRTH, vn(2026, 2, 13, 16, 0), vn(2026, 2, 23, 17, 0)),  # Friday before Tết
        (THREE_DAYS, vn(2026, 1, 5, 9, 0), vn(2026, 1, 8, 17, 0)),
    ],
)
def test_preview_is_the_due_date_intake_stores(
    ws: Workstation, code: str, received: datetime, due: datetime
) -> None:
    ref = load_intake_reference(ws)
    proc = ref.procedure(code)
    assert proc is not None
    shown = preview_due(ref.calendar, proc, received)
    assert shown == due
    saved = intake(
        ws,
        IntakeRequest(
            procedure_code=code,
            applicant_name="Nguyễn Văn An",
            received_at=received,
        ),
    )
    assert saved.due_at == shown


# --------------------------------------------------------------------------- duplicates


def test_open_duplicates_only_for_same_id_and_procedure_while_open(ws: Workstation) -> None:
    assert find_open_duplicates(ws, CCCD, BIRTH) == []
    first = intake(
        ws, IntakeRequest(procedure_code=BIRTH, applicant_name="Nguyễn Văn An", id_number=CCCD)
    )
    assert find_open_duplicates(ws, CCCD, BIRTH) == [first.code]
    assert find_open_duplicates(ws, "001 090 012 345", BIRTH) == [first.code]
    assert find_open_duplicates(ws, CCCD, THREE_DAYS) == []
    assert find_open_duplicates(ws, "001090012346", BIRTH) == []
    assert find_open_duplicates(ws, "12345", BIRTH) == []  # invalid: no query, no error
    advance(ws, first.code, Status.RESOLVED)
    assert find_open_duplicates(ws, CCCD, BIRTH) == []
    assert get_dossier(ws, first.code).status == Status.RESOLVED.value


# --------------------------------------------------------------------------- the QR code


def test_qr_is_found_at_the_end_of_a_field() -> None:
    assert extract_cccd_qr(QR) == ("", QR)
    assert extract_cccd_qr("Nguyễn " + QR) == ("Nguyễn ", QR)
    assert extract_cccd_qr("0912" + QR) == ("0912", QR)
    assert extract_cccd_qr(QR + "\r\n") == ("", QR)
    without_issue_date = QR.rsplit("|", 1)[0]
    assert extract_cccd_qr(without_issue_date) == ("", without_issue_date)
    assert extract_cccd_qr("001090012345") is None
    assert extract_cccd_qr("Nguyễn Văn An") is None
    assert extract_cccd_qr("a|b|c|d|e|f|g") is None


def test_qr_reads_into_applicant_fields() -> None:
    qr = read_cccd_qr(QR, today=TODAY)
    assert qr.id_number == CCCD
    assert qr.full_name == "Nguyễn Văn An"
    assert qr.birth_date == date(1990, 3, 15)
    assert qr.sex == MALE
    assert qr.address == "Số 12 ngõ 34 Nguyễn Trãi, Hà Nội"


def test_bad_qr_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="giới tính"):
        read_cccd_qr(f"{CCCD}||Nguyễn Văn An|15031990|Không rõ|Hà Nội|", today=TODAY)


# --------------------------------------------------------------------------- field checks


@pytest.mark.parametrize(
    ("field", "text", "typing", "final"),
    [
        ("id_number", "", None, None),
        ("id_number", "00109", None, "12 chữ số"),  # still being typed
        ("id_number", "003090012345", "mã tỉnh 003", "mã tỉnh 003"),
        ("id_number", "001990012345", "thứ tư", "thứ tư"),
        ("id_number", "0010900123456", "12 chữ số", "12 chữ số"),
        ("id_number", CCCD, None, None),
        ("id_number", "012345678", None, None),  # old CMND
        ("id_number", "B1234567", None, None),  # passport
        ("id_number", "B123", None, "hộ chiếu"),
        ("phone", "0912", None, "10 chữ số"),
        ("phone", "0912345678", None, None),
        ("phone", "0412345678", "di động", "di động"),
        ("phone", "09a", "«a»", "«a»"),
        ("phone", "0243856123", None, "(đã nhập 10 chữ số)"),  # a landline needs 11
        ("phone", "+84 912 345 678", None, None),
        ("email", "an", None, "email"),
        ("email", "an@example.vn", None, None),
        ("applicant_name", "", None, "Họ và tên"),
        ("birth_date", "15/03", None, "dd/mm/yyyy"),
        ("birth_date", "31/02/1990", "dd/mm/yyyy", "dd/mm/yyyy"),
        ("birth_date", "15/03/2030", "sau ngày hôm nay", "sau ngày hôm nay"),
        ("birth_date", "15031990", None, None),
    ],
)
def test_field_errors_while_typing_and_on_leaving(
    field: str, text: str, typing: str | None, final: str | None
) -> None:
    while_typing = field_error(field, text, final=False, today=TODAY)
    on_leaving = field_error(field, text, final=True, today=TODAY)
    if typing is None:
        assert while_typing is None
    else:
        assert while_typing is not None
        assert typing in while_typing
    if final is None:
        assert on_leaving is None
    else:
        assert on_leaving is not None
        assert final in on_leaving


def test_birth_dates_in_the_usual_notations() -> None:
    for text in ("15/03/1990", "15-03-1990", "15.03.1990", "15031990", "15/3/1990"):
        assert parse_birth_date(text, today=TODAY) == date(1990, 3, 15)
    assert parse_birth_date("  ", today=TODAY) is None
    with pytest.raises(ValidationError, match="1900"):
        parse_birth_date("01/01/1850", today=TODAY)


def test_id_summary_and_consistency_warnings() -> None:
    summary = summarize_id(CCCD)
    assert summary is not None
    assert summary.kind is IdKind.CCCD
    assert summary.cccd is not None
    assert (summary.cccd.province_name, summary.cccd.sex, summary.cccd.birth_year) == (
        "Hà Nội",
        MALE,
        1990,
    )
    cmnd = summarize_id("012345678")
    assert cmnd is not None
    assert cmnd.kind is IdKind.CMND
    assert summarize_id("12345") is None
    assert identity_warnings(CCCD, date(1990, 3, 15), MALE) == []
    warnings = identity_warnings(CCCD, date(1991, 3, 15), FEMALE)
    assert len(warnings) == 2
    assert "1991" in warnings[0]
    assert FEMALE in warnings[1]
    assert identity_warnings("012345678", date(1991, 1, 1), FEMALE) == []


# --------------------------------------------------------------------------- the draft


def test_draft_round_trips_through_json() -> None:
    draft = IntakeDraft(
        procedure_code=BIRTH,
        applicant_name="Nguyễn Thị Hòa",
        id_number="001190012345",
        birth_date="01/02/1990",
        sex=FEMALE,
        phone="0912 345 678",
        email="hoa@example.vn",
        address="Số 1, Hà Nội",
        note="Nộp thay",
        channel=Channel.POSTAL,
        received_at=vn(2026, 1, 5, 9, 30),
        documents=(
            DocumentItem("Tờ khai", 1, 0, 0, True),
            DocumentItem("Giấy khác", 0, 2, 1, False),
        ),
    )
    text = draft_to_json(draft)
    assert "Nguyễn Thị Hòa" in text  # readable, not \\u-escaped
    assert draft_from_json(text) == draft
    assert draft_from_json(draft_to_json(IntakeDraft())) == IntakeDraft()


@pytest.mark.parametrize(
    "text", ["", "not json", "[]", '{"version": 99}', '{"version": 1, "channel": "pigeon"}']
)
def test_unreadable_drafts_are_dropped_not_raised(text: str) -> None:
    assert draft_from_json(text) is None


def test_empty_draft_and_request() -> None:
    assert IntakeDraft().is_empty()
    assert IntakeDraft(channel=Channel.ONLINE).is_empty()
    assert not IntakeDraft(phone="0912").is_empty()
    assert not IntakeDraft(procedure_code=BIRTH).is_empty()
    with pytest.raises(ValidationError) as exc_info:
        request_from_draft(IntakeDraft(applicant_name="An"))
    assert exc_info.value.field == "procedure_code"
    request = request_from_draft(
        IntakeDraft(procedure_code=BIRTH, applicant_name="An", phone="", channel=Channel.ONLINE)
    )
    assert request.phone is None
    assert request.channel is Channel.ONLINE
    assert request.received_at is None


def test_a_saved_draft_becomes_one_dossier(ws: Workstation) -> None:
    draft = draft_from_json(
        draft_to_json(
            IntakeDraft(
                procedure_code=BIRTH,
                applicant_name="nguyễn văn  an",
                id_number=CCCD,
                phone="0912.345.678",
                documents=(DocumentItem("Tờ khai đăng ký khai sinh (theo mẫu)", 1, 0, 0),),
            )
        )
    )
    assert draft is not None
    view = intake(ws, request_from_draft(draft))
    assert (view.applicant_name, view.id_number, view.phone) == (
        "Nguyễn Văn An",
        CCCD,
        "0912345678",
    )
