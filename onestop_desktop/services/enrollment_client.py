"""Enrollment, workstation side: trade a one-time token for this workstation's device identity.

``enroll_workstation`` asks the server (``POST /v1/enroll``), then in ONE write transaction sets
the device id, device number, office (the office row is created, named by its code, when this
database does not know it), the server URL and the enrollment time, and starts the new device's
event sequence at 1. The secret never enters the SQLite file: it is written, atomically and with
mode 0600, to ``<database file>.secret`` next to the database (for a non-file database URL, to
a file named after the URL under the user config folder). The file also names the device id,
so a database copied or restored without its secret file — or with another one — is detected
by :func:`load_credentials` instead of being used with the wrong identity.

Re-enrollment rule (kept deliberately simple): every enrollment gives a NEW device id, so the
events this workstation recorded under its current device id that the server has not confirmed
yet (``server_seq`` still empty) could no longer be pushed under that id. Enrollment is
therefore refused while there are such events — sync first — unless ``force=True``: then those
events stay in the database unchanged, under the old device id, and their number is reported.
The check runs before the token is sent, so a refusal never uses the token up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onestop_desktop.domain.codes import MAX_DEVICE_NUMBER, validate_agency_code
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.errors import EnvironmentFault, UserError
from onestop_desktop.paths import APP_AUTHOR, APP_NAME
from onestop_desktop.services.context import Workstation
from onestop_desktop.store import repo
from onestop_desktop.store.models import DeviceRow, EventRow, OfficeRow
from onestop_desktop.sync.client import ServerFault, SyncClient, normalize_server_url

ClientFactory = Callable[[str], SyncClient]
SECRET_SUFFIX = ".secret"  # noqa: S105 - a file name suffix, not a secret
_SECRET_FORMAT = 1
_MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Credentials:
    """How this workstation authenticates to its server."""

    server_url: str
    device_id: str
    secret: str


@dataclass(frozen=True, slots=True)
class EnrollResult:
    """The identity this workstation now has."""

    device_id: str
    device_number: int
    office_code: str
    office_name: str
    counter_number: int | None
    server_url: str
    secret_file: Path
    previous_device_id: str | None
    left_unsynced: int  # events of the previous identity not confirmed by a server (force)


def secret_file(ws: Workstation) -> Path:
    """Where this workstation's secret lives: ``<db file>.secret``, or under user config."""
    url = ws.db.engine.url
    database = url.database or ""
    is_file = database not in ("", ":memory:") and not database.startswith("file:")
    if url.get_backend_name() == "sqlite" and is_file:
        path = Path(database).expanduser().resolve()
        return path.with_name(path.name + SECRET_SUFFIX)
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode("utf-8")).hexdigest()
    folder = Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "secrets"
    return folder / f"{key[:24]}{SECRET_SUFFIX}"


def unsynced_events(s: Session, device_id: str) -> int:
    """Events recorded under ``device_id`` that no server has confirmed yet."""
    return int(
        s.scalar(
            select(func.count())
            .select_from(EventRow)
            .where(EventRow.device_id == device_id, EventRow.server_seq.is_(None))
        )
        or 0
    )


