"""The bundled serif (Liberation Serif, SIL OFL 1.1): metric-compatible with Times New Roman.

Times New Roman is what Decree 30/2020 asks for but cannot be shipped; Liberation Serif has the
same metrics and covers Vietnamese, so a form lays out the same and prints right on a clean PC.
The fonts are read from ``resources/fonts`` (checkout, wheel or frozen build, see
:func:`onestop_desktop.paths.asset_dir`) and registered with reportlab once per process.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from onestop_desktop.paths import asset_dir

FAMILY = "LiberationSerif"
REGULAR = FAMILY
BOLD = f"{FAMILY}-Bold"
ITALIC = f"{FAMILY}-Italic"
BOLD_ITALIC = f"{FAMILY}-BoldItalic"

FONT_FILES = {
    REGULAR: "LiberationSerif-Regular.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
LICENCE_FILE = "LICENSE-LiberationSerif.txt"

_lock = threading.Lock()
_registered = False


def font_dir() -> Path:
    """The folder of the bundled fonts and their licence."""
    return asset_dir("resources") / "fonts"


def ensure_fonts() -> None:
    """Register the four faces and the family mapping (``<b>``, ``<i>``) once; thread-safe."""
    global _registered  # noqa: PLW0603 - a process-wide, idempotent registration
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = font_dir()
        for name, file in FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        # Also maps (family, bold, italic) for Paragraph markup such as <b> and <i>.
        pdfmetrics.registerFontFamily(
            FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
        )
        _registered = True


def string_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points once the fonts are registered."""
    ensure_fonts()
    return float(pdfmetrics.stringWidth(text, font, size))
