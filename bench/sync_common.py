"""Shared by the sync benchmarks (bench_sync_*.py): PostgreSQL databases, a real server, enrolment.

The server is a real ``onestop server run`` process on loopback (``running_server`` of
tests/integration/_server.py, reused as is); PostgreSQL is the local one the tests use
(``postgresql://postgres@127.0.0.1:5432``, trust auth). Databases created here are named
``onestop_bench_*`` and dropped afterwards unless a script caches one on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import common

if str(common.REPO_DIR) not in sys.path:  # to reuse tests/integration/_server.py
    sys.path.insert(0, str(common.REPO_DIR))

from tests.integration._server import running_server

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql://postgres@127.0.0.1:5432/"
WARD = "000.01.09.H24"  # the office `onestop init` sets up (the demo's own office)
DISTRICT = "000.00.09.H24"  # its district's office: its scope holds every office of the demo

__all__ = [
    "DISTRICT",
    "PG_ADMIN",
    "WARD",
    "create_pg",
    "drop_pg",
    "enroll_token",
    "new_workstation",
    "pg_exists",
    "pg_url",
    "running_server",
    "scratch_pg",
]


def pg_url(name: str) -> str:
    """The URL of database ``name`` on the local PostgreSQL."""
    return PG_BASE + name


def _admin() -> Any:
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


def pg_exists(name: str) -> bool:
    """Whether database ``name`` exists."""
    with _admin() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def create_pg(name: str) -> str:
    """Create an empty database ``name`` (dropped first if it exists); its URL."""
    drop_pg(name)
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def drop_pg(name: str) -> None:
    """Drop database ``name`` if it exists (its connections are ended)."""
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_pg(prefix: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh ``onestop_bench_<prefix>_<random>`` database for one run; dropped afterwards."""
    name = f"onestop_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    url = create_pg(name)
    try:
        yield url
    finally:
        if not keep:
            drop_pg(name)


def prepare(url: str) -> None:
    """Create or migrate the server schema and load the bundled reference data (no server)."""
    from onestop_desktop.services.server_setup import prepare_server
    from onestop_desktop.store.db import Database

    db = Database.open(url)
    try:
        prepare_server(db)
    finally:
        db.dispose()


def enroll_token(url: str, office: str, counter: int | None = None) -> str:
    """A one-time enrolment token, issued the way ``onestop server enroll-token`` does."""
    from onestop_desktop.services.enrollment import issue_token
    from onestop_desktop.services.server_setup import prepare_server
    from onestop_desktop.store.db import Database

    db = Database.open(url)
    try:
        prepare_server(db)
        return issue_token(db, office, counter)
    finally:
        db.dispose()


def new_workstation(path: Path, server: str, token: str) -> Path:
    """A fresh workstation DB: ``onestop init`` then ``onestop enroll`` (real CLI processes)."""
    common.remove_db(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = path.with_name(path.name + ".secret")
    secret.unlink(missing_ok=True)
    common.onestop("--db", str(path), "init", quiet=True)
    common.onestop("--db", str(path), "enroll", "--server", server, "--token", token, quiet=True)
    return path


def cli_json(*args: str) -> Any:
    """Run ``onestop --json ARGS`` and parse its answer."""
    cmd = [sys.executable, "-m", "onestop_desktop", "--json", *args]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return json.loads(proc.stdout)
