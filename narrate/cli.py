"""The ``narrate`` command: a thin layer over ``narrate.api`` that parses options and prints."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from narrate import __version__, api
from narrate.cli_errors import friendly_errors
from narrate.model import Script, Take


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


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--feed", "feed_name", required=True, help="Feed to publish into: feeds/NAME/ (created if new).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the feeds (default: ./feeds).")
@click.option("--cast", default=None, help="Voice cast to read with (default: the feed's).")
@click.option("--voice", default=None, help="One voice profile for everything, overriding the cast.")
@friendly_errors
def article(source: Path, feed_name: str, out: Path | None, cast: str | None, voice: str | None) -> None:
    """Narrate SOURCE and publish it as an episode of a feed.

    \b
    Example:
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
    """
    feed_dir = _feeds_root(out) / feed_name
    options = api.NarrateOptions(cast=cast, voice=voice)
    bar: Any = None

    def started(script: Script) -> None:
        nonlocal bar
        total = sum(1 for _ in script.sentences())
        bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def advanced(take: Take) -> None:
        bar.update(1)

    try:
        episode = api.narrate_article(source, feed_dir, options, on_script=started, progress=advanced)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"{episode.title}")
    click.echo(f"  {episode.duration / 60:.1f} min, {len(episode.chapters)} chapters, "
               f"{episode.audio.size / 1e6:.2f} MB -> {feed_dir / 'episodes' / episode.audio.name}")
    click.echo(f"  feed: {feed_dir / 'feed.xml'}")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON.")
@click.option("--cast", default=None, help="Voice cast (decides which voice reads each part).")
@click.option("--voice", default=None, help="One voice profile for everything.")
@friendly_errors
def script(source: Path, as_json: bool, cast: str | None, voice: str | None) -> None:
    """Print what would be spoken for SOURCE, without synthesizing anything.

    \b
    Example:
      narrate script examples/nationpress-coupang-breach.txt
    """
    from narrate.engines.base import EngineRegistry
    from narrate.speech import SpeechPreparer

    options = api.NarrateOptions(cast=cast, voice=voice)
    chosen = api.choose_cast(options)
    result = api.build_script(api.read_article(source), chosen, EngineRegistry.from_entry_points(),
                              SpeechPreparer.load(), options.segment)
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


def _attach_feed_commands() -> None:
    from narrate.cli_feed import feed

    main.add_command(feed)


_attach_feed_commands()
