"""Realistic synthetic data for trying the app and for the benchmarks.

Vietnamese names with real frequencies of family names, CCCD numbers consistent with birth year
and sex, mobile numbers, Thanh Xuân addresses, the bundled catalog, and statuses spread over
time (old dossiers returned, mostly on time; recent ones in progress or waiting). Every dossier
gets its events through the same reducer as real work, so the projection is exact.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from onestop_desktop.domain.calendar import VN_TZ, TimeUnit, WorkCalendar
from onestop_desktop.domain.dossier import (
    DocumentItem,
    DossierState,
    Event,
    EventType,
    Status,
    iso,
    reduce,
)
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.ids import new_id
from onestop_desktop.services.context import Workstation
from onestop_desktop.store import repo
from onestop_desktop.store.models import AdminUnitRow, OfficeRow, ProcedureDocumentRow, ProcedureRow

FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 4),
    ("Huỳnh", 1.5),
    ("Phan", 4.5),
    ("Vũ", 3.9),
    ("Võ", 1.5),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Trịnh", 0.6),
    ("Đoàn", 0.6),
    ("Lương", 0.5),
    ("Mai", 0.5),
    ("Tạ", 0.3),
    ("Chu", 0.3),
    ("Kiều", 0.2),
]
MIDDLE_MALE = [
    "Văn",
    "Hữu",
    "Đức",
    "Minh",
    "Quốc",
    "Thanh",
    "Xuân",
    "Công",
    "Đình",
    "Mạnh",
    "Quang",
    "Tuấn",
    "Trọng",
    "Hoàng",
    "Gia",
]
MIDDLE_FEMALE = [
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Minh",
    "Phương",
    "Hồng",
    "Kim",
    "Thùy",
    "Diệu",
    "Bích",
    "Lan",
    "Mai",
    "Khánh",
]
GIVEN_MALE = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đạt",
    "Giang",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Kiên",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Vũ",
]
GIVEN_FEMALE = [
    "An",
    "Anh",
    "Châu",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Huyền",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Ly",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thủy",
    "Trang",
    "Uyên",
    "Vân",
    "Vy",
    "Yến",
]
STREETS = [
    "Nguyễn Trãi",
    "Khuất Duy Tiến",
    "Lê Văn Lương",
    "Nguyễn Tuân",
    "Vũ Trọng Phụng",
    "Khương Đình",
    "Kim Giang",
    "Trường Chinh",
    "Giải Phóng",
    "Hoàng Văn Thái",
    "Quan Nhân",
    "Nguyễn Huy Tưởng",
    "Lê Trọng Tấn",
    "Cù Chính Lan",
    "Vương Thừa Vũ",
]
WARDS = [
    "Nhân Chính",
    "Thượng Đình",
    "Khương Trung",
    "Khương Mai",
    "Thanh Xuân Trung",
    "Phương Liệt",
    "Hạ Đình",
    "Khương Đình",
    "Thanh Xuân Bắc",
    "Thanh Xuân Nam",
    "Kim Giang",
]
MOBILE_PREFIXES = [
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "070",
    "076",
    "077",
    "078",
    "079",
    "081",
    "082",
    "083",
    "084",
    "085",
    "086",
    "088",
    "089",
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "056",
    "058",
]
CHUNK = 5000
Progress = Callable[[int, int], bool]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What was generated."""

    dossiers: int
    events: int
    seconds: float


