"""Stable embeds in real Chromium: a newcomer's feed (placeholder base_url) published with the fake engine,
`narrate page` into the feeds folder, served by `narrate serve`'s app on loopback; the page keeps playing
through a re-narration (the manifest names the new audio) and says so when the episode is taken down."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from narrate import api
from narrate.cli import main
from narrate.model import Episode
from narrate.publish.manifest import manifest_name
from tests.conftest import DATA
from tests.web_support import EXAMPLE_PAGE, chromium, running_server, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAYER = "narrate-player"
ARTICLE = DATA / "bridge-reopens.txt"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, 1000, 800) as opened:
        yield opened


def narrate(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def publish(feeds: Path, feed: str, article: Path) -> Episode:
    narrate("article", str(article), "--feed", feed, "--out", str(feeds), "--voice", "fake")
    return api.list_episodes(feeds / feed)[0]


def edited_article(tmp_path: Path) -> Path:
    path = tmp_path / "bridge-edited.txt"
    path.write_text(ARTICLE.read_text(encoding="utf-8").rstrip()
                    + "\n\nThe council added two lamps on the east side of the bridge.\n", encoding="utf-8")
    return path


def player(page: Any, expression: str) -> Any:
    return page.evaluate(f"(() => {{ const p = document.querySelector('{PLAYER}'); const a = p.shadowRoot"
                         f".querySelector('audio'); return {expression}; }})()")


def wait_for_audio(page: Any, name: str) -> None:
    page.wait_for_function(
        f"(() => {{ const a = document.querySelector('{PLAYER}').shadowRoot.querySelector('audio');"
        f" return a.src.endsWith({name!r}) && a.readyState >= 1; }})()", timeout=10_000)


def plays(page: Any, name: str) -> None:
    """Press play (a user gesture) and see the time advance in ``name``."""
    wait_for_audio(page, name)
    page.locator(f"{PLAYER} .bar-play").click()
    page.wait_for_function(
        f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').currentTime > 0.5", timeout=10_000)
    assert player(page, "a.currentSrc").endswith(name)
    assert player(page, "p.shadowRoot.querySelector('.status').textContent") == ""


def status(page: Any) -> str:
    return str(player(page, "p.shadowRoot.querySelector('.status').textContent"))


def answers(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_page_plays_through_a_renarration_and_says_when_the_audio_was_removed(page: Any, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    first = publish(feeds, "news", ARTICLE)  # a new feed: feed.toml still has the placeholder base_url
    assert "https://example.org/podcasts/news/" in (feeds / "news" / "feed.toml").read_text(encoding="utf-8")
    narrate("page", str(EXAMPLE_PAGE), "-o", str(feeds / "news" / "article.html"), "--feed", "news",
            "--out", str(feeds))
    written_before_the_edit = (feeds / "news" / "article.html").read_bytes()
    assert f'manifest="{manifest_name(first.guid)}"'.encode() in written_before_the_edit
    (feeds / "manifest-only.html").write_text(
        f'<!doctype html><html lang=en><head><meta charset=utf-8><title>Embed</title>'
        f'<script type="module" src="news/player/player.js"></script></head><body>'
        f'<{PLAYER} manifest="news/{manifest_name(first.guid)}" layout="bar"></{PLAYER}></body></html>')
    with running_server(feeds) as base:
        page.goto(f"{base}/news/article.html")
        plays(page, first.audio.name)
        page.goto(f"{base}/manifest-only.html")  # the manifest alone names everything
        plays(page, first.audio.name)
        assert player(page, "p.getAttribute('episode-title')") == first.title

        second = publish(feeds, "news", edited_article(tmp_path))
        assert second.guid == first.guid and second.audio.name != first.audio.name
        assert answers(f"{base}/news/episodes/{first.audio.name}") == 200  # kept for keep_replaced_days
        assert (feeds / "news" / "article.html").read_bytes() == written_before_the_edit
        page.goto(f"{base}/news/article.html")
        plays(page, second.audio.name)
        assert float(player(page, "p.getAttribute('duration')")) == pytest.approx(second.duration, abs=0.001)
        assert player(page, "p.shadowRoot.querySelector('.bar-total').textContent") != "0:00"

        narrate("feed", "remove", "news", second.guid, "--out", str(feeds))
        assert answers(f"{base}/news/{manifest_name(second.guid)}") == 404
        for address in ("news/article.html", "manifest-only.html"):
            page.goto(f"{base}/{address}")
            page.locator(f"{PLAYER} .bar-failure").wait_for()
            assert player(page, "p.shadowRoot.querySelector('.bar-failure').textContent") == "This audio was removed."
            page.locator(f"{PLAYER} .bar-play").click()
            page.wait_for_timeout(300)
            assert status(page) == "This audio was removed.", address  # never "blocked by the browser"


def test_a_page_whose_audio_is_gone_at_once_recovers_through_the_manifest(page: Any, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    first = publish(feeds, "strict", ARTICLE)
    with (feeds / "strict" / "feed.toml").open("a", encoding="utf-8") as settings:
        settings.write("keep_replaced_days = 0\n")
    narrate("page", str(EXAMPLE_PAGE), "-o", str(feeds / "strict" / "article.html"), "--feed", "strict",
            "--out", str(feeds))
    second = publish(feeds, "strict", edited_article(tmp_path))
    with running_server(feeds) as base:
        assert answers(f"{base}/strict/episodes/{first.audio.name}") == 404  # the page's inline src is gone
        page.goto(f"{base}/strict/article.html#t=3")
        wait_for_audio(page, second.audio.name)
        page.wait_for_function(
            f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').currentTime >= 3", timeout=10_000)
        plays(page, second.audio.name)
        assert player(page, "p.shadowRoot.querySelector('.bar-failure').hidden") is True


def test_audio_gone_mid_listen_resumes_at_the_same_second_on_the_new_file(page: Any, tmp_path: Path) -> None:
    # Long enough (over 1 MB) that Chromium fetches it in parts; the reader's cache is off (CDP), as when the
    # browser evicted the file: the part after the seek is asked of the server, which no longer has it.
    article = tmp_path / "long.txt"
    article.write_text("Ferries Return to the Harbor\n\n" + "\n\n".join(
        f"Paragraph {i}. The harbor master said ferry number {i} would sail again on Monday after repairs to "
        "its engine." for i in range(55)), encoding="utf-8")
    feeds = tmp_path / "feeds"
    first = publish(feeds, "strict", article)
    assert first.audio.size > 1_300_000
    with (feeds / "strict" / "feed.toml").open("a", encoding="utf-8") as settings:
        settings.write("keep_replaced_days = 0\n")
    narrate("page", str(EXAMPLE_PAGE), "-o", str(feeds / "strict" / "article.html"), "--feed", "strict",
            "--out", str(feeds))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    with running_server(feeds) as base:
        page.goto(f"{base}/strict/article.html")
        wait_for_audio(page, first.audio.name)
        with article.open("a", encoding="utf-8") as text:
            text.write("\n\nThe first ferry is full already.\n")
        second = publish(feeds, "strict", article)
        assert answers(f"{base}/strict/episodes/{first.audio.name}") == 404
        seek_to = first.duration - 30
        page.evaluate(f"document.querySelector('{PLAYER}').seekTo({seek_to})")
        page.locator(f"{PLAYER} .bar-play").click()
        wait_for_audio(page, second.audio.name)
        page.wait_for_function(
            f"(() => {{ const a = document.querySelector('{PLAYER}').shadowRoot.querySelector('audio');"
            f" return !a.paused && a.currentTime > {seek_to + 0.5}; }})()", timeout=10_000)
        assert player(page, "a.currentTime") < seek_to + 10  # where the reader was, not from the start
        assert status(page) == ""
