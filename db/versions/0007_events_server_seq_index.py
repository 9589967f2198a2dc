"""a unique partial index on events.server_seq

Pull pages walk the server sequence (``server_seq > cursor ORDER BY server_seq``); without an
index every page scanned the event log. Partial (``IS NOT NULL``): a workstation's pending
events are not in it, so local writes and imports pay nothing for it. Unique: one server
sequence number is one event, on the server and on every workstation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_server_seq",
        "events",
        ["server_seq"],
        unique=True,
        sqlite_where=sa.text("server_seq IS NOT NULL"),
        postgresql_where=sa.text("server_seq IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_server_seq", table_name="events")
