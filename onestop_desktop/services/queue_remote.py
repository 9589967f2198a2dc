"""The office server's shared queue, behind the same interface as the local one
(:class:`~onestop_desktop.services.queue.QueueBackend`), and the choice between them.

A workstation enrolled with a server uses the server's queue (every counter, kiosk and display
of the office share it); one without a server keeps its own queue in its database. When the
server is out of reach a counter serves walk-ins locally (:func:`serve_walk_in`); they are
uploaded with :func:`upload_walk_ins` when the server answers again. Each sync round
(:func:`sync_queue`) copies the office's tickets into the workstation's database, so its reports
have the office's queue figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from onestop_desktop.domain.queue import QueueConfig, Ticket
from onestop_desktop.errors import UserError
from onestop_desktop.services import queue
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment_client import connect
from onestop_desktop.store import repo
from onestop_desktop.store.models import DeviceRow
from onestop_desktop.sync.client import SyncClient

QUEUE_COUNTER = "queue_counter"  # setting: this workstation's counter number


class RemoteQueue:
    """The office's queue on its server, over ``/v1/queue`` (nothing is written locally)."""

    def __init__(
        self,
        client: SyncClient,
        office_code: str,
        *,
        clerk: str | None = None,
    ) -> None:
        self.client = client
        self.office_code = office_code
        self.clerk = clerk
        self._config: QueueConfig | None = None

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    def _ticket(self, op: str, body: dict[str, Any]) -> Ticket | None:
        raw = self.client.queue(op, body).get("ticket")
        return Ticket.from_json(raw) if raw else None

    def _must(self, op: str, body: dict[str, Any]) -> Ticket:
        ticket = self._ticket(op, body)
        if ticket is None:  # pragma: no cover - the server answers a ticket for these
            raise UserError("Máy chủ không trả về phiếu.")
        return ticket

    def config(self) -> QueueConfig:
        """The office's configuration (read once per connection)."""
        if self._config is None:
            self._config = QueueConfig.from_json(str(self.client.queue_get("config")["config"]))
        return self._config

    def issue(self, group_code: str, *, priority: bool = False) -> Ticket:
        """Issue a ticket (the kiosk)."""
        return self._must("issue", {"service": group_code, "priority": priority})

    def call_next(self, counter: int, *, groups: Sequence[str] | None = None) -> Ticket | None:
        """Call the next ticket for ``counter``; None when nobody waits."""
        body: dict[str, Any] = {"counter": counter, "clerk": self.clerk}
        if groups:
            body["groups"] = list(groups)
        return self._ticket("call", body)

    def recall(self, ticket_id: str, counter: int) -> Ticket:
        """Announce the ticket again."""
        return self._must("recall", {"ticket": ticket_id, "counter": counter})

    def skip(self, ticket_id: str, counter: int) -> Ticket:
        """A no-show."""
        return self._must("skip", {"ticket": ticket_id, "counter": counter})

    def hold(self, ticket_id: str, counter: int) -> Ticket:
        """Put the ticket on hold."""
        return self._must("hold", {"ticket": ticket_id, "counter": counter})

    def resume(self, ticket_id: str, counter: int) -> Ticket:
        """Serve a held ticket again."""
        return self._must("resume", {"ticket": ticket_id, "counter": counter})

    def transfer(
        self,
        ticket_id: str,
        counter: int,
        *,
        to_counter: int | None = None,
        to_group: str | None = None,
    ) -> Ticket:
        """Send the ticket to another counter or group."""
        return self._must(
            "transfer",
            {
                "ticket": ticket_id,
                "counter": counter,
                "to_counter": to_counter,
                "to_group": to_group,
            },
        )

    def finish(self, ticket_id: str, counter: int) -> Ticket:
        """Done with the ticket."""
        return self._must("finish", {"ticket": ticket_id, "counter": counter})

    def link_dossier(self, ticket_id: str, dossier_id: str) -> Ticket:
        """Link the ticket to its dossier."""
        return self._must("link", {"ticket": ticket_id, "dossier": dossier_id})

    def changes(
        self, since: int, *, wait: float = 0, all_days: bool = False, limit: int | None = None
    ) -> queue.Changes:
        """Today's tickets changed after ``since`` (long-poll with ``wait``; every day's with
        ``all_days``, paged by ``limit``)."""
        return queue.Changes.from_json(
            self.client.queue_changes(since, wait, all_days=all_days, limit=limit)
        )

    def status(self) -> queue.QueueStatus:
        """The office's queue today (computed here from all of today's tickets)."""
        found = self.changes(0)
        return queue.status_of(
            found.tickets,
            office_code=self.office_code,
            day=found.day,
            rev=found.rev,
            config=self.config(),
        )

    def stats(self, date_from: date, date_to: date) -> dict[str, Any]:
        """The office's queue statistics (JSON) from the server."""
        return self.client.queue_get(
            "stats", {"from": date_from.isoformat(), "to": date_to.isoformat()}
        )

    def upload(self, tickets: Sequence[Ticket]) -> int:
        """Send walk-ins; the number the server did not hold yet."""
        answer = self.client.queue("upload", {"tickets": [t.to_json() for t in tickets]})
        return int(answer.get("stored", 0))


