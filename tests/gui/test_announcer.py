"""The display's voice with real Qt objects: calls are assembled from the bundled clips,
announced in order, offline, and a missing audio device or clip never stops them.

Most tests unplug the speakers (the one hardware fake: ``audio_output_available`` says no), so
they take milliseconds on a machine with sound too; ``test_plays_through_the_audio_device``
plays for real where there is an audio output (skipped on a headless CI).
"""

from __future__ import annotations

import socket
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtTextToSpeech import QTextToSpeech
from pytestqt.qtbot import QtBot

from onestop_desktop.domain.queue import announcement_clips, announcement_text
from onestop_desktop.gui import announcer as announcer_module
from onestop_desktop.gui.announcer import (
    Announcer,
    audio_output_available,
    find_vietnamese_voice,
    wav_duration_ms,
)
from onestop_desktop.services.announcement import clip_path

# The audio and speech back ends complain on a machine without sound (CI): not our warnings.
pytestmark = pytest.mark.qt_log_ignore(
    "PulseAudioService",
    "Error loading text-to-speech plug-in",
    "Couldn't (load|resolve) .*(library|symbols)",
)

GAP_FRAMES = 22050 * 80 // 1000


class NoNetwork(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the network fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NoNetwork(f"network used: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def frames_of(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def expected_frames(number: str, counter: int) -> int:
    clips = announcement_clips(number, counter)
    return sum(frames_of(clip_path(c)) for c in clips) + GAP_FRAMES * (len(clips) - 1)


class Recorder:
    """Collects ``announced`` and reads the WAV at once (the announcer cleans old files up)."""

    def __init__(self, announcer: Announcer) -> None:
        self.calls: list[tuple[str, str, str, int]] = []
        announcer.announced.connect(self.on_announced)

    def on_announced(self, text: str, mode: str, wav_path: str) -> None:
        frames = frames_of(Path(wav_path)) if wav_path else -1
        self.calls.append((text, mode, wav_path, frames))


@pytest.fixture
def unplugged(monkeypatch: pytest.MonkeyPatch) -> None:
    """No audio output, as on a headless machine or a display with its speakers unplugged."""
    monkeypatch.setattr(announcer_module, "audio_output_available", lambda: False)


@pytest.fixture
def announcer(qtbot: QtBot, unplugged: None) -> Iterator[Announcer]:
    a = Announcer(prefer_tts=False)
    yield a
    a.set_muted(True)
    a.deleteLater()


def test_announce_plays_the_assembled_clips(qtbot: QtBot, announcer: Announcer) -> None:
    assert announcer.mode == "clips"
    rec = Recorder(announcer)
    with qtbot.waitSignal(announcer.announced, timeout=5_000) as blocker:
        announcer.announce("1023", 3)
    text, mode, wav_path = blocker.args or ["", "", ""]
    assert text == "Mời công dân có số thứ tự 1023 đến quầy số 3"
    assert mode == "clips"
    assert wav_path.endswith(".wav")
    assert rec.calls[0][3] == expected_frames("1023", 3)
    with wave.open(wav_path, "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)


def test_calls_are_queued_and_spoken_in_order(qtbot: QtBot, announcer: Announcer) -> None:
    rec = Recorder(announcer)
    announcer.announce("1023", 3)
    announcer.announce("A105", 21)
    # The first starts at once; the second waits for it to finish.
    assert [c[0] for c in rec.calls] == [announcement_text("1023", 3)]
    assert announcer.pending == 1
    qtbot.waitUntil(lambda: len(rec.calls) == 2, timeout=20_000)
    assert [(c[0], c[1]) for c in rec.calls] == [
        ("Mời công dân có số thứ tự 1023 đến quầy số 3", "clips"),
        ("Mời công dân có số thứ tự A105 đến quầy số 21", "clips"),
    ]
    assert rec.calls[0][3] == expected_frames("1023", 3)
    assert rec.calls[1][3] == expected_frames("A105", 21)
    assert rec.calls[0][2] != rec.calls[1][2]


def test_old_files_are_cleaned_up(qtbot: QtBot, announcer: Announcer) -> None:
    rec = Recorder(announcer)
    for counter in range(1, 8):
        announcer.announce("2001", counter)
    qtbot.waitUntil(lambda: len(rec.calls) == 7, timeout=60_000)
    folder = Path(rec.calls[-1][2]).parent
    assert sorted(p.name for p in folder.iterdir()) == [f"2001-{c}.wav" for c in (4, 5, 6, 7)]


def test_muted_drops_calls(qtbot: QtBot, announcer: Announcer) -> None:
    rec = Recorder(announcer)
    announcer.set_muted(True)
    assert announcer.muted
    announcer.announce("1023", 3)
    qtbot.wait(50)
    assert rec.calls == []
    announcer.set_muted(False)
    with qtbot.waitSignal(announcer.announced, timeout=5_000):
        announcer.announce("1024", 4)
    assert [c[0] for c in rec.calls] == [announcement_text("1024", 4)]


def test_missing_clip_still_announces_with_the_chime(
    qtbot: QtBot, announcer: Announcer, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder(announcer)
    with qtbot.waitSignal(announcer.announced, timeout=5_000):
        announcer.announce("Đ001", 2)  # no clip for the letter đ
    assert rec.calls[0][:2] == (announcement_text("Đ001", 2), "clips")
    assert Path(rec.calls[0][2]) == clip_path("chime")
    assert "letter_đ" in caplog.text
    with qtbot.waitSignal(announcer.announced, timeout=5_000):
        announcer.announce("1002", 2)  # and the next call is whole again
    assert rec.calls[1][3] == expected_frames("1002", 2)


def test_no_audio_output_is_logged_once(
    qtbot: QtBot, announcer: Announcer, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder(announcer)
    announcer.announce("1001", 1)
    announcer.announce("1002", 2)
    qtbot.waitUntil(lambda: len(rec.calls) == 2, timeout=5_000)
    assert caplog.text.count("no audio output") == 1


def test_plays_through_the_audio_device(qtbot: QtBot) -> None:
    """With speakers, the next call starts when the previous one has been heard."""
    if not audio_output_available():
        pytest.skip("no audio output on this machine")
    a = Announcer(prefer_tts=False)
    try:
        rec = Recorder(a)
        started: list[float] = []
        a.announced.connect(lambda *_: started.append(time.monotonic()))
        a.announce("1", 3)  # a short call: chime, phrase, "một", phrase, "ba"
        a.announce("2", 3)
        qtbot.waitUntil(lambda: len(rec.calls) == 2, timeout=15_000)
        heard_ms = (started[1] - started[0]) * 1000
        length_ms = wav_duration_ms(Path(rec.calls[0][2]))
        assert length_ms * 0.9 <= heard_ms <= length_ms + 2_000
    finally:
        a.set_muted(True)
        a.deleteLater()


def test_prefer_tts_uses_a_vietnamese_engine_only_if_there_is_one(
    qtbot: QtBot, unplugged: None
) -> None:
    found = find_vietnamese_voice()
    a = Announcer(prefer_tts=True)
    try:
        assert a.mode == ("tts" if found else "clips")
        rec = Recorder(a)
        with qtbot.waitSignal(a.announced, timeout=5_000):
            a.announce("1023", 3)
        assert rec.calls[0][:2] == (announcement_text("1023", 3), a.mode)
        assert (rec.calls[0][2] == "") == (a.mode == "tts")
    finally:
        a.set_muted(True)
        a.deleteLater()


def test_tts_sequence_with_qts_mock_engine(qtbot: QtBot, unplugged: None) -> None:
    """The text-to-speech path (chime, then the engine speaks, then the next call) driven by
    Qt's own test engine, which "speaks" with a timer (English locale: it has no Vietnamese)."""
    if "mock" not in QTextToSpeech.availableEngines():
        pytest.skip("Qt's mock text-to-speech engine is not installed")
    a = Announcer(voice=("mock", QLocale("en_GB"), None))
    try:
        assert a.mode == "tts"
        rec = Recorder(a)
        started: list[float] = []
        a.announced.connect(lambda *_: started.append(time.monotonic()))
        a.announce("1023", 3)
        a.announce("1024", 4)
        assert len(rec.calls) == 1
        assert a.pending == 1
        qtbot.waitUntil(lambda: len(rec.calls) == 2, timeout=10_000)
        assert [c[:3] for c in rec.calls] == [
            (announcement_text("1023", 3), "tts", ""),
            (announcement_text("1024", 4), "tts", ""),
        ]
        assert started[1] - started[0] > 0.5  # the second waited for the first to be said
    finally:
        a.set_muted(True)
        a.deleteLater()


def test_tts_path_speaks_after_the_chime(qtbot: QtBot) -> None:
    if find_vietnamese_voice() is None:
        pytest.skip("no text-to-speech engine with Vietnamese here")
    a = Announcer(prefer_tts=True)
    try:
        assert a.mode == "tts"
        rec = Recorder(a)
        a.announce("1023", 3)
        a.announce("1024", 4)
        qtbot.waitUntil(lambda: len(rec.calls) == 2, timeout=60_000)
        assert [(c[0], c[1], c[2]) for c in rec.calls] == [
            (announcement_text("1023", 3), "tts", ""),
            (announcement_text("1024", 4), "tts", ""),
        ]
    finally:
        a.set_muted(True)
        a.deleteLater()
