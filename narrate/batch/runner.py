"""Many articles into one feed: a process pool (or a Dask cluster), a run journal, one publisher.

The work is split where the feed starts. A worker reads an article, scripts it, synthesizes it
(through the sentence cache), assembles, masters and encodes it, and writes its content-hashed files
to the feed's media location (the feed's ``episodes/`` folder, a shared folder or an fsspec URL such
as ``s3://``): :func:`render_task`. The parent only saves each episode's record and rewrites feed.xml
under the feed's lock, so there is one writer of the feed per run and the lock orders two runs on
the same feed. Each worker process builds its engine registry and speech preparer once and keeps its
voices loaded between articles.

feed.xml (and the show page) are rewritten at most every ``feed_interval`` seconds while a run goes
on, and once at its end: a feed of 10,000 episodes takes seconds to write, and rewriting it after
every article of a big batch would cost more than narrating. Records are saved as each article
finishes, so a killed run loses nothing; the next run writes the feed.

The journal (``.batch-journal.sqlite`` in the feed folder) lets a rerun skip sources whose bytes and
settings have not changed since they were published; anything else goes to a worker, which still
skips synthesis when the episode's render key is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from narrate import __version__, api
from narrate.batch.journal import Journal, State
from narrate.batch.sources import BatchItem, Expansion, expand_sources
from narrate.errors import ConfigError, NarrateError
from narrate.model import Episode, Take
from narrate.publish import episode as publishing
from narrate.publish.media import MediaStore
from narrate.publish.settings import FeedConfig, load_feed_config
from narrate.publish.store import EpisodeStore
from narrate.script import SpeechPreparer
from narrate.sources.read import ReadOptions
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.synthesize import resolve_voices

STALE_SCRATCH_SECONDS = 3600
FEED_INTERVAL = 30.0
"""Seconds between rewrites of feed.xml during a run."""


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """onnxruntime threads for each of ``workers`` processes so that workers x threads <= cores."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


@dataclass(frozen=True)
class ArticleTask:
    """Everything a worker needs to render one article; picklable."""

    item: BatchItem
    feed_dir: Path
    options: api.NarrateOptions
    threads: int = 0
    """onnxruntime threads for this worker's voices; 0 keeps the engine's default."""


@dataclass(frozen=True)
class Rendered:
    """An episode whose files a worker wrote to the media location; its record is the parent's to save."""

    written: api.WrittenEpisode
    sentences: int
    cache_hits: int
    stages: dict[str, float]

    @property
    def guid(self) -> str:
        """The episode's GUID."""
        return self.written.guid


@dataclass(frozen=True)
class Unchanged:
    """The feed already holds this article's episode, made from the same inputs."""

    episode: Episode
    guid: str
    sentences: int
    stages: dict[str, float]


TaskResult = Rendered | Unchanged | BaseException
"""What a runner yields for a task: the worker's result, or the exception it raised."""


class Status(StrEnum):
    """What became of one article."""

    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    """Read and scripted, found identical to the published episode."""
    SKIPPED = "skipped"
    """Not even read: the journal shows the same bytes and settings already published."""
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """One article's result, for progress, the summary and the exit code."""

    source: str
    label: str
    status: Status
    title: str | None = None
    duration: float = 0.0
    sentences: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    error: str | None = None
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class BatchReport:
    """Every outcome of a run, in the order they finished."""

    outcomes: list[Outcome] = field(default_factory=list)
    planned: int = 0
    stopped_early: bool = False
    wall_seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        """The articles that failed."""
        return [o for o in self.outcomes if o.status is Status.FAILED]

    @property
    def audio_seconds(self) -> float:
        """Audio published in this run."""
        return sum(o.duration for o in self.outcomes if o.status is Status.PUBLISHED)


class Runner(Protocol):
    """Runs :func:`render_task` somewhere and yields each task with its result or its exception."""

    def results(self, tasks: Sequence[ArticleTask]) -> Iterator[tuple[ArticleTask, TaskResult]]:
        ...

    def cancel(self) -> None:
        """Drop the tasks that have not started."""


# --- the worker side ------------------------------------------------------------------------------

_CONTEXTS: dict[tuple[Path, tuple[Path, ...]], tuple[EngineRegistry, SpeechPreparer]] = {}
_CONTEXT_LOCK = threading.Lock()


