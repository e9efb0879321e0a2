"""Episode records -> feed.xml, with feedgen and its podcast (iTunes) extension.

The clock is a parameter: feedgen stamps ``lastBuildDate`` with "now", and a golden feed needs a fixed one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from narrate import __version__
from narrate.model import Episode
from narrate.publish.feedconfig import FeedConfig


def itunes_duration(seconds: float) -> str:
    """HH:MM:SS, as Apple documents it."""
    total = round(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def build_feed(config: FeedConfig, episodes: Sequence[Episode], now: dt.datetime) -> bytes:
    """The RSS 2.0 document of a feed, newest episode first."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.load_extension("podcast")
    feed.title(config.title)
    feed.description(config.description)
    # feedgen's RSS <link> is the last link added, so the self link goes first.
    feed.link(href=config.feed_url, rel="self")
    feed.link(href=config.link or config.base_url, rel="alternate")
    feed.language(config.language)
    feed.generator(f"narrate {__version__}", uri="https://pypi.org/project/narrate/")
    feed.lastBuildDate(now)
    feed.author({"name": config.author, **({"email": config.email} if config.email else {})})
    feed.podcast.itunes_author(config.author)
    feed.podcast.itunes_category(config.category, config.subcategory)
    feed.podcast.itunes_explicit("yes" if config.explicit else "no")
    feed.podcast.itunes_type("episodic")
    if config.email:
        feed.podcast.itunes_owner(name=config.author, email=config.email)
    if config.image:
        feed.podcast.itunes_image(config.image)
        feed.image(url=config.image, title=config.title, link=config.link or config.base_url)
    # feedgen prepends each new entry; adding oldest first leaves the newest at the top.
    for episode in sorted(episodes, key=lambda e: (e.published, e.guid)):
        entry = feed.add_entry()
        entry.guid(episode.guid, permalink=False)
        entry.title(episode.title)
        entry.description(episode.description)
        if episode.link:
            entry.link(href=episode.link)
        entry.pubDate(episode.published)
        entry.enclosure(config.episode_url(episode.audio.name), str(episode.audio.size), episode.audio.mime_type)
        entry.podcast.itunes_duration(itunes_duration(episode.duration))
        entry.podcast.itunes_episode_type("full")
        if episode.author:
            entry.podcast.itunes_author(episode.author)
    return bytes(feed.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8"))
