"""What the Báo cáo page needs besides the periodic report: the units one can report on, the
fields of the catalog, time series for the charts (per local day, summed into weeks), and the
queue's figures (issue #5) over the report's period, formatted the Vietnamese way.

Instants are stored in UTC (naive text on SQLite), so a day is grouped on the Vietnam local date:
``date(received_at, '+7 hours')`` on SQLite and ``timezone('Asia/Ho_Chi_Minh', …)`` on
PostgreSQL (Vietnam has kept UTC+7 without daylight saving since 1975). The definitions match
services/reports.py: a dossier is *received* on its local receipt day; it is *resolved* on the
local day of ``finished_at`` when it has a resolution (early, on time or late); refused and
withdrawn dossiers are not resolved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.dossier import Resolution
from onestop_desktop.services import queue
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import QueueFigures, QueueStats
from onestop_desktop.services.reports import period_bounds, vn_int
from onestop_desktop.store.models import AdminUnitRow, DossierRow, OfficeRow, ProcedureRow

VN_OFFSET = "+7 hours"


@dataclass(frozen=True, slots=True)
class ReportScope:
    """One choice of the page's unit filter.

    ``unit_code`` is what build_report is given; ``only_unit`` keeps just that unit's row of
    the result (an office at the district level, whose unit also has wards below it);
    ``office_codes`` are the offices the scope covers (None: every office).
    """

    key: str
    label: str
    unit_code: str | None
    only_unit: str | None
    office_codes: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class DayPoint:
    """Figures of one local day (or one week, keyed by its Monday)."""

    day: date
    received: int = 0
    resolved: int = 0
    resolved_in_time: int = 0  # early + on time

    @property
    def on_time_rate(self) -> float | None:
        """(early + on time) / resolved in percent, two decimals; None when nothing resolved."""
        if not self.resolved:
            return None
        return round(100 * self.resolved_in_time / self.resolved, 2)


def report_scopes(ws: Workstation) -> list[ReportScope]:
    """Every unit one can report on: all, each unit with offices below it, each office's unit."""
    with ws.db.read() as s:
        units = {
            u.code: (u.name, u.level, u.parent_code)
            for u in s.execute(
                select(
                    AdminUnitRow.code,
                    AdminUnitRow.name,
                    AdminUnitRow.level,
                    AdminUnitRow.parent_code,
                )
            )
        }
        offices = list(s.execute(select(OfficeRow.code, OfficeRow.name, OfficeRow.unit_code)))
        used = set(s.scalars(select(DossierRow.office_code).distinct()))
    by_unit: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name, unit in offices:
        if unit:
            by_unit[unit].append((code, name))
    scopes = [ReportScope("all", "Tất cả đơn vị", None, None, None)]
    # Units with offices of their own and offices below them (a district with its wards).
    parents: dict[str, set[str]] = defaultdict(set)
    for unit in by_unit:
        parent = units.get(unit, (None, None, None))[2]
        while parent:
            parents[parent].add(unit)
            parent = units.get(parent, (None, None, None))[2]
    level_order = {"province": 0, "district": 1, "ward": 2}

    def has_data(codes: Iterable[str]) -> bool:
        return any(c in used for c in codes)

    for parent in sorted(parents, key=lambda u: (level_order.get(units[u][1], 3), units[u][0])):
        below = parents[parent] | ({parent} if parent in by_unit else set())
        codes = tuple(sorted(c for u in below for c, _ in by_unit[u]))
        if len(below) < 2 or not has_data(codes):
            continue  # a province holding a single ward office adds nothing
        scopes.append(
            ReportScope(
                f"tree:{parent}",
                f"{units[parent][0]} — toàn bộ ({len(below)} đơn vị)",
                parent,
                None,
                codes,
            )
        )
    leaves = sorted(
        (u for u in by_unit if u in units),
        key=lambda u: (level_order.get(units[u][1], 3), units[u][0]),
    )
    for unit in leaves:
        codes = tuple(sorted(c for c, _ in by_unit[unit]))
        if not has_data(codes):
            continue
        own_only = unit in parents
        name = by_unit[unit][0][1] if len(codes) == 1 else units[unit][0]
        scopes.append(
            ReportScope(
                f"unit:{unit}",
                f"{name} (chỉ cấp {'huyện' if units[unit][1] == 'district' else 'này'})"
                if own_only
                else name,
                unit,
                unit if own_only else None,
                codes,
            )
        )
    return scopes


def report_fields(ws: Workstation) -> list[str]:
    """The catalog's fields (lĩnh vực), sorted."""
    with ws.db.read() as s:
        return sorted(set(s.scalars(select(ProcedureRow.field).distinct())))


