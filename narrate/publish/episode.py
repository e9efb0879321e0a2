"""Publishing one episode into a feed, and keeping the feed folder tidy.

Order matters for readers of the feed: the encoded files are written to the media location under
content-hashed names (by a batch worker, possibly on another machine); then, under the feed's lock, the
record is saved, feed.xml is replaced, the feed's views (the show page) are rendered, and only then are
files that no record references any more removed. An edited article therefore gets a new enclosure under
the same GUID, and its old file disappears only once the feed no longer points to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from narrate.errors import ConfigError, PublishError
from narrate.model import ArticleMeta, Episode, EpisodeCheck, EpisodeFile, Timeline
from narrate.publish.feed import Feed
from narrate.publish.files import WriteStep
from narrate.publish.names import content_name, slugify
from narrate.publish.rss import CHAPTERS_TYPE, build_feed
from narrate.publish.store import episode_guid
from narrate.publish.transcript import to_json_chapters, to_srt, to_webvtt

ARTWORK_PREFIX = "artwork-"


@dataclass(frozen=True)
class EpisodeFiles:
    """An episode's published files: the audio, then its transcripts and chapters."""

    audio: EpisodeFile
    extras: tuple[EpisodeFile, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every file name."""
        return (self.audio.name, *(f.name for f in self.extras))


@dataclass(frozen=True)
class WrittenEpisode:
    """An episode whose files are in the media location and whose record is not saved yet: what a batch
    worker hands to the one process that records it."""

    meta: ArticleMeta
    description: str
    files: EpisodeFiles
    timeline: Timeline
    render_key: str

    @property
    def guid(self) -> str:
        """The episode's GUID."""
        return episode_guid(self.meta)


def publish_file(feed: Feed, stem: str, suffix: str, mime: str, data: bytes) -> EpisodeFile:
    """Write data under a content-hashed name; an existing file of that name already holds these bytes."""
    name, digest = content_name(stem, suffix, data)
    feed.write_media(name, data)
    return EpisodeFile(name=name, mime_type=mime, size=len(data), sha256=digest)


def write_episode_files(feed: Feed, meta: ArticleMeta, audio: bytes, timeline: Timeline) -> EpisodeFiles:
    """Write the audio, transcripts and chapters to the media location (no record, no feed yet)."""
    slug = slugify(meta.title)
    encoding = feed.settings.encoding
    return EpisodeFiles(
        publish_file(feed, slug, encoding.suffix, encoding.mime_type, audio),
        (
            publish_file(feed, slug, ".vtt", "text/vtt", to_webvtt(timeline).encode()),
            publish_file(feed, slug, ".srt", "application/srt", to_srt(timeline).encode()),
            publish_file(feed, slug, ".chapters.json", CHAPTERS_TYPE, to_json_chapters(timeline).encode()),
        ),
    )


def publish_artwork(feed: Feed) -> str:
    """The artwork URL: the configured URL, the configured file published under a hashed name, or a drawn cover."""
    from narrate.publish.artwork import artwork_problems, default_artwork

    show = feed.settings.show
    if show.image_url:
        return show.image_url
    if show.image:
        source = feed.path / show.image
        data = source.read_bytes()
        problems = artwork_problems(data, source.name)
        if problems:
            raise ConfigError(f"{feed.path / 'feed.toml'}: image: {'; '.join(problems)}")
        suffix = source.suffix.lower()
    else:
        data, suffix = default_artwork(show.title), ".png"
    name = f"{ARTWORK_PREFIX}{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not (feed.path / name).exists():
        feed.write_file(WriteStep.ARTWORK, name, data)
    return show.base_url + name


def record_episode(feed: Feed, written: WrittenEpisode, now: dt.datetime, *,
                   write_feed: bool = True) -> tuple[Episode, tuple[str, ...]]:
    """Save the record of an episode whose files are written, and (unless ``write_feed`` is False) feed.xml.

    Returns the episode and the files its previous version referenced and it does not. With
    ``write_feed`` False those stay until the caller's next :func:`write_feed` is given them, because
    the feed.xml now published may still point at them.
    """
    store, media, files, meta = feed.store, feed.media, written.files, written.meta
    with feed.locked():
        missing = [name for name in files.names if not media.exists(name)]
        if missing:
            raise PublishError(f"{', '.join(missing)} vanished from {media.describe()} before the episode was "
                               "recorded (another process cleaned up); narrate the article again")
        previous = store.get(written.guid)
        if previous is not None:
            published = previous.published
        elif meta.date is not None:
            published = dt.datetime.combine(meta.date, dt.time(0, 0), tzinfo=dt.UTC)
        else:
            published = now
        episode = Episode(
            guid=written.guid, title=meta.title, description=written.description, published=published,
            duration=written.timeline.duration, audio=files.audio, link=meta.url,
            author=meta.author or meta.publisher, chapters=written.timeline.chapters, extra_files=files.extras,
            render_key=written.render_key,
        )
        store.save(episode)
        dropped: tuple[str, ...] = ()
        if previous is not None:
            dropped = tuple(n for n in (previous.audio.name, *(f.name for f in previous.extra_files))
                            if n not in files.names)
        if write_feed:
            _write_feed(feed, now, dropped)
    return episode, dropped


def write_feed(feed: Feed, now: dt.datetime, dropped: Iterable[str] = ()) -> int:
    """Rewrite feed.xml and the feed's views from the records, then remove ``dropped`` files nothing
    references; returns the number of episodes."""
    with feed.locked():
        return _write_feed(feed, now, dropped)


def _write_feed(feed: Feed, now: dt.datetime, dropped: Iterable[str] = ()) -> int:
    """feed.xml from the records, the views, then the garbage collection it allows; the caller holds the lock."""
    episodes = feed.store.episodes()
    image = publish_artwork(feed)
    feed.write_file(WriteStep.FEED_XML, "feed.xml", build_feed(feed.settings, episodes, now, image_url=image))
    for view in feed.views:
        view(feed, episodes, image)
    collect_garbage(feed, episodes, image, dropped)
    return len(episodes)


def collect_garbage(feed: Feed, episodes: list[Episode], image_url: str, dropped: Iterable[str] = ()) -> list[str]:
    """Remove episode files no record references (``dropped`` ones now, strays after a grace period) and old
    artwork; returns the names removed."""
    keep = {f.name for e in episodes for f in (e.audio, *e.extra_files)}
    removed = feed.media.collect(keep, dropped)
    current = image_url.rsplit("/", 1)[-1]
    for path in feed.path.glob(f"{ARTWORK_PREFIX}*"):
        if path.is_file() and path.name != current:
            path.unlink()
            removed.append(path.name)
    return removed


def rebuild(feed: Feed, now: dt.datetime) -> int:
    """Rewrite feed.xml from the stored records; returns the number of episodes."""
    return write_feed(feed, now)


def episodes_matching(episodes: Iterable[Episode], key: str) -> list[Episode]:
    """The episodes whose GUID, slug or audio file name is ``key``."""
    return [e for e in episodes if key in (e.guid, slugify(e.title), e.audio.name)]


def remove(feed: Feed, key: str, now: dt.datetime) -> Episode:
    """Remove the episode whose GUID, slug or audio file name is ``key``; its files go after the feed is rewritten."""
    with feed.locked():
        matches = episodes_matching(feed.store.episodes(), key)
        if not matches:
            raise PublishError(f"{feed.name}: no episode with GUID or slug '{key}'; "
                               f"`narrate feed list {feed.name}` shows them")
        if len(matches) > 1:
            raise PublishError(f"{feed.name}: '{key}' matches {len(matches)} episodes; give the GUID")
        [episode] = matches
        feed.store.remove(episode.guid)
        _write_feed(feed, now, (episode.audio.name, *(f.name for f in episode.extra_files)))
    return episode


def record_check(feed: Feed, check: EpisodeCheck, guid: str) -> Episode:
    """Store the result of ``narrate check`` with the episode's record (when the episode is still the one heard)."""
    with feed.locked():
        episode = feed.store.get(guid)
        if episode is None:
            raise PublishError(f"{feed.name}: episode {guid} was removed while it was checked")
        if episode.render_key != check.render_key:
            raise PublishError(f"{feed.name}: episode {guid} was narrated again while it was checked; check again")
        checked = replace(episode, check=check)
        feed.store.save(checked)
    return checked
