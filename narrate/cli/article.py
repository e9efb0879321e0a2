"""``narrate article`` and ``narrate script``: one article narrated into a feed, or only scripted."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import click

from narrate import api
from narrate.cli.common import (
    cast_options,
    check_options,
    feeds_option,
    friendly_errors,
    narration_options,
    plural,
    read_options,
)
from narrate.model import Script
from narrate.sources.read import ReadOptions
from narrate.voice.profiles import Cast


@click.command()
@click.argument("source")
@read_options
@click.option("--feed", "feed_name", required=True, help="Feed to publish into: feeds/NAME/ (created if new).")
@click.option("--url", "article_url", default=None, metavar="URL",
              help="The article's address (when SOURCE is a file): the episode's link and show-notes link.")
@feeds_option
@narration_options
@check_options
@friendly_errors
def article(source: str, allow_private: bool, timeout: float, feed_name: str, article_url: str | None,
            feeds_root: Path, cast: str | None, voice: str | None, force: bool, dry_run: bool,
            no_cache: bool, check_after: bool, check_model: Path | None) -> None:
    """Narrate SOURCE (a file or an http(s) URL) and publish it as an episode of a feed.

    \b
    Example:
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
    """
    options = narrate_options(cast, voice, force, dry_run, no_cache, allow_private, timeout)
    # Read first: input that is not an article must not leave a new feed folder behind.
    article = api.read_article(source, options.read)
    if article_url is not None:
        if not article_url.startswith(("http://", "https://")):
            raise click.BadParameter("must be an http(s) address", param_hint="--url")
        article = replace(article, meta=replace(article.meta, url=article_url))
    feed = create_feed(feeds_root / feed_name)
    # The ASR engine first: a missing extra or model must stop us before minutes of narration.
    engine = api.asr_engine(feed, check_model) if check_after else None
    bar: Any = None

    def started(script: Script) -> None:
        nonlocal bar
        total = sum(1 for _ in script.sentences())
        bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_pos=True)
        bar.__enter__()

    try:
        result = api.narrate_article(article, feed, options, on_script=started, progress=lambda _: bar.update(1))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    episode = result.episode
    assert episode is not None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{episode.title}")
    if result.status is api.Status.UNCHANGED:
        click.echo("  unchanged since it was last published; nothing to do (--force renders it again)")
        click.echo(f"  feed: {feed.path / 'feed.xml'} (unchanged)")
        return
    click.echo(f"  {plural(result.sentences, 'sentence')}, {result.cache_hits} from the cache")
    click.echo(f"  {episode.duration / 60:.1f} min, {plural(len(episode.chapters), 'chapter')}, "
               f"{episode.audio.size / 1e6:.2f} MB -> {feed.path / 'episodes' / episode.audio.name}")
    click.echo(f"  feed: {feed.path / 'feed.xml'}")
    if engine is not None:
        from narrate.cli.check import format_check

        _, checked = api.check_episode(feed, episode.guid, engine=engine, narrate_options=options)
        click.echo(format_check(checked))
        if checked.flagged:
            click.echo(f"  narrate check {feed.name} {episode.guid} --suggest proposes fixes", err=True)
            sys.exit(1)


def create_feed(path: Path) -> api.Feed:
    """The feed in ``path``, created when new; says on stderr what it wrote."""
    feed, created = api.create_feed(path)
    for written in created:
        click.echo(f"created {written} (edit its title, base_url and email before publishing)", err=True)
    return feed


def narrate_options(cast: str | None, voice: str | None, force: bool, dry_run: bool, no_cache: bool,
                    allow_private: bool, timeout: float) -> api.NarrateOptions:
    """The NarrateOptions of ``narration_options`` and ``read_options``."""
    return api.NarrateOptions(cast=cast, voice="fake" if dry_run else voice, force=force, use_cache=not no_cache,
                              read=ReadOptions(allow_private=allow_private, timeout=timeout))


@click.command()
@click.argument("source")
@read_options
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON.")
@cast_options
@friendly_errors
def script(source: str, allow_private: bool, timeout: float, as_json: bool, cast: str | None,
           voice: str | None) -> None:
    """Print what would be spoken for SOURCE, without synthesizing anything.

    \b
    Example:
      narrate script examples/nationpress-coupang-breach.txt
    """
    article = api.read_article(source, ReadOptions(allow_private=allow_private, timeout=timeout))
    result, chosen = api.script_article(article, api.NarrateOptions(cast=cast, voice=voice))
    if as_json:
        click.echo(json.dumps(script_to_json(result, chosen), ensure_ascii=False, indent=1))
    else:
        click.echo(format_script(result, chosen))


def script_to_json(result: Script, cast: Cast) -> dict[str, Any]:
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


def format_script(result: Script, cast: Cast) -> str:
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
