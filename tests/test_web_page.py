"""The page rewrite, the embed snippet and the show page, checked by parsing their HTML back."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from narrate.errors import InputError
from narrate.model import ChapterMark, Cue, Role, Sentence, Timeline
from narrate.publish.transcript import to_webvtt
from narrate.web.embed import TRANSCRIPT_MIME, embed_snippet, find_file
from narrate.web.page import RewriteResult, SentenceCue, read_vtt_sentences, rewrite_page
from narrate.web.show import Show, render_show_page, subscribe_links, write_show_page
from tests.web_support import EXAMPLE_PAGE, TITLE, DemoEpisode, make_demo_episode

HOSTILE = 'Breach <script>alert("x")</script> & <img src=x onerror=alert(1)> "quoted"'
MEDIA = "https://cdn.example/podcasts/demo/episodes"
PLAYER = "https://cdn.example/podcasts/demo/player"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoEpisode:
    return make_demo_episode(tmp_path_factory.mktemp("feeds"))


def soup_of(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(html, "html.parser")


def sentences_of(demo: DemoEpisode) -> tuple[SentenceCue, ...]:
    transcript = find_file(demo.episode, TRANSCRIPT_MIME)
    assert transcript is not None
    return read_vtt_sentences((demo.directory / transcript.name).read_text())


def rewrite(demo: DemoEpisode, html: str | None = None, **options: str) -> tuple[BeautifulSoup, RewriteResult]:
    result = rewrite_page(
        html if html is not None else EXAMPLE_PAGE.read_text(), demo.episode, sentences_of(demo),
        media_base_url=MEDIA, player_base_url=PLAYER, **options,
    )
    return soup_of(result.html), result


def test_vtt_cues_are_read_back_with_ids_and_text(demo: DemoEpisode) -> None:
    cues = sentences_of(demo)
    assert [c.id for c in cues] == [s.id for s in demo.sentences]
    assert [c.text for c in cues] == [s.text for s in demo.sentences]


def test_reads_the_pipelines_own_webvtt() -> None:
    sentence = Sentence(written="Prices rose 5% & <fell> “again”.", spoken="x", role=Role.BODY)
    second = Sentence(written="Then it ended.", spoken="y", role=Role.BODY)
    timeline = Timeline(
        cues=(Cue(0.0, 1.5, 0, sentence), Cue(1.7, 2.5, 0, second)),
        chapters=(ChapterMark(0.0, 2.5, "Story", Role.BODY),),
        duration=2.5,
    )
    assert read_vtt_sentences(to_webvtt(timeline)) == (
        SentenceCue("s1", "Prices rose 5% & <fell> “again”."),
        SentenceCue("s2", "Then it ended."),
    )


def test_invalid_vtt_is_an_input_error() -> None:
    with pytest.raises(InputError, match="WebVTT"):
        read_vtt_sentences("not a transcript")


def test_player_replaces_the_loading_voice_widget_in_place(demo: DemoEpisode) -> None:
    page, result = rewrite(demo)
    assert result.found_placeholder
    assert "Loading voice" not in page.get_text()
    player = page.find("narrate-player")
    assert isinstance(player, Tag)
    # Where the widget was: right after the share bar, before the article body.
    previous = player.find_previous_sibling()
    assert isinstance(previous, Tag) and "share" in previous.get("class", [])
    assert player.get("src") == f"{MEDIA}/{demo.episode.audio.name}"
    assert player.get("episode-title") == TITLE
    assert player.has_attr("highlight-page")
    assert str(player.get("transcript", "")).endswith(".vtt")
    assert str(player.get("chapters", "")).endswith(".chapters.json")
    script = page.find("head").find("script", src=f"{PLAYER}/player.js")  # type: ignore[union-attr]
    assert script is not None and script.get("type") == "module"


def test_sentences_are_marked_in_their_paragraphs(demo: DemoEpisode) -> None:
    page, result = rewrite(demo)
    assert result.total_sentences == len(demo.sentences)
    assert result.marked_sentences == len(demo.sentences)
    for sentence in demo.sentences:
        marked = page.select(f'[data-narrate-sentence~="{sentence.id}"]')
        assert marked, sentence.id
        assert " ".join(sentence.text.split()) in " ".join(marked[0].get_text().split())
    # The quote with curly quotes and the sentence after a <strong> dateline are wrapped exactly.
    quote = next(s for s in demo.sentences if s.text.startswith("“The urgency"))
    span = page.select_one(f'span[data-narrate-sentence="{quote.id}"]')
    assert span is not None and span.get_text() == quote.text
    opening = next(s for s in demo.sentences if s.text.startswith("The presidential office is preparing"))
    span = page.select_one(f'span[data-narrate-sentence="{opening.id}"]')
    assert span is not None and span.get_text() == opening.text
    paragraph = span.parent
    assert isinstance(paragraph, Tag) and paragraph.name == "p" and paragraph.find("strong") is not None
    # Sentences are marked in speaking order: the headline sentence is the article body's first line.
    first = page.select_one('[data-narrate-sentence~="s1"]')
    assert first is not None and first.name in ("p", "span")
    # Nothing of the page's text was lost.
    original = soup_of(EXAMPLE_PAGE.read_text())
    body_text = " ".join(original.select_one("[itemprop=articleBody]").get_text().split())  # type: ignore[union-attr]
    assert " ".join(page.select_one("[itemprop=articleBody]").get_text().split()) == body_text  # type: ignore[union-attr]


def test_rewriting_a_rewritten_page_changes_nothing(demo: DemoEpisode) -> None:
    _, first = rewrite(demo)
    _, second = rewrite(demo, first.html)
    assert second.html == first.html
    assert second.html.count("<narrate-player") == 1
    assert second.html.count("player.js") == 1


def test_without_a_widget_the_player_goes_after_the_headline(demo: DemoEpisode) -> None:
    html = EXAMPLE_PAGE.read_text()
    start = html.index('<div class="article-tts"')
    end = html.index("</div>", html.index("</div>", start) + 1) + len("</div>")
    page, result = rewrite(demo, html[:start] + html[end:])
    assert not result.found_placeholder
    assert "headline" in result.placement
    player = page.find("narrate-player")
    assert isinstance(player, Tag)
    previous = player.find_previous_sibling()
    assert isinstance(previous, Tag) and previous.name == "h1"


def test_selector_chooses_the_place_and_must_match(demo: DemoEpisode) -> None:
    page, result = rewrite(demo, selector="aside")
    assert result.found_placeholder
    assert page.find("aside") is None and page.find("narrate-player") is not None
    assert "Loading voice" in page.get_text()  # the widget stays: the selector said where the player goes
    with pytest.raises(InputError, match="matches nothing"):
        rewrite(demo, selector="#no-such-thing")
    with pytest.raises(InputError, match="not a valid CSS selector"):
        rewrite(demo, selector="div[")


def test_loading_voice_inside_article_text_is_not_replaced(demo: DemoEpisode) -> None:
    html = "<html><body><article><h1>T</h1><p>The app shows Loading voice… for ages.</p></article></body></html>"
    page, result = rewrite(demo, html)
    assert not result.found_placeholder
    assert "The app shows Loading voice… for ages." in page.get_text()


def test_common_widget_container_without_loading_text(demo: DemoEpisode) -> None:
    html = (
        "<html><body><article><h1>T</h1><div class='p'><div id='trinity-audio'></div></div>"
        "<p>x</p></article></body></html>"
    )
    page, result = rewrite(demo, html)
    assert result.found_placeholder
    assert page.find(id="trinity-audio") is None
    player = page.find("narrate-player")
    assert isinstance(player, Tag) and isinstance(player.parent, Tag) and player.parent.get("class") == ["p"]


def test_hostile_title_stays_an_attribute_value(demo: DemoEpisode) -> None:
    episode = replace(demo.episode, title=HOSTILE, author='A "quoted" <b>author</b>')
    snippet = embed_snippet(episode, media_base_url=MEDIA, player_base_url=PLAYER)
    parsed = soup_of(snippet)
    assert parsed.find("img") is None
    assert [s.get("src") for s in parsed.find_all("script")] == [f"{PLAYER}/player.js"]
    player = parsed.find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("episode-title") == HOSTILE
    assert player.get("artist") == 'A "quoted" <b>author</b>'


def test_embed_snippet_urls_quote_file_names(demo: DemoEpisode) -> None:
    audio = replace(demo.episode.audio, name="a b#c.mp3")
    snippet = embed_snippet(replace(demo.episode, audio=audio), media_base_url=MEDIA + "/", player_base_url=PLAYER)
    player = soup_of(snippet).find("narrate-player")
    assert isinstance(player, Tag) and player.get("src") == f"{MEDIA}/a%20b%23c.mp3"
    link = player.find("a")
    assert isinstance(link, Tag) and link.get("href") == f"{MEDIA}/a%20b%23c.mp3"  # the no-JavaScript fallback


def test_show_page_lists_episodes_newest_first_and_escapes_everything(demo: DemoEpisode, tmp_path: Path) -> None:
    older = replace(demo.episode, guid="older", title=HOSTILE, published=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    show = Show(
        title="News <b>Audio</b>", description="Daily & <i>narrated</i>", feed_url="https://cdn.example/demo/feed.xml",
        artwork_url="https://cdn.example/art.png", author="NationPress",
    )
    page = soup_of(render_show_page(show, [older, demo.episode], media_base_url="episodes"))
    assert page.find("b") is None and page.find("i") is None and page.find("img", src="x") is None
    assert page.find("h1").get_text() == "News <b>Audio</b>"  # type: ignore[union-attr]
    assert [h.get_text() for h in page.select(".episode h3")] == [TITLE, HOSTILE]
    players = page.find_all("narrate-player")
    assert [p.get("episode") for p in players] == [demo.episode.guid, "older"]
    assert players[0].get("src") == f"episodes/{demo.episode.audio.name}"
    assert not players[0].has_attr("highlight-page")
    assert players[0].has_attr("compact")  # the episode heading above already names it
    assert page.find("link", rel="alternate").get("href") == show.feed_url  # type: ignore[union-attr]
    hrefs = [a.get("href") for a in page.select(".apps a")]
    assert hrefs == [link.url for link in subscribe_links(show.feed_url)]
    assert page.find("input", id="feed-url").get("value") == show.feed_url  # type: ignore[union-attr]
    assert len(page.find_all("script", src="player/player.js")) == 1


def test_subscribe_links_open_podcast_apps() -> None:
    links = {link.label: link.url for link in subscribe_links("https://cdn.example/p/feed.xml")}
    assert links == {
        "Apple Podcasts": "podcast://cdn.example/p/feed.xml",
        "Overcast": "overcast://x-callback-url/add?url=https%3A%2F%2Fcdn.example%2Fp%2Ffeed.xml",
        "Pocket Casts": "pktc://subscribe/cdn.example/p/feed.xml",
        "RSS feed": "https://cdn.example/p/feed.xml",
    }


def test_written_show_page_carries_its_own_player(demo: DemoEpisode, tmp_path: Path) -> None:
    show = Show(title="T", description="D", feed_url="https://x.example/feed.xml")
    page = write_show_page(tmp_path, show, [demo.episode])
    assert page == tmp_path / "index.html"
    assert (tmp_path / "player" / "player.js").read_text().startswith("// <narrate-player>")
    assert "--np-accent" in (tmp_path / "player" / "player.css").read_text()


# ---- `narrate page` touches only what it must ----

OUR_SPAN = re.compile(r'<span data-narrate-sentence="[^"]*">([^<]*)</span>')
OUR_ATTRIBUTE = re.compile(r' data-narrate-sentence="[^"]*"')
OUR_SCRIPT = re.compile(r'<script type="module" src="[^"]*/player\.js"></script>')
OUR_PLAYER = re.compile(r"<narrate-player [^>]*>.*?</narrate-player>", re.DOTALL)


def undo_rewrite(rewritten: str, placeholder: str) -> str:
    """The rewritten page without what the rewrite may add: the page it started from, if it touched nothing else."""
    text = OUR_SCRIPT.sub("", OUR_ATTRIBUTE.sub("", OUR_SPAN.sub(r"\1", rewritten)))
    assert len(OUR_PLAYER.findall(text)) == 1
    return OUR_PLAYER.sub(lambda _: placeholder, text)


ODD_PAGE = (
    "<!DOCTYPE html>\r\n<HTML LANG=en><HEAD><META CHARSET=utf-8><TITLE>Odd &amp; old</TITLE>\r\n"
    "<script>if (a < b && c > d) document.write('</p>')</script></HEAD>\r\n"
    "<BODY class=x   data-foo='single'><ARTICLE>\r\n<H1  id=h>The  headline</H1>\r\n"
    "<DIV class=\"audio-player\"  >Audio <span>Loading voice&hellip;</span></DIV>\r\n"
    "<!-- a comment with <p>markup</p> -->\r\n"
    "<P CLASS=lead>In a decisive response to the recent Coupang data breach affecting millions, the presidential "
    "office is set to hold an emergency meeting with key officials.<br/>This urgent gathering showcases the "
    "government&#39;s commitment to addressing the serious implications of the incident, with multiple "
    "authorities involved in the investigation and policy reform.</P >\r\n"
    "<p>Stay tuned for updates.<img src=x.png alt='a > b'></p>\r\n"
    "<details><summary>What is the significance of the Coupang data breach?</summary>\r\n"
    "  <p>The Coupang data breach affects over 33 million users, raising serious concerns about data security "
    "and privacy in the e-commerce sector.</p></details>\r\n"
    "</ARTICLE></BODY></HTML>\r\n"
)


def pages(demo: DemoEpisode) -> list[tuple[str, str, str]]:
    """(name, page, the placeholder's exact text) for each page the diff test rewrites."""
    example = EXAMPLE_PAGE.read_text()
    start = example.index('<div class="article-tts"')
    end = example.index("</div>", example.index("</div>", start) + 1) + len("</div>")
    no_head = "<article><h1>What</h1>\n  <p>Stay tuned for updates.</p>\n</article>\n"
    widget = '<DIV class="audio-player"  >Audio <span>Loading voice&hellip;</span></DIV>'
    return [("example", example, example[start:end]), ("odd", ODD_PAGE, widget), ("no head", no_head, "")]


def test_rewrite_changes_only_the_widget_the_script_and_the_marks(demo: DemoEpisode) -> None:
    for name, page, placeholder in pages(demo):
        result = rewrite_page(page, demo.episode, sentences_of(demo), media_base_url=MEDIA, player_base_url=PLAYER)
        assert result.marked_sentences >= 1, name
        assert undo_rewrite(result.html, placeholder) == page, name
        again = rewrite_page(result.html, demo.episode, sentences_of(demo), media_base_url=MEDIA,
                             player_base_url=PLAYER)
        assert again.html == result.html, name


def test_odd_markup_keeps_its_bytes_and_gets_its_marks(demo: DemoEpisode) -> None:
    result = rewrite_page(ODD_PAGE, demo.episode, sentences_of(demo), media_base_url=MEDIA, player_base_url=PLAYER)
    assert "\r\n<script type=\"module\"" not in result.html  # the script goes just before </HEAD>
    assert '</script><script type="module"' in result.html and "</HEAD>" in result.html
    assert '<P CLASS=lead data-narrate-sentence="s2 s3">' in result.html
    assert "<p data-narrate-sentence=\"s4\">" in result.html
    assert "government&#39;s commitment" in result.html  # references stay as written
    page = soup_of(result.html)
    summary = page.find("summary")
    assert isinstance(summary, Tag) and summary.get("data-narrate-sentence")  # FAQ questions are read along
    answer = page.select_one("details p")
    assert isinstance(answer, Tag) and answer.get("data-narrate-sentence")
    assert page.select_one("head [data-narrate-sentence]") is None


def test_player_attributes_for_layout_theme_and_feed(demo: DemoEpisode) -> None:
    page, _ = rewrite(demo, theme="dark", feed_url="https://cdn.example/demo/feed.xml")
    player = page.find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("layout") == "bar" and player.get("theme") == "dark"
    assert player.get("feed") == "https://cdn.example/demo/feed.xml"
    page, _ = rewrite(demo, layout="full")
    player = page.find("narrate-player")
    assert isinstance(player, Tag) and player.get("layout") == "full" and not player.has_attr("theme")
    with pytest.raises(ValueError, match="theme"):
        rewrite(demo, theme="sepia")


def test_player_js_and_css_stay_under_20_kb_gzipped() -> None:
    import gzip

    static = Path(__file__).parent.parent / "narrate" / "web" / "static"
    data = (static / "player.js").read_bytes() + (static / "player.css").read_bytes()
    assert len(gzip.compress(data, compresslevel=9)) < 20_000


def test_the_manifest_form_adds_one_attribute_to_the_old_snippet(demo: DemoEpisode) -> None:
    old = embed_snippet(demo.episode, media_base_url="/demo/episodes", player_base_url="/_narrate")
    new = embed_snippet(demo.episode, media_base_url="/demo/episodes", player_base_url="/_narrate",
                        manifest_url="/demo/manifests/0123456789abcdef.json")
    assert "manifest=" not in old
    assert new == old.replace("<narrate-player ", '<narrate-player manifest="/demo/manifests/0123456789abcdef.json" ')
