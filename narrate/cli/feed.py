"""``narrate feed``: rebuild, list, remove and validate podcast feeds."""

from __future__ import annotations

from pathlib import Path

import click

from narrate import api
from narrate.cli.common import feed_dir, feeds_option, friendly_errors, plural
from narrate.model import Episode


@click.group()
def feed() -> None:
    """Manage published feeds.

    \b
    Examples:
      narrate feed rebuild world-news
      narrate feed validate feeds/world-news/feed.xml
    """


@feed.command("rebuild")
@click.argument("name")
@feeds_option
@friendly_errors
def feed_rebuild(name: str, feeds_root: Path) -> None:
    """Rewrite feeds/NAME/feed.xml from its episode records; remove files no episode uses."""
    path = feed_dir(feeds_root, name)
    count = api.rebuild_feed(path)
    click.echo(f"{path / 'feed.xml'}: {plural(count, 'episode')}")


@feed.command("list")
@click.argument("name")
@feeds_option
@friendly_errors
def feed_list(name: str, feeds_root: Path) -> None:
    """List the episodes of feeds/NAME: GUID, slug, date, duration, check, title.

    The check column is the last `narrate check` of the episode's current files: `clean`, `N flagged`, or
    `-` (never checked, or narrated again since)."""
    for episode in api.list_episodes(feed_dir(feeds_root, name)):
        click.echo(f"{episode.guid}  {api.slugify(episode.title)}  {episode.published:%Y-%m-%d}  "
                   f"{episode.duration / 60:4.1f} min  {check_column(episode):>10}  {episode.title}")


def check_column(episode: Episode) -> str:
    """What `narrate check` last said about the episode's current files."""
    result = episode.check
    if result is None or result.render_key != episode.render_key:
        return "-"
    flagged = len(result.flagged)
    return f"{flagged} flagged" if flagged else "clean"


@feed.command("remove")
@click.argument("name")
@click.argument("episode")
@feeds_option
@friendly_errors
def feed_remove(name: str, episode: str, feeds_root: Path) -> None:
    """Remove EPISODE (a GUID or slug, see `narrate feed list NAME`) from feeds/NAME.

    \b
    Example:
      narrate feed remove world-news what-actions-will-the-presidential-office-take
    """
    removed = api.remove_episode(feed_dir(feeds_root, name), episode)
    click.echo(f"removed {removed.guid}  {removed.title}")


@feed.command("validate")
@click.argument("location")
@friendly_errors
def feed_validate(location: str) -> None:
    """Check FEED.xml or a feed URL against Apple's rules and the Podcasting 2.0 XSD; exit 1 on any error.

    \b
    Example:
      narrate feed validate feeds/world-news/feed.xml
    """
    from narrate.publish.validate import read_source, validate_feed

    findings = validate_feed(read_source(location))
    for finding in findings:
        click.echo(str(finding))
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    click.echo(f"{location}: {errors} errors, {warnings} warnings")
    if errors:
        raise SystemExit(1)
