"""Engine and units of work.

SQLite: WAL, ``synchronous=FULL``, foreign keys, a busy timeout, and write transactions that
start with ``BEGIN IMMEDIATE`` (a read-then-write transaction can then never deadlock on the
lock upgrade). One session per use case; never shared across threads.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from onestop_desktop.errors import EnvironmentFault

JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024  # ~ the 1,000-page auto-checkpoint
BUSY_TIMEOUT_MS = 10_000


def _is_url(target: str) -> bool:
    return "://" in target


def make_engine(target: str | Path, *, echo: bool = False) -> Engine:
    """Create an engine for a SQLite file path or any SQLAlchemy URL."""
    target_s = str(target)
    if not _is_url(target_s):
        path = Path(target_s).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        target_s = f"sqlite:///{path}"
    # A bare postgresql:// URL means psycopg 3 (the only PostgreSQL driver we ship).
    for prefix in ("postgresql://", "postgres://"):
        if target_s.startswith(prefix):
            target_s = "postgresql+psycopg://" + target_s[len(prefix) :]
    if target_s.startswith("sqlite"):
        engine = create_engine(
            target_s,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(target_s, echo=echo, pool_pre_ping=True)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA temp_store=MEMORY")
        # After a checkpoint the WAL file is truncated back to this size: a long report that
        # held the log open during a big sync does not leave a huge file behind (fault 24).
        cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The store of one workstation (or server): engine plus session factories."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(write=True), expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process (the window's saves, the
        # background sync) queue on a lock here instead of SQLite's busy handler, which
        # retries by sleeping with growing steps and would keep a save waiting long after the
        # other transaction ended. Other processes still meet the busy timeout.
        self._write_lock: threading.RLock | None = (
            threading.RLock() if engine.dialect.name == "sqlite" else None
        )

    @classmethod
    def open(cls, target: str | Path) -> Database:
        """Open (without migrating) the database at a path or URL."""
        return cls(make_engine(target))

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any error."""
        lock = self._write_lock or contextlib.nullcontext()
        try:
            with lock, self._write.begin() as session:
                yield session
        except DatabaseError as exc:
            if not _environmental(exc):
                raise
            raise _fault(exc) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        try:
            with self._read() as session:
                yield session
                session.rollback()
        except DatabaseError as exc:
            if not _environmental(exc):
                raise
            raise _fault(exc) from exc

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def _environmental(exc: DatabaseError) -> bool:
    """A fault of the machine (locked, disk, corrupt file), not of the statement or data."""
    if isinstance(exc, OperationalError):
        return True
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return any(word in text for word in ("malformed", "not a database", "corrupt"))


class DamagedDatabase(EnvironmentFault):
    """SQLite found the file corrupt: nothing more is written to it (SYNC-FAULTS 15)."""


def _fault(exc: DatabaseError) -> EnvironmentFault:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        return EnvironmentFault(
            "Cơ sở dữ liệu đang bận (một chương trình khác đang ghi). Vui lòng thử lại."
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return DamagedDatabase(
            "Tệp cơ sở dữ liệu bị hỏng; không ghi thêm gì vào tệp này. Hãy chạy "
            "'onestop check --salvage TỆP' để cứu các thay đổi chưa đồng bộ, rồi khôi phục từ "
            "bản sao lưu hoặc khởi tạo lại và đăng ký lại máy trạm (xem README)."
        )
    if "disk" in text or "full" in text:
        return EnvironmentFault(
            "Ổ đĩa đầy hoặc lỗi ghi đĩa; hãy giải phóng dung lượng rồi thử lại."
        )
    return EnvironmentFault(f"Lỗi cơ sở dữ liệu: {text}")
