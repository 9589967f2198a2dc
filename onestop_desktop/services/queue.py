"""The ticket queue of an office (issue #5): issue, call next, recall, skip, hold, resume,
transfer, finish, link to a dossier; the day's status and statistics.

Every operation is one transaction over one office's queue and starts by bumping the office's
change number (``queue_offices.rev``): a row lock on PostgreSQL and the write lock on SQLite, so
operations on one office run one after the other and two counters pressing "call next" at the
same instant never get the same ticket. Every ticket it touches takes the new number, which is
how clients follow the queue (:func:`changes`).

The same functions serve the office's server (the shared queue) and a workstation with no server
(its own queue), through :class:`LocalQueue`; ``services.queue_remote`` is the same interface over
the server's API.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, case, func, select, union_all, update
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import business_date
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.ids import new_id
from onestop_desktop.domain.queue import (
    STATUS_LABELS,
    QueueConfig,
    Ticket,
    TicketStatus,
    estimate_wait_minutes,
    format_number,
    pick_next,
)
from onestop_desktop.errors import NotFoundError, UserError
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import QueueNumberRow, QueueOfficeRow, QueueTicketRow

CONFIG_KEY = "queue.config"
MAX_COUNTER = 999  # counter numbers are 1..999 (the server's API and the page say the same)
RECENT_SERVICES = 20  # the wait estimate averages the group's last 20 services
LOCAL_PREFIX = "L"  # walk-ins served offline: L<counter>-<n>

_T = TypeVar("_T")

_TICKETS = cast(Table, QueueTicketRow.__table__)
_OFFICES = cast(Table, QueueOfficeRow.__table__)
_NUMBERS = cast(Table, QueueNumberRow.__table__)


# --------------------------------------------------------------------------- configuration


def load_config(s: Session, office_code: str) -> QueueConfig:
    """The office's queue configuration (the office's own, else the default one)."""
    own = f"{CONFIG_KEY}.{office_code}"
    values = repo.get_settings(s, own, CONFIG_KEY)
    stored = values.get(own) or values.get(CONFIG_KEY)
    return QueueConfig.from_json(stored) if stored else QueueConfig()


def save_config(s: Session, office_code: str, config: QueueConfig) -> None:
    """Store the office's queue configuration."""
    repo.set_setting(s, f"{CONFIG_KEY}.{office_code}", config.to_json())


def configure(db: Database, office_code: str, path: Path | None) -> QueueConfig:
    """Set the office's configuration from a JSON file (``None``: leave it), return it.

    The file has the form of :meth:`QueueConfig.to_json`: ``groups`` (code, name, one-character
    prefix, procedure fields), ``policy`` (``strict`` or ``interleave``), ``interleave_every``,
    ``counters`` (``{"3": ["ho_tich"]}``), ``service_minutes``, ``self_declared_priority``.
    """
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UserError(f"Không đọc được tệp cấu hình hàng chờ {path}: {exc}") from exc
        try:
            config = QueueConfig.from_json(text)
        except ValidationError as exc:
            raise UserError(f"Tệp {path}: {exc}") from exc
        with db.write() as s:
            save_config(s, office_code, config)
    with db.read() as s:
        return load_config(s, office_code)


# --------------------------------------------------------------------------- operations


def issue(
    s: Session, *, office_code: str, group_code: str, priority: bool, now: datetime
) -> Ticket:
    """Give the next number of ``group_code`` for today; the ticket knows the people ahead and
    an estimated wait."""
    config = load_config(s, office_code)
    group = config.group(group_code)
    rev = _bump(s, office_code)
    day = business_date(now)
    seq = _next_number(s, office_code, day, group.prefix)
    ahead_q = select(func.count()).where(
        QueueTicketRow.office_code == office_code,
        QueueTicketRow.day == day,
        QueueTicketRow.status == TicketStatus.WAITING,
        QueueTicketRow.group_code == group_code,
        QueueTicketRow.target_counter.is_(None),
    )
    if priority:
        ahead_q = ahead_q.where(QueueTicketRow.priority.is_(True))
    ahead = int(s.scalar(ahead_q) or 0)
    wait = estimate_wait_minutes(
        ahead,
        _service_seconds(s, office_code, day, group_code, config),
        _counters_serving(config, group_code),
    )
    row = QueueTicketRow(
        id=new_id(),
        office_code=office_code,
        day=day,
        group_code=group.code,
        group_name=group.name,
        prefix=group.prefix,
        seq=seq,
        number=format_number(group.prefix, seq),
        priority=priority,
        status=TicketStatus.WAITING,
        issued_at=now,
        recalls=0,
        transfers=0,
        rev=rev,
        origin="server",
        people_ahead=ahead,
        wait_minutes=wait,
    )
    s.add(row)
    s.flush()
    return _ticket(row)


