"""sync conflicts: events keep any dossier id, per-field clocks, device clock skew

- ``events.dossier_id`` loses its foreign key to ``dossiers``: the server stores every event it
  receives, also one naming a dossier it does not know or outside the device's scope (kept as
  ``rejected:unknown`` / ``rejected:scope``, never dropped), and a workstation stores the
  rejected events it pulls. The index on the column stays.
- ``dossiers.field_clock``: the (HLC, device) stamp of the last applied edit of each free
  field, as JSON — last-writer-wins per field, the same on every node whatever the order.
- ``devices.clock_skew_s`` / ``devices.last_seen_at``: the server flags a device whose clock is
  more than five minutes off (sync is never refused for it).
- ``ix_events_rejected``: a partial index so the status bar counts rejected events without
  scanning the log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_REJECTED = "disposition LIKE 'rejected%'"


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_events_dossier_id_dossiers", type_="foreignkey")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("field_clock", sa.Text(), nullable=True))
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_skew_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_events_rejected",
        "events",
        ["occurred_at"],
        sqlite_where=sa.text(_REJECTED),
        postgresql_where=sa.text(_REJECTED),
    )


def downgrade() -> None:
    op.drop_index("ix_events_rejected", table_name="events")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("clock_skew_s")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("field_clock")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_events_dossier_id_dossiers", "dossiers", ["dossier_id"], ["id"]
        )
