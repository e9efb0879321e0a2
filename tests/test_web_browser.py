"""The player in real Chromium, served by `narrate serve`'s app over loopback HTTP.

Needs Debian's chromium at /usr/bin/chromium (Playwright's own browser download is not used).
Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from narrate.publish.artwork import default_artwork
from narrate.web.embed import TRANSCRIPT_MIME, embed_snippet, find_file
from narrate.web.page import read_vtt_sentences, rewrite_page
from narrate.web.show import Show, write_show_page
from tests.web_support import (
    EXAMPLE_PAGE,
    FIXTURES,
    TITLE,
    DemoEpisode,
    chromium,
    make_demo_episode,
    running_server,
    watched_page,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">Breach & "quotes"'
PLAYER = "narrate-player"
FEED_URL = "https://cdn.example/demo/feed.xml"
FAQ_QUESTION = "What is the significance of the Coupang data breach?"


def faq_page(page: str) -> str:
    """The example page with its first FAQ entry as a closed <details>, as many news sites print FAQs."""
    start = page.index(f"<dt>{FAQ_QUESTION}</dt>")
    end = page.index("</dd>", start) + len("</dd>")
    answer = page[page.index("<dd>", start) + 4 : end - 5]
    return page[:start] + f"<details><summary>{FAQ_QUESTION}</summary><p>{answer}</p></details>" + page[end:]


@dataclass(frozen=True)
class Site:
    base: str
    demo: DemoEpisode


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("feeds")
    demo = make_demo_episode(root)
    transcript = find_file(demo.episode, TRANSCRIPT_MIME)
    assert transcript is not None
    sentences = read_vtt_sentences((demo.directory / transcript.name).read_text())
    rewritten = rewrite_page(
        EXAMPLE_PAGE.read_text(), demo.episode, sentences, media_base_url="/demo/episodes",
        player_base_url="/_narrate", layout="full",
    )
    (root / "demo" / "article.html").write_text(rewritten.html)
    (root / "demo" / "cover.png").write_bytes(default_artwork("NationPress Audio"))
    bar = rewrite_page(
        faq_page(EXAMPLE_PAGE.read_text()), demo.episode, sentences, media_base_url="/demo/episodes",
        player_base_url="/_narrate", artwork_url="/demo/cover.png", feed_url=FEED_URL,
    )
    (root / "demo" / "bar.html").write_text(bar.html.replace("</body>", '<div style="height:3000px"></div></body>'))
    long = make_demo_episode(root, feed="long", tail_seconds=70)
    snippet_long = embed_snippet(long.episode, media_base_url="/long/episodes", player_base_url="/_narrate")
    (root / "long" / "embed.html").write_text(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Long</title></head>"
        f"<body><main><h1>Long</h1>{snippet_long}</main></body></html>"
    )
    write_show_page(
        root / "demo",
        Show(title="NationPress Audio", description="Narrated news from NationPress.",
             feed_url="https://cdn.example/demo/feed.xml", author="NationPress"),
        [demo.episode],
    )
    hostile = make_demo_episode(root, feed="hostile", title=HOSTILE)
    snippet = embed_snippet(hostile.episode, media_base_url="/hostile/episodes", player_base_url="/_narrate",
                            layout="full")
    (root / "hostile" / "embed.html").write_text(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Embed</title></head>"
        f"<body><main><h1>Embedded player</h1>{snippet}</main></body></html>"
    )
    second = embed_snippet(demo.episode, media_base_url="/demo/episodes", player_base_url="/_narrate",
                           layout="full")
    (root / "hostile" / "two.html").write_text(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Two</title></head>"
        f"<body><main><h1>Two players</h1>{snippet}{second}</main></body></html>"
    )
    broken = snippet.replace(".vtt", ".missing.vtt").replace(".chapters.json", ".missing.json")
    (root / "hostile" / "broken.html").write_text(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Broken</title></head>"
        f"<body><main><h1>Missing transcript</h1>{broken}</main></body></html>"
    )
    with running_server(root) as base:
        yield Site(base, demo)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Lets the "never autoplays" check mean something: the browser would allow it.
    with chromium("--autoplay-policy=no-user-gesture-required") as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, 1200, 900) as opened:
        yield opened


def audio(page: Any, expression: str) -> Any:
    return page.evaluate(f"(() => {{ const a = document.querySelector('{PLAYER}').shadowRoot"
                         f".querySelector('audio'); return {expression}; }})()")


def open_article(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/demo/article.html")
    page.locator(f"{PLAYER} .play").wait_for()
    # Ready when the transcript cues and the chapters have loaded and been rendered.
    page.locator(f"{PLAYER} .sentence").first.wait_for(state="attached")
    page.locator(f"{PLAYER} .toggle-chapters:not([hidden])").wait_for()
    page.wait_for_function(f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').readyState >= 1")


def expected_cue(site: Site, seconds: float) -> str | None:
    current = None
    for sentence in site.demo.sentences:
        if sentence.start <= seconds + 0.001:
            current = sentence.id
    return current


def test_player_replaces_the_widget_and_never_autoplays(page: Any, site: Site) -> None:
    open_article(page, site)
    player = page.locator(PLAYER)
    assert player.is_visible()
    assert page.get_by_text("Loading voice").count() == 0
    share = page.locator(".share").bounding_box()
    body = page.locator("[itemprop=articleBody]").bounding_box()
    box = player.bounding_box()
    assert share["y"] + share["height"] <= box["y"] and box["y"] + box["height"] <= body["y"]
    assert page.locator(f"{PLAYER} .title").text_content() == TITLE
    transcript = page.locator(f"{PLAYER} a.transcript-link")
    assert transcript.is_visible() and str(transcript.get_attribute("href")).endswith(".vtt")
    assert page.locator(f"{PLAYER} a.download").get_attribute("href") == (
        f"/demo/episodes/{site.demo.episode.audio.name}"
    )
    page.wait_for_timeout(500)
    assert audio(page, "a.paused") is True and audio(page, "a.currentTime") == 0


def test_clicking_play_makes_time_advance(page: Any, site: Site) -> None:
    open_article(page, site)
    page.locator(f"{PLAYER} .play").click()
    page.wait_for_function(
        f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').currentTime > 1", timeout=10_000
    )
    assert page.locator(f"{PLAYER} .play").get_attribute("aria-label") == "Pause"
    assert page.evaluate("navigator.mediaSession.metadata.title") == TITLE
    page.locator(f"{PLAYER} .play").click()
    assert audio(page, "a.paused") is True


def test_chapter_click_seeks_to_its_start(page: Any, site: Site) -> None:
    open_article(page, site)
    page.locator(f"{PLAYER} .toggle-chapters").click()
    chapters = page.locator(f"{PLAYER} .chapters button")
    assert chapters.count() == len(site.demo.chapter_starts)
    chapters.nth(3).click()
    start = site.demo.chapter_starts[3]
    assert abs(audio(page, "a.currentTime") - start) < 0.3
    assert page.locator(f"{PLAYER} .now-title").text_content() == "The story"
    assert chapters.nth(3).get_attribute("aria-current") == "true"
    assert audio(page, "a.paused") is False  # a chapter click starts listening there


def test_speed_sets_playback_rate_and_is_remembered(page: Any, site: Site) -> None:
    open_article(page, site)
    page.locator(f"{PLAYER} select.rate").select_option("1.5")
    assert audio(page, "a.playbackRate") == 1.5
    page.locator(f"{PLAYER} .play").click()
    page.wait_for_function(
        f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').currentTime > 0.5", timeout=10_000
    )
    assert audio(page, "a.playbackRate") == 1.5
    page.reload()
    open_article(page, site)
    assert page.locator(f"{PLAYER} select.rate").input_value() == "1.5"
    assert audio(page, "a.playbackRate") == 1.5


def test_highlighted_sentence_follows_the_audio(page: Any, site: Site) -> None:
    open_article(page, site)
    page.locator(f"{PLAYER} .toggle-transcript").click()
    sentences = page.locator(f"{PLAYER} .sentence")
    assert sentences.count() == len(site.demo.sentences)
    sentences.nth(5).click()  # clicking a sentence plays from it
    assert abs(audio(page, "a.currentTime") - site.demo.sentences[5].start) < 0.3
    seen: set[str] = set()
    for _ in range(12):
        page.wait_for_timeout(250)
        state = page.evaluate(
            f"""(() => {{
              const p = document.querySelector('{PLAYER}');
              const a = p.shadowRoot.querySelector('audio');
              const host = document.querySelector('span[data-narrate-current]');
              const current = p.shadowRoot.querySelector('.sentence.current');
              return {{ t: a.currentTime, id: p.dataset.currentSentence,
                        host: host && host.dataset.narrateSentence, text: current && current.textContent }};
            }})()"""
        )
        expected = expected_cue(site, state["t"])
        near_boundary = any(abs(state["t"] - s.start) < 0.4 for s in site.demo.sentences)
        if not near_boundary:
            assert state["id"] == expected, state
            assert state["host"] == expected, state
            assert state["text"] == next(s.text for s in site.demo.sentences if s.id == expected)
        seen.add(state["id"])
    assert len(seen) >= 2  # it moved on with the audio


def test_keyboard_only(page: Any, site: Site) -> None:
    open_article(page, site)

    def focused() -> str:
        return str(page.evaluate(
            f"""(() => {{ const p = document.querySelector('{PLAYER}');
                 if (document.activeElement !== p) return '';
                 const e = p.shadowRoot.activeElement; return e ? e.className : ''; }})()"""
        ))

    for _ in range(30):  # from the top of the page, Tab reaches the play button
        page.keyboard.press("Tab")
        if focused() == "play":
            break
    assert focused() == "play"
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    assert audio(page, "a.paused") is False
    page.keyboard.press("k")
    assert audio(page, "a.paused") is True
    before = audio(page, "a.currentTime")
    page.keyboard.press("l")
    assert abs(audio(page, "a.currentTime") - (before + 15)) < 0.3
    page.keyboard.press("j")
    assert abs(audio(page, "a.currentTime") - before) < 0.3
    page.keyboard.press("m")
    assert audio(page, "a.muted") is True
    page.keyboard.press("m")
    assert audio(page, "a.muted") is False
    page.keyboard.press(">")
    assert audio(page, "a.playbackRate") == 1.25
    page.keyboard.press("n")  # next chapter, as the Media Session's nexttrack does
    assert abs(audio(page, "a.currentTime") - site.demo.chapter_starts[1]) < 0.3
    page.keyboard.press("p")  # early in a chapter: back to the one before
    assert audio(page, "a.currentTime") < 0.3

    # The seek bar is a slider with a spoken value; arrows move 5 seconds.
    for _ in range(3):
        page.keyboard.press("Tab")
        if focused() == "seek":
            break
    assert focused() == "seek"
    seek = page.locator(f"{PLAYER} input.seek")
    assert seek.get_attribute("aria-label") == "Seek"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert abs(audio(page, "a.currentTime") - 5) < 0.3
    assert seek.get_attribute("aria-valuetext") == f"5 seconds of {int(site.demo.episode.duration)} seconds"

    # Chapters: open the list with Enter, Tab into it, Enter jumps.
    for _ in range(12):
        page.keyboard.press("Tab")
        if "toggle-chapters" in focused():
            break
    page.keyboard.press("Enter")
    assert page.locator(f"{PLAYER} .toggle-chapters").get_attribute("aria-expanded") == "true"
    for _ in range(8):
        page.keyboard.press("Tab")
        if focused() == "" and page.evaluate(
            f"document.querySelector('{PLAYER}').shadowRoot.activeElement?.dataset.index === '2'"
        ):
            break
    page.keyboard.press("Enter")
    assert abs(audio(page, "a.currentTime") - site.demo.chapter_starts[2]) < 0.3
    page.keyboard.press("k")

    # Transcript: one Tab stop, arrows move between sentences, Enter plays from one.
    for _ in range(15):
        page.keyboard.press("Shift+Tab")  # the toggle sits before the chapter list
        if "toggle-transcript" in focused():
            break
    assert "toggle-transcript" in focused()
    page.keyboard.press("Enter")
    for _ in range(12):  # past the links and the open chapter list
        page.keyboard.press("Tab")
        if "sentence" in focused():
            break
    assert "sentence" in focused()
    page.keyboard.press("ArrowDown")
    index = int(page.evaluate(f"document.querySelector('{PLAYER}').shadowRoot.activeElement.dataset.cue"))
    page.keyboard.press("Enter")
    assert abs(audio(page, "a.currentTime") - site.demo.sentences[index].start) < 0.3
    assert audio(page, "a.paused") is False

    # Focus is visible: the focused control draws an outline.
    outline = page.evaluate(
        f"getComputedStyle(document.querySelector('{PLAYER}').shadowRoot.activeElement).outlineStyle"
    )
    assert outline == "solid"


def test_resume_is_offered_after_a_reload(page: Any, site: Site) -> None:
    open_article(page, site)
    page.locator(f"{PLAYER} .toggle-chapters").click()
    page.locator(f"{PLAYER} .chapters button").nth(3).click()  # 9 s in: worth resuming
    page.wait_for_timeout(600)
    page.locator(f"{PLAYER} .play").click()  # pause saves the position
    saved = audio(page, "a.currentTime")
    page.reload()
    open_article(page, site)
    resume = page.locator(f"{PLAYER} .resume")
    resume.wait_for()
    minutes, seconds = divmod(int(round(saved, 1)), 60)
    assert resume.text_content() == f"Resume at {minutes}:{seconds:02d}"
    assert audio(page, "a.paused") is True  # offered, not started
    resume.click()
    assert abs(audio(page, "a.currentTime") - saved) < 0.3
    assert audio(page, "a.paused") is False


def test_reduced_motion_turns_transitions_off(browser: Any, site: Site) -> None:
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    open_article(page, site)
    duration = page.evaluate(
        f"getComputedStyle(document.querySelector('{PLAYER}').shadowRoot.querySelector('.play')).transitionDuration"
    )
    context.close()
    assert duration == "0s"


def test_title_with_script_is_text(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/hostile/embed.html")
    page.locator(f"{PLAYER} .sentence").first.wait_for(state="attached")
    assert page.locator(f"{PLAYER} .title").text_content() == HOSTILE
    assert page.evaluate(f"document.querySelector('{PLAYER}').shadowRoot.querySelectorAll('script').length") == 0
    assert page.evaluate(f"document.querySelector('{PLAYER}').shadowRoot.querySelectorAll('img:not(.art)').length") == 0
    assert page.locator(f"{PLAYER} .play").get_attribute("aria-label") == "Play"
    page.locator(f"{PLAYER} .play").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned === undefined")


def test_starting_one_player_pauses_the_others(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/hostile/two.html")
    players = page.locator(PLAYER)
    players.nth(1).locator(".sentence").first.wait_for(state="attached")
    paused = f"Array.from(document.querySelectorAll('{PLAYER}')).map(p => p.shadowRoot.querySelector('audio').paused)"
    players.nth(0).locator(".play").click()
    page.wait_for_timeout(300)
    assert page.evaluate(paused) == [False, True]
    players.nth(1).locator(".play").click()
    page.wait_for_timeout(300)
    assert page.evaluate(paused) == [True, False]


def test_missing_transcript_and_chapters_leave_the_audio_playable(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/hostile/broken.html")
    status = page.locator(f"{PLAYER} .status")
    status.wait_for()
    assert "could not be loaded" in str(status.text_content())
    assert page.locator(f"{PLAYER} .toggle-transcript").is_hidden()
    assert page.locator(f"{PLAYER} .toggle-chapters").is_hidden()
    page.locator(f"{PLAYER} .play").click()
    page.wait_for_function(
        f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').currentTime > 0.5", timeout=10_000
    )


def test_screenshots(browser: Any, site: Site) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, scheme in ((1200, "light"), (320, "light"), (1200, "dark"), (320, "dark")):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        open_article(page, site)
        page.locator(f"{PLAYER} .toggle-transcript").click()
        page.locator(f"{PLAYER} .sentence").nth(4).click()
        page.wait_for_timeout(700)
        page.locator(f"{PLAYER} .play").click()
        player = page.locator(PLAYER)
        player.screenshot(path=str(ARTIFACTS / f"player-{width}-{scheme}.png"))
        if scheme == "light":
            page.screenshot(path=str(ARTIFACTS / f"article-{width}.png"), full_page=True)
        # Nothing sticks out of the player at this width.
        overflow = page.evaluate(
            f"""(() => {{ const root = document.querySelector('{PLAYER}').shadowRoot.querySelector('.player');
                return root.scrollWidth - root.clientWidth; }})()"""
        )
        assert overflow <= 0, (width, overflow)
        context.close()
    for name in ("player-1200-light.png", "player-320-light.png", "article-1200.png"):
        assert (ARTIFACTS / name).stat().st_size > 5_000


def run_axe(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(FIXTURES / "axe.min.js"))
    results = page.evaluate(
        "axe.run(document, { resultTypes: ['violations'], runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'best-practice'] })"
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations_in_the_player(browser: Any, site: Site, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    open_article(page, site)
    page.locator(f"{PLAYER} .toggle-chapters").click()
    page.locator(f"{PLAYER} .toggle-transcript").click()
    page.locator(f"{PLAYER} .keys summary").click()
    page.locator(f"{PLAYER} .sentence").nth(3).click()
    page.wait_for_timeout(400)
    page.locator(f"{PLAYER} .play").click()
    violations = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    in_player = [v for v in violations if any(PLAYER in json.dumps(n["target"]) for n in v["nodes"])]
    context.close()
    assert in_player == [], json.dumps(in_player, indent=1)[:4000]


def test_axe_finds_no_serious_violations_on_the_show_page(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(f"{site.base}/demo/")
    page.locator(f"{PLAYER} .sentence").first.wait_for(state="attached")
    violations = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    page.screenshot(path=str(ARTIFACTS / "show-page.png"), full_page=True)
    context.close()
    assert violations == [], json.dumps(violations, indent=1)[:4000]


def test_show_page_loads_nothing_from_outside_its_feed_folder(browser: Any, site: Site) -> None:
    """The show page written into a feed folder needs nothing from /_narrate or any other host."""
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site.base}/demo/")
    page.locator(f"{PLAYER} .play").first.wait_for()
    context.close()
    network = [url for url in requested if not url.startswith(("blob:", "data:"))]
    assert network and all(url.startswith(site.base + "/demo/") for url in network), network


# ---- the player on a news page: compact bar, mini-bar, theme, events, sharing, FAQ, artwork ----

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
EVENTS = ("play", "pause", "progress", "ended", "seek", "chapter", "ratechange", "error")
COLLECT_EVENTS = (
    f"window.__events = []; for (const type of {json.dumps(list(EVENTS))}) document.addEventListener("
    "'narrate:' + type, (e) => window.__events.push({type: e.type, ...e.detail}));"
)


def shadow(page: Any, expression: str) -> Any:
    return page.evaluate(
        f"(() => {{ const r = document.querySelector('{PLAYER}').shadowRoot; return {expression}; }})()"
    )


def open_bar(browser: Any, site: Site, viewport: str, path: str = "/demo/bar.html", **options: Any) -> Any:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.add_init_script(COLLECT_EVENTS)
    page.add_init_script("navigator.clipboard.writeText = async (text) => { window.__copied = text; };")
    page.goto(site.base + path)
    page.locator(f"{PLAYER} .bar-play").wait_for()
    page.locator(f"{PLAYER} .sentence").first.wait_for(state="attached")
    page.wait_for_function(f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').readyState >= 1")
    return page


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_compact_bar_is_one_row_and_expands(browser: Any, site: Site, viewport: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_bar(browser, site, viewport)
    bar = page.locator(f"{PLAYER} .bar")
    height = bar.bounding_box()["height"]
    print(f"bar height at {viewport}: {height}px")
    assert height <= 72
    assert page.locator(f"{PLAYER} .player").is_hidden()
    assert page.locator(f"{PLAYER} .bar-title").text_content() == TITLE
    bar.screenshot(path=str(ARTIFACTS / f"bar-{viewport}-light.png"))
    page.locator(f"{PLAYER} .expand").click()
    assert page.locator(f"{PLAYER} .player").is_visible() and bar.is_hidden()
    assert page.locator(f"{PLAYER} .collapse").is_visible()
    page.locator(PLAYER).screenshot(path=str(ARTIFACTS / f"expanded-{viewport}-light.png"))
    page.locator(f"{PLAYER} .collapse").click()
    assert bar.is_visible()
    page.context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_mini_bar_while_playing_out_of_view(browser: Any, site: Site, viewport: str) -> None:
    page = open_bar(browser, site, viewport)
    mini = page.locator(f"{PLAYER} .mini")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(300)
    assert mini.is_hidden()  # paused: no mini-bar
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(f"{PLAYER} .bar-play").click()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    mini.wait_for(state="visible", timeout=3000)
    box = mini.bounding_box()
    assert box["y"] + box["height"] <= VIEWPORTS[viewport][1] and box["height"] <= 72
    mini.screenshot(path=str(ARTIFACTS / f"mini-{viewport}.png"))
    page.locator(f"{PLAYER} .mini-play").click()  # pause from the mini-bar: it goes away
    mini.wait_for(state="hidden", timeout=3000)
    page.evaluate(f"document.querySelector('{PLAYER}').shadowRoot.querySelector('audio').play()")
    mini.wait_for(state="visible", timeout=3000)
    page.locator(f"{PLAYER} .mini-close").click()
    mini.wait_for(state="hidden", timeout=3000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    assert mini.is_hidden()
    page.context.close()


def test_white_page_with_dark_os_gets_a_light_player(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "phone", color_scheme="dark")
    assert shadow(page, "r.querySelector('.np').classList.contains('dark')") is False
    background = shadow(page, "getComputedStyle(r.querySelector('.bar')).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    page.evaluate("document.body.style.background = '#121212'")  # the site switches to its dark mode
    page.wait_for_function(f"document.querySelector('{PLAYER}').shadowRoot.querySelector('.np.dark')")
    page.evaluate(f"document.querySelector('{PLAYER}').setAttribute('theme', 'light')")
    assert shadow(page, "r.querySelector('.np').classList.contains('dark')") is False
    page.context.close()


def test_events_reach_the_document_in_order(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "desktop")
    page.evaluate(f"document.querySelector('{PLAYER}').setAttribute('data-layer', '')")
    for _ in range(4):  # 1× → 2×
        page.locator(f"{PLAYER} .bar-rate").click()
    page.locator(f"{PLAYER} .bar-play").click()
    page.wait_for_function("window.__events.some(e => e.type === 'narrate:ended')", timeout=20_000)
    events = page.evaluate("window.__events")
    layer = page.evaluate("window.dataLayer")
    page.context.close()
    types = [e["type"].removeprefix("narrate:") for e in events]
    assert all(e["episode"] == site.demo.episode.guid for e in events)
    assert all(e["duration"] > 10 for e in events)
    assert [e["percent"] for e in events if e["type"] == "narrate:progress"] == [25, 50, 75]
    assert types.count("ratechange") == 4 and types.count("play") == 1 and types[-1] == "ended"
    assert types.index("play") < types.index("progress") < types.index("ended")
    assert "chapter" in types and "pause" not in types and "error" not in types
    positions = [e["position"] for e in events if e["type"] == "narrate:progress"]
    assert positions == sorted(positions)
    assert [entry["event"] for entry in layer] == [e["type"] for e in events]


@pytest.mark.parametrize("suffix", ["#t=60", "?t=60"])
def test_start_time_from_the_url(browser: Any, site: Site, suffix: str) -> None:
    page = open_bar(browser, site, "phone", path=f"/long/embed.html{suffix}")
    assert abs(audio(page, "a.currentTime") - 60) <= 1
    assert audio(page, "a.paused") is True  # starts there, but never by itself
    page.locator(f"{PLAYER} .bar-play").click()
    page.wait_for_timeout(500)
    assert 60 <= audio(page, "a.currentTime") <= 61.5
    page.context.close()


def test_share_copies_a_link_at_the_current_time_and_subscribe_lists_apps(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "desktop")
    page.locator(f"{PLAYER} .expand").click()
    page.locator(f"{PLAYER} .toggle-chapters").click()
    page.locator(f"{PLAYER} .chapters button").nth(3).click()  # 9 s in
    page.locator(f"{PLAYER} .play").click()  # pause
    page.locator(f"{PLAYER} .np-share").click()
    page.wait_for_function("window.__copied")
    copied = page.evaluate("window.__copied")
    at = int(audio(page, "a.currentTime"))
    assert copied == f"{site.base}/demo/bar.html#t={at}"
    page.locator(f"{PLAYER} .subscribe summary").click()
    links = page.locator(f"{PLAYER} .apps a")
    assert links.all_text_contents() == ["Apple Podcasts", "Overcast", "Pocket Casts", "RSS feed"]
    assert links.nth(3).get_attribute("href") == FEED_URL
    page.context.close()


def test_faq_question_is_highlighted_and_its_closed_answer_opens(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "phone")
    question = next(s for s in site.demo.sentences if s.text == FAQ_QUESTION)
    answer = site.demo.sentences[site.demo.sentences.index(question) + 1]
    seek = f"document.querySelector('{PLAYER}').seekTo(%s)"
    page.evaluate(seek % (question.start + 0.1))
    assert page.locator("summary[data-narrate-current]").count() == 1
    assert page.evaluate("document.querySelector('details').open") is False
    page.evaluate(seek % (answer.start + 0.1))
    assert page.evaluate("document.querySelector('details').open") is True
    assert page.locator("details p[data-narrate-current]").is_visible()
    page.evaluate(seek % 1.1)
    assert page.evaluate("document.querySelector('details').open") is False  # closed again: it opened it
    page.context.close()


def test_media_session_and_player_have_artwork(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "phone")
    assert page.locator(f"{PLAYER} .bar-art").is_visible()
    page.locator(f"{PLAYER} .bar-play").click()
    page.wait_for_function("navigator.mediaSession.metadata !== null")
    artwork = page.evaluate("navigator.mediaSession.metadata.artwork.map(a => a.src)")
    assert artwork == [f"{site.base}/demo/cover.png"]
    page.context.close()


def test_keyboard_help_only_for_fine_pointers(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "phone", has_touch=True, is_mobile=True)
    page.locator(f"{PLAYER} .expand").click()
    assert page.locator(f"{PLAYER} .keys").is_hidden()
    page.context.close()
    page = open_bar(browser, site, "desktop")
    page.locator(f"{PLAYER} .expand").click()
    assert page.locator(f"{PLAYER} .keys").is_visible()
    page.context.close()


def test_old_snippets_keep_the_full_player(page: Any, site: Site) -> None:
    page.goto(f"{site.base}/hostile/embed.html")
    page.locator(f"{PLAYER} .sentence").first.wait_for(state="attached")
    page.evaluate(f"document.querySelector('{PLAYER}').removeAttribute('layout')")
    assert page.locator(f"{PLAYER} .player").is_visible() and page.locator(f"{PLAYER} .bar").is_hidden()


@pytest.mark.parametrize("state", ["bar", "expanded", "mini"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_in_every_layout_and_theme(browser: Any, site: Site, state: str, theme: str) -> None:
    page = open_bar(browser, site, "phone")
    page.evaluate(f"document.querySelector('{PLAYER}').setAttribute('theme', '{theme}')")
    if state == "expanded":
        page.locator(f"{PLAYER} .expand").click()
        page.locator(f"{PLAYER} .toggle-chapters").click()
        page.locator(f"{PLAYER} .subscribe summary").click()
    if state == "mini":
        page.locator(f"{PLAYER} .bar-play").click()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.locator(f"{PLAYER} .mini").wait_for(state="visible")
    target = ".mini" if state == "mini" else ".box"
    page.locator(f"{PLAYER} {target}").screenshot(path=str(ARTIFACTS / f"{state}-{theme}.png"))
    violations = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    in_player = [v for v in violations if any(PLAYER in json.dumps(n["target"]) for n in v["nodes"])]
    page.context.close()
    assert in_player == [], json.dumps(in_player, indent=1)[:4000]


def test_the_player_adopts_the_audio_the_page_started_loading(browser: Any, site: Site) -> None:
    page = open_bar(browser, site, "desktop")
    # The <audio> of the snippet's light DOM now plays inside the player: one audio element, loading once.
    assert page.evaluate("document.querySelector('narrate-player > audio')") is None
    src = shadow(page, "r.querySelector('audio').getAttribute('src')")
    assert src.endswith(".mp3")
    assert shadow(page, "r.querySelectorAll('audio').length") == 1
    loads = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.mp3')).length")
    assert loads <= 1
    page.locator(f"{PLAYER} .bar-play").click()
    page.wait_for_function("document.querySelector('narrate-player').shadowRoot.querySelector('audio').currentTime > 0")
    page.context.close()
