"""What every ``narrate`` command shares: one error handler, and the option groups several commands take.

An option group is a decorator adding the same options to each command that takes them, so a flag is
declared once: ``read_options`` (how a SOURCE is fetched), ``narration_options`` (cast, voice, cache,
force, dry run) and ``feeds_option`` (where the feeds live).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from narrate.errors import InputError, NarrateError

F = TypeVar("F", bound=Callable[..., Any])
FEEDS_ROOT = Path("feeds")


def friendly_errors(command: F) -> F:
    """Turn a NarrateError, and any filesystem error (naming the path), into one line on stderr and exit 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NarrateError as error:
            click.echo(f"narrate: error: {error}", err=True)
            sys.exit(2)
        except OSError as error:  # a filesystem fault: a full disk, a read-only folder, a file where a folder goes
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"narrate: error: {where}{error.strerror or error}", err=True)
            sys.exit(2)
        except RecursionError:
            click.echo("narrate: error: the input is nested too deeply to read", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _options(*options: Callable[[F], F]) -> Callable[[F], F]:
    def add(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return add


read_options = _options(
    click.option("--allow-private", is_flag=True,
                 help="Allow URLs on private, loopback or link-local addresses (e.g. a local test server)."),
    click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
                 help="Seconds allowed for fetching a URL."),
)
"""How a SOURCE file or URL is read: ``allow_private``, ``timeout``."""

cast_options = _options(
    click.option("--cast", default=None, help="Voice cast to read with (default: the feed's)."),
    click.option("--voice", default=None, help="One voice profile for everything, overriding the cast."),
)
"""Who reads: ``cast``, ``voice``."""

narration_options = _options(
    cast_options,
    click.option("--force", is_flag=True, help="Render and publish again even if nothing changed."),
    click.option("--dry-run", is_flag=True,
                 help="Read, script and hear each voice once, then say what would be published; write nothing "
                      "(--voice fake publishes with tones instead)."),
    click.option("--no-cache", is_flag=True, help="Synthesize every sentence; neither read nor fill the cache."),
)
"""How an article is narrated: ``cast``, ``voice``, ``force``, ``dry_run``, ``no_cache``."""

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the result as JSON (one object per article) for scripts and a CMS.")
"""Machine-readable results: ``as_json``."""

check_options = _options(
    click.option("--check", "check_after", is_flag=True,
                 help="Hear the episode back after publishing it (narrate check); exit 1 if a sentence is flagged."),
    click.option("--check-model", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="faster-whisper model folder for --check (default: check_model in feed.toml)."),
)
"""Checking what was published: ``check_after``, ``check_model``."""

feeds_option = click.option(
    "--out", "feeds_root", type=click.Path(file_okay=False, path_type=Path), default=FEEDS_ROOT,
    show_default=True, help="Directory holding the feeds.")
"""Where the feeds live: ``feeds_root``."""


def feed_dir(feeds_root: Path, name: str) -> Path:
    """The folder of the feed ``name``; an InputError when there is no feed there."""
    path = feeds_root / name
    if not (path / "feed.toml").is_file():
        raise InputError(f"no feed {name!r} in {feeds_root}; publish an article with --feed {name} first")
    return path


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 episode``, ``2 episodes``: a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
