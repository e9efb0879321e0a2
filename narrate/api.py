"""The library API: the calls the CLI, a web service, a batch driver or a Dask worker make.

It is the edge where paths become values: a feed folder is opened once into a ``Feed`` (with the show page
as its view) and the value goes down into :mod:`narrate.pipeline`, which every narration runs through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate.errors import ConfigError, PublishError
from narrate.model import Article, Episode, EpisodeCheck, Script, Take
from narrate.pipeline import (
    Action,
    NarrateOptions,
    Narration,
    Status,
    build_script,
    choose_cast,
    feed_cast,
    load_preparer,
    narrate,
)
from narrate.pipeline import dry_run as pipeline_dry_run
from narrate.publish import episode as publishing
from narrate.publish.feed import Feed
from narrate.publish.manifest import manifest_name
from narrate.publish.names import slugify
from narrate.script import SpeechPreparer
from narrate.sources.read import ReadOptions, read_source
from narrate.voice.engines.base import EngineRegistry

if TYPE_CHECKING:
    from narrate.check.asr import AsrEngine
    from narrate.check.episode import CheckOptions
    from narrate.check.suggest import Suggestion
from narrate.voice.profiles import Cast

__all__ = [
    "Action",
    "Feed",
    "NarrateOptions",
    "Narration",
    "Status",
    "apply_fixes",
    "asr_engine",
    "build_script",
    "check_episode",
    "choose_cast",
    "create_feed",
    "dry_run_article",
    "episode_summary",
    "feed_cast",
    "find_episode",
    "find_episode_by_url",
    "list_episodes",
    "load_preparer",
    "narrate_article",
    "narration_summary",
    "open_feed",
    "read_article",
    "rebuild_feed",
    "remove_episode",
    "script_article",
    "slugify",
    "suggest_fixes",
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


def dry_run_article(
    source: str | Path | Article,
    feed: Feed | Path,
    options: NarrateOptions | None = None,
    *,
    registry: EngineRegistry | None = None,
    preparer: SpeechPreparer | None = None,
) -> Narration:
    """What narrating ``source`` into ``feed`` would do (a ``PLANNED`` narration with a ``preview``): the
    article read, the cast and every voice checked (each speaks one sentence), nothing written — not even
    the feed folder when it is new."""
    path = feed.path if isinstance(feed, Feed) else feed
    return pipeline_dry_run(source, Feed.draft(path), options or NarrateOptions(),
                            registry or EngineRegistry.from_entry_points(), preparer=preparer)


def find_episode_by_url(feed: Feed | Path, url: str) -> Episode | None:
    """The episode narrated from the article at ``url`` (tracking parameters, fragment, trailing slash and
    http/https ignored), if the feed has one."""
    matches = publishing.episodes_for_url(open_feed(feed).store.episodes(), url)
    return max(matches, key=lambda e: e.published) if matches else None


def episode_summary(feed: Feed, episode: Episode) -> dict[str, Any]:
    """What a CMS needs to know about a published episode, as JSON-ready values: its GUID, public URLs
    (audio, transcript, chapters, artwork, the stable manifest) and the embed snippet."""
    from narrate.web.embed import embed_snippet
    from narrate.web.show import PLAYER_DIR

    settings = feed.settings
    files = [episode.audio, *episode.extra_files, *((episode.image,) if episode.image else ())]
    return {
        "guid": episode.guid,
        "title": episode.title,
        "article_url": episode.link,
        "published": episode.published.isoformat(),
        "duration": round(episode.duration, 3),
        "audio_url": settings.episode_url(episode.audio.name),
        "files": [{"name": f.name, "type": f.mime_type, "url": settings.episode_url(f.name)} for f in files],
        "manifest_url": settings.show.base_url + manifest_name(episode.guid),
        "feed_url": settings.feed_url,
        "chapters": [{"title": c.title, "start": round(c.start, 3)} for c in episode.chapters],
        "embed_html": embed_snippet(episode, media_base_url=settings.media_base_url,
                                    player_base_url=settings.show.base_url + PLAYER_DIR,
                                    artist=settings.show.title, feed_url=settings.feed_url,
                                    manifest_url=settings.show.base_url + manifest_name(episode.guid)),
    }


def narration_summary(feed: Feed, narration: Narration) -> dict[str, Any]:
    """One narration's result as JSON-ready values (``narrate article --json``, a batch line, an API job):
    what happened (``published``, ``rendered``, ``unchanged``), whether anything changed, and the episode."""
    summary: dict[str, Any] = {
        "status": narration.status.value,
        "changed": narration.status is not Status.UNCHANGED,
        "guid": narration.guid,
        "title": narration.title,
        "sentences": narration.sentences,
        "cache_hits": narration.cache_hits,
        "duration": round(narration.duration, 3),
        "warnings": list(narration.warnings),
    }
    if narration.preview is not None:
        preview = narration.preview
        summary["changed"] = False
        summary["dry_run"] = {"action": preview.action.value, "voices": preview.voices,
                              "chapters": preview.chapters,
                              "estimated_duration": round(preview.estimated_duration, 1)}
    if narration.episode is not None:
        summary["episode"] = episode_summary(feed, narration.episode)
    return summary


def rebuild_feed(feed: Feed | Path, now: dt.datetime | None = None) -> int:
    """Rewrite feed.xml from the stored records (and drop files none references); returns the episode count."""
    return publishing.rebuild(open_feed(feed), now or dt.datetime.now(dt.UTC))


def remove_episode(feed: Feed | Path, key: str, now: dt.datetime | None = None) -> Episode:
    """Take an episode (by GUID or slug) out of a feed; its files are removed once feed.xml no longer lists it."""
    return publishing.remove(open_feed(feed), key, now or dt.datetime.now(dt.UTC))


def list_episodes(feed: Feed | Path) -> list[Episode]:
    """A feed's stored episodes, newest first."""
    return open_feed(feed).store.episodes()


