"""The assets (db/, resources/, ui/) are found from an installed wheel, not only a checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_cli_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(dist.glob("onestop_desktop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "onestop_desktop/db/env.py" in names
    assert any(n.startswith("onestop_desktop/db/versions/") for n in names)
    assert "onestop_desktop/db/data/catalog.csv" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    db = tmp_path / "w.db"

    def cli(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "onestop_desktop", "--db", str(db), "--json", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=workdir,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    where = subprocess.run(
        [sys.executable, "-c", "import onestop_desktop.paths as p; print(p.asset_dir('db'))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(target), where
    init = json.loads(cli("init"))
    assert init["loaded_bundled_data"] is True
    procedures = json.loads(cli("catalog", "list"))
    assert len(procedures) >= 24
