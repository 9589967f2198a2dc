"""The ticket kiosk (issue #5) on a real LocalQueue in the test's database: buttons pressed with
the mouse and the keyboard, tickets issued in the DB, the printed PNG's QR code read back with
``zbarimg``."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.queue import QueueConfig, Ticket
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.kiosk import (
    KIOSK_PRINTER,
    KioskWindow,
    PrintOutcome,
    grid_columns,
    paint_a6,
    paint_thermal,
    print_ticket,
)
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.gui.screen import read_screen_setup
from onestop_desktop.printing.ticket import qr_payload_for, ticket_pdf_a6, ticket_png
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import LocalQueue
from onestop_desktop.services.queue_remote import open_queue
from onestop_desktop.store import repo
from onestop_desktop.sync.client import ServerUnreachable
from tests.conftest import TEMPLATE_OFFICE

MakeKiosk = Callable[..., KioskWindow]


@pytest.fixture
def queue(ws: Workstation) -> LocalQueue:
    return LocalQueue(ws.db, TEMPLATE_OFFICE, clock=ws.now, clerk="an")


@pytest.fixture
def make_kiosk(qtbot: QtBot, ctx: AppContext) -> Iterator[MakeKiosk]:
    """Build a kiosk over the test's DB with its feed started; feeds stopped at teardown."""
    feeds: list[QueueFeed] = []

    def make(
        *,
        printer: str | None = None,
        feed_factory: Callable[[], object] | None = None,
        wait_ready: bool = True,
    ) -> KioskWindow:
        ws = ctx.ws
        feed = QueueFeed(feed_factory or (lambda: open_queue(ws)), wait_s=0.1)  # type: ignore[arg-type]
        feeds.append(feed)
        kiosk = KioskWindow(ctx, feed, backend_factory=lambda: open_queue(ws), printer=printer)
        qtbot.addWidget(kiosk)
        kiosk.resize(1280, 800)
        kiosk.show()
        feed.start()
        if wait_ready:
            qtbot.waitUntil(lambda: len(kiosk.buttons) > 0, timeout=3000)
            qtbot.waitUntil(lambda: kiosk.setup is not None, timeout=3000)
        return kiosk

    yield make
    for feed in feeds:
        feed.stop()
    assert not [t for t in threading.enumerate() if t.name == "queue-feed"]  # none leaked


def decode_qr(png: Path) -> list[str]:
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        check=True,
    ).stdout
    return out.decode("utf-8").splitlines()


def test_pressing_a_group_issues_shows_and_prints_a_ticket(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue, tmp_path: Path
) -> None:
    folder = tmp_path / "tickets"
    queue.issue("ho_tich")  # someone already waits in Hộ tịch
    kiosk = make_kiosk(printer=str(folder))
    assert [b.service_group.code for b in kiosk.buttons] == [g.code for g in queue.config().groups]
    first = kiosk.buttons[0]
    assert first.service_group.name == "Hộ tịch"
    qtbot.waitUntil(lambda: first.waiting == 1, timeout=2000)
    assert not kiosk.priority_toggle.isHidden()  # the default config lets citizens declare it

    with qtbot.waitSignal(kiosk.ticket_printed, timeout=5000) as printed:
        qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    ticket, outcome = printed.args
    assert isinstance(ticket, Ticket)
    assert isinstance(outcome, PrintOutcome)
    status = queue.status()
    assert status.issued == 2
    assert status.waiting["ho_tich"] == 2
    assert ticket.number == "1002"
    assert not ticket.priority
    assert kiosk.confirming
    assert kiosk.number_label.text() == "1002"
    assert kiosk.group_label.text() == "Hộ tịch"
    assert kiosk.ahead_label.text() == "Số người chờ trước bạn: 1"
    assert kiosk.wait_label.text() == "Thời gian chờ dự kiến: khoảng 5 phút"
    assert kiosk.priority_badge.isHidden()
    assert outcome.ok, outcome.detail
    png, pdf = folder / "1002.png", folder / "1002.pdf"
    assert outcome.files == (png, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    # Not enrolled with a server: the QR holds the plain record of the ticket.
    assert decode_qr(png) == [qr_payload_for(ticket, None)]
    assert decode_qr(png)[0].startswith(f"ONESTOP|{TEMPLATE_OFFICE}|2026-01-05|1002|")
    # The confirmation goes back to the choices by itself.
    kiosk._return_timer.setInterval(10)
    qtbot.waitUntil(lambda: not kiosk.confirming, timeout=1000)


def test_printer_setting_and_lookup_url_are_read_from_the_database(
    qtbot: QtBot, make_kiosk: MakeKiosk, ws: Workstation, tmp_path: Path
) -> None:
    folder = tmp_path / "from-setting"
    with ws.db.write() as s:
        repo.set_setting(s, KIOSK_PRINTER, str(folder))
    kiosk = make_kiosk()
    assert kiosk.setup is not None
    assert kiosk.setup.printer == str(folder)
    assert kiosk.setup.lookup_url is None  # not enrolled
    assert kiosk.office_label.text() == kiosk.setup.office_name != ""
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=5000) as printed:
        qtbot.keyClick(kiosk, Qt.Key.Key_2)  # keypad: the second group
    ticket, outcome = printed.args
    assert ticket.number == "2001"
    assert ticket.group_code == "chung_thuc"
    assert outcome.ok
    assert (folder / "2001.png").exists()


