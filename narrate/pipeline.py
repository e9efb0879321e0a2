"""The one pipeline every narration runs: plan -> render -> encode -> write -> record.

``narrate article``, the workers of ``narrate batch`` (process pool or Dask) and any later service call
:func:`narrate`; a batch worker stops after *write* (``record=False``) and hands the written episode to
the one process that records it (:func:`record`). The result of every call is a :class:`Narration`,
which the CLI, the batch report and ``--json`` output all read from.

- **plan**: cast, spoken script and the render key (a digest of every input of the episode's files);
  when the feed already has an episode made from the same key, nothing else runs (``UNCHANGED``).
- **render**: every sentence synthesized through the sentence cache and assembled with its timeline.
- **encode**: produced (intro, outro, bed), mastered to the loudness target, encoded and tagged.
- **write**: the audio, transcripts and chapters into the feed's media location, content-hashed.
- **record**: under the feed's lock, the episode's record, then feed.xml and the feed's views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from narrate import __version__, settings
from narrate.audio.assemble import AssembleOptions, assemble
from narrate.audio.encode import EncodedEpisode, Tags, encode_episode
from narrate.audio.mastering import MasterOptions
from narrate.model import Article, ArticleMeta, Episode, Programme, Role, Script, Section, Take
from narrate.publish.episode import (
    WrittenEpisode,
    episode_file_names,
    reconcile,
    record_episode,
    write_episode_files,
)
from narrate.publish.feed import Feed
from narrate.publish.settings import ProductionSettings
from narrate.script import DEFAULT_LEXICON, SpeechPreparer, speak_script
from narrate.script.segment import SegmentOptions, segment
from narrate.sources.read import ReadOptions, read_source
from narrate.sources.sections import is_cut_off
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

log = logging.getLogger(__name__)


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
    fetch_images: bool = True
    """Fetch the article's lead image from the web for the episode's artwork; False (offline runs, tests)
    draws the cover from the title unless the image is a local file."""

    def audio_cache(self) -> AudioCache | None:
        """The sentence cache these options ask for."""
        if not self.use_cache:
            return None
        return AudioCache((self.cache_dir or settings.cache_dir()) / "audio")


class Status(StrEnum):
    """What a narration did."""

    PUBLISHED = "published"
    """Rendered, written, recorded, and listed in feed.xml."""
    RENDERED = "rendered"
    """Rendered and its files written to the media location; recording it is the caller's (batch workers)."""
    UNCHANGED = "unchanged"
    """The feed already has this article's episode, made from exactly the same inputs."""
    PLANNED = "planned"
    """A dry run: read, scripted, every voice heard once; nothing written (see :class:`Preview`)."""


class Action(StrEnum):
    """What publishing a planned narration would do to the feed."""

    NEW = "new"
    """Add an episode the feed does not have."""
    REPLACE = "replace"
    """Replace the published episode of this article (same GUID, new files)."""
    UNCHANGED = "unchanged"
    """Nothing: the published episode was made from exactly these inputs."""


@dataclass(frozen=True)
class Preview:
    """What a dry run found out without writing anything."""

    action: Action
    voices: dict[str, str]
    """Which voice reads each role that has sentences (role value -> voice name)."""
    chapters: int
    estimated_duration: float
    """Seconds, from each voice's pace on the sentence it spoke in the dry run."""


