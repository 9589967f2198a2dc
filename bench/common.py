"""Shared by the benchmark scripts: the cached demo database, timing, percentiles, printing.

The benchmark database is built once with the real CLI (``onestop init`` then
``onestop demo --dossiers N``) into ``bench/out/bench-<N>.db`` (``bench-1m.db`` for the default
1,000,000) and reused while it is complete and its schema is the program's current one.
Read-only benchmarks use it in place; writing benchmarks work on copies.

N comes from ``--dossiers``, else the environment variable ``ONESTOP_BENCH_DOSSIERS``, else
1,000,000.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
WORK_DIR = OUT_DIR / "work"
ENV_DOSSIERS = "ONESTOP_BENCH_DOSSIERS"
DEFAULT_DOSSIERS = 1_000_000
DEMO_SEED = 1
T = TypeVar("T")

# The connection settings of onestop_desktop.store.db (WAL, synchronous=FULL, ...): every floor
# connection uses them too, so a ratio measures our code, not a different durability level.
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


# --------------------------------------------------------------------------- arguments


def dossiers_from_env() -> int:
    """N from ``ONESTOP_BENCH_DOSSIERS`` (``1000000``, ``1_000_000``, ``50k`` or ``1m``)."""
    raw = os.environ.get(ENV_DOSSIERS, "").strip()
    return parse_count(raw) if raw else DEFAULT_DOSSIERS


def parse_count(text: str) -> int:
    """``"50k"`` → 50000, ``"1m"`` → 1000000, ``"1_000_000"`` → 1000000."""
    t = text.strip().lower().replace("_", "").replace(",", "").replace(".", "")
    scale = 1
    if t.endswith("k"):
        t, scale = t[:-1], 1000
    elif t.endswith("m"):
        t, scale = t[:-1], 1_000_000
    try:
        value = int(t) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def base_parser(description: str, *, script: bool = True) -> argparse.ArgumentParser:
    """Options every benchmark script takes (``script=False``: only those run_all takes)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--dossiers",
        type=parse_count,
        default=None,
        help=f"dossiers in the benchmark DB (default: ${ENV_DOSSIERS} or {DEFAULT_DOSSIERS:_})",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached benchmark DB")
    if script:
        p.add_argument("--json-out", type=Path, help="also write the figures to this JSON file")
        p.add_argument("--no-header", action="store_true", help="do not print the machine header")
    return p


def dossiers_arg(args: argparse.Namespace) -> int:
    """The N to use: ``--dossiers``, else the environment, else the default."""
    return int(args.dossiers) if args.dossiers else dossiers_from_env()


# --------------------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def git_commit() -> str | None:
    """The checkout's commit (with ``+dirty`` when files are modified), if git is there."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    import sqlalchemy

    from onestop_desktop import __version__

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "onestop": __version__,
        "commit": git_commit(),
    }


def print_machine(info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Print the machine header; returns the info printed."""
    m = info or machine_info()
    print(
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}\n"
        f"Python {m['python']}, SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}, "
        f"onestop {m['onestop']} ({m['commit'] or 'no git'})"
    )
    return m


# --------------------------------------------------------------------------- the cached DB


