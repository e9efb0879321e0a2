"""The service's one SQLite database (``service.sqlite`` in the state folder), in WAL mode.

Every call opens its own short connection: the API's request threads, the job workers and the webhook
sender each write, and SQLite's busy timeout orders them. ``BEGIN IMMEDIATE`` takes the write lock up
front where a read decides a write (claiming a job, deduplicating a submission).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from narrate.errors import ConfigError

DATABASE_NAME = "service.sqlite"
BUSY_TIMEOUT_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    label TEXT,
    created REAL NOT NULL,
    last_used REAL
);
CREATE TABLE IF NOT EXISTS webhooks (
    feed TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (feed, url)
);
CREATE TABLE IF NOT EXISTS cms_secrets (
    feed TEXT NOT NULL,
    cms TEXT NOT NULL,
    secret TEXT NOT NULL,
    PRIMARY KEY (feed, cms)
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    sentences_done INTEGER,
    sentences_total INTEGER,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    submitted REAL NOT NULL,
    started REAL,
    finished REAL,
    cancel TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_active ON jobs (feed, dedupe_key) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, submitted);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    feed TEXT NOT NULL,
    job TEXT,
    url TEXT NOT NULL,
    event TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created REAL NOT NULL,
    delivered REAL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    delivery TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at REAL NOT NULL,
    status INTEGER,
    error TEXT,
    PRIMARY KEY (delivery, attempt)
);
"""


class Database:
    """``service.sqlite`` in ``folder`` (created, private to its owner, on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DATABASE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise ConfigError(f"cannot create the service state folder {folder}: {error.strerror or error}") \
                from error
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            if "cancel" not in columns:  # a state folder from before running jobs could be cancelled
                db.execute("ALTER TABLE jobs ADD COLUMN cancel TEXT")
        os.chmod(self.path, 0o600)  # webhook secrets are in it

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; use :meth:`transaction` for several statements at once."""
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=NORMAL")
            yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection holding the write lock until the block ends (rolled back if it raises)."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
