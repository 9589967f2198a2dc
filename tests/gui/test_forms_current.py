"""The committed forms (gui/forms/ui_*.py) are what pyside6-uic makes of ui/*.ui today."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_DIR = ROOT / "ui"
FORMS_DIR = ROOT / "onestop_desktop" / "gui" / "forms"


def _uic() -> str:
    beside = Path(sys.executable).with_name("pyside6-uic")
    found = str(beside) if beside.exists() else shutil.which("pyside6-uic")
    if found is None:
        pytest.fail("pyside6-uic not found (install PySide6 in this environment)")
    return found


@pytest.mark.parametrize("ui_file", sorted(UI_DIR.glob("*.ui")), ids=lambda p: p.name)
def test_generated_form_is_current(ui_file: Path, tmp_path: Path) -> None:
    committed = FORMS_DIR / f"ui_{ui_file.stem}.py"
    assert committed.exists(), f"run: pyside6-uic {ui_file.name} -o {committed}"
    fresh = tmp_path / committed.name
    # uic names the source in the header: run it from ui/ so the header matches the commit.
    subprocess.run([_uic(), ui_file.name, "-o", str(fresh)], cwd=UI_DIR, check=True, timeout=60)
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        f"{committed.name} is stale: run `pyside6-uic ui/{ui_file.name} -o "
        f"onestop_desktop/gui/forms/{committed.name}`"
    )


def test_every_form_has_its_ui_source() -> None:
    sources = {p.stem for p in UI_DIR.glob("*.ui")}
    forms = {p.stem.removeprefix("ui_") for p in FORMS_DIR.glob("ui_*.py")}
    assert forms <= sources, f"forms without a .ui source: {sorted(forms - sources)}"