def call_next(
    s: Session,
    *,
    office_code: str,
    counter: int,
    clerk: str | None,
    now: datetime,
    groups: Sequence[str] | None = None,
) -> Ticket | None:
    """Call the next ticket for ``counter`` (its groups, priority by the office's rule), or
    ``None`` when nobody waits. The counter's current ticket, if still called, is finished."""
    config = load_config(s, office_code)
    check_counter(counter)
    wanted = list(groups) if groups else list(config.groups_of(counter))
    for code in wanted:
        config.group(code)  # an unknown group is refused by name
    rev, others = _bump_state(s, office_code)
    day = business_date(now)
    _finish_current(s, office_code, day, counter, now, rev)
    waiting = _candidates(s, office_code, day, counter, wanted)
    chosen = pick_next(
        waiting,
        counter=counter,
        groups=wanted,
        policy=config.policy,
        interleave_every=config.interleave_every,
        others_since_priority=others,
    )
    if chosen is None:
        return None
    s.execute(
        update(QueueOfficeRow)
        .where(QueueOfficeRow.office_code == office_code)
        .values(others_since_priority=0 if chosen.priority else others + 1)
    )
    row = _row(s, chosen.id)
    row.status = TicketStatus.CALLED
    row.called_at = row.called_at or now
    row.counter_number = counter
    row.clerk = clerk
    row.target_counter = None
    row.rev = rev
    s.flush()
    return _ticket(row)


def recall(s: Session, *, office_code: str, ticket_id: str, counter: int) -> Ticket:
    """Call the counter's ticket again (the display announces it once more)."""
    return _change(s, office_code, ticket_id, counter, _CALLED, recalls=lambda r: r.recalls + 1)


def skip(s: Session, *, office_code: str, ticket_id: str, counter: int, now: datetime) -> Ticket:
    """The citizen did not come: the ticket ends as a no-show."""
    return _change(
        s,
        office_code,
        ticket_id,
        counter,
        _AT_COUNTER,
        status=TicketStatus.NO_SHOW,
        finished_at=now,
    )


def hold(s: Session, *, office_code: str, ticket_id: str, counter: int) -> Ticket:
    """Put the counter's ticket aside (the citizen fetches a paper); the counter may call on."""
    return _change(s, office_code, ticket_id, counter, _CALLED, status=TicketStatus.HELD)


def resume(s: Session, *, office_code: str, ticket_id: str, counter: int, now: datetime) -> Ticket:
    """Serve a held ticket again at its counter (the current one, if any, is finished)."""
    rev = _bump(s, office_code)
    row = _mine(s, office_code, ticket_id, counter, (TicketStatus.HELD,))
    _finish_current(s, office_code, row.day, counter, now, rev)
    row.status = TicketStatus.CALLED
    row.recalls += 1
    row.rev = rev
    s.flush()
    return _ticket(row)


def transfer(
    s: Session,
    *,
    office_code: str,
    ticket_id: str,
    counter: int,
    to_counter: int | None = None,
    to_group: str | None = None,
) -> Ticket:
    """Send the counter's ticket to another counter or group; it waits there with its original
    issue time (it is served before those who came later)."""
    if (to_counter is None) == (to_group is None):
        raise UserError("Chọn một quầy hoặc một nhóm dịch vụ để chuyển đến.")
    if to_counter is not None and to_counter == counter:
        raise UserError(f"Phiếu đang ở quầy {counter}; hãy chọn quầy khác.")
    moved: dict[str, Any] = {}
    if to_group is not None:
        group = load_config(s, office_code).group(to_group)
        moved = {"group_code": group.code, "group_name": group.name}
    return _change(
        s,
        office_code,
        ticket_id,
        counter,
        _AT_COUNTER,
        status=TicketStatus.WAITING,
        target_counter=to_counter,
        transfers=lambda r: r.transfers + 1,
        **moved,
    )


def finish(s: Session, *, office_code: str, ticket_id: str, counter: int, now: datetime) -> Ticket:
    """The counter is done with the ticket."""
    return _change(
        s, office_code, ticket_id, counter, _AT_COUNTER, status=TicketStatus.DONE, finished_at=now
    )


def link_dossier(s: Session, *, office_code: str, ticket_id: str, dossier_id: str) -> Ticket:
    """Record that the dossier was received from this ticket (waiting and serving times)."""
    rev = _bump(s, office_code)
    row = _row(s, ticket_id)
    if row.office_code != office_code:
        raise NotFoundError(f"Không có phiếu {ticket_id} ở đơn vị này.")
    row.dossier_id = dossier_id
    row.rev = rev
    s.flush()
    return _ticket(row)


