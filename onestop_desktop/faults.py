"""Named fault-injection points, inert unless a test sets ``ONESTOP_FAULT_PAUSE``.

The process-level sync tests (SYNC-FAULTS.md 3, 4, 5) must kill a real process with SIGKILL
at an exact moment: inside the server's push transaction, between the server's answer and
the workstation recording it, in the middle of applying a pulled page. A ``checkpoint(name)``
marks such a moment. With ``ONESTOP_FAULT_PAUSE="name:seconds[,name:seconds…]"`` the process
first creates the file ``$ONESTOP_FAULT_MARK_DIR/name`` (when that variable is set), so the
test knows the point is reached, then sleeps; the test kills it during the sleep. Without the
variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "ONESTOP_FAULT_PAUSE"
MARK_DIR_ENV = "ONESTOP_FAULT_MARK_DIR"

#: Inside the server's push transaction, after the batch is written, before COMMIT.
SERVER_PUSH_BEFORE_COMMIT = "server.push.before_commit"
#: On the workstation, after the server answered a push, before the answer is recorded.
CLIENT_PUSH_AFTER_ANSWER = "client.push.after_answer"
#: On the workstation, inside the transaction applying a pulled page, before COMMIT.
CLIENT_PULL_BEFORE_COMMIT = "client.pull.before_commit"


def _pauses() -> dict[str, float]:
    spec = os.environ.get(PAUSE_ENV, "")
    out: dict[str, float] = {}
    for part in spec.split(","):
        name, sep, seconds = part.strip().rpartition(":")
        if sep and name:
            out[name] = float(seconds)
    return out


def checkpoint(name: str) -> None:
    """Pause here when a test asked for it (see the module docstring); otherwise do nothing."""
    if PAUSE_ENV not in os.environ:
        return
    seconds = _pauses().get(name)
    if seconds is None:
        return
    mark_dir = os.environ.get(MARK_DIR_ENV)
    if mark_dir:
        Path(mark_dir, name).touch()
    time.sleep(seconds)


__all__ = [
    "CLIENT_PULL_BEFORE_COMMIT",
    "CLIENT_PUSH_AFTER_ANSWER",
    "MARK_DIR_ENV",
    "PAUSE_ENV",
    "SERVER_PUSH_BEFORE_COMMIT",
    "checkpoint",
]
