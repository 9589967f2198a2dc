"""GUI cold start (target ≤ 1.5 s): from launching the process to a usable main window.

"Usable" = the main window is shown and its status bar has been filled from the database (the
first background task has come back), on an initialised database of ``--dossiers`` dossiers.
Each run is a fresh process (``python -c``), timed from just before the launch; the figure is
the median of ``--repeat`` runs. Floor: the same launch of a bare PySide6 window (QApplication
+ QMainWindow shown + one event-loop turn). Runs on the offscreen platform unless
``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import common

APP = """
import sys
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
app = QApplication(sys.argv[:1])
from onestop_desktop.gui.application import configure_application, create_main_window
configure_application(app)
window, ctx = create_main_window(sys.argv[1])
window.show()
def check():
    if window.office_label.text():
        print("ready", flush=True)
        app.quit()
    else:
        QTimer.singleShot(2, check)
QTimer.singleShot(0, check)
app.exec()
ctx.runner.wait()
"""

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 760)
w.show()
def done():
    print("ready", flush=True)
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def _launch(script: str, *args: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or "ready" not in proc.stdout:
        raise SystemExit(f"launch failed: {proc.stderr[-1500:]}")
    return elapsed


def main() -> int:
    parser = common.base_parser(__doc__ or "")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n = common.start(args)
    db = common.ensure_db(n)
    work = common.WORK_DIR / "gui-start.db"
    common.copy_db(db, work)
    _launch(APP, str(work))  # warm the OS file cache once, like a second start of the day
    _launch(BARE)
    ours = [_launch(APP, str(work)) for _ in range(args.repeat)]
    bare = [_launch(BARE) for _ in range(args.repeat)]
    figure = common.Figure(
        key="gui_cold_start",
        name="GUI cold start to usable window",
        unit="s",
        value=statistics.median(ours),
        floor=statistics.median(bare),
        target=1.5,
        dossiers=n,
        details={"runs_s": [round(x, 3) for x in ours], "bare_runs_s": [round(x, 3) for x in bare]},
    )
    return common.finish(args, [figure])


if __name__ == "__main__":
    raise SystemExit(main())
