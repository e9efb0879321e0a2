"""The worker half of a batch: one article through the pipeline up to its written files.

A worker (a pool process or a Dask worker) reads an article, scripts it, synthesizes it through the
sentence cache, assembles, masters and encodes it, and writes its content-hashed files to the feed's
media location: :func:`narrate.pipeline.narrate` with ``publish=False``. The record is the parent's to
save. Each worker process builds its engine registry and speech preparer once per feed and keeps its
voices loaded between articles.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from narrate.batch.sources import BatchItem
from narrate.errors import NarrateError
from narrate.model import Article, Script, Take
from narrate.pipeline import NarrateOptions, Narration, feed_cast, load_preparer, narrate
from narrate.publish.feed import Feed
from narrate.script import SpeechPreparer
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.synthesize import resolve_voices


@dataclass(frozen=True)
class ArticleTask:
    """Everything a worker needs to render one article; picklable (the feed's settings travel with it)."""

    item: BatchItem
    feed: Feed
    options: NarrateOptions
    threads: int = 0
    """onnxruntime threads for this worker's voices; 0 keeps the engine's default."""
    article: Article | None = None
    """The article already read (a body handed to the publish API); None reads ``item.source``."""


_CONTEXTS: dict[tuple[str, tuple[str, ...], int], tuple[EngineRegistry, SpeechPreparer]] = {}
_CONTEXT_LOCK = threading.Lock()


def worker_context(feed: Feed, options: NarrateOptions, threads: int = 0) -> tuple[EngineRegistry, SpeechPreparer]:
    """This process's registry and speech preparer for a feed, built on first use and kept; its engines use
    ``threads`` CPU threads each (0: their own choice)."""
    key = (str(feed.path.resolve()), tuple(str(p) for p in options.voices_dirs), threads)
    with _CONTEXT_LOCK:
        if key not in _CONTEXTS:
            _CONTEXTS[key] = (EngineRegistry.from_entry_points(threads=threads),
                              load_preparer(feed_cast(feed, options), feed))
        return _CONTEXTS[key]


def init_worker(feed: Feed, options: NarrateOptions, threads: int) -> None:
    """Process-pool initializer: build the context and load the cast's voices before the first article."""
    registry, _ = worker_context(feed, options, threads)
    try:
        for voice in resolve_voices(feed_cast(feed, options), registry).values():
            voice.engine.load(voice.options)
    except NarrateError:
        pass  # the first article reports the same problem with its name on it


def render_task(task: ArticleTask, *, progress: Callable[[Take], None] | None = None,
                on_script: Callable[[Script], None] | None = None) -> Narration:
    """One article through the pipeline up to its files in the media location (``RENDERED``), or found
    ``UNCHANGED``; the caller records it. ``progress`` and ``on_script`` are the pipeline's callbacks (in this
    process only: a pool or Dask worker runs without them)."""
    registry, preparer = worker_context(task.feed, task.options, task.threads)
    try:
        return narrate(task.article or task.item.source, task.feed, task.options, registry, preparer=preparer,
                       publish=False, progress=progress, on_script=on_script)
    finally:
        trim_heap()


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
