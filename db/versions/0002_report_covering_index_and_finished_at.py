"""report covering index and finished_at

The periodic report scans one covering index by received_at; ``finished_at`` (the instant a
dossier was resolved, refused or withdrawn) lets carried-over dossiers be told apart inside it.
The plain received_at index is replaced by the covering one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:48:24.515709
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
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


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f("ix_dossiers_received_at"))
    op.execute("UPDATE dossiers SET finished_at = COALESCE(resolved_at, closed_at)")
    op.create_index("ix_dossiers_report", "dossiers", REPORT_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossiers_report", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossiers_received_at"), ["received_at"], unique=False)
        batch_op.drop_column("finished_at")