def test_priority_toggle_gives_a_priority_ticket_and_resets(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue, tmp_path: Path
) -> None:
    queue.issue("chung_thuc")
    kiosk = make_kiosk(printer=str(tmp_path))
    qtbot.mouseClick(kiosk.priority_toggle, Qt.MouseButton.LeftButton)
    assert kiosk.priority_toggle.isChecked()
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=5000) as issued:
        qtbot.mouseClick(kiosk.buttons[1], Qt.MouseButton.LeftButton)
    ticket = issued.args[0]
    assert ticket.priority
    assert ticket.people_ahead == 0
    assert queue.status().waiting_priority == 1
    assert not kiosk.priority_badge.isHidden()
    assert not kiosk.priority_toggle.isChecked()  # the next citizen starts unmarked
    kiosk.ctx.runner.wait()


def test_double_press_gives_one_ticket(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue, tmp_path: Path
) -> None:
    kiosk = make_kiosk(printer=str(tmp_path))
    button = kiosk.buttons[0]
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=5000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(kiosk, Qt.Key.Key_1)
    kiosk.ctx.runner.wait()
    qtbot.wait(50)
    assert queue.status().issued == 1
    # A press after the debounce second is a new citizen.
    kiosk._last_press -= 1.0
    with qtbot.waitSignal(kiosk.ticket_issued, timeout=5000):
        qtbot.keyClick(kiosk, Qt.Key.Key_1)
    kiosk.ctx.runner.wait()
    assert queue.status().issued == 2


def test_no_printer_says_so_and_still_shows_the_number(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue
) -> None:
    kiosk = make_kiosk()  # no kiosk.printer setting in the template DB
    with qtbot.waitSignal(kiosk.ticket_printed, timeout=5000) as printed:
        qtbot.mouseClick(kiosk.buttons[2], Qt.MouseButton.LeftButton)
    _ticket, outcome = printed.args
    assert not outcome.ok
    assert kiosk.number_label.text() == "3001"
    assert kiosk.print_label.text() == "Không in được phiếu. Vui lòng ghi nhớ số thứ tự của bạn."
    assert "kiosk.printer" in kiosk.print_detail_label.text()
    assert not kiosk.print_detail_label.isHidden()
    assert queue.status().issued == 1