def is_enrolled(ws: Workstation) -> bool:
    """True when this workstation has a server to share the queue with."""
    with ws.db.read() as s:
        values = repo.get_settings(s, repo.DEVICE_ID, repo.SERVER_URL)
    return bool(values.get(repo.DEVICE_ID) and values.get(repo.SERVER_URL))


def _office(ws: Workstation) -> str:
    with ws.db.read() as s:
        office = repo.get_setting(s, repo.OFFICE_CODE)
    if not office:
        raise UserError("Máy trạm chưa được khởi tạo đơn vị; hãy chạy 'onestop init'.")
    return office


def counter_of(ws: Workstation) -> int:
    """This workstation's counter: its setting, else the counter it was enrolled for, else its
    device number."""
    with ws.db.read() as s:
        chosen = repo.get_setting(s, QUEUE_COUNTER)
        if chosen:
            return int(chosen)
        device_id = repo.get_setting(s, repo.DEVICE_ID)
        row = s.get(DeviceRow, device_id) if device_id else None
        if row is not None and row.counter_number:
            return int(row.counter_number)
        return int(repo.get_setting(s, repo.DEVICE_NUMBER) or 1)


def set_counter(ws: Workstation, counter: int) -> None:
    """Choose this workstation's counter number."""
    queue.check_counter(counter)
    with ws.db.write() as s:
        repo.set_setting(s, QUEUE_COUNTER, str(counter))


def open_queue(ws: Workstation, *, timeout: float | None = 5.0) -> queue.QueueBackend:
    """The office's queue for this workstation: the server's when enrolled, else its own."""
    office = _office(ws)
    if is_enrolled(ws):
        return RemoteQueue(connect(ws, timeout=timeout), office, clerk=ws.username)
    return queue.LocalQueue(ws.db, office, clock=ws.now, clerk=ws.username)


def local_queue(ws: Workstation) -> queue.LocalQueue:
    """This workstation's own queue (walk-ins while the server is away; no-server offices)."""
    return queue.LocalQueue(ws.db, _office(ws), clock=ws.now, clerk=ws.username)


def serve_walk_in(ws: Workstation, counter: int, group_code: str) -> Ticket:
    """Serve a citizen at ``counter`` without the shared queue (its server is out of reach)."""
    return local_queue(ws).walk_in(counter, group_code)


MIRROR_REV = "queue.mirror_rev"  # setting: the server's change number mirrored up to
MIRROR_PAGE = 1000


@dataclass(frozen=True, slots=True)
class QueueSync:
    """What :func:`sync_queue` did."""

    uploaded: int  # walk-ins sent
    mirrored: int  # tickets copied from the server


def sync_queue(ws: Workstation, client: SyncClient) -> QueueSync:
    """Send the walk-ins served offline, then copy the office's tickets changed on the server
    since the last time (every day's, by pages) into this database, for its reports and daily
    summary — part of every sync round, whether or not the counter page is open."""
    office = _office(ws)
    remote = RemoteQueue(client, office)
    uploaded = upload_walk_ins(ws, remote)
    with ws.db.read() as s:
        since = int(repo.get_setting(s, MIRROR_REV, "0") or "0")
    mirrored = 0
    while True:
        found = remote.changes(since, all_days=True, limit=MIRROR_PAGE)
        mirrored += len(found.tickets)
        since = found.rev
        with ws.db.write() as s:  # the page and the number it reached, together
            queue.mirror(s, found.tickets)
            repo.set_setting(s, MIRROR_REV, str(since))
        if not found.more:
            return QueueSync(uploaded=uploaded, mirrored=mirrored)


def upload_walk_ins(ws: Workstation, remote: RemoteQueue) -> int:
    """Send the walk-ins served offline; the number sent (raises ServerUnreachable offline)."""
    with ws.db.read() as s:
        pending = queue.pending_uploads(s, remote.office_code)
    if not pending:
        return 0
    remote.upload(pending)
    with ws.db.write() as s:
        queue.mark_uploaded(s, [t.id for t in pending], ws.now())
    return len(pending)


__all__ = [
    "MIRROR_REV",
    "QUEUE_COUNTER",
    "QueueSync",
    "RemoteQueue",
    "counter_of",
    "is_enrolled",
    "local_queue",
    "open_queue",
    "serve_walk_in",
    "set_counter",
    "sync_queue",
    "upload_walk_ins",
]
