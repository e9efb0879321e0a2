"""Put the player into an article page: replace the page's audio widget placeholder and mark the
paragraphs whose text the narration speaks, so the player can highlight them as it reads."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
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
BLOCKS = "p, li, blockquote, h1, h2, h3, h4, h5, h6, dt, dd, figcaption, summary"
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
    feed_url: str | None = None,
    layout: str = "bar",
    theme: str = "auto",
    manifest_url: str | None = None,
) -> RewriteResult:
    """Replace the audio widget of ``page_html`` with ``episode``'s player and mark its sentences.

    The page is edited as text: outside the replaced widget, the inserted script tag and the sentence
    marks (an attribute on each paragraph, a ``<span>`` around each sentence), every byte stays as it was.
    Rewriting the result again gives the same result. With ``manifest_url`` the player follows the episode
    through re-narrations (see :class:`narrate.web.embed.PlayerSource`).
    """
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    source_html = _remove_old_markers(page_html)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(source_html, "html.parser")
    offsets = SourceOffsets(source_html)
    edits: list[Edit] = []

    placeholder = _find_placeholder(soup, selector)
    source = player_source(episode, media_base_url=media_base_url, artwork_url=artwork_url, feed_url=feed_url,
                           manifest_url=manifest_url)
    player = player_element(source, highlight_page=True, layout=layout, theme=theme)
    if placeholder is not None:
        placement = f"replaced {_describe(placeholder)}"
        start, _, end = offsets.element(placeholder)
        edits.append(Edit(start, end, player))
        player_at = start
    else:
        placement, player_at = _after_headline(soup, offsets)
        edits.append(Edit(player_at, player_at, player, order=1))
    edits += _script_edits(soup, offsets, player_script_tag(player_base_url), player_at)

    marked = _mark_sentences(soup, offsets, sentences, placeholder, edits)
    return RewriteResult(
        html=apply_edits(source_html, edits),
        found_placeholder=placeholder is not None,
        placement=placement,
        marked_sentences=marked,
        total_sentences=len(sentences),
    )


# ---- editing the page as text ----


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` with ``text``; insertions at one offset go in ``order``."""

    start: int
    end: int
    text: str
    order: int = 0


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """``source`` with non-overlapping ``edits`` applied."""
    pieces: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.order, e.end)):
        if edit.start < cursor:
            raise AssertionError(f"overlapping page edits at {edit.start}")  # a bug in this module
        pieces += [source[cursor : edit.start], edit.text]
        cursor = edit.end
    pieces.append(source[cursor:])
    return "".join(pieces)


VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source",
     "track", "wbr"}
)


