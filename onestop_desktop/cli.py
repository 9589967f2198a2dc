"""The ``onestop`` command line: scriptable, ``--json`` on every command that returns data.

Exit codes: 0 success, 1 refused input or a failed action (one line on stderr), 2 usage error,
3 environment fault (database locked or damaged, disk full).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from onestop_desktop import __version__
from onestop_desktop.domain.calendar import VN_TZ, TimeUnit
from onestop_desktop.domain.dossier import STATUS_LABELS, parse_channel, parse_status
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.paths import default_db_path

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace], Any]


def _parse_instant(value: str, field: str) -> datetime:
    from onestop_desktop.domain.errors import ValidationError  # noqa: PLC0415

    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            field, f"Thời điểm '{value}' không hợp lệ ({field}); dùng dạng 2026-01-05T08:30."
        ) from None
    return dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt


def _parse_day(value: str, field: str) -> date:
    from onestop_desktop.domain.errors import ValidationError  # noqa: PLC0415

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            field, f"Ngày '{value}' không hợp lệ ({field}); dùng dạng YYYY-MM-DD."
        ) from None


def _vn(dt: datetime | None) -> str:
    return "" if dt is None else dt.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def _workstation(args: argparse.Namespace, *, ready: bool = True) -> Any:
    from onestop_desktop.services.context import Workstation  # noqa: PLC0415
    from onestop_desktop.store.db import Database  # noqa: PLC0415

    target = args.db or str(default_db_path())
    ws = Workstation(Database.open(target))
    if ready:
        ws.ensure_ready()
    return ws


# --------------------------------------------------------------------------- commands


def cmd_gui(_args: argparse.Namespace) -> Any:
    """Only reached when the CLI is called directly: the GUI starts from onestop_desktop.app."""
    from onestop_desktop.errors import UserError  # noqa: PLC0415

    raise UserError("Hãy mở cửa sổ làm việc bằng lệnh 'onestop gui'.")


def cmd_init(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reference import init_workstation  # noqa: PLC0415

    ws = _workstation(args, ready=False)
    res = init_workstation(
        ws, office_code=args.office, device_number=args.device, cutoff=args.cutoff
    )
    data = {
        "db": res.db,
        "office_code": res.office_code,
        "office_name": res.office_name,
        "device_id": res.device_id,
        "device_number": res.device_number,
        "migrated": res.migrated,
        "backup": res.backup,
        "loaded_bundled_data": res.loaded_bundled,
    }
    text = (
        f"Cơ sở dữ liệu: {res.db}\nCơ quan: {res.office_name} ({res.office_code})\n"
        f"Máy trạm số {res.device_number}"
        + ("\nĐã nạp dữ liệu có sẵn (danh mục, đơn vị hành chính)." if res.loaded_bundled else "")
        + (f"\nĐã sao lưu trước khi nâng cấp: {res.backup}" if res.backup else "")
    )
    return data, text


def cmd_enroll(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.enrollment_client import enroll_workstation  # noqa: PLC0415

    ca_file = str(Path(args.ca_file).expanduser().resolve()) if args.ca_file else ""
    ws = _workstation(args)
    res = enroll_workstation(
        ws,
        args.server,
        args.token,
        args.name,
        force=args.force,
        ca_file=ca_file or None,  # kept next to the server URL; none: the system's CAs
    )
    data = {
        "device_id": res.device_id,
        "device_number": res.device_number,
        "office_code": res.office_code,
        "server": res.server_url,
    }
    text = (
        f"Đã đăng ký với máy chủ {res.server_url}.\n"
        f"Cơ quan: {res.office_name} ({res.office_code})\nMáy trạm số {res.device_number}"
        + (f", quầy {res.counter_number}" if res.counter_number is not None else "")
        + (
            f"\nĐể lại {res.left_unsynced} thay đổi chưa đồng bộ dưới mã máy cũ."
            if res.left_unsynced
            else ""
        )
    )
    return data, text


def cmd_sync(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.enrollment_client import connect  # noqa: PLC0415
    from onestop_desktop.services.sync_round import sync_round  # noqa: PLC0415

    ws = _workstation(args)
    with connect(ws) as client:
        # Versions first: a mismatch (ProtocolMismatch, exit 3) leaves everything local as is.
        res = sync_round(ws, client)
    if res.warning:
        print(res.warning, file=sys.stderr)  # noqa: T201
    data = {"pushed": res.pushed, "pulled": res.pulled, "rejected": res.rejected}
    text = (
        f"Đã gửi {res.pushed} thay đổi lên máy chủ"
        + (f" ({res.rejected} bị máy chủ từ chối)" if res.rejected else "")
        + f"; đã nhận {res.pulled} thay đổi từ máy chủ."
    )
    return data, text


def cmd_duplicates(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.dossiers import duplicate_groups  # noqa: PLC0415

    groups = duplicate_groups(_workstation(args))
    data = [
        {
            "id_number": g.id_number,
            "procedure_code": g.procedure_code,
            "codes": list(g.codes),
            "offices": list(g.offices),
        }
        for g in groups
    ]
    lines = [
        f"CCCD {g.id_number}  thủ tục {g.procedure_code}: "
        + ", ".join(g.codes)
        + (f"  (tại {len(g.offices)} cơ quan)" if len(g.offices) > 1 else "")
        for g in groups
    ]
    text = "\n".join(lines) or "Không có hồ sơ nào có thể bị trùng."
    if lines:
        text += (
            "\nMỗi nhóm là hồ sơ đang mở của cùng một công dân và thủ tục. Không tự gộp: hãy "
            "kiểm tra và rút hồ sơ thừa (onestop advance MÃ --to withdrawn --reason "
            "'Trùng hồ sơ …')."
        )
    return data, text


def cmd_outbox_export(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.outbox import export_outbox  # noqa: PLC0415

    n = export_outbox(_workstation(args), Path(args.out))
    return {"exported": n, "file": args.out}, (
        f"Đã xuất {n} thay đổi chưa đồng bộ ra {args.out} (có chữ ký của máy trạm); "
        "quản trị viên nhập tệp bằng 'onestop server import-outbox'."
    )


def cmd_check(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.outbox import check_database, salvage_outbox  # noqa: PLC0415

    path = Path(args.db or str(default_db_path()))
    res = check_database(path)
    salvaged = salvage_outbox(path, Path(args.salvage)) if args.salvage else None
    data = {"ok": res.ok, "problems": res.problems, "salvaged": salvaged}
    if res.ok:
        text = f"Cơ sở dữ liệu {path} không có lỗi."
    else:
        text = (
            f"Cơ sở dữ liệu {path} bị hỏng: " + "; ".join(res.problems[:3]) + ". "
            "Đừng tiếp tục làm việc trên tệp này: khôi phục bản sao lưu hoặc khởi tạo lại "
            "và đăng ký lại máy trạm; dùng --salvage TỆP để lấy ra các thay đổi chưa đồng bộ."
        )
    if salvaged is not None:
        text += f"\nĐã cứu {salvaged} thay đổi chưa đồng bộ ra {args.salvage}."
    if not res.ok:
        from onestop_desktop.store.db import DamagedDatabase  # noqa: PLC0415

        raise DamagedDatabase(text)
    return data, text


def cmd_units_import(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reference import import_units  # noqa: PLC0415

    res = import_units(_workstation(args), Path(args.file))
    return {"added": res.added, "updated": res.updated}, (
        f"Đã nhập đơn vị hành chính: {res.added} mới, {res.updated} cập nhật."
    )


def cmd_catalog_import(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reference import import_catalog  # noqa: PLC0415

    res = import_catalog(_workstation(args), Path(args.file), replace=args.replace)
    return {"added": res.added, "updated": res.updated, "retired": res.retired}, (
        f"Đã nhập danh mục thủ tục: {res.added} mới, {res.updated} cập nhật, {res.retired} bãi bỏ."
    )


def cmd_catalog_list(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reference import list_catalog  # noqa: PLC0415

    procs = list_catalog(_workstation(args), include_retired=args.all)
    data = [
        {
            "code": p.code,
            "name": p.name,
            "field": p.field,
            "level": p.level.value,
            "processing_days": p.processing_days,
            "time_unit": p.time_unit,
            "fee": p.fee,
            "online_level": p.online_level.value,
            "active": p.active,
            "documents": [d.name for d in p.documents],
        }
        for p in procs
    ]
    lines = [
        f"{p.code:<12} {p.field[:18]:<18} {p.processing_days:>3} ngày  {p.name}"
        + ("" if p.active else "  (đã bãi bỏ)")
        for p in procs
    ]
    return data, "\n".join(lines) or "Danh mục trống."


def cmd_calendar_import(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reference import import_calendar  # noqa: PLC0415

    res = import_calendar(_workstation(args), Path(args.file))
    return {"added": res.added, "updated": res.updated}, (
        f"Đã nhập lịch: {res.added} ngày mới, {res.updated} cập nhật."
    )


def cmd_calendar_due(args: argparse.Namespace) -> Any:
    from onestop_desktop.domain.errors import ValidationError  # noqa: PLC0415

    ws = _workstation(args)
    start = _parse_instant(args.start, "start")
    if args.days < 0:
        raise ValidationError("days", "Số ngày phải lớn hơn hoặc bằng 0.")
    with ws.db.read() as s:
        cal = ws.calendar(s)
        due = cal.due_at(start, args.days, TimeUnit(args.unit))
        effective = cal.effective_receipt(start)
    data = {
        "start": start.isoformat(),
        "effective_start": effective.isoformat(),
        "days": args.days,
        "unit": args.unit,
        "due_at": due.isoformat(),
        "due_date": due.date().isoformat(),
    }
    return data, f"Hẹn trả: {_vn(due)}"


def cmd_intake(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.dossiers import IntakeRequest, intake  # noqa: PLC0415

    ws = _workstation(args)
    req = IntakeRequest(
        procedure_code=args.procedure,
        applicant_name=args.name,
        id_number=args.id_number,
        phone=args.phone,
        address=args.address,
        email=args.email,
        channel=parse_channel(args.channel),
        received_at=_parse_instant(args.received_at, "received-at") if args.received_at else None,
        office_code=args.office,
    )
    view = intake(ws, req)
    text = f"Mã hồ sơ: {view.code}\nHẹn trả kết quả: {_vn(view.due_at)}"
    if view.possible_duplicate:
        text += "\nCảnh báo: người này đang có hồ sơ chưa giải quyết cho cùng thủ tục."
    return view.to_json(), text


def cmd_lookup(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.lookup import lookup  # noqa: PLC0415

    hits = lookup(_workstation(args), args.query, limit=args.limit)
    data = [{**h.dossier.to_json(), "match": h.match} for h in hits]
    lines = [
        f"{h.dossier.code:<28} {h.dossier.applicant_name:<28} "
        f"{h.dossier.id_number or '':<12} {STATUS_LABELS[parse_status(h.dossier.status)]:<16} "
        f"hẹn {_vn(h.dossier.due_at)}"
        for h in hits
    ]
    return data, "\n".join(lines) or "Không tìm thấy hồ sơ nào."


def cmd_advance(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.dossiers import advance  # noqa: PLC0415

    view = advance(
        _workstation(args),
        args.code,
        parse_status(args.to, "to"),
        at=_parse_instant(args.at, "at") if args.at else None,
        note=args.note,
        reason=args.reason,
        collected_by=args.collected_by,
    )
    label = STATUS_LABELS[parse_status(view.status)]
    return view.to_json(), f"{view.code}: {label}; hẹn trả {_vn(view.due_at)}"


def cmd_rate(args: argparse.Namespace) -> Any:
    from onestop_desktop.domain.dossier import RATING_LABELS, parse_rating  # noqa: PLC0415
    from onestop_desktop.services.ratings import rate  # noqa: PLC0415

    view = rate(_workstation(args), args.code, args.rating, args.reason)
    label = RATING_LABELS[parse_rating(args.rating)]
    return view.to_json(), f"{view.code}: đã ghi đánh giá '{label}'"


def _rate_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("code")
    sp.add_argument(
        "--rating",
        required=True,
        help="very_satisfied (Rất hài lòng), satisfied (Hài lòng), dissatisfied (Không hài lòng)",
    )
    sp.add_argument("--reason", help="lý do (bắt buộc khi không hài lòng)")


def cmd_show(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.dossiers import get_dossier, history  # noqa: PLC0415

    ws = _workstation(args)
    view = get_dossier(ws, args.code)
    events = history(ws, args.code)
    data = {
        **view.to_json(),
        "events": [
            {
                "type": e.type,
                "occurred_at": e.occurred_at.astimezone(VN_TZ).isoformat(),
                "user_id": e.user_id,
                "device_id": e.device_id,
                "device_seq": e.device_seq,
                "payload": json.loads(e.payload),
            }
            for e in events
        ],
    }
    lines = [
        f"{view.code} — {view.applicant_name}",
        f"Thủ tục: {view.procedure_name} ({view.procedure_code})",
        f"Trạng thái: {STATUS_LABELS[parse_status(view.status)]}",
        f"Tiếp nhận: {_vn(view.received_at)}   Hẹn trả: {_vn(view.due_at)}",
        *(
            ["Cảnh báo: có thể trùng với một hồ sơ đang mở khác (onestop duplicates)."]
            if view.possible_duplicate
            else []
        ),
        "Lịch sử:",
        *(f"  {_vn(e.occurred_at)}  {e.type}" for e in events),
    ]
    return data, "\n".join(lines)


def cmd_import_dossiers(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.importer import import_dossiers  # noqa: PLC0415

    progress = _ProgressLine("Nhập hồ sơ") if not args.json and sys.stderr.isatty() else None
    res = import_dossiers(
        _workstation(args), Path(args.file), progress=progress.update if progress else None
    )
    if progress:
        progress.done()
    return {"imported": res.imported, "generated_codes": res.generated_codes}, (
        f"Đã nhập {res.imported} hồ sơ ({res.generated_codes} mã được cấp mới)."
    )


def cmd_report(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.reports import build_report, format_report  # noqa: PLC0415

    ws = _workstation(args)
    date_from, date_to = _parse_day(args.date_from, "from"), _parse_day(args.date_to, "to")
    if args.server:
        rep = _server_report(ws, date_from, date_to, args.unit, args.procedure)
    else:
        rep = build_report(
            ws, date_from, date_to, unit_code=args.unit, procedure_code=args.procedure
        )
    data, text = rep.to_json(), format_report(rep)
    if args.server:
        text = "Số liệu của máy chủ (toàn bộ các máy trạm đã đồng bộ):\n" + text
    files = _export_report(rep, args)
    if files:
        data["files"] = {kind: str(path) for kind, path in files.items()}
        text += "".join(
            f"\nĐã ghi báo cáo ({kind.upper()}): {path}" for kind, path in files.items()
        )
    return data, text


def _server_report(
    ws: Any, date_from: Any, date_to: Any, unit: str | None, procedure: str | None
) -> Any:
    """The report computed by the district server over its data (``--server``)."""
    from onestop_desktop.services.enrollment_client import connect  # noqa: PLC0415
    from onestop_desktop.services.reports import Report  # noqa: PLC0415
    from onestop_desktop.sync.client import ServerFault  # noqa: PLC0415

    with connect(ws) as client:
        answer = client.report(date_from.isoformat(), date_to.isoformat(), unit, procedure)
        try:
            return Report.from_json(answer)
        except (KeyError, TypeError, ValueError):
            raise ServerFault(
                f"Máy chủ {client.base_url} trả lời báo cáo không hợp lệ; hãy kiểm tra phiên bản."
            ) from None


def _export_report(rep: Any, args: argparse.Namespace) -> dict[str, Path]:
    """``--pdf/--xlsx/--csv FILE``: write the report's exports."""
    from onestop_desktop.services import report_export  # noqa: PLC0415

    writers = {
        "pdf": report_export.export_report_pdf,
        "xlsx": report_export.export_report_xlsx,
        "csv": report_export.export_report_csv,
    }
    files: dict[str, Path] = {}
    for kind, write in writers.items():
        target = getattr(args, kind, None)
        if target:
            path = Path(target)
            write(rep, path)
            files[kind] = path
    return files


