"""Put the player into an article page: replace the page's audio widget placeholder and mark the
paragraphs whose text the narration speaks, so the player can highlight them as it reads."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from narrate.errors import InputError
from narrate.model import Episode
from narrate.web.embed import player_element, player_script_tag, player_source

if TYPE_CHECKING:  # bs4 is imported inside the functions that use it, so the CLI starts fast
    from bs4 import BeautifulSoup, Tag

MARKER_ATTRIBUTE = "data-narrate-sentence"

PLACEHOLDER_TEXT = re.compile(r"loading\s+(?:voice|audio)", re.IGNORECASE)
"""Text a third-party TTS widget shows before its script runs ("Audio Loading voice…")."""

WIDGET_ONLY_TEXT = re.compile(
    r"^(?:audio|listen(?:\s+to\s+(?:this\s+)?article)?|play)?\s*[:·|-]?\s*"
    r"(?:loading\s+(?:voice|audio)(?:\s*(?:…|\.\.\.))?)?\s*$",
    re.IGNORECASE,
)
"""The whole text of an element that is nothing but the widget, so it may be replaced as a whole."""

WIDGET_SELECTORS: tuple[str, ...] = (
    "narrate-player",
    "[data-narrate-placeholder]",
    "beyondwords-player",
    "[id^='beyondwords']",
    "#trinity-audio",
    "[class*='trinity-tts']",
    "[class*='audio-widget']",
    "[class*='audio-player']",
    "[class*='tts-player']",
    "[class*='text-to-speech']",
    "[class*='listen-to-article']",
    "[class*='article-audio']",
)
"""Containers that common article-audio widgets render into, most specific first."""

ARTICLE_ROOTS: tuple[str, ...] = ("[itemprop='articleBody']", "article", "main", "[role='main']", "body")
BLOCKS = "p, li, blockquote, h1, h2, h3, h4, h5, h6, dt, dd, figcaption"
NEVER_REPLACE = frozenset({"html", "head", "body", "article", "main"})

QUOTES = "\"'“”‘’«»„‚"
DASHES = "-–—‒−"


@dataclass(frozen=True)
class SentenceCue:
    """A transcript sentence: its cue id (``s1``, ``s2``…) and its text as written."""

    id: str
    text: str


@dataclass(frozen=True)
class RewriteResult:
    """The rewritten page and what was done to it."""

    html: str
    found_placeholder: bool
    """False when no widget was found and the player went after the headline instead."""
    placement: str
    """Where the player went, in words, for the CLI to report."""
    marked_sentences: int
    total_sentences: int


def read_vtt_sentences(vtt_text: str) -> tuple[SentenceCue, ...]:
    """The cues of a WebVTT transcript, in order; cues without an id get ``s<n>``."""
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_string(vtt_text)
    except MalformedFileError as error:
        raise InputError(f"the transcript is not valid WebVTT ({error}); regenerate the episode") from error
    return tuple(
        SentenceCue(id=caption.identifier or f"s{index}", text=" ".join(html.unescape(caption.text).split()))
        for index, caption in enumerate(captions.captions, start=1)
    )


def rewrite_page(
    page_html: str,
    episode: Episode,
    sentences: Sequence[SentenceCue],
    *,
    media_base_url: str,
    player_base_url: str,
    selector: str | None = None,
    artwork_url: str | None = None,
) -> RewriteResult:
    """Replace the audio widget of ``page_html`` with ``episode``'s player and mark its sentences."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(page_html, "html.parser")
    _remove_old_markers(soup)

    placeholder = _find_placeholder(soup, selector)
    source = player_source(episode, media_base_url=media_base_url, artwork_url=artwork_url)
    player = _parse_fragment(player_element(source, highlight_page=True))
    if placeholder is not None:
        placement = f"replaced {_describe(placeholder)}"
        placeholder.replace_with(player)
    else:
        placement = _insert_after_headline(soup, player)
    _add_script(soup, player_script_tag(player_base_url))

    marked = _mark_sentences(soup, sentences)
    return RewriteResult(
        html=str(soup),
        found_placeholder=placeholder is not None,
        placement=placement,
        marked_sentences=marked,
        total_sentences=len(sentences),
    )


# ---- the placeholder ----


def _find_placeholder(soup: BeautifulSoup, selector: str | None) -> Tag | None:
    from soupsieve import SelectorSyntaxError

    if selector:
        try:
            found = soup.select_one(selector)
        except SelectorSyntaxError as error:
            raise InputError(f"--selector {selector!r} is not a valid CSS selector: {error}") from error
        if found is None:
            raise InputError(f"--selector {selector!r} matches nothing in the page; check the page source")
        return found
    existing = soup.select_one("narrate-player")
    if existing is not None:
        return existing
    by_text = _placeholder_by_text(soup)
    if by_text is not None:
        return by_text
    for widget_selector in WIDGET_SELECTORS:
        found = soup.select_one(widget_selector)
        if found is not None and found.name not in NEVER_REPLACE:
            return found
    return None


