"""Composition root: ``onestop gui …`` starts Qt, ``onestop server …`` the server, else the CLI.

The front ends never import each other; this module is the only place that knows both.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from onestop_desktop.paths import default_db_path


def _gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="onestop gui", description="Open the counter window.")
    parser.add_argument("--db", default=None, help="SQLite file or database URL")
    args, qt_args = parser.parse_known_args(list(argv))
    from onestop_desktop.gui.application import run  # noqa: PLC0415 - Qt only when asked

    return run(args.db or str(default_db_path()), qt_args)


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
