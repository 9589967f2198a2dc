"""Row identifiers: UUIDv7 (time-ordered, so new rows land at the end of B-tree indexes)."""

from __future__ import annotations

import uuid_utils

__all__ = ["new_id"]


def new_id() -> str:
    """A new UUIDv7 as its canonical 36-character lowercase text."""
    return str(uuid_utils.uuid7())
