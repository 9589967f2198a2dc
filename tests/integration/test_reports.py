"""The periodic report (Biểu II.06a) on datasets whose every figure was worked out by hand.

Calendar facts used below (2026): Tết 16-20/2 off; March has no day off besides weekends;
1/3 is a Sunday; 1/4 a Wednesday. Procedure 1.004873 takes 3 working days counted from the day
after receipt (due 17:00); 1.001776 takes 20; 1.001612 (district level) takes 3.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from onestop_desktop.domain.dossier import (
    RATING_LABELS,
    Channel,
    EventType,
    Rating,
    Status,
    parse_rating,
)
from onestop_desktop.domain.errors import TransitionError, ValidationError
from onestop_desktop.paths import data_file
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import (
    IntakeRequest,
    advance,
    get_dossier,
    intake,
    reschedule,
)
from onestop_desktop.services.importer import import_dossiers
from onestop_desktop.services.ratings import rate
from onestop_desktop.services.reports import Figures, Report, build_report, format_report
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import DossierRow, EventRow
from tests.conftest import CliRunner, FixedClock, copy_db, vn

WriteFile = Callable[[str, str], Path]

THREE = "1.004873"  # Hộ tịch, ward, 3 working days
TWENTY = "1.001776"  # Bảo trợ xã hội, ward, 20 working days
DISTRICT = "1.001612"  # Hộ kinh doanh, district, 3 working days

OFFICE_A = "000.01.09.H24"  # Phường Nhân Chính (00343), district 009
OFFICE_B = "000.02.09.H24"  # Phường Thượng Đình (00346), district 009
OFFICE_D = "000.00.09.H24"  # Quận Thanh Xuân (009)
OFFICE_N = "H24.367.01"  # Phường Thanh Xuân (N00367, 2025 two-level, under province 01)

#: The columns the issue names, per unit and in total.
KEYS = (
    "carried_over",
    "received",
    "received_online",
    "received_direct",
    "received_postal",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress_on_time",
    "in_progress_overdue",
)


def figs(**values: int) -> dict[str, int]:
    """Expected figures: every key of KEYS plus refused/withdrawn, zero unless given."""
    out = dict.fromkeys((*KEYS, "refused", "withdrawn"), 0)
    unknown = set(values) - set(out)
    assert not unknown, unknown
    out.update(values)
    out["received"] = (
        out["carried_over"]
        + out["received_online"]
        + out["received_direct"]
        + out["received_postal"]
    )
    return out


def as_dict(f: Figures) -> dict[str, int]:
    data = f.to_json()
    return {k: data[k] for k in (*KEYS, "refused", "withdrawn")}


@dataclass
class Builder:
    """Receives dossiers and moves them through statuses at explicit instants."""

    ws: Workstation
    codes: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        name: str,
        received: datetime,
        *steps: tuple[Status, datetime] | tuple[Status, datetime, dict[str, Any]],
        office: str = OFFICE_A,
        procedure: str = THREE,
        channel: Channel = Channel.DIRECT,
    ) -> str:
        view = intake(
            self.ws,
            IntakeRequest(
                procedure_code=procedure,
                applicant_name=f"Nguyễn Văn {name}",
                channel=channel,
                received_at=received,
                office_code=office,
            ),
        )
        self.codes[name] = view.code
        for step in steps:
            status, at, *extra = step
            kwargs: dict[str, Any] = dict(extra[0]) if extra else {}
            if status is Status.REFUSED:
                kwargs.setdefault("reason", "Không đủ điều kiện")
            if status is Status.RETURNED:
                kwargs.setdefault("collected_by", "Người nhận")
            advance(self.ws, view.code, status, at=at, **kwargs)
        return view.code

    def due(self, name: str) -> datetime:
        return get_dossier(self.ws, self.codes[name]).due_at


R, P, W = Status.RESOLVED, Status.IN_PROGRESS, Status.WAITING_SUPPLEMENT


def _build_march(b: Builder) -> None:
    """The hand-worked dataset around March 2026 (see each line's comment)."""
    ws = b.ws
    # ---- office A, ward 00343 ------------------------------------------------------------
    # A1: carried over, still in progress; due Mon 2/3 17:00 → overdue at the end of March.
    b.add("A1", vn(2026, 2, 25, 9), (P, vn(2026, 2, 25, 10)))
    # A2: carried over; due Wed 4/3; resolved Tue 3/3 → early.
    b.add("A2", vn(2026, 2, 27, 9), (R, vn(2026, 3, 3, 10)))
    # A3: resolved before the period → not counted at all.
    b.add("A3", vn(2026, 2, 26, 9), (R, vn(2026, 2, 27, 16)))
    # A4: refused before the period → not counted at all.
    b.add("A4", vn(2026, 2, 26, 9, 30), (Status.REFUSED, vn(2026, 2, 26, 10)))
    # A5: online on Saturday 28/2 23:59 → carried over (effective Mon 2/3, due Thu 5/3).
    b.add("A5", vn(2026, 2, 28, 23, 59), channel=Channel.ONLINE)
    # A6: online at 00:00 on 1/3 → in the period; due Thu 5/3 17:00, resolved at 17:00 → on time.
    b.add("A6", vn(2026, 3, 1, 0, 0), (R, vn(2026, 3, 5, 17, 0)), channel=Channel.ONLINE)
    # A7: online at 23:59:59 on 31/3 → in the period; due Mon 6/4 → within the deadline.
    b.add("A7", vn(2026, 3, 31, 23, 59, 59), channel=Channel.ONLINE)
    # A8: online at 00:00 on 1/4 → not in March.
    b.add("A8", vn(2026, 4, 1, 0, 0), channel=Channel.ONLINE)
    # A9: due Thu 5/3, waiting for a supplement since Tue 3/3 → within the deadline (paused).
    b.add("A9", vn(2026, 3, 2, 9), (W, vn(2026, 3, 3, 10)))
    # A10: due Thu 12/3 17:00; resolved 17:30 that day → late; returned next day.
    b.add(
        "A10",
        vn(2026, 3, 9, 9),
        (R, vn(2026, 3, 12, 17, 30)),
        (Status.RETURNED, vn(2026, 3, 13, 9)),
    )
    # A11: due Thu 12/3 17:00; resolved 08:00 on the due day → on time.
    b.add("A11", vn(2026, 3, 9, 9, 5), (P, vn(2026, 3, 9, 10)), (R, vn(2026, 3, 12, 8)))
    # A12: due Thu 12/3; resolved Wed 11/3 16:59 → early.
    b.add("A12", vn(2026, 3, 9, 9, 10), (R, vn(2026, 3, 11, 16, 59)))
    # A13: due Thu 19/3, still in progress → overdue.
    b.add("A13", vn(2026, 3, 16, 9), (P, vn(2026, 3, 16, 10)))
    # A14: refused in the period.
    b.add("A14", vn(2026, 3, 10, 9), (Status.REFUSED, vn(2026, 3, 10, 11)))
    # A15: by post, withdrawn in the period.
    b.add(
        "A15",
        vn(2026, 3, 10, 9, 30),
        (Status.WITHDRAWN, vn(2026, 3, 11, 9), {"note": "Công dân rút hồ sơ"}),
        channel=Channel.POSTAL,
    )
    # A16: due Thu 2/4; resolved at 00:00 on 1/4 (after the period) → in progress, within.
    b.add("A16", vn(2026, 3, 30, 9), (R, vn(2026, 4, 1, 0, 0)))
    # A17: by post, due Wed 25/3; resolved Tue 24/3 → early; returned 25/3.
    b.add(
        "A17",
        vn(2026, 3, 20, 9),
        (R, vn(2026, 3, 24, 10)),
        (Status.RETURNED, vn(2026, 3, 25, 9)),
        channel=Channel.POSTAL,
    )
    # A18: due Thu 5/3; paused Tue 3/3 07:30 → Wed 4/3 07:30 (8 working hours) → due Fri 6/3;
    # resolved Fri 6/3 16:00 → on time (it would be late against the unpaused date).
    b.add(
        "A18",
        vn(2026, 3, 2, 9),
        (W, vn(2026, 3, 3, 7, 30)),
        (P, vn(2026, 3, 4, 7, 30)),
        (R, vn(2026, 3, 6, 16)),
    )
    # A19: due Thu 12/3; apology with a new date 20/3; resolved 18/3 → still late.
    b.add("A19", vn(2026, 3, 9, 9, 20))
    reschedule(ws, b.codes["A19"], vn(2026, 3, 20, 17), "Chờ ý kiến cơ quan phối hợp")
    advance(ws, b.codes["A19"], R, at=vn(2026, 3, 18, 10))
    # A20: due Thu 26/3; apology with a new date 10/4; open → overdue all the same.
    b.add("A20", vn(2026, 3, 23, 9), (P, vn(2026, 3, 23, 10)))
    reschedule(ws, b.codes["A20"], vn(2026, 4, 10, 17), "Chờ kết quả xác minh")
    # A21: due Mon 30/3; withdrawn at 00:00 on 1/4 (after the period) → in progress, overdue.
    b.add("A21", vn(2026, 3, 25, 9), (Status.WITHDRAWN, vn(2026, 4, 1, 0, 0), {"note": "Rút"}))
    # A23: due Thu 19/3; paused only on 1/4 (after the period) → overdue in March.
    b.add("A23", vn(2026, 3, 16, 9, 30), (W, vn(2026, 4, 1, 8, 0)))
    # A22: carried over; due Thu 26/2; resolved Mon 2/3 → late.
    b.add("A22", vn(2026, 2, 23, 9), (R, vn(2026, 3, 2, 10)))
    # ---- office B, ward 00346 ------------------------------------------------------------
    # B1: online, due Tue 10/3; resolved 09:00 that day → on time.
    b.add("B1", vn(2026, 3, 5, 9), (R, vn(2026, 3, 10, 9)), office=OFFICE_B, channel=Channel.ONLINE)
    # B2: 20 working days → due Wed 22/4 → within the deadline.
    b.add("B2", vn(2026, 3, 25, 9), office=OFFICE_B, procedure=TWENTY)
    # B3: received on a Tết day (20/2) → due Thu 26/2; waiting since 24/2 → within (paused).
    b.add("B3", vn(2026, 2, 20, 9), (W, vn(2026, 2, 24, 10)), office=OFFICE_B)
    # ---- district office D, unit 009 ----------------------------------------------------
    # D1: due Fri 13/3, resolved 16:00 that day → on time.
    b.add("D1", vn(2026, 3, 10, 9), (R, vn(2026, 3, 13, 16)), office=OFFICE_D, procedure=DISTRICT)
    # D2: online, due Fri 13/3, resolved Mon 16/3 → late.
    b.add(
        "D2",
        vn(2026, 3, 10, 9, 10),
        (R, vn(2026, 3, 16, 8)),
        office=OFFICE_D,
        procedure=DISTRICT,
        channel=Channel.ONLINE,
    )
    # ---- new two-level ward office N, unit N00367 -----------------------------------------
    # N1: due Fri 13/3, still received → overdue.
    b.add("N1", vn(2026, 3, 10, 9), office=OFFICE_N)


@pytest.fixture(scope="module")
def march_template(
    template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """The March dataset, built once per module (copied per test by ``march``)."""
    path = copy_db(template_db, tmp_path_factory.mktemp("march") / "march.db")
    db = Database.open(path)
    try:
        # Every fact below is recorded by the clerk at 09:00 on 1/4.
        b = Builder(Workstation(db, clock=FixedClock(vn(2026, 4, 1, 9, 0)), username="tester"))
        _build_march(b)
    finally:
        db.dispose()
    return path, dict(b.codes)


@pytest.fixture
def march(
    march_template: tuple[Path, dict[str, str]], db_path: Path, clock: FixedClock
) -> Iterator[Builder]:
    """This test's database holds the March dataset; ``run_cli`` sees it too.

    Do not combine with the ``ws`` fixture: use ``march.ws``.
    """
    source, codes = march_template
    copy_db(source, db_path)
    clock.now = vn(2026, 4, 5, 9, 0)
    db = Database.open(db_path)
    try:
        yield Builder(Workstation(db, clock=clock, username="tester"), dict(codes))
    finally:
        db.dispose()


MARCH_A = figs(
    carried_over=4,  # A1 A2 A5 A22
    received_online=2,  # A6 A7
    received_direct=12,  # A9 A10 A11 A12 A13 A14 A16 A18 A19 A20 A21 A23
    received_postal=2,  # A15 A17
    resolved_early=3,  # A2 A12 A17
    resolved_on_time=3,  # A6 A11 A18
    resolved_late=3,  # A10 A19 A22
    in_progress_on_time=3,  # A7 A9 A16
    in_progress_overdue=6,  # A1 A5 A13 A20 A21 A23
    refused=1,  # A14
    withdrawn=1,  # A15
)
MARCH_B = figs(
    carried_over=1,  # B3
    received_online=1,  # B1
    received_direct=1,  # B2
    resolved_on_time=1,  # B1
    in_progress_on_time=2,  # B2 B3
)
MARCH_D = figs(
    received_online=1,  # D2
    received_direct=1,  # D1
    resolved_on_time=1,  # D1
    resolved_late=1,  # D2
)
MARCH_N = figs(received_direct=1, in_progress_overdue=1)  # N1
UNITS = {
    "00343": ("Phường Nhân Chính", "ward", MARCH_A),
    "00346": ("Phường Thượng Đình", "ward", MARCH_B),
    "009": ("Quận Thanh Xuân", "district", MARCH_D),
    "N00367": ("Phường Thanh Xuân", "ward", MARCH_N),
}


def total_of(*parts: dict[str, int]) -> dict[str, int]:
    return {k: sum(p[k] for p in parts) for k in parts[0]}


def by_unit(rep: Report) -> dict[str, dict[str, int]]:
    return {u.unit_code: as_dict(u.figures) for u in rep.units}


def check_identities(data: dict[str, Any]) -> None:
    assert data["received"] == (
        data["carried_over"]
        + data["received_online"]
        + data["received_direct"]
        + data["received_postal"]
    )
    resolved = data["resolved_early"] + data["resolved_on_time"] + data["resolved_late"]
    in_progress = data["in_progress_on_time"] + data["in_progress_overdue"]
    assert data["received"] == resolved + in_progress + data["refused"] + data["withdrawn"]


# --------------------------------------------------------------------------- March


def test_march_due_dates_are_the_hand_worked_ones(march: Builder) -> None:
    expected = {
        "A1": vn(2026, 3, 2, 17),
        "A2": vn(2026, 3, 4, 17),
        "A5": vn(2026, 3, 5, 17),
        "A6": vn(2026, 3, 5, 17),
        "A7": vn(2026, 4, 6, 17),
        "A9": vn(2026, 3, 5, 17),
        "A10": vn(2026, 3, 12, 17),
        "A13": vn(2026, 3, 19, 17),
        "A16": vn(2026, 4, 2, 17),
        "A17": vn(2026, 3, 25, 17),
        "A18": vn(2026, 3, 6, 17),
        "A19": vn(2026, 3, 12, 17),
        "A20": vn(2026, 3, 26, 17),
        "A21": vn(2026, 3, 30, 17),
        "A22": vn(2026, 2, 26, 17),
        "A23": vn(2026, 3, 19, 17),
        "B1": vn(2026, 3, 10, 17),
        "B2": vn(2026, 4, 22, 17),
        "B3": vn(2026, 2, 26, 17),
        "D1": vn(2026, 3, 13, 17),
        "N1": vn(2026, 3, 13, 17),
    }
    assert {name: march.due(name) for name in expected} == expected


def test_march_report_every_figure(march: Builder) -> None:
    rep = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31))
    assert by_unit(rep) == {code: f for code, (_, _, f) in UNITS.items()}
    for u in rep.units:
        name, level, _ = UNITS[u.unit_code]
        assert (u.unit_name, u.level) == (name, level)
        check_identities(u.figures.to_json())
    total = total_of(MARCH_A, MARCH_B, MARCH_D, MARCH_N)
    assert as_dict(rep.total) == total
    assert total["received"] == 26
    check_identities(rep.total.to_json())
    # Rates: (3 + 5) / 12 resolved on time; 4 of 21 received in the period online.
    assert rep.total.on_time_rate == 66.67
    assert rep.total.online_share == 19.05
    # Rows by field within a unit: A's dossiers are all civil status (Hộ tịch); B splits.
    a = next(u for u in rep.units if u.unit_code == "00343")
    assert list(a.by_field) == ["Hộ tịch"]
    b = next(u for u in rep.units if u.unit_code == "00346")
    assert as_dict(b.by_field["Bảo trợ xã hội"]) == figs(received_direct=1, in_progress_on_time=1)
    assert rep.as_of == vn(2026, 4, 5, 9, 0)


