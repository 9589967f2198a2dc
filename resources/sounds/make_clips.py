"""Regenerate the queue display's voice clips in this folder (see README.md).

Speech comes from espeak-ng's Vietnamese voice, trimmed of leading/trailing silence and
peak-normalised with sox; the chime is synthesised here with the standard library. Every clip
is written as mono 16-bit PCM WAV at :data:`SAMPLE_RATE`, the one format ``assemble`` needs.

Usage (from the repository root)::

    python resources/sounds/make_clips.py            # rewrite every clip
    python resources/sounds/make_clips.py --only chime digit_3

Needs ``espeak-ng`` and ``sox`` on PATH (Debian/Ubuntu: ``apt install espeak-ng sox``).
"""

from __future__ import annotations

import argparse
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE_RATE = 22_050
VOICE = "vi"  # espeak-ng's Northern Vietnamese voice
SPEED = 140  # words per minute
PEAK_DB = -1.0  # speech is normalised to this peak level (dBFS)
CHIME_PEAK = 0.5  # the chime's peak, as a fraction of full scale (about the speech's loudness)

#: The spoken clips: file stem -> what espeak-ng says.
SPEECH: dict[str, str] = {
    "moi_cong_dan": "Mời công dân có số thứ tự",
    "den_quay_so": "đến quầy số",
    **{
        f"digit_{i}": word
        for i, word in enumerate(
            ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
        )
    },
    "word_muoi_10": "mười",
    "word_muoi": "mươi",
    "word_mot": "mốt",
    "word_lam": "lăm",
    "word_tu": "tư",
}

#: Vietnamese names of the Latin letters, for ticket prefixes that are letters ("A023").
LETTER_NAMES: dict[str, str] = {
    "a": "a",
    "b": "bê",
    "c": "xê",
    "d": "dê",
    "e": "e",
    "f": "ép",
    "g": "giê",
    "h": "hát",
    "i": "i",
    "j": "di",
    "k": "ca",
    "l": "e lờ",
    "m": "em mờ",
    "n": "en nờ",
    "o": "o",
    "p": "pê",
    "q": "quy",
    "r": "e rờ",
    "s": "ét xì",
    "t": "tê",
    "u": "u",
    "v": "vê",
    "w": "vê kép",
    "x": "ích xì",
    "y": "i dài",
    "z": "dét",
}
SPEECH.update({f"letter_{ch}": name for ch, name in LETTER_NAMES.items()})

# sox: drop leading silence, reverse, drop the (now leading) trailing silence, reverse back,
# then normalise the peak. 0.1 % of full scale over 10 ms counts as sound.
_TRIM = ["silence", "1", "0.01", "0.1%", "reverse", "silence", "1", "0.01", "0.1%", "reverse"]


def speak(text: str, out: Path) -> None:
    """Say ``text`` with espeak-ng into ``out``: trimmed, normalised, mono 16-bit WAV."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(  # noqa: S603 - fixed tool, arguments from this file
            ["espeak-ng", "-v", VOICE, "-s", str(SPEED), "-w", str(raw), text],  # noqa: S607
            check=True,
        )
        subprocess.run(  # noqa: S603
            [  # noqa: S607
                "sox",
                "-V1",
                "-D",  # no dither: the same input gives the same bytes
                str(raw),
                "-r",
                str(SAMPLE_RATE),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(out),
                *_TRIM,
                "norm",
                str(PEAK_DB),
            ],
            check=True,
        )


def chime_samples(rate: int = SAMPLE_RATE) -> list[float]:
    """A two-tone "ding-dong" (E5 then C5, like a doorbell), about one second, peak 1.0."""
    notes = ((659.25, 0.0), (523.25, 0.42))  # (frequency Hz, start s)
    length = 1.05
    n = int(length * rate)
    out = [0.0] * n
    for freq, start in notes:
        first = int(start * rate)
        for i in range(first, n):
            t = (i - first) / rate
            attack = min(1.0, t / 0.006)  # 6 ms attack: no click
            decay = math.exp(-t * 4.2)
            tone = (
                math.sin(2 * math.pi * freq * t)
                + 0.35 * math.sin(2 * math.pi * 2 * freq * t) * math.exp(-t * 6)
                + 0.12 * math.sin(2 * math.pi * 3 * freq * t) * math.exp(-t * 9)
            )
            out[i] += attack * decay * tone
    fade = int(0.05 * rate)  # fade the tail to exact silence
    for k in range(fade):
        out[n - 1 - k] *= k / fade
    peak = max(abs(s) for s in out) or 1.0
    return [s / peak for s in out]


def write_chime(out: Path, rate: int = SAMPLE_RATE) -> None:
    """Write the chime as mono 16-bit WAV at ``rate``."""
    frames = b"".join(struct.pack("<h", round(s * CHIME_PEAK * 32767)) for s in chime_samples(rate))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the clips (all, or those named with ``--only``) in this folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="clip names without .wav")
    parser.add_argument("--out", type=Path, default=HERE, help="target folder (default: here)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ["chime", *SPEECH])
    unknown = wanted - {"chime", *SPEECH}
    if unknown:
        parser.error(f"unknown clip(s): {', '.join(sorted(unknown))}")
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None and wanted - {"chime"}:
            parser.error(f"{tool} not found on PATH")
    args.out.mkdir(parents=True, exist_ok=True)
    if "chime" in wanted:
        write_chime(args.out / "chime.wav")
    for name, text in SPEECH.items():
        if name in wanted:
            speak(text, args.out / f"{name}.wav")
    total = sum(p.stat().st_size for p in args.out.glob("*.wav"))
    print(f"{len(wanted)} clip(s) written to {args.out}; folder holds {total / 1024:.0f} KiB")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
