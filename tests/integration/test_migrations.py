"""Alembic migrations: from an empty DB, step by step from every earlier revision, and refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.store import migrate
from onestop_desktop.store.db import make_engine
from onestop_desktop.store.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate._config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_empty_database_migrates_to_exactly_the_models(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "a.db")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (mode, fks, sync) == ("wal", 1, 2)
    engine.dispose()


@pytest.mark.parametrize("start", _revisions()[:-1] or ["base"])
def test_every_earlier_revision_upgrades_keeping_data(tmp_path: Path, start: str) -> None:
    db = tmp_path / "b.db"
    engine = make_engine(db)
    if start != "base":
        migrate.upgrade(engine, start)
        con = sqlite3.connect(db)
        con.execute("INSERT INTO settings(key, value) VALUES ('office_code', 'X.1')")
        con.commit()
        con.close()
    backup = migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    if start != "base":
        assert backup is not None
        assert Path(backup).exists()
        con = sqlite3.connect(db)
        assert con.execute("SELECT value FROM settings").fetchall() == [("X.1",)]
        con.close()
    engine.dispose()


def test_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    engine = make_engine(db)
    migrate.upgrade(engine)
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    with pytest.raises(EnvironmentFault, match="mới hơn"):
        migrate.upgrade(engine)
    engine.dispose()


def test_upgrading_an_up_to_date_database_does_nothing(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "d.db")
    migrate.upgrade(engine)
    assert migrate.upgrade(engine) is None
    assert list(tmp_path.glob("*.bak*")) == []
    engine.dispose()


def test_0002_backfills_finished_at_from_the_previous_schema(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    engine = make_engine(db)
    migrate.upgrade(engine, "0001")
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(dossiers)")]
    assert "finished_at" not in cols
    base = dict.fromkeys(cols, "") | {"print_count": 0, "version": 1, "documents": "[]"}
    t = "2026-01-05 02:00:00.000000"
    rows = [
        base | {"id": "a", "code": "A-260105-1001", "resolved_at": t, "closed_at": None},
        base | {"id": "b", "code": "A-260105-1002", "resolved_at": None, "closed_at": t},
        base | {"id": "c", "code": "A-260105-1003", "resolved_at": None, "closed_at": None},
    ]
    for r in rows:
        con.execute(
            f"INSERT INTO dossiers ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
            list(r.values()),
        )
    con.commit()
    con.close()
    migrate.upgrade(engine, "0002")
    con = sqlite3.connect(db)
    got = dict(con.execute("SELECT id, finished_at FROM dossiers"))
    indexes = {r[1] for r in con.execute("PRAGMA index_list(dossiers)")}
    con.close()
    assert got == {"a": t, "b": t, "c": None}
    assert "ix_dossiers_report" in indexes
    assert "ix_dossiers_received_at" not in indexes
    con.close()
    migrate.upgrade(engine)  # and on to head, keeping the rows
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM dossiers").fetchone() == (3,)
    con.close()
    engine.dispose()


def test_schema_head_constant_matches_the_migrations() -> None:
    assert migrate.SCHEMA_HEAD == migrate.head_revision() == _revisions()[-1]


def test_pull_pages_walk_the_server_sequence_index(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "f.db")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM events WHERE server_seq > 5 "
                "ORDER BY server_seq LIMIT 500"
            )
        )
    assert "ix_events_server_seq" in plan
    assert "TEMP B-TREE" not in plan
    engine.dispose()
