"""Enrollment and trust (server side): one-time tokens, device secrets, revocation, scope.

An admin issues a one-time token for an office (and optionally a counter); a workstation trades
it for a device identity: an id, a short device number that is never reused within the office,
and a secret. Only SHA-256 digests of tokens and secrets are stored — both are 32 random bytes,
so a fast hash is enough (no dictionary to guess from).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.codes import MAX_DEVICE_NUMBER
from onestop_desktop.domain.ids import new_id
from onestop_desktop.errors import NotFoundError, UserError
from onestop_desktop.services.context import utc_now
from onestop_desktop.store.db import Database
from onestop_desktop.store.models import AdminUnitRow, DeviceRow, EnrollTokenRow, OfficeRow

Clock = Callable[[], datetime]
MAX_DEVICE_NAME = 100


class EnrollmentRefused(UserError):
    """The token is unknown, already used or revoked (or the office is full)."""


class AuthenticationFailed(UserError):
    """The device id/secret pair is wrong, or the device was revoked."""


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What a workstation receives once, in exchange for its token."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    secret: str


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """An authenticated device and the offices whose data it may read and write."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    name: str
    quarantined: bool
    unit_code: str | None
    unit_level: str | None
    scope: tuple[str, ...]


def digest(value: str) -> str:
    """SHA-256 (hex) of a token or secret."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


TOKEN_PREFIX = "ost_"  # noqa: S105 - a visible prefix, not a secret


def issue_token(
    db: Database, office_code: str, counter: int | None = None, *, clock: Clock = utc_now
) -> str:
    """Create a one-time enrollment token for ``office_code``; returns it (shown once).

    Raises:
        NotFoundError: no such office.
        UserError: a counter number outside 1..99.
    """
    code = office_code.strip().upper()
    if counter is not None and not 1 <= counter <= 99:
        raise UserError("Số quầy phải từ 1 đến 99.")
    # The prefix keeps a token from starting with "-", which a command line would read as an
    # option (`onestop enroll --token -x…`), and tells a token from a secret at a glance.
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as s:
        if s.get(OfficeRow, code) is None:
            raise NotFoundError(f"Không có cơ quan tiếp nhận mã '{code}' trên máy chủ.")
        s.add(
            EnrollTokenRow(
                id=new_id(),
                token_hash=digest(token),
                office_code=code,
                counter_number=counter,
                created_at=clock(),
            )
        )
    return token


def revoke_token(db: Database, token: str, *, clock: Clock = utc_now) -> None:
    """Revoke an unused token (a used one is refused: revoke its device instead)."""
    with db.write() as s:
        row = s.scalar(select(EnrollTokenRow).where(EnrollTokenRow.token_hash == digest(token)))
        if row is None:
            raise NotFoundError("Không tìm thấy mã đăng ký này.")
        if row.used_at is not None:
            raise UserError("Mã đăng ký đã được dùng; hãy thu hồi máy trạm đã đăng ký bằng nó.")
        if row.revoked_at is None:
            row.revoked_at = clock()


def enroll(db: Database, token: str, device_name: str, *, clock: Clock = utc_now) -> Enrollment:
    """Trade a one-time token for a device identity (id, never-reused number, secret).

    Raises:
        EnrollmentRefused: unknown, used or revoked token; no device number left in the office.
        UserError: an empty or too long device name.
    """
    name = " ".join(device_name.split())
    if not name or len(name) > MAX_DEVICE_NAME:
        raise UserError(f"Tên máy trạm phải có từ 1 đến {MAX_DEVICE_NAME} ký tự.")
    secret = secrets.token_urlsafe(32)
    with db.write() as s:
        # Row locks serialise concurrent enrollments on PostgreSQL; SQLite's BEGIN IMMEDIATE
        # already does. The UNIQUE (office_code, number) constraint is only a tripwire.
        row = s.scalar(
            select(EnrollTokenRow)
            .where(EnrollTokenRow.token_hash == digest(token.strip()))
            .with_for_update()
        )
        if row is None:
            raise EnrollmentRefused("Mã đăng ký không đúng; hãy hỏi quản trị viên mã mới.")
        if row.revoked_at is not None:
            raise EnrollmentRefused("Mã đăng ký đã bị thu hồi; hãy hỏi quản trị viên mã mới.")
        if row.used_at is not None:
            raise EnrollmentRefused(
                "Mã đăng ký đã được dùng (mỗi mã chỉ dùng một lần); hãy hỏi quản trị viên mã mới."
            )
        s.scalar(select(OfficeRow.code).where(OfficeRow.code == row.office_code).with_for_update())
        # max + 1 over every device ever enrolled (revoked ones keep their row): never reused.
        last = s.scalar(
            select(func.max(DeviceRow.number)).where(DeviceRow.office_code == row.office_code)
        )
        number = (last or 0) + 1
        if number > MAX_DEVICE_NUMBER:
            raise EnrollmentRefused(
                f"Cơ quan {row.office_code} đã dùng hết {MAX_DEVICE_NUMBER} số hiệu máy trạm."
            )
        now = clock()
        device_id = new_id()
        s.add(
            DeviceRow(
                id=device_id,
                number=number,
                office_code=row.office_code,
                name=name,
                is_local=False,
                counter_number=row.counter_number,
                secret_hash=digest(secret),
                enrolled_at=now,
                quarantined=False,
            )
        )
        row.used_at = now
        row.device_id = device_id
        return Enrollment(
            device_id=device_id,
            device_number=number,
            office_code=row.office_code,
            counter_number=row.counter_number,
            secret=secret,
        )


def authenticate(
    db: Database, device_id: str, secret: str, *, with_scope: bool = True
) -> DeviceIdentity:
    """The identity of an enrolled, non-revoked device whose secret matches.

    ``with_scope=False`` skips the walk of the unit tree (a few queries): the identity's scope
    is then its own office only and its unit is not read — enough for the office's queue,
    whose every request is about the device's own office.

    Raises:
        AuthenticationFailed: unknown device, wrong secret, or a revoked device.
    """
    with db.read() as s:
        device = s.get(DeviceRow, device_id) if len(device_id) <= 36 else None
        expected = device.secret_hash if device is not None else None
        # Compare even when the device is unknown, so timing says nothing about which ids exist.
        ok = hmac.compare_digest(expected or "0" * 64, digest(secret))
        if device is None or expected is None or not ok:
            raise AuthenticationFailed("Thông tin xác thực máy trạm không đúng.")
        if device.revoked_at is not None:
            raise AuthenticationFailed(
                "Máy trạm này đã bị thu hồi; hãy liên hệ quản trị viên để đăng ký lại."
            )
        return _identity(s, device, with_scope=with_scope)


def revoke_device(db: Database, device_id: str, *, clock: Clock = utc_now) -> None:
    """Revoke a device: its secret stops working; its number is never given out again."""
    with db.write() as s:
        device = s.get(DeviceRow, device_id)
        if device is None or device.secret_hash is None:
            raise NotFoundError(f"Không có máy trạm đã đăng ký mã '{device_id}'.")
        if device.revoked_at is None:
            device.revoked_at = clock()


def office_scope(s: Session, office_code: str) -> tuple[str, ...]:
    """The office itself plus every office whose unit lies under the office's unit."""
    unit = s.scalar(select(OfficeRow.unit_code).where(OfficeRow.code == office_code))
    units: set[str] = set()
    frontier = {unit} if unit else set()
    while frontier:  # the tree is at most province → district → ward
        children = set(
            s.scalars(select(AdminUnitRow.code).where(AdminUnitRow.parent_code.in_(frontier)))
        )
        frontier = children - units
        units |= children
    others: set[str] = set()
    if units:
        others = set(s.scalars(select(OfficeRow.code).where(OfficeRow.unit_code.in_(units))))
    return (office_code, *sorted(others - {office_code}))


def device_identity(s: Session, device: DeviceRow) -> DeviceIdentity:
    """The identity (and scope) of a device row, whatever its state (admin use)."""
    return _identity(s, device)


def _identity(s: Session, device: DeviceRow, *, with_scope: bool = True) -> DeviceIdentity:
    unit_code = level = None
    scope: tuple[str, ...] = (device.office_code,)
    if with_scope:
        unit_code = s.scalar(
            select(OfficeRow.unit_code).where(OfficeRow.code == device.office_code)
        )
        level = s.scalar(select(AdminUnitRow.level).where(AdminUnitRow.code == unit_code))
        scope = office_scope(s, device.office_code)
    return DeviceIdentity(
        device_id=device.id,
        device_number=device.number,
        office_code=device.office_code,
        counter_number=device.counter_number,
        name=device.name,
        quarantined=device.quarantined,
        unit_code=unit_code,
        unit_level=level,
        scope=scope,
    )


__all__ = [
    "AuthenticationFailed",
    "DeviceIdentity",
    "Enrollment",
    "EnrollmentRefused",
    "authenticate",
    "device_identity",
    "digest",
    "enroll",
    "issue_token",
    "office_scope",
    "revoke_device",
    "revoke_token",
]
