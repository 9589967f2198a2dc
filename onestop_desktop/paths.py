"""Where things live: bundled assets (checkout, wheel or frozen build) and user data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "OneStopDesktop"
APP_AUTHOR = "OneStop"
_PACKAGE_DIR = Path(__file__).resolve().parent


def asset_dir(name: str) -> Path:
    """Return the folder of a bundled asset tree (``db``, ``resources`` or ``ui``).

    In a wheel the trees are copied inside the package; in a checkout they sit beside it;
    in a PyInstaller build they are under ``sys._MEIPASS``.
    """
    candidates = [_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name]
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.insert(0, Path(frozen_root) / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found (looked in {candidates})")


def data_file(relative: str) -> Path:
    """Return a bundled data file under ``db/data``."""
    return asset_dir("db") / "data" / relative


def user_data_dir() -> Path:
    """Per-user data folder (e.g. ``%LOCALAPPDATA%\\OneStop\\OneStopDesktop`` on Windows)."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_db_path() -> Path:
    """The workstation database: ``$ONESTOP_DB`` or ``onestop.db`` in the user data folder."""
    env = os.environ.get("ONESTOP_DB")
    if env:
        return Path(env)
    return user_data_dir() / "onestop.db"


def log_dir() -> Path:
    """Per-user log folder."""
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
