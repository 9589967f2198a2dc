"""The office's shared ticket queue over HTTP (issue #5): ``/v1/queue/…`` and the public
``/q/{ticket}`` page the ticket's QR code opens.

The queue of the authenticated device's office. Writes run in the thread pool (one transaction
each, see services.queue) and wake the long polls of ``GET /v1/queue/changes`` on the event
loop as soon as they commit; waiters also re-read the database every second, so the changes of
other server processes are seen too.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoint annotations at runtime.
import asyncio
import html
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool

from onestop_desktop.domain.calendar import to_vn
from onestop_desktop.domain.queue import STATUS_LABELS, Ticket, TicketStatus
from onestop_desktop.errors import UserError
from onestop_desktop.server.wakeup import Wakeup
from onestop_desktop.services import queue
from onestop_desktop.services.enrollment import DeviceIdentity
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import QueueTicketRow

#: Longest a ``changes`` request may wait for a change (seconds).
MAX_QUEUE_WAIT_S = 30.0
#: Most tickets in one page of ``changes``.
MAX_QUEUE_PAGE = 2000
#: How often a waiting ``changes`` request re-reads the database (other processes' writes).
QUEUE_POLL_S = 1.0


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueBody(_Body):
    """``POST /v1/queue/issue``."""

    service: StrictStr = Field(min_length=1, max_length=40)
    priority: StrictBool = False


class CallBody(_Body):
    """``POST /v1/queue/call``: the counter (default: the device's), its groups (default: the
    office's configuration) and the clerk's user name."""

    counter: StrictInt | None = Field(default=None, ge=1, le=999)
    groups: list[StrictStr] | None = Field(default=None, max_length=50)
    clerk: StrictStr | None = Field(default=None, max_length=64)


class TicketBody(_Body):
    """A counter's operation on one of its tickets."""

    ticket: StrictStr = Field(min_length=1, max_length=36)
    counter: StrictInt | None = Field(default=None, ge=1, le=999)


class TransferBody(TicketBody):
    """``POST /v1/queue/transfer``: to a counter or to a group."""

    to_counter: StrictInt | None = Field(default=None, ge=1, le=999)
    to_group: StrictStr | None = Field(default=None, max_length=40)


class LinkBody(_Body):
    """``POST /v1/queue/link``: the dossier received from the ticket."""

    ticket: StrictStr = Field(min_length=1, max_length=36)
    dossier: StrictStr = Field(min_length=1, max_length=36)


class UploadBody(_Body):
    """``POST /v1/queue/upload``: walk-ins a counter served while the server was away."""

    tickets: list[dict[str, Any]] = Field(max_length=1000)


class TicketOp(StrEnum):
    """The operations of ``POST /v1/queue/{op}`` on one of the counter's tickets."""

    RECALL = "recall"
    SKIP = "skip"
    HOLD = "hold"
    RESUME = "resume"
    FINISH = "finish"


#: Each operation's service function and whether it takes the time.
_TICKET_OPS: dict[TicketOp, tuple[Callable[..., Ticket], bool]] = {
    TicketOp.RECALL: (queue.recall, False),
    TicketOp.SKIP: (queue.skip, True),
    TicketOp.HOLD: (queue.hold, False),
    TicketOp.RESUME: (queue.resume, True),
    TicketOp.FINISH: (queue.finish, True),
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def install_queue_routes(
    app: FastAPI,
    db: Database,
    authenticated: Callable[..., DeviceIdentity],
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> None:
    """Add the queue endpoints to ``app``; ``authenticated`` is its device dependency."""
    signal = Wakeup()
    Me = Annotated[DeviceIdentity, Depends(authenticated)]  # noqa: N806 - a type alias

    async def write(fn: Callable[..., Any], me: DeviceIdentity, **kw: Any) -> Any:
        def run() -> Any:
            with db.write() as s:
                return fn(s, office_code=me.office_code, **kw)

        result = await run_in_threadpool(run)
        signal.notify()
        return result

    def counter_of(me: DeviceIdentity, given: int | None) -> int:
        counter = given if given is not None else me.counter_number
        if counter is None:
            raise UserError("Máy này chưa gắn với quầy nào; hãy chọn quầy (counter) khi gọi số.")
        return counter

    def answer(ticket: Ticket | None) -> dict[str, Any]:
        return {"ticket": ticket.to_json() if ticket else None}

    @app.post("/v1/queue/issue", tags=["queue"])
    async def queue_issue(body: IssueBody, me: Me) -> dict[str, Any]:
        """Issue a ticket of a service group (the kiosk)."""
        t = await write(
            queue.issue, me, group_code=body.service, priority=body.priority, now=clock()
        )
        return answer(t)

    @app.post("/v1/queue/call", tags=["queue"])
    async def queue_call(body: CallBody, me: Me) -> dict[str, Any]:
        """Call the next ticket for a counter; ``{"ticket": null}`` when nobody waits."""
        t = await write(
            queue.call_next,
            me,
            counter=counter_of(me, body.counter),
            clerk=body.clerk,
            now=clock(),
            groups=body.groups,
        )
        return answer(t)

    @app.post("/v1/queue/transfer", tags=["queue"])
    async def queue_transfer(body: TransferBody, me: Me) -> dict[str, Any]:
        """Send the counter's ticket to another counter or group."""
        return answer(
            await write(
                queue.transfer,
                me,
                ticket_id=body.ticket,
                counter=counter_of(me, body.counter),
                to_counter=body.to_counter,
                to_group=body.to_group,
            )
        )

    @app.post("/v1/queue/link", tags=["queue"])
    async def queue_link(body: LinkBody, me: Me) -> dict[str, Any]:
        """Link the ticket to the dossier received from it."""
        return answer(
            await write(queue.link_dossier, me, ticket_id=body.ticket, dossier_id=body.dossier)
        )

    @app.post("/v1/queue/upload", tags=["queue"])
    async def queue_upload(body: UploadBody, me: Me) -> dict[str, Any]:
        """Store walk-ins served while the server was out of reach (idempotent)."""
        try:
            tickets = [Ticket.from_json(t) for t in body.tickets]
        except (KeyError, ValueError, TypeError) as exc:
            raise UserError(f"Phiếu gửi lên không hợp lệ ({exc}).") from exc
        stored = await write(queue.import_tickets, me, tickets=tickets, now=clock())
        return {"stored": stored, "ids": [t.id for t in tickets]}

    @app.post("/v1/queue/{op}", tags=["queue"])
    async def queue_ticket_op(op: TicketOp, body: TicketBody, me: Me) -> dict[str, Any]:
        """A counter's operation on its ticket: ``recall`` (announce again), ``skip``
        (no-show), ``hold``, ``resume`` (a held ticket) or ``finish``."""
        fn, timed = _TICKET_OPS[op]
        kw: dict[str, Any] = {"now": clock()} if timed else {}
        return answer(
            await write(fn, me, ticket_id=body.ticket, counter=counter_of(me, body.counter), **kw)
        )

    @app.get("/v1/queue/changes", tags=["queue"])
    async def queue_changes(
        me: Me,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        wait: Annotated[float, Query(ge=0, le=MAX_QUEUE_WAIT_S)] = 0,
        all_days: bool = False,
        limit: Annotated[int | None, Query(ge=1, le=MAX_QUEUE_PAGE)] = None,
    ) -> JSONResponse:
        """Today's tickets changed after change number ``since``. With ``wait``, held until a
        change commits (at most ``wait`` seconds). ``all_days``: every day's (a workstation's
        copy for its reports), at most ``limit`` a page (``more``: ask again from ``rev``)."""

        def read() -> queue.Changes:
            with db.read() as s:
                return queue.changes(
                    s, me.office_code, since, clock(), all_days=all_days, limit=limit
                )

        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            woken = signal.arm()
            try:
                found = await run_in_threadpool(read)
                remaining = deadline - loop.time()
                if found.rev > since or found.tickets or remaining <= 0:
                    return JSONResponse(found.to_json())
                with suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), min(remaining, QUEUE_POLL_S))
            finally:
                signal.disarm(woken)

    @app.get("/v1/queue/status", tags=["queue"])
    def queue_status(me: Me) -> JSONResponse:
        """The office's queue today: waiting per group, serving per counter, last calls."""
        with db.read() as s:
            return JSONResponse(queue.status(s, me.office_code, clock()).to_json())

    @app.get("/v1/queue/config", tags=["queue"])
    def queue_config(me: Me) -> JSONResponse:
        """The office's queue configuration (groups, priority rule, counters)."""
        with db.read() as s:
            return JSONResponse({"config": queue.load_config(s, me.office_code).to_json()})

    @app.get("/v1/queue/stats", tags=["queue"])
    def queue_stats(
        me: Me,
        date_from: Annotated[date, Query(alias="from")],
        date_to: Annotated[date, Query(alias="to")],
    ) -> JSONResponse:
        """The office's queue statistics per day, group, counter and clerk."""
        with db.read() as s:
            st = queue.stats(s, office_codes=[me.office_code], date_from=date_from, date_to=date_to)
        return JSONResponse(st.to_json())

    @app.get("/q/{ticket_id}", response_class=HTMLResponse, tags=["queue"], include_in_schema=False)
    def ticket_page(ticket_id: Annotated[str, Path(max_length=36)]) -> HTMLResponse:
        """The page a ticket's QR code opens on the citizen's phone: the ticket's status and
        how many are still ahead. Public: the id is an unguessable UUID."""
        with db.read() as s:
            row = s.get(QueueTicketRow, ticket_id)
            if row is None:
                return HTMLResponse(
                    _page("Không tìm thấy phiếu", "<p>Phiếu không tồn tại.</p>"), 404
                )
            t = queue.ticket_of(row)
            ahead = queue.people_ahead(s, t)
        state = html.escape(STATUS_LABELS.get(t.status, t.status))
        body = (
            f"<p class='n'>{html.escape(t.number)}</p><p>{html.escape(t.group_name)}</p>"
            f"<p>Trạng thái: <b>{state}</b></p>"
        )
        if t.status == TicketStatus.WAITING:
            body += f"<p>Số người chờ trước bạn: <b>{ahead}</b></p>"
        elif t.counter is not None and t.status == TicketStatus.CALLED:
            body += f"<p>Mời đến <b>quầy số {t.counter}</b></p>"
        body += f"<p class='s'>Lấy số lúc {to_vn(t.issued_at):%H:%M %d/%m/%Y}</p>"
        return HTMLResponse(_page(f"Phiếu {t.number}", body))


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta http-equiv='refresh' content='20'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;text-align:center;"
        "margin:2em}.n{font-size:4em;font-weight:bold;margin:.2em}.s{color:#666}</style></head>"
        f"<body>{body}</body></html>"
    )