def walk_in(
    s: Session, *, office_code: str, counter: int, clerk: str | None, group_code: str, now: datetime
) -> Ticket:
    """Serve a citizen without the shared queue (its server out of reach): a local ticket
    ``L<counter>-<n>``, already called at this counter, uploaded when the server is back."""
    check_counter(counter)
    group = load_config(s, office_code).group(group_code)
    rev = _bump(s, office_code)
    day = business_date(now)
    prefix = f"{LOCAL_PREFIX}{counter}"
    _finish_current(s, office_code, day, counter, now, rev)
    seq = _next_number(s, office_code, day, prefix)
    row = QueueTicketRow(
        id=new_id(),
        office_code=office_code,
        day=day,
        group_code=group.code,
        group_name=group.name,
        prefix=prefix,
        seq=seq,
        number=f"{prefix}-{seq:03d}",
        priority=False,
        status=TicketStatus.CALLED,
        issued_at=now,
        called_at=now,
        counter_number=counter,
        clerk=clerk,
        recalls=0,
        transfers=0,
        rev=rev,
        origin="local",
    )
    s.add(row)
    s.flush()
    return _ticket(row)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Changes:
    """The tickets changed after a change number, and the office's number now."""

    rev: int
    tickets: list[Ticket]
    day: date
    more: bool = False  # a page of a longer list: ask again from ``rev``

    def to_json(self) -> dict[str, Any]:
        """The API body."""
        return {
            "rev": self.rev,
            "day": self.day.isoformat(),
            "tickets": [t.to_json() for t in self.tickets],
            "more": self.more,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Changes:
        """The inverse of :meth:`to_json`."""
        return cls(
            rev=int(raw["rev"]),
            day=date.fromisoformat(str(raw["day"])),
            tickets=[Ticket.from_json(t) for t in raw.get("tickets", [])],
            more=bool(raw.get("more", False)),
        )


def current_rev(s: Session, office_code: str) -> int:
    """The office's change number (0 before its first ticket)."""
    return int(
        s.scalar(select(QueueOfficeRow.rev).where(QueueOfficeRow.office_code == office_code)) or 0
    )


def changes(
    s: Session,
    office_code: str,
    since: int,
    now: datetime,
    *,
    all_days: bool = False,
    limit: int | None = None,
) -> Changes:
    """Today's tickets changed after ``since`` (all of today's when ``since`` is 0); with
    ``all_days``, those of every day (a workstation's mirror for its reports), at most
    ``limit`` at a time (``more`` says to ask again from the returned ``rev``)."""
    day = business_date(now)
    # The number first, then the tickets up to it: on PostgreSQL each statement sees the
    # commits made before it started, so a write committing between the two statements is
    # left for the next call instead of being skipped by a number read after it.
    rev = current_rev(s, office_code)
    if since > rev:
        since = 0  # a client ahead of the server (restored from a backup): send it all again
    query = (
        select(QueueTicketRow)
        .where(
            QueueTicketRow.office_code == office_code,
            QueueTicketRow.rev > since,
            QueueTicketRow.rev <= rev,
        )
        .order_by(QueueTicketRow.rev)
    )
    if not all_days:
        query = query.where(QueueTicketRow.day == day)
    if limit is None:
        return Changes(rev=rev, tickets=[_ticket(r) for r in s.scalars(query)], day=day)
    found = [_ticket(r) for r in s.scalars(query.limit(limit + 1))]
    if len(found) <= limit:
        return Changes(rev=rev, tickets=found, day=day)
    # A page ends on a change number boundary: the tickets of one number come together (a
    # call finishes one ticket and calls the next under the same number).
    page, last = found[:limit], found[limit - 1].rev
    if found[limit].rev == last:
        rest = s.scalars(query.where(QueueTicketRow.rev == last))
        page = [t for t in page if t.rev < last] + [_ticket(r) for r in rest]
    return Changes(rev=last, tickets=page, day=day, more=True)


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """The day's queue as the counter page, the display and ``onestop queue status`` show it."""

    office_code: str
    day: date
    rev: int
    waiting: dict[str, int]  # per group code (every configured group, 0 included)
    waiting_priority: int
    serving: dict[int, Ticket]  # per counter: its called ticket
    held: list[Ticket]
    recent_calls: list[Ticket]  # newest first
    issued: int
    served: int
    no_shows: int

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``onestop queue status --json``)."""
        return {
            "office_code": self.office_code,
            "day": self.day.isoformat(),
            "rev": self.rev,
            "waiting": self.waiting,
            "waiting_total": sum(self.waiting.values()),
            "waiting_priority": self.waiting_priority,
            "serving": {str(k): t.to_json() for k, t in sorted(self.serving.items())},
            "held": [t.to_json() for t in self.held],
            "recent_calls": [t.to_json() for t in self.recent_calls],
            "issued": self.issued,
            "served": self.served,
            "no_shows": self.no_shows,
        }


def status_of(
    tickets: Iterable[Ticket], *, office_code: str, day: date, rev: int, config: QueueConfig
) -> QueueStatus:
    """The day's status from its tickets (also used by clients over their mirror)."""
    today = [t for t in tickets if t.day == day]
    waiting = {g.code: 0 for g in config.groups}
    prio = 0
    serving: dict[int, Ticket] = {}
    held: list[Ticket] = []
    for t in today:
        if t.status == TicketStatus.WAITING:
            waiting[t.group_code] = waiting.get(t.group_code, 0) + 1
            prio += t.priority
        elif t.status == TicketStatus.CALLED and t.counter is not None:
            best = serving.get(t.counter)
            if best is None or (t.called_at or t.issued_at) >= (best.called_at or best.issued_at):
                serving[t.counter] = t
        elif t.status == TicketStatus.HELD:
            held.append(t)
    called = [t for t in today if t.called_at is not None]
    called.sort(key=lambda t: (t.called_at, t.rev), reverse=True)
    return QueueStatus(
        office_code=office_code,
        day=day,
        rev=rev,
        waiting=waiting,
        waiting_priority=prio,
        serving=serving,
        held=sorted(held, key=lambda t: t.issued_at),
        recent_calls=called[:10],
        issued=sum(1 for t in today if t.origin == "server"),
        served=sum(1 for t in today if t.status == TicketStatus.DONE),
        no_shows=sum(1 for t in today if t.status == TicketStatus.NO_SHOW),
    )