class NameMaker:
    """Random Vietnamese people (name, sex, birth year, CCCD, phone, address)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._families = [f for f, _ in FAMILY]
        self._weights = [w for _, w in FAMILY]

    def person(self, today: date) -> dict[str, Any]:
        """One applicant's data."""
        r = self.rng
        female = r.random() < 0.52
        family = r.choices(self._families, self._weights)[0]
        middle = r.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
        given = r.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        parts = [family, middle, given]
        if r.random() < 0.15:
            parts.insert(2, r.choice(MIDDLE_FEMALE if female else MIDDLE_MALE))
        birth_year = r.randint(today.year - 85, today.year - 18)
        century = 0 if birth_year < 2000 else 2
        gender_digit = century + (1 if female else 0)
        province = (
            "001"
            if r.random() < 0.7
            else r.choice(["022", "026", "030", "034", "036", "038", "040", "079"])
        )
        cccd = f"{province}{gender_digit}{birth_year % 100:02d}{r.randrange(10**6):06d}"
        phone = r.choice(MOBILE_PREFIXES) + f"{r.randrange(10**7):07d}"
        address = (
            f"Số {r.randint(1, 200)}, ngõ {r.randint(1, 400)} {r.choice(STREETS)}, "
            f"phường {r.choice(WARDS)}, quận Thanh Xuân, Hà Nội"
        )
        return {
            "applicant_name": " ".join(parts),
            "id_number": cccd if r.random() > 0.03 else f"{r.randrange(10**8, 10**9)}",
            "phone": phone if r.random() > 0.05 else None,
            "address": address,
        }


def _sibling_offices(s: Any, office_code: str) -> list[str]:
    """Other offices of the same district (the district's own office included)."""
    own = s.get(OfficeRow, office_code)
    if own is None or not own.unit_code:
        return []
    unit = s.get(AdminUnitRow, own.unit_code)
    parent = unit.parent_code if unit is not None and unit.level == "ward" else own.unit_code
    units = {
        parent,
        *s.scalars(select(AdminUnitRow.code).where(AdminUnitRow.parent_code == parent)),
    }
    return sorted(
        c
        for c in s.scalars(select(OfficeRow.code).where(OfficeRow.unit_code.in_(units)))
        if c != office_code
    )


def _receipt_instant(rng: random.Random, cal: WorkCalendar, day: date) -> datetime:
    minutes = rng.choice([rng.randint(0, 239), rng.randint(330, 569)])  # 07:30-11:29, 13:00-16:59
    base = datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN_TZ)
    _ = cal
    return base + timedelta(minutes=minutes, seconds=rng.randint(0, 59))