def test_march_report_json_from_the_cli(march: Builder, run_cli: CliRunner) -> None:
    code, out, err = run_cli("--json", "report", "--from", "2026-03-01", "--to", "2026-03-31")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {"units", "total", "catalog"} <= data.keys()
    units = {u["unit_code"]: u for u in data["units"]}
    assert set(units) == set(UNITS)
    for unit_code, (name, level, expected) in UNITS.items():
        got = units[unit_code]
        assert (got["unit_name"], got["level"]) == (name, level)
        assert {k: got[k] for k in KEYS} == {k: expected[k] for k in KEYS}, unit_code
        assert (got["refused"], got["withdrawn"]) == (expected["refused"], expected["withdrawn"])
        check_identities(got)
    total = total_of(MARCH_A, MARCH_B, MARCH_D, MARCH_N)
    assert {k: data["total"][k] for k in KEYS} == {k: total[k] for k in KEYS}
    check_identities(data["total"])
    assert (data["from"], data["to"]) == ("2026-03-01", "2026-03-31")
    # "Số liệu tính đến": when the store last changed (wall clock of the newest event).
    as_of = datetime.fromisoformat(data["data_as_of"])
    assert as_of.utcoffset() == timedelta(hours=7)


def test_catalog_shares_per_level_match_the_bundled_catalog(
    march: Builder, run_cli: CliRunner
) -> None:
    # Counted independently from the bundled file (legacy 3/4 read as partial/full).
    expected: dict[str, dict[str, int]] = {}
    with data_file("catalog.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            level = expected.setdefault(
                row["level"], {"procedures": 0, "online": 0, "online_full": 0}
            )
            level["procedures"] += 1
            level["online"] += row["online_level"] in ("partial", "full", "3", "4")
            level["online_full"] += row["online_level"] in ("full", "4")
    assert expected == {
        "ward": {"procedures": 22, "online": 19, "online_full": 9},
        "district": {"procedures": 9, "online": 8, "online_full": 3},
    }
    code, out, _ = run_cli("--json", "report", "--from", "2026-03-01", "--to", "2026-03-31")
    assert code == 0
    catalog = {c["level"]: c for c in json.loads(out)["catalog"]}
    assert {
        lv: {k: c[k] for k in ("procedures", "online", "online_full")} for lv, c in catalog.items()
    } == expected
    assert catalog["ward"]["online_share"] == 86.36
    assert catalog["ward"]["online_full_share"] == 40.91
    assert catalog["district"]["online_share"] == 88.89
    assert catalog["district"]["online_full_share"] == 33.33


