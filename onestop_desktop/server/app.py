"""The district server's ASGI app: ``create_app(db_url)`` (run by ``onestop server run``).

Every ``/v1`` endpoint except enrollment needs ``Authorization: Bearer <device_id>:<secret>``.
Bodies are size-checked and validated before any transaction; errors carry a Vietnamese
``detail`` for the user.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoint annotations at runtime,
# and the auth dependency is a closure it could not resolve from a string.
import asyncio
import logging
import os
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onestop_desktop import __version__
from onestop_desktop.domain.dossier import Event, EventType
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import EnvironmentFault, NotFoundError
from onestop_desktop.server.logs import ACCESS_LOGGER
from onestop_desktop.server.queue_api import install_queue_routes
from onestop_desktop.server.schemas import (
    EnrollRequest,
    EnrollResponse,
    Handshake,
    Health,
    HistoryResponse,
    Problem,
    PullEventBody,
    PullResponse,
    PushRequest,
    PushResponse,
    PushResultBody,
    ReferenceResponse,
    WhoAmI,
)
from onestop_desktop.server.wakeup import Wakeup
from onestop_desktop.services import enrollment, server_reports, sync_reference, sync_server
from onestop_desktop.services.enrollment import (
    AuthenticationFailed,
    DeviceIdentity,
    EnrollmentRefused,
)
from onestop_desktop.services.server_setup import SERVER_EPOCH, prepare_server
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.sync import protocol

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOGGER)

#: Largest request body accepted (push batches of ≤ 500 events stay far below it).
MAX_BODY_BYTES = 4 * 1024 * 1024

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    413: {"model": Problem},
}
_SYNC_ERRORS: dict[int | str, dict[str, Any]] = {**_ERRORS, 426: {"model": Problem}}
_PUSH_ERRORS: dict[int | str, dict[str, Any]] = {**_SYNC_ERRORS, 409: {"model": Problem}}


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413 before the app (and a transaction) runs."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the whole body (up to the limit), then replay it to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                await _too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"", b"identity"):
            decoded = await _decoded_body(scope, receive, send, encoding, messages, self.limit)
            if decoded is None:
                return
            scope, messages = decoded

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


#: Content encodings of request bodies the server decodes (responses: GZipMiddleware).
REQUEST_ENCODINGS = (b"gzip",)
#: Responses from this size on are gzip-compressed for clients that accept it.
GZIP_MIN_BYTES = 1024
#: Fallback poll period of a long-polling pull (another server process may have committed).
LONG_POLL_INTERVAL_S = 0.2
#: The longest wait a long-polling pull may ask for, in seconds.
MAX_PULL_WAIT_S = 30.0


async def _decoded_body(
    scope: Scope,
    receive: Receive,
    send: Send,
    encoding: bytes,
    messages: list[Message],
    limit: int,
) -> tuple[Scope, list[Message]] | None:
    """Decompress a whole request body, refusing more than ``limit`` bytes once decompressed.

    Answers 415 (unknown encoding), 400 (corrupt data) or 413 (a decompression bomb) itself and
    returns None; otherwise the scope without ``content-encoding`` and the decoded messages.
    """
    if encoding not in REQUEST_ENCODINGS:
        await _problem_asgi(
            scope,
            receive,
            send,
            415,
            f"Kiểu nén dữ liệu '{encoding.decode('latin-1')[:20]}' không được hỗ trợ "
            "(chỉ nhận gzip).",
        )
        return None
    raw = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    if not raw:  # nothing to decode (a body-less request that named an encoding)
        return scope, messages
    rest = [m for m in messages if m["type"] != "http.request"]
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, limit + 1)
        if len(body) > limit:
            await _too_large(scope, receive, send)
            return None
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            raise zlib.error("truncated or trailing data")
    except zlib.error:
        await _problem_asgi(
            scope, receive, send, 400, "Dữ liệu nén gửi lên bị hỏng (gzip không hợp lệ)."
        )
        return None
    headers = [
        (k, v)
        for k, v in scope.get("headers") or []
        if k.lower() not in (b"content-encoding", b"content-length")
    ]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    decoded: Message = {"type": "http.request", "body": body, "more_body": False}
    return {**scope, "headers": headers}, [decoded, *rest]


async def _problem_asgi(
    scope: Scope, receive: Receive, send: Send, status: int, detail: str
) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


class PushNotifier:
    """After a successful ``POST /v1/push`` (answered after COMMIT), wake the long polls."""

    def __init__(self, app: ASGIApp, signal: Wakeup) -> None:
        self.app = app
        self.signal = signal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through; notify when a push answered 200."""
        if scope["type"] != "http" or scope.get("path") != "/v1/push":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if status == 200:
                self.signal.notify()


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"detail": f"Dữ liệu gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1024} KiB)."},
        status_code=413,
    )
    await response(scope, receive, send)


