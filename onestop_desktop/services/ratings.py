"""Citizens' ratings, recorded when the result is returned (DOMAIN.md §8).

The three values and their labels are :class:`onestop_desktop.domain.dossier.Rating` and
``RATING_LABELS``; a "Không hài lòng" needs a reason. A rating is a ``rating.given`` event: it
syncs like any other, and the periodic report and the daily summary count it.
"""

from __future__ import annotations

from onestop_desktop.domain.dossier import EventType, rating_payload
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import DossierView, _apply, _load


def rate(ws: Workstation, code: str, rating: object, reason: str | None = None) -> DossierView:
    """Record the citizen's rating of a returned dossier (one transaction: row + event).

    Args:
        rating: ``very_satisfied`` | ``satisfied`` | ``dissatisfied`` (or its Vietnamese label).
        reason: why the citizen is not satisfied (required for ``dissatisfied``).

    Raises:
        NotFoundError: no dossier with that code.
        TransitionError: its result has not been returned.
        ValidationError: an unknown rating, or dissatisfied without a reason.
    """
    with ws.db.write() as s:
        actor = ws.actor(s)
        state = _load(s, code)
        payload = rating_payload(state, rating, reason)
        return _apply(s, actor, state, EventType.RATING_GIVEN, dict(payload), ws.now())


__all__ = ["rate"]
