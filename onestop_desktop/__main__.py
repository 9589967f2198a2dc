"""`python -m onestop_desktop` runs the CLI."""

from onestop_desktop.app import main

if __name__ == "__main__":
    raise SystemExit(main())