def worker_context(feed_dir: Path, options: api.NarrateOptions,
                   threads: int = 0) -> tuple[EngineRegistry, SpeechPreparer]:
    """This process's registry and speech preparer for a feed, built on first use and kept; its engines use
    ``threads`` CPU threads each (0: their own choice)."""
    key = (feed_dir.resolve(), options.voices_dirs)
    if not (feed_dir / "feed.toml").is_file():
        # The client writes feed.toml before any task; a worker without it is on a machine that cannot see the
        # feed folder, and a default feed.toml made here would narrate with the wrong settings.
        raise ConfigError(f"{feed_dir / 'feed.toml'} is not readable on this worker; workers need the feed folder "
                          "at the same path (a shared mount)")
    with _CONTEXT_LOCK:
        if key not in _CONTEXTS:
            config = load_feed_config(feed_dir)
            cast = api.choose_cast(api.feed_options(options, feed_dir), config.cast)
            _CONTEXTS[key] = (EngineRegistry.from_entry_points(threads=threads),
                              api.feed_preparer(feed_dir, config, cast))
        return _CONTEXTS[key]


def init_worker(feed_dir: Path, options: api.NarrateOptions, threads: int) -> None:
    """Process-pool initializer: build the context and load the cast's voices before the first article."""
    registry, _ = worker_context(feed_dir, options, threads)
    options = api.feed_options(options, feed_dir)
    try:
        cast = api.choose_cast(options, load_feed_config(feed_dir).cast)
        for voice in resolve_voices(cast, registry).values():
            voice.engine.load(voice.options)
    except NarrateError:
        pass  # the first article reports the same problem with its name on it


def render_task(task: ArticleTask) -> Rendered | Unchanged:
    """Read, script, synthesize, assemble and encode one article and write its files to the media location;
    the caller records the episode and rewrites the feed."""
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = stages.get(name, 0.0) + now - clock
        clock = now

    registry, preparer = worker_context(task.feed_dir, task.options, task.threads)
    article = api.read_article(task.item.source, task.options.read)
    lap("read")
    plan = api.plan_narration(article, task.feed_dir, task.options, registry, preparer)
    script, options, guid, key = plan.script, plan.options, plan.guid, plan.render_key
    sentences = sum(1 for _ in script.sentences())
    lap("script")
    media = plan.config.media_store(task.feed_dir)
    if not options.force:
        existing = api.published_unchanged(EpisodeStore(task.feed_dir), media, guid, key)
        if existing is not None:
            return Unchanged(existing, guid, sentences, stages)
    cache_hits = 0
    last_take = clock

    def taken(take: Take) -> None:
        nonlocal cache_hits, last_take
        cache_hits += take.cached
        last_take = time.perf_counter()

    programme = api.render_audio(script, plan.cast, registry, options, taken, plan.voices)
    stages["synthesize"] = last_take - clock
    clock = last_take
    lap("assemble")
    written = api.write_episode(article, script, programme, task.feed_dir, plan.config, render_key=key)
    del programme
    lap("encode")
    trim_heap()
    return Rendered(written, sentences, cache_hits, stages)