# --- narrate check -------------------------------------------------------------------------------------

def find_episode(feed: Feed | Path, key: str = "latest") -> Episode:
    """The episode whose GUID, slug or audio file name is ``key``; ``latest``: the newest."""
    feed = open_feed(feed)
    episodes = feed.store.episodes()
    if not episodes:
        raise PublishError(f"{feed.name}: no episodes yet")
    if key == "latest":
        return episodes[0]
    matches = publishing.episodes_matching(episodes, key)
    if len(matches) != 1:
        raise PublishError(f"{feed.name}: {'no' if not matches else len(matches)} episodes match {key!r}; "
                           f"`narrate feed list {feed.name}` shows them")
    return matches[0]


def asr_engine(feed: Feed | Path, model: Path | None = None, threads: int = 0) -> AsrEngine:
    """The ASR engine that hears a feed's episodes: faster-whisper with ``model`` (else feed.toml's ``check_model``)."""
    from narrate.check.asr import AsrRegistry

    feed = open_feed(feed)
    configured = feed.settings.check.check_model
    folder = model or (feed.path / Path(configured).expanduser() if configured else None)
    if folder is None:
        raise ConfigError("no ASR model: give --model DIR or check_model in feed.toml (a faster-whisper model "
                          "folder; the README says where to get one)")
    return AsrRegistry.from_entry_points().create("whisper", {"model": str(folder), "threads": threads})


def check_episode(feed: Feed | Path, key: str = "latest", *, engine: AsrEngine,
                  options: CheckOptions | None = None, narrate_options: NarrateOptions | None = None,
                  now: dt.datetime | None = None, save: bool = True) -> tuple[Episode, EpisodeCheck]:
    """Hear an episode back and compare it with its text, sentence by sentence; the result is stored with the
    episode's record (unless ``save`` is False)."""
    from narrate.check.episode import check_episode as check

    feed = open_feed(feed)
    episode = find_episode(feed, key)
    preparer = load_preparer(feed_cast(feed, narrate_options or NarrateOptions()), feed)
    result = check(feed, episode, engine, preparer, options, now)
    if save:
        episode = publishing.record_check(feed, result, episode.guid)
    return episode, result


def suggest_fixes(feed: Feed | Path, result: EpisodeCheck, *, engine: AsrEngine,
                  registry: EngineRegistry | None = None,
                  narrate_options: NarrateOptions | None = None) -> list[Suggestion]:
    """For each misheard name of a check, candidate pronunciations spoken by the feed's voice and heard back."""
    from narrate.check.suggest import SUGGEST_ROLE, Suggestion, confirm, try_candidates, words_to_fix
    from narrate.voice.synthesize import resolve_voices

    feed = open_feed(feed)
    cast = feed_cast(feed, narrate_options or NarrateOptions())
    registry = registry or EngineRegistry.from_entry_points()
    voice = resolve_voices(cast, registry)[cast.profile_for(SUGGEST_ROLE).name]
    preparer = load_preparer(cast, feed)
    language = feed.settings.show.language
    suggestions = []
    for word, sentence in words_to_fix([(s.written, s.suspects) for s in result.flagged]).items():
        covered = bool(preparer.lexicon.find(word))
        tried = try_candidates(word, voice, engine, language)
        confirmed, heard = confirm(word, sentence, tried, voice, engine, preparer, language)
        suggestions.append(Suggestion(word, covered, tuple(tried), confirmed, heard))
    return suggestions


def apply_fixes(feed: Feed | Path, suggestions: list[Suggestion], source: str | Path | Article, *,
                registry: EngineRegistry | None = None, options: NarrateOptions | None = None) -> Narration:
    """Write the best candidates heard right (``Suggestion.found``) into the feed's lexicon (creating lexicon.toml
    when it has none) and narrate the article again: only the sentences whose spoken text changed are
    synthesized, the rest come from the cache."""
    from narrate.publish.files import WriteStep
    from narrate.script.lexicon import LexiconEntry, with_entries

    feed = open_feed(feed)
    name = feed.settings.production.lexicon
    if name is None:
        name = "lexicon.toml"
        settings = (feed.path / "feed.toml").read_text(encoding="utf-8")
        addition = '\n# Pronunciations of this feed (narrate check --apply writes here).\nlexicon = "lexicon.toml"\n'
        feed.write_file(WriteStep.SETTINGS, "feed.toml", (settings.rstrip("\n") + "\n" + addition).encode())
    path = feed.path / name
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Pronunciations of this feed.\n[words]\n"
    entries = [LexiconEntry(s.word, ipa=s.best.ipa, respell=None if s.best.ipa else s.best.respell)
               for s in suggestions if s.found]
    if not entries:
        raise ConfigError("no candidate pronunciation was heard as written; nothing to apply (add an entry by hand)")
    feed.write_file(WriteStep.SETTINGS, name, with_entries(text, entries).encode())
    return narrate_article(source, feed.path, options, registry=registry)
