"""Durable narration jobs: the :class:`JobStore` interface and its embedded SQLite implementation.

A job is one article to narrate into one feed. While it is queued or running, submitting the same article
again (the same canonical URL, or the same body) gives back the same job: the store keeps at most one active
job per feed and dedupe key (a partial unique index), so fifty concurrent submissions of one article make
one job. Jobs survive a restart: those left ``running`` by a killed process are queued again, and the
pipeline's render key makes the re-run find an already published episode ``unchanged``, so nothing is
published twice.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from narrate.publish.episode import canonical_article_url
from narrate.service.db import Database


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """One narration job as stored."""

    id: str
    feed: str
    dedupe_key: str
    request: dict[str, Any]
    """What was submitted (``url``, or ``html``/``markdown``/``text`` with ``url``, ``title``, ``published``)."""
    state: JobState
    submitted: float
    started: float | None = None
    finished: float | None = None
    sentences_done: int | None = None
    sentences_total: int | None = None
    result: dict[str, Any] | None = None
    """The narration's summary (:func:`narrate.api.narration_summary`) once done."""
    error: str | None = None
    """The one-line reason once failed."""
    attempts: int = 0
    """How many times a worker started it (more than one after a restart)."""


class JobStore(Protocol):
    """Where jobs are kept; SQLite here, another database behind the same calls later."""

    def submit(self, feed: str, dedupe_key: str, request: dict[str, Any]) -> tuple[Job, bool]:
        """The active job for this article, or a new queued one; and whether it is new."""
        ...

    def get(self, feed: str, job_id: str) -> Job | None:
        ...

    def claim(self) -> Job | None:
        """The oldest queued job, now running (None when none is queued)."""
        ...

    def progress(self, job_id: str, done: int, total: int) -> None:
        ...

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        ...

    def fail(self, job_id: str, reason: str) -> None:
        ...

    def requeue_running(self) -> int:
        """Queue again every job a stopped process left running; returns how many."""
        ...

    def cancel_queued(self, feed: str, article_url: str, reason: str) -> list[Job]:
        """Fail, with ``reason``, every queued job of the feed for the article at ``article_url`` (compared by
        :func:`canonical_article_url`); returns them as they were. A job already running is left to finish."""
        ...

    def request_cancel(self, feed: str, article_url: str, reason: str) -> list[Job]:
        """Ask every running job of the feed for the article at ``article_url`` to stop before it records
        (its worker looks under the feed's lock, see :meth:`cancel_requested`); returns them."""
        ...

    def cancel_requested(self, job_id: str) -> str | None:
        """Why a running job must not record its episode, if it was asked to stop."""
        ...

    def count(self, feed: str | None = None) -> dict[str, int]:
        """Jobs per state (of one feed, or all)."""
        ...

    def prune(self, older_than: float) -> int:
        """Forget finished jobs that finished more than ``older_than`` seconds ago; returns how many."""
        ...


