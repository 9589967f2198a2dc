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

#: Settings key of the server epoch: a random value created at the first start. A server restored
#: from a backup gets a new one, so clients know to re-push what it lost (DESIGN.md §4).
SERVER_EPOCH = "server_epoch"
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


def prepare_server(db: Database) -> ServerInfo:
    """Create or migrate the server database, load bundled data once and create the epoch."""
    backup = upgrade(db.engine)
    with db.write() as s:
        loaded = load_bundled_if_empty(s)
        epoch = repo.get_setting(s, SERVER_EPOCH)
        if epoch is None:
            epoch = secrets.token_hex(16)
            repo.set_setting(s, SERVER_EPOCH, epoch)
            repo.set_setting(s, ROLE, "server")
        if repo.get_setting(s, SERVER_SEQ_LAST) is None:
            last = s.scalar(select(func.max(EventRow.server_seq)))
            repo.set_setting(s, SERVER_SEQ_LAST, str(int(last or 0)))
    revision = current_revision(db.engine)
    assert revision is not None  # noqa: S101 - upgrade() just wrote it
    return ServerInfo(
        schema_revision=revision, server_epoch=epoch, loaded_bundled=loaded, backup=backup
    )


def renew_epoch(db: Database) -> str:
    """Give the server a new epoch (after restoring it from a backup)."""
    epoch = secrets.token_hex(16)
    with db.write() as s:
        repo.set_setting(s, SERVER_EPOCH, epoch)
    return epoch
