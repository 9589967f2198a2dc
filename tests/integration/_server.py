"""Helpers for tests that need a real ``onestop server run`` process or a PostgreSQL database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database URL (dropped afterwards); skips when PG is not reachable."""
    psycopg = pytest.importorskip("psycopg")
    name = f"onestop_t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:  # pragma: no cover - environment
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_server(
    db_url: str,
    log_file: Path,
    *,
    start_timeout: float = 30,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``onestop server run`` on a free loopback port; yields its base URL; kills it after.

    ``env`` adds environment variables to the server process.
    """
    port = free_port()
    with log_file.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "onestop_desktop",
                "server",
                "run",
                "--db",
                db_url,
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log_file.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
            yield base
        finally:
            proc.kill()
            proc.wait(10)


def server_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``onestop server ARGS`` in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "onestop_desktop", "server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
