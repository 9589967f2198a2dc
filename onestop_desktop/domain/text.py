"""Vietnamese text: search keys (fold), name normalisation and name sort keys.

Data arrives mixed: NFC and NFD, old and new tone placement (``hoà``/``hòa``), stray spaces.
Everything written is normalised once (`normalize_name`, `normalize_text`); everything searched
is compared through `fold`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "name_sort_key", "normalize_name", "normalize_text"]


def _fold_char(ch: str) -> str:
    """Fold one character: NFD, drop non-spacing marks and format chars, đ → d, casefold."""
    out: list[str] = []
    for part in unicodedata.normalize("NFD", ch):
        # Mn: combining marks (Vietnamese tones and shapes); Cf: zero-width space, soft hyphen,
        # BOM — invisible junk that pasted data carries and that would split equal keys.
        if unicodedata.category(part) in ("Mn", "Cf"):
            continue
        out.append(part)
    # NFD leaves đ/Đ alone (no decomposition), so they are mapped explicitly.
    return "".join(out).replace("Đ", "d").replace("đ", "d").casefold()


class _FoldTable(dict[int, str]):
    """`str.translate` table that computes and remembers characters it has not seen yet.

    Folding is per character (NFD decomposes each character independently, marks are dropped,
    casefold is context-free), so caching the per-character result is exact.
    """

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        if len(self) < _FOLD_TABLE_LIMIT:  # bounded, whatever a hostile file contains
            self[key] = value
        return value


_FOLD_TABLE_LIMIT = 20_000


_FOLD_TABLE = _FoldTable()
# Precompute ASCII, Latin-1 + Latin Extended-A/B (đ, ơ, ư, ă …), the combining marks that NFD
# input carries, and Latin Extended Additional (the precomposed Vietnamese letters ạ … ỹ).
for _cp in (
    *range(0x0000, 0x0250),
    *range(0x0300, 0x0370),
    *range(0x1E00, 0x1F00),
):
    _FOLD_TABLE[_cp] = _fold_char(chr(_cp))
del _cp


@lru_cache(maxsize=65536)  # names repeat a lot in bulk imports
def fold(s: str) -> str:
    """Search key: no diacritics, đ → d, casefolded, single spaces, stripped.

    ``fold("Đặng Thị Hoà") == "dang thi hoa"``; NFC and NFD inputs give the same key.
    """
    return " ".join(s.translate(_FOLD_TABLE).split())


# Invisible characters that copy-paste and spreadsheets bring along (soft hyphen, zero-width
# space/joiners, direction marks and embeddings, word joiner, BOM): never wanted in stored text.
_INVISIBLE = dict.fromkeys([0x00AD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), 0x2060, 0xFEFF])


def normalize_text(s: str) -> str:
    """NFC, invisible format characters removed, single spaces, stripped: for addresses etc."""
    return " ".join(unicodedata.normalize("NFC", s.translate(_INVISIBLE)).split())


# Tone placement in open syllables ending in oa / oe / uy. Two spellings are in use: "hòa, khỏe,
# thủy" (tone on the first vowel; the form of "CỘNG HÒA", of Decree 30/2020 and of most ID
# records) and "hoà, khoẻ, thuỷ" (tone on the second vowel, Vietnamese "kiểu mới"). Names are
# stored in the first form. Syllables with a final consonant (hoàn, khoét, huýt, thuyền) are
# spelt alike in both systems and are left alone; "qu" + y keeps the tone on y (quý, quỳ).
_TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_GLIDE_ENDINGS = ("oa", "oe", "uy")
_TONE_SHIFT: dict[str, str] = {
    first + unicodedata.normalize("NFC", second + mark): (
        unicodedata.normalize("NFC", first + mark) + second
    )
    for first, second in (tuple(ending) for ending in _GLIDE_ENDINGS)
    for mark in _TONE_MARKS
}
_VOWELS = frozenset("aeiouy")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_WORD_START_RE = re.compile(r"(^|[\s'’\-])(\w)")


def _tone_on_first_vowel(match: re.Match[str]) -> str:
    syllable = match.group()
    shifted = _TONE_SHIFT.get(syllable[-2:])
    if shifted is None:
        return syllable
    if len(syllable) >= 3:
        before = fold(syllable[-3])
        # "uoa", "ươe" … are not these glides; "quy" keeps its tone on y.
        if before in _VOWELS or (before == "q" and syllable[-2] == "u"):
            return syllable
    return syllable[:-2] + shifted


@lru_cache(maxsize=65536)  # names repeat a lot in bulk imports
def normalize_name(s: str) -> str:
    """Normalise a person's full name for storage: ``"nguyễn  văn an"`` → ``"Nguyễn Văn An"``.

    `normalize_text` first (NFC, no invisible characters, single spaces); then tone placement
    hoà/thuỷ/khoẻ/uỷ → hòa/thủy/khỏe/ủy (see the comment above ``_TONE_SHIFT``); each word
    lowercased with its first letter capitalised, as is a letter after an apostrophe or hyphen
    (``"H'Hen Niê"``). Word order is kept.
    """
    text = normalize_text(s).lower()
    text = _LETTER_RUN_RE.sub(_tone_on_first_vowel, text)
    return _WORD_START_RE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


@lru_cache(maxsize=65536)  # names repeat a lot in bulk imports
def name_sort_key(name: str) -> str:
    """Folded key that orders names by tên, then tên đệm, then họ.

    ``name_sort_key("Nguyễn Văn An") == "an van nguyen"``.
    """
    words = fold(name).split(" ")
    if len(words) <= 1:
        return words[0]
    return " ".join([words[-1], *words[1:-1], words[0]])