@pytest.mark.parametrize(
    ("unit", "expected_units"),
    [
        ("00343", {"00343"}),
        ("00346", {"00346"}),
        ("009", {"009", "00343", "00346"}),
        ("N00367", {"N00367"}),
        ("01", {"009", "00343", "00346", "N00367"}),
        ("00373", set()),  # a ward of 009 with no dossiers
    ],
)
def test_unit_filter(
    march: Builder, run_cli: CliRunner, unit: str, expected_units: set[str]
) -> None:
    rep = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31), unit_code=unit)
    assert set(by_unit(rep)) == expected_units
    parts = [UNITS[u][2] for u in expected_units] or [figs()]
    assert as_dict(rep.total) == total_of(*parts)
    assert rep.unit_code == unit

    code, out, _ = run_cli(
        "--json", "report", "--from", "2026-03-01", "--to", "2026-03-31", "--unit", unit
    )
    assert code == 0
    data = json.loads(out)
    assert {u["unit_code"] for u in data["units"]} == expected_units
    assert {k: data["total"][k] for k in KEYS} == {k: total_of(*parts)[k] for k in KEYS}


# --------------------------------------------------------------------------- other periods


def test_april_carries_over_what_march_left_open(march: Builder) -> None:
    rep = build_report(march.ws, date(2026, 4, 1), date(2026, 4, 30))
    assert by_unit(rep) == {
        "00343": figs(
            carried_over=9,  # A1 A5 A7 A9 A13 A16 A20 A21 A23
            received_online=1,  # A8 (00:00 on 1/4)
            resolved_early=1,  # A16: due 2/4, resolved 1/4
            withdrawn=1,  # A21
            in_progress_on_time=2,  # A9 A23 (paused)
            in_progress_overdue=6,  # A1 A5 A7 A8 A13 A20
        ),
        "00346": figs(
            carried_over=2,  # B2 B3
            in_progress_on_time=1,  # B3 (paused)
            in_progress_overdue=1,  # B2: due 22/4
        ),
        "N00367": figs(carried_over=1, in_progress_overdue=1),
    }
    check_identities(rep.total.to_json())