def status(s: Session, office_code: str, now: datetime) -> QueueStatus:
    """The office's queue today."""
    day = business_date(now)
    return status_of(
        _tickets(s, office_code, day),
        office_code=office_code,
        day=day,
        rev=current_rev(s, office_code),
        config=load_config(s, office_code),
    )


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Tickets, waiting time (issued → called), service time (called → finished), no-shows."""

    key: str
    tickets: int
    called: int
    served: int
    no_shows: int
    waiting: int  # still waiting (or held) at the end of the period
    avg_wait_s: float | None
    max_wait_s: float | None
    avg_service_s: float | None
    linked_dossiers: int

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (seconds rounded)."""
        return {
            "key": self.key,
            "tickets": self.tickets,
            "called": self.called,
            "served": self.served,
            "no_shows": self.no_shows,
            "waiting": self.waiting,
            "avg_wait_s": None if self.avg_wait_s is None else round(self.avg_wait_s),
            "max_wait_s": None if self.max_wait_s is None else round(self.max_wait_s),
            "avg_service_s": None if self.avg_service_s is None else round(self.avg_service_s),
            "linked_dossiers": self.linked_dossiers,
        }


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Queue statistics over a period, with breakdowns per day, group, counter and clerk."""

    date_from: date
    date_to: date
    total: QueueFigures
    by_day: list[QueueFigures] = field(default_factory=list)
    by_group: list[QueueFigures] = field(default_factory=list)
    by_counter: list[QueueFigures] = field(default_factory=list)
    by_clerk: list[QueueFigures] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "total": self.total.to_json(),
            "by_day": [f.to_json() for f in self.by_day],
            "by_group": [f.to_json() for f in self.by_group],
            "by_counter": [f.to_json() for f in self.by_counter],
            "by_clerk": [f.to_json() for f in self.by_clerk],
        }


def stats(
    s: Session, *, office_codes: Sequence[str] | None, date_from: date, date_to: date
) -> QueueStats:
    """Queue statistics of the offices (``None``: every office held) over [from, to].

    One aggregate query at the finest grain (day, group, counter, clerk) — a district's year
    is a few hundred thousand tickets — rolled up here into the total and each breakdown; the
    same figures as :func:`stats_of` over the tickets themselves (tested on both stores).
    """
    t = QueueTicketRow
    where = [t.day >= date_from, t.day <= date_to]
    if office_codes is not None:
        where.append(t.office_code.in_(list(office_codes)))
    dialect = s.get_bind().dialect.name
    wait = _seconds(dialect, t.called_at, t.issued_at)
    served = t.status == TicketStatus.DONE
    service = case((served, _seconds(dialect, t.finished_at, t.called_at)))

    def one(n: Any) -> Any:
        return func.coalesce(func.sum(case((n, 1), else_=0)), 0)

    keys = (t.day, t.group_code, t.counter_number, t.clerk)
    rows = s.execute(
        select(
            *keys,
            func.max(t.group_name),
            func.count(),
            func.count(t.called_at),
            one(served),
            one(t.status == TicketStatus.NO_SHOW),
            one(t.status.in_([TicketStatus.WAITING, TicketStatus.HELD])),
            func.sum(wait),
            func.max(wait),
            func.sum(service),
            func.count(service),
            func.count(t.dossier_id),
        )
        .where(*where)
        .group_by(*keys)
    ).all()
    names = {r[1]: r[4] for r in rows}

    def split(index: int | None) -> list[QueueFigures]:
        parts: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            k = "total" if index is None else r[index]
            if k is not None:
                parts[_key_text(k)].append(r[5:])
        return sorted((_rolled_up(k, v) for k, v in parts.items()), key=lambda f: _natural(f.key))

    total = split(None)
    return QueueStats(
        date_from=date_from,
        date_to=date_to,
        total=total[0] if total else _rolled_up("total", []),
        by_day=split(0),
        by_group=[replace(f, key=names.get(f.key) or f.key) for f in split(1)],
        by_counter=split(2),
        by_clerk=split(3),
    )


def _seconds(dialect: str, later: Any, earlier: Any) -> Any:
    """Seconds between two instants, in SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _key_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _rolled_up(key: str, parts: Sequence[Sequence[Any]]) -> QueueFigures:
    """QueueFigures from the aggregate rows of :func:`stats` that make up one key."""

    def total(i: int) -> int:
        return sum(int(p[i] or 0) for p in parts)

    def seconds(v: object) -> float:
        return float(str(v)) if v is not None else 0.0

    called, served_n = total(1), total(8)
    waits = sum(seconds(p[5]) for p in parts)
    services = sum(seconds(p[7]) for p in parts)
    longest = [seconds(p[6]) for p in parts if p[6] is not None]
    return QueueFigures(
        key=key,
        tickets=total(0),
        called=called,
        served=total(2),
        no_shows=total(3),
        waiting=total(4),
        avg_wait_s=round(waits / called, 3) if called else None,
        max_wait_s=round(max(longest), 3) if longest else None,
        avg_service_s=round(services / served_n, 3) if served_n else None,
        linked_dossiers=total(9),
    )