def enroll_workstation(
    ws: Workstation,
    server_url: str,
    token: str,
    device_name: str | None = None,
    *,
    force: bool = False,
    ca_file: str | None = None,
    client_factory: ClientFactory | None = None,
) -> EnrollResult:
    """Enroll this workstation with the server at ``server_url`` using a one-time ``token``.

    Raises:
        UserError: bad URL or token; unsynced events under the current identity (without
            ``force``); the server refused the token (``sync.client.Refused``).
        EnvironmentFault: the server cannot be reached or answered nonsense
            (``sync.client.ServerUnreachable`` / ``ServerFault``); the secret file cannot be
            written. Nothing is changed locally in any of these cases.
    """
    ws.ensure_ready()
    url = normalize_server_url(server_url)
    token = token.strip()
    if not token:
        raise UserError("Thiếu mã đăng ký; hãy hỏi quản trị viên máy chủ.")
    name = " ".join((device_name or _host_name()).split())[:_MAX_NAME] or "Máy trạm"

    with ws.db.read() as s:
        old_id = repo.get_setting(s, repo.DEVICE_ID)
        pending = unsynced_events(s, old_id) if old_id else 0
    if pending and not force:
        raise UserError(
            f"Máy trạm còn {pending} thay đổi chưa được đồng bộ lên máy chủ; đăng ký lại sẽ "
            "cấp mã máy mới và các thay đổi này sẽ không được gửi đi dưới mã máy cũ. Hãy đồng "
            "bộ trước, hoặc dùng --force nếu chấp nhận để lại chúng trên máy này."
        )

    factory = client_factory or (lambda u: SyncClient(u, ca_file=ca_file))
    with factory(url) as client:
        device_id, number, office, counter, secret = _identity(client.enroll(token, name), url)

    path = secret_file(ws)
    previous = _read_bytes(path)
    try:
        with ws.db.write() as s:
            old_id = repo.get_setting(s, repo.DEVICE_ID)
            left = unsynced_events(s, old_id) if old_id and old_id != device_id else 0
            office_row = s.get(OfficeRow, office)
            if office_row is None:
                office_row = OfficeRow(code=office, name=office, unit_code=None)
                s.add(office_row)
            office_name = office_row.name
            _replace_device_rows(s, old_id, device_id, number, office, name, counter, ws)
            repo.put_settings(
                s,
                {
                    repo.DEVICE_ID: device_id,
                    repo.DEVICE_NUMBER: str(number),
                    repo.OFFICE_CODE: office,
                    repo.SERVER_URL: url,
                    repo.ENROLLED_AT: ws.now().isoformat(),
                    repo.NEXT_DEVICE_SEQ: "1",
                    repo.ACKED_DEVICE_SEQ: "0",
                    repo.SERVER_CA_FILE: ca_file or "",
                },
            )
            s.flush()
            # Last step before COMMIT: if the commit fails, the previous file is put back.
            _write_secret(path, Credentials(url, device_id, secret))
    except BaseException:
        _restore(path, previous)
        raise
    finally:
        ws.invalidate_caches()
    return EnrollResult(
        device_id=device_id,
        device_number=number,
        office_code=office,
        office_name=office_name,
        counter_number=counter,
        server_url=url,
        secret_file=path,
        previous_device_id=old_id if old_id != device_id else None,
        left_unsynced=left,
    )


def load_credentials(ws: Workstation) -> Credentials:
    """The server URL, device id and secret of this enrolled workstation.

    Raises:
        UserError: never enrolled; the secret file is missing, unreadable as credentials, or
            belongs to another device id (a copied or restored database).
    """
    with ws.db.read() as s:
        values = repo.get_settings(s, repo.DEVICE_ID, repo.SERVER_URL)
    device_id = values.get(repo.DEVICE_ID)
    url = values.get(repo.SERVER_URL)
    if not device_id or not url:
        raise UserError(
            "Máy trạm chưa đăng ký với máy chủ; hãy chạy 'onestop enroll --server … --token …'."
        )
    path = secret_file(ws)
    again = "hãy xin quản trị viên mã đăng ký mới và chạy lại 'onestop enroll'."
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Không tìm thấy tệp khóa máy trạm {path}; {again}") from None
    except (OSError, ValueError) as exc:
        raise UserError(f"Không đọc được tệp khóa máy trạm {path} ({exc}); {again}") from None
    secret = data.get("secret") if isinstance(data, dict) else None
    owner = data.get("device_id") if isinstance(data, dict) else None
    if not isinstance(secret, str) or not secret or not isinstance(owner, str):
        raise UserError(f"Tệp khóa máy trạm {path} bị hỏng; {again}")
    if owner != device_id:
        raise UserError(
            f"Tệp khóa {path} thuộc máy trạm khác (cơ sở dữ liệu đã được sao chép hoặc khôi "
            f"phục?); {again}"
        )
    return Credentials(server_url=url, device_id=device_id, secret=secret)


