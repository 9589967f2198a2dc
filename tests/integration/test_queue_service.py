"""The ticket queue's service (issue #5) on the workstation's own SQLite database."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.queue import PriorityPolicy, QueueConfig, TicketStatus
from onestop_desktop.errors import UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import LocalQueue, stats, stats_of, ticket_of
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import QueueTicketRow
from tests.conftest import TEMPLATE_OFFICE, CliRunner, FixedClock, vn

OFFICE = TEMPLATE_OFFICE


@pytest.fixture
def q(ws: Workstation, clock: FixedClock) -> LocalQueue:
    clock.now = vn(2026, 3, 2, 7, 30)
    return LocalQueue(ws.db, OFFICE, clock=clock, clerk="an")


def test_numbers_per_group_prefix_restart_each_business_day(
    q: LocalQueue, clock: FixedClock
) -> None:
    a = q.issue("ho_tich")
    b = q.issue("ho_tich")
    c = q.issue("chung_thuc")
    assert [a.number, b.number, c.number] == ["1001", "1002", "2001"]
    assert (a.people_ahead, b.people_ahead, c.people_ahead) == (0, 1, 0)
    assert b.wait_minutes == 5  # one person ahead, default 5 minutes, one counter
    # 23:59 in Vietnam is still the same day; 00:01 starts a new one.
    clock.now = vn(2026, 3, 2, 23, 59)
    assert q.issue("ho_tich").number == "1003"
    clock.now = vn(2026, 3, 3, 0, 1)
    fresh = q.issue("ho_tich")
    assert fresh.number == "1001"
    assert fresh.people_ahead == 0  # yesterday's waiting tickets are not ahead
    assert str(fresh.day) == "2026-03-03"


def test_call_next_in_issue_order_and_nobody_waiting(q: LocalQueue, clock: FixedClock) -> None:
    first = q.issue("ho_tich")
    clock.now += timedelta(minutes=1)
    second = q.issue("chung_thuc")
    got = q.call_next(3)
    assert got is not None
    assert (got.id, got.status, got.counter, got.clerk) == (first.id, "called", 3, "an")
    clock.now += timedelta(minutes=4)
    got2 = q.call_next(3)  # moving on finishes the first
    assert got2 is not None
    assert got2.id == second.id
    assert q.call_next(3) is None
    st = q.status()
    assert st.served == 2
    assert st.waiting["ho_tich"] == 0
    figures = q.stats(st.day, st.day).total
    assert figures.tickets == 2
    assert figures.served == 2
    assert figures.avg_wait_s == pytest.approx((60 + 4 * 60) / 2)  # first waited 1 min, second 4


def test_counter_groups_and_strict_priority(q: LocalQueue) -> None:
    cfg = QueueConfig().with_counter_groups(2, ["chung_thuc"])
    q.save_config(cfg)
    q.issue("ho_tich")
    ordinary = q.issue("chung_thuc")
    prio = q.issue("chung_thuc", priority=True)
    assert prio.people_ahead == 0
    got = q.call_next(2)
    assert got is not None
    assert got.id == prio.id
    got = q.call_next(2)
    assert got is not None
    assert got.id == ordinary.id
    assert q.call_next(2) is None  # counter 2 does not serve Hộ tịch


def test_interleaved_priority_one_per_n(q: LocalQueue) -> None:
    from dataclasses import replace

    q.save_config(replace(QueueConfig(), policy=PriorityPolicy.INTERLEAVE, interleave_every=2))
    plain = [q.issue("ho_tich") for _ in range(4)]
    prio = [q.issue("ho_tich", priority=True) for _ in range(2)]
    order = []
    for _ in range(6):
        t = q.call_next(1)
        assert t is not None
        order.append(t.id)
    assert order == [
        plain[0].id,
        plain[1].id,
        prio[0].id,
        plain[2].id,
        plain[3].id,
        prio[1].id,
    ]


def test_recall_hold_resume_skip_transfer_finish(q: LocalQueue, clock: FixedClock) -> None:
    a = q.issue("ho_tich")
    b = q.issue("ho_tich")
    t = q.call_next(1)
    assert t is not None
    assert t.id == a.id
    assert q.recall(a.id, 1).recalls == 1
    with pytest.raises(UserError, match="không còn ở quầy 2"):
        q.recall(a.id, 2)
    assert q.hold(a.id, 1).status == TicketStatus.HELD
    t = q.call_next(1)
    assert t is not None
    assert t.id == b.id
    back = q.resume(a.id, 1)  # b is finished, a is served again
    assert back.status == "called"
    st = q.status()
    assert st.serving[1].id == a.id
    assert st.served == 1
    moved = q.transfer(a.id, 1, to_counter=4)
    assert (moved.status, moved.target_counter, moved.transfers) == ("waiting", 4, 1)
    assert q.call_next(1) is None  # reserved for counter 4
    got = q.call_next(4)
    assert got is not None
    assert got.id == a.id
    done = q.finish(a.id, 4)
    assert done.status == "done"
    assert done.finished_at == clock.now
    c = q.issue("ho_tich")
    q.call_next(1)
    assert q.skip(c.id, 1).status == "no_show"
    with pytest.raises(UserError):
        q.transfer(c.id, 1, to_counter=4)  # a no-show is closed


def test_transfer_to_group_keeps_its_place(q: LocalQueue, clock: FixedClock) -> None:
    early = q.issue("ho_tich")
    clock.now += timedelta(minutes=1)
    later = q.issue("chung_thuc")
    q.call_next(1)
    q.transfer(early.id, 1, to_group="chung_thuc")
    got = q.call_next(2, groups=["chung_thuc"])
    assert got is not None
    assert got.id == early.id
    assert got.group_name == "Chứng thực"
    assert later.id != got.id


def test_bad_input_names_the_field(q: LocalQueue) -> None:
    with pytest.raises(ValidationError) as err:
        q.issue("khong_co")
    assert err.value.field == "service"
    with pytest.raises(ValidationError, match="Tiền tố"):
        QueueConfig.from_json('{"groups": [{"code": "a", "name": "A", "prefix": "12"}]}')


def test_changes_follow_the_change_number(q: LocalQueue) -> None:
    start = q.changes(0)
    a = q.issue("ho_tich")
    ch = q.changes(start.rev)
    assert [t.id for t in ch.tickets] == [a.id]
    assert ch.rev == a.rev
    q.call_next(1)
    ch2 = q.changes(ch.rev)
    assert [t.status for t in ch2.tickets] == ["called"]
    assert q.changes(ch2.rev).tickets == []


def test_walk_in_linked_dossier_and_statistics(ws: Workstation, q: LocalQueue) -> None:
    w = q.walk_in(2, "chung_thuc")
    assert w.number == "L2-001"
    assert w.status == "called"
    assert w.origin == "local"
    q.link_dossier(w.id, "dossier-1")
    q.finish(w.id, 2)
    with ws.db.read() as s:
        st = stats(s, office_codes=[OFFICE], date_from=w.day, date_to=w.day)
    assert st.total.linked_dossiers == 1
    assert [f.key for f in st.by_counter] == ["2"]
    assert [f.key for f in st.by_clerk] == ["an"]
    assert [f.key for f in st.by_group] == ["Chứng thực"]


def test_cli_config_file_sets_groups_and_refuses_bad_files(
    run_cli: CliRunner, write_file: Callable[[str, str], Path]
) -> None:
    good = write_file(
        "queue.json",
        '{"groups": [{"code": "ht", "name": "Hộ tịch", "prefix": "7", "fields": ["Hộ tịch"]}],'
        ' "policy": "interleave", "interleave_every": 2}',
    )
    code, out, err = run_cli("--json", "queue", "config", "--file", str(good))
    assert code == 0, err
    assert json.loads(out)["policy"] == "interleave"
    code, out, err = run_cli("--json", "queue", "issue", "--service", "ht")
    assert code == 0, err
    assert json.loads(out)["ticket"]["number"] == "7001"
    bad = write_file("bad.json", '{"groups": [{"code": "x", "name": "X", "prefix": "AB"}]}')
    code, out, err = run_cli("queue", "config", "--file", str(bad))
    assert code == 1
    assert "bad.json" in err
    assert "Tiền tố" in err
    code, out, err = run_cli("--json", "queue", "call", "--counter", "2")
    assert (code, json.loads(out)["ticket"]["number"]) == (0, "7001")
    code, out, err = run_cli("--json", "queue", "call", "--counter", "2")
    assert (code, json.loads(out)) == (0, {"ticket": None})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, ws: Workstation) -> Iterator[Database]:
    """The workstation's SQLite database, or a fresh PostgreSQL server database."""
    if request.param == "sqlite":
        yield ws.db
        return
    from onestop_desktop.services.server_setup import prepare_server
    from tests.integration._server import pg_database

    for url in pg_database():
        db = Database.open(url)
        try:
            prepare_server(db)
            yield db
        finally:
            db.dispose()