class SourceOffsets(HTMLParser):
    """Where each tag and text run of an HTML string starts and ends, parsed as bs4's html.parser does."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
        self.events: list[tuple[str, str, int, int]] = []
        """(kind, tag name, start, end): kind is start, end, text, raw (script/style text) or other."""
        self.index: dict[int, int] = {}
        self.feed(source)
        self.close()
        self._close_text(len(source))
        for number, event in enumerate(self.events):
            if event[0] in ("start", "void"):
                self.index[event[2]] = number

    def offset_of(self, line: int, column: int) -> int:
        return self.line_starts[line - 1] + column

    def _here(self) -> int:
        return self.offset_of(*self.getpos())

    def _close_text(self, at: int) -> None:
        if self.events and self.events[-1][0] in ("text", "raw") and self.events[-1][3] < 0:
            kind, name, start, _ = self.events[-1]
            self.events[-1] = (kind, name, start, at)

    def _event(self, kind: str, name: str, end: int | None = None) -> None:
        here = self._here()
        self._close_text(here)
        self.events.append((kind, name, here, here if end is None else end))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        here = self._here()
        self._event("start", tag, here + len(self.get_starttag_text() or ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        here = self._here()
        self._event("void", tag, here + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        here = self._here()
        close = self.source.find(">", here)
        self._event("end", tag, len(self.source) if close < 0 else close + 1)

    def handle_data(self, data: str) -> None:
        here = self._here()
        if self.events and self.events[-1][0] in ("text", "raw") and self.events[-1][3] < 0:
            return  # the same run, split by the parser
        self._close_text(here)
        self.events.append(("raw" if self.cdata_elem else "text", "", here, -1))

    def handle_comment(self, data: str) -> None:
        self._event("other", "")

    def handle_decl(self, decl: str) -> None:
        self._event("other", "")

    def handle_pi(self, data: str) -> None:
        self._event("other", "")

    def unknown_decl(self, data: str) -> None:
        self._event("other", "")

    def _start_index(self, element: Tag) -> int:
        line, column = element.sourceline, element.sourcepos
        if line is None or column is None or self.offset_of(line, column) not in self.index:
            raise AssertionError(f"<{element.name}> has no source position")  # a bug in this module
        return self.index[self.offset_of(line, column)]

    def start_tag(self, element: Tag) -> tuple[int, int]:
        """Where ``element``'s start tag begins and ends."""
        _, _, start, end = self.events[self._start_index(element)]
        return start, end

    def element(self, element: Tag) -> tuple[int, int, int]:
        """Where ``element`` starts, where its content ends and where it ends (after its end tag, if any)."""
        number = self._start_index(element)
        start = self.events[number][2]
        if self.events[number][0] == "void" or element.name in VOID_ELEMENTS:
            return start, self.events[number][3], self.events[number][3]
        ancestors = {parent.name for parent in element.parents}
        open_names = [element.name]
        for kind, name, at, end in self.events[number + 1 :]:
            if kind == "start" and name not in VOID_ELEMENTS:
                open_names.append(name)
            elif kind == "end":
                if name in open_names:
                    while open_names.pop() != name:
                        pass
                    if not open_names:
                        return start, at, end
                elif name in ancestors:
                    return start, at, at  # closed by an ancestor's end tag, without its own
        return start, len(self.source), len(self.source)

    def text_runs(self, element: Tag) -> list[tuple[int, int]]:
        """The text runs inside ``element``, in order (not script or style text, not comments)."""
        _, inner_start = self.start_tag(element)
        _, inner_end, _ = self.element(element)
        return [(a, b) for kind, _, a, b in self.events if kind == "text" and inner_start <= a and b <= inner_end]


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


def _after_headline(soup: BeautifulSoup, offsets: SourceOffsets) -> tuple[str, int]:
    from bs4 import Tag

    root = _article_root(soup)
    headline = root.find("h1") or soup.find("h1")
    if isinstance(headline, Tag):
        return "no audio widget found; inserted the player after the headline", offsets.element(headline)[2]
    at = offsets.start_tag(root)[1] if root is not soup else 0
    return f"no audio widget or headline found; inserted the player at the start of <{root.name}>", at


def _script_edits(soup: BeautifulSoup, offsets: SourceOffsets, script_tag: str, player_at: int) -> list[Edit]:
    """Remove earlier player scripts; put the new one at the end of <head> (or just before the player)."""
    from bs4 import Tag

    src = re.search(r'src="([^"]*)"', script_tag)
    edits = []
    for old in soup.find_all("script", src=True):
        old_src = str(old.get("src", ""))
        if old_src.endswith("/player.js") or (src and old_src == html.unescape(src.group(1))):
            start, _, end = offsets.element(old)
            edits.append(Edit(start, end, ""))
    head = soup.find("head")
    if isinstance(head, Tag):
        _, content_end, end = offsets.element(head)
        at = content_end if content_end != end else offsets.start_tag(head)[1]
    else:
        at = player_at
    edits.append(Edit(at, at, script_tag, order=-1))
    return edits


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


