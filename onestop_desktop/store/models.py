"""SQLAlchemy 2 typed models: the local (and server) schema.

Dossier rows are projections of the append-only ``events`` table (see domain.dossier.reduce).
Instants are stored in UTC (``UtcDateTime``); synced rows are keyed by UUIDv7 strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import text
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC; naive values are refused (they are bugs)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive on SQLite, which has no zone type)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - signature fixed by TypeDecorator
    ) -> datetime | None:
        """Attach UTC to what SQLite gives back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic batch mode needs them)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: UtcDateTime()}  # noqa: RUF012


class Setting(Base):
    """Key/value settings of this workstation (office, device, counters, cut-off...)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AdminUnitRow(Base):
    """Administrative unit (province, district, ward) with validity dates."""

    __tablename__ = "admin_units"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(
        String(20), ForeignKey("admin_units.code"), index=True
    )
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    replaced_by: Mapped[str | None] = mapped_column(String(20))


class OfficeRow(Base):
    """A receiving office; ``code`` is the agency identifier used in dossier codes."""

    __tablename__ = "offices"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    unit_code: Mapped[str | None] = mapped_column(
        String(20), ForeignKey("admin_units.code"), index=True
    )
    parent_name: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")


class CounterRow(Base):
    """A counter (quầy) of an office."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("office_code", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_code: Mapped[str] = mapped_column(String(40), ForeignKey("offices.code"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), default="")


class UserRow(Base):
    """A person who acts in the app (accounts and roles come with their own issue)."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="clerk")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DeviceRow(Base):
    """A workstation; ``number`` is its short, never-reused number within its office.

    On the server a device is enrolled with a one-time token and keeps only the SHA-256 of its
    secret; revoked devices stay (their number is never handed out again).
    """

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("office_code", "number"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    office_code: Mapped[str] = mapped_column(String(40), ForeignKey("offices.code"))
    name: Mapped[str] = mapped_column(String(100), default="")
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    counter_number: Mapped[int | None] = mapped_column(Integer)
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    clock_skew_s: Mapped[int | None] = mapped_column(Integer)  # device minus server, last seen
    last_seen_at: Mapped[datetime | None] = mapped_column()


class EnrollTokenRow(Base):
    """A one-time enrollment token (server side); only its SHA-256 is stored."""

    __tablename__ = "enroll_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    office_code: Mapped[str] = mapped_column(String(40), ForeignKey("offices.code"), index=True)
    counter_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    device_id: Mapped[str | None] = mapped_column(String(36))


class ProcedureRow(Base):
    """Current catalog entry; retired ones stay (``active`` false) for old dossiers."""

    __tablename__ = "procedures"
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    name_folded: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    processing_days: Mapped[int] = mapped_column(Integer)
    time_unit: Mapped[str] = mapped_column(String(20), default="working_days")
    fee: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str] = mapped_column(String(500), default="")
    online_level: Mapped[str] = mapped_column(String(10), default="none")
    legal_basis: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    retired_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class ProcedureDocumentRow(Base):
    """A required document of a procedure."""

    __tablename__ = "procedure_documents"
    procedure_code: Mapped[str] = mapped_column(
        String(50), ForeignKey("procedures.code", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    originals: Mapped[int] = mapped_column(Integer, default=0)
    certified_copies: Mapped[int] = mapped_column(Integer, default=0)
    photocopies: Mapped[int] = mapped_column(Integer, default=0)


class CalendarDayRow(Base):
    """A special day of the deadline calendar (local override or imported schedule)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300), default="")


class CodeCounterRow(Base):
    """Last sequence slot used by a device for an office's day (offline-unique codes)."""

    __tablename__ = "code_counters"
    office_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    device_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_k: Mapped[int] = mapped_column(Integer, default=0)


