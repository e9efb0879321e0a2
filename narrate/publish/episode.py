"""Publishing one episode into a feed directory, and keeping the directory tidy.

Order matters for readers of the feed: the audio is mastered and encoded in a scratch directory;
the files are written to the media location under content-hashed names (by a batch worker, possibly
on another machine); then, under the feed's lock, the record is saved, feed.xml is replaced, and only
then are files that no record references any more removed. An edited article therefore gets a new
enclosure under the same GUID, and its old file disappears only once the feed no longer points to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.encode import EncodedEpisode
from narrate.audio.mastering import MasterOptions
from narrate.errors import ConfigError, PublishError
from narrate.model import ArticleMeta, Episode, EpisodeFile, Timeline
from narrate.publish.files import write_atomic
from narrate.publish.media import MediaStore
from narrate.publish.rss import CHAPTERS_TYPE, build_feed
from narrate.publish.settings import FeedConfig
from narrate.publish.store import EpisodeStore, episode_guid
from narrate.publish.transcript import to_json_chapters, to_srt, to_webvtt

ARTWORK_PREFIX = "artwork-"


def master_options(config: FeedConfig, feed_dir: Path) -> MasterOptions:
    """The production a feed asks for (intro, outro, music bed), with paths resolved."""

    def resolve(name: str | None) -> Path | None:
        return feed_dir / name if name else None

    return MasterOptions(intro=resolve(config.intro), outro=resolve(config.outro),
                         music_bed=resolve(config.music_bed))


@dataclass(frozen=True)
class EpisodeFiles:
    """An episode's published files: the audio, then its transcripts and chapters."""

    audio: EpisodeFile
    extras: tuple[EpisodeFile, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every file name."""
        return (self.audio.name, *(f.name for f in self.extras))


def content_name(stem: str, suffix: str, data: bytes) -> tuple[str, str]:
    """A content-hashed ASCII file name for ``data``, and the full digest."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{stem}-{digest[:16]}{suffix}", digest


def publish_file(media: MediaStore, stem: str, suffix: str, mime: str, data: bytes) -> EpisodeFile:
    """Write data under a content-hashed name; an existing file of that name already holds these bytes."""
    name, digest = content_name(stem, suffix, data)
    media.write(name, data)
    return EpisodeFile(name=name, mime_type=mime, size=len(data), sha256=digest)


def write_episode_files(encoded: EncodedEpisode, slug: str, media: MediaStore) -> EpisodeFiles:
    """Write the audio, transcripts and chapters to the media location (no record, no feed yet)."""
    timeline = encoded.timeline
    audio = publish_file(media, slug, encoded.options.suffix, encoded.options.mime_type, encoded.audio)
    extras = (
        publish_file(media, slug, ".vtt", "text/vtt", to_webvtt(timeline).encode()),
        publish_file(media, slug, ".srt", "application/srt", to_srt(timeline).encode()),
        publish_file(media, slug, ".chapters.json", CHAPTERS_TYPE, to_json_chapters(timeline).encode()),
    )
    return EpisodeFiles(audio, extras)


def publish_artwork(feed_dir: Path, config: FeedConfig) -> str:
    """The artwork URL: the configured URL, the configured file published under a hashed name, or a drawn cover."""
    from narrate.publish.artwork import artwork_problems, default_artwork

    if config.image_url:
        return config.image_url
    if config.image:
        source = feed_dir / config.image
        data = source.read_bytes()
        problems = artwork_problems(data, source.name)
        if problems:
            raise ConfigError(f"{feed_dir / 'feed.toml'}: image: {'; '.join(problems)}")
        suffix = source.suffix.lower()
    else:
        data, suffix = default_artwork(config.title), ".png"
    name = f"{ARTWORK_PREFIX}{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not (feed_dir / name).exists():
        write_atomic(feed_dir / name, data)
    return config.base_url + name


def publish_encoded(encoded: EncodedEpisode, meta: ArticleMeta, description: str, slug: str, feed_dir: Path,
                    config: FeedConfig, now: dt.datetime, render_key: str = "") -> Episode:
    """Write the files, then the record and feed.xml under the feed's lock, then remove what nothing references.

    ``render_key`` is the digest of everything the files were made from (see ``api.render_key``).
    """
    files = write_episode_files(encoded, slug, config.media_store(feed_dir))
    episode, _ = publish_record(files, encoded.timeline, meta, description, feed_dir, config, now, render_key)
    return episode


def publish_record(files: EpisodeFiles, timeline: Timeline, meta: ArticleMeta, description: str, feed_dir: Path,
                   config: FeedConfig, now: dt.datetime, render_key: str = "", *,
                   write_feed: bool = True) -> tuple[Episode, tuple[str, ...]]:
    """Save the record of an episode whose files are written, and (unless ``write_feed`` is False) feed.xml.

    Returns the episode and the files its previous version referenced and it does not. With
    ``write_feed`` False those stay until the caller's next :func:`write_feed` is given them, because
    the feed.xml now published may still point at them.
    """
    store = EpisodeStore(feed_dir)
    media = config.media_store(feed_dir)
    guid = episode_guid(meta)
    with store.locked():
        missing = [name for name in files.names if not media.exists(name)]
        if missing:
            raise PublishError(f"{', '.join(missing)} vanished from {media.describe()} before the episode was "
                               "recorded (another process cleaned up); narrate the article again")
        previous = store.get(guid)
        if previous is not None:
            published = previous.published
        elif meta.date is not None:
            published = dt.datetime.combine(meta.date, dt.time(0, 0), tzinfo=dt.UTC)
        else:
            published = now
        episode = Episode(
            guid=guid, title=meta.title, description=description, published=published,
            duration=timeline.duration, audio=files.audio, link=meta.url, author=meta.author or meta.publisher,
            chapters=timeline.chapters, extra_files=files.extras, render_key=render_key,
        )
        store.save(episode)
        dropped: tuple[str, ...] = ()
        if previous is not None:
            dropped = tuple(n for n in (previous.audio.name, *(f.name for f in previous.extra_files))
                            if n not in files.names)
        if write_feed:
            _write_feed(store, config, now, dropped)
    return episode, dropped


def write_feed(feed_dir: Path, config: FeedConfig, now: dt.datetime, dropped: Iterable[str] = ()) -> int:
    """Rewrite feed.xml and the show page from the records, then remove ``dropped`` files nothing references."""
    store = EpisodeStore(feed_dir)
    with store.locked():
        return _write_feed(store, config, now, dropped)


def _write_feed(store: EpisodeStore, config: FeedConfig, now: dt.datetime, dropped: Iterable[str] = ()) -> int:
    """feed.xml from the records, then the garbage collection it allows; the caller holds the lock."""
    episodes = store.episodes()
    image = publish_artwork(store.feed_dir, config)
    write_atomic(store.feed_dir / "feed.xml", build_feed(config, episodes, now, image_url=image))
    # The show page lists the same episodes as the feed, so it is rewritten with it.
    from narrate.web.show import write_feed_show_page

    write_feed_show_page(store.feed_dir, config, episodes, image)
    collect_garbage(store.feed_dir, config, episodes, image, dropped)
    return len(episodes)


def collect_garbage(feed_dir: Path, config: FeedConfig, episodes: list[Episode], image_url: str,
                    dropped: Iterable[str] = ()) -> list[str]:
    """Remove episode files no record references (``dropped`` ones now, strays after a grace period) and old
    artwork; returns the names removed."""
    keep = {f.name for e in episodes for f in (e.audio, *e.extra_files)}
    removed = config.media_store(feed_dir).collect(keep, dropped)
    current = image_url.rsplit("/", 1)[-1]
    for path in feed_dir.glob(f"{ARTWORK_PREFIX}*"):
        if path.is_file() and path.name != current:
            path.unlink()
            removed.append(path.name)
    return removed


def rebuild(feed_dir: Path, config: FeedConfig, now: dt.datetime) -> int:
    """Rewrite feed.xml from the stored records; returns the number of episodes."""
    store = EpisodeStore(feed_dir)
    with store.locked():
        return _write_feed(store, config, now)


def remove(feed_dir: Path, config: FeedConfig, key: str, now: dt.datetime) -> Episode:
    """Remove the episode whose GUID, slug or audio file name is ``key``; its files go after the feed is rewritten."""
    from narrate.api import slugify

    store = EpisodeStore(feed_dir)
    with store.locked():
        episodes = store.episodes()
        matches = [e for e in episodes if key in (e.guid, slugify(e.title), e.audio.name)]
        if not matches:
            raise PublishError(f"{feed_dir.name}: no episode with GUID or slug '{key}'; "
                               f"`narrate feed list {feed_dir.name}` shows them")
        if len(matches) > 1:
            raise PublishError(f"{feed_dir.name}: '{key}' matches {len(matches)} episodes; give the GUID")
        [episode] = matches
        store.record_path(episode.guid).unlink()
        _write_feed(store, config, now, (episode.audio.name, *(f.name for f in episode.extra_files)))
    return episode
