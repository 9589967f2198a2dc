"""Recognise a barcode scanner (keyboard wedge) anywhere in a window.

A wedge scanner types the code as a fast burst of key presses and ends it with Enter. The filter
watches every key press of the application without eating any printable key: when Enter ends a
burst of at least :data:`MIN_LENGTH` printable keys, each less than :data:`MAX_GAP_S` after the
previous one, and the burst has the layout of a dossier code, it emits ``code_scanned(code)``,
eats that Enter (so it does not also submit a form) and gives the focused text field back the
text it had before the burst. Anything else (human typing, a CCCD QR burst, a short burst) goes
through untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from onestop_desktop.domain.codes import looks_like_dossier_code

#: Shortest burst taken for a scan.
MIN_LENGTH = 8
#: Longest pause between two keys of a burst, in seconds (people type ≥ 80 ms apart).
MAX_GAP_S = 0.030
#: Longest pause before the closing Enter (some scanners wait a little before the suffix).
MAX_ENTER_GAP_S = 0.060

_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})


@dataclass
class _Snapshot:
    """What the focused text field held when a burst began (restored after a scan)."""

    widget: QWidget | None = None
    text: str = ""
    cursor: int = 0


@dataclass
class _Burst:
    chars: list[str] = field(default_factory=list)
    last_at: float = 0.0
    snapshot: _Snapshot = field(default_factory=_Snapshot)


def _text_target(widget: QWidget | None) -> QLineEdit | QPlainTextEdit | None:
    if isinstance(widget, QComboBox) and widget.isEditable():
        return widget.lineEdit()
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        return widget
    return None


def _snapshot(widget: QWidget | None) -> _Snapshot:
    target = _text_target(widget)
    if isinstance(target, QLineEdit):
        return _Snapshot(target, target.text(), target.cursorPosition())
    if isinstance(target, QPlainTextEdit):
        return _Snapshot(target, target.toPlainText(), target.textCursor().position())
    return _Snapshot()


def _restore(snap: _Snapshot) -> None:
    target = snap.widget
    if isinstance(target, QLineEdit):
        if target.text() != snap.text:
            target.setText(snap.text)
            target.setCursorPosition(snap.cursor)
    elif isinstance(target, QPlainTextEdit) and target.toPlainText() != snap.text:
        target.setPlainText(snap.text)
        cursor = target.textCursor()
        cursor.setPosition(min(snap.cursor, len(snap.text)))
        target.setTextCursor(cursor)


class ScannerFilter(QObject):
    """Application-wide event filter that turns a scanned dossier code into a signal.

    Args:
        scope: only key presses delivered inside this window count (None: every window).
        clock: monotonic seconds (tests may pass a fake).
    """

    code_scanned = Signal(str)

    def __init__(
        self,
        scope: QWidget | None = None,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._scope = scope
        self._clock = clock
        self._burst = _Burst()
        # The last key press seen, to skip the same event bubbling up to the parents of a
        # widget that ignored it (the application filter sees every delivery).
        self._last: tuple[QWidget, int, str, int] | None = None

    def install(self) -> None:
        """Watch every key press of the running application."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        """Stop watching."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow key presses; eat only the Enter that completes a scanned code."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        assert isinstance(event, QKeyEvent)  # noqa: S101 - KeyPress events are key events
        if self._is_bubbling(watched, event):
            return False
        if self._scope is not None and watched.window() is not self._scope:
            return False
        return self._on_key(watched, event)

    def _is_bubbling(self, watched: QWidget, event: QKeyEvent) -> bool:
        key = (event.key(), event.text(), event.timestamp())
        last = self._last
        self._last = (watched, *key)
        if last is None or last[1:] != key:
            return False
        previous = last[0]
        return isinstance(previous, QWidget) and previous.parentWidget() is watched

    def _on_key(self, watched: QWidget, event: QKeyEvent) -> bool:
        now = self._clock()
        key = event.key()
        burst = self._burst
        gap = now - burst.last_at
        if key in _ENTER_KEYS:
            code = "".join(burst.chars).strip().upper()
            scanned = (
                len(burst.chars) >= MIN_LENGTH
                and gap < MAX_ENTER_GAP_S
                and looks_like_dossier_code(code)
            )
            snapshot = burst.snapshot
            self._burst = _Burst()
            if not scanned:
                return False
            _restore(snapshot)
            self.code_scanned.emit(code)
            return True
        if key in _MODIFIER_KEYS:
            return False
        text = event.text()
        modifiers = event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if len(text) != 1 or not text.isprintable() or modifiers or event.isAutoRepeat():
            self._burst = _Burst()
            return False
        if burst.chars and gap < MAX_GAP_S:
            burst.chars.append(text)
            burst.last_at = now
        else:
            self._burst = _Burst([text], now, _snapshot(watched))
        return False
