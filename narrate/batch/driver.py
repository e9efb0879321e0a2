"""Many articles into one feed: expand the sources, hand the articles to a runner, record what comes back.

The work is split where the feed starts. Workers run the pipeline up to each episode's files in the
media location (:mod:`narrate.batch.worker`); this process only saves each episode's record and rewrites
feed.xml under the feed's lock, so there is one writer of the feed per run and the lock orders two runs on
the same feed.

feed.xml (and the feed's views) are rewritten at most every ``feed_interval`` seconds while a run goes
on, and once at its end: a feed of 10,000 episodes takes seconds to write, and rewriting it after every
article of a big batch would cost more than narrating. Records are saved as each article finishes, so a
killed run loses nothing; the next run writes the feed.

The journal (``.batch-journal.sqlite`` in the feed folder) lets a rerun skip sources whose bytes and
settings have not changed since they were published; anything else goes to a worker, which still skips
synthesis when the episode's render key is unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from narrate import __version__
from narrate.batch.journal import Journal, State
from narrate.batch.runner import InlineRunner, Runner, TaskResult
from narrate.batch.sources import BatchItem, Expansion, expand_sources
from narrate.batch.worker import ArticleTask
from narrate.errors import NarrateError
from narrate.model import Episode
from narrate.pipeline import NarrateOptions, published_unchanged, record
from narrate.pipeline import Status as NarrationStatus
from narrate.publish.episode import write_feed
from narrate.publish.feed import Feed
from narrate.publish.manifest import manifests_disagree
from narrate.sources.read import ReadOptions

STALE_SCRATCH_SECONDS = 3600
FEED_INTERVAL = 30.0
"""Seconds between rewrites of feed.xml during a run."""


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs; the narration itself is ``narrate``'s."""

    narrate: NarrateOptions = field(default_factory=NarrateOptions)
    fail_fast: bool = False
    """Stop at the first article that fails."""
    feed_interval: float = FEED_INTERVAL
    """Seconds between rewrites of feed.xml while the run goes on (it is always rewritten at the end)."""


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
    guid: str | None = None


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


