"""Read an HTML page into an Article: trafilatura finds the article and its metadata, then the
shared rules in :mod:`narrate.sources.sections` give each part its role.

Tables, code, images and captions are dropped: a table read aloud cell by cell helps nobody, and
rebuilding sentences from one is guesswork better left to an editor's own text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from narrate.errors import InputError
from narrate.model import Article, ArticleMeta
from narrate.sources.detect import decode_html
from narrate.sources.sections import Block, build_sections, clean_text, comparable, dateline_of, has_article_text

if TYPE_CHECKING:
    from lxml import etree, html

MAX_HTML_BYTES = 10_000_000
"""Pages over this size are refused; real articles are far smaller, even with inline <script> code."""

# Page furniture pruned before extraction, matched on class and id; trafilatura drops most of it
# by itself, these catch widgets it keeps because they sit inside the article element.
# Widgets hold little text; an element holding more is most likely the article itself, swallowed by
# a widget's unclosed tag in broken markup, and must not be pruned.
_SMALL = "string-length(normalize-space(.)) < 1500"
_CLASS_OR_ID_WORDS = (
    "trinity", "audio-player", "tts-player", "listen-button", "share-bar", "share-buttons",
    "social-share", "sharing", "newsletter", "related-", "read-more", "recommended",
    "byline", "breadcrumb", "caption", "credit",
)
PRUNE_XPATHS: tuple[str, ...] = (
    *(f"//*[contains(concat(' ', translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    f"'abcdefghijklmnopqrstuvwxyz'), ' ', translate(@id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    f"'abcdefghijklmnopqrstuvwxyz')), '{word}') and {_SMALL}]"
      for word in _CLASS_OR_ID_WORDS),
    f"//figure[(.//img or .//picture or .//video or .//iframe) and {_SMALL}]",
    f"//figcaption[{_SMALL}]", f"//nav[{_SMALL}]", f"//footer[{_SMALL}]", f"//form[{_SMALL}]",
)

_LANG = re.compile(r"^[A-Za-z]{2,3}\b")


def read_html(html: str | bytes, *, url: str | None = None) -> Article:
    """The article in an HTML page, with its metadata and sections; InputError if there is none."""
    import trafilatura
    import trafilatura.settings

    where = url or "the HTML page"
    if len(html) > MAX_HTML_BYTES:
        raise InputError(f"{where} is larger than {MAX_HTML_BYTES // 1_000_000} MB "
                         f"({len(html):,} bytes); save just the article and try again")
    text = decode_html(html, name=where) if isinstance(html, bytes) else html
    tree = trafilatura.load_html(text)
    if tree is None:
        raise InputError(f"no article text found in {where}: the page could not be parsed as HTML")
    faq = list(_json_ld_faq(tree))
    language = _page_language(tree)

    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_formatting=True,
        include_links=False,
        prune_xpath=list(PRUNE_XPATHS),
    )
    if not isinstance(document, trafilatura.settings.Document):  # None: nothing found
        raise InputError(f"no article text found in {where}; "
                         "save the article's own page, not an index or a login page")
    body: etree._Element | None = document.body
    if body is None or not clean_text(_text_of(body)):
        raise InputError(f"no article text found in {where}; "
                         "save the article's own page, not an index or a login page")

    title = clean_text(document.title or "") or _first_heading(body)
    if not title:
        raise InputError(f"no title found in {where}; the page has no <title>, og:title or heading")
    blocks = list(_blocks(body))
    if not _has_subheadings(blocks, title):
        blocks = _with_page_structure(text, blocks, title)
    if not any(block.kind != "heading" for block in blocks):
        raise InputError(f"no article text found in {where}")
    publisher = clean_text(document.sitename or "") or None
    sections = build_sections(blocks, title=title, description=document.description,
                              publisher=publisher, faq=faq)
    if not has_article_text(sections):
        raise InputError(f"no article text found in {where}")
    meta = ArticleMeta(
        title=title,
        publisher=publisher,
        author=clean_text(document.author or "") or None,
        date=_date(document.date),
        url=document.url or url,
        language=language or "en",
        description=clean_text(document.description or "") or None,
        dateline=dateline_of(sections),
    )
    return Article(meta, sections)


def _has_subheadings(blocks: list[Block], title: str) -> bool:
    return any(b.kind == "heading" and comparable(b.texts[0]) != comparable(title) for b in blocks)


def _with_page_structure(text: str, blocks: list[Block], title: str) -> list[Block]:
    """The blocks with the page's headings and lists put back, when trafilatura dropped them all."""
    import trafilatura

    from narrate.sources.restructure import page_blocks, restore_structure

    page = trafilatura.load_html(text)
    if page is None:
        return blocks
    for xpath in PRUNE_XPATHS:
        for element in page.xpath(xpath):
            if element.getparent() is not None:
                element.getparent().remove(element)
    restored = restore_structure(page_blocks(page), blocks)
    return restored if _has_subheadings(restored, title) else blocks


