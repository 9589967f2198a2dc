"""keep the last supplement pause on the dossier row

A past period's report must not change when a dossier that was waiting for a supplement at the
period's end resumes later: the row keeps when the last pause began and ended and the due date
before it, and the report's covering index carries them instead of ``paused_at``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_REPORT = [
    "received_at",
    "finished_at",
    "office_code",
    "procedure_code",
    "channel",
    "status",
    "resolution",
    "due_at",
    "paused_at",
]
NEW_REPORT = [*OLD_REPORT[:-1], "last_paused_at", "last_resumed_at", "due_before_pause"]


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_resumed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("due_before_pause", sa.DateTime(timezone=True), nullable=True)
        )
    # Dossiers waiting now: their pause began at paused_at and due_at is not extended yet.
    op.execute(
        "UPDATE dossiers SET last_paused_at = paused_at, due_before_pause = due_at "
        "WHERE paused_at IS NOT NULL"
    )
    op.drop_index("ix_dossiers_report", table_name="dossiers")
    op.create_index("ix_dossiers_report", "dossiers", NEW_REPORT, unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossiers_report", table_name="dossiers")
    op.create_index("ix_dossiers_report", "dossiers", OLD_REPORT, unique=False)
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("due_before_pause")
        batch_op.drop_column("last_resumed_at")
        batch_op.drop_column("last_paused_at")