def db_label(n: int) -> str:
    """1000000 → ``1m``, 50000 → ``50k``, 12345 → ``12345``."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def db_path(n: int) -> Path:
    """Where the N-dossier benchmark DB lives."""
    return OUT_DIR / f"bench-{db_label(n)}.db"


def _meta_path(db: Path) -> Path:
    return db.with_suffix(".json")


def sidecars(db: Path) -> list[Path]:
    """The DB file and its WAL/SHM companions."""
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def remove_db(db: Path) -> None:
    """Delete a SQLite file and its companions."""
    for p in sidecars(db):
        p.unlink(missing_ok=True)


def onestop(*args: str, quiet: bool = False) -> None:
    """Run the real CLI with this interpreter (its progress line goes to the terminal)."""
    cmd = [sys.executable, "-m", "onestop_desktop", *args]
    proc = subprocess.run(cmd, check=False, capture_output=quiet, text=True)
    if proc.returncode != 0:
        detail = f"\n{proc.stderr.strip()}" if quiet else ""
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}{detail}")


def _schema_is_current(db: Path) -> bool:
    from onestop_desktop.store.db import Database
    from onestop_desktop.store.migrate import current_revision, head_revision

    database = Database.open(db)
    try:
        return current_revision(database.engine) == head_revision()
    finally:
        database.dispose()


def _reusable(db: Path, n: int) -> str | None:
    """None when the cached DB holds the N dossiers of a complete build, else why not."""
    meta_file = _meta_path(db)
    if not db.exists():
        return "not built yet"
    if not meta_file.exists():
        return "no build record (interrupted build?)"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable build record"
    if meta.get("dossiers") != n:
        return f"build record says {meta.get('dossiers')} dossiers"
    with sqlite3.connect(db) as con:
        count = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    if count != n:
        return f"holds {count} dossiers"
    return None


def _migrate(db: Path) -> bool:
    """Bring a cached DB to the current schema with ``onestop init`` (the app's upgrade path).

    The pre-migration backup that init writes is deleted (the DB can always be rebuilt).
    Returns False when the migration failed (the caller rebuilds).
    """
    print(f"Migrating {_rel(db)} to the current schema: onestop init", flush=True)
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "onestop_desktop", "--db", str(db), "--json", "init"]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  migration failed: {proc.stderr.strip()}")
        return False
    backup = json.loads(proc.stdout).get("backup")
    if backup:
        remove_db(Path(backup))
    meta_file = _meta_path(db)
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.setdefault("migrations", []).append(
        {"at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": git_commit()}
    )
    meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(f"  migrated in {time.perf_counter() - started:,.1f} s")
    return True


def ensure_db(n: int, *, rebuild: bool = False) -> Path:
    """The cached N-dossier demo DB: built first if missing or ``rebuild``, migrated if stale."""
    db = db_path(n)
    why = "--rebuild" if rebuild else _reusable(db, n)
    if why is None and not _schema_is_current(db) and not _migrate(db):
        why = "migration failed"
    if why is None:
        size = db.stat().st_size / 2**20
        print(f"Benchmark DB: {_rel(db)} ({n:_} dossiers, {size:,.0f} MiB, cached)")
        return db
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = db.with_name(db.stem + ".partial.db")
    remove_db(partial)
    print(f"Building {_rel(db)} with {n:_} dossiers ({why}): onestop init + onestop demo")
    started = time.perf_counter()
    onestop("--db", str(partial), "init")
    onestop("--db", str(partial), "demo", "--dossiers", str(n), "--seed", str(DEMO_SEED))
    seconds = time.perf_counter() - started
    remove_db(db)
    _meta_path(db).unlink(missing_ok=True)
    for src, dst in zip(sidecars(partial), sidecars(db), strict=True):
        if src.exists():
            src.rename(dst)
    meta = {
        "dossiers": n,
        "seed": DEMO_SEED,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 1),
        "build_rate_per_s": round(n / seconds),
        "commit": git_commit(),
    }
    _meta_path(db).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    size = db.stat().st_size / 2**20
    print(
        f"Built {_rel(db)} in {seconds:,.1f} s ({n / seconds:,.0f} dossiers/s incl. init), "
        f"{size:,.0f} MiB"
    )
    return db


def copy_db(src: Path, dst: Path) -> float:
    """Copy a closed SQLite DB (with any WAL) to ``dst``; returns the seconds it took."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    remove_db(dst)
    started = time.perf_counter()
    for s, d in zip(sidecars(src), sidecars(dst), strict=True):
        if s.exists() and not s.name.endswith("-shm"):
            shutil.copyfile(s, d)
    return time.perf_counter() - started


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(REPO_DIR))
    except ValueError:
        return str(p)


