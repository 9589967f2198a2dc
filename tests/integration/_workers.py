"""Code run in child processes by the concurrency tests (importable without pytest)."""

from __future__ import annotations

import traceback
from datetime import datetime
from typing import Any

from onestop_desktop.domain.calendar import VN_TZ


def intake_many(db_path: str, worker: int, count: int, barrier: Any, results: Any) -> None:
    """Receive ``count`` dossiers as user ``clerk<worker>``; put (worker, codes, errors)."""
    from onestop_desktop.services.context import Workstation
    from onestop_desktop.services.dossiers import IntakeRequest, intake
    from onestop_desktop.store.db import Database

    codes: list[str] = []
    errors: list[str] = []
    db = Database.open(db_path)
    ws = Workstation(db, username=f"clerk{worker}")
    try:
        barrier.wait(timeout=60)
        for i in range(count):
            try:
                view = intake(
                    ws,
                    IntakeRequest(
                        procedure_code="1.004873",
                        applicant_name=f"Nguyễn Văn Thử {worker} {i}",
                        received_at=datetime(2026, 1, 5, 9, 0, tzinfo=VN_TZ),
                    ),
                )
                codes.append(view.code)
            except Exception:  # noqa: BLE001 - every failure is reported to the parent
                errors.append(traceback.format_exc(limit=3))
    finally:
        db.dispose()
        results.put((worker, codes, errors))
