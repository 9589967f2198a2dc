"""the ticket queue: tickets, each office's change number, the day's numbers per prefix

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_code", sa.String(length=40), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("called_at", _TS, nullable=True),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("clerk", sa.String(length=64), nullable=True),
        sa.Column("target_counter", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.String(length=36), nullable=True),
        sa.Column("recalls", sa.Integer(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("people_ahead", sa.Integer(), nullable=True),
        sa.Column("wait_minutes", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_tickets")),
        sa.UniqueConstraint(
            "office_code", "day", "prefix", "seq", name=op.f("uq_queue_tickets_office_code")
        ),
    )
    op.create_index("ix_queue_tickets_office_rev", "queue_tickets", ["office_code", "rev"])
    op.create_index(
        "ix_queue_tickets_office_day_status",
        "queue_tickets",
        ["office_code", "day", "status", "issued_at"],
    )
    op.create_table(
        "queue_offices",
        sa.Column("office_code", sa.String(length=40), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("others_since_priority", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_code", name=op.f("pk_queue_offices")),
    )
    op.create_table(
        "queue_numbers",
        sa.Column("office_code", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_code", "day", "prefix", name=op.f("pk_queue_numbers")),
    )


def downgrade() -> None:
    op.drop_table("queue_numbers")
    op.drop_table("queue_offices")
    op.drop_index("ix_queue_tickets_office_day_status", table_name="queue_tickets")
    op.drop_index("ix_queue_tickets_office_rev", table_name="queue_tickets")
    op.drop_table("queue_tickets")
