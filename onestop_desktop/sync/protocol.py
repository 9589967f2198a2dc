"""Sync protocol versions, shared by the server and the workstation client.

``PROTOCOL_VERSION`` is what this build speaks. Each side also names the oldest peer it still
accepts: the server refuses push/pull from a client below ``MIN_CLIENT_PROTOCOL`` (426, "client
too old"), the client refuses to sync with a server below ``MIN_SERVER_PROTOCOL`` ("server too
old"). Either way the workstation's outbox is kept and it keeps working offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from onestop_desktop.domain.dossier import Event

#: The protocol version this build speaks (bump on an incompatible wire change).
PROTOCOL_VERSION = 1
#: The oldest client protocol the server accepts (``$ONESTOP_MIN_CLIENT_PROTOCOL`` raises it).
MIN_CLIENT_PROTOCOL = 1
#: The oldest server protocol the client syncs with.
MIN_SERVER_PROTOCOL = 1
#: Request header carrying the client's protocol version (absent: a protocol-1 client).
PROTOCOL_HEADER = "X-OneStop-Protocol"
#: Request header of the handshake carrying the client's clock (aware ISO 8601), for its skew.
CLIENT_TIME_HEADER = "X-OneStop-Client-Time"
#: Environment variable the server reads at start to raise its minimum client protocol.
MIN_CLIENT_PROTOCOL_ENV = "ONESTOP_MIN_CLIENT_PROTOCOL"
#: Clock difference between workstation and server above which the client warns (never refuses).
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PulledEvent:
    """One stored event as a puller sees it: the event, its server sequence and disposition
    (what the server's pull answers and what the workstation applies)."""

    event: Event
    server_seq: int
    disposition: str


__all__ = [
    "CLIENT_TIME_HEADER",
    "MAX_CLOCK_SKEW",
    "MIN_CLIENT_PROTOCOL",
    "MIN_CLIENT_PROTOCOL_ENV",
    "MIN_SERVER_PROTOCOL",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "PulledEvent",
]
