"""Shared by the sync tests: a real server on a SQLite file, workstations enrolled with it
through the real CLI, and ways to read a workstation's database as rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from onestop_desktop.services.context import Workstation
from onestop_desktop.store.db import Database
from tests.conftest import CliRunner
from tests.integration._server import server_cli

WARD = "000.01.09.H24"


def enroll_token(server_db: str, office: str = WARD) -> str:
    """A one-time enrollment token from ``onestop server enroll-token`` (a real process)."""
    proc = server_cli("enroll-token", "--db", server_db, "--office", office, "--json")
    assert proc.returncode == 0, proc.stderr
    return str(json.loads(proc.stdout)["token"])


def enrolled(
    server: str,
    server_db: str,
    tmp_path: Path,
    run_cli: CliRunner,
    name: str,
    office: str = WARD,
) -> Path:
    """A new workstation database (``onestop init``) enrolled with ``server`` for ``office``."""
    path = tmp_path / f"{name}.db"
    code, _out, err = run_cli("init", db=path)
    assert (code, err) == (0, "")
    token = enroll_token(server_db, office)
    code, _out, err = run_cli("enroll", "--server", server, "--token", token, db=path)
    assert (code, err) == (0, ""), err
    return path


def open_ws(path: Path) -> Workstation:
    """A workstation on the database at ``path``."""
    return Workstation(Database.open(path), username="tester")


def intake_at(run_cli: CliRunner, path: Path, name: str, at: str) -> str:
    """Receive a dossier through the CLI at ``at``; its code."""
    code, out, err = run_cli(
        "--json",
        "intake",
        "--procedure",
        "1.004873",
        "--name",
        name,
        "--received-at",
        at,
        db=path,
    )
    assert code == 0, err
    return str(json.loads(out)["code"])


def sync_cli(run_cli: CliRunner, path: Path) -> dict[str, Any]:
    """``onestop --json sync`` on the workstation at ``path``; its answer."""
    code, out, err = run_cli("--json", "sync", db=path)
    assert code == 0, err
    return dict(json.loads(out))


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query on a SQLite file."""
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def dossier_rows(path: Path) -> list[tuple[Any, ...]]:
    """The whole projection, every column, in code order."""
    return rows(path, "SELECT * FROM dossiers ORDER BY code")


def event_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every event's id, server sequence and disposition."""
    return rows(path, "SELECT id, server_seq, disposition FROM events ORDER BY server_seq, id")