def stats_of(tickets: Sequence[Ticket], *, date_from: date, date_to: date) -> QueueStats:
    """The statistics of a set of tickets (pure)."""
    groups: dict[str, str] = {t.group_code: t.group_name for t in tickets}

    def split(key: Any) -> list[QueueFigures]:
        parts: dict[str, list[Ticket]] = defaultdict(list)
        for t in tickets:
            k = key(t)
            if k is not None:
                parts[str(k)].append(t)
        return [_figures(k, parts[k]) for k in sorted(parts, key=_natural)]

    by_group = split(lambda t: t.group_code)
    return QueueStats(
        date_from=date_from,
        date_to=date_to,
        total=_figures("total", tickets),
        by_day=split(lambda t: t.day.isoformat()),
        by_group=[replace(f, key=groups.get(f.key, f.key)) for f in by_group],
        by_counter=split(lambda t: t.counter),
        by_clerk=split(lambda t: t.clerk),
    )


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 30, key)


def _figures(key: str, tickets: Sequence[Ticket]) -> QueueFigures:
    waits = [
        (t.called_at - t.issued_at).total_seconds() for t in tickets if t.called_at is not None
    ]
    services = [
        (t.finished_at - t.called_at).total_seconds()
        for t in tickets
        if t.status == TicketStatus.DONE and t.finished_at and t.called_at
    ]
    counts = Counter(t.status for t in tickets)
    return QueueFigures(
        key=key,
        tickets=len(tickets),
        called=len(waits),
        served=counts[TicketStatus.DONE],
        no_shows=counts[TicketStatus.NO_SHOW],
        waiting=counts[TicketStatus.WAITING] + counts[TicketStatus.HELD],
        avg_wait_s=sum(waits) / len(waits) if waits else None,
        max_wait_s=max(waits) if waits else None,
        avg_service_s=sum(services) / len(services) if services else None,
        linked_dossiers=sum(1 for t in tickets if t.dossier_id),
    )


# --------------------------------------------------------------------------- sync of walk-ins


def pending_uploads(s: Session, office_code: str) -> list[Ticket]:
    """Local walk-in tickets not yet sent to the server."""
    rows = s.scalars(
        select(QueueTicketRow)
        .where(
            QueueTicketRow.office_code == office_code,
            QueueTicketRow.origin == "local",
            QueueTicketRow.uploaded_at.is_(None),
        )
        .order_by(QueueTicketRow.issued_at)
    )
    return [_ticket(r) for r in rows]


def mark_uploaded(s: Session, ids: Sequence[str], now: datetime) -> None:
    """Record that the server holds these walk-ins."""
    if ids:
        s.execute(
            update(QueueTicketRow).where(QueueTicketRow.id.in_(list(ids))).values(uploaded_at=now)
        )


def import_tickets(s: Session, office_code: str, tickets: Sequence[Ticket], now: datetime) -> int:
    """Store walk-ins uploaded by a counter (idempotent by id); the number of new ones."""
    if not tickets:
        return 0
    have = set(
        s.scalars(select(QueueTicketRow.id).where(QueueTicketRow.id.in_([t.id for t in tickets])))
    )
    new = [t for t in tickets if t.id not in have]
    if not new:
        return 0
    rev = _bump(s, office_code)
    for t in new:
        if t.office_code != office_code or t.origin != "local":
            raise UserError(f"Phiếu {t.number} không phải phiếu tại quầy của đơn vị {office_code}.")
        s.add(_row_of(replace(t, rev=rev), uploaded_at=now))
    s.flush()
    return len(new)


def mirror(s: Session, tickets: Sequence[Ticket]) -> None:
    """Keep a workstation's copy of its office's shared tickets (for its own reports)."""
    if not tickets:
        return
    existing = {
        r.id: r
        for r in s.scalars(
            select(QueueTicketRow).where(QueueTicketRow.id.in_([t.id for t in tickets]))
        )
    }
    for t in tickets:
        row = existing.get(t.id)
        if row is None:
            s.add(_row_of(t, uploaded_at=t.issued_at if t.origin == "local" else None))
            continue
        if row.origin == "local" and row.uploaded_at is None:
            continue  # ours, not yet sent: ours is newer
        for name, value in _values(t).items():
            setattr(row, name, value)
    s.flush()


# --------------------------------------------------------------------------- front-end facade