def generate_demo(
    ws: Workstation,
    count: int,
    *,
    seed: int = 1,
    days: int = 730,
    progress: Progress | None = None,
) -> DemoResult:
    """Insert ``count`` synthetic dossiers (with their events) in one transaction."""
    if count <= 0:
        raise ValidationError("dossiers", "Số hồ sơ mẫu phải lớn hơn 0.")
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    people = NameMaker(rng)
    with ws.db.write() as s:
        actor = ws.actor(s)
        cal = ws.calendar(s)
        now = ws.now()
        today = now.astimezone(VN_TZ).date()
        procs = list(s.scalars(select(ProcedureRow).where(ProcedureRow.active.is_(True))))
        docs: dict[str, list[DocumentItem]] = defaultdict(list)
        for d in s.scalars(select(ProcedureDocumentRow).order_by(ProcedureDocumentRow.position)):
            docs[d.procedure_code].append(
                DocumentItem(d.name, d.originals, d.certified_copies, d.photocopies)
            )
        offices = [actor.office_code, *_sibling_offices(s, actor.office_code)]
        working_days = [
            today - timedelta(days=i)
            for i in range(days)
            if cal.is_working_day(today - timedelta(days=i))
        ]
        # (office, day) → dossiers that need a code, allocated in bulk at the end of a chunk
        stamper = repo.EventStamper(s, actor.device_id)
        proc_weights = [5 if p.processing_days == 0 else 2 for p in procs]
        total_events = 0
        states: list[DossierState] = []
        events: list[Event] = []
        pending_codes: list[tuple[str, date, dict[str, Any]]] = []
        plans: list[tuple[dict[str, Any], list[tuple[Status, datetime, dict[str, Any]]]]] = []

        def flush() -> None:
            nonlocal total_events
            groups: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
            for office, day, payload in pending_codes:
                groups[(office, day)].append(payload)
            blocks = repo.allocate_code_blocks(
                s, {k: len(v) for k, v in groups.items()}, device_number=actor.device_number
            )
            for key, payloads in groups.items():
                for payload, code in zip(payloads, blocks[key], strict=True):
                    payload["code"] = code
            for payload, steps in plans:
                dossier_id = new_id()
                seq, hlc = stamper.stamp()
                ev = Event(
                    new_id(),
                    dossier_id,
                    EventType.RECEIVED,
                    payload,
                    datetime.fromisoformat(payload["received_at"]),
                    actor.user_id,
                    actor.device_id,
                    seq,
                    hlc,
                )
                state = reduce(None, ev)
                events.append(ev)
                for target, at, extra in steps:
                    seq, hlc = stamper.stamp()
                    p = {"from": state.status.value, "to": target.value, "at": iso(at), **extra}
                    ev = Event(
                        new_id(),
                        dossier_id,
                        EventType.STATUS_CHANGED,
                        p,
                        at,
                        actor.user_id,
                        actor.device_id,
                        seq,
                        hlc,
                    )
                    state = reduce(state, ev)
                    events.append(ev)
                states.append(state)
            repo.insert_dossiers(s, states)
            repo.insert_events(s, events)
            total_events += len(events)
            states.clear()
            events.clear()
            pending_codes.clear()
            plans.clear()

        for i in range(1, count + 1):
            proc = rng.choices(procs, proc_weights)[0]
            day = rng.choice(working_days)
            received = _receipt_instant(rng, cal, day)
            if received > now:
                received = now - timedelta(minutes=rng.randint(1, 120))
            due = cal.due_at(received, proc.processing_days, TimeUnit(proc.time_unit))
            office = rng.choice(offices) if rng.random() < 0.4 else offices[0]
            roll = rng.random()
            channel = "online" if roll < 0.25 else "postal" if roll < 0.28 else "direct"
            payload: dict[str, Any] = {
                "code": "",
                "procedure_code": proc.code,
                "procedure_name": proc.name,
                "office_code": office,
                **people.person(today),
                "channel": channel,
                "received_at": iso(received),
                "due_at": iso(due),
                "documents": [d.to_payload() for d in docs.get(proc.code, [])],
            }
            pending_codes.append((office, received.astimezone(VN_TZ).date(), payload))
            plans.append((payload, _plan(rng, received, due, now)))
            if len(plans) >= CHUNK or i == count:
                flush()
                if progress is not None and not progress(i, count):
                    raise ValidationError("dossiers", "Đã hủy; không có hồ sơ mẫu nào được ghi.")
        stamper.flush()
    return DemoResult(count, total_events, time.perf_counter() - started)


def _plan(
    rng: random.Random, received: datetime, due: datetime, now: datetime
) -> list[tuple[Status, datetime, dict[str, Any]]]:
    """Status changes a dossier goes through, all before ``now``."""
    steps: list[tuple[Status, datetime, dict[str, Any]]] = []
    span = max((due - received).total_seconds(), 3600.0)
    roll = rng.random()
    if roll < 0.01:
        at = received + timedelta(minutes=rng.randint(5, 60))
        if at < now:
            steps.append((Status.REFUSED, at, {"reason": "Hồ sơ không thuộc thẩm quyền"}))
        return steps
    if roll < 0.02:
        at = received + timedelta(hours=rng.randint(1, 48))
        if at < now:
            steps.append((Status.WITHDRAWN, at, {"reason": "Công dân rút hồ sơ"}))
        return steps
    handed = received + timedelta(minutes=rng.randint(10, 90))
    if handed >= now:
        return steps
    steps.append((Status.IN_PROGRESS, handed, {}))
    # resolution time: mostly early/on time, ~3 % late
    fraction = rng.random() * 0.95 if rng.random() > 0.03 else 1.0 + rng.random() * 0.6
    resolved = received + timedelta(seconds=span * fraction) + timedelta(minutes=30)
    if resolved >= now:
        paused = handed + timedelta(hours=1)
        if paused < now and rng.random() < 0.05:
            steps.append((Status.WAITING_SUPPLEMENT, paused, {}))
        return steps
    steps.append((Status.RESOLVED, resolved, {}))
    returned = resolved + timedelta(hours=rng.randint(1, 72))
    if returned < now and rng.random() < 0.9:
        steps.append((Status.RETURNED, returned, {"collected_by": "Người nộp hồ sơ"}))
    return steps
