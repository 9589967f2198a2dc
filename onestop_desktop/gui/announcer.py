"""The queue display's voice: a chime, then "Mời công dân có số thứ tự 1023 đến quầy số 3".

Two ways to speak, chosen once when the :class:`Announcer` is made:

- ``tts``: a text-to-speech engine of the system that has a Vietnamese voice (QtTextToSpeech);
  the bundled chime plays first, then the engine says :func:`announcement_text`.
- ``clips``: the bundled recorded clips (``resources/sounds``) assembled into one WAV per call
  by :mod:`onestop_desktop.services.announcement` and played with :class:`QSoundEffect`.

Nothing needs the internet. Calls are queued and spoken one after another. Assembling a call
takes about a millisecond of local file I/O (measured: median 0.8 ms, first call ~3 ms), so it
runs on the GUI thread, just before the call is played. Without an audio output (a headless CI,
a display PC with its speakers unplugged) the announcer logs it and carries on: the
:attr:`Announcer.announced` signal is still emitted for every call.
"""

from __future__ import annotations

import logging
import wave
from collections import deque
from pathlib import Path

from PySide6.QtCore import QLocale, QObject, QTemporaryDir, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
from PySide6.QtTextToSpeech import QTextToSpeech, QVoice

from onestop_desktop.domain.queue import announcement_text
from onestop_desktop.services.announcement import (
    DEFAULT_GAP_MS,
    ClipError,
    announcement_wav,
    clip_dir,
    clip_path,
)

log = logging.getLogger(__name__)

MODE_TTS = "tts"
MODE_CLIPS = "clips"

#: Engines never used for the real voice (Qt's test engine says nothing).
_IGNORED_ENGINES = frozenset({"mock"})
#: Extra time a playback may take over its length before the next call goes anyway.
_SLACK_MS = 3_000
#: How long a text-to-speech call may take at most.
_TTS_LIMIT_MS = 20_000
#: Assembled WAV files kept on disk (older ones are deleted).
_KEEP_FILES = 4


def find_vietnamese_voice() -> tuple[str, QLocale, QVoice | None] | None:
    """The first text-to-speech engine offering Vietnamese: (engine, locale, voice or None).

    None when no engine (other than Qt's ``mock``) lists a Vietnamese locale or voice.
    """
    for engine in QTextToSpeech.availableEngines():
        if engine in _IGNORED_ENGINES:
            continue
        tts = QTextToSpeech(engine)
        try:
            if tts.state() == QTextToSpeech.State.Error:
                log.info("text-to-speech engine %s unusable: %s", engine, tts.errorString())
                continue
            locales = [
                loc
                for loc in tts.availableLocales()
                if loc.language() == QLocale.Language.Vietnamese
            ]
            for loc in locales:
                tts.setLocale(loc)
                voices = [
                    v
                    for v in tts.availableVoices()
                    if v.locale().language() == QLocale.Language.Vietnamese
                ]
                return engine, loc, voices[0] if voices else None
            voices = [
                v
                for v in tts.availableVoices()
                if v.locale().language() == QLocale.Language.Vietnamese
            ]
            if voices:
                return engine, voices[0].locale(), voices[0]
        finally:
            tts.deleteLater()
    return None


def audio_output_available() -> bool:
    """Whether the system has an audio output to play on (none on a headless machine)."""
    return bool(QMediaDevices.audioOutputs())


