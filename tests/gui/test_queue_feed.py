"""The queue feed: quiet while nothing changes, prompt when something does, a new day empty."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from onestop_desktop.gui.queue_feed import QueueFeed
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.queue import LocalQueue, QueueStatus
from tests.conftest import TEMPLATE_OFFICE, FixedClock, vn


def test_feed_is_quiet_on_an_empty_queue_then_delivers_a_change(
    qtbot: QtBot, ws: Workstation, clock: FixedClock
) -> None:
    clock.now = vn(2026, 3, 2, 7, 30)
    local = LocalQueue(ws.db, TEMPLATE_OFFICE, clock=clock)
    feed = QueueFeed(lambda: LocalQueue(ws.db, TEMPLATE_OFFICE, clock=clock))
    seen: list[QueueStatus] = []
    feed.updated.connect(lambda status, _changed: seen.append(status))
    feed.start()
    try:
        qtbot.waitUntil(lambda: len(seen) == 1, timeout=3000)
        qtbot.wait(1500)
        assert len(seen) == 1  # no change, no update (an empty queue once spun thousands)
        ticket = local.issue("ho_tich")
        qtbot.waitUntil(lambda: len(seen) == 2, timeout=1000)
        assert seen[-1].waiting["ho_tich"] == 1
        # The next business day starts empty, even before anything happens on it.
        clock.now += timedelta(days=1)
        qtbot.waitUntil(lambda: len(seen) == 3, timeout=3000)
        assert seen[-1].waiting["ho_tich"] == 0
        assert ticket.id not in {t.id for t in feed.tickets()}
    finally:
        feed.stop()
