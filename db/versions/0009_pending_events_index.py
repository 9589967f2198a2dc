"""a partial index on the pending events (the outbox)

Push reads ``device_id = ? AND server_seq IS NULL ORDER BY device_seq`` batch after batch;
through the (device_id, device_seq) key that walked every confirmed event of the device first,
so a large outbox cost O(n²). The partial index holds only what is still pending: empty on the
server, small on a synced workstation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_pending",
        "events",
        ["device_id", "device_seq"],
        sqlite_where=sa.text("server_seq IS NULL"),
        postgresql_where=sa.text("server_seq IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_pending", table_name="events")
