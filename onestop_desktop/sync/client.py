"""HTTP client of the district server (httpx, synchronous; run it off the GUI thread).

Failures are mapped to the project's error taxonomy so every front end can show one line:

- :class:`ServerUnreachable` (an :class:`~onestop_desktop.errors.EnvironmentFault`): no answer —
  connection refused, DNS, TLS, timeout, or a connection cut mid-answer.
- :class:`ServerFault` (an ``EnvironmentFault``): the server answered 5xx or something that is
  not its JSON.
- :class:`Refused` (a :class:`~onestop_desktop.errors.UserError`): 401/403 — bad or used token,
  wrong or revoked credentials; carries the server's Vietnamese ``detail``.
- :class:`RequestRejected` (a ``UserError``): any other 4xx, with the server's ``detail``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from onestop_desktop.errors import EnvironmentFault, UserError

DEFAULT_TIMEOUT = 10.0


class ServerUnreachable(EnvironmentFault):
    """The server could not be reached (or stopped answering)."""


class ServerFault(EnvironmentFault):
    """The server answered with an error of its own (5xx) or an unreadable body."""


class Refused(UserError):
    """The server refused the credentials or the token (401/403); ``str()`` is its detail."""

    def __init__(self, detail: str, status_code: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code


class RequestRejected(UserError):
    """The server rejected the request as invalid (another 4xx); ``str()`` is its detail.

    ``body`` is the server's whole JSON answer (e.g. ``expected_seq`` of a refused push).
    """

    def __init__(self, detail: str, status_code: int, body: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.body = body or {}


def normalize_server_url(url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash.

    Raises:
        UserError: not an http(s) URL with a host.
    """
    text = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UserError(
            f"Địa chỉ máy chủ '{url}' không hợp lệ; dùng dạng http://máy-chủ:cổng "
            "hoặc https://máy-chủ:cổng."
        )
    return text


class SyncClient:
    """A connection to one server; authenticated calls need ``device_id`` and ``secret``."""

    def __init__(
        self,
        base_url: str,
        *,
        device_id: str | None = None,
        secret: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = normalize_server_url(base_url)
        self.device_id = device_id
        self._secret = secret
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # ----------------------------------------------------------------------- endpoints

    def health(self) -> dict[str, Any]:
        """``GET /health``: status, version, schema revision, server epoch."""
        return self._call("GET", "/health")

    def enroll(self, token: str, device_name: str) -> dict[str, Any]:
        """Trade a one-time token for a device identity (``secret`` is in the answer, once)."""
        return self._call("POST", "/v1/enroll", json={"token": token, "device_name": device_name})

    def whoami(self) -> dict[str, Any]:
        """The authenticated device and the offices it may read and write."""
        return self._call("GET", "/v1/whoami", auth=True)

    def push(self, events: list[dict[str, Any]], epoch: str | None = None) -> dict[str, Any]:
        """``POST /v1/push``: a batch of this device's events; ``{"results", "epoch"}``.

        Raises:
            RequestRejected: 409 (``body`` has ``expected_seq`` or ``quarantined``), 400, 413.
        """
        return self._call("POST", "/v1/push", auth=True, json={"epoch": epoch, "events": events})

    def pull(self, after: int, limit: int) -> dict[str, Any]:
        """``GET /v1/pull``: events after the cursor; ``{"events", "next", "more", "epoch"}``."""
        return self._call("GET", "/v1/pull", auth=True, params={"after": after, "limit": limit})

    # ----------------------------------------------------------------------- plumbing

    def _call(
        self,
        method: str,
        path: str,
        *,
        auth: bool = False,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        if auth:
            if not self.device_id or not self._secret:
                raise UserError("Máy trạm chưa đăng ký với máy chủ; hãy chạy 'onestop enroll'.")
            headers["Authorization"] = f"Bearer {self.device_id}:{self._secret}"
        try:
            response = self._http.request(method, path, json=json, headers=headers, params=params)
        except httpx.TransportError as exc:
            raise ServerUnreachable(
                f"Không kết nối được máy chủ {self.base_url} ({_reason(exc)}); "
                "hãy kiểm tra mạng và địa chỉ máy chủ rồi thử lại."
            ) from exc
        return _answer(self.base_url, response)


def _reason(exc: httpx.TransportError) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _answer(base_url: str, response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if status in (401, 403):
        raise Refused(
            detail if isinstance(detail, str) and detail else "Máy chủ từ chối yêu cầu.", status
        )
    if 400 <= status < 500:
        raise RequestRejected(
            detail
            if isinstance(detail, str) and detail
            else f"Máy chủ không chấp nhận yêu cầu (mã {status}).",
            status,
            body if isinstance(body, dict) else None,
        )
    if status >= 500 or not isinstance(body, dict):
        suffix = f": {detail}" if isinstance(detail, str) and detail else ""
        raise ServerFault(
            f"Máy chủ {base_url} gặp sự cố (mã {status}){suffix}; hãy thử lại sau."
            if status >= 300
            else f"Máy chủ {base_url} trả lời không hợp lệ; kiểm tra lại địa chỉ máy chủ."
        )
    return body


__all__ = [
    "DEFAULT_TIMEOUT",
    "Refused",
    "RequestRejected",
    "ServerFault",
    "ServerUnreachable",
    "SyncClient",
    "normalize_server_url",
]