def test_statistics_in_sql_equal_the_tickets_own(any_db: Database, clock: FixedClock) -> None:
    """The aggregates computed by the database match the same figures computed over the
    tickets in Python, for every breakdown, on both stores."""
    rng = random.Random(11)  # noqa: S311 - test data
    q = LocalQueue(any_db, OFFICE, clock=clock, clerk="an")
    for day in (2, 3):
        clock.now = vn(2026, 3, day, 7, 30)
        for _ in range(40):
            clock.now += timedelta(seconds=rng.randrange(20, 200))
            q.issue(
                rng.choice(["ho_tich", "chung_thuc", "ho_kinh_doanh"]), priority=rng.random() < 0.2
            )
        for _ in range(34):
            clock.now += timedelta(seconds=rng.randrange(30, 400))
            counter = rng.randrange(1, 4)
            q.clerk = f"clerk{counter}"
            t = q.call_next(counter)
            assert t is not None
            roll = rng.random()
            if roll < 0.1:
                q.skip(t.id, counter)
            elif roll < 0.2:
                q.hold(t.id, counter)
            elif roll < 0.3:
                q.link_dossier(t.id, f"d-{t.number}")
    with any_db.read() as s:
        tickets = [ticket_of(r) for r in s.scalars(select(QueueTicketRow))]
        in_sql = stats(
            s, office_codes=[OFFICE], date_from=date(2026, 3, 2), date_to=date(2026, 3, 3)
        )
    in_python = stats_of(tickets, date_from=date(2026, 3, 2), date_to=date(2026, 3, 3))
    for part in ("by_day", "by_group", "by_counter", "by_clerk"):
        assert len(getattr(in_sql, part)) == len(getattr(in_python, part))
    pairs = [(in_sql.total, in_python.total)]
    for part in ("by_day", "by_group", "by_counter", "by_clerk"):
        pairs += list(zip(getattr(in_sql, part), getattr(in_python, part), strict=True))
    for got, want in pairs:
        assert got.key == want.key
        assert (got.tickets, got.called, got.served, got.no_shows, got.waiting) == (
            want.tickets,
            want.called,
            want.served,
            want.no_shows,
            want.waiting,
        )
        assert got.linked_dossiers == want.linked_dossiers
        for name in ("avg_wait_s", "max_wait_s", "avg_service_s"):
            expected = getattr(want, name)
            if expected is None:
                assert getattr(got, name) is None, name
            else:
                assert getattr(got, name) == pytest.approx(expected, abs=0.01), name
    assert in_sql.total.tickets == 80
    assert [f.key for f in in_sql.by_counter] == ["1", "2", "3"]


