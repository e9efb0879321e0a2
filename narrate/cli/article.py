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
    json_option,
    narration_options,
    plural,
    read_options,
)
from narrate.model import Script
from narrate.publish.settings import placeholder_settings
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
@json_option
@friendly_errors
def article(source: str, allow_private: bool, timeout: float, feed_name: str, article_url: str | None,
            feeds_root: Path, cast: str | None, voice: str | None, force: bool, dry_run: bool,
            no_cache: bool, check_after: bool, check_model: Path | None, as_json: bool) -> None:
    """Narrate SOURCE (a file or an http(s) URL) and publish it as an episode of a feed.

    \b
    Examples:
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
      narrate article https://example.com/story --feed world-news --json
      narrate article draft.md --feed world-news --dry-run
    """
    if dry_run and check_after:
        raise click.UsageError("--check hears a published episode; a --dry-run publishes none")
    options = narrate_options(cast, voice, force, no_cache, allow_private, timeout)
    # Read first: input that is not an article must not leave a new feed folder behind.
    article = api.read_article(source, options.read)
    if article_url is not None:
        if not article_url.startswith(("http://", "https://")):
            raise click.BadParameter("must be an http(s) address", param_hint="--url")
        article = replace(article, meta=replace(article.meta, url=article_url))
    if dry_run:
        draft = api.Feed.draft(feeds_root / feed_name)
        planned = api.dry_run_article(article, draft, options)
        if as_json:
            click.echo(json.dumps(api.narration_summary(draft, planned), ensure_ascii=False))
        else:
            click.echo(format_preview(planned, draft))
        return
    feed = create_feed(feeds_root / feed_name)
    # The ASR engine first: a missing extra or model must stop us before minutes of narration.
    engine = api.asr_engine(feed, check_model) if check_after else None
    bar: Any = None

    def started(script: Script) -> None:
        nonlocal bar
        if as_json:
            return
        total = sum(1 for _ in script.sentences())
        bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def advanced(_take: object) -> None:
        if bar is not None:
            bar.update(1)

    try:
        result = api.narrate_article(article, feed, options, on_script=started, progress=advanced)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    episode = result.episode
    assert episode is not None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    checked = None
    if engine is not None:
        _, checked = api.check_episode(feed, episode.guid, engine=engine, narrate_options=options)
    if as_json:
        summary = api.narration_summary(feed, result)
        if checked is not None:
            summary["check"] = {"flagged": [s.index for s in checked.flagged],
                                "suspects": sorted({w for s in checked.flagged for w in s.suspects}),
                                "heard_back": len(checked.heard), "sentences": len(checked.sentences),
                                "wer": round(checked.wer, 4)}
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_narration(result, feed)
        if checked is not None:
            from narrate.cli.check import format_check

            click.echo(format_check(checked))
    if checked is not None and checked.flagged:
        click.echo(f"  narrate check {feed.name} {episode.guid} --suggest proposes fixes", err=True)
        sys.exit(1)


def _print_narration(result: api.Narration, feed: api.Feed) -> None:
    episode = result.episode
    assert episode is not None
    click.echo(f"{episode.title}")
    if result.status is api.Status.UNCHANGED:
        click.echo("  unchanged since it was last published; nothing to do (--force renders it again)")
        click.echo(f"  feed: {feed.path / 'feed.xml'} (unchanged)")
        return
    click.echo(f"  {plural(result.sentences, 'sentence')}, {result.cache_hits} from the cache")
    click.echo(f"  {episode.duration / 60:.1f} min, {plural(len(episode.chapters), 'chapter')}, "
               f"{episode.audio.size / 1e6:.2f} MB -> {feed.path / 'episodes' / episode.audio.name}")
    click.echo(f"  feed: {feed.path / 'feed.xml'}")


ACTIONS = {
    api.Action.NEW: "would publish a new episode",
    api.Action.REPLACE: "would replace the published episode (same GUID, new files)",
    api.Action.UNCHANGED: "unchanged since it was last published; a real run would do nothing",
}


def format_preview(planned: api.Narration, feed: api.Feed) -> str:
    """A dry run's report: what would be published, by which voices, and that nothing was written."""
    preview = planned.preview
    assert preview is not None
    exists = (feed.path / "feed.toml").exists()
    voices = ", ".join(f"{role}: {name}" for role, name in preview.voices.items())
    lines = [
        f"{planned.title}",
        f"  dry run: {ACTIONS[preview.action]} in {feed.path}" + ("" if exists else " (a new feed)"),
        f"  GUID {planned.guid}",
        f"  {plural(planned.sentences, 'sentence')} in {plural(preview.chapters, 'chapter')}, "
        f"about {preview.estimated_duration / 60:.1f} min",
        f"  voices (each heard once): {voices}",
        "  nothing was written",
    ]
    return "\n".join(lines)


def create_feed(path: Path) -> api.Feed:
    """The feed in ``path``, created when new; says on stderr what it wrote and, on every run, which of its
    settings are still placeholders (a feed at example.org reaches no listener)."""
    feed, created = api.create_feed(path)
    for written in created:
        click.echo(f"created {written} with a title from its folder name and placeholder addresses", err=True)
    placeholders = placeholder_settings(feed.settings)
    if placeholders:
        click.echo(f"warning: {feed.path / 'feed.toml'} still has placeholders: {'; '.join(placeholders)} — "
                   "edit them before publishing (a preview works anyway: narrate page + narrate serve)", err=True)
    return feed


def narrate_options(cast: str | None, voice: str | None, force: bool, no_cache: bool,
                    allow_private: bool, timeout: float) -> api.NarrateOptions:
    """The NarrateOptions of ``narration_options`` and ``read_options``."""
    return api.NarrateOptions(cast=cast, voice=voice, force=force, use_cache=not no_cache,
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