class QueueBackend(Protocol):
    """What the kiosk, the counter page, the display and the CLI use: the local queue
    (:class:`LocalQueue`) or the office server's (``services.queue_remote.RemoteQueue``)."""

    office_code: str

    def config(self) -> QueueConfig: ...
    def issue(self, group_code: str, *, priority: bool = False) -> Ticket: ...
    def call_next(self, counter: int, *, groups: Sequence[str] | None = None) -> Ticket | None: ...
    def recall(self, ticket_id: str, counter: int) -> Ticket: ...
    def skip(self, ticket_id: str, counter: int) -> Ticket: ...
    def hold(self, ticket_id: str, counter: int) -> Ticket: ...
    def resume(self, ticket_id: str, counter: int) -> Ticket: ...
    def transfer(
        self,
        ticket_id: str,
        counter: int,
        *,
        to_counter: int | None = None,
        to_group: str | None = None,
    ) -> Ticket: ...
    def finish(self, ticket_id: str, counter: int) -> Ticket: ...
    def link_dossier(self, ticket_id: str, dossier_id: str) -> Ticket: ...
    def changes(self, since: int, *, wait: float = 0) -> Changes: ...
    def status(self) -> QueueStatus: ...
    def close(self) -> None: ...


class LocalQueue:
    """The queue in a database this process opens: a workstation without a server, or the
    server itself. ``changes(wait=…)`` waits on an in-process condition, so windows of the same
    process (kiosk, display, counter) see each other's changes at once; other processes on the
    same file are seen at the next poll."""

    _changed = threading.Condition()

    def __init__(
        self,
        db: Database,
        office_code: str,
        *,
        clock: Any,
        clerk: str | None = None,
    ) -> None:
        self.db = db
        self.office_code = office_code
        self._clock = clock
        self.clerk = clerk

    def _write(self, fn: Callable[..., _T], **kw: Any) -> _T:
        """Run one service operation in its own transaction, then wake this process's
        followers. ``now=None`` stands for this queue's clock."""
        if "now" in kw and kw["now"] is None:
            kw["now"] = self._clock()
        with self.db.write() as s:
            result = fn(s, office_code=self.office_code, **kw)
        with LocalQueue._changed:
            LocalQueue._changed.notify_all()
        return result

    def config(self) -> QueueConfig:
        """The office's configuration."""
        with self.db.read() as s:
            return load_config(s, self.office_code)

    def save_config(self, config: QueueConfig) -> None:
        """Store the office's configuration."""
        with self.db.write() as s:
            save_config(s, self.office_code, config)

    def issue(self, group_code: str, *, priority: bool = False) -> Ticket:
        """See :func:`issue`."""
        return self._write(issue, group_code=group_code, priority=priority, now=None)

    def call_next(self, counter: int, *, groups: Sequence[str] | None = None) -> Ticket | None:
        """See :func:`call_next`."""
        return self._write(call_next, counter=counter, clerk=self.clerk, now=None, groups=groups)

    def recall(self, ticket_id: str, counter: int) -> Ticket:
        """See :func:`recall`."""
        return self._write(recall, ticket_id=ticket_id, counter=counter)

    def skip(self, ticket_id: str, counter: int) -> Ticket:
        """See :func:`skip`."""
        return self._write(skip, ticket_id=ticket_id, counter=counter, now=None)

    def hold(self, ticket_id: str, counter: int) -> Ticket:
        """See :func:`hold`."""
        return self._write(hold, ticket_id=ticket_id, counter=counter)

    def resume(self, ticket_id: str, counter: int) -> Ticket:
        """See :func:`resume`."""
        return self._write(resume, ticket_id=ticket_id, counter=counter, now=None)

    def transfer(
        self,
        ticket_id: str,
        counter: int,
        *,
        to_counter: int | None = None,
        to_group: str | None = None,
    ) -> Ticket:
        """See :func:`transfer`."""
        return self._write(
            transfer,
            ticket_id=ticket_id,
            counter=counter,
            to_counter=to_counter,
            to_group=to_group,
        )

    def finish(self, ticket_id: str, counter: int) -> Ticket:
        """See :func:`finish`."""
        return self._write(finish, ticket_id=ticket_id, counter=counter, now=None)

    def link_dossier(self, ticket_id: str, dossier_id: str) -> Ticket:
        """See :func:`link_dossier`."""
        return self._write(link_dossier, ticket_id=ticket_id, dossier_id=dossier_id)

    def walk_in(self, counter: int, group_code: str) -> Ticket:
        """See :func:`walk_in`."""
        return self._write(
            walk_in, counter=counter, clerk=self.clerk, group_code=group_code, now=None
        )

    def changes(self, since: int, *, wait: float = 0) -> Changes:
        """Today's tickets changed after ``since``; with ``wait``, up to that many seconds for
        a change when there is none yet."""
        with self.db.read() as s:
            found = changes(s, self.office_code, since, self._clock())
        if found.rev > since or wait <= 0:
            return found
        with LocalQueue._changed:
            LocalQueue._changed.wait(timeout=wait)
        with self.db.read() as s:
            return changes(s, self.office_code, since, self._clock())

    def status(self) -> QueueStatus:
        """The office's queue today."""
        with self.db.read() as s:
            return status(s, self.office_code, self._clock())

    def close(self) -> None:
        """Nothing to close (the database belongs to the caller)."""

    def stats(self, date_from: date, date_to: date) -> QueueStats:
        """This office's queue statistics."""
        with self.db.read() as s:
            return stats(s, office_codes=[self.office_code], date_from=date_from, date_to=date_to)


