"""The queue display (issue #5) on a real LocalQueue in the test's database: calls made through
the queue service reach the counter's tile within a second, and the voice announces each call
and recall from the bundled clips with the network unavailable."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.queue import Ticket
from onestop_desktop.gui.announcer import Announcer, wav_duration_ms
from onestop_desktop.gui.context import AppContext
from onestop_desktop.gui.display import CallTracker, DisplayWindow, tile_columns
from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import LocalQueue
from onestop_desktop.services.queue_remote import open_queue
from onestop_desktop.sync.client import ServerUnreachable
from tests.conftest import TEMPLATE_OFFICE, FixedClock

MakeDisplay = Callable[..., DisplayWindow]

# Qt Multimedia's complaints on a machine without VA-API or a sound server (CI, Xvfb): the
# announcer carries on without audio output, which is what these tests run on.
pytestmark = pytest.mark.qt_log_ignore(
    r"Couldn't (load|resolve) (va|pipewire)",
    r"PulseAudioService: ",
    r"Using Qt multimedia with FFmpeg",
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every socket connection fails: the voice must not need the internet."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("network unavailable (test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def queue(ws: Workstation) -> LocalQueue:
    return LocalQueue(ws.db, TEMPLATE_OFFICE, clock=ws.now, clerk="an")


@pytest.fixture
def announcer(qtbot: QtBot) -> Iterator[Announcer]:
    voice = Announcer(prefer_tts=False)  # the bundled clips, whatever voices this machine has
    assert voice.mode == "clips"
    yield voice
    voice.set_muted(True)
    voice.deleteLater()


@pytest.fixture
def make_display(qtbot: QtBot, ctx: AppContext, announcer: Announcer) -> Iterator[MakeDisplay]:
    """A display over the test's DB with its feed started; feeds stopped at teardown."""
    feeds: list[QueueFeed] = []

    def make(*, feed_factory: Callable[[], object] | None = None) -> DisplayWindow:
        ws = ctx.ws
        feed = QueueFeed(feed_factory or (lambda: open_queue(ws)), wait_s=0.1)  # type: ignore[arg-type]
        feeds.append(feed)
        display = DisplayWindow(ctx, feed, announcer=announcer, flash_ms=2000)
        qtbot.addWidget(display)
        display.resize(1280, 720)
        display.show()
        feed.start()
        return display

    yield make
    for feed in feeds:
        feed.stop()
    assert not [t for t in threading.enumerate() if t.name == "queue-feed"]  # none leaked


def shown(display: DisplayWindow, counter: int) -> str | None:
    tile = display.tiles.get(counter)
    return None if tile is None else tile.number


def test_a_call_reaches_its_tile_within_a_second_and_is_announced(
    qtbot: QtBot,
    make_display: MakeDisplay,
    queue: LocalQueue,
    announcer: Announcer,
    clock: FixedClock,
    no_network: None,
) -> None:
    display = make_display()
    qtbot.waitUntil(lambda: display.feed.status is not None, timeout=2000)
    ticket = queue.issue("ho_tich")
    assert ticket.number == "1001"
    with qtbot.waitSignal(announcer.announced, timeout=3000) as said:
        called = queue.call_next(3)
        assert called is not None
        qtbot.waitUntil(lambda: shown(display, 3) == "1001", timeout=1000)
    text, mode, wav = said.args
    assert text == "Mời công dân có số thứ tự 1001 đến quầy số 3"
    assert mode == "clips"
    assert wav_duration_ms(Path(wav)) > 2000  # chime + phrase + digits + counter, assembled
    tile = display.tiles[3]
    assert tile.flashing
    assert tile.newest
    assert display.recent.rows[0].number == "1001"
    assert display.recent.rows[0].counter == 3
    assert display.recent.highlight

    # A recall announces the same call again.
    clock.now += timedelta(minutes=1)
    with qtbot.waitSignal(announcer.announced, timeout=3000) as again:
        queue.recall(called.id, 3)
    assert again.args[0] == "Mời công dân có số thứ tự 1001 đến quầy số 3"
    assert again.args[1] == "clips"


