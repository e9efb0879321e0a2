"""One running service: its state folder opened, the job workers and the webhook sender started and stopped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from narrate.errors import ConfigError
from narrate.service.db import Database
from narrate.service.jobs import SqliteJobStore
from narrate.service.tokens import Tokens
from narrate.service.webhooks import Retry, Sender, Webhooks
from narrate.service.worker import FeedLocks, InProcess, OnDask, OnPool, Renderer, Workers, WorkerSettings

log = logging.getLogger(__name__)

LOCK_NAME = "service.lock"
KEEP_FINISHED_SECONDS = 30 * 86400
"""Finished jobs (and delivered webhooks) are forgotten after 30 days."""
MAX_BODY = 5_000_000
"""Largest request body accepted, in bytes (an article's HTML is far smaller)."""


@dataclass(frozen=True)
class ServiceConfig:
    """How ``narrate api`` runs."""

    state_dir: Path
    """Tokens, webhook secrets and jobs (:func:`narrate.settings.state_dir`); never under the feeds folder."""
    worker: WorkerSettings
    jobs: int = 1
    """Articles rendered at once: 1 renders in the service's process, more on a process pool."""
    scheduler: str | None = None
    """A Dask scheduler to render on (``tcp://host:8786``)."""
    cluster: int | None = None
    """Render on a local Dask cluster of this many workers."""
    max_body: int = MAX_BODY
    retry: Retry = field(default_factory=Retry)
    poll: float = 0.5
    """Seconds an idle worker waits before looking for queued jobs again (submissions wake it at once)."""


class Service:
    """The state, the workers and the sender of one ``narrate api`` process."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        state = config.state_dir.resolve()
        feeds = config.worker.feeds_root.resolve()
        if state == feeds or feeds in state.parents:
            raise ConfigError(f"the service's state folder {state} is inside the feeds folder {feeds}, which is "
                              "published as static files; set NARRATE_HOME to a folder outside it")
        self.db = Database(config.state_dir)
        self.jobs = SqliteJobStore(self.db)
        self.tokens = Tokens(self.db)
        self.webhooks = Webhooks(self.db)
        self.sender = Sender(self.db, config.retry)
        self.feed_locks = FeedLocks()
        """Held by a worker while it records and by a takedown while it cancels and removes."""
        self.workers: Workers | None = None
        self.renderer: Renderer | None = None
        self._lock: object | None = None

    def start(self) -> None:
        """Take the state folder (one service per folder), queue again what a stopped process left running,
        and start the workers and the webhook sender."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.config.state_dir / LOCK_NAME), timeout=0)
        try:
            lock.acquire()
        except Timeout as error:
            raise ConfigError(f"another narrate api is running on {self.config.state_dir}") from error
        self._lock = lock
        self.jobs.prune(KEEP_FINISHED_SECONDS)
        self.webhooks.prune(KEEP_FINISHED_SECONDS)
        requeued = self.jobs.requeue_running()
        if requeued:
            log.warning("queued again %d job(s) a stopped service left running", requeued)
        self.renderer = self._renderer()
        self.workers = Workers(self.jobs, self.webhooks, self.renderer, self.config.worker, self.config.poll,
                               self.feed_locks)
        self.workers.on_delivery = self.sender.wake.set
        self.sender.start()
        self.workers.start()

    def _renderer(self) -> Renderer:
        config = self.config
        if config.scheduler or config.cluster:
            return OnDask(config.scheduler, config.cluster)
        if config.jobs > 1:
            return OnPool(config.jobs)
        return InProcess()

    def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        if self.renderer is not None:
            self.renderer.close()
        self.sender.stop()
        if self._lock is not None:
            self._lock.release()  # type: ignore[attr-defined]
            self._lock = None

    def queued(self) -> None:
        """Wake an idle worker: a job was submitted."""
        if self.workers is not None:
            self.workers.wake()
