"""HTTP client of the district server (httpx, synchronous; run it off the GUI thread).

Failures are mapped to the project's error taxonomy so every front end can show one line:

- :class:`ServerUnreachable` (an :class:`~onestop_desktop.errors.EnvironmentFault`): no answer —
  connection refused, DNS, TLS, timeout, or a connection cut mid-answer.
- :class:`ServerFault` (an ``EnvironmentFault``): the server answered 5xx or something that is
  not its JSON.
- :class:`Refused` (a :class:`~onestop_desktop.errors.UserError`): 401/403 — bad or used token,
  wrong or revoked credentials; carries the server's Vietnamese ``detail``.
- :class:`RequestRejected` (a ``UserError``): any other 4xx, with the server's ``detail``.
- :class:`ProtocolMismatch` (an ``EnvironmentFault``): the server is too old for this client, or
  answered 426 (this client is too old for the server). Nothing is sent; the outbox is kept.

Every request carries ``X-OneStop-Protocol``: this build's protocol version.
"""

from __future__ import annotations

import gzip
import json as jsonlib
import ssl
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from onestop_desktop.errors import EnvironmentFault, UserError
from onestop_desktop.sync import protocol

DEFAULT_TIMEOUT = 10.0
#: Request bodies from this size on are sent gzip-compressed (``Content-Encoding: gzip``).
COMPRESS_MIN_BYTES = 1024
#: The longest long-poll wait the server grants (``GET /v1/pull?wait=``), in seconds.
MAX_PULL_WAIT = 30.0


class ServerUnreachable(EnvironmentFault):
    """The server could not be reached (or stopped answering)."""


class ServerFault(EnvironmentFault):
    """The server answered with an error of its own (5xx) or an unreadable body."""


class ProtocolMismatch(EnvironmentFault):
    """This client and the server do not speak a common protocol version.

    ``side`` is ``"server"`` when the server is too old, ``"client"`` when this client is.
    """

    def __init__(self, message: str, side: Literal["client", "server"]) -> None:
        super().__init__(message)
        self.side = side


def client_too_old(detail: str | None = None) -> ProtocolMismatch:
    """The mismatch when the server needs a newer client (its ``detail`` when it gave one)."""
    return ProtocolMismatch(
        detail
        or "Phần mềm máy trạm quá cũ so với máy chủ; hãy cập nhật phần mềm OneStop. "
        "Dữ liệu chưa đồng bộ vẫn được giữ trên máy này.",
        "client",
    )


