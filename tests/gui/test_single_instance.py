"""Two ``onestop gui`` processes on one database (SYNC-FAULTS 26): the second is refused.

Real processes, offscreen: the first window holds ``<db>.gui.lock``; a second start on the same
database exits 1 with a Vietnamese message and never opens the database; a lock left by a
killed window (kill -9) is stale and taken over; another database is not blocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onestop_desktop.gui.application import instance_lock_path

pytestmark = pytest.mark.gui


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start ``onestop gui --db PATH`` processes (offscreen, private settings); killed after."""
    procs: list[subprocess.Popen[str]] = []
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }

    def start(db: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "onestop_desktop", "gui", "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def _lock_owner(db: Path) -> int | None:
    try:
        first = instance_lock_path(db).read_text(encoding="utf-8").splitlines()[0]
    except (FileNotFoundError, IndexError):
        return None
    return int(first) if first.strip().isdigit() else None


def _wait_owner(db: Path, proc: subprocess.Popen[str], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while _lock_owner(db) != proc.pid:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the window never took the lock"
        time.sleep(0.1)


def _refused(proc: subprocess.Popen[str]) -> str:
    _out, err = proc.communicate(timeout=40)
    assert proc.returncode == 1, err
    return err


def test_second_window_on_the_same_database_is_refused(
    launch: Callable[[Path], subprocess.Popen[str]], new_db: Callable[[str], Path]
) -> None:
    db = new_db("counter.db")
    first = launch(db)
    _wait_owner(db, first)
    second = launch(db)
    err = _refused(second)
    assert "OneStop đang chạy trên máy này" in err
    assert "hai cửa sổ" in err
    time.sleep(0.5)
    assert first.poll() is None, "the first window must keep running"
    assert _lock_owner(db) == first.pid


def test_lock_of_a_killed_window_is_taken_over_and_others_are_free(
    launch: Callable[[Path], subprocess.Popen[str]], new_db: Callable[[str], Path]
) -> None:
    db = new_db("counter.db")
    other = new_db("other.db")
    first = launch(db)
    _wait_owner(db, first)
    elsewhere = launch(other)  # another database: not blocked
    _wait_owner(other, elsewhere)
    first.kill()  # kill -9: the lock file stays behind, naming a dead process
    first.wait(10)
    assert instance_lock_path(db).exists()
    again = launch(db)
    _wait_owner(db, again)
    assert elsewhere.poll() is None
    assert _refused(launch(other)) != ""