def test_a_single_day_period(march: Builder) -> None:
    # Sunday 1/3 alone: the period ends at 00:00 on Monday 2/3.
    rep = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 1))
    assert by_unit(rep) == {
        "00343": figs(
            carried_over=4,  # A1 A2 A5 A22 (A22 is resolved only on 2/3)
            received_online=1,  # A6 at 00:00
            in_progress_on_time=4,  # A1 (due 2/3 17:00) A2 A5 A6
            in_progress_overdue=1,  # A22 (due 26/2)
        ),
        "00346": figs(carried_over=1, in_progress_on_time=1),  # B3 paused
    }


def test_february_sees_the_dossiers_before_they_were_resolved(march: Builder) -> None:
    rep = build_report(march.ws, date(2026, 2, 1), date(2026, 2, 28))
    assert by_unit(rep) == {
        "00343": figs(
            received_direct=5,  # A1 A2 A3 A4 A22
            received_online=1,  # A5 at 23:59 on 28/2
            resolved_early=1,  # A3: due 3/3, resolved 27/2
            refused=1,  # A4
            in_progress_on_time=3,  # A1 (due 2/3) A2 (due 4/3) A5 (due 5/3)
            in_progress_overdue=1,  # A22 (due 26/2)
        ),
        # B3: received on a Tết day (20/2), waiting since 24/2 → within the deadline.
        "00346": figs(received_direct=1, in_progress_on_time=1),
    }
    check_identities(rep.to_json()["total"])


