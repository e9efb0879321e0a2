"""The service's workers: threads that take queued jobs and narrate them through the batch worker's task.

Where an article renders is the renderer's business: in this process (the default: one at a time, with
per-sentence progress), on a process pool (``--jobs N``, as ``narrate batch``), or on Dask. Whichever it is,
the render is :func:`narrate.batch.worker.render_task` and the record is :func:`narrate.pipeline.record`, in
this process, under the feed's lock: the same split as ``narrate batch``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from narrate import api
from narrate.batch.driver import failure_reason
from narrate.batch.sources import BatchItem
from narrate.batch.worker import ArticleTask, render_task
from narrate.errors import NarrateError
from narrate.model import Script, Take
from narrate.pipeline import NarrateOptions, Narration, Status, record
from narrate.publish.episode import discard, reconcile
from narrate.service.jobs import Job, JobStore
from narrate.service.webhooks import Webhooks
from narrate.sources.read import TEXT_KINDS, read_text

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25
"""Seconds between two progress writes of a running job."""


@dataclass(frozen=True)
class WorkerSettings:
    """What every job of the service is narrated with."""

    feeds_root: Path
    options: NarrateOptions = field(default_factory=NarrateOptions)
    """The narration options (cast, voice, cache); the fetch guard's ``allow_private`` is set per feed."""
    allow_private: frozenset[str] = frozenset()
    """Feeds whose submitted URLs may be on private, loopback or link-local addresses."""

    def options_for(self, feed: str) -> NarrateOptions:
        read = replace(self.options.read, allow_private=feed in self.allow_private)
        return replace(self.options, read=read)


class Renderer(Protocol):
    """Runs a task's render somewhere and waits for it."""

    slots: int
    """How many jobs it renders at once (one worker thread each)."""
    threads: int
    """onnxruntime threads per task (0: the engine's default)."""

    def render(self, task: ArticleTask, progress: Callable[[Take], None],
               on_script: Callable[[Script], None]) -> Narration: ...

    def close(self) -> None: ...


class InProcess:
    """Renders in the service's own process, one job at a time; voices stay loaded between jobs."""

    slots = 1
    threads = 0

    def render(self, task: ArticleTask, progress: Callable[[Take], None],
               on_script: Callable[[Script], None]) -> Narration:
        return render_task(task, progress=progress, on_script=on_script)

    def close(self) -> None:
        pass


class OnPool:
    """A process pool of ``jobs`` workers (spawned, as ``narrate batch`` does), each keeping its voices loaded."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from narrate.batch.runner import threads_per_worker

        self.slots = jobs
        self.threads = threads_per_worker(jobs)
        self.executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))

    def render(self, task: ArticleTask, progress: Callable[[Take], None],
               on_script: Callable[[Script], None]) -> Narration:
        return self.executor.submit(render_task, task).result()

    def close(self) -> None:
        # A render still going is cut short (its job is queued again at the next start): left alone, a pool
        # worker would outlive the service, waiting on a queue nobody feeds.
        processes = list(getattr(self.executor, "_processes", {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)


class OnDask:
    """A Dask scheduler's workers (or a local cluster of N), through ``narrate batch``'s Dask runner."""

    def __init__(self, scheduler: str | None, local_workers: int | None) -> None:
        from narrate.batch.dask import DaskRunner

        self.runner = DaskRunner(scheduler=scheduler, local_workers=local_workers)
        self.threads = self.runner.threads
        self.slots = local_workers or max(1, sum(self.runner.client.nthreads().values()))

    def render(self, task: ArticleTask, progress: Callable[[Take], None],
               on_script: Callable[[Script], None]) -> Narration:
        from narrate.batch.dask import render_on_worker

        result: Narration = self.runner.client.submit(render_on_worker, task, pure=False).result()
        return result

    def close(self) -> None:
        self.runner.__exit__(None, None, None)


class FeedLocks:
    """One lock per feed, shared by the workers (recording) and the API (takedowns), so a takedown and a
    job of the same article never interleave their check and their write."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, feed: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(feed, threading.Lock())


class JobCancelled(NarrateError):
    """The job's article was taken down while it rendered: nothing was recorded, its files were deleted."""


