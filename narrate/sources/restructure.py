"""Put back the structure trafilatura sometimes loses.

On pages without a recognisable article container trafilatura still finds the right paragraphs,
but drops every heading and often the lists between them, so no section could be told from
another. Then the page's own blocks are walked in order, and kept when trafilatura kept their text;
headings between the first and last kept paragraph, and lists there that are not mostly links, are
kept too. trafilatura decides *what* is the article; the page decides *how it is divided*.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from narrate.sources.sections import Block, clean_text, comparable

if TYPE_CHECKING:
    from lxml import html

_HEADING = re.compile(r"h([1-6])")
_SKIPPED_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "button", "select", "option", "input",
    "textarea", "iframe", "object", "video", "audio", "picture", "img", "table", "pre", "form",
    "nav", "footer", "figcaption",
})
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "aside", "header", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "details", "summary", "figure", "table", "pre", "form", "nav", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6",
})
MIN_ANCHOR_WORDS = 8
MAX_LINK_SHARE = 0.5
"""A list whose text is mostly link text is a list of other stories, not part of this one."""


def page_blocks(page: html.HtmlElement) -> list[tuple[Block, float]]:
    """Every block of a parsed page in document order, with the share of its text that is links."""
    for br in page.iter("br"):
        br.tail = "\n" + (br.tail or "")
    found: list[tuple[Block, float]] = []
    _walk(page, found)
    return found


def restore_structure(page_blocks: Sequence[tuple[Block, float]], extracted: Iterable[Block]) -> list[Block]:
    """The page's blocks that make up the extracted article, with its headings and lists restored; an
    extracted block the page walk does not find (a paragraph in a layout table, a table read as rows)
    keeps its place after the block it followed."""
    extracted = list(extracted)
    return _merge(_restored(page_blocks, extracted), extracted)


def _merge(restored: list[Block], extracted: list[Block]) -> list[Block]:
    """``restored`` with every non-heading block of ``extracted`` it lacks put back in reading order."""
    if not restored:
        return restored
    merged = list(restored)
    where = {comparable(text): index for index, block in enumerate(merged) for text in block.texts}
    cursor = 0
    for block in extracted:
        if block.kind == "heading":
            continue
        found = [where[key] for text in block.texts if (key := comparable(text)) in where]
        if found:
            cursor = max(cursor, max(found) + 1)
            continue
        merged.insert(cursor, block)
        where = {key: index + (index >= cursor) for key, index in where.items()}
        cursor += 1
    return merged


def _restored(page_blocks: Sequence[tuple[Block, float]], extracted: Iterable[Block]) -> list[Block]:
    kept_texts = {comparable(text) for block in extracted if block.kind != "heading" for text in block.texts}
    kept_texts.discard("")
    marks = [
        block.kind != "heading" and any(comparable(text) in kept_texts for text in block.texts)
        for block, _ in page_blocks
    ]
    # Only prose anchors the span: a logo in the header may share its text with a signature.
    anchors = [index for index, (block, _) in enumerate(page_blocks)
               if marks[index] and sum(len(text.split()) for text in block.texts) >= MIN_ANCHOR_WORDS]
    if not anchors:
        return []
    first, last = anchors[0], anchors[-1]
    while first > 0 and page_blocks[first - 1][0].kind == "heading":
        first -= 1  # the heading right above the first kept paragraph ("Synopsis") belongs to it
    restored: list[Block] = []
    for index in range(first, last + 1):
        block, link_share = page_blocks[index]
        if block.kind == "heading" or marks[index] or (block.kind == "list" and link_share <= MAX_LINK_SHARE):
            restored.append(block)
    return restored


def _walk(element: html.HtmlElement, found: list[tuple[Block, float]]) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        tag = child.tag.lower()
        if tag in _SKIPPED_TAGS:
            continue
        if heading := _HEADING.fullmatch(tag):
            found.append((Block("heading", (_text(child),), int(heading.group(1))), 0.0))
        elif tag in ("summary", "dt"):
            found.append((Block("heading", (_text(child),), 0), 0.0))
        elif tag in ("p", "dd"):
            found.append((Block("paragraph", (_text(child),)), _link_share(child)))
        elif tag in ("ul", "ol"):
            items = tuple(t for t in (_text(li, skip_lists=True) for li in child.iter("li")) if t)
            if items:
                found.append((Block("list", items), _link_share(child)))
        elif tag == "blockquote":
            paragraphs = tuple(_text(p) for p in child.iter("p")) or (_text(child),)
            found.append((Block("quote", paragraphs), 0.0))
        elif _has_own_text(child) and not any(
            isinstance(d.tag, str) and d.tag.lower() in _BLOCK_TAGS for d in child.iterdescendants()
        ):
            found.append((Block("paragraph", (_text(child),)), _link_share(child)))
        else:
            _walk(child, found)


def _has_own_text(element: html.HtmlElement) -> bool:
    return bool((element.text or "").strip()) or any((c.tail or "").strip() for c in element)


def _text(element: html.HtmlElement, *, skip_lists: bool = False) -> str:
    """The element's text, line breaks kept, without skipped elements such as <script> (or nested lists,
    for list items)."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            tag = child.tag.lower()
            if tag not in _SKIPPED_TAGS and not (skip_lists and tag in ("ul", "ol")):
                # a block inside the element (a heading in a list item) on a line of its own, else its
                # words run into the text around it
                line = "\n" if tag in _BLOCK_TAGS else ""
                parts.append(line + _text(child, skip_lists=skip_lists) + line)
        parts.append(child.tail or "")
    text = "".join(parts)
    return "\n".join(clean_text(line) for line in text.splitlines() if line.strip())


def _link_share(element: html.HtmlElement) -> float:
    total = len(clean_text(element.text_content()))
    if not total:
        return 0.0
    linked = sum(len(clean_text(a.text_content())) for a in element.iter("a"))
    return linked / total
