"""The batch run journal on real SQLite (narrate/batch/journal.py): states, upserts, concurrent runs, WAL."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from narrate.batch.journal import JOURNAL_NAME, Journal, State


def finish(journal: Journal, source: str, run: str = "r1", **overrides: object) -> None:
    values: dict[str, object] = {"fingerprint": "fp-" + source, "settings": "{}", "guid": "guid-" + source,
                                 "title": "Title " + source, "duration": 12.5, "sentences": 7, "cache_hits": 3,
                                 "seconds": 1.25}
    values.update(overrides)
    journal.finished(source, run, **values)  # type: ignore[arg-type]


def test_a_new_journal_is_empty_and_creates_its_folder(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "new" / "feed")
    assert journal.path == tmp_path / "new" / "feed" / JOURNAL_NAME
    assert journal.path.is_file()
    assert journal.entries() == []
    assert journal.get("a.txt") is None


def test_each_state_is_stored_with_its_values(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.started("running.txt", "r1")
    finish(journal, "done.txt")
    journal.failed("failed.txt", "r1", "no article in the page")
    journal.duplicate("dup.txt", "r1", "guid-done.txt", of="done.txt")

    running = journal.get("running.txt")
    assert running is not None and running.state is State.RUNNING and running.run == "r1"
    assert running.guid is None and running.error is None

    done = journal.get("done.txt")
    assert done is not None and done.state is State.DONE
    assert (done.fingerprint, done.guid, done.title, done.duration, done.sentences, done.cache_hits, done.seconds) \
        == ("fp-done.txt", "guid-done.txt", "Title done.txt", 12.5, 7, 3, 1.25)

    failed = journal.get("failed.txt")
    assert failed is not None and failed.state is State.FAILED and failed.error == "no article in the page"

    duplicate = journal.get("dup.txt")
    assert duplicate is not None and duplicate.state is State.DUPLICATE
    assert duplicate.guid == "guid-done.txt" and duplicate.error == "same article as done.txt"


def test_upsert_keeps_one_row_per_source_and_the_latest_state(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.started("a.txt", "r1")
    journal.failed("a.txt", "r1", "engine crashed")
    journal.started("a.txt", "r2")
    finish(journal, "a.txt", run="r2")
    entries = journal.entries()
    assert [(e.source, e.state, e.run) for e in entries] == [("a.txt", State.DONE, "r2")]
    # columns a later state does not set keep what the earlier one wrote (the error of the failed attempt)
    assert entries[0].error == "engine crashed"


def test_starting_again_keeps_the_published_episode_fields(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    finish(journal, "a.txt")
    journal.started("a.txt", "r2")
    entry = journal.get("a.txt")
    assert entry is not None and entry.state is State.RUNNING and entry.run == "r2"
    assert entry.guid == "guid-a.txt" and entry.fingerprint == "fp-a.txt"


def test_entries_are_ordered_by_last_update(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for name in ("c.txt", "a.txt", "b.txt"):
        journal.started(name, "r1")
    finish(journal, "c.txt")  # updated last
    assert [e.source for e in journal.entries()] == ["a.txt", "b.txt", "c.txt"]


def test_a_second_journal_object_reads_what_the_first_wrote(tmp_path: Path) -> None:
    Journal(tmp_path).failed("a.txt", "r1", "boom")
    reopened = Journal(tmp_path)  # opening an existing journal keeps its rows
    entry = reopened.get("a.txt")
    assert entry is not None and entry.state is State.FAILED


def test_journal_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    Journal(tmp_path).started("a.txt", "r1")
    with closing(sqlite3.connect(tmp_path / JOURNAL_NAME)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT source, state FROM articles").fetchall() == [("a.txt", "running")]


def test_a_reader_is_not_blocked_by_an_open_write_transaction(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    finish(journal, "a.txt")
    writer = sqlite3.connect(tmp_path / JOURNAL_NAME, isolation_level=None)
    with closing(writer):
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE articles SET state = 'failed' WHERE source = 'a.txt'")
        # WAL: a reader sees the last committed state while another connection holds the write lock
        entry = journal.get("a.txt")
        assert entry is not None and entry.state is State.DONE
        writer.execute("COMMIT")
    entry = journal.get("a.txt")
    assert entry is not None and entry.state is State.FAILED


def test_a_writer_waits_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    holder = sqlite3.connect(tmp_path / JOURNAL_NAME, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            journal.started("b.txt", "r2")
        except BaseException as error:  # pragma: no cover - only on failure
            errors.append(error)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # waiting on the busy timeout, not failing with "database is locked"
    holder.execute("COMMIT")
    holder.close()
    thread.join(10)
    assert not thread.is_alive() and errors == []
    entry = journal.get("b.txt")
    assert entry is not None and entry.state is State.RUNNING


def test_two_connections_writing_concurrently_lose_no_row(tmp_path: Path) -> None:
    journals = [Journal(tmp_path), Journal(tmp_path)]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            for number in range(40):
                source = f"run{index}-{number}.txt"
                journals[index].started(source, f"r{index}")
                finish(journals[index], source, run=f"r{index}")
                journals[1 - index].get(source)
        except BaseException as error:  # pragma: no cover - only on failure
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    entries = journals[0].entries()
    assert len(entries) == 80
    assert {e.state for e in entries} == {State.DONE}
    assert {e.run for e in entries if e.source.startswith("run1-")} == {"r1"}