def test_an_empty_period_and_a_reversed_one(ws: Workstation) -> None:
    rep = build_report(ws, date(2026, 3, 1), date(2026, 3, 31))
    assert rep.units == []
    assert as_dict(rep.total) == figs()
    assert rep.total.on_time_rate is None
    assert rep.total.online_share is None
    with pytest.raises(ValidationError):
        build_report(ws, date(2026, 3, 31), date(2026, 3, 1))
    with pytest.raises(ValidationError) as exc_info:
        build_report(ws, date(2026, 3, 1), date(2026, 3, 31), unit_code="99999")
    assert exc_info.value.field == "unit"


def test_text_report_uses_vietnamese_number_format(march: Builder, run_cli: CliRunner) -> None:
    code, out, _ = run_cli("report", "--from", "2026-03-01", "--to", "2026-03-31")
    assert code == 0
    assert "từ ngày 01/03/2026 đến ngày 31/03/2026" in out
    assert "Tỷ lệ đúng hạn: 66,67 %" in out
    assert "tỷ lệ trực tuyến: 19,05 %" in out
    assert re.search(r"^Số liệu tính đến \d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}\.$", out, re.M)
    total_line = next(line for line in out.splitlines() if line.startswith("TỔNG CỘNG"))
    # received, online, direct+postal, carried over, resolved, early, on time, late, pending…
    assert total_line.split()[2:] == ["26", "4", "17", "5", "12", "3", "5", "4", "12", "5", "7"]
    assert format_report(build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31))) == out.rstrip(
        "\n"
    )


