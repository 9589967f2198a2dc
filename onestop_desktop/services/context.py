"""The workstation context every service runs in: database, clock, actor, calendar."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import CalendarEntry, DayKind, OfficeHours, WorkCalendar
from onestop_desktop.domain.catalog import Procedure
from onestop_desktop.domain.ids import new_id
from onestop_desktop.errors import EnvironmentFault, UserError
from onestop_desktop.store import repo
from onestop_desktop.store.calendar_source import build_calendar
from onestop_desktop.store.db import Database
from onestop_desktop.store.migrate import SCHEMA_HEAD, current_revision, is_known_revision
from onestop_desktop.store.models import CalendarDayRow, UserRow


def utc_now() -> datetime:
    """The current instant (aware, UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, from which workstation."""

    user_id: str
    username: str
    device_id: str
    device_number: int
    office_code: str


def parse_hhmm(value: str, field: str = "cutoff") -> time:
    """Read ``HH:MM``."""
    try:
        hh, mm = value.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise UserError(f"Giờ '{value}' không hợp lệ ({field}); dùng dạng HH:MM.") from None


class Workstation:
    """Services' shared context. One per process; sessions are opened per use case."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime] = utc_now,
        username: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.username = username or _os_user()
        self._calendar: WorkCalendar | None = None
        self._user_id: str | None = None
        self.procedures: dict[str, Procedure] = {}  # active catalog entries used so far
        self._calendar_version: str | None = None
        self._catalog_version: str | None = None

    def now(self) -> datetime:
        """Current instant from the injected clock."""
        return self.clock()

    def ensure_ready(self) -> None:
        """Refuse to work on a database that was never initialised or is outdated."""
        rev = current_revision(self.db.engine)
        if rev is None:
            raise UserError("Cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'onestop init' trước.")
        if rev != SCHEMA_HEAD:
            if not is_known_revision(rev):
                raise EnvironmentFault(
                    f"Cơ sở dữ liệu có phiên bản lược đồ {rev}, mới hơn chương trình này; "
                    "hãy cài phiên bản OneStop Desktop mới hơn."
                )
            raise UserError("Cơ sở dữ liệu cần được nâng cấp; hãy chạy 'onestop init' để cập nhật.")

    def actor(self, session: Session) -> Actor:
        """The acting user and this device (the user row is created on first use).

        The device identity is read in every call (one indexed query): another process may have
        re-initialised or enrolled this workstation, and an event must never carry a stale
        device id or code slice. Only the user's id is cached.
        """
        values = repo.get_settings(session, repo.DEVICE_ID, repo.DEVICE_NUMBER, repo.OFFICE_CODE)
        device_id = values.get(repo.DEVICE_ID)
        device_number = values.get(repo.DEVICE_NUMBER)
        office = values.get(repo.OFFICE_CODE)
        if not device_id or not device_number or not office:
            raise UserError("Máy trạm chưa được khởi tạo; hãy chạy 'onestop init'.")
        user_id = self._user_id or session.scalar(
            select(UserRow.id).where(UserRow.username == self.username)
        )
        persistent = user_id is not None
        if user_id is None:
            user_id = new_id()
            session.add(UserRow(id=user_id, username=self.username, full_name=self.username))
            session.flush()
            # Only a write transaction keeps the new user; a read one rolls it back.
            persistent = bool(session.get_bind().get_execution_options().get("write"))
        actor = Actor(
            user_id=user_id,
            username=self.username,
            device_id=device_id,
            device_number=int(device_number),
            office_code=office,
        )
        if persistent:
            self._user_id = user_id
        return actor

    def office_hours(self, session: Session) -> OfficeHours:
        """Office hours with the configured same-day cut-off."""
        cutoff = repo.get_setting(session, repo.CUTOFF)
        base = OfficeHours()
        if cutoff:
            return OfficeHours(periods=base.periods, cutoff=parse_hhmm(cutoff))
        return base

    def calendar(self, session: Session) -> WorkCalendar:
        """The deadline calendar: local overrides > bundled schedule > holidays package."""
        version = repo.get_setting(session, repo.CALENDAR_VERSION, "0")
        if self._calendar is None or version != self._calendar_version:
            self._calendar_version = version
            overrides = [
                CalendarEntry(day=r.day, kind=DayKind(r.kind), note=r.note)
                for r in session.scalars(select(CalendarDayRow))
            ]
            self._calendar = build_calendar(overrides, self.office_hours(session))
        return self._calendar

    def procedure(self, session: Session, code: str, *, field: str = "procedure") -> Procedure:
        """An active procedure, cached until the catalog changes (in any process)."""
        version = repo.get_setting(session, repo.CATALOG_VERSION, "0")
        if version != self._catalog_version:
            self.procedures.clear()
            self._catalog_version = version
        proc = self.procedures.get(code.strip())
        if proc is None:
            from onestop_desktop.services.reference import get_procedure  # noqa: PLC0415

            proc = get_procedure(session, code, field=field)
            self.procedures[proc.code] = proc
        return proc

    def invalidate_caches(self) -> None:
        """Forget cached calendar, actor and procedures (after an import or a settings change)."""
        self._calendar = None
        self._user_id = None
        self.procedures.clear()


def _os_user() -> str:
    try:
        return getpass.getuser() or "local"
    except (KeyError, OSError):
        return "local"
