"""applicant's birth date and sex on the dossier

The intake form reads them from the CCCD chip card's QR (or the clerk types them) and checks
them against the CCCD digits; they are now kept with the dossier.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("sex")
        batch_op.drop_column("birth_date")