class SqliteJobStore:
    """The jobs table of the service database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def submit(self, feed: str, dedupe_key: str, request: dict[str, Any]) -> tuple[Job, bool]:
        with self.db.transaction() as db:
            row = db.execute("SELECT * FROM jobs WHERE feed = ? AND dedupe_key = ? AND state IN ('queued', 'running')",
                             (feed, dedupe_key)).fetchone()
            if row is not None:
                return _job(row), False
            job = Job(uuid.uuid4().hex, feed, dedupe_key, request, JobState.QUEUED, time.time())
            db.execute("INSERT INTO jobs (id, feed, dedupe_key, request, state, submitted) VALUES (?, ?, ?, ?, ?, ?)",
                       (job.id, feed, dedupe_key, json.dumps(request), job.state.value, job.submitted))
        return job, True

    def get(self, feed: str, job_id: str) -> Job | None:
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE feed = ? AND id = ?", (feed, job_id)).fetchone()
        return _job(row) if row is not None else None

    def claim(self) -> Job | None:
        with self.db.transaction() as db:
            row = db.execute("SELECT id FROM jobs WHERE state = 'queued' ORDER BY submitted, id LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET state = 'running', started = ?, attempts = attempts + 1, "
                       "sentences_done = NULL, sentences_total = NULL WHERE id = ?", (time.time(), row["id"]))
            claimed = db.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone()
        return _job(claimed)

    def progress(self, job_id: str, done: int, total: int) -> None:
        with self.db.connect() as db:
            db.execute("UPDATE jobs SET sentences_done = ?, sentences_total = ? WHERE id = ? AND state = 'running'",
                       (done, total, job_id))

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        with self.db.connect() as db:
            db.execute("UPDATE jobs SET state = 'done', result = ?, error = NULL, finished = ? WHERE id = ?",
                       (json.dumps(result), time.time(), job_id))

    def fail(self, job_id: str, reason: str) -> None:
        with self.db.connect() as db:
            db.execute("UPDATE jobs SET state = 'failed', error = ?, finished = ? WHERE id = ?",
                       (reason, time.time(), job_id))

    def requeue_running(self) -> int:
        with self.db.transaction() as db:
            # A job asked to stop when the service died is not run again: its article was taken down.
            db.execute("UPDATE jobs SET state = 'failed', error = cancel, finished = ? "
                       "WHERE state = 'running' AND cancel IS NOT NULL", (time.time(),))
            return db.execute("UPDATE jobs SET state = 'queued', started = NULL WHERE state = 'running'").rowcount

    def cancel_queued(self, feed: str, article_url: str, reason: str) -> list[Job]:
        wanted = canonical_article_url(article_url)
        with self.db.transaction() as db:  # the write lock: no worker claims one of them meanwhile
            rows = db.execute("SELECT * FROM jobs WHERE feed = ? AND state = 'queued'", (feed,)).fetchall()
            cancelled = [_job(r) for r in rows]
            cancelled = [j for j in cancelled if j.request.get("url")
                         and canonical_article_url(j.request["url"]) == wanted]
            now = time.time()
            for job in cancelled:
                db.execute("UPDATE jobs SET state = 'failed', error = ?, finished = ? WHERE id = ?",
                           (reason, now, job.id))
        return cancelled

    def request_cancel(self, feed: str, article_url: str, reason: str) -> list[Job]:
        wanted = canonical_article_url(article_url)
        with self.db.transaction() as db:
            rows = db.execute("SELECT * FROM jobs WHERE feed = ? AND state = 'running'", (feed,)).fetchall()
            running = [j for j in map(_job, rows)
                       if j.request.get("url") and canonical_article_url(j.request["url"]) == wanted]
            for job in running:
                db.execute("UPDATE jobs SET cancel = ? WHERE id = ?", (reason, job.id))
        return running

    def cancel_requested(self, job_id: str) -> str | None:
        with self.db.connect() as db:
            row = db.execute("SELECT cancel FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row["cancel"] if row is not None else None

    def count(self, feed: str | None = None) -> dict[str, int]:
        query = "SELECT state, COUNT(*) AS n FROM jobs" + (" WHERE feed = ?" if feed else "") + " GROUP BY state"
        with self.db.connect() as db:
            rows = db.execute(query, (feed,) if feed else ()).fetchall()
        counts = {state.value: 0 for state in JobState}
        counts.update({r["state"]: r["n"] for r in rows})
        return counts

    def prune(self, older_than: float) -> int:
        with self.db.connect() as db:
            return db.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished < ?",
                              (time.time() - older_than,)).rowcount


def _job(row: Any) -> Job:
    return Job(row["id"], row["feed"], row["dedupe_key"], json.loads(row["request"]), JobState(row["state"]),
               row["submitted"], row["started"], row["finished"], row["sentences_done"], row["sentences_total"],
               json.loads(row["result"]) if row["result"] else None, row["error"], row["attempts"])
