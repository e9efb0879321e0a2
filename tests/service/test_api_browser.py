"""The publish API end to end, as a news site uses it: the service (fake voice) and `narrate serve`'s static
app publish one feeds folder on loopback, the site's article page (on an origin of its own) holds the embed
snippet the API returned, and real Chromium plays it through the manifest: after the article is edited and
narrated again (the page written before the edit plays the new audio; the old audio still answers within the
grace period), and until the episode is deleted through the API (the page then says the audio was removed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from narrate.publish.manifest import manifest_name
from narrate.service.service import Service
from tests.conftest import HARBOR_FEED_TOML
from tests.http_support import ReplyHandler, serve
from tests.service.support import article, bearer, running, service_config, wait_for
from tests.test_web_manifest_browser import PLAYER, player, plays, status
from tests.web_support import chromium, running_server, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTICLE_URL = "https://www.harbor-gazette.example/2026/11/ferry-timetable"


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium() as browser, watched_page(browser, 1000, 800) as opened:
        yield opened


class Site(ReplyHandler):
    """The newsroom's own site: article pages its CMS wrote, on another origin than the podcast files."""

    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        if body is None:
            self.reply(404, "text/plain", b"no such page")
        else:
            self.reply(200, "text/html; charset=utf-8", body)


def article_page(title: str, embed_html: str) -> bytes:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>\n{embed_html}<p>The council voted on Tuesday.</p></article>"
            f"</body></html>").encode()


def answers(url: str) -> int:
    return httpx.get(url, timeout=10).status_code


def test_an_article_published_through_the_api_plays_in_chromium_through_edit_and_takedown(
        page: Any, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    with running_server(feeds) as static:
        # A real site publishes the feeds folder at base_url: here that is `narrate serve` on loopback.
        (feeds / "harbor").mkdir()
        (feeds / "harbor" / "feed.toml").write_text(
            HARBOR_FEED_TOML.replace("https://podcasts.example.org/harbor/", f"{static}/harbor/"), encoding="utf-8")
        service = Service(service_config(tmp_path))
        token = service.tokens.create("harbor")[1]
        with running(service) as api, httpx.Client(base_url=api, timeout=30) as client, serve(Site) as site:
            def narrate(markdown: str) -> dict[str, Any]:
                answer = client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                                     json={"markdown": markdown, "url": ARTICLE_URL, "title": "Ferries run more often",
                                           "published": "2026-11-29"})
                assert answer.status_code == 202, answer.text
                job = wait_for(client, answer.json()["status_url"], token)
                assert job["status"] == "done", job
                return job

            def manifest(job: dict[str, Any]) -> dict[str, Any]:
                answer = httpx.get(job["manifest_url"], timeout=10)
                assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
                body: dict[str, Any] = answer.json()
                assert body["guid"] == job["guid"] and body["article_url"] == ARTICLE_URL
                return body

            first = narrate(article("ferry"))
            assert first["manifest_url"] == f"{static}/harbor/{manifest_name(first['guid'])}"
            assert f'manifest="{first["manifest_url"]}"' in first["embed_html"]
            first_manifest = manifest(first)
            first_audio = first_manifest["audio"]["url"]
            assert first_audio == first["audio_url"] and answers(first_audio) == 200
            first_name = first_audio.rsplit("/", 1)[1]

            Site.pages = {"/2026/11/ferry-timetable": article_page("Ferries run more often", first["embed_html"])}
            written_before_the_edit = Site.pages["/2026/11/ferry-timetable"]
            page.goto(f"{site}/2026/11/ferry-timetable")
            plays(page, first_name)

            edited = narrate(article("ferry") + "\n\nThe harbor master added a late sailing on Fridays.")
            assert edited["guid"] == first["guid"] and edited["manifest_url"] == first["manifest_url"]
            edited_audio = manifest(edited)["audio"]["url"]
            assert edited_audio == edited["audio_url"] and edited_audio != first_audio
            assert answers(first_audio) == 200  # kept for keep_replaced_days: cached pages and CDNs never 404
            edited_name = edited_audio.rsplit("/", 1)[1]

            assert Site.pages["/2026/11/ferry-timetable"] == written_before_the_edit
            page.goto(f"{site}/2026/11/ferry-timetable")
            plays(page, edited_name)
            assert float(player(page, "p.getAttribute('duration')")) == pytest.approx(edited["duration"], abs=0.001)

            removed = client.delete(f"/api/v1/feeds/harbor/episodes/{first['guid']}", headers=bearer(token))
            assert removed.status_code == 200 and removed.json()["removed"] == first["guid"]
            assert answers(first["manifest_url"]) == 404
            assert answers(edited_audio) == 404 and answers(first_audio) == 404  # a takedown keeps nothing
            page.goto(f"{site}/2026/11/ferry-timetable")
            page.locator(f"{PLAYER} .bar-failure").wait_for()
            assert player(page, "p.shadowRoot.querySelector('.bar-failure').textContent") == "This audio was removed."
            page.locator(f"{PLAYER} .bar-play").click()
            page.wait_for_timeout(300)
            assert status(page) == "This audio was removed."
            assert json.loads(client.get("/api/v1/feeds/harbor/episodes", headers=bearer(token)).text) == []