def trim_heap() -> None:
    """Give the memory freed after an article back to the system (glibc keeps it otherwise).

    A worker's freed programme buffers stay in the C heap, fragmented, and the next article starts
    from there: measured, 450 MB after the first 2,000-word article and 510 MB before the second.
    Dask's workers do the same (``malloc_trim``); elsewhere than glibc this does nothing.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return


# --- runners --------------------------------------------------------------------------------------

class InlineRunner:
    """Renders in this process, one article at a time (for a debugger, or a machine with one core)."""

    def __init__(self) -> None:
        self._cancelled = False

    def results(self, tasks: Sequence[ArticleTask]) -> Iterator[tuple[ArticleTask, TaskResult]]:
        for task in tasks:
            if self._cancelled:
                return
            try:
                yield task, render_task(task)
            except Exception as error:  # reported per article; one bad article must not stop the batch
                yield task, error

    def cancel(self) -> None:
        self._cancelled = True


class PoolRunner(AbstractContextManager["PoolRunner"]):
    """A process pool (spawn context); each worker loads its voices once in its initializer."""

    def __init__(self, jobs: int, feed_dir: Path, options: api.NarrateOptions, threads: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.threads = threads
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(feed_dir, options, threads))

    def results(self, tasks: Sequence[ArticleTask]) -> Iterator[tuple[ArticleTask, TaskResult]]:
        from concurrent.futures import CancelledError, as_completed

        futures = {self.executor.submit(render_task, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except CancelledError:
                continue
            except Exception as error:  # the worker's exception, re-raised here: reported per article
                yield futures[future], error

    def cancel(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    def __exit__(self, *exc_info: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


# --- the parent side ------------------------------------------------------------------------------

def settings_digest(feed_dir: Path, options: api.NarrateOptions) -> str:
    """Digest of what, besides the article, decides an episode: options, version, feed settings, voices."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(repr(replace(options, read=ReadOptions(), force=False)).encode())
    config_files = [feed_dir / "feed.toml"]
    voices = feed_dir / "voices"
    if voices.is_dir():
        config_files += sorted(voices.rglob("*"))
    for folder in options.voices_dirs:
        config_files += sorted(folder.rglob("*")) if folder.is_dir() else []
    config = load_feed_config(feed_dir)
    if config.lexicon:
        config_files.append(feed_dir / config.lexicon)
    for path in config_files:
        if path.is_file():
            digest.update(str(path).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def remove_stale_scratch(media_dir: Path, older_than: float = STALE_SCRATCH_SECONDS) -> int:
    """Remove encode folders and temp files a killed run left in the media folder (never published)."""
    if not media_dir.is_dir():
        return 0
    removed = 0
    limit = time.time() - older_than
    for path in media_dir.iterdir():
        if not (path.name.startswith(".encode-") or (path.name.startswith(".") and path.name.endswith(".tmp"))):
            continue
        try:
            if path.lstat().st_mtime > limit:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed


def _reason(error: BaseException) -> str:
    if isinstance(error, NarrateError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class _Publisher:
    """The parent's half: record rendered episodes, rewrite the feed now and then, keep the journal, count
    duplicates."""

    def __init__(self, feed_dir: Path, config: FeedConfig, journal: Journal, run: str, settings: str,
                 now: dt.datetime | None, feed_interval: float) -> None:
        self.feed_dir = feed_dir
        self.config = config
        self.journal = journal
        self.run = run
        self.settings = settings
        self.now = now
        self.feed_interval = feed_interval
        self.guids: dict[str, str] = {}
        self.unlisted = 0
        """Records saved since feed.xml was last written."""
        self.dropped: set[str] = set()
        """Files no longer (or never) referenced, to remove once feed.xml no longer lists them."""
        self.last_feed = -float("inf")

    def claim(self, guid: str, source: str) -> str | None:
        """The source that already gave this article in this run, else None (and it is now this one's)."""
        first = self.guids.get(guid)
        if first is None:
            self.guids[guid] = source
        return first

    def accept(self, task: ArticleTask, result: TaskResult, started: float) -> Outcome:
        item = task.item
        if isinstance(result, BaseException):
            reason = _reason(result)
            self.journal.failed(item.source, self.run, reason)
            return Outcome(item.source, item.label, Status.FAILED, error=reason,
                           seconds=time.perf_counter() - started)
        first = self.claim(result.guid, item.source)
        if first is not None:
            if isinstance(result, Rendered):
                self.dropped.update(result.written.files.names)
            self.journal.duplicate(item.source, self.run, result.guid, first)
            return Outcome(item.source, item.label, Status.DUPLICATE, error=f"same article as {first}")
        stages = dict(result.stages)
        if isinstance(result, Unchanged):
            episode, status, cache_hits = result.episode, Status.UNCHANGED, 0
        else:
            clock = time.perf_counter()
            try:
                episode, dropped = api.record_episode(result.written, self.feed_dir, self.config, now=self.now,
                                                      write_feed=False)
                self.unlisted += 1
                self.dropped.update(dropped)
                self.write_feed()
            except Exception as error:  # a publish failure is this article's failure
                reason = _reason(error)
                del self.guids[result.guid]
                self.dropped.update(result.written.files.names)
                self.journal.failed(item.source, self.run, reason)
                return Outcome(item.source, item.label, Status.FAILED, error=reason, stages=stages)
            stages["publish"] = time.perf_counter() - clock
            status, cache_hits = Status.PUBLISHED, result.cache_hits
        seconds = sum(stages.values())
        self.journal.finished(item.source, self.run, fingerprint=item.fingerprint, settings=self.settings,
                              guid=episode.guid, title=episode.title, duration=episode.duration,
                              sentences=result.sentences, cache_hits=cache_hits, seconds=seconds)
        return Outcome(item.source, item.label, status, title=episode.title, duration=episode.duration,
                       sentences=result.sentences, cache_hits=cache_hits, seconds=seconds, stages=stages)

    def write_feed(self, final: bool = False) -> None:
        """Rewrite feed.xml when records wait for it and ``feed_interval`` has passed (or at the end of the run,
        also when an earlier, killed run left records the feed does not list)."""
        due = time.monotonic() - self.last_feed >= self.feed_interval
        if not (self.unlisted and due) and not (final and (self.unlisted or self.dropped or self.feed_stale())):
            return
        publishing.write_feed(self.feed_dir, self.config, self.now or dt.datetime.now(dt.UTC), self.dropped)
        self.unlisted = 0
        self.dropped.clear()
        self.last_feed = time.monotonic()

    def feed_stale(self) -> bool:
        """Whether a record was saved after feed.xml was last written."""
        feed = self.feed_dir / "feed.xml"
        records = EpisodeStore(self.feed_dir).records_dir
        if not records.is_dir():
            return False
        if not feed.exists():
            return True
        written = feed.stat().st_mtime_ns
        return any(path.stat().st_mtime_ns > written for path in records.glob("*.json"))


def journal_skip(journal: Journal, store: EpisodeStore, media: MediaStore, item: BatchItem,
                 settings: str) -> Episode | None:
    """The published episode of an item the journal shows done from the same bytes and settings."""
    if item.fingerprint is None:
        return None
    entry = journal.get(item.source)
    if entry is None or entry.state is not State.DONE or entry.guid is None:
        return None
    if entry.fingerprint != item.fingerprint or entry.settings != settings:
        return None
    return api.published_unchanged(store, media, entry.guid, None)


def run_batch(
    sources: Iterable[str] | Expansion,
    feed_dir: Path,
    options: api.NarrateOptions | None = None,
    *,
    runner: Runner | None = None,
    threads: int = 0,
    fail_fast: bool = False,
    on_plan: Callable[[int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    now: dt.datetime | None = None,
    feed_interval: float = FEED_INTERVAL,
) -> BatchReport:
    """Narrate every article the sources name into one feed; never raises for a bad article.

    ``runner`` says where articles are rendered (default: in this process); ``on_plan`` gets the number
    of articles once the sources are expanded, ``on_outcome`` each article's outcome as it finishes;
    feed.xml is rewritten at most every ``feed_interval`` seconds while the run goes on, and at its end.
    """
    wall = time.perf_counter()
    options = options or api.NarrateOptions()
    runner = runner or InlineRunner()
    report = BatchReport()

    def record(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    expansion = sources if isinstance(sources, Expansion) else expand_sources(sources, options.read)
    config = load_feed_config(feed_dir)  # a new feed gets its feed.toml here, before workers read it
    journal = Journal(feed_dir)
    store = EpisodeStore(feed_dir)
    media = config.media_store(feed_dir)
    if media.local_dir is not None:
        remove_stale_scratch(media.local_dir)
    settings = settings_digest(feed_dir, options)
    run = uuid.uuid4().hex[:12]
    publisher = _Publisher(feed_dir, config, journal, run, settings, now, feed_interval)
    report.planned = len(expansion.items) + len(expansion.problems) + len(expansion.duplicates)
    if on_plan is not None:
        on_plan(report.planned)

    for problem in expansion.problems:
        record(Outcome(problem.source, problem.source, Status.FAILED, error=problem.reason))
    for duplicate in expansion.duplicates:
        record(Outcome(duplicate.source, duplicate.source, Status.DUPLICATE,
                       error=f"named again; first as {duplicate.first}"))
    try:
        if fail_fast and expansion.problems:
            report.stopped_early = True
            return report
        tasks: list[ArticleTask] = []
        for item in expansion.items:
            skipped = None if options.force else journal_skip(journal, store, media, item, settings)
            if skipped is not None and publisher.claim(skipped.guid, item.source) is None:
                record(Outcome(item.source, item.label, Status.SKIPPED, title=skipped.title,
                               duration=skipped.duration))
                continue
            journal.started(item.source, run)
            tasks.append(ArticleTask(item, feed_dir, options, threads))

        started = time.perf_counter()
        for task, result in runner.results(tasks):
            outcome = publisher.accept(task, result, started)
            record(outcome)
            if fail_fast and outcome.status is Status.FAILED:
                report.stopped_early = True
                runner.cancel()
                break
    finally:
        # Also after Ctrl-C or a failure of the run itself: the records saved so far get into the feed.
        publisher.write_feed(final=True)
        report.wall_seconds = time.perf_counter() - wall
    return report