def connect(ws: Workstation, *, timeout: float | None = None) -> SyncClient:
    """An authenticated client for this workstation's server (close it, or use ``with``)."""
    creds = load_credentials(ws)
    with ws.db.read() as s:
        ca_file = repo.get_setting(s, repo.SERVER_CA_FILE) or None
    extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    return SyncClient(
        creds.server_url,
        device_id=creds.device_id,
        secret=creds.secret,
        ca_file=ca_file,
        **extra,
    )


# --------------------------------------------------------------------------- helpers


def _host_name() -> str:
    try:
        return socket.gethostname()
    except OSError:  # pragma: no cover - platform
        return ""


def _identity(answer: dict[str, Any], url: str) -> tuple[str, int, str, int | None, str]:
    """Check the server's answer: (device id, number, office, counter, secret)."""
    bad = ServerFault(f"Máy chủ {url} trả lời đăng ký không hợp lệ; hãy kiểm tra phiên bản.")
    device_id = answer.get("device_id")
    number = answer.get("device_number")
    office = answer.get("office_code")
    counter = answer.get("counter_number")
    secret = answer.get("secret")
    if not isinstance(device_id, str) or not 0 < len(device_id) <= 36:
        raise bad
    if type(number) is not int or not 1 <= number <= MAX_DEVICE_NUMBER:
        raise bad
    if not isinstance(office, str):
        raise bad
    try:
        if validate_agency_code(office) != office:
            raise bad
    except ValidationError:
        raise bad from None
    if counter is not None and type(counter) is not int:
        raise bad
    if not isinstance(secret, str) or not secret:
        raise bad
    return device_id, number, office, counter, secret


def _has_events(s: Session, device_id: str) -> bool:
    return s.scalar(select(EventRow.id).where(EventRow.device_id == device_id).limit(1)) is not None


def _replace_device_rows(
    s: Session,
    old_id: str | None,
    device_id: str,
    number: int,
    office: str,
    name: str,
    counter: int | None,
    ws: Workstation,
) -> None:
    """Make ``device_id`` the local device row; keep old rows only while events name them.

    A kept row that holds the new (office, number) pair — the previous local identity of a
    forced re-enrollment — moves to a negative number, which no server ever hands out.
    """
    if old_id and old_id != device_id:
        old = s.get(DeviceRow, old_id)
        if old is not None:
            if _has_events(s, old_id):
                old.is_local = False
            else:
                s.delete(old)
    s.flush()
    clash = s.scalar(
        select(DeviceRow).where(
            DeviceRow.office_code == office, DeviceRow.number == number, DeviceRow.id != device_id
        )
    )
    if clash is not None:
        if _has_events(s, clash.id):
            lowest = s.scalar(
                select(func.min(DeviceRow.number)).where(DeviceRow.office_code == office)
            )
            clash.number = min(0, lowest or 0) - 1
            clash.is_local = False
        else:
            s.delete(clash)
        s.flush()
    row = s.get(DeviceRow, device_id)
    if row is None:
        row = DeviceRow(id=device_id)
        s.add(row)
    row.number = number
    row.office_code = office
    row.name = name
    row.is_local = True
    row.counter_number = counter
    row.enrolled_at = ws.now()
    row.revoked_at = None


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EnvironmentFault(f"Không đọc được tệp khóa máy trạm {path}: {exc}") from exc


def _write_private(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``, readable by the owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # O_CREAT's mode only applies to a new file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_secret(path: Path, creds: Credentials) -> None:
    payload = {
        "format": _SECRET_FORMAT,
        "server_url": creds.server_url,
        "device_id": creds.device_id,
        "secret": creds.secret,
    }
    try:
        _write_private(path, (json.dumps(payload, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise EnvironmentFault(
            f"Không ghi được tệp khóa máy trạm {path}: {exc.strerror or exc}. Mã đăng ký đã "
            "được dùng; sau khi khắc phục, hãy xin mã mới và đăng ký lại."
        ) from exc


def _restore(path: Path, previous: bytes | None) -> None:
    with contextlib.suppress(OSError):
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            _write_private(path, previous)


__all__ = [
    "ClientFactory",
    "Credentials",
    "EnrollResult",
    "connect",
    "enroll_workstation",
    "load_credentials",
    "secret_file",
    "unsynced_events",
]
