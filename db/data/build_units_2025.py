"""Generate ``units_vn_2025.csv``: Vietnam's two-level administrative units since 2025-07-01.

Source: the ``vietnam-provinces`` package (2025 structure, 34 provinces and 3,321 communes,
wards and special zones), a dev dependency of this project. Re-run after upgrading it::

    .venv/bin/python db/data/build_units_2025.py            # rewrites db/data/units_vn_2025.csv
    .venv/bin/python db/data/build_units_2025.py --check    # exit 1 if the file is stale

Codes (see ``db/data/README.md``):

* provinces keep the package's two-digit code (``"01"`` = Thành phố Hà Nội, the same unit as in
  ``units_hanoi_2020.csv``);
* communes/wards get :data:`NEW_WARD_PREFIX` before the official five-digit code
  (``"N00367"`` = Phường Thanh Xuân). The official 2025 list re-uses old ward codes for
  different, merged units (00367 was Phường Thanh Xuân Bắc until 2025-06-30), so the bare code
  cannot be the key of both. The official code is ``code.removeprefix(NEW_WARD_PREFIX)``.

Columns: ``code,name,level,parent_code,valid_from,valid_to,replaced_by``; a ward's parent is its
province. ``valid_from`` is 2025-07-01 except for the 11 provinces that Resolution
202/2025/QH15 left unchanged (blank: they existed before, so a 2020 report still finds them).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import unicodedata
from pathlib import Path

from vietnam_provinces import Province, VietNamDivisionType, Ward

OUTPUT = Path(__file__).resolve().parent / "units_vn_2025.csv"
HEADER = ("code", "name", "level", "parent_code", "valid_from", "valid_to", "replaced_by")
VALID_FROM = "2025-07-01"
NEW_WARD_PREFIX = "N"

# Provinces not merged on 2025-07-01 (Resolution 202/2025/QH15): Hà Nội, Cao Bằng, Điện Biên,
# Lai Châu, Sơn La, Lạng Sơn, Quảng Ninh, Thanh Hóa, Nghệ An, Hà Tĩnh, Huế.
UNCHANGED_PROVINCES = frozenset({1, 4, 11, 12, 14, 20, 22, 38, 40, 42, 46})


def province_code(code: int) -> str:
    """Two-digit province code, e.g. ``1`` → ``"01"``."""
    return f"{int(code):02d}"


def ward_code(code: int) -> str:
    """Unit key of a 2025 commune/ward, e.g. ``367`` → ``"N00367"``."""
    return f"{NEW_WARD_PREFIX}{int(code):05d}"


def province_name(province: Province) -> str:
    """Full official name: the package omits "Tỉnh" for provinces (but keeps "Thành phố")."""
    name = province.name
    if province.division_type == VietNamDivisionType.TINH and not name.startswith("Tỉnh "):
        name = f"Tỉnh {name}"
    return name


def build_rows() -> list[tuple[str, ...]]:
    """All rows, provinces first (by code), then wards (by province, then code)."""
    provinces = sorted(Province.iter_all(), key=lambda p: int(p.code))
    rows: list[tuple[str, ...]] = []
    for p in provinces:
        valid_from = "" if int(p.code) in UNCHANGED_PROVINCES else VALID_FROM
        rows.append((province_code(p.code), province_name(p), "province", "", valid_from, "", ""))
    wards = sorted(Ward.iter_all(), key=lambda w: (int(w.province_code), int(w.code)))
    for w in wards:
        rows.append(
            (ward_code(w.code), w.name, "ward", province_code(w.province_code), VALID_FROM, "", "")
        )
    return [tuple(unicodedata.normalize("NFC", cell) for cell in row) for row in rows]


def render(rows: list[tuple[str, ...]]) -> str:
    """CSV text (UTF-8, LF line ends, minimal quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, do not write")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    rows = build_rows()
    text = render(rows)
    provinces = sum(1 for row in rows if row[2] == "province")
    summary = f"{provinces} provinces, {len(rows) - provinces} communes/wards"
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            sys.stderr.write(f"{args.output} is stale ({summary}); re-run without --check\n")
            return 1
        sys.stdout.write(f"{args.output} is up to date ({summary})\n")
        return 0
    args.output.write_text(text, encoding="utf-8", newline="")
    sys.stdout.write(f"wrote {args.output} ({summary})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
