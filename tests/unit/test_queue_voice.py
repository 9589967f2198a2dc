"""The queue voice's words and clips: spoken numbers, the clip order, the bundled clips and
the WAV assembly (real files, read back with the standard library's ``wave``)."""

from __future__ import annotations

import string
import wave
from pathlib import Path

import pytest

from onestop_desktop.domain.queue import (
    announcement_clips,
    announcement_text,
    format_number,
    spoken_number,
)
from onestop_desktop.services.announcement import (
    ClipError,
    announcement_wav,
    assemble,
    clip_dir,
    clip_path,
)

DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def frames_of(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return w.getnframes()


def pcm_of(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, ["một"]),
        (3, ["ba"]),
        (9, ["chín"]),
        (10, ["mười"]),
        (11, ["mười", "một"]),
        (14, ["mười", "bốn"]),
        (15, ["mười", "lăm"]),
        (20, ["hai", "mươi"]),
        (21, ["hai", "mươi", "mốt"]),
        (24, ["hai", "mươi", "tư"]),
        (25, ["hai", "mươi", "lăm"]),
        (55, ["năm", "mươi", "lăm"]),
        (70, ["bảy", "mươi"]),
        (99, ["chín", "mươi", "chín"]),
    ],
)
def test_spoken_number(n: int, words: list[str]) -> None:
    assert spoken_number(n) == words


def test_spoken_number_covers_1_to_99_without_gaps() -> None:
    for n in range(1, 100):
        words = spoken_number(n)
        assert 1 <= len(words) <= 3, n
        if n >= 20:
            assert words[:2] == [DIGIT_WORDS[n // 10], "mươi"], n
        if n % 10 == 5 and n > 10:
            assert words[-1] == "lăm", n


def test_announcement_text() -> None:
    assert announcement_text("1023", 3) == "Mời công dân có số thứ tự 1023 đến quầy số 3"


def test_announcement_clips_order() -> None:
    assert announcement_clips("1023", 3) == [
        "chime",
        "moi_cong_dan",
        "digit_1",
        "digit_0",
        "digit_2",
        "digit_3",
        "den_quay_so",
        "digit_3",
    ]
    assert announcement_clips("A105", 21) == [
        "chime",
        "moi_cong_dan",
        "letter_a",
        "digit_1",
        "digit_0",
        "digit_5",
        "den_quay_so",
        "digit_2",
        "word_muoi",
        "word_mot",
    ]
    assert announcement_clips("2015", 15)[-2:] == ["word_muoi_10", "word_lam"]
    assert announcement_clips("2015", 10)[-1:] == ["word_muoi_10"]
    assert announcement_clips("2015", 24)[-3:] == ["digit_2", "word_muoi", "word_tu"]


def test_every_clip_a_call_can_need_is_bundled() -> None:
    needed: set[str] = set()
    prefixes = [*"123456789", *string.ascii_uppercase]
    for prefix in prefixes:
        for seq in (1, 23, 456, 999, 1000, 9999):
            for counter in range(1, 100):
                needed.update(announcement_clips(format_number(prefix, seq), counter))
    assert len(needed) == 1 + 2 + 10 + 26 + 5  # chime, phrases, digits, letters, words
    missing = sorted(n for n in needed if not clip_path(n).is_file())
    assert missing == []


def test_bundled_clips_share_one_format_and_stay_small() -> None:
    folder = clip_dir()
    clips = sorted(folder.glob("*.wav"))
    assert len(clips) == 44
    formats = set()
    for path in clips:
        with wave.open(str(path), "rb") as w:
            formats.add((w.getnchannels(), w.getsampwidth(), w.getframerate()))
            seconds = w.getnframes() / w.getframerate()
        assert 0.1 < seconds < 3.0, path.name  # trimmed, not empty
    assert formats == {(1, 2, 22050)}
    assert sum(p.stat().st_size for p in clips) < 1_500_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "espeak-ng" in readme
    assert "make_clips.py" in readme


def test_clips_are_trimmed_of_silence() -> None:
    """The first and last 5 ms of a spoken clip are not all silence."""
    for name in ("moi_cong_dan", "den_quay_so", "digit_7", "word_lam", "letter_w"):
        pcm = pcm_of(clip_path(name))
        edge = 22050 * 5 // 1000 * 2
        head = [int.from_bytes(pcm[i : i + 2], "little", signed=True) for i in range(0, edge, 2)]
        tail = [
            int.from_bytes(pcm[i : i + 2], "little", signed=True)
            for i in range(len(pcm) - edge, len(pcm), 2)
        ]
        assert max(map(abs, head)) > 30, name
        assert max(map(abs, tail)) > 30, name


def test_assemble_adds_the_gaps_between_clips(tmp_path: Path) -> None:
    clips = ["chime", "moi_cong_dan", "digit_1", "den_quay_so", "digit_3"]
    out = assemble(clips, tmp_path / "call.wav", gap_ms=100)
    gap_frames = 22050 * 100 // 1000
    expected = sum(frames_of(clip_path(c)) for c in clips) + gap_frames * (len(clips) - 1)
    assert frames_of(out) == expected
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    # The clips' samples are there in order, with silence between them.
    pcm = pcm_of(out)
    first = pcm_of(clip_path("chime"))
    assert pcm.startswith(first)
    assert pcm[len(first) : len(first) + gap_frames * 2] == b"\x00" * gap_frames * 2
    assert pcm.endswith(pcm_of(clip_path("digit_3")))
    assert list(tmp_path.iterdir()) == [out]  # no partial file left behind


def test_announcement_wav_says_the_call(tmp_path: Path) -> None:
    out = announcement_wav("1023", 3, tmp_path, gap_ms=80)
    clips = announcement_clips("1023", 3)
    gap_frames = 22050 * 80 // 1000
    assert out.parent == tmp_path
    assert frames_of(out) == sum(frames_of(clip_path(c)) for c in clips) + gap_frames * 7


def test_missing_clip_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "sounds"
    folder.mkdir()
    (folder / "chime.wav").write_bytes(clip_path("chime").read_bytes())
    with pytest.raises(ClipError, match="moi_cong_dan"):
        assemble(["chime", "moi_cong_dan"], tmp_path / "out.wav", folder=folder)
    assert not (tmp_path / "out.wav").exists()
    with pytest.raises(ClipError, match="letter_đ"):
        announcement_wav("Đ001", 1, tmp_path)


def test_clip_in_another_format_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "sounds"
    folder.mkdir()
    (folder / "chime.wav").write_bytes(clip_path("chime").read_bytes())
    with wave.open(str(folder / "odd.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    (folder / "broken.wav").write_bytes(b"not a wav")
    with pytest.raises(ClipError, match="odd"):
        assemble(["chime", "odd"], tmp_path / "out.wav", folder=folder)
    with pytest.raises(ClipError, match="broken"):
        assemble(["broken"], tmp_path / "out.wav", folder=folder)