def test_changes_page_through_every_day_without_losing_a_ticket(
    ws: Workstation, q: LocalQueue, clock: FixedClock
) -> None:
    from onestop_desktop.services.queue import changes

    for _ in range(3):
        q.issue("ho_tich")
    clock.now += timedelta(days=1)
    for _ in range(3):
        q.issue("chung_thuc")
    q.call_next(1)
    q.call_next(1)  # one change number for two tickets: the first finished, the next called
    with ws.db.read() as s:
        whole = {t.id: t for t in changes(s, OFFICE, 0, clock.now, all_days=True).tickets}
        assert len(whole) == 6
        for limit in (1, 2, 4):
            since, seen, more = 0, {}, True
            while more:
                page = changes(s, OFFICE, since, clock.now, all_days=True, limit=limit)
                seen.update({t.id: t for t in page.tickets})
                since, more = page.rev, page.more
            assert seen == whole, limit
        assert len(changes(s, OFFICE, 0, clock.now).tickets) == 3  # today's only


def test_bad_counter_or_group_is_refused_and_nothing_is_written(q: LocalQueue) -> None:
    q.issue("ho_tich")
    before = q.changes(0).rev
    with pytest.raises(ValidationError) as err:
        q.call_next(0)
    assert err.value.field == "counter"
    with pytest.raises(ValidationError) as err:
        q.call_next(1, groups=["khong_co"])
    assert err.value.field == "service"
    with pytest.raises(ValidationError):
        q.walk_in(1000, "ho_tich")
    assert q.changes(0).rev == before  # no change number taken, no ticket touched
    assert q.status().waiting["ho_tich"] == 1
