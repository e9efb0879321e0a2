"""Where narrate keeps per-user state, and the one strict TOML reader every settings file goes through.

``NARRATE_HOME`` moves all state (tests point it at a temp dir). Settings files (feed.toml, voice profiles,
casts, lexicons) are read with :func:`parse_toml`, which refuses keys it does not know: a typo in a
setting must fail loudly, not be ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from narrate.errors import ConfigError


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


STATE_FILES = ("service.sqlite", "service.sqlite-wal", "service.sqlite-shm", "service.lock")
"""The publish service's files in :func:`state_dir`: tokens (hashed), webhook secrets, the job store. They
never belong on the web, so ``narrate serve`` refuses them by name wherever they are."""


def state_dir() -> Path:
    """Where the publish service keeps its state: ``$NARRATE_HOME/state``, else the platform's
    (~/.local/state/narrate); never inside a feeds folder, which is published as static files."""
    root = home()
    if root is not None:
        return root / "state"
    from platformdirs import user_state_dir

    return Path(user_state_dir("narrate", appauthor=False))


def parse_toml(text: str, where: str, known: Collection[str] | None = None) -> dict[str, Any]:
    """The table of a TOML document; ``where`` names it in errors, and keys outside ``known`` are refused."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}: invalid TOML: {error}") from error
    if known is not None:
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return data


def read_toml(path: Path, known: Collection[str] | None = None) -> dict[str, Any]:
    """:func:`parse_toml` of a UTF-8 file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text: {error}") from error
    return parse_toml(text, str(path), known)