# --------------------------------------------------------------------------- resolution edges


IMPORT_HEADER = (
    "code,procedure_code,office_code,applicant_name,id_number,phone,channel,"
    "received_at,due_at,resolved_at,returned_at\n"
)


def test_resolution_edges_and_utc_boundaries_from_an_import(
    ws: Workstation, write_file: WriteFile
) -> None:
    due = "2026-05-05T17:00:00+07:00"
    rows = [
        # received, due, resolved, returned, channel
        ("2026-05-04T08:00:00", due, "2026-05-04T23:00:00", "", "direct"),  # early (day before)
        ("2026-05-04T08:00:00", due, "2026-05-05T07:00:00", "", "direct"),  # on time
        ("2026-05-04T08:00:00", due, "2026-05-05T10:00:00+00:00", "", "online"),  # 17:00 → on time
        ("2026-05-04T08:00:00", due, "2026-05-05T10:00:01+00:00", "", "online"),  # late
        ("2026-05-04T08:00:00", due, "", "2026-05-06T08:00:00", "postal"),  # returned → late
        # 23:59:59 VN on 31/5 (16:59:59 UTC) counts in May; 00:00 VN on 1/6 does not.
        ("2026-05-31T16:59:59+00:00", "2026-06-03T17:00:00", "", "", "online"),
        ("2026-05-31T17:00:00+00:00", "2026-06-03T17:00:00", "", "", "online"),
        # Carried over from April, still open, due in April → overdue.
        ("2026-04-28T08:00:00", "2026-04-29T17:00:00", "", "", "direct"),
        # Resolved in April → not counted in May.
        ("2026-04-28T08:00:00", "2026-04-29T17:00:00", "2026-04-30T23:59:59", "", "direct"),
        # Resolved at 00:00 on 1/5 → counted in May, late.
        ("2026-04-28T08:00:00", "2026-04-29T17:00:00", "2026-05-01T00:00:00", "", "direct"),
        # Due exactly at the end of the period (00:00 on 1/6) → still within the deadline.
        ("2026-05-04T08:00:00", "2026-06-01T00:00:00", "", "", "direct"),
    ]
    text = IMPORT_HEADER + "".join(
        f",{THREE},,Người Thứ {i},,,{ch},{rec},{d},{res},{ret}\n"
        for i, (rec, d, res, ret, ch) in enumerate(rows)
    )
    assert import_dossiers(ws, write_file("may.csv", text)).imported == len(rows)
    rep = build_report(ws, date(2026, 5, 1), date(2026, 5, 31))
    assert by_unit(rep) == {
        "00343": figs(
            carried_over=2,
            received_direct=3,
            received_online=3,
            received_postal=1,
            resolved_early=1,
            resolved_on_time=2,
            resolved_late=3,
            in_progress_on_time=2,
            in_progress_overdue=1,
        )
    }


