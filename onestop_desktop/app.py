"""Composition root: ``onestop gui …`` starts Qt, ``onestop server …`` the server, else the CLI.

The front ends never import each other; this module is the only place that knows both.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from onestop_desktop.paths import default_db_path


def _gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="onestop gui",
        description="Mở cửa sổ quầy; --kiosk: máy lấy số; --display: màn hình gọi số (TV).",
    )
    parser.add_argument("--db", default=None, help="SQLite file or database URL")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--kiosk", action="store_true", help="máy lấy số thứ tự toàn màn hình (cảm ứng)"
    )
    mode.add_argument(
        "--display", action="store_true", help="màn hình gọi số toàn màn hình (TV, loa)"
    )
    parser.add_argument(
        "--screen",
        type=int,
        default=None,
        metavar="N",
        help="màn hình thứ N (0 = màn hình chính) cho --display/--kiosk",
    )
    args, qt_args = parser.parse_known_args(list(argv))
    if args.screen is not None and not (args.kiosk or args.display):
        parser.error("--screen chỉ dùng với --display hoặc --kiosk")
    db = args.db or str(default_db_path())
    if args.kiosk:
        from onestop_desktop.gui.application import run_kiosk  # noqa: PLC0415

        return run_kiosk(db, qt_args, screen=args.screen)
    if args.display:
        from onestop_desktop.gui.application import run_display  # noqa: PLC0415

        return run_display(db, qt_args, screen=args.screen)
    from onestop_desktop.gui.application import run  # noqa: PLC0415 - Qt only when asked

    return run(db, qt_args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``onestop`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    # `onestop [--db X] gui …`: pull a leading --db through to the GUI.
    lead: list[str] = []
    while args and args[0] in ("--db",) and len(args) > 1:
        lead += args[:2]
        args = args[2:]
    if args and args[0] == "gui":
        return _gui([*lead, *args[1:]])
    if args and args[0] == "server":
        from onestop_desktop.server.cli import main as server_main  # noqa: PLC0415

        return server_main([*args[1:], *lead])
    from onestop_desktop.cli import main as cli_main  # noqa: PLC0415

    return cli_main([*lead, *args])