def min_client_protocol_from_env() -> int:
    """The oldest client protocol to accept: ``$ONESTOP_MIN_CLIENT_PROTOCOL`` or the default.

    Raises:
        EnvironmentFault: the variable is set but not a positive integer.
    """
    raw = os.environ.get(protocol.MIN_CLIENT_PROTOCOL_ENV, "").strip()
    if not raw:
        return protocol.MIN_CLIENT_PROTOCOL
    if not raw.isdigit() or int(raw) < 1:
        raise EnvironmentFault(
            f"Biến môi trường {protocol.MIN_CLIENT_PROTOCOL_ENV}='{raw}' không hợp lệ "
            "(cần một số nguyên dương)."
        )
    return int(raw)


def client_protocol(request: Request) -> int:
    """The client's protocol from its header (absent: 1, the protocol before the handshake).

    Raises:
        HTTPException: 400 when the header is not a positive integer.
    """
    raw = request.headers.get(protocol.PROTOCOL_HEADER)
    if raw is None:
        return 1
    text = raw.strip()
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise HTTPException(
            400, f"Phiên bản giao thức không hợp lệ ({protocol.PROTOCOL_HEADER}: {raw[:20]})."
        )
    return int(text)


def create_app(db_url: str, *, min_client_protocol: int | None = None) -> FastAPI:
    """The server app on the database at ``db_url`` (created or migrated right away).

    ``min_client_protocol`` is the oldest client protocol accepted for push and pull (default:
    ``$ONESTOP_MIN_CLIENT_PROTOCOL`` or :data:`~onestop_desktop.sync.protocol.MIN_CLIENT_PROTOCOL`).
    """
    min_client = (
        min_client_protocol_from_env() if min_client_protocol is None else min_client_protocol
    )
    db = Database.open(db_url)
    info = prepare_server(db, starting=True)
    log.info(
        "server database ready",
        extra={"schema_revision": info.schema_revision, "loaded_bundled": info.loaded_bundled},
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        db.dispose()

    app = FastAPI(
        title="OneStop server",
        version=__version__,
        description="Đồng bộ dữ liệu một cửa giữa máy trạm và máy chủ cấp huyện/xã.",
        lifespan=lifespan,
    )
    app.state.db = db
    app.add_middleware(BodyLimit)
    signal = Wakeup()
    app.add_middleware(PushNotifier, signal=signal)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    _install_logging(app)
    _install_errors(app)

    def epoch() -> str:
        with db.read() as s:
            return repo.get_setting(s, SERVER_EPOCH) or info.server_epoch

    def device(request: Request) -> DeviceIdentity:
        identity = enrollment.authenticate(db, *_bearer(request))
        request.state.device_id = identity.device_id
        return identity

    def recent_client(
        me: Annotated[DeviceIdentity, Depends(device)],
        version: Annotated[int, Depends(client_protocol)],
    ) -> DeviceIdentity:
        """The authenticated device, refused with 426 when its protocol is too old."""
        if version < min_client:
            log.warning(
                "client too old",
                extra={"device_id": me.device_id, "protocol": version, "min": min_client},
            )
            raise HTTPException(
                426,
                f"Phần mềm máy trạm quá cũ (giao thức {version}, máy chủ cần từ {min_client}); "
                "hãy cập nhật phần mềm OneStop trên máy trạm. Dữ liệu chưa đồng bộ vẫn được giữ.",
            )
        return me

    def queue_client(
        request: Request, version: Annotated[int, Depends(client_protocol)]
    ) -> DeviceIdentity:
        """The authenticated device for the queue: its own office only (no scope walk)."""
        me = enrollment.authenticate(db, *_bearer(request), with_scope=False)
        request.state.device_id = me.device_id
        return recent_client(me, version)

    install_queue_routes(app, db, queue_client)

    @app.get("/health", response_model=Health, tags=["server"])
    def health() -> Health:
        """Liveness and what a client checks first: schema revision and server epoch."""
        return Health(
            status="ok",
            version=__version__,
            schema_revision=info.schema_revision,
            server_epoch=epoch(),
        )

    @app.post("/v1/enroll", response_model=EnrollResponse, responses=_ERRORS, tags=["trust"])
    def enroll(body: EnrollRequest) -> EnrollResponse:
        """Trade a one-time token for a device identity (the secret is shown only here)."""
        got = enrollment.enroll(db, body.token, body.device_name)
        log.info(
            "device enrolled",
            extra={"device_id": got.device_id, "office": got.office_code, "n": got.device_number},
        )
        return EnrollResponse(
            device_id=got.device_id,
            device_number=got.device_number,
            office_code=got.office_code,
            counter_number=got.counter_number,
            secret=got.secret,
            server_epoch=epoch(),
        )

    @app.get("/v1/whoami", response_model=WhoAmI, responses=_ERRORS, tags=["trust"])
    def whoami(me: Annotated[DeviceIdentity, Depends(device)]) -> WhoAmI:
        """The authenticated device and the offices whose data it may read and write."""
        return WhoAmI(
            device_id=me.device_id,
            device_number=me.device_number,
            office_code=me.office_code,
            counter_number=me.counter_number,
            name=me.name,
            quarantined=me.quarantined,
            unit_code=me.unit_code,
            unit_level=me.unit_level,
            scope=list(me.scope),
            server_epoch=epoch(),
        )

    @app.get("/v1/handshake", response_model=Handshake, responses=_ERRORS, tags=["sync"])
    def handshake(request: Request, me: Annotated[DeviceIdentity, Depends(device)]) -> Handshake:
        """Protocol and schema versions, the server epoch (with its base and the last sequence
        stored for this device, to reconcile after a restart or a restore) and the server clock.

        Answered to any authenticated client, even one too old to push or pull, so it can say
        why. The client's clock (``X-OneStop-Client-Time``) is recorded as the device's skew.
        """
        now = datetime.now(UTC)
        state = sync_server.handshake_state(db, me, _client_time(request), now)
        return Handshake(
            protocol=protocol.PROTOCOL_VERSION,
            min_client_protocol=min_client,
            schema=info.schema_revision,
            epoch=state.epoch,
            epoch_base=state.epoch_base,
            device_last_seq=state.device_last_seq,
            server_time=now.isoformat(),
        )

    @app.post("/v1/push", response_model=PushResponse, responses=_PUSH_ERRORS, tags=["sync"])
    def push(
        body: PushRequest, me: Annotated[DeviceIdentity, Depends(recent_client)]
    ) -> PushResponse | JSONResponse:
        """Store a batch of this device's events once each, in order; answer after COMMIT.

        409: a gap (``expected_seq``), a fork or a quarantined device (``quarantined``), or an
        event that cannot be stored; nothing of the batch is kept then. 426: the client's
        protocol is older than the server accepts.
        """
        events = [
            Event(
                id=e.id,
                dossier_id=e.dossier_id,
                type=EventType(e.type),
                payload=e.payload,
                occurred_at=datetime.fromisoformat(e.occurred_at),
                user_id=e.user_id,
                device_id=me.device_id,
                device_seq=e.device_seq,
                hlc=e.hlc,
            )
            for e in body.events
        ]
        try:
            outcome = sync_server.push_events(db, me, events, epoch=body.epoch)
        except sync_server.PushRefused as exc:
            log.warning(
                "push refused",
                extra={"device_id": me.device_id, "reason": type(exc).__name__},
            )
            return JSONResponse(exc.body(), status_code=exc.status)
        return PushResponse(
            results=[
                PushResultBody(
                    id=r.id,
                    disposition=r.disposition,
                    server_seq=r.server_seq,
                    original_disposition=r.original,
                    occurred_at=r.clamped_at.isoformat() if r.clamped_at else None,
                )
                for r in outcome.results
            ],
            epoch=outcome.epoch,
        )

    async def long_poll(
        me: Annotated[DeviceIdentity, Depends(recent_client)],
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        wait: Annotated[float, Query(ge=0, le=MAX_PULL_WAIT_S)] = 0,
    ) -> None:
        """With ``wait`` > 0: hold the pull until an event after ``after`` is in scope, or
        until ``wait`` seconds have passed. Async, so a waiting pull holds no worker thread;
        woken by a push of this process, and polls the database cheaply for other processes.
        """
        if wait <= 0:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            woken = signal.arm()
            try:
                probe = await run_in_threadpool(sync_server.pull_events, db, me, after, 1)
                remaining = deadline - loop.time()
                if probe.events or remaining <= 0:
                    return
                with suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), min(remaining, LONG_POLL_INTERVAL_S))
            finally:
                signal.disarm(woken)

    @app.get("/v1/pull", response_model=PullResponse, responses=_SYNC_ERRORS, tags=["sync"])
    def pull(
        me: Annotated[DeviceIdentity, Depends(recent_client)],
        _waited: Annotated[None, Depends(long_poll)],
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=sync_server.MAX_PULL)] = 500,
    ) -> PullResponse:
        """Events with ``server_seq > after`` of dossiers in this device's scope, in order.

        ``next`` is the last sequence of the page (or ``after``); ``more`` says another page
        is waiting.
        """
        page = sync_server.pull_events(db, me, after, limit)
        return PullResponse(
            events=[_event_body(p) for p in page.events],
            next=page.next,
            more=page.more,
            epoch=page.epoch,
        )

    @app.get("/v1/report", responses=_SYNC_ERRORS, tags=["reports"])
    def report(
        me: Annotated[DeviceIdentity, Depends(recent_client)],
        date_from: Annotated[date, Query(alias="from")],
        date_to: Annotated[date, Query(alias="to")],
        unit: Annotated[str | None, Query(max_length=20)] = None,
        procedure: Annotated[str | None, Query(max_length=50)] = None,
    ) -> JSONResponse:
        """The periodic report (Biểu II.06a) over the server's data — the district view.

        ``unit`` defaults to the device's own unit (a district device: the whole district);
        a unit with an office outside the device's scope → 403. The same computation as a
        workstation's ``onestop report``, so the same data gives the same numbers.
        """
        rep = server_reports.report_for_device(db, me, date_from, date_to, unit, procedure)
        return JSONResponse(rep.to_json())

    @app.get("/v1/history", response_model=HistoryResponse, responses=_SYNC_ERRORS, tags=["sync"])
    def history(
        me: Annotated[DeviceIdentity, Depends(recent_client)],
        dossier: Annotated[list[str], Query(max_length=sync_server.MAX_HISTORY)],
    ) -> HistoryResponse:
        """Every stored event of the given dossiers (of this device's scope), in server order.

        For a dossier that came into the scope after the device's cursor passed its history
        (SYNC-FAULTS 23): the workstation fetches it by id when a pulled event names a dossier
        it does not hold.
        """
        events = sync_server.dossier_history(db, me, dossier)
        return HistoryResponse(events=[_event_body(p) for p in events])

    @app.get(
        "/v1/reference", response_model=ReferenceResponse, responses=_ERRORS, tags=["reference"]
    )
    def reference(
        me: Annotated[DeviceIdentity, Depends(device)],
        have: Annotated[str | None, Query(max_length=128)] = None,
    ) -> JSONResponse:
        """Reference data (catalog, units and offices, calendar, users, the scope's devices)
        with its content version; ``{"unchanged": true, "version"}`` when ``have`` is current.
        """
        snapshot = sync_reference.reference_snapshot(db, me)
        if have == snapshot.version:
            return JSONResponse({"version": snapshot.version, "unchanged": True, "data": None})
        return JSONResponse(
            {"version": snapshot.version, "unchanged": False, "data": snapshot.data}
        )

    return app