class DossierRow(Base):
    """Projection of a dossier's events (see domain.dossier.DossierState)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_status_due", "status", "due_at"),
        # Covering index of the periodic report: a period is one range scan of it.
        Index("ix_dossiers_received_at", "received_at"),
        # Covering index of the periodic report: one range scan per (office, procedure) group
        # and period, with every column the figures need (see services/reports.py).
        Index(
            "ix_dossiers_report",
            "office_code",
            "procedure_code",
            "received_at",
            "finished_at",
            "channel",
            "status",
            "resolution",
            "due_at",
            "last_paused_at",
            "last_resumed_at",
            "due_before_pause",
        ),
        # The rated dossiers in the report's group order (services/reports.py, satisfaction).
        Index(
            "ix_dossiers_rated",
            "office_code",
            "procedure_code",
            "rating",
            "id",
            sqlite_where=text("rating IS NOT NULL"),
            postgresql_where=text("rating IS NOT NULL"),
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(50), ForeignKey("procedures.code"))
    procedure_name: Mapped[str] = mapped_column(String(500), default="")
    office_code: Mapped[str] = mapped_column(String(40), ForeignKey("offices.code"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    name_sort: Mapped[str] = mapped_column(String(200), index=True)
    id_number: Mapped[str | None] = mapped_column(String(20), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(5))
    channel: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    rescheduled_due_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    paused_at: Mapped[datetime | None] = mapped_column()  # set while waiting for a supplement
    last_paused_at: Mapped[datetime | None] = mapped_column()
    last_resumed_at: Mapped[datetime | None] = mapped_column()
    due_before_pause: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(String(10))
    returned_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()  # resolved_at or closed_at
    returned_to: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text, default="[]")
    rating: Mapped[str | None] = mapped_column(String(20))
    rating_reason: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[str] = mapped_column(String(100), default="")
    # {field: "<hlc>|<device id>"} of the last applied edit per free field (LWW, see domain).
    field_clock: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column()


class EventRow(Base):
    """Append-only event log: the audit trail and the unit of sync (the outbox)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("device_id", "device_seq"),
        # Pull pages walk the server sequence; events not yet confirmed (NULL) stay out of it.
        Index(
            "ix_events_server_seq",
            "server_seq",
            unique=True,
            sqlite_where=text("server_seq IS NOT NULL"),
            postgresql_where=text("server_seq IS NOT NULL"),
        ),
        # The outbox: what this device has not had confirmed yet (push reads it in order).
        Index(
            "ix_events_pending",
            "device_id",
            "device_seq",
            sqlite_where=text("server_seq IS NULL"),
            postgresql_where=text("server_seq IS NULL"),
        ),
        # The status bar counts (and lists) rejected events without scanning the log.
        Index(
            "ix_events_rejected",
            "occurred_at",
            sqlite_where=text("disposition LIKE 'rejected%'"),
            postgresql_where=text("disposition LIKE 'rejected%'"),
        ),
        # The rating events of a period (report satisfaction, daily summary): a range scan.
        Index(
            "ix_events_rating",
            "occurred_at",
            "dossier_id",
            sqlite_where=text("type = 'rating.given'"),
            postgresql_where=text("type = 'rating.given'"),
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign key: the server keeps every event it receives, also one naming a dossier it
    # does not hold (stored as rejected), and workstations store the rejected events they pull.
    dossier_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column()
    user_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(36))
    device_seq: Mapped[int] = mapped_column(Integer)
    hlc: Mapped[str] = mapped_column(String(80))
    server_seq: Mapped[int | None] = mapped_column(Integer)
    disposition: Mapped[str | None] = mapped_column(String(60))


class QueueTicketRow(Base):
    """A queue ticket of an office's day (DOMAIN.md §8); see domain.queue.Ticket.

    ``rev`` is the office's change number of the ticket's last change: clients follow the queue
    by asking for the tickets changed after the last number they saw. Walk-ins served while the
    server was out of reach are ``origin = 'local'`` rows with ``uploaded_at`` NULL until sent.
    """

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("office_code", "day", "prefix", "seq"),
        Index("ix_queue_tickets_office_rev", "office_code", "rev"),
        Index("ix_queue_tickets_office_day_status", "office_code", "day", "status", "issued_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    group_code: Mapped[str] = mapped_column(String(40))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(8))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime] = mapped_column()
    called_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    counter_number: Mapped[int | None] = mapped_column(Integer)
    clerk: Mapped[str | None] = mapped_column(String(64))
    target_counter: Mapped[int | None] = mapped_column(Integer)
    dossier_id: Mapped[str | None] = mapped_column(String(36))
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(10), default="server")
    people_ahead: Mapped[int | None] = mapped_column(Integer)
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime | None] = mapped_column()


class QueueOfficeRow(Base):
    """An office's queue clock: its change number (the row every queue write locks first, so
    two counters calling at the same instant are served one after the other) and the count of
    ordinary calls since the last priority call (for the interleave rule)."""

    __tablename__ = "queue_offices"
    office_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    others_since_priority: Mapped[int] = mapped_column(Integer, default=0)


class QueueNumberRow(Base):
    """The last number given per office, business day and prefix (numbers restart each day)."""

    __tablename__ = "queue_numbers"
    office_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