def cmd_daily_summary(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.daily_summary import render_daily_summary  # noqa: PLC0415

    day = _parse_day(args.date, "date") if args.date else None
    ws = _workstation(args)
    if day is None:
        day = ws.now().astimezone(VN_TZ).date()
    path, pdf = _pdf_to_file(args.out, lambda: render_daily_summary(ws, day))
    data = {"date": day.isoformat(), "file": str(path), "bytes": len(pdf)}
    return data, f"Đã in báo cáo tổng hợp ngày {day:%d/%m/%Y}: {path}"


def cmd_demo(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.demo import generate_demo  # noqa: PLC0415

    progress = _ProgressLine("Tạo dữ liệu mẫu") if not args.json else None
    res = generate_demo(
        _workstation(args),
        args.dossiers,
        seed=args.seed,
        progress=progress.update if progress else None,
    )
    if progress:
        progress.done()
    return {"dossiers": res.dossiers, "events": res.events, "seconds": round(res.seconds, 2)}, (
        f"Đã tạo {res.dossiers} hồ sơ mẫu ({res.events} sự kiện) trong {res.seconds:.1f} giây."
    )


def _pdf_to_file(out: str, render: Callable[[], bytes]) -> tuple[Path, bytes]:
    """Render into ``out`` whole: the file is opened first (so an unwritable target fails
    before anything is rendered or recorded), written as ``out.part``, then renamed."""
    path = Path(out)
    part = path.with_name(path.name + ".part")

    def fault(exc: OSError) -> EnvironmentFault:
        return EnvironmentFault(f"Không ghi được tệp {path}: {exc.strerror or exc}")

    try:
        handle = part.open("wb")
    except OSError as exc:
        raise fault(exc) from exc
    try:
        with handle:
            pdf = render()
            try:
                handle.write(pdf)
            except OSError as exc:
                raise fault(exc) from exc
        try:
            os.replace(part, path)
        except OSError as exc:
            raise fault(exc) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path, pdf


def _printed(code: str, form: str, path: Path, pdf: bytes) -> Any:
    from onestop_desktop.printing import FORM_CAPTIONS  # noqa: PLC0415

    data = {"code": code, "form": form, "file": str(path), "bytes": len(pdf)}
    return data, f"Đã in {FORM_CAPTIONS.get(form, form)} của hồ sơ {code}: {path}"


def cmd_receipt(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.printing import render_receipt  # noqa: PLC0415

    ws = _workstation(args)
    path, pdf = _pdf_to_file(args.out, lambda: render_receipt(ws, args.code))
    return _printed(args.code.strip().upper(), "01", path, pdf)


def cmd_print_form(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.printing import normalize_form, render_form  # noqa: PLC0415

    form = normalize_form(args.form)
    ws = _workstation(args)
    new_due = _parse_instant(args.new_due_at, "new-due-at") if args.new_due_at else None
    path, pdf = _pdf_to_file(
        args.out,
        lambda: render_form(
            ws,
            form,
            args.code,
            reason=args.reason,
            missing=args.missing or None,
            new_due_at=new_due,
        ),
    )
    return _printed(args.code.strip().upper(), form, path, pdf)


def cmd_register(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.printing import render_register  # noqa: PLC0415

    d_from = _parse_day(args.date_from, "from")
    d_to = _parse_day(args.date_to, "to")
    ws = _workstation(args)
    path, pdf = _pdf_to_file(
        args.out, lambda: render_register(ws, d_from, d_to, office_code=args.office)
    )
    data = {
        "form": "06",
        "from": d_from.isoformat(),
        "to": d_to.isoformat(),
        "file": str(path),
        "bytes": len(pdf),
    }
    return data, f"Đã in Sổ theo dõi hồ sơ từ {d_from:%d/%m/%Y} đến {d_to:%d/%m/%Y}: {path}"


class _ProgressLine:
    """A one-line progress indicator on stderr."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._last = -1

    def update(self, done: int, total: int) -> bool:
        pct = 100 * done // total if total else 100
        if pct != self._last:
            self._last = pct
            sys.stderr.write(f"\r{self.label}: {done:,}/{total:,} ({pct}%)".replace(",", "."))
            sys.stderr.flush()
        return True

    def done(self) -> None:
        sys.stderr.write("\n")


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: lỗi: {message} (xem '{self.prog} -h')\n")


def _add_enroll_parser(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--server", required=True, help="địa chỉ máy chủ, ví dụ https://may-chu:8443")
    sp.add_argument("--token", required=True, help="mã đăng ký do quản trị viên máy chủ cấp")
    sp.add_argument("--name", help="tên máy trạm (mặc định: tên máy tính)")
    sp.add_argument(
        "--force",
        action="store_true",
        help="đăng ký lại dù còn thay đổi chưa đồng bộ (chúng ở lại máy, không được gửi đi)",
    )
    sp.add_argument(
        "--ca-file",
        help="tệp chứng chỉ gốc (CA, PEM) để tin cậy chứng chỉ TLS của máy chủ https",
    )


def _add_report_commands(add: Any) -> None:
    """``onestop report`` (with its exports) and ``onestop daily-summary``."""
    sp = add("report", cmd_report, "báo cáo định kỳ (Biểu II.06a)")
    sp.add_argument("--from", dest="date_from", required=True)
    sp.add_argument("--to", dest="date_to", required=True)
    sp.add_argument(
        "--unit", help="mã đơn vị hành chính (một phường, hoặc một quận cùng các phường)"
    )
    sp.add_argument("--pdf", help="ghi báo cáo ra tệp PDF (bảng theo Biểu II.06a, khổ ngang)")
    sp.add_argument("--xlsx", help="ghi báo cáo ra tệp Excel (.xlsx)")
    sp.add_argument("--csv", help="ghi báo cáo ra tệp CSV (UTF-8)")
    sp.add_argument("--procedure", help="chỉ số liệu của một thủ tục (mã thủ tục, vd. 1.004873)")
    sp.add_argument(
        "--server",
        action="store_true",
        help="tính trên dữ liệu của máy chủ (mọi máy trạm đã đồng bộ; cấp huyện: mọi phường)",
    )

    sp = add("daily-summary", cmd_daily_summary, "in báo cáo tổng hợp trong ngày ra PDF")
    sp.add_argument("--date", help="ngày báo cáo YYYY-MM-DD (mặc định: hôm nay)")
    sp.add_argument("--out", required=True, help="tệp PDF cần ghi")


def _add_outbox_commands(sub: Any, common: argparse.ArgumentParser, add: Any) -> None:
    """``onestop outbox export`` and ``onestop check``."""
    outbox = sub.add_parser("outbox", help="hộp thư đi (thay đổi chưa đồng bộ)").add_subparsers(
        dest="outbox_command", required=True, metavar="ACTION"
    )
    sp = outbox.add_parser(
        "export",
        parents=[common],
        help="xuất các thay đổi chưa đồng bộ ra tệp có chữ ký (máy trạm bị thu hồi)",
    )
    sp.add_argument("--out", required=True, help="tệp JSON sẽ ghi")
    sp.set_defaults(handler=cmd_outbox_export)

    add("duplicates", cmd_duplicates, "liệt kê hồ sơ đang mở có thể bị trùng (cùng CCCD, thủ tục)")

    sp = add("check", cmd_check, "kiểm tra cơ sở dữ liệu máy trạm có bị hỏng không")
    sp.add_argument("--salvage", metavar="FILE", help="cứu các thay đổi chưa đồng bộ ra tệp")


# --------------------------------------------------------------------------- queue (#5)


def _queue(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.queue_remote import open_queue  # noqa: PLC0415

    return open_queue(_workstation(args))


def _ticket_text(ticket: Any, verb: str) -> str:
    if ticket is None:
        return "Không còn ai đang chờ."
    extra = " (ưu tiên)" if ticket.priority else ""
    text = f"{verb} {ticket.number}{extra} — {ticket.group_name}"
    if ticket.counter is not None and ticket.status == "called":
        text += f", quầy {ticket.counter}"
    if ticket.people_ahead and ticket.status == "waiting":
        text += f"; {ticket.people_ahead} người chờ trước, khoảng {ticket.wait_minutes} phút"
    elif ticket.people_ahead == 0 and ticket.status == "waiting":
        text += "; đến lượt ngay"
    return text


def cmd_queue_issue(args: argparse.Namespace) -> Any:
    with closing(_queue(args)) as q:
        return _queue_issue(q, args)


def _queue_issue(q: Any, args: argparse.Namespace) -> Any:
    service = args.service or q.config().groups[0].code
    ticket = q.issue(service, priority=args.priority)
    return {"ticket": ticket.to_json()}, _ticket_text(ticket, "Đã cấp số")


def cmd_queue_call(args: argparse.Namespace) -> Any:
    with closing(_queue(args)) as q:
        return _queue_call(q, args)


def _queue_call(q: Any, args: argparse.Namespace) -> Any:
    from onestop_desktop.services.queue_remote import counter_of  # noqa: PLC0415

    counter = args.counter if args.counter is not None else counter_of(_workstation(args))
    groups = [g.strip() for g in args.groups.split(",") if g.strip()] if args.groups else None
    ticket = q.call_next(counter, groups=groups)
    return {"ticket": ticket.to_json() if ticket else None}, _ticket_text(ticket, "Mời số")


def cmd_queue_status(args: argparse.Namespace) -> Any:
    with closing(_queue(args)) as q:
        st = q.status()
        names = {g.code: g.name for g in q.config().groups}
    lines = [
        f"Hàng chờ ngày {st.day:%d/%m/%Y}: đã cấp {st.issued}, đã phục vụ {st.served}, "
        f"vắng mặt {st.no_shows}."
    ]
    lines += [f"  {names.get(code, code)}: {n} người chờ" for code, n in st.waiting.items()]
    lines += [f"  Quầy {c}: số {t.number}" for c, t in sorted(st.serving.items())]
    return st.to_json(), "\n".join(lines)


def cmd_queue_stats(args: argparse.Namespace) -> Any:
    from onestop_desktop.domain.calendar import business_date  # noqa: PLC0415
    from onestop_desktop.services import queue as queue_service  # noqa: PLC0415

    ws = _workstation(args)
    today = business_date(ws.now())
    start = _parse_day(args.date_from, "--from") if args.date_from else today
    end = _parse_day(args.date_to, "--to") if args.date_to else start
    with ws.db.read() as s:
        st = queue_service.stats(s, office_codes=None, date_from=start, date_to=end)
    t = st.total
    text = (
        f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}: {t.tickets} phiếu, đã phục vụ {t.served}, "
        f"vắng mặt {t.no_shows}, chờ trung bình "
        f"{'—' if t.avg_wait_s is None else round(t.avg_wait_s / 60)} phút, phục vụ trung bình "
        f"{'—' if t.avg_service_s is None else round(t.avg_service_s / 60)} phút."
    )
    return st.to_json(), text


def cmd_queue_config(args: argparse.Namespace) -> Any:
    from onestop_desktop.services.queue import configure  # noqa: PLC0415
    from onestop_desktop.services.queue_remote import is_enrolled  # noqa: PLC0415
    from onestop_desktop.store import repo  # noqa: PLC0415

    ws = _workstation(args)
    with ws.db.read() as s:
        office = repo.get_setting(s, repo.OFFICE_CODE) or ""
    config = configure(ws.db, office, Path(args.file) if args.file else None)
    text = config.to_json()
    if is_enrolled(ws):
        text += (
            "\nMáy này dùng hàng chờ chung trên máy chủ: cấu hình có hiệu lực là của máy chủ "
            "(onestop server queue-config)."
        )
    return json.loads(config.to_json()), text


def _add_queue_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """``onestop queue issue|call|status|stats``."""
    q = sub.add_parser("queue", help="hàng chờ lấy số thứ tự").add_subparsers(
        dest="queue_command", required=True, metavar="ACTION"
    )
    sp = q.add_parser("issue", parents=[common], help="cấp một số thứ tự")
    sp.add_argument("--service", help="mã nhóm dịch vụ (mặc định: nhóm đầu tiên)")
    sp.add_argument("--priority", action="store_true", help="số ưu tiên")
    sp.set_defaults(handler=cmd_queue_issue)
    sp = q.add_parser("call", parents=[common], help="gọi số tiếp theo cho một quầy")
    sp.add_argument("--counter", type=int, help="số quầy (mặc định: quầy của máy này)")
    sp.add_argument("--groups", help="các nhóm dịch vụ quầy phục vụ, cách nhau bằng dấu phẩy")
    sp.set_defaults(handler=cmd_queue_call)
    sp = q.add_parser("status", parents=[common], help="tình hình hàng chờ hôm nay")
    sp.set_defaults(handler=cmd_queue_status)
    sp = q.add_parser("stats", parents=[common], help="thống kê hàng chờ theo ngày, nhóm, quầy")
    sp.add_argument("--from", dest="date_from", help="từ ngày YYYY-MM-DD (mặc định hôm nay)")
    sp.add_argument("--to", dest="date_to", help="đến ngày YYYY-MM-DD")
    sp.set_defaults(handler=cmd_queue_stats)
    sp = q.add_parser("config", parents=[common], help="xem hoặc đặt cấu hình hàng chờ")
    sp.add_argument("--file", help="tệp JSON: nhóm dịch vụ, quy tắc ưu tiên, nhóm của từng quầy")
    sp.set_defaults(handler=cmd_queue_config)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    common = _Parser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="tệp cơ sở dữ liệu hoặc URL")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="in kết quả dạng JSON"
    )
    p = _Parser(
        prog="onestop",
        description="OneStop Desktop — phần mềm bộ phận một cửa (tiếp nhận và trả kết quả).",
    )
    p.add_argument("--version", action="version", version=f"onestop {__version__}")
    p.add_argument(
        "--db",
        default=None,
        help=(
            "tệp SQLite hoặc URL cơ sở dữ liệu "
            "(mặc định: $ONESTOP_DB hoặc thư mục dữ liệu người dùng)"
        ),
    )
    p.add_argument(
        "--json",
        action="store_true",
        default=False,
        help="in kết quả dạng JSON cho chương trình khác đọc",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, parents=[common], help=help_, description=help_)
        sp.set_defaults(handler=handler)
        return sp

    sp = add("gui", cmd_gui, "mở cửa sổ làm việc của quầy")
    sp.add_argument("qt_args", nargs="*", help=argparse.SUPPRESS)

    sp = add("init", cmd_init, "tạo hoặc nâng cấp cơ sở dữ liệu, nạp dữ liệu có sẵn")
    sp.add_argument("--office", help="mã định danh cơ quan tiếp nhận của máy trạm này")
    sp.add_argument("--device", type=int, help="số hiệu máy trạm trong cơ quan (1-99)")
    sp.add_argument("--cutoff", help="giờ chốt nhận hồ sơ trả trong ngày, HH:MM (mặc định 15:00)")

    _add_enroll_parser(
        add("enroll", cmd_enroll, "đăng ký máy trạm với máy chủ đồng bộ bằng mã dùng một lần")
    )

    add(
        "sync",
        cmd_sync,
        "đồng bộ một lượt với máy chủ (gửi các thay đổi chờ gửi, nhận thay đổi mới)",
    )

    _add_outbox_commands(sub, common, add)
    _add_queue_commands(sub, common)

    units = sub.add_parser("units", help="đơn vị hành chính").add_subparsers(
        dest="units_command", required=True, metavar="ACTION"
    )
    sp = units.add_parser(
        "import", parents=[common], help="nhập tệp CSV code,name,level,parent_code"
    )
    sp.add_argument("file")
    sp.set_defaults(handler=cmd_units_import)

    catalog = sub.add_parser("catalog", help="danh mục thủ tục hành chính").add_subparsers(
        dest="catalog_command", required=True, metavar="ACTION"
    )
    sp = catalog.add_parser("import", parents=[common], help="nhập danh mục thủ tục từ tệp CSV")
    sp.add_argument("file")
    sp.add_argument(
        "--replace",
        action="store_true",
        help="tệp trở thành toàn bộ danh mục (thủ tục không có trong tệp bị bãi bỏ)",
    )
    sp.set_defaults(handler=cmd_catalog_import)
    sp = catalog.add_parser("list", parents=[common], help="liệt kê thủ tục đang áp dụng")
    sp.add_argument("--all", action="store_true", help="kể cả thủ tục đã bãi bỏ")
    sp.set_defaults(handler=cmd_catalog_list)

    cal = sub.add_parser("calendar", help="lịch ngày làm việc").add_subparsers(
        dest="calendar_command", required=True, metavar="ACTION"
    )
    sp = cal.add_parser(
        "import", parents=[common], help="nhập ngày nghỉ / ngày làm bù (date,kind,note)"
    )
    sp.add_argument("file")
    sp.set_defaults(handler=cmd_calendar_import)
    sp = cal.add_parser("due", parents=[common], help="tính ngày hẹn trả kết quả")
    sp.add_argument(
        "--start",
        required=True,
        help="thời điểm tiếp nhận ISO (giờ Việt Nam nếu không ghi múi giờ)",
    )
    sp.add_argument("--days", required=True, type=int)
    sp.add_argument("--unit", default="working_days", choices=[u.value for u in TimeUnit])
    sp.set_defaults(handler=cmd_calendar_due)

    sp = add("intake", cmd_intake, "tiếp nhận hồ sơ")
    sp.add_argument("--procedure", required=True)
    sp.add_argument("--name", required=True)
    sp.add_argument("--id-number")
    sp.add_argument("--phone")
    sp.add_argument("--address")
    sp.add_argument("--email")
    sp.add_argument(
        "--channel",
        default="direct",
        help="kênh: direct (trực tiếp), online (trực tuyến), postal (bưu chính)",
    )
    sp.add_argument("--received-at", help="thời điểm ISO (giờ Việt Nam nếu không ghi múi giờ)")
    sp.add_argument("--office", help="cơ quan tiếp nhận (mặc định: của máy trạm này)")

    sp = add("lookup", cmd_lookup, "tra cứu hồ sơ theo mã, tên, số giấy tờ hoặc số điện thoại")
    sp.add_argument("query")
    sp.add_argument("--limit", type=int, default=20)

    sp = add("show", cmd_show, "xem một hồ sơ và lịch sử xử lý")
    sp.add_argument("code")

    sp = add("advance", cmd_advance, "chuyển trạng thái hồ sơ")
    sp.add_argument("code")
    sp.add_argument(
        "--to",
        required=True,
        help=(
            "trạng thái mới: in_progress, waiting_supplement, resolved, returned, "
            "refused, withdrawn"
        ),
    )
    sp.add_argument("--at", help="thời điểm ISO (mặc định: bây giờ)")
    sp.add_argument("--note")
    sp.add_argument("--reason", help="lý do (bắt buộc khi từ chối)")
    sp.add_argument("--collected-by", help="người nhận kết quả (bắt buộc khi trả kết quả)")
    _rate_arguments(add("rate", cmd_rate, "ghi đánh giá của người dân khi trả kết quả"))

    imp = sub.add_parser("import", help="nhập dữ liệu hàng loạt").add_subparsers(
        dest="import_command", required=True, metavar="WHAT"
    )
    sp = imp.add_parser("dossiers", parents=[common], help="nhập hồ sơ từ tệp CSV")
    sp.add_argument("file")
    sp.set_defaults(handler=cmd_import_dossiers)

    _add_report_commands(add)

    sp = add("demo", cmd_demo, "tạo hồ sơ mẫu để dùng thử")
    sp.add_argument("--dossiers", type=int, default=1000)
    sp.add_argument("--seed", type=int, default=1)

    sp = add("receipt", cmd_receipt, "in giấy tiếp nhận và hẹn trả kết quả (Mẫu 01) ra PDF")
    sp.add_argument("code")
    sp.add_argument("--out", required=True, help="tệp PDF cần ghi")

    sp = add("print-form", cmd_print_form, "in phiếu của hồ sơ (Mẫu 01-05) ra PDF")
    sp.add_argument("form", choices=["01", "02", "03", "04", "05"])
    sp.add_argument("code")
    sp.add_argument("--out", required=True, help="tệp PDF cần ghi")
    sp.add_argument("--reason", help="lý do in trên Mẫu 02/03/04 (mặc định: lý do đã ghi nhận)")
    sp.add_argument(
        "--missing",
        action="append",
        help="giấy tờ cần bổ sung trên Mẫu 02 (lặp lại được; mặc định: mục chưa nhận)",
    )
    sp.add_argument("--new-due-at", help="ngày hẹn mới trên Mẫu 04 (mặc định: ngày đã ghi nhận)")

    sp = add("register", cmd_register, "in sổ theo dõi hồ sơ (Mẫu 06) ra PDF")
    sp.add_argument("--from", dest="date_from", required=True)
    sp.add_argument("--to", dest="date_to", required=True)
    sp.add_argument("--out", required=True, help="tệp PDF cần ghi")
    sp.add_argument("--office", help="cơ quan tiếp nhận (mặc định: của máy trạm này)")
    return p


def _default(o: object) -> object:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    from sqlalchemy.exc import DatabaseError, IntegrityError  # noqa: PLC0415

    try:
        data, text = args.handler(args)
    except DomainError as exc:
        print(f"Lỗi: {_one_line(exc)}", file=sys.stderr)  # noqa: T201
        return 1
    except EnvironmentFault as exc:
        print(f"Lỗi môi trường: {_one_line(exc)}", file=sys.stderr)  # noqa: T201
        return 3
    except (OSError, DatabaseError) as exc:
        # Opening or migrating the file failed before a unit of work could classify it
        # (not a database, a folder, no permission...). Integrity errors are bugs.
        if isinstance(exc, IntegrityError):
            raise
        reason = exc.orig if isinstance(exc, DatabaseError) and exc.orig is not None else exc
        print(  # noqa: T201
            f"Lỗi môi trường: không mở được cơ sở dữ liệu "
            f"{args.db or default_db_path()}: {_one_line(reason)}",
            file=sys.stderr,
        )
        return 3
    except KeyboardInterrupt:
        print("Đã hủy.", file=sys.stderr)  # noqa: T201
        return 130
    try:
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=_default))  # noqa: T201
        else:
            print(text)  # noqa: T201
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``onestop ... | head``): stop quietly, like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


__all__ = ["build_parser", "main"]
