"""A takedown while the same article waits in the queue: the waiting narration is cancelled, so the episode
does not come back minutes later (API DELETE and Ghost's post.deleted alike)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from narrate.service.service import Service
from tests.http_support import ReplyHandler, serve
from tests.service.support import article, bearer, make_feed, running, service_config, wait_for

pytestmark = pytest.mark.slow

PIER = "https://news.example.org/2026/11/pier-closes"
GHOST_POST = "https://blog.example.org/market-moves/"
OTHER = "https://news.example.org/2026/11/tram-line"


class Receiver(ReplyHandler):
    events: ClassVar[list[dict[str, Any]]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.events.append(body)
        self.reply(200, "text/plain", b"ok")


def ghost(client: httpx.Client, token: str, current: dict[str, Any], previous: dict[str, Any]) -> httpx.Response:
    return client.post("/api/v1/hooks/ghost/harbor", params={"token": token},
                       json={"post": {"current": current, "previous": previous}})


def test_a_takedown_cancels_the_narrations_of_its_article_still_queued(tmp_path: Path) -> None:
    make_feed(tmp_path / "feeds", "harbor")
    config = service_config(tmp_path)
    first_run = Service(config)
    token = first_run.tokens.create("harbor")[1]

    def submit(client: httpx.Client, topic: str, url: str, extra: str = "") -> dict[str, Any]:
        answer = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                             json={"markdown": article(topic) + extra, "url": url, "title": f"The {topic} story"})
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def path(job: dict[str, Any]) -> str:
        return "/" + job["status_url"].split("/", 3)[3]  # the same job on whichever port the service runs

    def status(client: httpx.Client, job: dict[str, Any]) -> dict[str, Any]:
        return dict(client.get(path(job), headers=bearer(token)).json())

    with running(first_run) as url, httpx.Client(base_url=url, timeout=30) as client:
        published = wait_for(client, submit(client, "pier", PIER)["status_url"], token)
    assert published["status"] == "done", published
    guid = published["guid"]

    Receiver.events = []
    with serve(Receiver) as receiver:
        waiting = Service(config)  # its workers are off: whatever is submitted stays queued
        waiting.webhooks.add("harbor", f"{receiver}/events")
        with running(waiting, start=False) as url, httpx.Client(base_url=url, timeout=30) as client:
            edit = submit(client, "pier", PIER + "?utm_source=cms", "\n\nThe pier reopens in spring.")
            post = {"id": "p1", "status": "published", "title": "Market moves", "url": GHOST_POST,
                    "html": "<p>The Saturday market moves to the quay.</p><p>Stalls open at eight.</p>"}
            ghost_job = ghost(client, token, post, {})
            assert ghost_job.status_code == 202, ghost_job.text
            other = submit(client, "tram", OTHER)

            removed = client.delete(f"/api/v1/feeds/harbor/episodes/{guid}", headers=bearer(token))
            assert removed.status_code == 200, removed.text
            assert removed.json()["removed"] == guid and removed.json()["cancelled"] == [edit["id"]]
            deleted = ghost(client, token, {}, post)  # deleted before its narration ran: no episode yet
            assert deleted.status_code == 200, deleted.text
            assert deleted.json()["cancelled"] == [ghost_job.json()["id"]]
            for job in (edit, ghost_job.json()):
                cancelled = status(client, job)
                assert cancelled["status"] == "failed" and "taken down" in cancelled["error"], cancelled
            assert status(client, other)["status"] == "queued"

        resumed = Service(config)
        with running(resumed) as url, httpx.Client(base_url=url, timeout=30) as client:
            # The queue is first in, first out: had the two cancelled jobs stayed queued, they would run first.
            done = wait_for(client, path(other), token)
            assert done["status"] == "done", done
            assert [status(client, job)["status"] for job in (edit, ghost_job.json())] == ["failed", "failed"]
            episodes = client.get("/api/v1/feeds/harbor/episodes", headers=bearer(token)).json()
            assert [e["article_url"] for e in episodes] == [OTHER]
            deadline = time.monotonic() + 20
            while len(Receiver.events) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # a duplicate would arrive by now
    feed_xml = (tmp_path / "feeds" / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert guid not in feed_xml and feed_xml.count("<item>") == 1
    assert sorted((e["event"], e["job"]) for e in Receiver.events) == sorted([
        ("narration.failed", edit["id"]), ("narration.failed", ghost_job.json()["id"]),
        ("narration.done", other["id"])])
    assert all("taken down" in e["error"] for e in Receiver.events if e["event"] == "narration.failed")


def test_a_takedown_while_the_article_renders_stops_it_before_it_records(tmp_path: Path) -> None:
    make_feed(tmp_path / "feeds", "harbor")
    service = Service(service_config(tmp_path))
    token = service.tokens.create("harbor")[1]
    episodes = tmp_path / "feeds" / "harbor" / "episodes"
    with running(service) as url, httpx.Client(base_url=url, timeout=30) as client:
        first = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                            json={"markdown": article("pier"), "url": PIER, "title": "The pier story"})
        published = wait_for(client, first.json()["status_url"], token)
        assert published["status"] == "done", published
        # A long edit: it is still rendering (mastering minutes of audio) when the takedown comes.
        edit = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                           json={"markdown": article("pier", sentences=150), "url": PIER, "title": "The pier story"})
        rendering = wait_for(client, edit.json()["status_url"], token, until=("running",))
        assert rendering["status"] == "running"
        removed = client.delete(f"/api/v1/feeds/harbor/episodes/{published['guid']}", headers=bearer(token))
        assert removed.status_code == 200, removed.text
        assert removed.json()["cancelled"] == [edit.json()["id"]]
        stopped = wait_for(client, edit.json()["status_url"], token)
        assert stopped["status"] == "failed" and "taken down while this job rendered" in stopped["error"], stopped
        assert client.get("/api/v1/feeds/harbor/episodes", headers=bearer(token)).json() == []
    feed_xml = (tmp_path / "feeds" / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert "<item>" not in feed_xml
    # Neither the published version nor the one rendered during the takedown is left online.
    assert not [p.name for p in episodes.iterdir() if not p.name.startswith(".")]
    assert not list((tmp_path / "feeds" / "harbor" / "manifests").glob("*.json"))
