"""The real server app in-process (no socket) and a fault-injecting httpx transport.

``InProcServer`` runs ``onestop_desktop.server.app.create_app`` on a SQLite file behind
``AppTransport`` — a synchronous httpx transport over ``httpx.ASGITransport`` whose requests
all run on one event loop (an anyio blocking portal thread), like starlette's ``TestClient``
transport but on public httpx API only (``TestClient`` warns with httpx, and this project turns
warnings into errors). A workstation's real ``SyncClient`` thus talks to the real app through
the real ASGI stack (middleware included), fast enough for hypothesis. ``FaultTransport`` wraps
that transport and, request by request, does what a bad network does:

- ``REFUSE``: raise ``httpx.ConnectError`` before the request reaches the server (nothing done);
- ``LOSE``: let the server process the request (and COMMIT), then raise ``httpx.ReadError``
  (the reply is lost);
- ``DUPLICATE``: deliver the request twice (a retrying proxy); the client sees the 2nd answer.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
from fastapi import FastAPI

from onestop_desktop.server.app import create_app
from onestop_desktop.services import enrollment
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment_client import enroll_workstation, load_credentials
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import SyncClient

BASE_URL = "http://testserver"
REFUSE = "refuse"
LOSE = "lose"
DUPLICATE = "duplicate"
FAULTS = (REFUSE, LOSE, DUPLICATE)


@dataclass
class FaultTransport(httpx.BaseTransport):
    """Forwards requests to ``inner``, applying the armed faults one request at a time."""

    inner: httpx.BaseTransport
    armed: deque[str | None] = field(default_factory=deque)
    requests: int = 0
    injected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULTS, 0))

    def arm(self, faults: Iterable[str | None]) -> None:
        """The next requests get these faults, in order (``None``: delivered normally)."""
        self.armed = deque(faults)

    def disarm(self) -> None:
        self.armed.clear()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        fault = self.armed.popleft() if self.armed else None
        if fault is not None:
            self.injected[fault] += 1
        if fault == REFUSE:
            raise httpx.ConnectError("injected: connection refused", request=request)
        if fault == DUPLICATE:
            first = self.inner.handle_request(request)
            first.read()
            first.close()
        response = self.inner.handle_request(request)
        if fault == LOSE:
            response.read()  # the server has answered (after its COMMIT) ...
            response.close()
            raise httpx.ReadError("injected: reply lost", request=request)  # ... but not to us
        return response

    def close(self) -> None:
        """The in-process server outlives every client using it."""


class AppTransport(httpx.BaseTransport):
    """Synchronous requests to an ASGI app, served on one event loop in a helper thread.

    Server-side exceptions propagate to the caller (``raise_app_exceptions``): a bug in the
    server fails the test instead of hiding as a 500.
    """

    def __init__(self, app: FastAPI) -> None:
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def go() -> httpx.Response:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(forwarded)
            raw = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
            return httpx.Response(response.status_code, headers=response.headers, content=raw)

        return self._portal.call(go)

    def shutdown(self) -> None:
        """Stop the event loop thread (``close`` is a client's, and clients come and go)."""
        self._portal_cm.__exit__(None, None, None)


class InProcServer:
    """The real server app on ``db_path`` (a SQLite file), served in-process."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.app = create_app(str(db_path))
        self.db: Database = self.app.state.db
        self.transport = AppTransport(self.app)

    def close(self) -> None:
        """Stop serving and release the database (what the app's lifespan does at shutdown)."""
        self.transport.shutdown()
        self.db.dispose()

    def __enter__(self) -> InProcServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def fault_transport(self) -> FaultTransport:
        """A new fault-injecting transport to this server (one per workstation)."""
        return FaultTransport(self.transport)

    def enroll(self, ws: Workstation, office: str, name: str) -> str:
        """Enroll ``ws`` for ``office`` as the admin + ``onestop enroll`` would; its device id."""
        token = enrollment.issue_token(self.db, office)
        got = enroll_workstation(
            ws,
            BASE_URL,
            token,
            name,
            client_factory=lambda url: SyncClient(url, transport=self.fault_transport()),
        )
        return got.device_id

    def client(self, ws: Workstation, transport: httpx.BaseTransport | None = None) -> SyncClient:
        """An authenticated client of enrolled ``ws`` (like ``connect(ws)``), via ``transport``."""
        creds = load_credentials(ws)
        return SyncClient(
            creds.server_url,
            device_id=creds.device_id,
            secret=creds.secret,
            transport=transport or self.fault_transport(),
        )


def dump(value: Any) -> str:
    """Stable JSON text of a value (for assertion messages)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