def test_waiting_counts_recent_calls_and_counters(
    qtbot: QtBot, make_display: MakeDisplay, queue: LocalQueue, clock: FixedClock
) -> None:
    for code in ("ho_tich", "ho_tich", "chung_thuc", "dat_dai_xay_dung", "ho_tich"):
        queue.issue(code)
        clock.now += timedelta(seconds=30)
    queue.issue("chung_thuc", priority=True)
    display = make_display()
    qtbot.waitUntil(lambda: display.waiting_bar.total == 6, timeout=2000)
    counts = dict(display.waiting_bar.counts)
    assert counts["Hộ tịch"] == 3
    assert counts["Chứng thực"] == 2
    assert counts["Đất đai – Xây dựng"] == 1
    assert counts["Hộ kinh doanh"] == 0
    assert display.waiting_bar.priority == 1
    assert display.tiles == {}  # nobody called yet
    assert not display.empty_label.isHidden()

    first = queue.call_next(1)  # strict priority: the priority ticket first
    clock.now += timedelta(seconds=5)
    second = queue.call_next(2)
    assert first is not None
    assert second is not None
    assert first.number == "2002"
    assert second.number == "1001"
    qtbot.waitUntil(lambda: shown(display, 2) == "1001", timeout=1000)
    assert shown(display, 1) == "2002"
    assert display.tiles[1].priority
    assert [r.number for r in display.recent.rows] == ["1001", "2002"]
    assert display.waiting_bar.total == 4
    assert dict(display.waiting_bar.counts)["Hộ tịch"] == 2
    assert display.waiting_bar.priority == 0
    assert display.tiles[2].newest
    assert not display.tiles[1].newest

    # A recall of the older call puts it back at the top, its tile flashing.
    queue.recall(first.id, 1)
    qtbot.waitUntil(lambda: display.tiles[1].newest, timeout=1000)
    assert display.tiles[1].flashing
    assert not display.tiles[2].newest
    assert [r.number for r in display.recent.rows] == ["2002", "1001"]

    # Finishing leaves the counter's tile empty; the call stays in the list.
    queue.finish(first.id, 1)
    qtbot.waitUntil(lambda: shown(display, 1) == "", timeout=1000)
    assert [r.number for r in display.recent.rows] == ["2002", "1001"]


def test_startup_does_not_repeat_the_mornings_calls(
    qtbot: QtBot,
    make_display: MakeDisplay,
    queue: LocalQueue,
    announcer: Announcer,
    no_network: None,
) -> None:
    queue.issue("ho_tich")
    queue.call_next(4)
    said: list[tuple[str, str]] = []
    announcer.announced.connect(lambda text, mode, _wav: said.append((text, mode)))
    display = make_display()
    qtbot.waitUntil(lambda: shown(display, 4) == "1001", timeout=2000)
    qtbot.wait(300)
    assert said == []
    assert not display.tiles[4].flashing


def test_offline_banner_and_keys(qtbot: QtBot, make_display: MakeDisplay) -> None:
    def unreachable() -> object:
        raise ServerUnreachable("Không kết nối được máy chủ 10.0.0.9:8765")

    display = make_display(feed_factory=unreachable)
    qtbot.waitUntil(lambda: not display.offline_banner.isHidden(), timeout=2000)
    assert "Mất kết nối" in display.offline_banner.text()
    display.locked = True
    qtbot.keyClick(display, Qt.Key.Key_Escape)
    display.close()
    assert display.isVisible()
    qtbot.keyClick(display, Qt.Key.Key_M)
    assert display.muted
    qtbot.keyClick(
        display,
        Qt.Key.Key_Q,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not display.isVisible()


def _ticket(queue: LocalQueue) -> Ticket:
    return queue.issue("ho_tich")


def test_call_tracker_announces_new_calls_and_recalls_only(queue: LocalQueue) -> None:
    tracker = CallTracker()
    waiting = _ticket(queue)
    assert tracker.calls([waiting]) == []  # priming
    called = queue.call_next(2)
    assert called is not None
    assert tracker.calls([called]) == [called]
    assert tracker.calls([called]) == []  # the same change seen twice
    recalled = queue.recall(called.id, 2)
    assert tracker.calls([recalled]) == [recalled]
    held = queue.hold(called.id, 2)
    assert tracker.calls([held]) == []
    resumed = queue.resume(called.id, 2)
    assert tracker.calls([resumed]) == [resumed]
    walk_in = queue.walk_in(5, "ho_tich")
    assert tracker.calls([walk_in]) == []  # served at the counter already


@pytest.mark.parametrize(("count", "cols"), [(1, 1), (3, 3), (4, 2), (6, 3), (9, 3), (12, 4)])
def test_tile_columns(count: int, cols: int) -> None:
    assert tile_columns(count) == cols


def test_an_absent_screen_is_clamped_with_a_warning(
    qapp: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from PySide6.QtGui import QGuiApplication

    from onestop_desktop.gui.application import choose_screen

    screens = QGuiApplication.screens()
    assert choose_screen(None) is QGuiApplication.primaryScreen()
    assert choose_screen(0) is screens[0]
    assert capsys.readouterr().err == ""
    assert choose_screen(len(screens) + 3) is screens[-1]
    assert f"Không có màn hình số {len(screens) + 3}" in capsys.readouterr().err
    assert choose_screen(-1) is screens[0]
