"""What the lookup page lists and what the dossier detail shows.

Listing: a text query is ranked by :func:`services.lookup.search`; without one, the filters
(status, overdue, due today, procedure, period received) pick an index and an order:

- status / overdue / due today: one range scan of ``ix_dossiers_status_due`` per status, merged
  by due date (the most urgent first);
- otherwise: the received-at range of ``ix_dossiers_report``, newest first.

Every query has a LIMIT, so a page costs the same on 1,000,000 dossiers as on 1,000.

Detail: the dossier with its documents, its events with the user's login name and the
workstation's number, and the time left (or how late it is) in working days of this
workstation's calendar. Overdue compares with the statutory due date, never an apology's new
date (late stays late); a dossier waiting for a supplement has its clock stopped.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Executable, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import VN_TZ, WorkCalendar, business_date
from onestop_desktop.domain.dossier import (
    FINISHED_STATUSES,
    TRANSITIONS,
    DocumentItem,
    DossierState,
    Resolution,
    Status,
    classify_resolution,
)
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import DossierView, _load, possible_duplicates, view_of
from onestop_desktop.services.lookup import search
from onestop_desktop.store.models import DeviceRow, DossierRow, EventRow, OfficeRow, UserRow

#: Rows of one page of the lookup list.
PAGE_SIZE = 100
#: How many ranked search hits a text query draws before the filters narrow them down.
SEARCH_POOL = 500
#: Working days a late dossier's new appointment is proposed after today.
RESCHEDULE_PROPOSAL_DAYS = 5

#: Statuses whose clock is running (waiting for a supplement stops it).
RUNNING_STATUSES = frozenset({Status.RECEIVED, Status.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class BrowseFilter:
    """The lookup page's filters; empty fields do not filter."""

    status: Status | None = None
    overdue: bool = False
    due_today: bool = False
    procedure_code: str | None = None
    received_from: date | None = None
    received_to: date | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self == BrowseFilter()


@dataclass(frozen=True, slots=True)
class BrowsePage:
    """One page of the list, in display order."""

    rows: tuple[DossierView, ...]
    offset: int
    has_more: bool


def list_dossiers(
    ws: Workstation,
    query: str = "",
    flt: BrowseFilter | None = None,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> BrowsePage:
    """The lookup list: ranked search hits for ``query``, or the filtered listing without one.

    With a query, the filters narrow the best :data:`SEARCH_POOL` hits (a clerk who types a
    name wants that person's dossiers; the filters then only thin them out).

    Raises:
        ValidationError: a period that ends before it starts, or a negative page.
    """
    flt = flt or BrowseFilter()
    if limit <= 0 or offset < 0:
        raise ValidationError("limit", "Trang kết quả không hợp lệ.")
    if flt.received_from and flt.received_to and flt.received_to < flt.received_from:
        raise ValidationError("received_to", "Ngày kết thúc không được trước ngày bắt đầu.")
    now = ws.now()
    with ws.db.read() as s:
        if query.strip():
            pool = SEARCH_POOL if not flt.is_empty else offset + limit + 1
            views = [h.dossier for h in search(s, query, limit=pool)]
            if not flt.is_empty:
                views = [v for v in views if matches(v, flt, now)]
            window = views[offset : offset + limit + 1]
        else:
            window = _listing(s, flt, now, offset, limit + 1)
    return BrowsePage(tuple(window[:limit]), offset, len(window) > limit)


def matches(v: DossierView, flt: BrowseFilter, now: datetime) -> bool:
    """True when a dossier passes the filters (used on ranked search hits)."""
    status = Status(v.status)
    if flt.status is not None and status is not flt.status:
        return False
    if flt.procedure_code and v.procedure_code != flt.procedure_code:
        return False
    start, end = _period(flt)
    if (start and v.received_at < start) or (end and v.received_at >= end):
        return False
    if flt.overdue and not (status in RUNNING_STATUSES and v.due_at < now):
        return False
    if flt.due_today:
        day_start, day_end = _day_bounds(business_date(now))
        if not (status in RUNNING_STATUSES and day_start <= v.due_at < day_end):
            return False
    return True


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), VN_TZ)
    return start, start + timedelta(days=1)


def _period(flt: BrowseFilter) -> tuple[datetime | None, datetime | None]:
    start = _day_bounds(flt.received_from)[0] if flt.received_from else None
    end = _day_bounds(flt.received_to)[1] if flt.received_to else None
    return start, end


