"""Jobs survive the service: ``narrate api`` killed with SIGKILL mid-job, started again, finishes the job once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from narrate.service.db import Database
from narrate.service.tokens import Tokens
from tests.service.support import ApiProcess, article, bearer, make_feed, wait_for

pytestmark = pytest.mark.slow


def _setup(tmp_path: Path) -> tuple[Path, Path, str]:
    feeds, home = tmp_path / "feeds", tmp_path / "home"
    make_feed(feeds, "harbor")
    _, token = Tokens(Database(home / "state")).create("harbor")
    return feeds, home, token


def _state(home: Path, job_id: str) -> str:
    with sqlite3.connect(home / "state" / "service.sqlite") as db:
        (state,) = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return str(state)


def _listed_once(feeds: Path, guid: str) -> None:
    feed_xml = (feeds / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert feed_xml.count("<item>") == 1 and feed_xml.count(f">{guid}</guid>") == 1
    assert [p.stem for p in (feeds / "harbor" / "records").glob("*.json")] == [guid]


def test_a_job_killed_while_running_is_run_again_after_a_restart_and_published_once(tmp_path: Path) -> None:
    feeds, home, token = _setup(tmp_path)
    server = ApiProcess(feeds, home)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answer = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                                 json={"markdown": article("restart", sentences=40), "title": "Restart story"})
            assert answer.status_code == 202
            job = wait_for(client, answer.json()["status_url"], token, until=("running", "done", "failed"))
            assert job["status"] == "running", job
            server.kill()
    finally:
        server.stop()
    assert _state(home, job["id"]) == "running"  # nothing marked it: the process died at once

    restarted = ApiProcess(feeds, home)
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            done = wait_for(client, answer.json()["status_url"].replace(server.url, restarted.url), token)
    finally:
        restarted.stop()
    assert done["status"] == "done" and done["attempts"] == 2, done
    _listed_once(feeds, done["guid"])
    audio = feeds / "harbor" / "episodes" / done["audio_url"].rsplit("/", 1)[1]
    assert audio.is_file()


def test_killed_after_the_record_the_rerun_finds_the_episode_published_and_lists_it_once(tmp_path: Path) -> None:
    feeds, home, token = _setup(tmp_path)
    # The process SIGKILLs itself just before it writes feed.xml: the episode's record is saved, the job not done.
    crashing = ApiProcess(feeds, home, env={"NARRATE_KILL_AT": "feed.xml"})
    try:
        with httpx.Client(base_url=crashing.url, timeout=30) as client:
            answer = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                                 json={"text": article("crash"), "title": "Crash story"})
            job_id = answer.json()["id"]
        crashing.process.wait(timeout=120)
        assert crashing.process.returncode == -9
    finally:
        crashing.stop()
    assert _state(home, job_id) == "running"
    assert len(list((feeds / "harbor" / "records").glob("*.json"))) == 1
    assert not (feeds / "harbor" / "feed.xml").exists()
    episodes_before = sorted(p.name for p in (feeds / "harbor" / "episodes").iterdir())

    restarted = ApiProcess(feeds, home)
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            done = wait_for(client, f"{restarted.url}/api/v1/feeds/harbor/narrations/{job_id}", token)
            time.sleep(0.2)
    finally:
        restarted.stop()
    assert done["status"] == "done" and done["attempts"] == 2
    assert done["narration"]["status"] == "unchanged" and done["narration"]["changed"] is False
    _listed_once(feeds, done["guid"])
    assert sorted(p.name for p in (feeds / "harbor" / "episodes").iterdir()) == episodes_before