def raw_connect(db: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's pragmas, in autocommit (explicit BEGIN)."""
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        con.execute(pragma)
    return con


def open_workstation(db: Path, *, username: str = "bench") -> Any:
    """``Workstation(Database.open(db))``, the way the front ends make one."""
    from onestop_desktop.services.context import Workstation
    from onestop_desktop.store.db import Database

    return Workstation(Database.open(db), username=username)


# --------------------------------------------------------------------------- timing


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest sample ≥ p % of all samples (a real sample)."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean of latencies in milliseconds (rounded for the record)."""
    return {
        "p50": round(percentile(samples_ms, 50), 6),
        "p95": round(percentile(samples_ms, 95), 6),
        "p99": round(percentile(samples_ms, 99), 6),
        "max": round(max(samples_ms), 6),
        "mean": round(sum(samples_ms) / len(samples_ms), 6),
    }


def time_one(fn: Callable[[T], object], item: T) -> float:
    """The wall time of ``fn(item)`` in milliseconds."""
    t0 = time.perf_counter_ns()
    fn(item)
    return (time.perf_counter_ns() - t0) / 1e6


def time_each(fn: Callable[[T], object], items: Iterable[T]) -> list[float]:
    """Call ``fn`` on each item; the wall time of every call in milliseconds.

    One full garbage collection first, so a previous phase's garbage is not charged to this
    one; the collector stays on during the loop, as in the app.
    """
    gc.collect()
    return [time_one(fn, item) for item in items]


# --------------------------------------------------------------------------- figures


@dataclass(slots=True)
class Figure:
    """One benchmark figure beside its floor (the same work in raw sqlite3).

    ``ratio`` is always "how many times the floor's cost": value/floor for times,
    floor/value for rates.
    """

    key: str
    name: str
    unit: str  # "ms", "s" or "rows/s"
    value: float
    floor: float
    target: float
    higher_is_better: bool = False
    dossiers: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Our cost in multiples of the floor's."""
        if self.higher_is_better:
            return self.floor / self.value if self.value else math.inf
        return self.value / self.floor if self.floor else math.inf

    @property
    def passed(self) -> bool:
        """Whether the figure meets its target."""
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @property
    def target_text(self) -> str:
        """``≤ 2 ms`` / ``≥ 20,000 rows/s``."""
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:,g} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        """Everything, derived values included."""
        data = asdict(self)
        data.update(ratio=round(self.ratio, 2), passed=self.passed, target_text=self.target_text)
        return data


def fmt(value: float, unit: str) -> str:
    """A value with its unit, with sensible precision."""
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:g} {unit}"


_COLUMNS = ("name", "value", "floor", "ratio", "target", "result")
_WIDTHS = (38, 16, 16, 7, 17, 6)


def print_figures(figures: Sequence[Figure]) -> None:
    """``name  value  floor  ratio  target  PASS/FAIL``, one line per figure."""
    print()
    print("  ".join(c.ljust(w) for c, w in zip(_COLUMNS, _WIDTHS, strict=True)).rstrip())
    for f in figures:
        cells = (
            f.name,
            fmt(f.value, f.unit),
            fmt(f.floor, f.unit),
            f"{f.ratio:.2f}x",
            f.target_text,
            "PASS" if f.passed else "FAIL",
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, _WIDTHS, strict=True)).rstrip())


def finish(args: argparse.Namespace, figures: Sequence[Figure]) -> int:
    """Print the figures and write ``--json-out`` if asked; the script's exit code."""
    print_figures(figures)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(
            json.dumps([f.to_json() for f in figures], ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    return 0


def start(args: argparse.Namespace) -> int:
    """Print the header (unless ``--no-header``); returns N."""
    if not args.no_header:
        print_machine()
    return dossiers_arg(args)