def _common(flt: BrowseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.procedure_code:
        where.append(DossierRow.procedure_code == flt.procedure_code)
    start, end = _period(flt)
    if start is not None:
        where.append(DossierRow.received_at >= start)
    if end is not None:
        where.append(DossierRow.received_at < end)
    return where


#: The columns of a DossierView, in its field order (a list needs no ORM objects).
_VIEW_COLUMNS = (
    DossierRow.id,
    DossierRow.code,
    DossierRow.procedure_code,
    DossierRow.procedure_name,
    DossierRow.office_code,
    DossierRow.applicant_name,
    DossierRow.id_number,
    DossierRow.phone,
    DossierRow.address,
    DossierRow.channel,
    DossierRow.status,
    DossierRow.received_at,
    DossierRow.due_at,
    DossierRow.rescheduled_due_at,
    DossierRow.resolved_at,
    DossierRow.returned_at,
)


#: Newest first; the code breaks ties so that pages never overlap (equal instants are common
#: in imported data), at the cost of sorting only the rows that tie.
_NEWEST = (DossierRow.received_at.desc(), DossierRow.code.desc())


def _views(s: Session, stmt: Executable) -> list[DossierView]:
    return [DossierView(*row) for row in s.execute(stmt)]


def _merged(
    s: Session, scans: list[Executable], *, reverse: bool, offset: int, count: int
) -> list[DossierView]:
    """Merge ordered scans of (sort key, code, id) and load only the rows of the page."""
    streams = [list(s.execute(scan)) for scan in scans]
    merged = heapq.merge(*streams, key=lambda r: (r[0], r[1]), reverse=reverse)
    ids = [r[2] for r in itertools.islice(merged, offset, offset + count)]
    if not ids:
        return []
    views = {v.id: v for v in _views(s, select(*_VIEW_COLUMNS).where(DossierRow.id.in_(ids)))}
    return [views[i] for i in ids]


def _listing(
    s: Session, flt: BrowseFilter, now: datetime, offset: int, count: int
) -> list[DossierView]:
    """Pick the index for the filters; several range scans are merged, never sorted."""
    where = _common(flt)
    if flt.status is None and not flt.overdue and not flt.due_today:
        if not flt.procedure_code:
            recent = select(*_VIEW_COLUMNS).where(*where).order_by(*_NEWEST)
            return _views(s, recent.offset(offset).limit(count))
        # ix_dossiers_report leads with (office, procedure, received_at): one scan per office.
        keys = select(DossierRow.received_at, DossierRow.code, DossierRow.id)
        offices = list(s.scalars(select(OfficeRow.code).order_by(OfficeRow.code)))
        scans: list[Executable] = [
            keys.where(DossierRow.office_code == office, *where)
            .order_by(*_NEWEST)
            .limit(offset + count)
            for office in offices
        ]
        return _merged(s, scans, reverse=True, offset=offset, count=count)
    statuses = set(Status) if flt.status is None else {flt.status}
    due: list[ColumnElement[bool]] = []
    if flt.overdue or flt.due_today:
        statuses &= RUNNING_STATUSES
    if flt.overdue:
        due.append(DossierRow.due_at < now)
    if flt.due_today:
        day_start, day_end = _day_bounds(business_date(now))
        due += [DossierRow.due_at >= day_start, DossierRow.due_at < day_end]
    # One range scan of ix_dossiers_status_due per status, merged by due date: an IN (...)
    # with ORDER BY would sort every matching row before applying the LIMIT.
    # Open dossiers: the most urgent first; finished ones: the most recent first.
    newest_first = flt.status in FINISHED_STATUSES
    order = (
        (DossierRow.due_at.desc(), DossierRow.code.desc())
        if newest_first
        else (DossierRow.due_at, DossierRow.code)
    )
    keys = select(DossierRow.due_at, DossierRow.code, DossierRow.id)
    scans = [
        keys.where(DossierRow.status == status.value, *due, *where)
        .order_by(*order)
        .limit(offset + count)
        for status in sorted(statuses)
    ]
    return _merged(s, scans, reverse=newest_first, offset=offset, count=count)


# --------------------------------------------------------------------------- detail


class DeadlineKind(StrEnum):
    """Where a dossier stands against its statutory due date."""

    ON_TRACK = "on_track"  # working_days_left ≥ 1
    DUE_TODAY = "due_today"  # due later today
    OVERDUE = "overdue"  # overdue_days working days late (0: late since earlier today)
    PAUSED = "paused"  # waiting for a supplement: the clock is stopped
    FINISHED = "finished"  # resolved, returned, refused or withdrawn


@dataclass(frozen=True, slots=True)
class Deadline:
    """Working days left, or how late, with the workstation's calendar."""

    kind: DeadlineKind
    working_days_left: int | None = None
    overdue_days: int | None = None
    resolution: Resolution | None = None  # how a resolved dossier compares with its due date


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of the dossier's history, with who did it and where."""

    type: str
    occurred_at: datetime
    username: str
    full_name: str
    device_number: int | None
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DossierDetail:
    """Everything the detail view shows and the actions it may offer."""

    dossier: DossierView
    email: str | None
    note: str | None
    reason: str | None
    returned_to: str | None
    print_count: int
    paused_at: datetime | None
    documents: tuple[DocumentItem, ...]
    timeline: tuple[TimelineEntry, ...]
    deadline: Deadline
    allowed: frozenset[Status]
    overdue: bool
    can_reschedule: bool
    proposed_new_due: date
    day_end: time  # the office's closing time: a new appointment's time of day
    as_of: datetime
    #: Other open dossiers of the same citizen (ID number) and procedure — e.g. received at
    #: two offices while offline (SYNC-FAULTS 28): both kept, flagged; merging is explicit.
    duplicates: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """The current status."""
        return Status(self.dossier.status)


def dossier_detail(ws: Workstation, code: str) -> DossierDetail:
    """The dossier with the given code, with its documents, timeline and deadline.

    Raises:
        NotFoundError: no dossier has this code.
    """
    now = ws.now()
    with ws.db.read() as s:
        state = _load(s, code)
        cal = ws.calendar(s)
        timeline = _timeline(s, state.id)
        duplicates = possible_duplicates(s, state)
    late = is_overdue(state, now)
    today = business_date(now)
    return DossierDetail(
        dossier=view_of(state, possible_duplicate=bool(duplicates)),
        duplicates=tuple(duplicates),
        email=state.email,
        note=state.note,
        reason=state.reason,
        returned_to=state.returned_to,
        print_count=state.print_count,
        paused_at=state.paused_at,
        documents=state.documents,
        timeline=tuple(timeline),
        deadline=deadline_of(cal, state, now),
        allowed=TRANSITIONS[state.status],
        overdue=late,
        can_reschedule=late and state.rescheduled_due_at is None,
        proposed_new_due=cal.add_working_days(today, RESCHEDULE_PROPOSAL_DAYS),
        day_end=cal.hours.day_end,
        as_of=now,
    )


def is_overdue(state: DossierState, now: datetime) -> bool:
    """Late against the statutory due date; a paused dossier only if it was late when paused."""
    if state.status in RUNNING_STATUSES:
        return now > state.due_at
    if state.status is Status.WAITING_SUPPLEMENT and state.paused_at is not None:
        return state.paused_at > state.due_at
    return False


def working_days_between(cal: WorkCalendar, first: date, last: date) -> int:
    """Working days d with ``first < d <= last`` (0 when ``last <= first``)."""
    count = 0
    d = first + timedelta(days=1)
    while d <= last:
        if cal.is_working_day(d):
            count += 1
        d += timedelta(days=1)
    return count


def deadline_of(cal: WorkCalendar, state: DossierState, now: datetime) -> Deadline:
    """Working days left, or working days late, at ``now``."""
    if state.status in FINISHED_STATUSES:
        resolution = (
            classify_resolution(state.resolved_at, state.due_at)
            if state.resolved_at is not None
            else None
        )
        return Deadline(DeadlineKind.FINISHED, resolution=resolution)
    if state.status is Status.WAITING_SUPPLEMENT:
        return Deadline(DeadlineKind.PAUSED)
    today, due_day = business_date(now), business_date(state.due_at)
    if now > state.due_at:
        return Deadline(
            DeadlineKind.OVERDUE, overdue_days=working_days_between(cal, due_day, today)
        )
    left = working_days_between(cal, today, due_day)
    if left == 0:
        return Deadline(DeadlineKind.DUE_TODAY, working_days_left=0)
    return Deadline(DeadlineKind.ON_TRACK, working_days_left=left)


def _timeline(s: Session, dossier_id: str) -> list[TimelineEntry]:
    rows = s.execute(
        select(
            EventRow.type,
            EventRow.occurred_at,
            EventRow.payload,
            UserRow.username,
            UserRow.full_name,
            DeviceRow.number,
        )
        .outerjoin(UserRow, UserRow.id == EventRow.user_id)
        .outerjoin(DeviceRow, DeviceRow.id == EventRow.device_id)
        .where(EventRow.dossier_id == dossier_id)
        .order_by(EventRow.hlc)
    )
    return [
        TimelineEntry(
            type=type_,
            occurred_at=occurred_at,
            username=username or "",
            full_name=full_name or "",
            device_number=number,
            payload=json.loads(payload),
        )
        for type_, occurred_at, payload, username, full_name, number in rows
    ]


def new_due_at(detail: DossierDetail, day: date) -> datetime:
    """A new appointment on ``day`` at the office's closing time (Vietnam time)."""
    return datetime.combine(day, detail.day_end, VN_TZ)


__all__ = [
    "PAGE_SIZE",
    "BrowseFilter",
    "BrowsePage",
    "Deadline",
    "DeadlineKind",
    "DossierDetail",
    "TimelineEntry",
    "deadline_of",
    "dossier_detail",
    "is_overdue",
    "list_dossiers",
    "matches",
    "new_due_at",
    "working_days_between",
]
