"""Drill-down: the dossiers behind any number of the periodic report.

Uses the report's own conditions (:func:`services.reports.figure_scopes`), so the list behind a
number always has exactly that many dossiers (up to ``limit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from onestop_desktop.domain.dossier import STATUS_LABELS, Status
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.reports import (
    ALL,
    FIGURE_LABELS,
    OTHER_FIELD,
    RATING_FIGURES,
    figure_scopes,
    period_bounds,
    rating_condition,
    report_offices,
    row_unit_code,
)
from onestop_desktop.store.models import DossierRow, OfficeRow, ProcedureRow

#: Derived figures: the stored figures they add up.
DERIVED: dict[str, tuple[str, ...]] = {
    "received": ("received_online", "received_direct", "received_postal", "carried_over"),
    "resolved": ("resolved_early", "resolved_on_time", "resolved_late"),
    "in_progress": ("in_progress_on_time", "in_progress_overdue"),
}


@dataclass(frozen=True, slots=True)
class DrillRow:
    """One dossier behind a figure."""

    code: str
    applicant: str
    procedure: str
    office: str  # the office's name
    received_at: datetime
    due_at: datetime
    finished_at: datetime | None
    status: str  # the status's Vietnamese label
    office_code: str = ""
    procedure_code: str = ""
    status_code: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON form (instants in ISO 8601)."""
        return {
            "code": self.code,
            "applicant": self.applicant,
            "procedure": self.procedure,
            "procedure_code": self.procedure_code,
            "office": self.office,
            "office_code": self.office_code,
            "received_at": self.received_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "status_code": self.status_code,
        }


def figure_condition(start: datetime, end: datetime, figure: str) -> ColumnElement[bool]:
    """The WHERE condition of the dossiers counted in ``figure`` over ``[start, end)``."""
    if figure not in FIGURE_LABELS:
        raise ValidationError(
            "figure", f"Chỉ tiêu '{figure}' không có; dùng một trong: {', '.join(FIGURE_LABELS)}."
        )
    if figure in RATING_FIGURES:
        return rating_condition(start, end, figure)
    parts = DERIVED.get(figure, (figure,))
    terms: list[ColumnElement[bool]] = []
    for scope, conditions in figure_scopes(start, end):
        for name in parts:
            cond = conditions[name]
            if cond is None:
                continue
            terms.append(scope if cond is ALL else and_(scope, cond))
    return or_(*terms) if terms else false()


def report_dossiers(
    ws: Workstation,
    date_from: date,
    date_to: date,
    figure: str,
    *,
    unit_code: str | None = None,
    office_code: str | None = None,
    procedure_field: str | None = None,
    procedure_code: str | None = None,
    limit: int = 1000,
    row_unit: str | None = None,
) -> list[DrillRow]:
    """The dossiers behind ``figure`` (a key of ``FIGURE_LABELS``), oldest receipt first.

    Args:
        unit_code: the report's unit filter, as in ``build_report(unit_code=…)``: the unit and
            all its descendants (the report's grand total).
        office_code: one office only.
        procedure_field: one field row (``UnitReport.by_field`` key; ``"Khác"`` for
            procedures missing from the catalog).
        procedure_code: one procedure, as in ``build_report(procedure_code=…)``.
        row_unit: one row of the report (``UnitReport.unit_code``): the offices of exactly that
            unit, not of its descendants.
        limit: at most this many rows.
    """
    start, end = period_bounds(date_from, date_to)
    d = DossierRow
    cond = figure_condition(start, end, figure)
    with ws.db.read() as s:
        offices = {o.code: o for o in s.scalars(select(OfficeRow))}
        procs = {p.code: p for p in s.scalars(select(ProcedureRow))}
        codes = set(report_offices(s, unit_code))
        if office_code is not None:
            codes &= {office_code}
        if row_unit is not None:
            codes = {c for c in codes if row_unit_code(offices.get(c), c) == row_unit}
        where: list[ColumnElement[bool]] = [cond, d.office_code.in_(sorted(codes))]
        if procedure_field is not None:
            in_field = [c for c, p in procs.items() if p.field == procedure_field]
            field_cond: ColumnElement[bool] = d.procedure_code.in_(in_field)
            if procedure_field == OTHER_FIELD:
                field_cond = or_(field_cond, d.procedure_code.not_in(sorted(procs)))
            where.append(field_cond)
        if procedure_code is not None:
            where.append(d.procedure_code == procedure_code)
        stmt = (
            select(
                d.code,
                d.applicant_name,
                d.procedure_name,
                d.procedure_code,
                d.office_code,
                d.received_at,
                d.due_at,
                d.finished_at,
                d.status,
            )
            .where(*where)
            .order_by(d.received_at, d.code)
            .limit(max(limit, 0))
        )
        rows = s.execute(stmt).all()
        office_names = {c: o.name for c, o in offices.items()}
        proc_names = {c: p.name for c, p in procs.items()}
    out: list[DrillRow] = []
    for r in rows:
        out.append(
            DrillRow(
                code=r.code,
                applicant=r.applicant_name,
                procedure=r.procedure_name or proc_names.get(r.procedure_code, r.procedure_code),
                office=office_names.get(r.office_code, r.office_code),
                received_at=r.received_at,
                due_at=r.due_at,
                finished_at=r.finished_at,
                status=STATUS_LABELS.get(Status(r.status), r.status),
                office_code=r.office_code,
                procedure_code=r.procedure_code,
                status_code=r.status,
            )
        )
    return out


__all__ = ["DERIVED", "DrillRow", "figure_condition", "report_dossiers"]
