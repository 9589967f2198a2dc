"""Run every benchmark, print the figures beside their floors, and write the results.

Runs every ``bench_*.py`` here (issue 2's lookup, intake, report and import first). Writes
``bench/out/results.json`` (machine, N, every figure with its samples summary) and
``bench/out/results.md`` (a Markdown table ready to paste into README). Each script runs in its
own process, exactly as when run alone; the benchmark DB is built (or found) first.
The sync benchmarks (``bench_sync_*.py``: initial, push, incremental, load) need the local
PostgreSQL (``postgresql://postgres@127.0.0.1:5432``) and run real ``onestop server run``
processes; their floors are PostgreSQL COPY, sqlite3 executemany or bare HTTP round trips.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common

FIRST = ("lookup", "intake", "report", "import")  # issue 2's figures, in its order


def discover() -> dict[str, str]:
    """Every ``bench_<name>.py`` beside this file: issue 2's first, then the rest by name."""
    found = {p.stem.removeprefix("bench_"): p.name for p in common.BENCH_DIR.glob("bench_*.py")}
    order = [n for n in FIRST if n in found] + sorted(n for n in found if n not in FIRST)
    return {n: found[n] for n in order}


def to_markdown(results: dict[str, Any]) -> str:
    """The README table."""
    m = results["machine"]
    lines = [
        f"Measured {results['finished'][:10]} on {m['cpu']} ({m['cores']} cores, "
        f"{m['ram_gib']} GiB RAM, {m['os']}), Python {m['python']}, SQLite {m['sqlite']}, "
        f"onestop {m['onestop']} ({m['commit'] or 'no git'}); benchmark DB of "
        f"{results['dossiers']:,} dossiers from `onestop demo`. Floor = the same query or "
        "insert in raw `sqlite3` with the app's pragmas (WAL, `synchronous=FULL`); "
        "ratio = our cost ÷ the floor's.",
        "",
        "| Figure | Target | Measured | Floor (raw sqlite3) | Ratio | Result |",
        "|---|---|---|---|---|---|",
    ]
    for f in results["figures"]:
        lines.append(
            f"| {f['name']} | {f['target_text']} | {common.fmt(f['value'], f['unit'])} | "
            f"{common.fmt(f['floor'], f['unit'])} | {f['ratio']:.2f}× | "
            f"{'pass' if f['passed'] else '**FAIL**'} |"
        )
    rows = _import_rows(results)
    lines += [
        "",
        (f"CSV import: {rows:,} rows into a fresh database. " if rows else "")
        + "Reproduce with `.venv/bin/python bench/run_all.py` (see bench/README.md).",
    ]
    return "\n".join(lines) + "\n"


def _import_rows(results: dict[str, Any]) -> int:
    for f in results["figures"]:
        if f["key"] == "import_rate":
            return int(f["details"]["rows"])
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default)."""
    p = common.base_parser(__doc__.split("\n", 1)[0], script=False)
    p.add_argument(
        "--only",
        help=f"comma-separated subset of {','.join(discover())} (default: all)",
    )
    args = p.parse_args(argv)
    scripts = discover()
    chosen = [s.strip() for s in (args.only or ",".join(scripts)).split(",") if s.strip()]
    unknown = [s for s in chosen if s not in scripts]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = datetime.now(UTC)
    machine = common.print_machine()
    n = common.dossiers_arg(args)
    common.ensure_db(n, rebuild=args.rebuild)
    figures: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in chosen:
        out = common.WORK_DIR / f"figures-{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        cmd = [
            sys.executable,
            str(common.BENCH_DIR / scripts[name]),
            "--dossiers",
            str(n),
            "--no-header",
            "--json-out",
            str(out),
        ]
        rc = subprocess.run(cmd, check=False).returncode
        print(f"({name}: {time.perf_counter() - t0:.0f} s)")
        if rc != 0 or not out.exists():
            failed.append(name)
            continue
        figures += json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
    results = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "dossiers": n,
        "machine": machine,
        "figures": figures,
        "crashed": failed,
    }
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    json_path = common.OUT_DIR / "results.json"
    md_path = common.OUT_DIR / "results.md"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    md_path.write_text(to_markdown(results), encoding="utf-8")
    print(f"\n=== all figures (N = {n:_} dossiers) ===")
    common.print_figures([_figure(f) for f in figures])
    print(f"\nWrote {_rel(json_path)} and {_rel(md_path)}")
    if failed:
        print(f"Crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _figure(data: dict[str, Any]) -> common.Figure:
    fields = {k: data[k] for k in common.Figure.__dataclass_fields__}
    return common.Figure(**fields)


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(common.REPO_DIR))
    except ValueError:
        return str(p)


if __name__ == "__main__":
    raise SystemExit(main())
