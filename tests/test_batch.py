"""Batch runs with the fake engine: outcomes, skipping, failures, the journal, the pool and the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import api
from narrate.batch.driver import Status
from narrate.batch.journal import JOURNAL_NAME, Journal, State
from narrate.batch.runner import InlineRunner, PoolRunner, threads_per_worker
from narrate.cli.batch import batch
from narrate.errors import EngineError
from narrate.sources.read import ReadOptions
from narrate.voice.engines.base import threads_from_env as _threads_from_env
from tests.batch_helpers import article_html, check_feed, rss, run_into, serve, store, write_articles

FAKE = api.NarrateOptions(voice="fake", read=ReadOptions(allow_private=True, timeout=3))


def statuses(report: object) -> dict[str, Status]:
    return {Path(o.source).name: o.status for o in report.outcomes}  # type: ignore[attr-defined]


@pytest.mark.slow
def test_publishes_every_article_then_skips_them(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 3)
    feed_dir = tmp_path / "feeds" / "news"
    report = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert [o.status for o in report.outcomes] == [Status.PUBLISHED] * 3
    assert all(o.duration > 1 and o.sentences >= 4 for o in report.outcomes)
    assert check_feed(feed_dir) == sorted(o.title for o in report.outcomes)
    assert report.audio_seconds == pytest.approx(sum(o.duration for o in report.outcomes))

    again = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert [o.status for o in again.outcomes] == [Status.SKIPPED] * 3

    paths[1].write_text(paths[1].read_text() + "\nA late paragraph was added to the story.\n")
    third = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert statuses(third) == {"article-000.md": Status.SKIPPED, "article-001.md": Status.PUBLISHED,
                               "article-002.md": Status.SKIPPED}
    assert len(store(feed_dir).episodes()) == 3


@pytest.mark.slow
def test_journal_skip_needs_the_episode_files_and_force_overrides(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 2)
    feed_dir = tmp_path / "feed"
    run_into([str(tmp_path / "a")], feed_dir, FAKE)
    victim = store(feed_dir).episodes()[0]
    (feed_dir / "episodes" / victim.audio.name).unlink()
    report = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert sorted(o.status for o in report.outcomes) == [Status.PUBLISHED, Status.SKIPPED]
    check_feed(feed_dir)
    forced = run_into([str(tmp_path / "a")], feed_dir, api.NarrateOptions(voice="fake", force=True))
    assert [o.status for o in forced.outcomes] == [Status.PUBLISHED] * 2


def test_worker_sees_unchanged_episode_when_journal_cannot_tell(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 1)
    feed_dir = tmp_path / "feed"
    run_into([str(tmp_path / "a")], feed_dir, FAKE)
    (feed_dir / JOURNAL_NAME).unlink()
    report = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert [o.status for o in report.outcomes] == [Status.UNCHANGED]


def test_bad_inputs_are_reported_and_the_rest_is_published(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 2)
    copy = tmp_path / "copy.md"
    copy.write_text(paths[0].read_text())
    empty = tmp_path / "empty.md"
    empty.write_text("")
    listing = tmp_path / "list.txt"
    listing.write_text(f"{paths[0]}\n{tmp_path / 'missing.md'}\nhttp://127.0.0.1:1/closed.html\n")
    broken_feed = tmp_path / "broken.xml"
    broken_feed.write_text("<?xml version='1.0'?><rss><channel><item><title>x</")
    feed_dir = tmp_path / "feed"
    report = run_into([str(tmp_path / "a"), str(copy), str(empty), str(listing), str(broken_feed)], feed_dir,
                       FAKE)
    by_source = {o.source: o for o in report.outcomes}
    assert by_source[str(paths[0])].status is Status.PUBLISHED
    assert by_source[str(paths[1])].status is Status.PUBLISHED
    assert by_source[str(copy)].status is Status.DUPLICATE and str(paths[0]) in (by_source[str(copy)].error or "")
    assert by_source[str(empty)].status is Status.FAILED
    assert by_source[str(broken_feed)].status is Status.FAILED
    assert "malformed" in (by_source[str(broken_feed)].error or "")
    failed = {o.source: o.error for o in report.failed}
    assert any("missing.md" in s for s in failed)
    assert any("closed.html" in s and "127.0.0.1" in (e or "") for s, e in failed.items())
    assert sorted(d.status for d in report.outcomes if d.source == str(paths[0])) == [Status.DUPLICATE,
                                                                                       Status.PUBLISHED]
    assert len(check_feed(feed_dir)) == 2


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    write_articles(folder, 3)
    (folder / "article-001.md").write_text("")
    report = run_into([str(folder)], tmp_path / "feed", FAKE, fail_fast=True)
    assert report.stopped_early
    assert [o.status for o in report.outcomes] == [Status.PUBLISHED, Status.FAILED]
    entries = {Path(e.source).name: e.state for e in Journal(tmp_path / "feed").entries()}
    assert entries == {"article-000.md": State.DONE, "article-001.md": State.FAILED,
                       "article-002.md": State.RUNNING}


def test_feed_of_articles_over_http_skips_items_already_narrated(tmp_path: Path) -> None:
    feed_dir = tmp_path / "feed"
    with serve() as site:
        for number in range(3):
            site.add(f"/story/{number}.html", "text/html; charset=utf-8", article_html(number))
        feed_url = site.add("/rss.xml", "application/rss+xml",
                            rss([(f"Story {n}", f"/story/{n}.html") for n in range(2)]))
        first = run_into([feed_url], feed_dir, FAKE)
        assert [o.status for o in first.outcomes] == [Status.PUBLISHED] * 2
        assert site.hits["/story/0.html"] == 1
        site.add("/rss.xml", "application/rss+xml", rss([(f"Story {n}", f"/story/{n}.html") for n in range(3)]))
        second = run_into([feed_url], feed_dir, FAKE)
        assert [o.status for o in second.outcomes] == [Status.SKIPPED, Status.SKIPPED, Status.PUBLISHED]
        assert site.hits["/story/0.html"] == 1, "an unchanged item is not fetched again"
    assert len(check_feed(feed_dir)) == 3


@pytest.mark.slow
def test_journal_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 1)
    run_into([str(tmp_path / "a")], tmp_path / "feed", FAKE)
    with sqlite3.connect(tmp_path / "feed" / JOURNAL_NAME) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        state, guid = connection.execute("SELECT state, guid FROM articles").fetchone()
    assert state == "done"
    assert store(tmp_path / "feed").get(guid) is not None


def test_threads_per_worker_never_oversubscribes() -> None:
    for cores in (1, 2, 8):
        for workers in (1, 2, 3, 8):
            threads = threads_per_worker(workers, cores)
            assert threads >= 1
            assert workers * threads <= max(cores, workers)


def test_piper_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NARRATE_PIPER_THREADS", raising=False)
    assert _threads_from_env() == 0
    monkeypatch.setenv("NARRATE_PIPER_THREADS", "3")
    assert _threads_from_env() == 3
    monkeypatch.setenv("NARRATE_PIPER_THREADS", "many")
    with pytest.raises(EngineError, match="NARRATE_PIPER_THREADS"):
        _threads_from_env()


@pytest.mark.slow
def test_process_pool_matches_inline_run(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 4)
    pool_feed, inline_feed = tmp_path / "pool" / "news", tmp_path / "inline" / "news"
    with PoolRunner(2, api.create_feed(pool_feed)[0], FAKE, threads=1) as runner:
        pooled = run_into([str(tmp_path / "a")], pool_feed, FAKE, runner=runner)
    inline = run_into([str(tmp_path / "a")], inline_feed, FAKE, runner=InlineRunner())
    assert sorted((o.title, o.duration, o.sentences) for o in pooled.outcomes) == \
        sorted((o.title, o.duration, o.sentences) for o in inline.outcomes)
    pooled_files = sorted(e.audio.sha256 for e in store(pool_feed).episodes())
    inline_files = sorted(e.audio.sha256 for e in store(inline_feed).episodes())
    assert pooled_files == inline_files


@pytest.mark.slow
def test_cli_reports_failures_in_summary_and_exit_code(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 2)
    out = tmp_path / "feeds"
    result = CliRunner().invoke(batch, [str(tmp_path / "a"), str(tmp_path / "missing.md"), "--feed", "news",
                                        "--out", str(out), "--voice", "fake", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Report 0 on the river" in result.output
    assert "missing.md: no such file or directory" in result.output
    assert "2 published, 1 failed" in result.output

    again = CliRunner().invoke(batch, [str(tmp_path / "a"), "--feed", "news", "--out", str(out), "--voice", "fake",
                                       "--jobs", "1"], catch_exceptions=False)
    assert again.exit_code == 0
    assert "2 skipped" in again.output


def test_stale_scratch_of_a_killed_run_is_removed_and_fresh_scratch_kept(tmp_path: Path) -> None:
    import os

    from narrate.batch.driver import remove_stale_scratch

    media = tmp_path / "episodes"
    (media / ".encode-old").mkdir(parents=True)
    (media / ".encode-old" / "x.mp3").write_bytes(b"half")
    (media / ".story.mp3.abc.tmp").write_bytes(b"half")
    (media / ".encode-new").mkdir()
    (media / "story-0123.mp3").write_bytes(b"published")
    old = 1_000_000_000
    for name in (".encode-old", ".story.mp3.abc.tmp"):
        os.utime(media / name, (old, old))
    assert remove_stale_scratch(media) == 2
    assert sorted(p.name for p in media.iterdir()) == [".encode-new", "story-0123.mp3"]