def wav_duration_ms(path: Path) -> int:
    """The length of a WAV file in milliseconds (0 when it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as w:
            return int(w.getnframes() * 1000 / max(w.getframerate(), 1))
    except (wave.Error, EOFError, OSError):
        return 0


class Announcer(QObject):
    """Speaks queue calls one after another (see the module's docstring).

    ``announced(text, mode, wav_path)`` is emitted when a call starts: the words, ``"tts"`` or
    ``"clips"``, and the assembled WAV file (empty for ``tts``). Muted, calls are dropped.
    Should the text-to-speech engine fail, the announcer switches to the clips for good and
    says the failed call again with them (so ``announced`` fires twice for that call).

    ``voice`` (engine, locale, voice) is used instead of the first Vietnamese one found.
    """

    announced = Signal(str, str, str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        prefer_tts: bool = True,
        voice: tuple[str, QLocale, QVoice | None] | None = None,
        gap_ms: int = DEFAULT_GAP_MS,
        clip_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._gap_ms = gap_ms
        self._clip_folder = clip_folder if clip_folder is not None else clip_dir()
        self._queue: deque[tuple[str, int, str]] = deque()  # (number, counter, mode)
        self._busy = False
        self._current: tuple[str, int] | None = None
        self._muted = False
        self._warned_no_output = False
        self._tmp = QTemporaryDir()
        self._out_dir = Path(self._tmp.path()) if self._tmp.isValid() else None
        self._files: deque[Path] = deque()
        self._effect: QSoundEffect | None = None
        self._after_sound: str = ""  # "" (call done) or the text to speak after the chime
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self._tts: QTextToSpeech | None = None
        self._tts_started = False
        self._mode = MODE_CLIPS
        if prefer_tts:
            found = voice if voice is not None else find_vietnamese_voice()
            if found is not None:
                self._setup_tts(*found)
        log.info("queue voice: %s", self._mode)

    # ------------------------------------------------------------------ public

    @property
    def mode(self) -> str:
        """``"tts"`` (a system voice speaks Vietnamese) or ``"clips"`` (bundled recordings)."""
        return self._mode

    @property
    def muted(self) -> bool:
        """Whether calls are dropped instead of spoken."""
        return self._muted

    @property
    def pending(self) -> int:
        """Calls waiting for the current one to finish."""
        return len(self._queue)

    def announce(self, number: str, counter: int) -> None:
        """Queue the call of ticket ``number`` to ``counter``; it is spoken after those before."""
        if self._muted:
            log.debug("muted: call %s → %s not spoken", number, counter)
            return
        self._queue.append((number, counter, self._mode))
        if not self._busy:
            self._start_next()

    def set_muted(self, muted: bool) -> None:
        """Silence (drop the waiting calls and stop the current one) or speak again."""
        self._muted = muted
        if muted:
            self._queue.clear()
            if self._busy:
                self._stop_playback()
                self._finish()

    # ------------------------------------------------------------------ sequencing

    def _start_next(self) -> None:
        if self._busy or not self._queue or self._muted:
            return
        number, counter, mode = self._queue.popleft()
        self._busy = True
        self._current = (number, counter)
        text = announcement_text(number, counter)
        if mode == MODE_TTS and self._tts is not None:
            self.announced.emit(text, MODE_TTS, "")
            self._after_sound = text
            self._play(clip_path("chime", self._clip_folder))
            return
        wav = self._assemble(number, counter)
        self.announced.emit(text, MODE_CLIPS, str(wav) if wav else "")
        self._after_sound = ""
        if wav is None:
            self._finish()
        else:
            self._play(wav)

    def _finish(self) -> None:
        """The current call is over: go on with the next (from the event loop)."""
        self._watchdog.stop()
        self._after_sound = ""
        self._tts_started = False
        if not self._busy:
            return
        self._busy = False
        QTimer.singleShot(0, self, self._start_next)

    def _on_watchdog(self) -> None:
        log.warning("queue voice: playback did not finish in time; going on")
        self._stop_playback()
        self._finish()

    # ------------------------------------------------------------------ clips

    def _assemble(self, number: str, counter: int) -> Path | None:
        if self._out_dir is None:
            log.error("queue voice: no temporary folder for the announcement")
            return None
        try:
            wav = announcement_wav(
                number, counter, self._out_dir, gap_ms=self._gap_ms, folder=self._clip_folder
            )
        except ClipError as exc:
            log.error("queue voice: %s Playing the chime only.", exc)
            chime = clip_path("chime", self._clip_folder)
            return chime if chime.is_file() else None
        except OSError as exc:
            log.error("queue voice: cannot write the announcement: %s", exc)
            return None
        self._keep(wav)
        return wav

    def _keep(self, wav: Path) -> None:
        if wav in self._files:
            self._files.remove(wav)
        self._files.append(wav)
        while len(self._files) > _KEEP_FILES:
            old = self._files.popleft()
            try:
                old.unlink(missing_ok=True)
            except OSError as exc:  # still open by the audio backend (Windows)
                log.debug("queue voice: cannot delete %s: %s", old, exc)

    def _has_output(self) -> bool:
        if audio_output_available():
            return True
        if not self._warned_no_output:
            self._warned_no_output = True
            log.warning("queue voice: no audio output; calls are shown but not heard")
        return False

    def _play(self, wav: Path) -> None:
        """Play ``wav`` and then go on (speak the text after the chime, or finish)."""
        if not self._has_output():
            QTimer.singleShot(0, self, self._sound_done)
            return
        try:
            effect = self._sound_effect()
            effect.setAudioDevice(QMediaDevices.defaultAudioOutput())
            url = QUrl.fromLocalFile(str(wav))
            self._watchdog.start(wav_duration_ms(wav) + _SLACK_MS)
            if effect.source() == url and effect.status() == QSoundEffect.Status.Ready:
                effect.play()
            else:
                effect.setSource(url)  # plays when loaded (_on_status)
        except Exception:  # a broken audio stack must not take the display down
            log.exception("queue voice: cannot play %s", wav)
            QTimer.singleShot(0, self, self._sound_done)

    def _sound_effect(self) -> QSoundEffect:
        if self._effect is None:
            self._effect = QSoundEffect(self)
            self._effect.statusChanged.connect(self._on_status)
            self._effect.playingChanged.connect(self._on_playing)
        return self._effect

    def _on_status(self) -> None:
        effect = self._effect
        if effect is None or not self._busy:
            return
        if effect.status() == QSoundEffect.Status.Ready and not effect.isPlaying():
            effect.play()
        elif effect.status() == QSoundEffect.Status.Error:
            log.warning("queue voice: cannot play %s", effect.source().toLocalFile())
            self._sound_done()

    def _on_playing(self) -> None:
        effect = self._effect
        if effect is not None and self._busy and not effect.isPlaying():
            self._sound_done()

    def _sound_done(self) -> None:
        if not self._busy:
            return
        text = self._after_sound
        if text and self._tts is not None:
            self._after_sound = ""
            self._speak(text)
        else:
            self._finish()

    def _stop_playback(self) -> None:
        if self._effect is not None and self._effect.isPlaying():
            self._effect.stop()
        if self._tts is not None and self._tts_started:
            self._tts.stop()

    # ------------------------------------------------------------------ text-to-speech

    def _setup_tts(self, engine: str, locale: QLocale, voice: QVoice | None) -> None:
        tts = QTextToSpeech(engine, self)
        tts.setLocale(locale)
        if voice is not None:
            tts.setVoice(voice)
        if tts.state() == QTextToSpeech.State.Error:
            log.warning("text-to-speech %s failed: %s", engine, tts.errorString())
            tts.deleteLater()
            return
        tts.stateChanged.connect(self._on_tts_state)
        self._tts = tts
        self._mode = MODE_TTS
        log.info(
            "queue voice: text-to-speech %s, %s, voice %s",
            engine,
            locale.name(),
            voice.name() if voice is not None else "(default)",
        )

    def _speak(self, text: str) -> None:
        assert self._tts is not None  # noqa: S101 - only called in tts mode
        self._tts_started = True
        self._watchdog.start(_TTS_LIMIT_MS)
        self._tts.say(text)

    def _on_tts_state(self, state: QTextToSpeech.State) -> None:
        if not self._tts_started:
            return
        if state == QTextToSpeech.State.Ready:
            self._finish()
        elif state == QTextToSpeech.State.Error:
            reason = self._tts.errorString() if self._tts is not None else ""
            log.error("text-to-speech failed (%s); using the recorded clips from now on", reason)
            self._mode = MODE_CLIPS
            self._queue = deque((n, c, MODE_CLIPS) for n, c, _ in self._queue)
            if self._current is not None:  # say this call again with the clips
                self._queue.appendleft((*self._current, MODE_CLIPS))
            self._finish()


__all__ = [
    "MODE_CLIPS",
    "MODE_TTS",
    "Announcer",
    "audio_output_available",
    "find_vietnamese_voice",
    "wav_duration_ms",
]