@dataclass(frozen=True)
class Narration:
    """What one narration did: the CLI, the batch report and ``--json`` output read it."""

    status: Status
    guid: str
    title: str
    sentences: int
    episode: Episode | None = None
    """The recorded episode (``PUBLISHED`` and ``UNCHANGED``)."""
    written: WrittenEpisode | None = None
    """The files written this time (``PUBLISHED`` and ``RENDERED``)."""
    cache_hits: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage: read, script, synthesize, assemble, encode, record."""
    warnings: tuple[str, ...] = ()
    """What went less well than asked but did not stop the narration (a lead image refused, ...)."""
    preview: Preview | None = None
    """What a dry run (``PLANNED``) found."""

    @property
    def duration(self) -> float:
        """Length of the episode in seconds (a dry run's estimate)."""
        if self.preview is not None:
            return self.preview.estimated_duration
        if self.episode is not None:
            return self.episode.duration
        return self.written.timeline.duration if self.written is not None else 0.0


# --- plan --------------------------------------------------------------------------------------------

def choose_cast(options: NarrateOptions, default: str = "default") -> Cast:
    """The cast the options ask for (``default``: the feed's cast)."""
    if options.voice:
        return single_voice_cast(load_profile(options.voice, options.voices_dirs))
    return load_cast(options.cast or default, options.voices_dirs)


def lexicon_paths(cast: Cast, feed_lexicon: Path | None = None) -> list[Path]:
    """The lexicons an article is read with, later ones winning: narrate's, the cast's voices', the feed's."""
    paths = [DEFAULT_LEXICON] if DEFAULT_LEXICON.is_file() else []
    paths += [Path(p.lexicon) for p in cast.all_profiles() if p.lexicon]
    if feed_lexicon is not None:
        paths.append(feed_lexicon)
    return paths


def load_preparer(cast: Cast, feed: Feed | None = None) -> SpeechPreparer:
    """The speech preparer (NeMo grammars + lexicons) for a cast, with the feed's lexicon when it has one."""
    feed_lexicon = feed.resolve(feed.settings.production.lexicon) if feed is not None else None
    return SpeechPreparer.load(lexicon_paths(cast, feed_lexicon))


def build_script(article: Article, cast: Cast, registry: EngineRegistry, preparer: SpeechPreparer,
                 options: SegmentOptions | None = None) -> Script:
    """Segment an article (sentences no longer than the engine that speaks them takes) and prepare every
    sentence for the voice that will speak it."""
    return speak_script(segment(article, options, engine_max_chars(cast, registry)), preparer,
                        accepts_phonemes(cast, registry))


def with_feed_voices(options: NarrateOptions, feed: Feed) -> NarrateOptions:
    """The options with the feed's own voices folder searched first."""
    feed_voices = feed.path / "voices"
    if feed_voices.is_dir() and feed_voices not in options.voices_dirs:
        return replace(options, voices_dirs=(feed_voices, *options.voices_dirs))
    return options


def feed_cast(feed: Feed, options: NarrateOptions) -> Cast:
    """The cast a feed's episodes are read with under these options."""
    return choose_cast(with_feed_voices(options, feed), feed.settings.production.cast)


@dataclass(frozen=True)
class Plan:
    """Everything decided before any audio is made: what will be said, by which voices, and the key
    that tells whether the published episode already says exactly that."""

    article: Article
    feed: Feed
    options: NarrateOptions
    cast: Cast
    script: Script
    voices: dict[str, Voice]
    render_key: str
    guid: str
    """The episode's GUID (the one the feed already knows the article by, when it does)."""
    disclosure: str | None = None
    """The spoken line saying the voice is synthetic (the script's last chapter), when there is one."""


def meta_fingerprint(meta: ArticleMeta) -> str:
    """The article's metadata as render keys have always seen it (its repr), without ``image`` while there is
    none: so a feed with the disclosure off keeps the keys of its episodes made before the field existed."""
    text = repr(meta)
    return text.removesuffix(", image=None)") + ")" if meta.image is None else text


def render_key(script: Script, cast: Cast, voices: dict[str, Voice], options: NarrateOptions, feed: Feed) -> str:
    """Digest of every input of the episode's files: sentences' audio keys, voices, layout, feed settings."""
    payload = {
        "narrate": __version__,
        "sentences": sentence_keys(script, cast, voices),
        "text": [[c.title, c.role.value, [s.written for s in c.sentences]] for c in script.chapters],
        "meta": meta_fingerprint(script.meta),
        "profiles": [repr(p) for p in cast.all_profiles()],
        "assemble": repr(options.assemble),
        "feed": feed.settings.fingerprint(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


DISCLOSURE_HEADING = "About this narration"


def disclosure_text(production: ProductionSettings, cast: Cast) -> str | None:
    """What the episode says about its synthetic voice: the cast's words, else the feed's; None when the feed
    or the cast turns it off."""
    if not production.disclosure or cast.disclosure is False:
        return None
    return cast.disclosure if isinstance(cast.disclosure, str) else production.disclosure_text


def with_disclosure(article: Article, disclosure: str | None) -> Article:
    """The article with the disclosure (the voice is synthetic) as its last section, when there is one."""
    if not disclosure:
        return article
    # Read like the narration's own announcements ("Key takeaways."): by their voice, its heading not read.
    section = Section(Role.ANNOUNCEMENT, (disclosure,), heading=DISCLOSURE_HEADING)
    return replace(article, sections=(*article.sections, section))


def plan(article: Article, feed: Feed, options: NarrateOptions, registry: EngineRegistry,
         preparer: SpeechPreparer | None = None) -> Plan:
    """Cast, script and render key of an article for a feed (``preparer`` defaults to the feed's); the script
    ends with the feed's disclosure."""
    options = with_feed_voices(options, feed)
    cast = choose_cast(options, feed.settings.production.cast)
    disclosure = disclosure_text(feed.settings.production, cast)
    article = with_disclosure(article, disclosure)
    script = build_script(article, cast, registry, preparer or load_preparer(cast, feed), options.segment)
    voices = resolve_voices(cast, registry)
    return Plan(article, feed, options, cast, script, voices, render_key(script, cast, voices, options, feed),
                feed.store.guid_for(article.meta), disclosure)


def published_unchanged(feed: Feed, guid: str, key: str | None) -> Episode | None:
    """The published episode when it was made from exactly these inputs (any, when ``key`` is None) and
    all its files are still in the media location."""
    previous = feed.store.get(guid)
    if previous is None or (key is not None and previous.render_key != key):
        return None
    media = feed.media
    return previous if all(media.exists(name) for name in episode_file_names(previous)) else None


# --- render, encode, write, record --------------------------------------------------------------------

def render(plan: Plan, registry: EngineRegistry, progress: Callable[[Take], None] | None = None) -> Programme:
    """Synthesize (through the cache) and assemble the script: the programme, with its timeline."""
    cache = plan.options.audio_cache()
    takes = synthesize(plan.script, plan.cast, registry, progress, cache=cache, voices=plan.voices)
    if cache is not None:
        cache.prune()
    release_engine_memory(plan.voices)
    return assemble(plan.script, takes, plan.cast, plan.options.assemble)


def chapter_urls(programme: Programme, article: Article) -> Programme:
    """The programme with each chapter linked to its section on the web: the article's URL, with the section's
    anchor when the page has one (the disclosure, not part of the article, gets none)."""
    url = article.meta.url
    if not url:
        return programme
    base = url.split("#", 1)[0]
    anchors = {s.heading: s.anchor for s in article.sections if s.heading and s.anchor}
    disclosed = bool(article.sections) and article.sections[-1].heading == DISCLOSURE_HEADING
    last = len(programme.timeline.chapters) - 1
    chapters = tuple(replace(c, url=None if disclosed and index == last
                             else f"{base}#{anchors[c.title]}" if c.title in anchors else url)
                     for index, c in enumerate(programme.timeline.chapters))
    return replace(programme, timeline=replace(programme.timeline, chapters=chapters))


def release_engine_memory(voices: dict[str, Voice]) -> None:
    """Let each engine give back what it keeps between sentences, before mastering needs the memory."""
    for engine in {id(v.engine): v.engine for v in voices.values()}.values():
        engine.release_memory()


@dataclass(frozen=True)
class Artwork:
    """An episode's square artwork and, when the lead image was refused, why."""

    data: bytes
    mime_type: str
    warning: str | None = None


def artwork(plan: Plan) -> Artwork:
    """The episode's artwork: the article's lead image made square, else a cover drawn from its title."""
    from narrate.publish.artwork import episode_artwork

    meta, read = plan.article.meta, plan.options.read
    image = meta.image
    if image and not plan.options.fetch_images and image.startswith(("http://", "https://")):
        image = None
    data, mime, warning = episode_artwork(meta.title, image, allow_private=read.allow_private,
                                          timeout=read.timeout)
    if warning:
        log.warning(warning)
    return Artwork(data, mime, warning)


def narrators(plan: Plan) -> tuple[str, ...]:
    """The voices that read the episode, in the order they are first heard."""
    names = [plan.cast.profile_for(c.role).name for c in plan.script.chapters if c.sentences]
    return tuple(dict.fromkeys(names))


def encode(plan: Plan, programme: Programme, cover: Artwork | None = None) -> EncodedEpisode:
    """Produce, master, encode and tag the programme the way the feed asks (with ``cover`` as its artwork)."""
    feed, meta = plan.feed, plan.article.meta
    production = feed.settings.production
    mastering = MasterOptions(intro=feed.resolve(production.intro), outro=feed.resolve(production.outro),
                              music_bed=feed.resolve(production.music_bed))
    tags = Tags(title=meta.title, artist=meta.publisher, album=feed.settings.show.title, date=meta.date,
                comment=None if meta.description is None or is_cut_off(meta.description) else meta.description,
                cover=cover.data if cover else None, cover_mime=cover.mime_type if cover else "image/jpeg")
    return encode_episode(programme, mastering, feed.settings.encoding, tags)


def write(plan: Plan, encoded: EncodedEpisode, cover: Artwork | None = None) -> WrittenEpisode:
    """Write the episode's files (and its artwork) to the feed's media location; the feed does not list them
    yet."""
    meta = plan.article.meta
    files = write_episode_files(plan.feed, meta, encoded.audio, encoded.timeline,
                                (cover.data, cover.mime_type) if cover else None)
    return WrittenEpisode(meta, describe(plan.script), files, encoded.timeline, plan.render_key,
                          narrators=narrators(plan), disclosure=plan.disclosure, known_guid=plan.guid)


def record(feed: Feed, written: WrittenEpisode, now: dt.datetime | None = None, *,
           write_feed: bool = True) -> tuple[Episode, tuple[str, ...]]:
    """Save the record of a written episode and (unless ``write_feed`` is False) rewrite feed.xml; returns the
    episode and the files its previous version used that it does not."""
    return record_episode(feed, written, now or dt.datetime.now(dt.UTC), write_feed=write_feed)


def describe(script: Script) -> str:
    """The episode's description: the page's description unless the site cut it off, else the opening of
    the story."""
    meta = script.meta
    if meta.description and not is_cut_off(meta.description):
        return meta.description
    for chapter in script.chapters:
        if chapter.role is Role.BODY and chapter.title != DISCLOSURE_HEADING:
            return " ".join(s.written for s in chapter.sentences[:3])
    return meta.title


def preview(planned: Plan) -> Preview:
    """What publishing ``planned`` would do, with every voice of the cast that has sentences loaded and heard
    on its first sentence (straight from the engine: a dry run leaves the sentence cache alone too)."""
    published = planned.feed.store.get(planned.guid)
    if published is None:
        action = Action.NEW
    elif published_unchanged(planned.feed, planned.guid, planned.render_key) is not None:
        action = Action.UNCHANGED
    else:
        action = Action.REPLACE
    roles: dict[str, str] = {}
    first: dict[str, str] = {}
    characters: dict[str, int] = {}
    pauses = 0.0
    for sentence in planned.script.sentences():
        profile = planned.cast.profile_for(sentence.role)
        name = profile.name
        pauses += profile.sentence_pause
        roles.setdefault(sentence.role.value, name)
        first.setdefault(name, sentence.spoken)
        characters[name] = characters.get(name, 0) + len(sentence.spoken)
    seconds = 0.0
    for name, text in first.items():
        voice = planned.voices[name]
        voice.engine.load(voice.options)
        audio = voice.engine.synthesize(text, voice.options)
        pace = audio.duration / max(len(text), 1)
        seconds += pace * characters[name]
    release_engine_memory(planned.voices)
    return Preview(action, roles, len(planned.script.chapters), seconds + pauses)


def dry_run(source: str | Path | Article, feed: Feed, options: NarrateOptions, registry: EngineRegistry, *,
            preparer: SpeechPreparer | None = None) -> Narration:
    """Everything a narration checks before it writes — the article read, the cast and its voices (each heard
    once), the script, whether the feed would change — with nothing written (``feed`` may be a
    :meth:`Feed.draft`, which refuses writes)."""
    watch = _Stopwatch()
    article = source if isinstance(source, Article) else read_source(str(source), options.read)
    watch.lap("read")
    planned = plan(article, feed, options, registry, preparer)
    watch.lap("script")
    found = preview(planned)
    watch.lap("synthesize")
    sentences = sum(1 for _ in planned.script.sentences())
    return Narration(Status.PLANNED, planned.guid, article.meta.title, sentences,
                     episode=feed.store.get(planned.guid), stages=watch.stages, preview=found)


class _Stopwatch:
    """Seconds per stage, for the batch report and benchmarks."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.clock = time.perf_counter()

    def lap(self, name: str, until: float | None = None) -> None:
        now = time.perf_counter() if until is None else until
        self.stages[name] = self.stages.get(name, 0.0) + now - self.clock
        self.clock = now


def narrate(
    source: str | Path | Article,
    feed: Feed,
    options: NarrateOptions,
    registry: EngineRegistry,
    *,
    preparer: SpeechPreparer | None = None,
    progress: Callable[[Take], None] | None = None,
    on_script: Callable[[Script], None] | None = None,
    now: dt.datetime | None = None,
    publish: bool = True,
) -> Narration:
    """Narrate one article (a file, a URL or an Article) into a feed.

    With ``publish`` False the episode's files are written and its record is left to the caller
    (``RENDERED``); ``on_script`` is called once the script is known and something will be synthesized.
    """
    watch = _Stopwatch()
    article = source if isinstance(source, Article) else read_source(str(source), options.read)
    watch.lap("read")
    if publish:
        feed.claim_media()  # a location narrate may not use is refused before anything is written
        reconcile(feed, now or dt.datetime.now(dt.UTC))  # a crash may have left a record feed.xml lacks
    planned = plan(article, feed, options, registry, preparer)
    sentences = sum(1 for _ in planned.script.sentences())
    watch.lap("script")
    if not options.force:
        existing = published_unchanged(feed, planned.guid, planned.render_key)
        if existing is not None:
            return Narration(Status.UNCHANGED, planned.guid, existing.title, sentences, episode=existing,
                             stages=watch.stages)
    feed.claim_media()
    if on_script is not None:
        on_script(planned.script)
    cache_hits = 0
    last_take = watch.clock

    def taken(take: Take) -> None:
        nonlocal cache_hits, last_take
        cache_hits += take.cached
        last_take = time.perf_counter()
        if progress is not None:
            progress(take)

    programme = chapter_urls(render(planned, registry, taken), planned.article)
    watch.lap("synthesize", until=last_take)
    watch.lap("assemble")
    cover = artwork(planned)
    warnings = (cover.warning,) if cover.warning else ()
    encoded = encode(planned, programme, cover)
    del programme
    written = write(planned, encoded, cover)
    watch.lap("encode")
    if not publish:
        return Narration(Status.RENDERED, planned.guid, article.meta.title, sentences, written=written,
                         cache_hits=cache_hits, stages=watch.stages, warnings=warnings)
    episode, _ = record(feed, written, now)
    watch.lap("record")
    return Narration(Status.PUBLISHED, planned.guid, episode.title, sentences, episode=episode, written=written,
                     cache_hits=cache_hits, stages=watch.stages, warnings=warnings)