# --------------------------------------------------------------------------- helpers


def _bump(s: Session, office_code: str) -> int:
    """Take the office's next change number — and with it the office's queue lock."""
    return _bump_state(s, office_code)[0]


def _bump_state(s: Session, office_code: str) -> tuple[int, int]:
    """:func:`_bump`, also returning the ordinary calls since the last priority call. Queue
    rows are read only through Core here, so the session holds no stale copy of them."""
    conn = s.connection()
    stmt = (
        repo.upsert_insert(conn.dialect.name)(_OFFICES)
        .values(office_code=office_code, rev=1, others_since_priority=0)
        .on_conflict_do_update(
            index_elements=[_OFFICES.c.office_code], set_={"rev": _OFFICES.c.rev + 1}
        )
        .returning(_OFFICES.c.rev, _OFFICES.c.others_since_priority)
    )
    rev, others = conn.execute(stmt).one()
    return int(rev), int(others)


def _next_number(s: Session, office_code: str, day: date, prefix: str) -> int:
    conn = s.connection()
    stmt = (
        repo.upsert_insert(conn.dialect.name)(_NUMBERS)
        .values(office_code=office_code, day=day, prefix=prefix, last=1)
        .on_conflict_do_update(
            index_elements=[_NUMBERS.c.office_code, _NUMBERS.c.day, _NUMBERS.c.prefix],
            set_={"last": _NUMBERS.c.last + 1},
        )
        .returning(_NUMBERS.c.last)
    )
    return int(conn.execute(stmt).scalar_one())


def _tickets(
    s: Session, office_code: str, day: date, statuses: Sequence[str] | None = None
) -> list[Ticket]:
    query = select(QueueTicketRow).where(
        QueueTicketRow.office_code == office_code, QueueTicketRow.day == day
    )
    if statuses is not None:
        query = query.where(QueueTicketRow.status.in_(list(statuses)))
    return [_ticket(r) for r in s.scalars(query)]


def _candidates(
    s: Session, office_code: str, day: date, counter: int, groups: Sequence[str]
) -> list[Ticket]:
    """The only tickets :func:`pick_next` can choose: the earliest transferred to this counter,
    and the earliest priority and ordinary ones of its groups (a few indexed rows, not the
    whole waiting list)."""
    base = select(QueueTicketRow).where(
        QueueTicketRow.office_code == office_code,
        QueueTicketRow.day == day,
        QueueTicketRow.status == TicketStatus.WAITING,
    )
    order = (QueueTicketRow.issued_at, QueueTicketRow.number)
    queries = [
        base.where(QueueTicketRow.target_counter == counter),
        base.where(
            QueueTicketRow.target_counter.is_(None),
            QueueTicketRow.group_code.in_(list(groups)),
            QueueTicketRow.priority.is_(True),
        ),
        base.where(
            QueueTicketRow.target_counter.is_(None),
            QueueTicketRow.group_code.in_(list(groups)),
            QueueTicketRow.priority.is_(False),
        ),
    ]
    firsts = [q.order_by(*order).limit(1).subquery() for q in queries]
    union = union_all(*(select(sub) for sub in firsts))
    rows = s.scalars(select(QueueTicketRow).from_statement(union))
    return [_ticket(r) for r in rows]


def _finish_current(
    s: Session, office_code: str, day: date, counter: int, now: datetime, rev: int
) -> None:
    """A counter moving on finishes the ticket it was serving."""
    s.execute(
        update(QueueTicketRow)
        .where(
            QueueTicketRow.office_code == office_code,
            QueueTicketRow.day == day,
            QueueTicketRow.counter_number == counter,
            QueueTicketRow.status == TicketStatus.CALLED,
        )
        .values(status=TicketStatus.DONE, finished_at=now, rev=rev)
        .execution_options(synchronize_session=False)
    )
    s.expire_all()


def check_counter(counter: int) -> None:
    """Refuse a counter number outside 1..MAX_COUNTER, naming the field."""
    if not 1 <= counter <= MAX_COUNTER:
        raise ValidationError(
            "counter", f"Số quầy phải từ 1 đến {MAX_COUNTER} (đã nhập {counter})."
        )


_CALLED = (TicketStatus.CALLED,)
_AT_COUNTER = (TicketStatus.CALLED, TicketStatus.HELD)


def _change(
    s: Session,
    office_code: str,
    ticket_id: str,
    counter: int,
    allowed: Sequence[str],
    **values: Any,
) -> Ticket:
    """Change one of the counter's tickets (in one of the ``allowed`` states): each value is
    set as given, or computed from the row when callable; the ticket takes a new number."""
    rev = _bump(s, office_code)
    row = _mine(s, office_code, ticket_id, counter, allowed)
    for name, value in values.items():
        setattr(row, name, value(row) if callable(value) else value)
    row.rev = rev
    s.flush()
    return _ticket(row)


