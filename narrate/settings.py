"""Where narrate keeps per-user state. ``NARRATE_HOME`` moves all of it (tests point it at a temp dir)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path | None:
    """``$NARRATE_HOME`` when set."""
    value = os.environ.get("NARRATE_HOME")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The user cache directory: ``$NARRATE_HOME/cache``, else the platform's (~/.cache/narrate)."""
    root = home()
    if root is not None:
        return root / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("narrate", appauthor=False))
