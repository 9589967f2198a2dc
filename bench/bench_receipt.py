"""Receipt PDF (target ≤ 150 ms): Mẫu 01 rendered by ``printing.receipt(info)``, fonts warm.

Value: p95 of ``receipt(DossierInfo)`` — the whole reportlab layout of the slip (header, barcode,
document table of five lines, signatures, QR code) to PDF bytes, with the bundled TrueType fonts
already registered (the first render of a process also pays ~30 ms to load them; printed).

Floor: a bare reportlab canvas with one line of text and one image (a PNG QR code), saved to
bytes — the fixed cost of making any PDF with reportlab on this machine.

Also printed (no target): ``render_receipt(ws, code)``, the use case the GUI and CLI call — load
the dossier from a real database, build the data, render, record the ``dossier.printed`` event —
on a fresh database under ``bench/out/work``.
"""

from __future__ import annotations

import io
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import common


def sample_info() -> Any:
    """A realistic slip: long Vietnamese names and address, the five-line checklist."""
    from onestop_desktop.domain.calendar import VN_TZ
    from onestop_desktop.printing import (
        Agency,
        Applicant,
        DocumentLine,
        DossierInfo,
        ProcedureInfo,
    )

    received = datetime(2026, 1, 5, 8, 30, tzinfo=VN_TZ)
    return DossierInfo(
        code="000.01.09.H24-260105-1001",
        agency=Agency(
            parent_name="UBND phường Nhân Chính",
            name="Bộ phận Một cửa UBND phường Nhân Chính",
            place="Hà Nội",
            address="Phường Nhân Chính, Quận Thanh Xuân, Thành phố Hà Nội",
            phone="024 3858 1234",
        ),
        applicant=Applicant(
            name="Nguyễn Thị Ánh Tuyết",
            address="Số 12 ngõ 34 phố Nguyễn Trãi, Phường Nhân Chính, Quận Thanh Xuân, "
            "Thành phố Hà Nội",
            phone="0912 345 678",
            email="tuyet.nguyen@example.vn",
            id_number="001*******45",
        ),
        procedure=ProcedureInfo(
            code="1.001193",
            name="Đăng ký khai sinh",
            field="Hộ tịch",
            processing_days=0,
            fee=0,
            fee_note="Miễn lệ phí nếu đăng ký đúng hạn",
        ),
        received_at=received,
        due_at=received.replace(hour=17, minute=0),
        issued_at=received,
        documents=(
            DocumentLine("Tờ khai đăng ký khai sinh (theo mẫu)", 1),
            DocumentLine(
                "Giấy chứng sinh (hoặc văn bản của người làm chứng, giấy cam đoan về việc "
                "sinh nếu không có Giấy chứng sinh)",
                1,
            ),
            DocumentLine("Giấy tờ tùy thân của người đi đăng ký (xuất trình)", 1),
            DocumentLine("Giấy chứng nhận kết hôn của cha, mẹ (nếu có; xuất trình)", 1),
            DocumentLine("Văn bản ủy quyền có chứng thực (nếu nộp thay)", 0, 1),
        ),
        return_place="Trực tiếp tại Bộ phận Một cửa UBND phường Nhân Chính",
        processing_unit="Bộ phận chuyên môn (lĩnh vực Hộ tịch)",
        clerk_name="Đặng Văn Hưởng",
        book_volume="01/2026",
        book_number=15,
        qr_text="000.01.09.H24-260105-1001",
    )