class Workers:
    """``renderer.slots`` threads, each taking the oldest queued job until stopped."""

    def __init__(self, store: JobStore, webhooks: Webhooks, renderer: Renderer, settings: WorkerSettings,
                 poll: float = 0.5, locks: FeedLocks | None = None) -> None:
        self.store = store
        self.webhooks = webhooks
        self.renderer = renderer
        self.settings = settings
        self.poll = poll
        self.queued = threading.Event()
        self.stopping = threading.Event()
        self.on_delivery: Callable[[], None] = lambda: None
        """Called once a job's webhook events are queued (wakes the sender)."""
        self.locks = locks or FeedLocks()
        self.threads = [threading.Thread(target=self._loop, name=f"narrate-job-{n}", daemon=True)
                        for n in range(renderer.slots)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, wait: float = 5.0) -> None:
        """Take no more jobs; a job still rendering after ``wait`` seconds is queued again at the next start."""
        self.stopping.set()
        self.queued.set()
        deadline = time.monotonic() + wait
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        """A job was queued."""
        self.queued.set()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                job = self.store.claim()
            except Exception:  # a locked or full disk: wait and try again rather than lose the worker
                log.exception("claiming a job")
                job = None
            if job is None:
                self.queued.wait(timeout=self.poll)
                self.queued.clear()
                continue
            self.run(job)

    def feed_lock(self, feed: str) -> threading.Lock:
        """The lock a feed's records are written under in this process (see :class:`FeedLocks`)."""
        return self.locks.get(feed)

    def run(self, job: Job) -> None:
        """Narrate one claimed job, record it, and queue its webhook event; never raises."""
        try:
            feed = api.open_feed(self.settings.feeds_root / job.feed)
            summary = self._narrate(job, feed)
        except Exception as error:  # the job's failure, reported in one line; the worker goes on
            if not isinstance(error, NarrateError):
                log.exception("job %s", job.id)
            why = failure_reason(error)
            self.store.fail(job.id, why)
            self._notify(job, "narration.failed", {"error": why})
            return
        self.store.finish(job.id, summary)
        self._notify(job, "narration.done", {"narration": summary})

    def _narrate(self, job: Job, feed: api.Feed) -> dict[str, Any]:
        options = self.settings.options_for(job.feed)
        feed.claim_media()
        with self.feed_lock(feed.name):
            # A killed run may have saved a record feed.xml lacks; the re-run then finds the episode unchanged.
            reconcile(feed, dt.datetime.now(dt.UTC))
        request = job.request
        kind = next((k for k in TEXT_KINDS if request.get(k) is not None), None)
        article = None
        if kind is not None:
            article = read_text(request[kind], kind, url=request.get("url"), title=request.get("title"),
                                published=_date(request.get("published")), options=options.read)
        source = request.get("url") or f"{kind} body"
        task = ArticleTask(BatchItem(source, source, "api"), feed, options, self.renderer.threads, article)
        narration = self.renderer.render(task, *self._progress(job))
        if narration.status is Status.RENDERED:
            assert narration.written is not None
            with self.feed_lock(feed.name):
                # Under the lock a takedown also holds: a job asked to stop while it rendered records nothing.
                cancelled = self.store.cancel_requested(job.id)
                if cancelled:
                    with feed.locked():
                        discard(feed, narration.written)
                    raise JobCancelled(cancelled)
                episode, _ = record(feed, narration.written)
            narration = replace(narration, status=Status.PUBLISHED, episode=episode)
        return api.narration_summary(feed, narration)

    def _progress(self, job: Job) -> tuple[Callable[[Take], None], Callable[[Script], None]]:
        done = total = 0
        last = 0.0

        def on_script(script: Script) -> None:
            nonlocal total
            total = sum(1 for _ in script.sentences())
            self.store.progress(job.id, 0, total)

        def progress(take: Take) -> None:
            nonlocal done, last
            done += 1
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or done == total:
                last = now
                self.store.progress(job.id, done, total)

        return progress, on_script

    def _notify(self, job: Job, event: str, payload: dict[str, Any]) -> None:
        try:
            if self.webhooks.enqueue(job.feed, job.id, event, {"job": job.id, **payload}):
                self.on_delivery()
        except Exception:  # a webhook that cannot be queued must not undo the job
            log.exception("queueing %s of job %s", event, job.id)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
