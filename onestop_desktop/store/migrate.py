"""Schema migrations (Alembic scripts in the top-level ``db/`` folder)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.paths import asset_dir

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

#: The newest migration in db/versions (a test checks it against Alembic). Starting the app on
#: an up-to-date database compares against it without loading Alembic (≈ 0.15 s saved).
SCHEMA_HEAD = "0011"


def _config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 - Alembic loads only when migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(asset_dir("db")))
    return cfg


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest schema revision this program knows."""
    head = _script().get_current_head()
    assert head is not None  # noqa: S101 - the package always ships migrations
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None for an empty database)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        if "alembic_version" in str(exc):
            return None
        raise


def backup_sqlite(db_file: Path, suffix: str) -> Path:
    """Copy a SQLite database with the online backup API (never a file copy)."""
    target = db_file.with_name(f"{db_file.stem}.{suffix}.bak{db_file.suffix}")
    src = sqlite3.connect(db_file)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError  # noqa: PLC0415

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def is_known_revision(revision: str) -> bool:
    """True when this program's migrations include ``revision``."""
    return revision == SCHEMA_HEAD or _known(_script(), revision)


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; back up an existing SQLite DB first.

    Returns:
        The backup file written, if any.

    Raises:
        EnvironmentFault: the database was written by a newer program.
    """
    current = current_revision(engine)
    if revision == "head" and current == SCHEMA_HEAD:
        return None
    from alembic import command  # noqa: PLC0415

    script = _script()
    if current is not None and not _known(script, current):
        raise EnvironmentFault(
            f"Cơ sở dữ liệu có phiên bản lược đồ {current}, mới hơn chương trình này; "
            "hãy cài phiên bản OneStop Desktop mới hơn."
        )
    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    backup: Path | None = None
    db_name = engine.url.database
    if engine.dialect.name == "sqlite" and current is not None and db_name:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        backup = backup_sqlite(Path(db_name), f"before-{target}-{stamp}")
        log.info("backed up %s to %s before migrating", db_name, backup)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return str(backup) if backup else None
