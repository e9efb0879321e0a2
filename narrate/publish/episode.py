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
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from narrate.errors import ConfigError, PublishError
from narrate.model import ArticleMeta, Episode, EpisodeCheck, EpisodeFile, Timeline
from narrate.publish import ledger
from narrate.publish.feed import Feed
from narrate.publish.files import WriteStep, stale_temp_files
from narrate.publish.manifest import MANIFESTS, manifests_disagree, write_manifests
from narrate.publish.names import content_name, slugify
from narrate.publish.rss import CHAPTERS_TYPE, build_feed, split_names
from narrate.publish.settings import ShowSettings
from narrate.publish.store import episode_guid
from narrate.publish.transcript import to_json_chapters, to_srt, to_webvtt

ARTWORK_PREFIX = "artwork-"


@dataclass(frozen=True)
class EpisodeFiles:
    """An episode's published files: the audio, then its transcripts and chapters."""

    audio: EpisodeFile
    extras: tuple[EpisodeFile, ...]
    image: EpisodeFile | None = None
    """The episode's square artwork."""

    @property
    def names(self) -> tuple[str, ...]:
        """Every file name."""
        return (self.audio.name, *(f.name for f in self.extras), *((self.image.name,) if self.image else ()))


def episode_file_names(episode: Episode) -> tuple[str, ...]:
    """Every file of a recorded episode in the media location."""
    return (episode.audio.name, *(f.name for f in episode.extra_files),
            *((episode.image.name,) if episode.image else ()))


@dataclass(frozen=True)
class WrittenEpisode:
    """An episode whose files are in the media location and whose record is not saved yet: what a batch
    worker hands to the one process that records it."""

    meta: ArticleMeta
    description: str
    files: EpisodeFiles
    timeline: Timeline
    render_key: str
    narrators: tuple[str, ...] = ()
    """The voices that read it."""
    disclosure: str | None = None
    """The spoken line saying the voice is synthetic, when the episode ends with one."""
    known_guid: str | None = None
    """The GUID the feed already knows this article by (see ``EpisodeStore.guid_for``)."""

    @property
    def guid(self) -> str:
        """The episode's GUID."""
        return self.known_guid or episode_guid(self.meta)


def publish_file(feed: Feed, stem: str, suffix: str, mime: str, data: bytes) -> EpisodeFile:
    """Write data under a content-hashed name; an existing file of that name already holds these bytes."""
    name, digest = content_name(stem, suffix, data)
    feed.write_media(name, data)
    return EpisodeFile(name=name, mime_type=mime, size=len(data), sha256=digest)


def write_episode_files(feed: Feed, meta: ArticleMeta, audio: bytes, timeline: Timeline,
                        image: tuple[bytes, str] | None = None) -> EpisodeFiles:
    """Write the audio, transcripts, chapters and (given as data and MIME type) the artwork to the media
    location (no record, no feed yet)."""
    slug = slugify(meta.title)
    encoding = feed.settings.encoding
    artwork = None
    if image is not None:
        data, mime = image
        artwork = publish_file(feed, slug, ".png" if mime == "image/png" else ".jpg", mime, data)
    return EpisodeFiles(
        publish_file(feed, slug, encoding.suffix, encoding.mime_type, audio),
        (
            publish_file(feed, slug, ".vtt", "text/vtt", to_webvtt(timeline).encode()),
            publish_file(feed, slug, ".srt", "application/srt", to_srt(timeline).encode()),
            publish_file(feed, slug, ".chapters.json", CHAPTERS_TYPE, to_json_chapters(timeline).encode()),
        ),
        artwork,
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
        feed.write_cover(name, data)
    return show.base_url + name


def record_episode(feed: Feed, written: WrittenEpisode, now: dt.datetime, *,
                   write_feed: bool = True) -> tuple[Episode, tuple[str, ...]]:
    """Save the record of an episode whose files are written, and (unless ``write_feed`` is False) feed.xml.

    Returns the episode and the files its previous version referenced and it does not; the ledger keeps
    those for the feed's grace period after the next feed.xml stops pointing at them.
    """
    store, media, files, meta = feed.store, feed.media, written.files, written.meta
    with feed.locked():
        missing = [name for name in files.names if not media.exists(name)]
        if missing:
            raise PublishError(f"{', '.join(missing)} vanished from {media.describe()} before the episode was "
                               "recorded (another process cleaned up); narrate the article again")
        previous = store.get(written.guid)
        dropped: tuple[str, ...] = ()
        replaced: tuple[str, ...] = ()
        if previous is not None:
            dropped = tuple(n for n in episode_file_names(previous) if n not in files.names)
            # Kept for the grace period, and still this episode's: a takedown must find them.
            replaced = tuple(n for n in dict.fromkeys((*previous.replaced, *dropped))
                             if n not in files.names and media.exists(n))
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
            render_key=written.render_key, image=files.image, authors=split_names(meta.author),
            narrators=written.narrators,
            disclosure=written.disclosure, replaced=replaced,
        )
        store.save(episode)
        if write_feed:
            _write_feed(feed, now)
    return episode, dropped


