"""Canary for the PySide6 signal-emit crash (6.12.0 on Python 3.11 aborts: "bool_dealloc").

Runs in a subprocess so that an abort shows up as a failed test, not a dead test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

EMITS = 10_000

SCRIPT = textwrap.dedent(
    f"""
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Relay(QObject):
        fired = Signal(bool, int, str)

    app = QCoreApplication([])
    relay = Relay()
    seen = []
    relay.fired.connect(lambda flag, n, text: seen.append(n))
    for i in range({EMITS}):
        relay.fired.emit(i % 2 == 0, i, "ok")
    print(len(seen))
    """
)


def test_ten_thousand_signal_emits_survive() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == str(EMITS)
