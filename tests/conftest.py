"""Shared fixtures: offscreen Qt, a migrated template database, a settable clock, the CLI.

The template database is initialised once per session (migrations + bundled data) and copied
per test with SQLite's backup API, so every test starts from a fresh, real database.
"""

from __future__ import annotations

import os

# Must be set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from onestop_desktop.domain.calendar import VN_TZ
from onestop_desktop.services.context import Workstation
from onestop_desktop.store.db import Database

# Property tests must not fail because a loaded 2-core CI machine is slow: no deadlines.
settings.register_profile(
    "onestop", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("onestop")

#: Monday 5 January 2026, 08:00 Vietnam time: the default "now" of the ``ws`` fixture.
DEFAULT_NOW = datetime(2026, 1, 5, 8, 0, tzinfo=VN_TZ)
#: The office the template workstation belongs to (first row of db/data/offices.csv).
TEMPLATE_OFFICE = "000.01.09.H24"

_GUI_FIXTURES = frozenset({"qtbot", "qapp"})


def vn(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """An instant given in Vietnam (Asia/Ho_Chi_Minh) wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Qt (uses ``qtbot`` or ``qapp``) as ``gui``."""
    for item in items:
        if _GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


class FixedClock:
    """A clock tests set by hand: ``clock.now = ...``; calling it returns ``now``."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def copy_db(source: Path, target: Path) -> Path:
    """Copy a SQLite database with the online backup API (consistent even in WAL mode)."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database initialised once per session (schema at head, bundled data, office set)."""
    from onestop_desktop.services.reference import init_workstation

    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database.open(path)
    try:
        init_workstation(Workstation(db, clock=FixedClock(), username="tester"))
    finally:
        db.dispose()
    return path


@pytest.fixture
def new_db(template_db: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Factory: a fresh copy of the template database under this test's tmp folder."""

    def make(name: str = "onestop.db") -> Path:
        return copy_db(template_db, tmp_path / name)

    return make


@pytest.fixture
def db_path(new_db: Callable[[str], Path]) -> Path:
    """This test's database file (a copy of the template)."""
    return new_db("onestop.db")


@pytest.fixture
def clock() -> FixedClock:
    """The settable clock of the ``ws`` fixture."""
    return FixedClock()


@pytest.fixture
def ws(db_path: Path, clock: FixedClock) -> Iterator[Workstation]:
    """A workstation on this test's database, with a clock the test controls."""
    db = Database.open(db_path)
    try:
        yield Workstation(db, clock=clock, username="tester")
    finally:
        db.dispose()


CliRunner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    """Run ``onestop --db <this test's DB> ARGS...`` in-process: (exit code, stdout, stderr).

    Pass ``db=None`` to leave ``--db`` out (e.g. to test ``$ONESTOP_DB``) or ``db=PATH`` for
    another file.
    """
    from onestop_desktop.cli import main

    monkeypatch.setenv("USER", "tester")
    monkeypatch.setenv("LOGNAME", "tester")

    def run(*args: str, db: Path | str | None = db_path) -> tuple[int, str, str]:
        argv = [*(["--db", str(db)] if db is not None else []), *args]
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors, --version, --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Factory: write ``text`` (UTF-8) to ``tmp_path/name`` and return the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


COUNTED_TABLES = (
    "admin_units",
    "offices",
    "procedures",
    "procedure_documents",
    "calendar_days",
    "dossiers",
    "events",
    "users",
    "devices",
    "code_counters",
)


def table_counts(path: Path) -> dict[str, int]:
    """Row counts of the main tables, read with plain sqlite3 (independent of the app)."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}
    finally:
        conn.close()


@pytest.fixture
def counts(db_path: Path) -> Callable[..., dict[str, int]]:
    """``counts()`` → row counts of this test's database (or ``counts(other_path)``)."""

    def get(path: Path = db_path) -> dict[str, int]:
        return table_counts(path)

    return get
