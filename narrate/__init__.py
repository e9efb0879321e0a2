"""narrate: turn news articles into narrated podcast episodes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("narrate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
