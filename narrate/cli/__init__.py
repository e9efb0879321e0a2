"""The `narrate` command: thin click commands over `narrate.api`, one module per command group."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from narrate import __version__, api
from narrate.cli.common import friendly_errors
from narrate.model import Script, Take
from narrate.sources.read import ReadOptions


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="narrate")
def main() -> None:
    """Turn news articles into narrated podcast episodes.

    \b
    Examples:
      narrate script examples/nationpress-coupang-breach.txt
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
      narrate feed rebuild world-news
    """


def _feeds_root(out: Path | None) -> Path:
    return out if out is not None else Path("feeds")


_read_options = [
    click.option("--allow-private", is_flag=True,
                 help="Allow URLs on private or loopback addresses (a local test server)."),
    click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
                 help="Seconds allowed for fetching a URL."),
]


def read_options(command: Any) -> Any:
    """Add the options that say how a SOURCE file or URL is read."""
    for option in reversed(_read_options):
        command = option(command)
    return command


@main.command()
@click.argument("source")
@read_options
@click.option("--feed", "feed_name", required=True, help="Feed to publish into: feeds/NAME/ (created if new).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the feeds (default: ./feeds).")
@click.option("--cast", default=None, help="Voice cast to read with (default: the feed's).")
@click.option("--voice", default=None, help="One voice profile for everything, overriding the cast.")
@click.option("--force", is_flag=True, help="Render and publish again even if nothing changed.")
@click.option("--dry-run", is_flag=True, help="Use the fake engine (tones, instantly) to check the whole flow.")
@click.option("--no-cache", is_flag=True, help="Synthesize every sentence; neither read nor fill the cache.")
@friendly_errors
def article(source: str, allow_private: bool, timeout: float, feed_name: str, out: Path | None, cast: str | None,
            voice: str | None, force: bool, dry_run: bool, no_cache: bool) -> None:
    """Narrate SOURCE (a file or an http(s) URL) and publish it as an episode of a feed.

    \b
    Example:
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
    """
    feed_dir = _feeds_root(out) / feed_name
    if dry_run:
        voice = "fake"
    options = api.NarrateOptions(cast=cast, voice=voice, force=force, use_cache=not no_cache,
                                 read=ReadOptions(allow_private=allow_private, timeout=timeout))
    bar: Any = None
    cached = 0

    def started(script: Script) -> None:
        nonlocal bar
        total = sum(1 for _ in script.sentences())
        bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def advanced(take: Take) -> None:
        nonlocal cached
        cached += take.cached
        bar.update(1)

    try:
        episode = api.narrate_article(source, feed_dir, options, on_script=started, progress=advanced)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"{episode.title}")
    if bar is None:
        click.echo("  unchanged since it was last published; nothing to do (--force renders it again)")
    else:
        click.echo(f"  {bar.length} sentences, {cached} from the cache")
    click.echo(f"  {episode.duration / 60:.1f} min, {len(episode.chapters)} chapters, "
               f"{episode.audio.size / 1e6:.2f} MB -> {feed_dir / 'episodes' / episode.audio.name}")
    click.echo(f"  feed: {feed_dir / 'feed.xml'}")


@main.command()
@click.argument("source")
@read_options
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON.")
@click.option("--cast", default=None, help="Voice cast (decides which voice reads each part).")
@click.option("--voice", default=None, help="One voice profile for everything.")
@friendly_errors
def script(source: str, allow_private: bool, timeout: float, as_json: bool, cast: str | None,
           voice: str | None) -> None:
    """Print what would be spoken for SOURCE, without synthesizing anything.

    \b
    Example:
      narrate script examples/nationpress-coupang-breach.txt
    """
    from narrate.voice.engines.base import EngineRegistry

    options = api.NarrateOptions(cast=cast, voice=voice)
    chosen = api.choose_cast(options)
    article = api.read_article(source, ReadOptions(allow_private=allow_private, timeout=timeout))
    result = api.build_script(article, chosen, EngineRegistry.from_entry_points(), api.load_preparer(chosen),
                              options.segment)
    if as_json:
        click.echo(json.dumps(script_to_json(result, chosen), ensure_ascii=False, indent=1))
    else:
        click.echo(format_script(result, chosen))


def script_to_json(result: Script, cast: Any) -> dict[str, Any]:
    """The script as plain data."""
    meta = asdict(result.meta)
    meta["date"] = result.meta.date.isoformat() if result.meta.date else None
    return {
        "meta": meta,
        "chapters": [
            {"title": c.title, "role": c.role.value, "sentences": [
                {"role": s.role.value, "voice": cast.profile_for(s.role).name, "written": s.written,
                 "spoken": s.spoken, "substitutions": [list(p) for p in s.substitutions]}
                for s in c.sentences]}
            for c in result.chapters
        ],
    }


def format_script(result: Script, cast: Any) -> str:
    """The script as an editor reads it: chapters, voices, and what changes between text and speech."""
    meta = result.meta
    lines = [f"# {meta.title}",
             f"  publisher: {meta.publisher or '-'}   date: {meta.date or '-'}   dateline: {meta.dateline or '-'}"]
    for number, chapter in enumerate(result.chapters, start=1):
        lines += ["", f"## {number}. {chapter.title}  [{chapter.role.value}]"]
        for sentence in chapter.sentences:
            voice = cast.profile_for(sentence.role).name
            lines.append(f"  ({voice}) {sentence.spoken}")
            for written, replacement in sentence.substitutions:
                lines.append(f"      ~ {written!r} -> {replacement!r}")
    return "\n".join(lines)


@main.group()
def cache() -> None:
    """Inspect and trim the sentence audio cache."""


def _audio_cache(cache_dir: Path | None) -> Any:
    from narrate.voice.cache import AudioCache

    return api.NarrateOptions(cache_dir=cache_dir).audio_cache() or AudioCache(Path("."))


_cache_dir_option = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                                 help="Cache directory (default: $NARRATE_HOME/cache or the user cache dir).")


@cache.command("info")
@_cache_dir_option
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
def cache_prune(cache_dir: Path | None, max_size: str | None) -> None:
    """Evict least recently used sentences until the cache fits its bound."""
    audio_cache = _audio_cache(cache_dir)
    removed = audio_cache.prune(_size(max_size) if max_size else None)
    click.echo(f"removed {removed} entries; {audio_cache.info().bytes / 1e6:.1f} MB left")


@cache.command("clear")
@_cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached sentence."""
    click.echo(f"removed {_audio_cache(cache_dir).clear()} entries")


def _attach_commands() -> None:
    from narrate.cli.batch import batch
    from narrate.cli.feed import feed
    from narrate.cli.lexicon import lexicon
    from narrate.cli.read import read
    from narrate.cli.voices import voices
    from narrate.cli.web import WEB_COMMANDS

    main.add_command(feed)
    main.add_command(lexicon)
    main.add_command(read)
    main.add_command(voices)
    for command in WEB_COMMANDS:
        main.add_command(command)
    main.add_command(batch)


_attach_commands()
