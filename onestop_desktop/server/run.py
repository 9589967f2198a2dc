"""Run the server on uvicorn (TLS when a certificate and key are given)."""

from __future__ import annotations

import logging

from onestop_desktop.errors import UserError
from onestop_desktop.server.app import create_app
from onestop_desktop.server.logs import configure_json_logging

log = logging.getLogger(__name__)


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8443`` for IPv6) → (host, port)."""
    host, sep, port = bind.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"Địa chỉ '{bind}' không hợp lệ; dùng dạng HOST:PORT, ví dụ 0.0.0.0:8443.")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def serve(db_url: str, bind: str, certfile: str | None = None, keyfile: str | None = None) -> None:
    """Migrate the database, then serve until interrupted."""
    import uvicorn  # noqa: PLC0415 - only the running server needs it

    if (certfile is None) != (keyfile is None):
        raise UserError("Cần cả --cert và --key để bật TLS.")
    host, port = parse_bind(bind)
    configure_json_logging()
    app = create_app(db_url)
    log.info("listening", extra={"host": host, "port": port, "tls": certfile is not None})
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_config=None,  # keep our JSON-lines handler
        access_log=False,  # the app logs every request itself, with duration and device
        proxy_headers=False,
    )