def _install_logging(app: FastAPI) -> None:
    @app.middleware("http")
    async def access(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["x-request-id"] = request_id
            return response
        finally:
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.url.path,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": request.client.host if request.client else None,
                    "device_id": getattr(request.state, "device_id", None),
                },
            )


def _event_body(p: sync_server.PulledEvent) -> PullEventBody:
    return PullEventBody(
        id=p.event.id,
        dossier_id=p.event.dossier_id,
        type=p.event.type.value,
        payload=dict(p.event.payload),
        occurred_at=p.event.occurred_at.isoformat(),
        user_id=p.event.user_id,
        device_id=p.event.device_id,
        device_seq=p.event.device_seq,
        hlc=p.event.hlc,
        server_seq=p.server_seq,
        disposition=p.disposition,
    )


def _bearer(request: Request) -> tuple[str, str]:
    """(device id, secret) from ``Authorization: Bearer <device_id>:<secret>``."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    device_id, sep, secret = credentials.strip().partition(":")
    if scheme.lower() != "bearer" or not sep or not device_id or not secret:
        raise AuthenticationFailed(
            "Thiếu thông tin xác thực máy trạm (Authorization: Bearer <mã máy>:<khóa>)."
        )
    return device_id, secret


def _client_time(request: Request) -> datetime | None:
    """The client's clock from ``X-OneStop-Client-Time`` (aware ISO 8601), if it sent one."""
    raw = request.headers.get(protocol.CLIENT_TIME_HEADER, "")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _problem(status: int, detail: str, headers: MutableMapping[str, str] | None = None) -> Any:
    return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))


def _install_errors(app: FastAPI) -> None:
    async def validation(_request: Request, exc: Exception) -> Any:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it
        fields = ", ".join(
            ".".join(str(p) for p in err.get("loc", ())[1:]) or "body" for err in exc.errors()
        )
        return _problem(400, f"Dữ liệu gửi lên không hợp lệ ({fields}).")

    async def domain(_request: Request, exc: Exception) -> Any:
        if isinstance(exc, AuthenticationFailed):
            return _problem(401, str(exc), {"WWW-Authenticate": "Bearer"})
        if isinstance(exc, EnrollmentRefused | server_reports.OutsideScope):
            return _problem(403, str(exc))
        if isinstance(exc, NotFoundError):
            return _problem(404, str(exc))
        return _problem(400, str(exc))

    async def environment(_request: Request, exc: Exception) -> Any:
        log.error("environment fault: %s", exc)
        return _problem(503, str(exc), {"Retry-After": "5"})

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(DomainError, domain)
    app.add_exception_handler(EnvironmentFault, environment)
