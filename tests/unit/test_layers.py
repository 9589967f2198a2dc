"""The layering rules that keep the core free of Qt (DESIGN.md §2)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after_import(*modules: str) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sorted(sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_services_and_cli_pull_in_no_qt() -> None:
    loaded = _modules_after_import(
        "onestop_desktop.services.dossiers",
        "onestop_desktop.services.reports",
        "onestop_desktop.services.lookup",
        "onestop_desktop.services.importer",
        "onestop_desktop.cli",
    )
    assert not {m for m in loaded if m.startswith("PySide6")}


def test_domain_is_pure() -> None:
    loaded = _modules_after_import(
        "onestop_desktop.domain.calendar",
        "onestop_desktop.domain.dossier",
        "onestop_desktop.domain.identity",
        "onestop_desktop.domain.text",
        "onestop_desktop.domain.codes",
        "onestop_desktop.domain.catalog",
    )
    banned = ("PySide6", "sqlalchemy", "alembic", "reportlab", "holidays")
    assert not {m for m in loaded if m.startswith(banned)}


def test_server_pulls_in_no_qt() -> None:
    loaded = _modules_after_import("onestop_desktop.server.app", "onestop_desktop.server.cli")
    assert not {m for m in loaded if m.startswith("PySide6")}
