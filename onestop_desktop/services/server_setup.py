"""Server-side set-up: migrate the server's database, load bundled reference data, the epoch.

The server has no office or device of its own (unlike a workstation, see
reference.init_workstation): it holds every office's data and hands reference data down.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from onestop_desktop.services.reference import load_bundled_if_empty
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.store.migrate import current_revision, upgrade
from onestop_desktop.store.models import EventRow

#: Settings key of the server epoch: a random value renewed at EVERY start of the server, with
#: ``EPOCH_BASE`` = the last server sequence the database held at that start. A server restored
#: from a backup is necessarily restarted, so its clients see a new epoch and reconcile: what
#: they hold beyond the base (which the restored server may have lost) is pushed again or
#: pulled again (DESIGN.md §4, SYNC-FAULTS 14). After an ordinary restart the base covers
#: everything and reconciling changes nothing. No file outside the database is needed to
#: detect a restore, and a restore the admin forgets to announce is still caught.
SERVER_EPOCH = "server_epoch"
EPOCH_BASE = "epoch_base"
ROLE = "role"
#: Settings key of the last server sequence handed out (locked by every push; see sync_server).
SERVER_SEQ_LAST = "server_seq_last"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a prepared server database says about itself."""

    schema_revision: str
    server_epoch: str
    loaded_bundled: bool
    backup: str | None


def prepare_server(db: Database, *, starting: bool = False) -> ServerInfo:
    """Create or migrate the server database and load bundled data once.

    ``starting``: the server is starting to serve, so it takes a new epoch (see
    ``SERVER_EPOCH``); admin commands on its database keep the current one (they create it
    only when the database has none yet).
    """
    backup = upgrade(db.engine)
    with db.write() as s:
        loaded = load_bundled_if_empty(s)
        # The stored events decide the base, not the counter: a restored database's counter
        # and events agree, and a counter ahead of the events (never committed) is harmless.
        last = int(s.scalar(select(func.max(EventRow.server_seq))) or 0)
        counter = int(repo.get_setting(s, SERVER_SEQ_LAST) or "0")
        values = {ROLE: "server", SERVER_SEQ_LAST: str(max(last, counter))}
        epoch = repo.get_setting(s, SERVER_EPOCH)
        if starting or epoch is None:
            epoch = secrets.token_hex(16)
            values |= {SERVER_EPOCH: epoch, EPOCH_BASE: str(last)}
        repo.put_settings(s, values)
    revision = current_revision(db.engine)
    assert revision is not None  # noqa: S101 - upgrade() just wrote it
    return ServerInfo(
        schema_revision=revision, server_epoch=epoch, loaded_bundled=loaded, backup=backup
    )


def renew_epoch(db: Database) -> str:
    """Give the server a new epoch now (``prepare_server`` does it at every start)."""
    epoch = secrets.token_hex(16)
    with db.write() as s:
        last = int(s.scalar(select(func.max(EventRow.server_seq))) or 0)
        repo.put_settings(s, {SERVER_EPOCH: epoch, EPOCH_BASE: str(last)})
    return epoch
