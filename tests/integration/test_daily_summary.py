"""The supervisor's daily summary on a dataset whose due dates were worked out by hand.

Procedure 1.004873 takes 3 working days counted from the day after receipt, due 17:00. March
2026 has no day off besides weekends. The summary is for Wednesday 11/3/2026 (next working day:
Thursday 12/3).
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from onestop_desktop.domain.dossier import EventType, Status
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.daily_summary import render_daily_summary, summary_info
from onestop_desktop.services.dossiers import IntakeRequest, _apply, _load, advance, intake
from onestop_desktop.services.queue import LocalQueue
from onestop_desktop.store.models import UserRow
from tests.conftest import CliRunner, FixedClock, vn

THREE = "1.004873"
OFFICE_A = "000.01.09.H24"  # the template workstation's office
OFFICE_B = "000.02.09.H24"
DAY = date(2026, 3, 11)


def receive(ws: Workstation, name: str, at: datetime, *, office: str = OFFICE_A) -> str:
    return intake(
        ws,
        IntakeRequest(
            procedure_code=THREE,
            applicant_name=name,
            received_at=at,
            office_code=office,
        ),
    ).code


def rate(ws: Workstation, code: str, rating: str, reason: str | None = None) -> None:
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        _apply(
            s, actor, state, EventType.RATING_GIVEN, {"rating": rating, "reason": reason}, ws.now()
        )


def pdf_text(pdf: bytes, tmp_path: Path, *, raw: bool = False) -> str:
    """The PDF's text: laid out, or in drawing order with whitespace collapsed (``raw``)."""
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    mode = "-raw" if raw else "-layout"
    text = subprocess.run(
        ["pdftotext", mode, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", " ", text) if raw else text


def section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


@pytest.fixture
def day_data(ws: Workstation, clock: FixedClock) -> dict[str, str]:
    """Dossiers around 11/3/2026; keys name what each one is."""
    clock.now = vn(2026, 3, 11, 16, 30)
    codes = {
        # received Fri 6/3 → due Wed 11/3 17:00: due today
        "today": receive(ws, "Trần Văn Hôm Nay", vn(2026, 3, 6, 9)),
        # received Mon 9/3 → due Thu 12/3: due on the next working day
        "tomorrow": receive(ws, "Lê Thị Ngày Mai", vn(2026, 3, 9, 9)),
        # received Tue 3/3 → due Fri 6/3, still open: overdue
        "overdue": receive(ws, "Phạm Quá Hạn", vn(2026, 3, 3, 9)),
        # received Fri 6/3, resolved Tue 10/3: in no list
        "done_before": receive(ws, "Võ Đã Xong", vn(2026, 3, 6, 10)),
        # received Fri 6/3, resolved today 15:00: in no list (finished before the day's end)
        "done_today": receive(ws, "Đỗ Xong Hôm Nay", vn(2026, 3, 6, 11)),
        # received Mon 2/3 (due Thu 5/3), waiting for a supplement since 4/3: clock stopped
        "paused": receive(ws, "Hồ Chờ Bổ Sung", vn(2026, 3, 2, 9)),
        # received Tue 10/3 → due Fri 13/3: in no list
        "later": receive(ws, "Bùi Để Sau", vn(2026, 3, 10, 9)),
        # another office, due today: not this office's summary
        "other_office": receive(ws, "Ngô Cơ Quan Khác", vn(2026, 3, 6, 9, 30), office=OFFICE_B),
        # received online today: counted in the day's figures
        "new_today": receive(ws, "Mai Mới Nộp", vn(2026, 3, 11, 8)),
    }
    advance(ws, codes["done_before"], Status.IN_PROGRESS, at=vn(2026, 3, 6, 11))
    advance(ws, codes["done_before"], Status.RESOLVED, at=vn(2026, 3, 10, 10))
    advance(ws, codes["done_today"], Status.IN_PROGRESS, at=vn(2026, 3, 6, 12))
    advance(ws, codes["done_today"], Status.RESOLVED, at=vn(2026, 3, 11, 15))
    advance(ws, codes["paused"], Status.IN_PROGRESS, at=vn(2026, 3, 2, 10))
    advance(ws, codes["paused"], Status.WAITING_SUPPLEMENT, at=vn(2026, 3, 4, 10))
    # Another clerk with a full name receives one due today.
    other = Workstation(ws.db, clock=clock, username="nguyenvana")
    codes["clerk"] = receive(other, "Đặng Người Khác Nhận", vn(2026, 3, 6, 14))
    with ws.db.write() as s:
        s.execute(
            update(UserRow)
            .where(UserRow.username == "nguyenvana")
            .values(full_name="Nguyễn Văn An")
        )
    # Ratings: two today, one yesterday.
    clock.now = vn(2026, 3, 10, 11)
    rate(ws, codes["done_before"], "satisfied")
    clock.now = vn(2026, 3, 11, 15, 30)
    rate(ws, codes["done_today"], "dissatisfied", "Phải đi lại nhiều lần")
    rate(ws, codes["done_before"], "very_satisfied")
    clock.now = vn(2026, 3, 11, 16, 30)
    return codes


def test_lists_hold_the_right_dossiers(
    ws: Workstation, day_data: dict[str, str], tmp_path: Path
) -> None:
    info = summary_info(ws, DAY)
    today, tomorrow, overdue = ([r.code for r in lst.rows] for lst in info.lists)
    assert sorted(today) == sorted([day_data["today"], day_data["clerk"]])
    assert tomorrow == [day_data["tomorrow"]]
    assert overdue == [day_data["overdue"]]
    assert [lst.total for lst in info.lists] == [2, 1, 1]
    clerks = {r.code: r.clerk for lst in info.lists for r in lst.rows}
    assert clerks[day_data["clerk"]] == "Nguyễn Văn An"
    assert clerks[day_data["today"]] == "tester"

    text = pdf_text(render_daily_summary(ws, DAY), tmp_path)
    assert "BÁO CÁO TỔNG HỢP TRONG NGÀY" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Thứ tư, ngày 11 tháng 3 năm 2026" in text
    due_today = section(text, "3. Hồ sơ đến hạn trả trong ngày", "4. Hồ sơ đến hạn")
    due_next = section(text, "4. Hồ sơ đến hạn ngày làm việc tiếp theo", "5. Hồ sơ đã quá hạn")
    late = section(text, "5. Hồ sơ đã quá hạn", "6. Đánh giá")
    assert "(thứ Năm 12/03/2026) (1 hồ sơ)" in due_next
    for key, part in (
        ("today", due_today),
        ("clerk", due_today),
        ("tomorrow", due_next),
        ("overdue", late),
    ):
        assert day_data[key] in part, key
    for key in ("done_before", "done_today", "paused", "later", "other_office", "new_today"):
        assert day_data[key] not in due_today + due_next + late, key
    assert "quá 5 ngày" in late  # due Fri 6/3, the summary of Wed 11/3
    # Cells wrap: read them in drawing order (raw), whitespace collapsed.
    raw = pdf_text(render_daily_summary(ws, DAY), tmp_path, raw=True)
    raw_today = section(raw, "3. Hồ sơ đến hạn trả trong ngày", "4. Hồ sơ đến hạn")
    for part in (
        "Trần Văn Hôm Nay",
        "Đặng Người Khác Nhận",
        "Nguyễn Văn An",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "11/03/2026 17:00",
    ):
        assert part in raw_today, part


def test_figures_ratings_queue_and_sign_off(
    ws: Workstation, day_data: dict[str, str], tmp_path: Path
) -> None:
    info = summary_info(ws, DAY)
    figures = {(g.title, label): value for g in info.figures for label, value in g.items}
    assert figures[("Tiếp nhận trong ngày", "Tổng số")] == "1"
    assert figures[("Tiếp nhận trong ngày", "Trực tiếp")] == "1"
    assert figures[("Giải quyết xong trong ngày", "Đúng hạn")] == "1"  # done_today, due 11/3
    assert figures[("Giải quyết xong trong ngày", "Trước hạn")] == "0"
    # open at the day's end: today, clerk, tomorrow, overdue, paused, later, new_today
    assert figures[("Đang giải quyết cuối ngày", "Tổng số")] == "7"
    # overdue at the day's end: overdue, and the two due today at 17:00 (paused ones are not)
    assert figures[("Đang giải quyết cuối ngày", "Quá hạn")] == "3"
    assert [(r.code, r.rating) for r in info.ratings] == [
        (day_data["done_today"], "Không hài lòng"),
        (day_data["done_before"], "Rất hài lòng"),
    ]
    text = pdf_text(render_daily_summary(ws, DAY), tmp_path)
    ratings = section(text, "6. Đánh giá của công dân trong ngày (2 lượt)", "NGƯỜI LẬP")
    assert "Phải đi lại nhiều lần" in ratings
    assert "Rất hài lòng: 1; Hài lòng: 0; Không hài lòng: 1; tỷ lệ hài lòng: 50,00 %" in ratings
    assert "2. Hàng chờ Chưa có dữ liệu hàng chờ. 3. Hồ sơ đến hạn" in re.sub(r"\s+", " ", text)
    assert "NGƯỜI LẬP" in text
    assert "LÃNH ĐẠO" in text


def test_long_lists_span_pages_with_repeated_heads(
    ws: Workstation, clock: FixedClock, tmp_path: Path
) -> None:
    clock.now = vn(2026, 3, 11, 9)
    codes = [receive(ws, f"Nguyễn Văn Số {i}", vn(2026, 3, 6, 8, i)) for i in range(45)]
    pdf = render_daily_summary(ws, DAY)
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    assert all("Mã hồ sơ" in p for p in pages[:2])  # the list's head repeats
    text = "".join(pages)
    assert all(c in text for c in codes)
    assert "(45 hồ sơ)" in text
    assert re.search(r"Trang 2", pages[1])


def test_cli_daily_summary(
    ws: Workstation, day_data: dict[str, str], run_cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "tong-hop.pdf"
    code, stdout, err = run_cli("daily-summary", "--date", "2026-03-11", "--out", str(out))
    assert code == 0, err
    assert "Đã in báo cáo tổng hợp ngày 11/03/2026" in stdout
    assert out.read_bytes().startswith(b"%PDF")
    assert day_data["today"] in pdf_text(out.read_bytes(), tmp_path)
    code, _, err = run_cli("daily-summary", "--date", "11/03/2026", "--out", str(out))
    assert code == 1
    assert "YYYY-MM-DD" in err


def queue_day(ws: Workstation, clock: FixedClock, dossier_id: str) -> None:
    """Four tickets on 11/3/2026, times chosen so every figure is known:

    08:00 1001 Hộ tịch, 08:02 1002 Hộ tịch, 08:05 2001 Chứng thực issued;
    08:10 counter 1 calls 1001 (waited 10 min); 08:22 it calls 1002 (20 min), 1001 served in
    12 min; 08:30 counter 2 calls 2001 (25 min); 08:36 2001 did not come (no-show); 08:40 1002
    served in 18 min, a dossier received from it; 08:45 1003 issued, still waiting. A ticket
    of the day before must not count.
    """
    q = LocalQueue(ws.db, OFFICE_A, clock=clock, clerk="tester")
    clock.now = vn(2026, 3, 10, 9)
    q.issue("ho_tich")  # yesterday
    at = vn(2026, 3, 11, 8)

    def when(minutes: int) -> None:
        clock.now = at + timedelta(minutes=minutes)

    when(0)
    q.issue("ho_tich")
    when(2)
    second = q.issue("ho_tich")
    when(5)
    third = q.issue("chung_thuc")
    when(10)
    q.call_next(1, groups=["ho_tich"])
    when(22)
    q.call_next(1, groups=["ho_tich"])
    when(30)
    assert q.call_next(2, groups=["chung_thuc"]) is not None
    when(36)
    q.skip(third.id, 2)
    when(40)
    q.finish(second.id, 1)
    q.link_dossier(second.id, dossier_id)
    when(45)
    q.issue("ho_tich")
    clock.now = vn(2026, 3, 11, 16, 30)


def test_queue_section_with_known_figures(
    ws: Workstation, clock: FixedClock, run_cli: CliRunner, tmp_path: Path
) -> None:
    clock.now = vn(2026, 3, 11, 8, 40)
    code = receive(ws, "Nguyễn Thị Xếp Hàng", vn(2026, 3, 11, 8, 40))
    with ws.db.read() as s:
        dossier_id = _load(s, code).id
    queue_day(ws, clock, dossier_id)
    info = summary_info(ws, DAY)
    assert info.queue == (
        "Đã phát 4 phiếu; đã phục vụ 2; vắng mặt 1; còn chờ 1. Thời gian chờ trung bình "
        "18 phút, lâu nhất 25 phút; thời gian phục vụ trung bình 15 phút. "
        "Hồ sơ tiếp nhận từ phiếu: 1."
    )  # waits 10, 20, 25 min (18.3); services 12 and 18 min
    rows = {(r.kind, r.label): r.values for r in info.queue_rows}
    assert rows[("row", "Hộ tịch")] == ("3", "2", "0", "15 phút", "20 phút", "15 phút", "1")
    assert rows[("row", "Chứng thực")] == ("1", "0", "1", "25 phút", "25 phút", "—", "0")
    assert rows[("row", "Quầy 1")] == ("2", "2", "0", "15 phút", "20 phút", "15 phút", "1")
    assert rows[("row", "Quầy 2")] == ("1", "0", "1", "25 phút", "25 phút", "—", "0")
    assert rows[("total", "Tổng cộng")] == ("4", "2", "1", "18 phút", "25 phút", "15 phút", "1")

    text = pdf_text(render_daily_summary(ws, DAY), tmp_path)
    queue = section(text, "2. Hàng chờ", "3. Hồ sơ đến hạn trả trong ngày")
    flat = re.sub(r"\s+", " ", queue)
    assert "Đã phát 4 phiếu; đã phục vụ 2; vắng mặt 1; còn chờ 1." in flat
    assert "Chưa có dữ liệu hàng chờ." not in text
    lines = {
        line.split("  ")[0].strip(): re.split(r"\s{2,}", line.strip())
        for line in queue.splitlines()
        if line.strip()
    }
    assert lines["Hộ tịch"][1:] == ["3", "2", "0", "15 phút", "20 phút", "15 phút", "1"]
    assert lines["Chứng thực"][1:] == ["1", "0", "1", "25 phút", "25 phút", "—", "0"]
    assert lines["Quầy 2"][1:] == ["1", "0", "1", "25 phút", "25 phút", "—", "0"]
    assert lines["Tổng cộng"][1:] == ["4", "2", "1", "18 phút", "25 phút", "15 phút", "1"]
    assert "2. Hàng chờ" in text.split("\f")[0]  # with the day's figures, on page 1
    # The CLI prints the same summary.
    out = tmp_path / "cli.pdf"
    code, _stdout, err = run_cli("daily-summary", "--date", "2026-03-11", "--out", str(out))
    assert code == 0, err
    assert "Đã phát 4 phiếu; đã phục vụ 2; vắng mặt 1; còn chờ 1." in re.sub(
        r"\s+", " ", pdf_text(out.read_bytes(), tmp_path)
    )
