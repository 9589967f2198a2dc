"""server enrollment: one-time tokens, device secrets, revocation, quarantine

The district server enrolls workstations with one-time tokens (only their SHA-256 is kept) and
authenticates them by a secret (likewise hashed). Device numbers are unique per office and never
reused: revoked devices keep their row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counter_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("secret_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("quarantined", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_devices_office_code"), ["office_code", "number"]
        )
    op.create_table(
        "enroll_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("office_code", sa.String(length=40), nullable=False),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_code"], ["offices.code"], name=op.f("fk_enroll_tokens_office_code_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enroll_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enroll_tokens_token_hash")),
    )
    with op.batch_alter_table("enroll_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enroll_tokens_office_code"), ["office_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enroll_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enroll_tokens_office_code"))
    op.drop_table("enroll_tokens")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_devices_office_code"), type_="unique")
        batch_op.drop_column("quarantined")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("enrolled_at")
        batch_op.drop_column("secret_hash")
        batch_op.drop_column("counter_number")