def server_too_old(base_url: str, version: int | None) -> ProtocolMismatch:
    """The mismatch when the server speaks an older protocol than this client accepts."""
    seen = "không rõ" if version is None else str(version)
    return ProtocolMismatch(
        f"Phần mềm máy chủ {base_url} quá cũ (giao thức {seen}, máy trạm cần từ "
        f"{protocol.MIN_SERVER_PROTOCOL}); máy chủ quá cũ, cần nâng cấp máy chủ. Máy trạm vẫn "
        "làm việc ngoại tuyến và giữ nguyên dữ liệu chưa đồng bộ.",
        "server",
    )


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
        ca_file: str | Path | None = None,
    ) -> None:
        self.base_url = normalize_server_url(base_url)
        self.device_id = device_id
        self._secret = secret
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            verify=_tls_context(ca_file),
            transport=transport,
            headers={
                "Accept": "application/json",
                protocol.PROTOCOL_HEADER: str(protocol.PROTOCOL_VERSION),
            },
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

    def handshake(self, client_time: datetime | None = None) -> dict[str, Any]:
        """``GET /v1/handshake``, checked: ``{protocol, min_client_protocol, schema, epoch,
        epoch_base, device_last_seq, server_time}`` with ``server_time`` parsed to an aware
        :class:`datetime` (``epoch_base``/``device_last_seq`` are ``None`` from a server that
        does not send them). ``client_time`` (this workstation's clock) lets the server record
        the skew.

        Raises:
            ProtocolMismatch: the server is older than ``MIN_SERVER_PROTOCOL`` (or has no
                handshake at all), or needs a newer client than this one.
            ServerFault: the answer is not a handshake.
        """
        try:
            headers = (
                {protocol.CLIENT_TIME_HEADER: client_time.isoformat()} if client_time else None
            )
            answer = self._call("GET", "/v1/handshake", auth=True, headers=headers)
        except RequestRejected as exc:
            if exc.status_code == 404:  # a server from before the handshake
                raise server_too_old(self.base_url, None) from exc
            raise
        version = answer.get("protocol")
        min_client = answer.get("min_client_protocol")
        schema = answer.get("schema")
        epoch = answer.get("epoch")
        when = answer.get("server_time")
        bad = ServerFault(f"Máy chủ {self.base_url} trả lời bắt tay không hợp lệ; thử lại sau.")
        if not (
            isinstance(version, int)
            and isinstance(min_client, int)
            and isinstance(schema, str)
            and isinstance(epoch, str)
            and isinstance(when, str)
        ):
            raise bad
        try:
            server_time = datetime.fromisoformat(when)
        except ValueError as exc:
            raise bad from exc
        if server_time.tzinfo is None:
            raise bad
        if version < protocol.MIN_SERVER_PROTOCOL:
            raise server_too_old(self.base_url, version)
        if min_client > protocol.PROTOCOL_VERSION:
            raise client_too_old(
                f"Phần mềm máy trạm quá cũ (giao thức {protocol.PROTOCOL_VERSION}, máy chủ cần "
                f"từ {min_client}); hãy cập nhật phần mềm OneStop. Dữ liệu chưa đồng bộ vẫn "
                "được giữ trên máy này."
            )
        base, last = answer.get("epoch_base"), answer.get("device_last_seq")
        if any(v is not None and (type(v) is not int or v < 0) for v in (base, last)):
            raise bad
        return {**answer, "server_time": server_time, "epoch_base": base, "device_last_seq": last}

    def push(self, events: list[dict[str, Any]], epoch: str | None = None) -> dict[str, Any]:
        """``POST /v1/push``: a batch of this device's events; ``{"results", "epoch"}``.

        Raises:
            RequestRejected: 409 (``body`` has ``expected_seq`` or ``quarantined``), 400, 413.
        """
        return self._call("POST", "/v1/push", auth=True, json={"epoch": epoch, "events": events})

    def reference(self, have: str | None = None) -> dict[str, Any]:
        """``GET /v1/reference``: ``{"version", "unchanged", "data"}``; ``unchanged`` (and no
        data) when ``have`` is the server's current version."""
        params = {"have": have} if have else None
        return self._call("GET", "/v1/reference", auth=True, params=params)

    def report(
        self, date_from: str, date_to: str, unit: str | None = None, procedure: str | None = None
    ) -> dict[str, Any]:
        """``GET /v1/report``: the periodic report over the server's data (district view)."""
        params = {"from": date_from, "to": date_to}
        params |= {"unit": unit} if unit else {}
        params |= {"procedure": procedure} if procedure else {}
        return self._call("GET", "/v1/report", auth=True, params=params)

    def history(self, dossier_ids: list[str]) -> dict[str, Any]:
        """``GET /v1/history``: ``{"events"}``, every stored event of these dossiers (≤ 100)."""
        return self._call("GET", "/v1/history", auth=True, params={"dossier": dossier_ids})

    def pull(self, after: int, limit: int, wait: float = 0) -> dict[str, Any]:
        """``GET /v1/pull``: events after the cursor; ``{"events", "next", "more", "epoch"}``.

        ``wait`` > 0 (seconds, at most :data:`MAX_PULL_WAIT`) long-polls: when nothing is after
        the cursor the server answers as soon as an event commits, or empty after ``wait``.
        """
        wait = max(0.0, min(float(wait), MAX_PULL_WAIT))
        params: dict[str, Any] = {"after": after, "limit": limit}
        if wait > 0:
            params["wait"] = wait
        return self._call("GET", "/v1/pull", auth=True, params=params, timeout=self._timeout + wait)

    def queue(self, op: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/queue/<op>`` (issue, call, recall, skip, hold, resume, finish, transfer,
        link, upload): the office's shared queue; ``{"ticket": …}`` for ticket operations."""
        return self._call("POST", f"/v1/queue/{op}", auth=True, json=body)

    def queue_changes(
        self, since: int, wait: float = 0, *, all_days: bool = False, limit: int | None = None
    ) -> dict[str, Any]:
        """``GET /v1/queue/changes``: today's tickets changed after ``since``; ``wait`` > 0
        long-polls up to that many seconds (at most :data:`MAX_PULL_WAIT`); ``all_days`` and
        ``limit`` page through every day's tickets."""
        wait = max(0.0, min(float(wait), MAX_PULL_WAIT))
        params: dict[str, Any] = {"since": since}
        if wait > 0:
            params["wait"] = wait
        if all_days:
            params["all_days"] = "true"
        if limit is not None:
            params["limit"] = limit
        return self._call(
            "GET", "/v1/queue/changes", auth=True, params=params, timeout=self._timeout + wait
        )

    def queue_get(self, what: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """``GET /v1/queue/<what>`` (status, config, stats)."""
        return self._call("GET", f"/v1/queue/{what}", auth=True, params=params)

    # ----------------------------------------------------------------------- plumbing

    def _call(
        self,
        method: str,
        path: str,
        *,
        auth: bool = False,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        headers = dict(headers or {})
        content = None if json is None else _encode_body(json, headers)
        if auth:
            if not self.device_id or not self._secret:
                raise UserError("Máy trạm chưa đăng ký với máy chủ; hãy chạy 'onestop enroll'.")
            headers["Authorization"] = f"Bearer {self.device_id}:{self._secret}"
        try:
            response = self._http.request(
                method,
                path,
                content=content,
                headers=headers,
                params=params,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TransportError as exc:
            if _certificate_refused(exc):
                raise ServerUnreachable(
                    f"Không xác minh được chứng chỉ bảo mật (TLS) của máy chủ {self.base_url} "
                    f"({_reason(exc)}); máy trạm chưa tin cậy chứng chỉ này. Hãy lấy tệp chứng "
                    "chỉ gốc (CA) của máy chủ từ quản trị viên và đăng ký với --ca-file, hoặc "
                    "kiểm tra địa chỉ máy chủ."
                ) from exc
            raise ServerUnreachable(
                f"Không kết nối được máy chủ {self.base_url} ({_reason(exc)}); "
                "hãy kiểm tra mạng và địa chỉ máy chủ rồi thử lại."
            ) from exc
        return _answer(self.base_url, response)


def _tls_context(ca_file: str | Path | None) -> ssl.SSLContext | bool:
    """Trust only ``ca_file`` when given; otherwise httpx's default (honours SSL_CERT_FILE).

    Raises:
        UserError: the CA file cannot be read as PEM certificates.
    """
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise UserError(
            f"Không đọc được tệp chứng chỉ gốc (CA) {ca_file}: {exc}; cần một tệp PEM."
        ) from exc


def _encode_body(value: Any, headers: dict[str, str]) -> bytes:
    """JSON bytes, gzip-compressed (and ``headers`` told so) from ``COMPRESS_MIN_BYTES`` on."""
    raw = jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    body = raw.encode("utf-8")
    headers["Content-Type"] = "application/json"
    if len(body) >= COMPRESS_MIN_BYTES:
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body, compresslevel=6, mtime=0)
    return body


def _certificate_refused(exc: BaseException) -> bool:
    """True when the TLS handshake failed because the server's certificate is not trusted."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


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
    if status == 426:
        raise client_too_old(detail if isinstance(detail, str) and detail else None)
    if status in (401, 403):
        raise Refused(
            detail if isinstance(detail, str) and detail else "Máy chủ từ chối yêu cầu.", status
        )
    if status in (408, 429):  # busy or slow: temporary, like a 5xx (retried with backoff)
        raise ServerFault(
            f"Máy chủ {base_url} đang quá tải (mã {status}); máy trạm sẽ tự thử lại sau."
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
    "COMPRESS_MIN_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_PULL_WAIT",
    "ProtocolMismatch",
    "Refused",
    "RequestRejected",
    "ServerFault",
    "ServerUnreachable",
    "SyncClient",
    "normalize_server_url",
]