def _placeholder_by_text(soup: BeautifulSoup) -> Tag | None:
    from bs4 import Tag

    for text in soup.find_all(string=PLACEHOLDER_TEXT):
        element = text.parent
        if not isinstance(element, Tag) or element.name in ("script", "style", "title", "noscript"):
            continue
        if not WIDGET_ONLY_TEXT.match(_squash(element.get_text(" "))):
            continue  # the words sit inside the article's own text: replacing it would lose that text
        # Climb to the widget's own container: the largest ancestor whose text is still only the widget's.
        while (
            isinstance(element.parent, Tag)
            and element.parent.name not in NEVER_REPLACE
            and WIDGET_ONLY_TEXT.match(_squash(element.parent.get_text(" ")))
        ):
            element = element.parent
        if element.name not in NEVER_REPLACE:
            return element
    return None


def _insert_after_headline(soup: BeautifulSoup, player: Tag) -> str:
    root = _article_root(soup)
    headline = root.find("h1") or soup.find("h1")
    if headline is not None and hasattr(headline, "insert_after"):
        headline.insert_after(player)
        return "no audio widget found; inserted the player after the headline"
    root.insert(0, player)
    return f"no audio widget or headline found; inserted the player at the start of <{root.name}>"


def _add_script(soup: BeautifulSoup, script_tag: str) -> None:
    script = _parse_fragment(script_tag)
    src = script.get("src")
    for old in soup.find_all("script", src=True):
        if str(old.get("src", "")).endswith("/player.js") or old.get("src") == src:
            old.decompose()
    head = soup.find("head")
    if head is not None and hasattr(head, "append"):
        head.append(script)
    else:
        player = soup.find("narrate-player")
        if player is not None and hasattr(player, "insert_before"):
            player.insert_before(script)


def _parse_fragment(markup: str) -> Tag:
    from bs4 import BeautifulSoup, Tag

    element = BeautifulSoup(markup, "html.parser").find(True)
    assert isinstance(element, Tag)  # our own markup always has one root element
    element.extract()
    return element


def _describe(element: Tag) -> str:
    classes = element.get("class")
    ident = element.get("id")
    described = f"<{element.name}"
    if ident:
        described += f' id="{ident}"'
    if classes:
        described += f' class="{" ".join(classes) if isinstance(classes, list) else classes}"'
    return described + ">"


# ---- sentence markers ----


def _remove_old_markers(soup: BeautifulSoup) -> None:
    """Undo an earlier rewrite's markers, so rewriting a rewritten page changes nothing."""
    for span in soup.select(f"span[{MARKER_ATTRIBUTE}]"):
        span.unwrap()
    for element in soup.select(f"[{MARKER_ATTRIBUTE}]"):
        del element[MARKER_ATTRIBUTE]
    soup.smooth()


def _article_root(soup: BeautifulSoup) -> Tag:
    from bs4 import Tag

    for candidate in ARTICLE_ROOTS:
        found = soup.select_one(candidate)
        if isinstance(found, Tag):
            return found
    return soup


def _mark_sentences(soup: BeautifulSoup, sentences: Sequence[SentenceCue]) -> int:
    """Mark each sentence's paragraph, in speaking order, and wrap it when it sits in one text run."""
    root = _article_root(soup)
    blocks = [
        block
        for block in root.select(BLOCKS)
        if not block.select_one(BLOCKS) and not block.find_parent("narrate-player")
    ]
    texts = [_squash(block.get_text()) for block in blocks]
    cursor = 0
    marked = 0
    for sentence in sentences:
        pattern = _loose_pattern(sentence.text)
        if pattern is None:
            continue
        for index in range(cursor, len(blocks)):
            if pattern.search(texts[index]):
                block = blocks[index]
                ids = str(block.get(MARKER_ATTRIBUTE, "")).split()
                block[MARKER_ATTRIBUTE] = " ".join([*ids, sentence.id])
                _wrap_sentence(soup, block, pattern, sentence.id)
                cursor = index
                marked += 1
                break
    return marked


def _wrap_sentence(soup: BeautifulSoup, block: Tag, pattern: re.Pattern[str], cue_id: str) -> None:
    from bs4.element import NavigableString, PageElement

    for text in block.find_all(string=True):
        if type(text) is not NavigableString:  # comments, CDATA and doctypes are strings too
            continue
        if text.find_parent("span", attrs={MARKER_ATTRIBUTE: True}) is not None:
            continue
        match = pattern.search(str(text))
        if match is None:
            continue
        before, found, after = str(text)[: match.start()], match.group(0), str(text)[match.end() :]
        span = soup.new_tag("span", attrs={MARKER_ATTRIBUTE: cue_id})
        span.string = found
        pieces: list[PageElement] = [NavigableString(before)] if before else []
        pieces.append(span)
        if after:
            pieces.append(NavigableString(after))
        text.replace_with(*pieces)
        return


def _squash(text: str) -> str:
    return " ".join(text.split())


def _loose_pattern(sentence: str) -> re.Pattern[str] | None:
    """A pattern for ``sentence`` that tolerates other whitespace, quote and dash characters."""
    words = sentence.split()
    if not words:
        return None
    parts: list[str] = []
    for char in " ".join(words):
        if char == " ":
            parts.append(r"\s+")
        elif char in QUOTES:
            parts.append(f"[{re.escape(QUOTES)}]")
        elif char in DASHES:
            parts.append(f"[{re.escape(DASHES)}]")
        elif char in "…":
            parts.append(r"(?:…|\.\.\.)")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts))