def write_feed(feed: Feed, now: dt.datetime, takedowns: Iterable[str] = ()) -> int:
    """Rewrite feed.xml, the manifests and the feed's views from the records, then collect garbage
    (``takedowns``: files to delete at once when no feed references them); returns the number of episodes."""
    feed.claim_media()  # refused before anything is written when the location is not narrate's
    with feed.locked():
        return _write_feed(feed, now, takedowns)


def _write_feed(feed: Feed, now: dt.datetime, takedowns: Iterable[str] = (), removed: Iterable[str] = ()) -> int:
    """feed.xml from the records, the manifests, the views, then the garbage collection it allows (``removed``:
    GUIDs taken down, whose manifests go at once); the caller holds the lock. A record that cannot be read or
    rendered is quarantined, so one record never stops a feed. Episodes past the feed's retention are retired:
    their records go, their files (and manifests) follow the media rules."""
    store = feed.store
    episodes, damaged = store.readable()
    for path, reason in damaged:
        store.quarantine(path, reason)
    episodes, retired = retain(episodes, feed.settings.show, now)
    for episode in retired:
        store.remove(episode.guid)
    image = publish_artwork(feed)
    try:
        document = build_feed(feed.settings, episodes, now, image_url=image)
    except ValueError:
        renderable = []
        for episode in episodes:
            try:
                build_feed(feed.settings, [episode], now, image_url=image)
            except ValueError as error:
                store.quarantine(store.record_path(episode.guid), str(error))
                continue
            renderable.append(episode)
        episodes = renderable
        document = build_feed(feed.settings, episodes, now, image_url=image)
    feed.write_file(WriteStep.FEED_XML, "feed.xml", document)
    write_manifests(feed, episodes, image, now, removed)
    for view in feed.views:
        view(feed, episodes, image)
    collect_garbage(feed, episodes, image, takedowns)
    return len(episodes)


def retain(episodes: list[Episode], show: ShowSettings, now: dt.datetime) -> tuple[list[Episode], list[Episode]]:
    """The episodes (newest first) feed.xml keeps under the feed's retention (``keep_episodes``, ``keep_days``),
    and the ones it retires."""
    kept = list(episodes)
    if show.keep_days is not None:
        oldest = now - dt.timedelta(days=show.keep_days)
        kept = [e for e in kept if e.published >= oldest]
    if show.keep_episodes is not None:
        kept = kept[: show.keep_episodes]
    names = {e.guid for e in kept}
    return kept, [e for e in episodes if e.guid not in names]


def collect_garbage(feed: Feed, episodes: list[Episode], image_url: str, takedowns: Iterable[str] = ()) -> list[str]:
    """Remove files narrate wrote that no feed references any more (see :mod:`narrate.publish.ledger`): episode
    files in the media location, old covers in the feed folder; returns the names removed."""
    keep = {name for e in episodes for name in episode_file_names(e)}
    grace = feed.settings.media.keep_replaced_days * 86400
    feed.note_ledger("garbage collection")
    feed.claim_media()
    removed = ledger.collect(feed.media, feed.ledger_id, "episodes", keep, takedowns=takedowns, grace=grace,
                             adopt=True).removed
    current = image_url.rsplit("/", 1)[-1] if not feed.settings.show.image_url else ""
    folder = feed.folder
    ledger.claim(folder, own=True)
    removed += ledger.collect(folder, feed.ledger_id, "covers", {current} - {""}, grace=grace, adopt=True,
                              only=ARTWORK_PREFIX).removed
    return removed