# --------------------------------------------------------------------------- stability


def test_reporting_twice_gives_the_same_answer(march: Builder) -> None:
    first = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31)).to_json()
    second = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31)).to_json()
    assert first == second


def test_a_past_period_does_not_change_when_a_paused_dossier_resumes_later(
    march: Builder, clock: FixedClock
) -> None:
    before = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31))
    # X: due Thu 5/3; paused only on 30/3 (already overdue) and still waiting at the end of
    # March → within the deadline for March (the clock was stopped).
    x = march.add("X", vn(2026, 3, 2, 9), (W, vn(2026, 3, 30, 9)))
    with_x = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31))
    assert (
        as_dict(with_x.total)["in_progress_on_time"]
        == as_dict(before.total)["in_progress_on_time"] + 1
    )
    # Resumed on 2/4 at 09:00: 24 working hours paused → due Tue 10/3 17:00, before 1/4.
    clock.now = vn(2026, 4, 2, 9, 0)
    assert advance(march.ws, x, P, at=vn(2026, 4, 2, 9)).due_at == vn(2026, 3, 10, 17)
    after = build_report(march.ws, date(2026, 3, 1), date(2026, 3, 31))
    assert as_dict(after.total) == as_dict(with_x.total)


def test_utc_and_vietnam_instants_agree(ws: Workstation) -> None:
    # 17:00 UTC on 28/2 is 00:00 VN on 1/3: in March, not February.
    code = intake(
        ws,
        IntakeRequest(
            procedure_code=THREE,
            applicant_name="Lý Thị Quỳnh",
            received_at=datetime(2026, 2, 28, 17, 0, tzinfo=UTC),
        ),
    ).code
    assert code.endswith("-260301-1001")
    assert build_report(ws, date(2026, 2, 1), date(2026, 2, 28)).total.received == 0
    assert build_report(ws, date(2026, 3, 1), date(2026, 3, 31)).total.received_direct == 1


# --------------------------------------------------------------------------- satisfaction


def test_rating_values_are_defined_once_and_validated(ws: Workstation, clock: FixedClock) -> None:
    assert [r.value for r in Rating] == ["very_satisfied", "satisfied", "dissatisfied"]
    assert [RATING_LABELS[r] for r in Rating] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert parse_rating("Không hài lòng") is Rating.DISSATISFIED
    assert parse_rating(" SATISFIED ") is Rating.SATISFIED
    assert parse_rating("unsatisfied") is Rating.DISSATISFIED  # an early name, still read
    with pytest.raises(ValidationError):
        parse_rating("excellent")
    clock.now = vn(2026, 3, 20, 9)
    b = Builder(ws)
    code = b.add("X", vn(2026, 3, 2, 8), (R, vn(2026, 3, 3, 9)))
    with pytest.raises(TransitionError):  # not returned yet
        rate(ws, code, "satisfied")
    advance(ws, code, Status.RETURNED, at=vn(2026, 3, 3, 10), collected_by="Người nhận")
    with pytest.raises(ValidationError):  # dissatisfied needs a reason
        rate(ws, code, Rating.DISSATISFIED, "  ")
    with pytest.raises(ValidationError):
        rate(ws, code, "5 sao")
    rate(ws, code, "Không hài lòng", "Phải đi lại nhiều lần")
    with ws.db.read() as s:
        row = s.execute(
            select(DossierRow.rating, DossierRow.rating_reason).where(DossierRow.code == code)
        ).one()
        payload = s.scalars(
            select(EventRow.payload).where(EventRow.type == EventType.RATING_GIVEN.value)
        ).one()
    assert (row.rating, row.rating_reason) == ("dissatisfied", "Phải đi lại nhiều lần")
    assert json.loads(payload) == {"rating": "dissatisfied", "reason": "Phải đi lại nhiều lần"}


