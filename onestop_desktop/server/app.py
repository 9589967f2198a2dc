"""The district server's ASGI app: ``create_app(db_url)`` (run by ``onestop server run``).

Every ``/v1`` endpoint except enrollment needs ``Authorization: Bearer <device_id>:<secret>``.
Bodies are size-checked and validated before any transaction; errors carry a Vietnamese
``detail`` for the user.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoint annotations at runtime,
# and the auth dependency is a closure it could not resolve from a string.
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onestop_desktop import __version__
from onestop_desktop.domain.dossier import Event, EventType
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import EnvironmentFault, NotFoundError
from onestop_desktop.server.logs import ACCESS_LOGGER
from onestop_desktop.server.schemas import (
    EnrollRequest,
    EnrollResponse,
    Handshake,
    Health,
    Problem,
    PullEventBody,
    PullResponse,
    PushRequest,
    PushResponse,
    PushResultBody,
    WhoAmI,
)
from onestop_desktop.services import enrollment, sync_server
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

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


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
    info = prepare_server(db)
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
    _install_logging(app)
    _install_errors(app)

    def epoch() -> str:
        with db.read() as s:
            return repo.get_setting(s, SERVER_EPOCH) or info.server_epoch

    def device(request: Request) -> DeviceIdentity:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        device_id, sep, secret = credentials.strip().partition(":")
        if scheme.lower() != "bearer" or not sep or not device_id or not secret:
            raise AuthenticationFailed(
                "Thiếu thông tin xác thực máy trạm (Authorization: Bearer <mã máy>:<khóa>)."
            )
        identity = enrollment.authenticate(db, device_id, secret)
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
    def handshake(_me: Annotated[DeviceIdentity, Depends(device)]) -> Handshake:
        """Protocol and schema versions, the server epoch and the server clock.

        Answered to any authenticated client, even one too old to push or pull, so it can say
        why.
        """
        return Handshake(
            protocol=protocol.PROTOCOL_VERSION,
            min_client_protocol=min_client,
            schema=info.schema_revision,
            epoch=epoch(),
            server_time=datetime.now(UTC).isoformat(),
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
            outcome = sync_server.push_events(db, me, events)
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
                )
                for r in outcome.results
            ],
            epoch=outcome.epoch,
        )

    @app.get("/v1/pull", response_model=PullResponse, responses=_SYNC_ERRORS, tags=["sync"])
    def pull(
        me: Annotated[DeviceIdentity, Depends(recent_client)],
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=sync_server.MAX_PULL)] = 500,
    ) -> PullResponse:
        """Events with ``server_seq > after`` of dossiers in this device's scope, in order.

        ``next`` is the last sequence of the page (or ``after``); ``more`` says another page
        is waiting.
        """
        page = sync_server.pull_events(db, me, after, limit)
        return PullResponse(
            events=[
                PullEventBody(
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
                for p in page.events
            ],
            next=page.next,
            more=page.more,
            epoch=page.epoch,
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
        if isinstance(exc, EnrollmentRefused):
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
