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
from typing import Any

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


# --------------------------------------------------------------------------- process-level faults


class ServerProcess:
    """A real ``onestop server run`` on a FIXED loopback port, to SIGKILL and restart.

    ``start(env)`` launches it (``env`` added to the environment) and waits for ``/health``;
    ``kill()`` sends SIGKILL and reaps it. The port stays the same across restarts, so the
    server URL enrolled workstations keep is still right.
    """

    def __init__(self, db_url: str, log_file: Path, port: int | None = None) -> None:
        self.db_url = db_url
        self.log_file = log_file
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, env: dict[str, str] | None = None, timeout: float = 30) -> None:
        """Start the server and wait until it answers ``/health``."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        log = self.log_file.with_suffix(f".{self.starts}.log")
        with log.open("wb") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "onestop_desktop",
                    "server",
                    "run",
                    "--db",
                    self.db_url,
                    "--bind",
                    f"127.0.0.1:{self.port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, **(env or {})},
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server (no shutdown of any kind) and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@contextmanager
def server_process(
    db_url: str, log_file: Path, env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """A started :class:`ServerProcess`, killed at the end whatever happened."""
    server = ServerProcess(db_url, log_file)
    try:
        server.start(env)
        yield server
    finally:
        server.kill()


def workstation(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start a workstation process ``python -m onestop_desktop --db DB ARGS`` (pipes captured)."""
    return subprocess.Popen(
        [sys.executable, "-m", "onestop_desktop", "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "USER": "tester", "LOGNAME": "tester", **(env or {})},
    )


def workstation_run(
    db: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str, str]:
    """Run a workstation process to its end: (exit code, stdout, stderr)."""
    proc = workstation(db, *args, env=env)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_mark(mark: Path, *procs: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Wait until a fault checkpoint created ``mark`` (fails early if a process ended)."""
    deadline = time.monotonic() + timeout
    while not mark.exists():
        for p in procs:
            assert p.poll() is None, f"process ended (code {p.returncode}) before {mark.name}"
        assert time.monotonic() < deadline, f"checkpoint {mark.name} not reached"
        time.sleep(0.02)


def push_loop(db_path: str, worker: int, rounds: int, results: Any) -> None:
    """Child process: ``rounds`` times receive one dossier and run a sync round; put
    (worker, errors)."""
    import traceback
    from datetime import datetime

    from onestop_desktop.domain.calendar import VN_TZ
    from onestop_desktop.services.context import Workstation
    from onestop_desktop.services.dossiers import IntakeRequest, intake
    from onestop_desktop.services.enrollment_client import connect
    from onestop_desktop.services.sync_round import sync_round
    from onestop_desktop.store.db import Database

    errors: list[str] = []
    db = Database.open(db_path)
    ws = Workstation(db, username=f"clerk{worker}")
    try:
        with connect(ws) as client:
            for i in range(rounds):
                try:
                    intake(
                        ws,
                        IntakeRequest(
                            procedure_code="1.004873",
                            applicant_name=f"Nguyễn Văn Đẩy {worker} {i}",
                            received_at=datetime(2026, 1, 5, 9, 0, tzinfo=VN_TZ),
                        ),
                    )
                    sync_round(ws, client)
                except Exception:  # noqa: BLE001 - every failure is reported to the parent
                    errors.append(traceback.format_exc(limit=5))
    finally:
        db.dispose()
        results.put((worker, errors))


def pull_loop(db_path: str, page: int, stop: Any, results: Any) -> None:
    """Child process: pull pages (``page`` events each) until ``stop`` is set and nothing is
    left; put ("puller", every server_seq seen in walk order, errors, the ``time.monotonic()``
    at which each was seen — system-wide on Linux, comparable with the parent's)."""
    import traceback

    from onestop_desktop.services.context import Workstation
    from onestop_desktop.services.enrollment_client import connect
    from onestop_desktop.services.sync_pull import apply_page, cursor, parse_page
    from onestop_desktop.store.db import Database

    seen: list[int] = []
    stamps: list[float] = []
    errors: list[str] = []
    db = Database.open(db_path)
    ws = Workstation(db, username="puller")
    try:
        with connect(ws) as client:
            idle_after_stop = 0
            while idle_after_stop < 2:
                try:
                    after = cursor(ws)
                    answer = client.pull(after, page)
                    events, next_seq, _more = parse_page(client, answer, after)
                    seen.extend(p.server_seq for p in events)
                    stamps.extend(time.monotonic() for _ in events)
                    apply_page(ws, events, next_seq)
                except Exception:  # noqa: BLE001 - every failure is reported to the parent
                    errors.append(traceback.format_exc(limit=5))
                    events = []
                if stop.is_set() and not events:
                    idle_after_stop += 1
    finally:
        db.dispose()
        results.put(("puller", seen, errors, stamps))
