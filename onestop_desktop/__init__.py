"""OneStop Desktop: the one-stop-shop counter application (bộ phận một cửa)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("onestop-desktop")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"