def settings_digest(feed: Feed, options: NarrateOptions) -> str:
    """Digest of what, besides the article, decides an episode: options, version, feed settings, voices."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(repr(replace(options, read=ReadOptions(), force=False)).encode())
    config_files = [feed.path / "feed.toml"]
    voices = feed.path / "voices"
    if voices.is_dir():
        config_files += sorted(voices.rglob("*"))
    for folder in options.voices_dirs:
        config_files += sorted(folder.rglob("*")) if folder.is_dir() else []
    lexicon = feed.resolve(feed.settings.production.lexicon)
    if lexicon is not None:
        config_files.append(lexicon)
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


def failure_reason(error: BaseException) -> str:
    """A failed article's error in one line (narrate's own errors as they are, others with their type)."""
    text = str(error) if isinstance(error, NarrateError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


class _Recorder:
    """The parent's half: record rendered episodes, rewrite the feed now and then, keep the journal, count
    duplicates."""

    def __init__(self, feed: Feed, journal: Journal, run: str, settings: str, now: dt.datetime | None,
                 feed_interval: float) -> None:
        self.feed = feed
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
            reason = failure_reason(result)
            self.journal.failed(item.source, self.run, reason)
            return Outcome(item.source, item.label, Status.FAILED, error=reason,
                           seconds=time.perf_counter() - started)
        written = result.written
        first = self.claim(result.guid, item.source)
        if first is not None:
            if written is not None:
                self.dropped.update(written.files.names)
            self.journal.duplicate(item.source, self.run, result.guid, first)
            return Outcome(item.source, item.label, Status.DUPLICATE, error=f"same article as {first}",
                           guid=result.guid)
        stages = dict(result.stages)
        if result.status is NarrationStatus.UNCHANGED or written is None:
            assert result.episode is not None
            episode, status, cache_hits = result.episode, Status.UNCHANGED, 0
        else:
            clock = time.perf_counter()
            try:
                episode, _ = record(self.feed, written, self.now, write_feed=False)
                self.unlisted += 1
                self.write_feed()
            except Exception as error:  # a publish failure is this article's failure
                reason = failure_reason(error)
                del self.guids[result.guid]
                self.dropped.update(written.files.names)
                self.journal.failed(item.source, self.run, reason)
                return Outcome(item.source, item.label, Status.FAILED, error=reason, stages=stages)
            stages["record"] = time.perf_counter() - clock
            status, cache_hits = Status.PUBLISHED, result.cache_hits
        seconds = sum(stages.values())
        self.journal.finished(item.source, self.run, fingerprint=item.fingerprint, settings=self.settings,
                              guid=episode.guid, title=episode.title, duration=episode.duration,
                              sentences=result.sentences, cache_hits=cache_hits, seconds=seconds)
        return Outcome(item.source, item.label, status, title=episode.title, duration=episode.duration,
                       sentences=result.sentences, cache_hits=cache_hits, seconds=seconds, stages=stages,
                       guid=episode.guid)

    def write_feed(self, final: bool = False) -> None:
        """Rewrite feed.xml when records wait for it and ``feed_interval`` has passed (or at the end of the run,
        also when an earlier, killed run left records the feed does not list)."""
        due = time.monotonic() - self.last_feed >= self.feed_interval
        if not (self.unlisted and due) and not (final and (self.unlisted or self.dropped or self.feed_stale())):
            return
        write_feed(self.feed, self.now or dt.datetime.now(dt.UTC), self.dropped)
        self.unlisted = 0
        self.dropped.clear()
        self.last_feed = time.monotonic()

    def feed_stale(self) -> bool:
        """Whether a record was saved after feed.xml was last written, or an episode lacks its manifest (a feed
        published before manifests existed gets them from its first batch)."""
        feed_xml = self.feed.path / "feed.xml"
        records = self.feed.store.records_dir
        if not records.is_dir():
            return False
        if not feed_xml.exists():
            return True
        written = feed_xml.stat().st_mtime_ns
        paths = list(records.glob("*.json"))
        return (any(path.stat().st_mtime_ns > written for path in paths)
                or manifests_disagree(self.feed, (path.stem for path in paths)))


def journal_skip(journal: Journal, feed: Feed, item: BatchItem, settings: str) -> Episode | None:
    """The published episode of an item the journal shows done from the same bytes and settings."""
    if item.fingerprint is None:
        return None
    entry = journal.get(item.source)
    if entry is None or entry.state is not State.DONE or entry.guid is None:
        return None
    if entry.fingerprint != item.fingerprint or entry.settings != settings:
        return None
    return published_unchanged(feed, entry.guid, None)


def run_batch(
    sources: Iterable[str] | Expansion,
    feed: Feed,
    options: BatchOptions | None = None,
    *,
    runner: Runner | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    now: dt.datetime | None = None,
) -> BatchReport:
    """Narrate every article the sources name into one feed; never raises for a bad article.

    ``runner`` says where articles are rendered (default: in this process); ``on_plan`` gets the number
    of articles once the sources are expanded, ``on_outcome`` each article's outcome as it finishes.
    """
    wall = time.perf_counter()
    options = options or BatchOptions()
    narrate_options = options.narrate
    runner = runner or InlineRunner()
    report = BatchReport()

    def note(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    expansion = sources if isinstance(sources, Expansion) else expand_sources(sources, narrate_options.read)
    journal = Journal(feed.path)
    media = feed.media
    feed.claim_media()
    if media.local_dir is not None:
        remove_stale_scratch(media.local_dir)
    settings = settings_digest(feed, narrate_options)
    run = uuid.uuid4().hex[:12]
    recorder = _Recorder(feed, journal, run, settings, now, options.feed_interval)
    report.planned = len(expansion.items) + len(expansion.problems) + len(expansion.duplicates)
    if on_plan is not None:
        on_plan(report.planned)

    for problem in expansion.problems:
        note(Outcome(problem.source, problem.source, Status.FAILED, error=problem.reason))
    for duplicate in expansion.duplicates:
        note(Outcome(duplicate.source, duplicate.source, Status.DUPLICATE,
                     error=f"named again; first as {duplicate.first}"))
    try:
        if options.fail_fast and expansion.problems:
            report.stopped_early = True
            return report
        tasks: list[ArticleTask] = []
        for item in expansion.items:
            skipped = None if narrate_options.force else journal_skip(journal, feed, item, settings)
            if skipped is not None and recorder.claim(skipped.guid, item.source) is None:
                note(Outcome(item.source, item.label, Status.SKIPPED, title=skipped.title,
                             duration=skipped.duration, guid=skipped.guid))
                continue
            journal.started(item.source, run)
            tasks.append(ArticleTask(item, feed, narrate_options, runner.threads))

        started = time.perf_counter()
        for task, result in runner.results(tasks):
            outcome = recorder.accept(task, result, started)
            note(outcome)
            if options.fail_fast and outcome.status is Status.FAILED:
                report.stopped_early = True
                runner.cancel()
                break
    finally:
        # Also after Ctrl-C or a failure of the run itself: the records saved so far get into the feed.
        recorder.write_feed(final=True)
        report.wall_seconds = time.perf_counter() - wall
    return report
