"""The library API: the calls the CLI, a web hook or a Dask worker make.

``narrate_article`` runs the whole flow for one article into one feed directory:
source -> Article -> Script -> Takes -> programme + Timeline -> files -> record + feed.xml.
Nothing is written until the audio exists, files are written atomically under content-hashed
names, and the record and feed are updated under the feed's lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from narrate import __version__
from narrate import settings as paths
from narrate.audio.assemble import AssembleOptions, assemble
from narrate.audio.encode import EncodeOptions, Tags, encode_episode
from narrate.model import Article, ArticleMeta, Episode, Programme, Role, Script, Take, Timeline
from narrate.publish import episode as publishing
from narrate.publish.episode import EpisodeFiles
from narrate.publish.media import MediaStore
from narrate.publish.settings import FeedConfig, load_feed_config
from narrate.publish.store import EpisodeStore, episode_guid
from narrate.script import DEFAULT_LEXICON, SpeechPreparer, speak_script
from narrate.script.segment import SegmentOptions, segment
from narrate.sources.read import ReadOptions, read_source
from narrate.voice.cache import AudioCache
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.profiles import Cast, load_cast, load_profile, single_voice_cast
from narrate.voice.synthesize import (
    Voice,
    accepts_phonemes,
    engine_max_chars,
    resolve_voices,
    sentence_keys,
    synthesize,
)


@dataclass(frozen=True)
class NarrateOptions:
    """Choices for one narration; every field has a sensible default."""

    cast: str | None = None
    """Cast name or file; None uses the feed's cast."""
    voice: str | None = None
    """One profile for every role; overrides the cast."""
    voices_dirs: tuple[Path, ...] = ()
    """Extra directories searched for profiles and casts, before the built-in ones."""
    read: ReadOptions = field(default_factory=ReadOptions)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    assemble: AssembleOptions = field(default_factory=AssembleOptions)
    cache_dir: Path | None = None
    """Sentence audio cache; None uses the user cache directory (``$NARRATE_HOME/cache``)."""
    use_cache: bool = True
    """False synthesizes every sentence and leaves the cache alone."""
    force: bool = False
    """Re-render and republish even when nothing changed since the last narration."""

    def audio_cache(self) -> AudioCache | None:
        """The sentence cache these options ask for."""
        if not self.use_cache:
            return None
        return AudioCache((self.cache_dir or paths.cache_dir()) / "audio")


def read_article(source: str | Path, options: ReadOptions | None = None) -> Article:
    """Read and clean an article from a file or an http(s) URL (HTML, Markdown or a text page dump)."""
    return read_source(str(source), options)


def lexicon_paths(cast: Cast, feed_lexicon: Path | None = None) -> list[Path]:
    """The lexicons an article is read with, later ones winning: narrate's, the cast's voices', the feed's."""
    paths = [DEFAULT_LEXICON] if DEFAULT_LEXICON.is_file() else []
    paths += [Path(p.lexicon) for p in cast.all_profiles() if p.lexicon]
    if feed_lexicon is not None:
        paths.append(feed_lexicon)
    return paths


def load_preparer(cast: Cast, feed_lexicon: Path | None = None) -> SpeechPreparer:
    """The speech preparer (NeMo grammars + lexicons) for a cast and a feed."""
    return SpeechPreparer.load(lexicon_paths(cast, feed_lexicon))


def choose_cast(options: NarrateOptions, default: str = "default") -> Cast:
    """The cast the options ask for."""
    if options.voice:
        return single_voice_cast(load_profile(options.voice, options.voices_dirs))
    return load_cast(options.cast or default, options.voices_dirs)


def build_script(
    article: Article, cast: Cast, registry: EngineRegistry, preparer: SpeechPreparer,
    options: SegmentOptions | None = None,
) -> Script:
    """Segment an article (no sentence longer than its engine takes) and prepare every sentence for the voice
    that will speak it."""
    script = segment(article, options, engine_max_chars(cast, registry))
    return speak_script(script, preparer, accepts_phonemes(cast, registry))