def floor_pdf(png: bytes) -> bytes:
    """One line of text and one image on a bare canvas."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 13)
    c.drawString(85, 780, "Giay tiep nhan ho so va hen tra ket qua 000.01.09.H24-260105-1001")
    c.drawImage(ImageReader(io.BytesIO(png)), 85, 650, width=60, height=60)
    c.showPage()
    c.save()
    return buf.getvalue()


def qr_png() -> bytes:
    """A PNG QR code (the floor's image)."""
    import segno

    out = io.BytesIO()
    segno.make("000.01.09.H24-260105-1001", error="m").save(out, kind="png", scale=4)
    return out.getvalue()


def service_timings(rounds: int) -> tuple[list[float], float]:
    """``render_receipt(ws, code)`` on a fresh database: per-call ms and the DB set-up seconds."""
    from onestop_desktop.domain.calendar import VN_TZ
    from onestop_desktop.services.context import Workstation
    from onestop_desktop.services.dossiers import IntakeRequest, intake
    from onestop_desktop.services.printing import render_receipt
    from onestop_desktop.services.reference import init_workstation
    from onestop_desktop.store.db import Database

    common.WORK_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=common.WORK_DIR) as tmp:
        started = time.perf_counter()
        db = Database.open(Path(tmp) / "receipt.db")
        try:
            ws = Workstation(db, username="bench")
            init_workstation(ws)
            received = datetime(2026, 1, 5, 8, 30, tzinfo=VN_TZ)
            codes = [
                intake(
                    ws,
                    IntakeRequest(
                        procedure_code="1.001193",
                        applicant_name="Nguyễn Thị Ánh Tuyết",
                        id_number="001190012345",
                        phone="0912345678",
                        address="Số 12 ngõ 34 phố Nguyễn Trãi, Phường Nhân Chính, "
                        "Quận Thanh Xuân, Thành phố Hà Nội",
                        received_at=received + timedelta(minutes=i),
                    ),
                ).code
                for i in range(10)
            ]
            setup = time.perf_counter() - started
            for c in codes[:3]:  # warm: fonts, SQLAlchemy statement caches
                render_receipt(ws, c)
            samples = common.time_each(
                lambda i: render_receipt(ws, codes[i % len(codes)]), range(rounds)
            )
        finally:
            db.dispose()
    return samples, setup


def main(argv: list[str] | None = None) -> int:
    """Run the receipt benchmark."""
    p = common.base_parser(__doc__.split("\n", 1)[0])
    p.add_argument("--rounds", type=int, default=60, help="timed renders of each kind")
    args = p.parse_args(argv)
    if not args.no_header:
        common.print_machine()

    from onestop_desktop.printing import ensure_fonts, receipt

    t0 = time.perf_counter()
    ensure_fonts()
    font_ms = (time.perf_counter() - t0) * 1000
    info = sample_info()
    png = qr_png()
    t0 = time.perf_counter()
    first = receipt(info)
    first_ms = (time.perf_counter() - t0) * 1000
    for _ in range(5):  # warm both paths
        receipt(info)
        floor_pdf(png)

    ours: list[float] = []
    floor: list[float] = []
    for _ in range(args.rounds):  # alternate, so both see the same machine state
        ours += common.time_each(lambda _i: receipt(info), range(1))
        floor += common.time_each(lambda _i: floor_pdf(png), range(1))
    service, setup_s = service_timings(args.rounds)

    ours_s = common.summary_ms(ours)
    floor_s = common.summary_ms(floor)
    service_s = common.summary_ms(service)
    print(
        f"Receipt: {len(first):,} bytes; font registration {font_ms:.1f} ms, first render "
        f"{first_ms:.1f} ms (cold); {args.rounds} timed renders, alternating with the floor"
    )
    print(
        f"  render p50 {ours_s['p50']:.2f} ms, p95 {ours_s['p95']:.2f} ms, "
        f"max {ours_s['max']:.2f} ms"
    )
    print(
        f"  floor  p50 {floor_s['p50']:.2f} ms, p95 {floor_s['p95']:.2f} ms "
        "(bare canvas: one line of text + one image)"
    )
    print(
        f"  service render_receipt(ws, code) p50 {service_s['p50']:.2f} ms, "
        f"p95 {service_s['p95']:.2f} ms (load + render + event; DB set-up {setup_s:.1f} s)"
    )
    figures = [
        common.Figure(
            key="receipt_render_p95",
            name="receipt PDF render p95",
            unit="ms",
            value=ours_s["p95"],
            floor=floor_s["p95"],
            target=150.0,
            details={
                "rounds": args.rounds,
                "bytes": len(first),
                "font_registration_ms": round(font_ms, 2),
                "first_render_ms": round(first_ms, 2),
                "render": ours_s,
                "floor": floor_s,
            },
        ),
        common.Figure(
            key="receipt_service_p95",
            name="receipt via service p95",
            unit="ms",
            value=service_s["p95"],
            floor=floor_s["p95"],
            target=150.0,
            details={"rounds": args.rounds, "service": service_s, "floor": floor_s},
        ),
    ]
    return common.finish(args, figures)


if __name__ == "__main__":
    raise SystemExit(main())
