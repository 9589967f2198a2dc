"""Alembic environment for OneStop Desktop (run through onestop_desktop.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from onestop_desktop.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url") or "sqlite:///onestop.db"
    with create_engine(url).connect() as conn:
        _run(conn)
else:
    _run(connection)
