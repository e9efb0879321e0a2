"""The library API: the calls the CLI, a web service, a batch driver or a Dask worker make.

It is the edge where paths become values: a feed folder is opened once into a ``Feed`` (with the show page
as its view) and the value goes down into :mod:`narrate.pipeline`, which every narration runs through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from narrate.model import Article, Episode, Script, Take
from narrate.pipeline import (
    NarrateOptions,
    Narration,
    Status,
    build_script,
    choose_cast,
    feed_cast,
    load_preparer,
    narrate,
)
from narrate.publish import episode as publishing
from narrate.publish.feed import Feed
from narrate.publish.names import slugify
from narrate.script import SpeechPreparer
from narrate.sources.read import ReadOptions, read_source
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.profiles import Cast

__all__ = [
    "Feed",
    "NarrateOptions",
    "Narration",
    "Status",
    "build_script",
    "choose_cast",
    "create_feed",
    "feed_cast",
    "list_episodes",
    "load_preparer",
    "narrate_article",
    "open_feed",
    "read_article",
    "rebuild_feed",
    "remove_episode",
    "script_article",
    "slugify",
]


def open_feed(feed: Feed | Path) -> Feed:
    """A feed folder opened into a value, with the show page rendered after each feed.xml; writes nothing."""
    if isinstance(feed, Feed):
        return feed
    from narrate.web.show import show_page_view

    return Feed.open(feed, views=(show_page_view,))


def create_feed(path: Path) -> tuple[Feed, list[Path]]:
    """The feed in ``path``, created with a default feed.toml when there is none; returns the files written."""
    from narrate.web.show import show_page_view

    return Feed.open_or_create(path, views=(show_page_view,))


def read_article(source: str | Path, options: ReadOptions | None = None) -> Article:
    """Read and clean an article from a file or an http(s) URL (HTML, Markdown or a text page dump)."""
    return read_source(str(source), options)


def script_article(article: Article, options: NarrateOptions | None = None, *, feed: Feed | None = None,
                   registry: EngineRegistry | None = None) -> tuple[Script, Cast]:
    """What would be spoken, by which voices: the spoken script and its cast (nothing is synthesized)."""
    options = options or NarrateOptions()
    cast = feed_cast(feed, options) if feed is not None else choose_cast(options)
    registry = registry or EngineRegistry.from_entry_points()
    return build_script(article, cast, registry, load_preparer(cast, feed), options.segment), cast


def narrate_article(
    source: str | Path | Article,
    feed: Feed | Path,
    options: NarrateOptions | None = None,
    *,
    registry: EngineRegistry | None = None,
    preparer: SpeechPreparer | None = None,
    progress: Callable[[Take], None] | None = None,
    on_script: Callable[[Script], None] | None = None,
    now: dt.datetime | None = None,
) -> Narration:
    """Narrate one article into a feed: publish its episode and rewrite the feed (or find it unchanged)."""
    return narrate(source, open_feed(feed), options or NarrateOptions(),
                   registry or EngineRegistry.from_entry_points(), preparer=preparer, progress=progress,
                   on_script=on_script, now=now)


def rebuild_feed(feed: Feed | Path, now: dt.datetime | None = None) -> int:
    """Rewrite feed.xml from the stored records (and drop files none references); returns the episode count."""
    return publishing.rebuild(open_feed(feed), now or dt.datetime.now(dt.UTC))


def remove_episode(feed: Feed | Path, key: str, now: dt.datetime | None = None) -> Episode:
    """Take an episode (by GUID or slug) out of a feed; its files are removed once feed.xml no longer lists it."""
    return publishing.remove(open_feed(feed), key, now or dt.datetime.now(dt.UTC))


def list_episodes(feed: Feed | Path) -> list[Episode]:
    """A feed's stored episodes, newest first."""
    return open_feed(feed).store.episodes()