def _local_day(s: Session, column: Any) -> Any:
    if s.get_bind().dialect.name == "sqlite":
        return func.date(column, VN_OFFSET)
    return func.date(func.timezone("Asia/Ho_Chi_Minh", column))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def daily_series(
    ws: Workstation,
    date_from: date,
    date_to: date,
    *,
    office_codes: Sequence[str] | None = None,
    procedure_field: str | None = None,
    procedure_code: str | None = None,
) -> list[DayPoint]:
    """Received and resolved per local day of ``[date_from, date_to]``, every day listed.

    Filters as the report's: the offices, the procedures of one field, one procedure (both
    filters apply together, as on the page).
    """
    start, end = period_bounds(date_from, date_to)
    d = DossierRow
    scope: list[ColumnElement[bool]] = []
    if office_codes is not None:
        scope.append(d.office_code.in_(list(office_codes)))
    in_time = (Resolution.EARLY.value, Resolution.ON_TIME.value)
    received: dict[date, int] = {}
    resolved: dict[date, tuple[int, int]] = {}
    with ws.db.read() as s:
        if procedure_field is not None:
            codes = s.scalars(
                select(ProcedureRow.code).where(ProcedureRow.field == procedure_field)
            )
            scope.append(d.procedure_code.in_(list(codes)))
        if procedure_code is not None:
            scope.append(d.procedure_code == procedure_code)
        day = _local_day(s, d.received_at)
        for value, n in s.execute(
            select(day, func.count())
            .where(d.received_at >= start, d.received_at < end, *scope)
            .group_by(day)
        ):
            received[_as_date(value)] = int(n)
        day = _local_day(s, d.finished_at)
        for value, n, ok in s.execute(
            select(day, func.count(), func.count().filter(d.resolution.in_(in_time)))
            .where(
                and_(d.finished_at >= start, d.finished_at < end, d.resolution.is_not(None)),
                *scope,
            )
            .group_by(day)
        ):
            resolved[_as_date(value)] = (int(n), int(ok))
    points = []
    current = date_from
    while current <= date_to:
        n, ok = resolved.get(current, (0, 0))
        points.append(DayPoint(current, received.get(current, 0), n, ok))
        current += timedelta(days=1)
    return points


def weekly(points: Iterable[DayPoint]) -> list[DayPoint]:
    """Sum daily points into weeks (Monday to Sunday), each keyed by its Monday."""
    weeks: dict[date, list[int]] = {}
    for p in points:
        monday = p.day - timedelta(days=p.day.weekday())
        w = weeks.setdefault(monday, [0, 0, 0])
        w[0] += p.received
        w[1] += p.resolved
        w[2] += p.resolved_in_time
    return [DayPoint(k, *v) for k, v in sorted(weeks.items())]


def monthly(points: Iterable[DayPoint]) -> list[DayPoint]:
    """Sum daily points into calendar months, each keyed by its first day."""
    months: dict[date, list[int]] = {}
    for p in points:
        m = months.setdefault(p.day.replace(day=1), [0, 0, 0])
        m[0] += p.received
        m[1] += p.resolved
        m[2] += p.resolved_in_time
    return [DayPoint(k, *v) for k, v in sorted(months.items())]


# --------------------------------------------------------------------------- queue figures

#: The queue's figures as the report page and the daily summary print them (column heads).
QUEUE_HEADS: tuple[str, ...] = (
    "Số phiếu",
    "Đã phục vụ",
    "Vắng mặt",
    "Chờ trung bình",
    "Chờ lâu nhất",
    "Phục vụ trung bình",
    "Hồ sơ từ phiếu",
)


def queue_stats(
    ws: Workstation,
    date_from: date,
    date_to: date,
    *,
    office_codes: Sequence[str] | None = None,
) -> QueueStats:
    """The queue's statistics of the offices (None: every office this database holds) over
    ``[date_from, date_to]`` (tickets by their business day), from the local ``queue_tickets``
    (a workstation's own queue, or the server's as the sync rounds copied it)."""
    with ws.db.read() as s:
        return queue.stats(s, office_codes=office_codes, date_from=date_from, date_to=date_to)


def vn_minutes(seconds: float | None) -> str:
    """A duration in whole minutes: 750 → ``13 phút``; under half a minute ``< 1 phút``;
    None (nothing measured) → ``—``."""
    if seconds is None:
        return "—"
    minutes = int(seconds / 60 + 0.5)
    return f"{vn_int(minutes)} phút" if minutes else "< 1 phút"


def queue_values(f: QueueFigures) -> tuple[str, ...]:
    """The figures of :data:`QUEUE_HEADS`, formatted (``4.716``, ``12 phút``)."""
    return (
        vn_int(f.tickets),
        vn_int(f.served),
        vn_int(f.no_shows),
        vn_minutes(f.avg_wait_s),
        vn_minutes(f.max_wait_s),
        vn_minutes(f.avg_service_s),
        vn_int(f.linked_dossiers),
    )


def queue_sentence(f: QueueFigures, *, period: str = "trong ngày") -> str:
    """The queue in words: tickets, served, no-shows, still waiting, the waits and service."""
    if not f.tickets:
        return f"Không có phiếu xếp hàng nào {period}."
    text = (
        f"Đã phát {vn_int(f.tickets)} phiếu; đã phục vụ {vn_int(f.served)}; "
        f"vắng mặt {vn_int(f.no_shows)}"
    )
    if f.waiting:
        text += f"; còn chờ {vn_int(f.waiting)}"
    text += (
        f". Thời gian chờ trung bình {vn_minutes(f.avg_wait_s)}, lâu nhất "
        f"{vn_minutes(f.max_wait_s)}; thời gian phục vụ trung bình {vn_minutes(f.avg_service_s)}. "
        f"Hồ sơ tiếp nhận từ phiếu: {vn_int(f.linked_dossiers)}."
    )
    return text


def counter_label(key: str) -> str:
    """A counter's row label (``Quầy 3``)."""
    return f"Quầy {key}"
