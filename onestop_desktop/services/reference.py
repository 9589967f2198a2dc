"""Reference data: set-up of a workstation, admin units, the procedure catalog, the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from onestop_desktop.domain.calendar import CalendarEntry, DayKind
from onestop_desktop.domain.catalog import (
    AdminUnit,
    Procedure,
    RequiredDocument,
    parse_handling_level,
    parse_non_negative_int,
    parse_online_level,
    parse_procedure_code,
    parse_unit_level,
)
from onestop_desktop.domain.codes import validate_agency_code
from onestop_desktop.domain.errors import ValidationError
from onestop_desktop.domain.ids import new_id
from onestop_desktop.domain.text import fold, normalize_text
from onestop_desktop.errors import UserError
from onestop_desktop.paths import data_file
from onestop_desktop.services.context import Workstation, parse_hhmm
from onestop_desktop.store import repo
from onestop_desktop.store.calendar_source import parse_calendar_csv
from onestop_desktop.store.csvfile import ImportFailed, LineError, iter_rows, read_text
from onestop_desktop.store.migrate import upgrade
from onestop_desktop.store.models import (
    AdminUnitRow,
    CalendarDayRow,
    DeviceRow,
    OfficeRow,
    ProcedureDocumentRow,
    ProcedureRow,
)

UNIT_COLUMNS = ("code", "name", "level", "parent_code")
UNIT_OPTIONAL = ("valid_from", "valid_to", "replaced_by")
CATALOG_COLUMNS = ("code", "name", "field", "level", "processing_days", "fee", "online_level")
CATALOG_OPTIONAL = ("time_unit", "fee_note", "legal_basis")
TIME_UNITS = ("working_days", "calendar_days", "working_hours")


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``init`` did."""

    db: str
    office_code: str
    office_name: str
    device_id: str
    device_number: int
    migrated: bool
    backup: str | None
    loaded_bundled: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Rows added and updated (and retired, for a catalog ``--replace``)."""

    added: int
    updated: int
    retired: int = 0


# --------------------------------------------------------------------------- init


def init_workstation(
    ws: Workstation,
    *,
    office_code: str | None = None,
    device_number: int | None = None,
    cutoff: str | None = None,
) -> InitResult:
    """Create or migrate the database, load bundled data once, and set the office.

    Idempotent: a second run keeps all data and only migrates and/or changes the office.
    """
    before = _revision(ws)
    backup = upgrade(ws.db.engine)
    with ws.db.write() as s:
        loaded = load_bundled_if_empty(s)
        current_office = repo.get_setting(s, repo.OFFICE_CODE)
        if office_code is not None:
            code = validate_agency_code(office_code.strip().upper())
            if s.get(OfficeRow, code) is None:
                s.add(OfficeRow(code=code, name=f"Bộ phận Một cửa {code}", unit_code=None))
        elif current_office is not None:
            code = current_office
        else:
            first = s.scalars(select(OfficeRow).order_by(OfficeRow.code)).first()
            code = _default_office_code() or (first.code if first else "")
            if not code:
                raise UserError("Không có cơ quan tiếp nhận nào; hãy dùng 'init --office MÃ'.")
        repo.set_setting(s, repo.OFFICE_CODE, code)
        if cutoff is not None:
            hhmm = parse_hhmm(cutoff)
            if not time(11, 0) <= hhmm <= time(17, 0):
                raise ValidationError(
                    "cutoff", "Giờ chốt nhận hồ sơ trong ngày phải từ 11:00 đến 17:00."
                )
            repo.set_setting(s, repo.CUTOFF, hhmm.strftime("%H:%M"))
            repo.bump_version(s, repo.CALENDAR_VERSION)
        device_id = repo.get_setting(s, repo.DEVICE_ID)
        if device_id is None:
            device_id = new_id()
            repo.set_setting(s, repo.DEVICE_ID, device_id)
            repo.set_setting(s, repo.NEXT_DEVICE_SEQ, "1")
        if device_number is not None:
            if not 1 <= device_number <= 99:
                raise ValidationError("device", "Số hiệu máy trạm phải từ 1 đến 99.")
            repo.set_setting(s, repo.DEVICE_NUMBER, str(device_number))
        elif repo.get_setting(s, repo.DEVICE_NUMBER) is None:
            repo.set_setting(s, repo.DEVICE_NUMBER, "1")
        number = int(repo.get_setting(s, repo.DEVICE_NUMBER) or "1")
        device = s.get(DeviceRow, device_id)
        if device is None:
            s.add(DeviceRow(id=device_id, number=number, office_code=code, is_local=True))
        else:
            device.number = number
            device.office_code = code
        office = s.get(OfficeRow, code)
        ws.actor(s)
        office_name = office.name if office else code
    ws.invalidate_caches()
    return InitResult(
        db=str(ws.db.engine.url.database or ws.db.engine.url),
        office_code=code,
        office_name=office_name,
        device_id=device_id,
        device_number=number,
        migrated=before != _revision(ws),
        backup=backup,
        loaded_bundled=loaded,
    )


def _revision(ws: Workstation) -> str | None:
    from onestop_desktop.store.migrate import current_revision  # noqa: PLC0415

    return current_revision(ws.db.engine)


def _default_office_code() -> str | None:
    text = read_text(data_file("offices.csv"))
    for _line, row in iter_rows(
        text,
        source="offices.csv",
        required=("code", "name", "unit_code"),
        optional=("parent_name", "address", "phone"),
    ):
        return row.get("code") or None
    return None


def load_bundled_if_empty(s: Session) -> bool:
    """Load the bundled units, offices and catalog when the database has no units yet."""
    if s.scalar(select(func.count()).select_from(AdminUnitRow)) != 0:
        return False
    _load_bundled(s)
    return True


def _load_bundled(s: Session) -> None:
    """Load the bundled units, offices and catalog into an empty database."""
    for name in ("units_hanoi_2020.csv", "units_vn_2025.csv"):
        path = data_file(name)
        if path.exists():
            _import_units(s, read_text(path), str(path))
    offices = read_text(data_file("offices.csv"))
    for _line, row in iter_rows(
        offices,
        source="offices.csv",
        required=("code", "name", "unit_code"),
        optional=("parent_name", "address", "phone"),
    ):
        s.add(
            OfficeRow(
                code=row["code"],
                name=row["name"],
                unit_code=row["unit_code"] or None,
                parent_name=row.get("parent_name", ""),
                address=row.get("address", ""),
                phone=row.get("phone", ""),
            )
        )
    s.flush()
    catalog_path = data_file("catalog.csv")
    _import_catalog(s, read_text(catalog_path), str(catalog_path), replace=False, now=None)
    docs_path = data_file("catalog_documents.csv")
    _import_documents(s, read_text(docs_path), str(docs_path))


# --------------------------------------------------------------------------- units


def import_units(ws: Workstation, path: Path) -> ImportResult:
    """Import admin units (``code,name,level,parent_code``); all or nothing."""
    text = read_text(path)
    with ws.db.write() as s:
        return _import_units(s, text, str(path))


def _import_units(s: Session, text: str, source: str) -> ImportResult:
    repo.bump_version(s, repo.UNITS_VERSION)  # rolled back with the import if it fails
    errors: list[LineError] = []
    units: list[tuple[int, AdminUnit]] = []
    seen: set[str] = set()
    for line, row in iter_rows(text, source=source, required=UNIT_COLUMNS, optional=UNIT_OPTIONAL):
        if "__error__" in row:
            errors.append(LineError(line, "", row["__error__"]))
            continue
        try:
            code = row["code"]
            if not code:
                raise ValidationError("code", "Mã đơn vị không được để trống.")
            if code in seen:
                raise ValidationError("code", f"Mã đơn vị {code} bị trùng trong tệp.")
            seen.add(code)
            if not row["name"]:
                raise ValidationError("name", "Tên đơn vị không được để trống.")
            units.append(
                (
                    line,
                    AdminUnit(
                        code=code,
                        name=normalize_text(row["name"]),
                        level=parse_unit_level(row["level"]),
                        parent_code=row["parent_code"] or None,
                        valid_from=_opt_date(row.get("valid_from", ""), "valid_from"),
                        valid_to=_opt_date(row.get("valid_to", ""), "valid_to"),
                        replaced_by=row.get("replaced_by") or None,
                    ),
                )
            )
        except ValidationError as exc:
            errors.append(LineError(line, exc.field, exc.message))
    existing = set(s.scalars(select(AdminUnitRow.code)))
    known = existing | seen
    for line, unit in units:
        if unit.parent_code and unit.parent_code not in known:
            errors.append(
                LineError(line, "parent_code", f"Đơn vị cấp trên {unit.parent_code} không tồn tại.")
            )
        if unit.parent_code == unit.code:
            errors.append(
                LineError(line, "parent_code", "Đơn vị không thể là cấp trên của chính nó.")
            )
    if errors:
        raise ImportFailed(source, errors)
    order = {"province": 0, "district": 1, "ward": 2}
    added = updated = 0
    for _line, unit in sorted(units, key=lambda u: order[u[1].level.value]):
        values = {
            "name": unit.name,
            "level": unit.level.value,
            "parent_code": unit.parent_code,
            "valid_from": unit.valid_from,
            "valid_to": unit.valid_to,
            "replaced_by": unit.replaced_by,
        }
        if unit.code in existing:
            s.execute(update(AdminUnitRow).where(AdminUnitRow.code == unit.code).values(**values))
            updated += 1
        else:
            s.add(AdminUnitRow(code=unit.code, **values))
            added += 1
        s.flush()
    return ImportResult(added=added, updated=updated)


def _opt_date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            field, f"Ngày '{value}' không hợp lệ; dùng dạng YYYY-MM-DD."
        ) from None


# --------------------------------------------------------------------------- catalog


def import_catalog(ws: Workstation, path: Path, *, replace: bool = False) -> ImportResult:
    """Import procedures; ``replace`` makes the file the whole current catalog."""
    text = read_text(path)
    with ws.db.write() as s:
        result = _import_catalog(s, text, str(path), replace=replace, now=ws.now())
    ws.invalidate_caches()
    return result


def _parse_procedure(row: dict[str, str]) -> Procedure:
    code = parse_procedure_code(row["code"])
    name = normalize_text(row["name"])
    if not name:
        raise ValidationError("name", "Tên thủ tục không được để trống.")
    field = normalize_text(row["field"])
    if not field:
        raise ValidationError("field", "Lĩnh vực không được để trống.")
    unit = (row.get("time_unit") or "working_days").strip().lower()
    if unit not in TIME_UNITS:
        raise ValidationError(
            "time_unit", f"Đơn vị thời hạn '{unit}' không hợp lệ; dùng {', '.join(TIME_UNITS)}."
        )
    return Procedure(
        code=code,
        name=name,
        field=field,
        level=parse_handling_level(row["level"]),
        processing_days=parse_non_negative_int(
            row["processing_days"], "processing_days", "Thời hạn giải quyết"
        ),
        time_unit=unit,
        fee=parse_non_negative_int(row["fee"] or "0", "fee", "Lệ phí"),
        fee_note=normalize_text(row.get("fee_note", "")),
        online_level=parse_online_level(row["online_level"] or "none"),
        legal_basis=normalize_text(row.get("legal_basis", "")),
    )


def _import_catalog(
    s: Session, text: str, source: str, *, replace: bool, now: object
) -> ImportResult:
    from onestop_desktop.services.context import utc_now  # noqa: PLC0415

    stamp = now if now is not None else utc_now()
    repo.bump_version(s, repo.CATALOG_VERSION)
    errors: list[LineError] = []
    procs: list[Procedure] = []
    seen: set[str] = set()
    for line, row in iter_rows(
        text, source=source, required=CATALOG_COLUMNS, optional=CATALOG_OPTIONAL
    ):
        if "__error__" in row:
            errors.append(LineError(line, "", row["__error__"]))
            continue
        try:
            proc = _parse_procedure(row)
            if proc.code in seen:
                raise ValidationError("code", f"Mã thủ tục {proc.code} bị trùng trong tệp.")
            seen.add(proc.code)
            procs.append(proc)
        except ValidationError as exc:
            errors.append(LineError(line, exc.field, exc.message))
    if errors:
        raise ImportFailed(source, errors)
    if replace and not procs:
        raise ImportFailed(source, [LineError(2, "", "Tệp không có thủ tục nào; không thay thế.")])
    existing = {p.code: p for p in s.scalars(select(ProcedureRow))}
    added = updated = retired = 0
    for proc in procs:
        values = {
            "name": proc.name,
            "name_folded": fold(proc.name),
            "field": proc.field,
            "level": proc.level.value,
            "processing_days": proc.processing_days,
            "time_unit": proc.time_unit,
            "fee": proc.fee,
            "fee_note": proc.fee_note,
            "online_level": proc.online_level.value,
            "legal_basis": proc.legal_basis,
            "active": True,
            "retired_at": None,
            "updated_at": stamp,
        }
        row_obj = existing.get(proc.code)
        if row_obj is None:
            s.add(ProcedureRow(code=proc.code, **values))
            added += 1
        else:
            for k, v in values.items():
                setattr(row_obj, k, v)
            updated += 1
    if replace:
        for code, row_obj in existing.items():
            if code not in seen and row_obj.active:
                row_obj.active = False
                row_obj.retired_at = stamp  # type: ignore[assignment]
                row_obj.updated_at = stamp  # type: ignore[assignment]
                retired += 1
    s.flush()
    return ImportResult(added=added, updated=updated, retired=retired)


def _import_documents(s: Session, text: str, source: str) -> None:
    errors: list[LineError] = []
    rows: list[dict[str, object]] = []
    codes = set(s.scalars(select(ProcedureRow.code)))
    for line, row in iter_rows(
        text,
        source=source,
        required=(
            "procedure_code",
            "position",
            "name",
            "originals",
            "certified_copies",
            "photocopies",
        ),
    ):
        if "__error__" in row:
            errors.append(LineError(line, "", row["__error__"]))
            continue
        try:
            if row["procedure_code"] not in codes:
                raise ValidationError(
                    "procedure_code", f"Thủ tục {row['procedure_code']} không có trong danh mục."
                )
            rows.append(
                {
                    "procedure_code": row["procedure_code"],
                    "position": parse_non_negative_int(row["position"], "position", "Số thứ tự"),
                    "name": normalize_text(row["name"]),
                    "originals": parse_non_negative_int(
                        row["originals"], "originals", "Số bản chính"
                    ),
                    "certified_copies": parse_non_negative_int(
                        row["certified_copies"], "certified_copies", "Số bản sao chứng thực"
                    ),
                    "photocopies": parse_non_negative_int(
                        row["photocopies"], "photocopies", "Số bản photo"
                    ),
                }
            )
        except ValidationError as exc:
            errors.append(LineError(line, exc.field, exc.message))
    if errors:
        raise ImportFailed(source, errors)
    for code in {str(r["procedure_code"]) for r in rows}:
        s.execute(delete(ProcedureDocumentRow).where(ProcedureDocumentRow.procedure_code == code))
    for r in rows:
        s.add(ProcedureDocumentRow(**r))
    s.flush()


def list_catalog(ws: Workstation, *, include_retired: bool = False) -> list[Procedure]:
    """The catalog (current procedures, or all with ``include_retired``)."""
    with ws.db.read() as s:
        q = select(ProcedureRow).order_by(ProcedureRow.field, ProcedureRow.code)
        if not include_retired:
            q = q.where(ProcedureRow.active.is_(True))
        docs: dict[str, list[RequiredDocument]] = {}
        for d in s.scalars(select(ProcedureDocumentRow).order_by(ProcedureDocumentRow.position)):
            docs.setdefault(d.procedure_code, []).append(
                RequiredDocument(d.position, d.name, d.originals, d.certified_copies, d.photocopies)
            )
        return [_procedure_of(p, docs.get(p.code, ())) for p in s.scalars(q)]


def get_procedure(s: Session, code: str, *, field: str = "procedure") -> Procedure:
    """One procedure by code, with its documents; refuses unknown or retired codes."""
    row = s.get(ProcedureRow, code.strip())
    if row is None:
        raise ValidationError(field, f"Thủ tục '{code}' không có trong danh mục.")
    if not row.active:
        raise ValidationError(field, f"Thủ tục '{code}' đã bị bãi bỏ, không còn tiếp nhận.")
    docs = [
        RequiredDocument(d.position, d.name, d.originals, d.certified_copies, d.photocopies)
        for d in s.scalars(
            select(ProcedureDocumentRow)
            .where(ProcedureDocumentRow.procedure_code == row.code)
            .order_by(ProcedureDocumentRow.position)
        )
    ]
    return _procedure_of(row, docs)


def _procedure_of(p: ProcedureRow, docs: Sequence[RequiredDocument]) -> Procedure:
    return Procedure(
        code=p.code,
        name=p.name,
        field=p.field,
        level=parse_handling_level(p.level),
        processing_days=p.processing_days,
        time_unit=p.time_unit,
        fee=p.fee,
        fee_note=p.fee_note,
        online_level=parse_online_level(p.online_level),
        legal_basis=p.legal_basis,
        active=p.active,
        documents=tuple(docs),
    )


# --------------------------------------------------------------------------- calendar


def import_calendar(ws: Workstation, path: Path) -> ImportResult:
    """Import local calendar overrides (``date,kind,note``); all or nothing."""
    text = read_text(path)
    try:
        entries = parse_calendar_csv(text)
    except ValidationError as exc:
        raise ImportFailed(str(path), [LineError(0, exc.field, exc.message)]) from None
    with ws.db.write() as s:
        repo.bump_version(s, repo.CALENDAR_VERSION)
        added = updated = 0
        for e in entries:
            row = s.get(CalendarDayRow, e.day)
            if row is None:
                s.add(CalendarDayRow(day=e.day, kind=e.kind.value, note=e.note))
                added += 1
            else:
                row.kind = e.kind.value
                row.note = e.note
                updated += 1
    ws.invalidate_caches()
    return ImportResult(added=added, updated=updated)


def calendar_overrides(ws: Workstation) -> list[CalendarEntry]:
    """Local overrides stored in the database."""
    with ws.db.read() as s:
        return [
            CalendarEntry(day=r.day, kind=DayKind(r.kind), note=r.note)
            for r in s.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day))
        ]
