"""Fixtures of the integration tests that talk to a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration._server import running_server


@pytest.fixture
def server_db(tmp_path: Path) -> str:
    """The server's database: a SQLite file."""
    return str(tmp_path / "server.db")


@pytest.fixture
def server(server_db: str, tmp_path: Path) -> Iterator[str]:
    """A real ``onestop server run`` process on a free loopback port: its base URL."""
    with running_server(server_db, tmp_path / "server.log") as base:
        yield base