def slugify(text: str, limit: int = 60) -> str:
    """An ASCII file-name stem: lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "episode"


def render_audio(
    script: Script, cast: Cast, registry: EngineRegistry, options: NarrateOptions,
    progress: Callable[[Take], None] | None = None, voices: dict[str, Voice] | None = None,
) -> Programme:
    """Synthesize (through the cache) and assemble a script: the programme (mastered when it is published),
    with its timeline."""
    cache = options.audio_cache()
    voices = voices or resolve_voices(cast, registry)
    takes = synthesize(script, cast, registry, progress, cache=cache, voices=voices)
    if cache is not None:
        cache.prune()
    release_engine_memory(voices)
    return assemble(script, takes, cast, options.assemble)


def release_engine_memory(voices: dict[str, Voice]) -> None:
    """Let each engine give back what it keeps between sentences, before mastering needs the memory."""
    for engine in {id(v.engine): v.engine for v in voices.values()}.values():
        engine.release_memory()


def render_key(script: Script, cast: Cast, voices: dict[str, Voice], options: NarrateOptions,
               config: FeedConfig) -> str:
    """Digest of every input of the episode's files: sentences' audio keys, voices, layout, feed settings."""
    payload = {
        "narrate": __version__,
        "sentences": sentence_keys(script, cast, voices),
        "text": [[c.title, c.role.value, [s.written for s in c.sentences]] for c in script.chapters],
        "meta": repr(script.meta),
        "profiles": [repr(p) for p in cast.all_profiles()],
        "assemble": repr(options.assemble),
        "feed": repr(config),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def published_unchanged(store: EpisodeStore, media: MediaStore, guid: str, key: str | None) -> Episode | None:
    """The published episode when it was made from exactly these inputs (any, when ``key`` is None) and
    all its files are still in the media location."""
    previous = store.get(guid)
    if previous is None or (key is not None and previous.render_key != key):
        return None
    files = (previous.audio, *previous.extra_files)
    return previous if all(media.exists(f.name) for f in files) else None


def feed_options(options: NarrateOptions, feed_dir: Path) -> NarrateOptions:
    """The options with the feed's own voices folder searched first."""
    feed_voices = feed_dir / "voices"
    if feed_voices.is_dir() and feed_voices not in options.voices_dirs:
        return replace(options, voices_dirs=(feed_voices, *options.voices_dirs))
    return options


def feed_preparer(feed_dir: Path, config: FeedConfig, cast: Cast) -> SpeechPreparer:
    """The speech preparer for a feed: narrate's lexicon, the cast's voices', then the feed's own."""
    return load_preparer(cast, feed_dir / config.lexicon if config.lexicon else None)


@dataclass(frozen=True)
class Plan:
    """Everything decided before any audio is made: what will be said, by which voices, and the key
    that tells whether the published episode already says exactly that."""

    article: Article
    config: FeedConfig
    options: NarrateOptions
    cast: Cast
    script: Script
    voices: dict[str, Voice]
    render_key: str

    @property
    def guid(self) -> str:
        """The episode's GUID."""
        return episode_guid(self.article.meta)


def plan_narration(
    article: Article, feed_dir: Path, options: NarrateOptions, registry: EngineRegistry,
    preparer: SpeechPreparer | None = None,
) -> Plan:
    """Cast, script and render key of an article for a feed (``preparer`` defaults to the feed's)."""
    config = load_feed_config(feed_dir)
    options = feed_options(options, feed_dir)
    cast = choose_cast(options, config.cast)
    script = build_script(article, cast, registry, preparer or feed_preparer(feed_dir, config, cast),
                          options.segment)
    voices = resolve_voices(cast, registry)
    return Plan(article, config, options, cast, script, voices, render_key(script, cast, voices, options, config))


