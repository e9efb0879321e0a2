"""Where a batch's articles are rendered: in this process, or in a process pool (Dask: ``narrate.batch.dask``).

A runner takes the tasks and yields each with the worker's result or the exception it raised; the
driver (:mod:`narrate.batch.driver`) records what comes back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from narrate.batch.worker import ArticleTask, init_worker, render_task
from narrate.pipeline import NarrateOptions, Narration
from narrate.publish.feed import Feed

TaskResult = Narration | BaseException
"""What a runner yields for a task: the worker's narration, or the exception it raised."""


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """onnxruntime threads for each of ``workers`` processes so that workers x threads <= cores."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


class Runner(Protocol):
    """Runs :func:`narrate.batch.worker.render_task` somewhere and yields each task with its result."""

    threads: int
    """onnxruntime threads each task's voices get (0: the engine's default)."""

    def results(self, tasks: Sequence[ArticleTask]) -> Iterator[tuple[ArticleTask, TaskResult]]:
        ...

    def cancel(self) -> None:
        """Drop the tasks that have not started."""


class InlineRunner:
    """Renders in this process, one article at a time (for a debugger, or a machine with one core)."""

    threads = 0

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

    def __init__(self, jobs: int, feed: Feed, options: NarrateOptions, threads: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.threads = threads
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(feed, options, threads))

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