def test_keys_escape_does_not_close_ctrl_shift_q_does(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue
) -> None:
    kiosk = make_kiosk()
    kiosk.locked = True
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    kiosk.close()  # Alt+F4 / a window manager's close
    assert kiosk.isVisible()
    qtbot.keyClick(kiosk, Qt.Key.Key_9)  # no 9th group: nothing happens
    qtbot.keyClick(
        kiosk,
        Qt.Key.Key_Q,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not kiosk.isVisible()
    assert queue.status().issued == 0


def test_priority_toggle_hidden_unless_self_declared(
    qtbot: QtBot, make_kiosk: MakeKiosk, queue: LocalQueue
) -> None:
    base = queue.config()
    queue.save_config(
        QueueConfig(groups=base.groups[:4], self_declared_priority=False, policy=base.policy)
    )
    kiosk = make_kiosk()
    assert len(kiosk.buttons) == 4
    assert kiosk.priority_toggle.isHidden()


def test_offline_banner_when_the_queue_is_out_of_reach(qtbot: QtBot, make_kiosk: MakeKiosk) -> None:
    def unreachable() -> object:
        raise ServerUnreachable("Không kết nối được máy chủ 10.0.0.9:8765")

    kiosk = make_kiosk(feed_factory=unreachable, wait_ready=False)
    qtbot.waitUntil(lambda: not kiosk.offline_banner.isHidden(), timeout=2000)
    assert "Mất kết nối" in kiosk.offline_banner.text()
    assert kiosk.buttons == []
    assert "Chưa kết nối" in kiosk.loading_label.text()


@pytest.mark.parametrize(
    ("count", "portrait", "cols"),
    [(4, False, 2), (5, False, 3), (6, False, 3), (8, False, 4), (3, True, 1), (8, True, 2)],
)
def test_grid_fits_four_to_eight_groups(count: int, portrait: bool, cols: int) -> None:
    assert grid_columns(count, portrait=portrait) == cols


def test_setup_prints_the_servers_lookup_address_when_enrolled(ws: Workstation) -> None:
    with ws.db.write() as s:
        repo.set_setting(s, repo.SERVER_URL, "https://motcua.example.vn")
        repo.set_setting(s, KIOSK_PRINTER, "  thermal ")
    setup = read_screen_setup(ws)
    assert setup.lookup_url == "https://motcua.example.vn"  # enrolled: a device id and a server
    assert setup.printer == "thermal"
    assert setup.office_code == TEMPLATE_OFFICE


def _pdf_printer(path: Path, dpi: int) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    return printer


def _pdf_page(pdf: Path, tmp_path: Path) -> tuple[Path, str]:
    """The first page as PNG (pdftoppm) and the page size (pdfinfo)."""
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    return tmp_path / "page.png", size


def test_thermal_and_a6_paint_a_readable_ticket_on_a_printer(
    qtbot: QtBot, queue: LocalQueue, tmp_path: Path
) -> None:
    ticket = queue.issue("ho_tich", priority=True)
    payload = qr_payload_for(ticket, "https://motcua.example.vn")
    # The thermal image on an 80 mm page at a 300 dpi printer.
    out = tmp_path / "thermal.pdf"
    paint_thermal(
        ticket_png(ticket, office_name="UBND", qr_payload=payload), _pdf_printer(out, 300)
    )
    page, size = _pdf_page(out, tmp_path)
    width_pt = float(size.split()[2])
    assert abs(width_pt - 80 / 25.4 * 72) < 1  # 80 mm wide
    assert decode_qr(page) == [payload]
    # The A6 PDF rendered on an A6 page.
    out = tmp_path / "a6.pdf"
    paint_a6(ticket_pdf_a6(ticket, office_name="UBND", qr_payload=payload), _pdf_printer(out, 300))
    page, size = _pdf_page(out, tmp_path)
    width_pt, height_pt = float(size.split()[2]), float(size.split()[4])
    assert abs(width_pt - 297.6) < 1.5  # A6: 105 × 148 mm
    assert abs(height_pt - 419.5) < 1.5
    assert decode_qr(page) == [payload]


@pytest.mark.skipif(
    not QPrinterInfo.defaultPrinter().isNull(), reason="this machine has a default printer"
)
def test_no_default_printer_is_reported_not_raised(qtbot: QtBot, queue: LocalQueue) -> None:
    ticket = queue.issue("ho_tich")
    for target in ("thermal", "a6"):
        outcome = print_ticket(ticket, office_name="UBND", lookup_url=None, target=target)
        assert not outcome.ok
        assert outcome.detail == "Máy tính chưa có máy in mặc định."
