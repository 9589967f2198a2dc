"""The handshake a workstation makes before it syncs: versions, epoch and clock skew.

Read-only: nothing local changes, so a protocol mismatch leaves the outbox as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onestop_desktop.errors import EnvironmentFault
from onestop_desktop.services.context import Workstation
from onestop_desktop.sync import protocol
from onestop_desktop.sync.client import SyncClient


class EpochChangedError(EnvironmentFault):
    """The server's epoch changed during a round (it restarted); reconcile, then sync again."""

    def __init__(self, epoch: str | None = None) -> None:
        super().__init__(
            "Máy chủ vừa khởi động lại hoặc được khôi phục; máy trạm sẽ đối chiếu và gửi lại "
            "những gì máy chủ còn thiếu."
        )
        self.epoch = epoch


@dataclass(frozen=True, slots=True)
class HandshakeInfo:
    """What the server said, and how far this workstation's clock is from the server's.

    ``skew`` is local time minus server time (positive: this workstation's clock is fast).
    """

    protocol: int
    min_client_protocol: int
    schema: str
    epoch: str
    server_time: datetime
    skew: timedelta
    epoch_base: int | None = None  # None: a server that does not say (no reconciliation)
    device_last_seq: int | None = None

    @property
    def clock_skewed(self) -> bool:
        """The clocks differ by more than :data:`~onestop_desktop.sync.protocol.MAX_CLOCK_SKEW`."""
        return abs(self.skew) > protocol.MAX_CLOCK_SKEW


def handshake(ws: Workstation, client: SyncClient) -> HandshakeInfo:
    """Handshake with the server; compare its clock with this workstation's.

    Raises:
        sync.client.ProtocolMismatch: client or server too old (nothing changed locally).
        sync.client.ServerUnreachable / ServerFault / Refused: as for any call.
    """
    answer = client.handshake(ws.now())
    server_time: datetime = answer["server_time"]
    return HandshakeInfo(
        protocol=int(answer["protocol"]),
        min_client_protocol=int(answer["min_client_protocol"]),
        schema=str(answer["schema"]),
        epoch=str(answer["epoch"]),
        server_time=server_time,
        skew=ws.now() - server_time,
        epoch_base=answer.get("epoch_base"),
        device_last_seq=answer.get("device_last_seq"),
    )


def skew_warning(info: HandshakeInfo) -> str | None:
    """A one-line Vietnamese warning when the clocks are too far apart (else ``None``)."""
    if not info.clock_skewed:
        return None
    minutes = round(abs(info.skew).total_seconds() / 60)
    way = "nhanh" if info.skew > timedelta(0) else "chậm"
    return (
        f"Cảnh báo: đồng hồ máy trạm {way} hơn máy chủ khoảng {minutes} phút; "
        "hãy chỉnh lại giờ hệ thống (đồng bộ vẫn tiếp tục)."
    )


__all__ = ["EpochChangedError", "HandshakeInfo", "handshake", "skew_warning"]
