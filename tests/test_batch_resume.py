"""A batch killed with SIGKILL resumes without redoing finished articles; two batches share a feed safely."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from tests.batch_helpers import check_feed, store, write_articles

CLI = [sys.executable, "-c", "from narrate.cli import main; main()", "batch"]


def start_batch(sources: list[str], out: Path, jobs: int = 1) -> subprocess.Popen[str]:
    """``narrate batch`` with the fake engine in its own process group (so its workers die with it)."""
    return subprocess.Popen([*CLI, *sources, "--feed", "news", "--out", str(out), "--voice", "fake",
                             "--jobs", str(jobs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "COLUMNS": "200"})


def feed_is_valid(feed_xml: Path) -> int:
    """Number of items of a feed.xml that must parse cleanly."""
    parsed = feedparser.parse(feed_xml.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return len(parsed.entries)


@pytest.mark.slow
def test_kill_9_then_rerun_redoes_nothing_finished(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 8, paragraphs=30)
    out = tmp_path / "feeds"
    feed_dir = out / "news"
    process = start_batch([str(tmp_path / "a")], out)
    checks = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (feed_dir / "feed.xml").exists():
                checks += 1
                if feed_is_valid(feed_dir / "feed.xml") >= 1:
                    break
            time.sleep(0.01)
        assert process.poll() is None, "the batch finished before it could be killed; make the articles longer"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert checks >= 1
    records = store(feed_dir)
    survivors = {e.guid: records.record_path(e.guid).stat().st_mtime_ns for e in records.episodes()}
    assert 1 <= len(survivors) < 8
    published_before = feed_is_valid(feed_dir / "feed.xml")
    assert published_before <= len(survivors)
    check_feed(feed_dir)

    rerun = subprocess.run([*CLI, str(tmp_path / "a"), "--feed", "news", "--out", str(out), "--voice", "fake",
                            "--jobs", "1"], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "COLUMNS": "200"})
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{8 - len(survivors)} published" in rerun.stdout
    assert len(check_feed(feed_dir)) == 8
    for guid, mtime in survivors.items():
        assert records.record_path(guid).stat().st_mtime_ns == mtime, "a finished article was redone"


@pytest.mark.slow
def test_two_batches_on_one_feed_lose_no_episode(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 10, paragraphs=4)
    out = tmp_path / "feeds"
    first = start_batch([str(p) for p in paths[:6]], out)
    second = start_batch([str(p) for p in paths[3:]], out)
    results = [process.communicate(timeout=300) for process in (first, second)]
    assert first.returncode == 0, results[0]
    assert second.returncode == 0, results[1]
    titles = check_feed(out / "news")
    assert len(titles) == 10
    assert len(store(out / "news").episodes()) == 10
