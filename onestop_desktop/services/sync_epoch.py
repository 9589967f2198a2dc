"""Reconcile with a new server epoch: get back to the server what a restored server lost.

The server renews its epoch at every start and says which server sequence it held then
(``epoch_base``) and the last sequence of this device it holds (``device_last_seq``); see
services/server_setup.py. When the handshake shows an epoch other than the one this
workstation last synced with, ``reconcile`` runs in ONE local transaction:

- every event confirmed here with a server sequence beyond the base forgets it (the restored
  server may not hold it): this device's own become pending again and are pushed again (the
  server answers ``duplicate`` for those it does hold); other devices' are confirmed again when
  they come back down with their new sequence (their authors push them again);
- this device's events beyond ``device_last_seq`` become pending too, whatever their sequence;
- the pull cursor goes back to the base at most, and the acknowledged device sequence to
  ``device_last_seq`` at most, so the status bar counts what is pending again;
- the new epoch is recorded.

After an ordinary restart the base covers everything held here and only the epoch changes.
Dispositions are kept; dossiers whose events lost their sequence are rebuilt by the next pull
(their events are out of server order until then, see sync_pull's rebase).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, or_, update

from onestop_desktop.services.context import Workstation
from onestop_desktop.services.server_setup import SERVER_EPOCH
from onestop_desktop.services.sync_pull import PULL_CURSOR
from onestop_desktop.store import repo
from onestop_desktop.store.models import EventRow

_EVENTS = cast(Table, EventRow.__table__)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What a reconciliation changed: events to push again, events to confirm again."""

    epoch: str
    repush: int
    reconfirm: int
    cursor: int


def local_epoch(ws: Workstation) -> str | None:
    """The server epoch this workstation last synced with (``None`` before the first sync)."""
    with ws.db.read() as s:
        return repo.get_setting(s, SERVER_EPOCH) or None


def reconcile(ws: Workstation, epoch: str, epoch_base: int, device_last_seq: int) -> Reconciled:
    """Adopt the server's new ``epoch`` (see the module docstring); one transaction."""
    with ws.db.write() as s:
        me = repo.get_setting(s, repo.DEVICE_ID) or ""
        conn = s.connection()
        mine = conn.execute(
            update(_EVENTS)
            .where(
                _EVENTS.c.device_id == me,
                _EVENTS.c.server_seq.is_not(None),
                or_(_EVENTS.c.server_seq > epoch_base, _EVENTS.c.device_seq > device_last_seq),
            )
            .values(server_seq=None)
        ).rowcount
        others = conn.execute(
            update(_EVENTS)
            .where(_EVENTS.c.device_id != me, _EVENTS.c.server_seq > epoch_base)
            .values(server_seq=None)
        ).rowcount
        cursor = min(int(repo.get_setting(s, PULL_CURSOR, "0") or "0"), epoch_base)
        acked = min(int(repo.get_setting(s, repo.ACKED_DEVICE_SEQ, "0") or "0"), device_last_seq)
        repo.put_settings(
            s,
            {SERVER_EPOCH: epoch, PULL_CURSOR: str(cursor), repo.ACKED_DEVICE_SEQ: str(acked)},
        )
    return Reconciled(epoch=epoch, repush=int(mine), reconfirm=int(others), cursor=cursor)


__all__ = ["Reconciled", "local_epoch", "reconcile"]
