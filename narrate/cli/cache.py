"""``narrate cache``: inspect and trim the sentence audio cache."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.cli.common import friendly_errors, plural
from narrate.pipeline import NarrateOptions
from narrate.voice.cache import AudioCache


@click.group()
def cache() -> None:
    """Inspect and trim the sentence audio cache."""


def _audio_cache(cache_dir: Path | None) -> AudioCache:
    cache = NarrateOptions(cache_dir=cache_dir).audio_cache()
    assert cache is not None  # the cache is only off when use_cache is False
    return cache


_cache_dir_option = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                                 help="Cache directory (default: $NARRATE_HOME/cache or the user cache dir).")


@cache.command("info")
@_cache_dir_option
@friendly_errors
def cache_info(cache_dir: Path | None) -> None:
    """Where the cache is, how many sentences it holds and how big it is."""
    info = _audio_cache(cache_dir).info()
    click.echo(f"path:    {info.path}")
    click.echo(f"entries: {info.entries}")
    click.echo(f"size:    {info.bytes / 1e6:.1f} MB of {info.max_bytes / 1e6:.0f} MB")


def _size(text: str) -> int:
    units = {"": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}
    number = text.rstrip("kmgbKMGB ")
    unit = text[len(number):].strip().lower()
    if unit not in units:
        raise click.BadParameter(f"{text!r}: use a size such as 500MB or 2GB")
    try:
        return int(float(number) * units[unit])
    except ValueError:
        raise click.BadParameter(f"{text!r}: use a size such as 500MB or 2GB") from None


@cache.command("prune")
@_cache_dir_option
@click.option("--max-size", default=None, help="Evict least recently used entries down to this size (e.g. 500MB).")
@friendly_errors
def cache_prune(cache_dir: Path | None, max_size: str | None) -> None:
    """Evict least recently used sentences until the cache fits its bound."""
    audio_cache = _audio_cache(cache_dir)
    removed = audio_cache.prune(_size(max_size) if max_size else None)
    click.echo(f"removed {plural(removed, 'entry', 'entries')}; {audio_cache.info().bytes / 1e6:.1f} MB left")


@cache.command("clear")
@_cache_dir_option
@friendly_errors
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached sentence."""
    click.echo(f"removed {plural(_audio_cache(cache_dir).clear(), 'entry', 'entries')}")
