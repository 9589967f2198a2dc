"""What the status bar shows about this workstation."""

from __future__ import annotations

from dataclasses import dataclass

from onestop_desktop.services.context import Workstation
from onestop_desktop.store import repo
from onestop_desktop.store.models import OfficeRow


@dataclass(frozen=True, slots=True)
class WorkstationStatus:
    """Office, device, clerk and the number of changes not yet synced."""

    office_code: str
    office_name: str
    device_number: int
    clerk: str
    pending_changes: int


def workstation_status(ws: Workstation) -> WorkstationStatus:
    """Read the status bar's figures (one short read transaction)."""
    with ws.db.read() as s:
        actor = ws.actor(s)
        office = s.get(OfficeRow, actor.office_code)
        # Events are numbered gap-free per device; those above the last one the server
        # acknowledged are pending. O(1), no scan of the event log.
        issued = int(repo.get_setting(s, repo.NEXT_DEVICE_SEQ, "1") or "1") - 1
        acked = int(repo.get_setting(s, repo.ACKED_DEVICE_SEQ, "0") or "0")
        pending = max(issued - acked, 0)
        return WorkstationStatus(
            office_code=actor.office_code,
            office_name=office.name if office else actor.office_code,
            device_number=actor.device_number,
            clerk=actor.username,
            pending_changes=pending,
        )
