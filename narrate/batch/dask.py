"""Render a batch on a Dask distributed cluster: the same per-article task as the process pool.

Workers run :func:`narrate.batch.worker.render_task` and keep their engine registry, speech preparer and
loaded voices between tasks (a per-process cache in ``narrate.batch.worker``, so a worker process loads a
voice once). Each worker masters and encodes its episode and writes the files to the feed's media
location (a folder they all mount, or an fsspec URL such as ``s3://``), and sends back only their
names, digests and timeline; this client is the one writer of the records and feed.xml. The feed's
settings travel inside each task; a feed's own voices/ folder and lexicon file are read from the feed
folder, so when a feed has them it must be readable at the same path on every worker, as must the
articles (or give URLs).

``distributed`` is the optional extra ``narrate[dask]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from narrate.batch.runner import TaskResult, threads_per_worker
from narrate.batch.worker import ArticleTask, render_task
from narrate.errors import ConfigError
from narrate.pipeline import Narration


def parse_cluster(spec: str) -> int:
    """``local:N`` -> N workers."""
    kind, _, count = spec.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise ConfigError(f"--cluster {spec!r}: give local:N, e.g. local:2")
    return int(count)


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError as error:
        raise ConfigError("Dask is not installed: pip install 'narrate[dask]'") from error
    return distributed


def _remote_threads() -> int:
    """onnxruntime threads for a task on a remote worker: its cores shared by its task slots."""
    from distributed import get_worker

    try:
        slots = get_worker().state.nthreads
    except ValueError:
        slots = 1
    return threads_per_worker(slots)


def render_on_worker(task: ArticleTask) -> Narration:
    """The task as a Dask worker runs it (threads decided by the worker when the client could not)."""
    if task.threads == 0:
        task = replace(task, threads=_remote_threads())
    return render_task(task)


class DaskRunner(AbstractContextManager["DaskRunner"]):
    """Runs tasks on an existing scheduler (``tcp://host:8786``) or on a LocalCluster of N processes."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        distributed = _require_distributed()
        self.cluster: Any = None
        self.threads = 0
        if local_workers is not None:
            self.cluster = distributed.LocalCluster(
                n_workers=local_workers, processes=True, threads_per_worker=1, dashboard_address=None,
                host="127.0.0.1")
            self.threads = threads_per_worker(local_workers)
            self.client = distributed.Client(self.cluster)
        elif scheduler:
            try:
                self.client = distributed.Client(scheduler, timeout="20s")
            except OSError as error:
                raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error
        else:
            raise ConfigError("give a scheduler address or local:N workers")
        self._futures: list[Any] = []

    def results(self, tasks: Sequence[ArticleTask]) -> Iterator[tuple[ArticleTask, TaskResult]]:
        from distributed import as_completed

        if not tasks:
            return
        futures = self.client.map(render_on_worker, tasks, pure=False)
        self._futures = list(futures)
        by_key = {future.key: task for future, task in zip(futures, tasks, strict=True)}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            task = by_key[future.key]
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None:
                yield task, error
            else:
                yield task, future.result()
            future.release()

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(self._futures)

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
