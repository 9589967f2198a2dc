"""``onestop server …``: run the server and administer its database.

Exit codes as in the workstation CLI: 0 success, 1 refused input, 2 usage error, 3 environment
fault.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DatabaseError, IntegrityError

from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.services import enrollment, reference
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.server_setup import prepare_server
from onestop_desktop.store.db import Database

Result = tuple[Any, str]
Handler = Callable[[argparse.Namespace], Result]


def _db(args: argparse.Namespace) -> Database:
    db = Database.open(args.db)
    prepare_server(db)
    return db


def cmd_run(args: argparse.Namespace) -> Result:
    from onestop_desktop.server.run import serve  # noqa: PLC0415 - uvicorn only when serving

    serve(args.db, args.bind, certfile=args.cert, keyfile=args.key)
    return None, ""


def cmd_import(args: argparse.Namespace) -> Result:
    db = _db(args)
    try:
        ws = Workstation(db, username="server")
        path = Path(args.file)
        if args.what == "units":
            res = reference.import_units(ws, path)
        elif args.what == "catalog":
            res = reference.import_catalog(ws, path, replace=args.replace)
        else:
            res = reference.import_calendar(ws, path)
    finally:
        db.dispose()
    data = {"added": res.added, "updated": res.updated, "retired": res.retired}
    return data, f"Đã nhập {args.what}: {res.added} mới, {res.updated} cập nhật."


def cmd_enroll_token(args: argparse.Namespace) -> Result:
    db = _db(args)
    try:
        token = enrollment.issue_token(db, args.office, args.counter)
    finally:
        db.dispose()
    return {"token": token}, token


def cmd_revoke_token(args: argparse.Namespace) -> Result:
    db = _db(args)
    try:
        enrollment.revoke_token(db, args.token)
    finally:
        db.dispose()
    return {"revoked": True}, "Đã thu hồi mã đăng ký."


def cmd_revoke_device(args: argparse.Namespace) -> Result:
    db = _db(args)
    try:
        enrollment.revoke_device(db, args.device_id)
    finally:
        db.dispose()
    return {"revoked": args.device_id}, f"Đã thu hồi máy trạm {args.device_id}."


def cmd_devices(args: argparse.Namespace) -> Result:
    from onestop_desktop.services.outbox import list_devices  # noqa: PLC0415

    db = _db(args)
    try:
        devices = list_devices(db)
    finally:
        db.dispose()
    data = [
        {
            "id": d.id,
            "office_code": d.office_code,
            "number": d.number,
            "name": d.name,
            "counter_number": d.counter_number,
            "revoked": d.revoked,
            "quarantined": d.quarantined,
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            "clock_skew_s": d.clock_skew_s,
            "clock_flagged": d.clock_flagged,
        }
        for d in devices
    ]
    lines = []
    for d in devices:
        state = "thu hồi" if d.revoked else "tạm khóa" if d.quarantined else "hoạt động"
        skew = (
            f"  ĐỒNG HỒ LỆCH {d.clock_skew_s:+d} giây"
            if d.clock_flagged and d.clock_skew_s is not None
            else ""
        )
        lines.append(f"{d.office_code}  máy {d.number:<3} {state:<10} {d.name}  {d.id}{skew}")
    return data, "\n".join(lines) or "Chưa có máy trạm nào đăng ký."


def cmd_import_outbox(args: argparse.Namespace) -> Result:
    from onestop_desktop.services.outbox import import_outbox  # noqa: PLC0415

    db = _db(args)
    try:
        res = import_outbox(db, Path(args.file))
    finally:
        db.dispose()
    data = {
        "device_id": res.device_id,
        "stored": res.stored,
        "duplicates": res.duplicates,
        "rejected": res.rejected,
    }
    return data, (
        f"Đã nhập hộp thư đi của máy {res.device_id}: {res.stored} sự kiện mới "
        f"({res.rejected} bị từ chối), {res.duplicates} đã có."
    )


def cmd_queue_config(args: argparse.Namespace) -> Result:
    from onestop_desktop.services.queue import configure  # noqa: PLC0415

    db = _db(args)
    try:
        config = configure(db, args.office, Path(args.file) if args.file else None)
    finally:
        db.dispose()
    text = config.to_json()
    return json.loads(text), text


def build_parser() -> argparse.ArgumentParser:
    """The ``onestop server`` argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", required=True, help="URL cơ sở dữ liệu (postgresql://… hoặc tệp SQLite)"
    )
    common.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p = argparse.ArgumentParser(prog="onestop server", description="Máy chủ đồng bộ OneStop.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, parents=[common], help=help_, description=help_)
        sp.set_defaults(handler=handler)
        return sp

    sp = add("run", cmd_run, "chạy máy chủ (tự tạo/nâng cấp cơ sở dữ liệu)")
    sp.add_argument("--bind", default="127.0.0.1:8443", help="HOST:PORT")
    sp.add_argument("--cert", help="chứng chỉ TLS (PEM)")
    sp.add_argument("--key", help="khóa riêng TLS (PEM)")

    sp = add("import", cmd_import, "nhập dữ liệu danh mục vào máy chủ (cùng định dạng CSV)")
    sp.add_argument("what", choices=["units", "catalog", "calendar"])
    sp.add_argument("file")
    sp.add_argument("--replace", action="store_true", help="danh mục: tệp là toàn bộ danh mục")

    sp = add("enroll-token", cmd_enroll_token, "cấp mã đăng ký dùng một lần cho máy trạm")
    sp.add_argument("--office", required=True, help="mã cơ quan tiếp nhận")
    sp.add_argument("--counter", type=int, help="số quầy")

    sp = add("revoke-token", cmd_revoke_token, "thu hồi mã đăng ký chưa dùng")
    sp.add_argument("token")

    sp = add("revoke-device", cmd_revoke_device, "thu hồi máy trạm đã đăng ký")
    sp.add_argument("device_id")

    add("devices", cmd_devices, "liệt kê máy trạm (trạng thái, lần cuối kết nối, lệch đồng hồ)")

    sp = add(
        "import-outbox",
        cmd_import_outbox,
        "nhập hộp thư đi có chữ ký của máy trạm bị thu hồi/tạm khóa (sau khi xem xét)",
    )
    sp.add_argument("file")

    sp = add("queue-config", cmd_queue_config, "xem hoặc đặt cấu hình hàng chờ của một cơ quan")
    sp.add_argument("--office", required=True, help="mã cơ quan tiếp nhận")
    sp.add_argument("--file", help="tệp JSON cấu hình (nhóm dịch vụ, ưu tiên, quầy)")
    return p


def main(argv: Sequence[str]) -> int:
    """Run ``onestop server ARGS``; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(list(argv))
    try:
        data, text = args.handler(args)
    except DomainError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except EnvironmentFault as exc:
        print(f"Lỗi môi trường: {exc}", file=sys.stderr)  # noqa: T201
        return 3
    except DatabaseError as exc:
        if isinstance(exc, IntegrityError):
            raise
        reason = exc.orig if exc.orig is not None else exc
        print(f"Lỗi môi trường: không mở được cơ sở dữ liệu {args.db}: {reason}", file=sys.stderr)  # noqa: T201
        return 3
    except KeyboardInterrupt:
        return 130
    if data is not None or text:
        out = json.dumps(data, ensure_ascii=False) if args.json else text
        print(out)  # noqa: T201
    return 0