def _blocks(body: etree._Element) -> Iterator[Block]:
    """trafilatura's body elements (head, p, list, quote, ...) as blocks, in reading order."""
    for element in body:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend", "")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 0
            yield Block("heading", (_text_of(element),), level)
        elif tag == "p":
            yield Block("paragraph", (_text_of(element),))
        elif tag == "list" and element.get("rend") == "dl":
            # A definition list: terms read like sub-headings (FAQ questions, often), then the text.
            for item in element.iter("item"):
                term = item.get("rend", "").startswith("dt")
                yield Block("heading" if term else "paragraph", (_text_of(item),), 0)
        elif tag == "list":
            items = tuple(_text_of(item) for item in element.iter("item"))
            if items:
                yield Block("list", items)
        elif tag == "quote":
            paragraphs = tuple(_text_of(p) for p in element.iter("p")) or (_text_of(element),)
            yield Block("quote", paragraphs)
        # code, table, graphic and anything else: not prose


def _text_of(element: etree._Element) -> str:
    """The text of an element with ``<lb/>`` line breaks kept as newlines (Q:/A: lines need them)."""
    parts: list[str] = []
    for node in element.iter():
        if node is not element and node.tag == "lb":
            parts.append("\n")
        elif node is element or node.tag not in ("list", "graphic"):
            parts.append(node.text or "")
        if node is not element:
            parts.append(node.tail or "")
    return "".join(parts).strip()


def _first_heading(body: etree._Element) -> str:
    for head in body.iter("head"):
        if text := clean_text(_text_of(head)):
            return text
    return ""


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _page_language(tree: html.HtmlElement) -> str | None:
    """The primary language subtag declared by the page (``<html lang>``, og:locale, meta)."""
    candidates = [
        *tree.xpath("/html/@lang"),
        *tree.xpath("/html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}),
        *tree.xpath("//meta[@property='og:locale']/@content"),
        *tree.xpath("//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
                    "='content-language']/@content"),
    ]
    for candidate in candidates:
        if match := _LANG.match(str(candidate).strip()):
            return match.group(0).lower()
    return None


def _json_ld_faq(tree: html.HtmlElement) -> Iterator[tuple[str, str]]:
    """Question/answer pairs from schema.org FAQPage JSON-LD blocks; malformed blocks are skipped."""
    for element in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(element.text or "")
        except ValueError:
            continue
        for node in _json_ld_nodes(data):
            if "FAQPage" not in _types(node):
                continue
            entities = node.get("mainEntity") or []
            for entity in entities if isinstance(entities, list) else [entities]:
                if not isinstance(entity, dict):
                    continue
                answer = entity.get("acceptedAnswer") or entity.get("suggestedAnswer")
                if isinstance(answer, list):
                    answer = answer[0] if answer else None
                question = entity.get("name")
                answer_text = answer.get("text") if isinstance(answer, dict) else None
                if isinstance(question, str) and isinstance(answer_text, str):
                    yield _strip_tags(question), _strip_tags(answer_text)


def _json_ld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document, including those nested in lists and @graph."""
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_nodes(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _json_ld_nodes(graph)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", [])
    return {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)}


def _strip_tags(text: str) -> str:
    """Text of an HTML fragment (JSON-LD answers often hold markup)."""
    from lxml import html as lxml_html

    if "<" not in text:
        return clean_text(text)
    try:
        return clean_text(lxml_html.fragment_fromstring(text, create_parent="div").text_content())
    except Exception:  # lxml raises several kinds on garbage; the raw text is the best we have
        return clean_text(re.sub(r"<[^>]+>", " ", text))
