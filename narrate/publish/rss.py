"""Episode records -> feed.xml with feedgen: RSS 2.0, Apple's iTunes tags and Podcasting 2.0.

The clock is a parameter: feedgen stamps ``lastBuildDate`` with "now", and a golden feed needs a fixed one.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Sequence

from narrate import __version__
from narrate.model import Episode, EpisodeFile
from narrate.publish.settings import FeedSettings

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The UUIDv5 namespace the Podcasting 2.0 ``podcast:guid`` is derived in."""
DESCRIPTION_LIMIT = 4000
"""Apple's limit on channel and item descriptions, in bytes."""
TRANSCRIPT_TYPES = ("text/vtt", "application/srt", "application/x-subrip")  # the last: records before issue 5
CHAPTERS_TYPE = "application/json+chapters"


def podcast_guid(feed_url: str) -> str:
    """``podcast:guid``: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def itunes_duration(seconds: float) -> str:
    """HH:MM:SS, as Apple documents it."""
    total = round(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def clip_bytes(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` cut at a word boundary so its UTF-8 form fits in ``limit`` bytes."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 3].decode(errors="ignore")
    return cut[: cut.rfind(" ")].rstrip() + "…" if " " in cut else cut + "…"


AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
WRITING, AUTHOR = "Writing", "Author"
CAST, NARRATOR = "Cast", "Narrator"
"""The Podcast Taxonomy groups and roles narrate credits (podcast-namespace ``taxonomy-en.json``)."""


def split_names(byline: str | None) -> tuple[str, ...]:
    """The names in a byline, one each ("A, B and C" is three)."""
    if not byline:
        return ()
    return tuple(name.strip() for name in AUTHOR_SEPARATORS.split(byline) if name.strip())


def narrator_name(voice: str) -> str:
    """How a synthetic narrating voice is credited: its profile name, marked as synthetic."""
    return f"{voice} (synthetic voice)"


def show_notes(episode: Episode) -> str:
    """The HTML of ``content:encoded``: the synopsis, the chapters, a link back to the article, the credits
    and the disclosure."""
    parts = [f"<p>{html.escape(episode.description)}</p>"]
    if episode.chapters:
        items = "".join(f"<li>{_clock(c.start)} {html.escape(c.title)}</li>" for c in episode.chapters)
        parts.append(f"<ul>{items}</ul>")
    if episode.link:
        parts.append(f'<p>Read the article: <a href="{html.escape(episode.link)}">'
                     f"{html.escape(episode.title)}</a></p>")
    credits = []
    if episode.authors:
        credits.append(f"Written by {html.escape(', '.join(episode.authors))}.")
    if episode.narrators:
        credits.append(f"Read by {html.escape(', '.join(narrator_name(v) for v in episode.narrators))}.")
    if episode.disclosure:
        credits.append(html.escape(episode.disclosure))
    if credits:
        parts.append(f"<p>{' '.join(credits)}</p>")
    return "".join(parts)


def _clock(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 60}:{total % 60:02d}" if total < 3600 else itunes_duration(total)


def _file_of(episode: Episode, mime_type: str) -> EpisodeFile | None:
    return next((f for f in episode.extra_files if f.mime_type == mime_type), None)


def build_feed(settings: FeedSettings, episodes: Sequence[Episode], now: dt.datetime,
               image_url: str | None = None) -> bytes:
    """The RSS 2.0 document of a feed, newest episode first; ``image_url`` overrides the configured image."""
    from feedgen.feed import FeedGenerator

    from narrate.publish.extensions import (
        ItunesEntryExtension,
        ItunesExtension,
        Person,
        PodcastIndexEntryExtension,
        PodcastIndexExtension,
        Transcript,
    )

    show = settings.show
    feed = FeedGenerator()
    feed.register_extension("itunes", ItunesExtension, ItunesEntryExtension)
    feed.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    feed.title(show.title)
    feed.description(clip_bytes(show.description))
    # feedgen's RSS <link> is the last link added, so the self link goes first.
    feed.link(href=settings.feed_url, rel="self", type="application/rss+xml")
    feed.link(href=show.link or show.base_url, rel="alternate")
    feed.language(show.language)
    feed.generator(f"narrate {__version__}", uri="https://pypi.org/project/narrate/")
    feed.lastBuildDate(now)
    feed.author({"name": show.author, **({"email": show.email} if show.email else {})})
    feed.itunes.itunes_author(show.author)
    feed.itunes.itunes_category(show.category, show.subcategory)
    feed.itunes.itunes_explicit(show.explicit)
    feed.itunes.itunes_type(show.itunes_type)
    if show.email:
        feed.itunes.itunes_owner(name=show.author, email=show.email)
        feed.podcastindex.locked(show.locked, show.email)
    feed.podcastindex.guid(podcast_guid(settings.feed_url))
    image = image_url or show.image_url
    if image:
        feed.itunes.itunes_image(image)
        feed.image(url=image, title=show.title, link=show.link or show.base_url)
    # feedgen prepends each new entry; adding oldest first leaves the newest at the top.
    for episode in sorted(episodes, key=lambda e: (e.published, e.guid)):
        entry = feed.add_entry()
        entry.guid(episode.guid, permalink=False)
        entry.title(episode.title)
        # Readers render <description> as HTML: article text is escaped for HTML here, then for XML by feedgen.
        entry.description(clip_bytes(html.escape(episode.description, quote=False)))
        entry.content(show_notes(episode), type="CDATA")
        if episode.link:
            entry.link(href=episode.link)
        entry.pubDate(episode.published)
        entry.enclosure(settings.enclosure_url(episode.audio.name), str(episode.audio.size),
                        episode.audio.mime_type)
        entry.itunes.itunes_duration(itunes_duration(episode.duration))
        entry.itunes.itunes_episode_type("full")
        entry.itunes.itunes_explicit(show.explicit)
        entry.itunes.itunes_author(episode.author or show.author)
        if episode.image is not None:
            entry.itunes.itunes_image(settings.episode_url(episode.image.name))
        for name in episode.authors:
            entry.podcastindex.person(Person(name, WRITING, AUTHOR))
        for voice in episode.narrators:
            entry.podcastindex.person(Person(narrator_name(voice), CAST, NARRATOR))
        # WebVTT first: apps take the first transcript they understand, and it carries the cue times.
        for mime_type in TRANSCRIPT_TYPES:
            found = _file_of(episode, mime_type)
            if found is not None:
                entry.podcastindex.transcript(Transcript(
                    url=settings.episode_url(found.name), type=mime_type,
                    rel="captions" if mime_type == "text/vtt" else None))
        chapters = _file_of(episode, CHAPTERS_TYPE)
        if chapters is not None:
            entry.podcastindex.chapters(settings.episode_url(chapters.name), CHAPTERS_TYPE)
    return bytes(feed.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8"))
