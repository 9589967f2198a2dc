"""Lookup the way clerks type: a scanned code, a name without diacritics, an ID or a phone.

Ranking, best first: exact dossier code → exact ID number → exact phone → exact folded name
(newest first) → name prefix (họ-first order, then tên-first order) → code prefix. Every tier
is an index range scan with a LIMIT, so a query costs the same on 1,000,000 dossiers as on 1,000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.codes import looks_like_dossier_code
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.identity import normalize_phone
from onestop_desktop.domain.text import fold
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import DossierView, view_of
from onestop_desktop.store import repo
from onestop_desktop.store.models import DossierRow

_DIGITS = re.compile(r"^\+?[\d .\-]+$")
_HIGH = "\uffff"
_BY_CODE = select(DossierRow).where(DossierRow.code == bindparam("code"))


@dataclass(frozen=True, slots=True)
class LookupHit:
    """A result with the reason it matched (for display and ranking tests)."""

    dossier: DossierView
    match: str  # code | id_number | phone | name | name_prefix | code_prefix


def lookup(ws: Workstation, query: str, *, limit: int = 20) -> list[LookupHit]:
    """Search dossiers; results are ranked and de-duplicated."""
    with ws.db.read() as s:
        return search(s, query, limit=limit)


def search(s: Session, query: str, *, limit: int = 20) -> list[LookupHit]:
    """Search within an open session (see :func:`lookup`)."""
    q = query.strip()
    if not q or limit <= 0:
        return []
    hits: list[LookupHit] = []
    seen: set[str] = set()

    def take(stmt: Select[DossierRow], match: str) -> bool:
        for row in s.scalars(stmt.limit(limit - len(hits))):
            if row.id not in seen:
                seen.add(row.id)
                hits.append(LookupHit(view_of(repo.state_of(row)), match))
        return len(hits) >= limit

    upper = q.upper()
    if looks_like_dossier_code(upper):
        # A scanned or typed full code names one dossier: nothing else is worth a query.
        row = s.scalars(_BY_CODE, {"code": upper}).first()
        if row is not None:
            return [LookupHit(view_of(repo.state_of(row)), "code")]
    if _DIGITS.match(q):
        digits = re.sub(r"[ .\-]", "", q)
        if take(
            select(DossierRow)
            .where(DossierRow.id_number == digits)
            .order_by(DossierRow.received_at.desc()),
            "id_number",
        ):
            return hits
        try:
            phone = normalize_phone(q)
        except ValidationError:
            phone = None
        if phone and take(
            select(DossierRow)
            .where(DossierRow.phone == phone)
            .order_by(DossierRow.received_at.desc()),
            "phone",
        ):
            return hits
        if len(digits) >= 4 and take(
            select(DossierRow)
            .where(DossierRow.id_number >= digits, DossierRow.id_number < digits + _HIGH)
            .order_by(DossierRow.id_number),
            "id_number",
        ):
            return hits
    folded = fold(q)
    if folded and not _DIGITS.match(q):
        if take(
            select(DossierRow)
            .where(DossierRow.name_folded == folded)
            .order_by(DossierRow.received_at.desc()),
            "name",
        ):
            return hits
        if take(
            select(DossierRow)
            .where(DossierRow.name_folded > folded, DossierRow.name_folded < folded + _HIGH)
            .order_by(DossierRow.name_folded),
            "name_prefix",
        ):
            return hits
        if take(
            select(DossierRow)
            .where(DossierRow.name_sort >= folded, DossierRow.name_sort < folded + _HIGH)
            .order_by(DossierRow.name_sort),
            "name_prefix",
        ):
            return hits
    if len(upper) >= 3 and not upper.isdigit():
        take(
            select(DossierRow)
            .where(DossierRow.code > upper, DossierRow.code < upper + _HIGH)
            .order_by(DossierRow.code),
            "code_prefix",
        )
    return hits
