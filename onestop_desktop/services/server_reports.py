"""The district view: the periodic report computed on the server's data for a device's scope."""

from __future__ import annotations

from datetime import date

from onestop_desktop.errors import UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.enrollment import DeviceIdentity
from onestop_desktop.services.reports import Report, build_report, report_offices
from onestop_desktop.store.db import Database


class OutsideScope(UserError):
    """The requested unit covers offices this device may not read (HTTP 403)."""


def report_for_device(
    db: Database,
    device: DeviceIdentity,
    date_from: date,
    date_to: date,
    unit: str | None,
    procedure: str | None = None,
) -> Report:
    """``build_report`` on the server's data, limited to what ``device`` may read.

    Raises:
        OutsideScope: the unit covers an office outside the device's scope (or the device has
            no unit and named none).
        ValidationError: bad period or unknown unit (as for a workstation's report).
    """
    unit = unit or device.unit_code
    if not unit:
        raise OutsideScope("Máy trạm không thuộc đơn vị hành chính nào; hãy chọn đơn vị báo cáo.")
    ws = Workstation(db, username="server")
    with db.read() as s:
        offices = set(report_offices(s, unit))
    outside = sorted(offices - set(device.scope))
    if outside:
        raise OutsideScope(
            f"Máy trạm không được xem số liệu của đơn vị '{unit}' "
            f"(ngoài phạm vi: {', '.join(outside[:3])}{'…' if len(outside) > 3 else ''})."
        )
    return build_report(ws, date_from, date_to, unit_code=unit, procedure_code=procedure)


__all__ = ["OutsideScope", "report_for_device"]
