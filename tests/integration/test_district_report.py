"""The district view (#6): the server's report equals a workstation's on the same data."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner
from tests.integration._sync_helpers import enrolled, sync_cli

OTHER = "000.02.09.H24"
DISTRICT = "000.00.09.H24"
DISTRICT_UNIT = "009"  # Quận Thanh Xuân
PERIOD = ("--from", "2026-01-01", "--to", "2026-01-31")


def _figures(report: dict[str, object]) -> object:
    return {k: report[k] for k in ("units", "total", "catalog", "from", "to", "unit")}


def test_server_report_equals_a_workstation_holding_the_same_data(
    server: str, server_db: str, tmp_path: Path, run_cli: CliRunner
) -> None:
    ward = enrolled(server, server_db, tmp_path, run_cli, "ward")
    other = enrolled(server, server_db, tmp_path, run_cli, "other", office=OTHER)
    district = enrolled(server, server_db, tmp_path, run_cli, "district", office=DISTRICT)
    for path, names in ((ward, ("An", "Bình", "Chi")), (other, ("Dũng", "Em"))):
        for i, name in enumerate(names):
            procedure = "1.004873" if i % 2 == 0 else "1.001193"
            code, out, err = run_cli(
                "--json", "intake", "--procedure", procedure, "--name", f"Nguyễn Văn {name}",
                "--received-at", f"2026-01-0{5 + i}T09:00", db=path,
            )  # fmt: skip
            assert code == 0, err
            if i == 0:
                got = json.loads(out)["code"]
                assert run_cli("advance", got, "--to", "in_progress", db=path)[0] == 0
        sync_cli(run_cli, path)
    sync_cli(run_cli, district)
    unit = ("--unit", DISTRICT_UNIT)
    code, local, err = run_cli("--json", "report", *PERIOD, *unit, db=district)
    assert code == 0, err
    code, remote, err = run_cli("--json", "report", *PERIOD, *unit, "--server", db=district)
    assert code == 0, err
    assert _figures(json.loads(remote)) == _figures(json.loads(local))
    assert json.loads(remote)["total"]["received"] == 5
    # One procedure's figures: 3 of the 5 dossiers, the same from the server.
    one = ("--procedure", "1.004873")
    local_one = json.loads(run_cli("--json", "report", *PERIOD, *unit, *one, db=district)[1])
    code, remote_one, err = run_cli(
        "--json", "report", *PERIOD, *unit, *one, "--server", db=district
    )
    assert code == 0, err
    assert local_one["total"]["received"] == 3
    assert local_one["procedure"] == "1.004873"
    assert _figures(json.loads(remote_one)) == _figures(local_one)
    code, _out, err = run_cli("--json", "report", *PERIOD, "--procedure", "9.999999", db=district)
    assert code == 1
    assert "9.999999" in err
    # A ward's device may see its own ward from the server, never the district.
    code, _out, err = run_cli("--json", "report", *PERIOD, *unit, "--server", db=ward)
    assert code == 1
    assert "ngoài phạm vi" in err
    code, out, err = run_cli("--json", "report", *PERIOD, "--server", db=ward)
    assert code == 0, err
    assert json.loads(out)["total"]["received"] == 3