OLD_SPAN = re.compile(f'<span {MARKER_ATTRIBUTE}="[^"<>]*">([^<]*)</span>')
OLD_ATTRIBUTE = re.compile(f'(<[A-Za-z][^<>]*?) {MARKER_ATTRIBUTE}="[^"<>]*"')


def _remove_old_markers(page_html: str) -> str:
    """Undo an earlier rewrite's markers, so rewriting a rewritten page changes nothing."""
    return OLD_ATTRIBUTE.sub(r"\1", OLD_SPAN.sub(r"\1", page_html))


def _article_root(soup: BeautifulSoup) -> Tag:
    from bs4 import Tag

    for candidate in ARTICLE_ROOTS:
        found = soup.select_one(candidate)
        if isinstance(found, Tag):
            return found
    return soup


def _mark_sentences(
    soup: BeautifulSoup,
    offsets: SourceOffsets,
    sentences: Sequence[SentenceCue],
    replaced: Tag | None,
    edits: list[Edit],
) -> int:
    """Mark each sentence's paragraph, in speaking order, and wrap it when it sits in one text run."""
    root = _article_root(soup)
    blocks = [
        block
        for block in root.select(BLOCKS)
        if not block.select_one(BLOCKS)
        and block is not replaced
        and (replaced is None or replaced not in block.parents)
        and not block.find_parent("narrate-player")
    ]
    texts = [_squash(block.get_text()) for block in blocks]
    ids: dict[int, list[str]] = {}
    wrapped: dict[int, list[tuple[int, int]]] = {}
    cursor = 0
    marked = 0
    for sentence in sentences:
        pattern = _loose_pattern(sentence.text)
        if pattern is None:
            continue
        for index in range(cursor, len(blocks)):
            if pattern.search(texts[index]):
                ids.setdefault(index, []).append(sentence.id)
                _wrap_sentence(offsets, blocks[index], pattern, sentence.id, wrapped, edits)
                cursor = index
                marked += 1
                break
    for index, cue_ids in ids.items():
        start, end = offsets.start_tag(blocks[index])
        at = end - 2 if offsets.source[start:end].endswith("/>") else end - 1
        edits.append(Edit(at, at, f' {MARKER_ATTRIBUTE}="{" ".join(cue_ids)}"'))
    return marked


CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
"""What ``html.unescape`` replaces."""


def _decode(raw: str) -> tuple[str, list[int]]:
    """``raw`` text with its character references decoded, and where each decoded character came from."""
    decoded: list[str] = []
    where: list[int] = []
    cursor = 0
    for match in CHARREF.finditer(raw):
        for position in range(cursor, match.start()):
            decoded.append(raw[position])
            where.append(position)
        for char in html.unescape(match.group(0)):
            decoded.append(char)
            where.append(match.start())
        cursor = match.end()
    for position in range(cursor, len(raw)):
        decoded.append(raw[position])
        where.append(position)
    where.append(len(raw))
    return "".join(decoded), where


def _wrap_sentence(
    offsets: SourceOffsets,
    block: Tag,
    pattern: re.Pattern[str],
    cue_id: str,
    wrapped: dict[int, list[tuple[int, int]]],
    edits: list[Edit],
) -> None:
    """Put a span around the first occurrence of the sentence in one text run not yet wrapped."""
    for run_start, run_end in offsets.text_runs(block):
        text, where = _decode(offsets.source[run_start:run_end])
        taken = sorted(wrapped.get(run_start, []))
        free_start = 0
        for segment_start, segment_end in [*taken, (len(text), len(text))]:
            match = pattern.search(text, free_start, segment_start)
            if match is not None:
                wrapped.setdefault(run_start, []).append((match.start(), match.end()))
                start, end = run_start + where[match.start()], run_start + where[match.end()]
                edits.append(Edit(start, start, f'<span {MARKER_ATTRIBUTE}="{cue_id}">', order=1))
                edits.append(Edit(end, end, "</span>", order=-1))
                return
            free_start = segment_end


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

