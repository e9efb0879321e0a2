"""The run journal: one SQLite database in the feed's folder that remembers each article's state.

It lets a rerun skip what a killed or finished run already published, and it is what ``narrate
batch`` reports from. The episode records stay the truth of the feed; the journal only says which
source made which episode, from which bytes and settings. WAL mode and a busy timeout let two runs
on the same feed (and their readers) share it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

JOURNAL_NAME = ".batch-journal.sqlite"
BUSY_TIMEOUT_MS = 60_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    fingerprint TEXT,
    settings TEXT,
    guid TEXT,
    title TEXT,
    error TEXT,
    duration REAL,
    sentences INTEGER,
    cache_hits INTEGER,
    seconds REAL,
    run TEXT,
    updated REAL NOT NULL
)
"""


class State(StrEnum):
    """Where an article is."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Entry:
    """One article's row."""

    source: str
    state: State
    fingerprint: str | None
    settings: str | None
    guid: str | None
    title: str | None
    error: str | None
    duration: float | None
    sentences: int | None
    cache_hits: int | None
    seconds: float | None
    run: str | None


class Journal:
    """The journal of one feed directory; every call is its own short transaction."""

    def __init__(self, feed_dir: Path) -> None:
        self.path = feed_dir / JOURNAL_NAME
        feed_dir.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        with closing(connection):
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            yield connection

    def get(self, source: str) -> Entry | None:
        """The row of ``source``, if it was ever started."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT source, state, fingerprint, settings, guid, title, error, duration, sentences, "
                "cache_hits, seconds, run FROM articles WHERE source = ?", (source,)).fetchone()
        if row is None:
            return None
        return Entry(row[0], State(row[1]), *row[2:])

    def entries(self) -> list[Entry]:
        """Every row, oldest update first."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT source, state, fingerprint, settings, guid, title, error, duration, sentences, "
                "cache_hits, seconds, run FROM articles ORDER BY updated").fetchall()
        return [Entry(row[0], State(row[1]), *row[2:]) for row in rows]

    def started(self, source: str, run: str) -> None:
        """The article is being narrated by ``run``."""
        self._upsert(source, State.RUNNING, run=run)

    def finished(self, source: str, run: str, *, fingerprint: str | None, settings: str, guid: str, title: str,
                 duration: float, sentences: int, cache_hits: int, seconds: float) -> None:
        """The article's episode is published (or was already, unchanged)."""
        self._upsert(source, State.DONE, run=run, fingerprint=fingerprint, settings=settings, guid=guid,
                     title=title, duration=duration, sentences=sentences, cache_hits=cache_hits, seconds=seconds)

    def failed(self, source: str, run: str, error: str) -> None:
        """The article could not be narrated; ``error`` says why."""
        self._upsert(source, State.FAILED, run=run, error=error)

    def duplicate(self, source: str, run: str, guid: str, of: str) -> None:
        """The article is the same as another source's."""
        self._upsert(source, State.DUPLICATE, run=run, guid=guid, error=f"same article as {of}")

    def _upsert(self, source: str, state: State, **values: object) -> None:
        columns = ["source", "state", "updated", *values]
        params = [source, state.value, time.time(), *values.values()]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        with self._connect() as connection:
            connection.execute(
                f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                f"ON CONFLICT(source) DO UPDATE SET {updates}", params)