def discard(feed: Feed, written: WrittenEpisode) -> list[str]:
    """Delete at once the files of a written episode that will not be recorded (its narration was cancelled
    by a takedown), except those a record uses; returns the names removed. The caller holds the feed's lock."""
    keep = {name for e in feed.store.episodes() for name in episode_file_names(e)}
    feed.note_ledger("discard")
    feed.claim_media()
    return ledger.collect(feed.media, feed.ledger_id, "episodes", keep,
                          takedowns=set(written.files.names) - keep,
                          grace=feed.settings.media.keep_replaced_days * 86400).removed


def reconcile(feed: Feed, now: dt.datetime) -> bool:
    """Before anything else: under the lock, remove temp files dead writers left, and rewrite feed.xml when it
    does not list exactly the records (a crash between the two); returns whether feed.xml was rewritten."""
    media = feed.media.local_dir
    dead = media is not None and stale_temp_files(media)
    folders = (feed.path, feed.store.records_dir, feed.path / MANIFESTS)
    if not (dead or feed_disagrees(feed) or any(stale_temp_files(folder, any_writer=True) for folder in folders)):
        return False
    feed.claim_media()
    with feed.locked():
        for directory in folders:
            for path in stale_temp_files(directory, any_writer=True):
                path.unlink(missing_ok=True)
        if media is not None:
            for path in stale_temp_files(media):
                path.unlink(missing_ok=True)
        if not feed_disagrees(feed):
            return False
        _write_feed(feed, now)
        return True


def feed_disagrees(feed: Feed) -> bool:
    """Whether feed.xml may not list exactly the records (missing, other GUIDs, or older than a record), or an
    episode's manifest is missing or older than its record."""
    records = feed.store.records_dir
    paths = list(records.glob("*.json")) if records.is_dir() else []
    feed_xml = feed.path / "feed.xml"
    if not feed_xml.is_file():
        return bool(paths)
    listed = set(re.findall(rb"<guid[^>]*>([^<]+)</guid>", feed_xml.read_bytes()))
    if listed != {p.stem.encode() for p in paths}:
        return True
    written = feed_xml.stat().st_mtime_ns
    return any(p.stat().st_mtime_ns > written for p in paths) or manifests_disagree(feed, (p.stem for p in paths))


def rebuild(feed: Feed, now: dt.datetime) -> int:
    """Rewrite feed.xml from the stored records; returns the number of episodes."""
    return write_feed(feed, now)


def episodes_matching(episodes: Iterable[Episode], key: str) -> list[Episode]:
    """The episodes whose GUID, slug or audio file name is ``key``."""
    return [e for e in episodes if key in (e.guid, slugify(e.title), e.audio.name)]


def canonical_article_url(url: str) -> str:
    """``url`` as an article's identity: scheme and host lower-case, no fragment, no tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``), no trailing slash, ``http`` and ``https`` alike."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in {"fbclid", "gclid"}]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", parts.netloc.lower(), path, urlencode(query), ""))


def episodes_for_url(episodes: Iterable[Episode], url: str) -> list[Episode]:
    """The episodes narrated from the article at ``url`` (compared by :func:`canonical_article_url`)."""
    wanted = canonical_article_url(url)
    return [e for e in episodes if e.link and canonical_article_url(e.link) == wanted]


def remove(feed: Feed, key: str, now: dt.datetime) -> Episode:
    """Take down the episode whose GUID, slug or audio file name is ``key``: its record goes, then feed.xml is
    rewritten, then its files (those of earlier versions too) and its manifest are deleted at once (no grace:
    a takedown is meant)."""
    with feed.locked():
        matches = episodes_matching(feed.store.episodes(), key)
        if not matches:
            raise PublishError(f"{feed.name}: no episode with GUID or slug '{key}'; "
                               f"`narrate feed list {feed.name}` shows them")
        if len(matches) > 1:
            raise PublishError(f"{feed.name}: '{key}' matches {len(matches)} episodes; give the GUID")
        [episode] = matches
        feed.store.remove(episode.guid)
        _write_feed(feed, now, (*episode_file_names(episode), *episode.replaced), (episode.guid,))
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
