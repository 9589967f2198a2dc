"""`python -m onestop_desktop` runs the CLI."""

from onestop_desktop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
