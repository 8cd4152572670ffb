"""The server's version, as the installed distribution reports it."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("scheduleflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0.0.0+unknown"