def test_satisfaction_figures_by_period_unit_and_procedure(
    ws: Workstation, clock: FixedClock, run_cli: CliRunner
) -> None:
    b = Builder(ws)
    clock.now = vn(2026, 3, 20, 9)

    def returned(name: str, day: int, **kw: Any) -> str:
        return b.add(
            name,
            vn(2026, 3, 2, 8),
            (R, vn(2026, 3, day, 9)),
            (Status.RETURNED, vn(2026, 3, day, 10)),
            **kw,
        )

    a = [returned(f"A{i}", 3 + i) for i in range(5)]
    bb = returned("B0", 4, office=OFFICE_B, procedure=TWENTY)
    late = returned("L0", 5)
    clock.now = vn(2026, 3, 20, 9)
    rate(ws, a[0], "very_satisfied")
    rate(ws, a[1], "very_satisfied")
    rate(ws, a[2], "satisfied")
    rate(ws, a[3], "satisfied")
    rate(ws, a[3], "dissatisfied", "Thái độ")  # rated again: counted once, latest rating
    rate(ws, bb, "satisfied")
    clock.now = vn(2026, 4, 2, 9)
    rate(ws, late, "very_satisfied")  # recorded in April: not March's
    rep = build_report(ws, date(2026, 3, 1), date(2026, 3, 31))
    t = rep.total
    assert (t.rated_very_satisfied, t.rated_satisfied, t.rated_dissatisfied) == (2, 2, 1)
    assert (t.rated, t.satisfaction_rate) == (5, 80.0)
    data = rep.to_json()["total"]
    assert (data["rated"], data["satisfaction_rate"]) == (5, 80.0)
    by = {u.unit_code: u.figures for u in rep.units}
    assert (by["00343"].rated_satisfied, by["00346"].rated_satisfied) == (1, 1)
    assert rep.units[0].by_field["Hộ tịch"].rated == 4
    one = build_report(ws, date(2026, 3, 1), date(2026, 3, 31), procedure_code=TWENTY).total
    assert (one.rated, one.rated_satisfied) == (1, 1)
    ward_b = build_report(ws, date(2026, 3, 1), date(2026, 3, 31), unit_code="00346").total
    assert ward_b.rated == 1
    april = build_report(ws, date(2026, 4, 1), date(2026, 4, 30)).total
    assert (april.rated, april.rated_very_satisfied, april.satisfaction_rate) == (1, 1, 100.0)
    # JSON round trip (the district server's answer), and a server without these figures.
    assert Report.from_json(rep.to_json()).total == rep.total
    old = rep.to_json()
    for key in ("rated_very_satisfied", "rated_satisfied", "rated_dissatisfied"):
        del old["total"][key]
    assert Report.from_json(old).total.rated == 0
    text = format_report(rep)
    assert "Mức độ hài lòng: Rất hài lòng: 2 (40,00 %); Hài lòng: 2 (40,00 %)" in text
    assert "Không hài lòng: 1 (20,00 %); tỷ lệ hài lòng: 80,00 % trên 5 lượt đánh giá." in text
    # The CLI records a rating too.
    code, out, err = run_cli("rate", a[4], "--rating", "satisfied")
    assert (code, err) == (0, ""), err
    assert "Hài lòng" in out
    code, _out, err = run_cli("rate", a[4], "--rating", "dissatisfied")
    assert code != 0
    assert "lý do" in err
    with ws.db.read() as s:
        stored = s.scalar(select(DossierRow.rating).where(DossierRow.code == a[4]))
    assert stored == "satisfied"