def narrate_article(
    source: str | Path,
    feed_dir: Path,
    options: NarrateOptions | None = None,
    *,
    registry: EngineRegistry | None = None,
    preparer: SpeechPreparer | None = None,
    progress: Callable[[Take], None] | None = None,
    on_script: Callable[[Script], None] | None = None,
    now: dt.datetime | None = None,
) -> Episode:
    """Narrate one article into a feed: publish its episode and rewrite the feed."""
    options = options or NarrateOptions()
    registry = registry or EngineRegistry.from_entry_points()
    article = read_article(source, options.read)
    plan = plan_narration(article, feed_dir, options, registry, preparer)
    if not options.force:
        existing = published_unchanged(EpisodeStore(feed_dir), plan.config.media_store(feed_dir), plan.guid,
                                       plan.render_key)
        if existing is not None:
            return existing
    if on_script is not None:
        on_script(plan.script)
    programme = render_audio(plan.script, plan.cast, registry, plan.options, progress, plan.voices)
    return publish_episode(article, plan.script, programme, feed_dir, plan.config, now=now,
                           render_key=plan.render_key)


@dataclass(frozen=True)
class WrittenEpisode:
    """An episode whose files are in the media location and whose record is not saved yet: what a batch
    worker hands to the one process that publishes the feed."""

    meta: ArticleMeta
    description: str
    files: EpisodeFiles
    timeline: Timeline
    render_key: str

    @property
    def guid(self) -> str:
        """The episode's GUID."""
        return episode_guid(self.meta)


def write_episode(
    article: Article, script: Script, programme: Programme, feed_dir: Path,
    config: FeedConfig, *, render_key: str = "",
) -> WrittenEpisode:
    """Master and encode the programme and write its files (audio, transcripts, chapters) to the feed's media
    location; the feed does not list them yet."""
    meta = article.meta
    tags = Tags(title=meta.title, artist=meta.publisher, album=config.title, date=meta.date, comment=meta.description)
    encoded = encode_episode(programme, publishing.master_options(config, feed_dir),
                             EncodeOptions(bitrate=config.bitrate, format=config.format), tags)
    files = publishing.write_episode_files(encoded, slugify(meta.title), config.media_store(feed_dir))
    return WrittenEpisode(meta, _description(script), files, encoded.timeline, render_key)


def record_episode(
    written: WrittenEpisode, feed_dir: Path, config: FeedConfig, *, now: dt.datetime | None = None,
    write_feed: bool = True,
) -> tuple[Episode, tuple[str, ...]]:
    """Save the record of a written episode and rewrite feed.xml (see ``publish.episode.publish_record``)."""
    return publishing.publish_record(written.files, written.timeline, written.meta, written.description, feed_dir,
                                     config, now or dt.datetime.now(dt.UTC), written.render_key,
                                     write_feed=write_feed)


def publish_episode(
    article: Article, script: Script, programme: Programme, feed_dir: Path,
    config: FeedConfig, *, now: dt.datetime | None = None, render_key: str = "",
) -> Episode:
    """Master and encode the programme, write its files, and add the episode to the records and feed.xml."""
    written = write_episode(article, script, programme, feed_dir, config, render_key=render_key)
    return record_episode(written, feed_dir, config, now=now)[0]


def _description(script: Script) -> str:
    """The synopsis, else the opening of the story."""
    meta = script.meta
    if meta.description:
        return meta.description
    for chapter in script.chapters:
        if chapter.role is Role.BODY:
            return " ".join(s.written for s in chapter.sentences[:3])
    return meta.title


def rebuild_feed(feed_dir: Path, now: dt.datetime | None = None) -> int:
    """Rewrite feed.xml from the stored records (and drop files none references); returns the episode count."""
    return publishing.rebuild(feed_dir, load_feed_config(feed_dir), now or dt.datetime.now(dt.UTC))


def remove_episode(feed_dir: Path, key: str, now: dt.datetime | None = None) -> Episode:
    """Take an episode (by GUID or slug) out of a feed; its files are removed once feed.xml no longer lists it."""
    return publishing.remove(feed_dir, load_feed_config(feed_dir), key, now or dt.datetime.now(dt.UTC))


def list_episodes(feed_dir: Path) -> list[Episode]:
    """A feed's stored episodes, newest first."""
    return EpisodeStore(feed_dir).episodes()
