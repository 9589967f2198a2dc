"""The queue display's recorded voice: bundled WAV clips assembled into one announcement.

:func:`announcement_wav` writes "chime, 'Mời công dân có số thứ tự', 1, 0, 2, 3, 'đến quầy số', 3"
as one WAV file from the clips in ``resources/sounds`` (see its README.md). Pure local file I/O
with the standard library's :mod:`wave`: no network, no Qt.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from onestop_desktop.domain.queue import announcement_clips
from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.paths import asset_dir

__all__ = [
    "ClipError",
    "ClipFormat",
    "announcement_wav",
    "assemble",
    "clip_dir",
    "clip_path",
]

#: Silence between two clips, in milliseconds.
DEFAULT_GAP_MS = 80


class ClipError(EnvironmentFault):
    """A voice clip is missing, unreadable or not in the clips' common format."""


@dataclass(frozen=True, slots=True)
class ClipFormat:
    """The PCM format every clip shares."""

    channels: int
    sample_width: int  # bytes per sample
    frame_rate: int  # frames per second


def clip_dir() -> Path:
    """The folder of the bundled clips (``resources/sounds``)."""
    return asset_dir("resources") / "sounds"


def clip_path(name: str, folder: Path | None = None) -> Path:
    """The file of clip ``name`` (no extension) in ``folder`` (default :func:`clip_dir`)."""
    return (folder if folder is not None else clip_dir()) / f"{name}.wav"


def assemble(
    clips: Sequence[str],
    out: Path,
    *,
    gap_ms: int = DEFAULT_GAP_MS,
    folder: Path | None = None,
) -> Path:
    """Concatenate the named clips into the WAV file ``out``, ``gap_ms`` of silence between
    two clips, and return ``out``.

    The file appears whole or not at all (written beside ``out``, then renamed).
    :class:`ClipError` names a clip that is missing, unreadable or in another format than the
    first one.
    """
    if not clips:
        raise ValueError("assemble() needs at least one clip")
    if gap_ms < 0:
        raise ValueError(f"gap_ms must not be negative, got {gap_ms}")
    base = folder if folder is not None else clip_dir()
    fmt: ClipFormat | None = None
    parts: list[bytes] = []
    for name in clips:
        path = clip_path(name, base)
        if not path.is_file():
            raise ClipError(f"Thiếu tệp âm thanh '{name}' ({path}).")
        try:
            with wave.open(str(path), "rb") as w:
                this = ClipFormat(w.getnchannels(), w.getsampwidth(), w.getframerate())
                frames = w.readframes(w.getnframes())
        except (wave.Error, EOFError, OSError) as exc:
            raise ClipError(f"Không đọc được tệp âm thanh '{name}' ({path}): {exc}") from exc
        if fmt is None:
            fmt = this
        elif this != fmt:
            raise ClipError(
                f"Tệp âm thanh '{name}' có định dạng {this}, khác các tệp khác ({fmt})."
            )
        parts.append(frames)
    assert fmt is not None  # noqa: S101 - clips is not empty
    gap = b"\x00" * (fmt.frame_rate * gap_ms // 1000) * fmt.channels * fmt.sample_width
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with wave.open(str(partial), "wb") as w:
            w.setnchannels(fmt.channels)
            w.setsampwidth(fmt.sample_width)
            w.setframerate(fmt.frame_rate)
            w.writeframes(gap.join(parts))
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def announcement_wav(
    number: str,
    counter: int,
    out_dir: Path,
    *,
    gap_ms: int = DEFAULT_GAP_MS,
    folder: Path | None = None,
) -> Path:
    """Write the call of ticket ``number`` to ``counter`` (chime included) as
    ``out_dir/<number>-<counter>.wav`` and return its path."""
    stem = "".join(ch for ch in number if ch.isalnum()) or "call"
    out = out_dir / f"{stem}-{counter}.wav"
    return assemble(announcement_clips(number, counter), out, gap_ms=gap_ms, folder=folder)