def _row(s: Session, ticket_id: str) -> QueueTicketRow:
    row = s.get(QueueTicketRow, ticket_id)
    if row is None:
        raise NotFoundError(f"Không tìm thấy phiếu {ticket_id}.")
    return row


def _mine(
    s: Session, office_code: str, ticket_id: str, counter: int, allowed: Sequence[str]
) -> QueueTicketRow:
    row = _row(s, ticket_id)
    if row.office_code != office_code:
        raise NotFoundError(f"Không có phiếu {ticket_id} ở đơn vị này.")
    if row.counter_number != counter or row.status not in allowed:
        where = f"quầy {row.counter_number}" if row.counter_number else "hàng chờ"
        raise UserError(
            f"Phiếu {row.number} không còn ở quầy {counter} (đang ở {where}, "
            f"trạng thái {_status_label(row.status)})."
        )
    return row


def _status_label(status_code: str) -> str:
    return STATUS_LABELS.get(status_code, status_code)


def _service_seconds(
    s: Session, office_code: str, day: date, group_code: str, config: QueueConfig
) -> float:
    """The group's mean service time over its last services today (the configured default
    until 3 were served)."""
    rows = s.execute(
        select(QueueTicketRow.called_at, QueueTicketRow.finished_at)
        .where(
            QueueTicketRow.office_code == office_code,
            QueueTicketRow.day == day,
            QueueTicketRow.status == TicketStatus.DONE,
            QueueTicketRow.group_code == group_code,
        )
        .order_by(QueueTicketRow.rev.desc())
        .limit(RECENT_SERVICES)
    ).all()
    spans = [(f - c).total_seconds() for c, f in rows if c and f]
    if len(spans) < 3:
        return config.service_minutes * 60.0
    return sum(spans) / len(spans)


def _counters_serving(config: QueueConfig, group_code: str) -> int:
    if not config.counters:
        return 1
    return max(1, sum(1 for groups in config.counters.values() if group_code in groups))


def people_ahead(s: Session, t: Ticket) -> int:
    """How many waiting tickets of its group are ahead of a waiting ticket now."""
    if t.status != TicketStatus.WAITING:
        return 0
    waiting = _tickets(s, t.office_code, t.day, statuses=(TicketStatus.WAITING,))
    return sum(
        1
        for o in waiting
        if o.group_code == t.group_code
        and o.id != t.id
        and o.target_counter == t.target_counter
        and (
            (o.priority and not t.priority) or (o.priority == t.priority and _order(o) < _order(t))
        )
    )


def _order(t: Ticket) -> tuple[datetime, str]:
    return (t.issued_at, t.number)


def ticket_of(r: QueueTicketRow) -> Ticket:
    """The plain ticket of a row."""
    return _ticket(r)


def _values(t: Ticket) -> dict[str, Any]:
    return {
        "office_code": t.office_code,
        "day": t.day,
        "group_code": t.group_code,
        "group_name": t.group_name,
        "prefix": t.prefix,
        "seq": t.seq,
        "number": t.number,
        "priority": t.priority,
        "status": t.status,
        "issued_at": t.issued_at,
        "called_at": t.called_at,
        "finished_at": t.finished_at,
        "counter_number": t.counter,
        "clerk": t.clerk,
        "target_counter": t.target_counter,
        "dossier_id": t.dossier_id,
        "recalls": t.recalls,
        "transfers": t.transfers,
        "rev": t.rev,
        "origin": t.origin,
        "people_ahead": t.people_ahead,
        "wait_minutes": t.wait_minutes,
    }


def _row_of(t: Ticket, *, uploaded_at: datetime | None) -> QueueTicketRow:
    return QueueTicketRow(id=t.id, uploaded_at=uploaded_at, **_values(t))


def _ticket(r: QueueTicketRow) -> Ticket:
    return Ticket(
        id=r.id,
        office_code=r.office_code,
        day=r.day,
        group_code=r.group_code,
        group_name=r.group_name,
        prefix=r.prefix,
        seq=r.seq,
        number=r.number,
        priority=bool(r.priority),
        status=r.status,
        issued_at=r.issued_at,
        called_at=r.called_at,
        finished_at=r.finished_at,
        counter=r.counter_number,
        clerk=r.clerk,
        target_counter=r.target_counter,
        dossier_id=r.dossier_id,
        recalls=r.recalls,
        transfers=r.transfers,
        rev=r.rev,
        origin=r.origin,
        people_ahead=r.people_ahead,
        wait_minutes=r.wait_minutes,
    )


__all__ = [
    "Changes",
    "LocalQueue",
    "QueueBackend",
    "QueueFigures",
    "QueueStats",
    "QueueStatus",
    "call_next",
    "changes",
    "check_counter",
    "configure",
    "finish",
    "hold",
    "import_tickets",
    "issue",
    "link_dossier",
    "load_config",
    "mirror",
    "pending_uploads",
    "people_ahead",
    "recall",
    "resume",
    "save_config",
    "skip",
    "stats",
    "stats_of",
    "status",
    "ticket_of",
    "transfer",
    "walk_in",
]
