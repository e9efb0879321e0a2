"""Publishing one episode into a feed directory, and keeping the directory tidy.

Order matters for readers of the feed: the audio is mastered and encoded in a scratch directory;
then, under the feed's lock, the files are written under content-hashed names, the record is saved,
feed.xml is replaced, and only then are files that no record references any more removed. An edited
article therefore gets a new enclosure under the same GUID, and its old file disappears only once
the feed no longer points to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from narrate.encode import EncodeOptions, Mastered, Tags, master_and_encode, write_tags
from narrate.errors import ConfigError, PublishError
from narrate.mastering import MasterOptions, produce, segment_samples
from narrate.model import ArticleMeta, Episode, EpisodeFile, Timeline
from narrate.publish.atomic import write_atomic
from narrate.publish.feed import CHAPTERS_TYPE, build_feed
from narrate.publish.feedconfig import FeedConfig
from narrate.publish.store import EpisodeStore, episode_guid
from narrate.transcript import to_json_chapters, to_srt, to_webvtt

ARTWORK_PREFIX = "artwork-"


@dataclass(frozen=True)
class EncodedEpisode:
    """The finished audio of an episode before it is published."""

    audio: bytes
    timeline: Timeline
    mastered: Mastered
    """Loudness measured on the encoded file, loudnorm's mode (``linear`` as intended), rounds taken."""
    options: EncodeOptions


def master_options(config: FeedConfig, feed_dir: Path) -> MasterOptions:
    """The production a feed asks for (intro, outro, music bed), with paths resolved."""

    def resolve(name: str | None) -> Path | None:
        return feed_dir / name if name else None

    return MasterOptions(intro=resolve(config.intro), outro=resolve(config.outro),
                         music_bed=resolve(config.music_bed))


def encode_episode(programme: object, timeline: Timeline, meta: ArticleMeta, config: FeedConfig,
                   feed_dir: Path, scratch_parent: Path | None = None) -> EncodedEpisode:
    """Produce, master, encode and tag the programme; nothing is published yet."""
    mastering = master_options(config, feed_dir)
    options = EncodeOptions(bitrate=config.bitrate, format=config.format)
    rate = int(programme.frame_rate)  # type: ignore[attr-defined]
    samples, timeline = produce(segment_samples(programme), rate, timeline, mastering)
    if scratch_parent is not None:
        scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".encode-") as scratch:
        encoded = Path(scratch) / f"episode{options.suffix}"
        result = master_and_encode(samples, rate, encoded, options, mastering)
        write_tags(encoded, Tags(title=meta.title, artist=meta.publisher, album=config.title, date=meta.date,
                                 comment=meta.description), timeline.chapters, options.format)
        audio = encoded.read_bytes()
    return EncodedEpisode(audio, timeline, result, options)


def publish_file(media_dir: Path, stem: str, suffix: str, mime: str, data: bytes) -> EpisodeFile:
    """Write data under a content-hashed ASCII name; an existing file of that name already holds these bytes."""
    digest = hashlib.sha256(data).hexdigest()
    name = f"{stem}-{digest[:16]}{suffix}"
    target = media_dir / name
    if not target.exists():
        write_atomic(target, data)
    return EpisodeFile(name=name, mime_type=mime, size=len(data), sha256=digest)


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
    """Write the files, the record and feed.xml under the feed's lock, then remove what nothing references.

    ``render_key`` is the digest of everything the files were made from (see ``api.render_key``).
    """
    store = EpisodeStore(feed_dir)
    timeline = encoded.timeline
    guid = episode_guid(meta)
    with store.locked():
        store.media_dir.mkdir(parents=True, exist_ok=True)
        audio = publish_file(store.media_dir, slug, encoded.options.suffix, encoded.options.mime_type, encoded.audio)
        extras = (
            publish_file(store.media_dir, slug, ".vtt", "text/vtt", to_webvtt(timeline).encode()),
            publish_file(store.media_dir, slug, ".srt", "application/srt", to_srt(timeline).encode()),
            publish_file(store.media_dir, slug, ".chapters.json", CHAPTERS_TYPE, to_json_chapters(timeline).encode()),
        )
        previous = store.get(guid)
        if previous is not None:
            published = previous.published
        elif meta.date is not None:
            published = dt.datetime.combine(meta.date, dt.time(0, 0), tzinfo=dt.UTC)
        else:
            published = now
        episode = Episode(
            guid=guid, title=meta.title, description=description, published=published,
            duration=timeline.duration, audio=audio, link=meta.url, author=meta.author or meta.publisher,
            chapters=timeline.chapters, extra_files=extras, render_key=render_key,
        )
        store.save(episode)
        _write_feed(store, config, now)
    return episode


def _write_feed(store: EpisodeStore, config: FeedConfig, now: dt.datetime) -> int:
    """feed.xml from the records, then the garbage collection it allows; the caller holds the lock."""
    episodes = store.episodes()
    image = publish_artwork(store.feed_dir, config)
    write_atomic(store.feed_dir / "feed.xml", build_feed(config, episodes, now, image_url=image))
    # The show page lists the same episodes as the feed, so it is rewritten with it.
    from narrate.web.show import write_feed_show_page

    write_feed_show_page(store.feed_dir, config, episodes, image)
    collect_garbage(store, episodes, image)
    return len(episodes)


def collect_garbage(store: EpisodeStore, episodes: list[Episode], image_url: str) -> list[Path]:
    """Remove published files no record references (and old artwork); returns what was removed."""
    keep = {f.name for e in episodes for f in (e.audio, *e.extra_files)}
    removed: list[Path] = []
    if store.media_dir.is_dir():
        for path in store.media_dir.iterdir():
            # Dot files are other writers' scratch space (.encode-*, atomic temp files).
            if path.is_file() and not path.name.startswith(".") and path.name not in keep:
                path.unlink()
                removed.append(path)
    current = image_url.rsplit("/", 1)[-1]
    for path in store.feed_dir.glob(f"{ARTWORK_PREFIX}*"):
        if path.is_file() and path.name != current:
            path.unlink()
            removed.append(path)
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
        _write_feed(store, config, now)
    return episode
