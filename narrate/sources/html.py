"""Read an HTML page into an Article: trafilatura finds the article and its metadata, then the
shared rules in :mod:`narrate.sources.sections` give each part its role.

Images and captions are dropped, and a code listing is replaced by a spoken note. A small table is
read row by row as sentences, a table of prose cells row by row whatever its size, and a larger data
table is replaced by a spoken note.
No step may lose article text: when restructuring or the boilerplate rules would drop much of what
trafilatura found (measured by :mod:`narrate.sources.coverage`), its paragraphs are read instead.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from narrate.errors import InputError
from narrate.model import Article, ArticleMeta, Section
from narrate.sources.coverage import covers
from narrate.sources.detect import decode_html
from narrate.sources.sections import (
    CODE_NOTE,
    NOTES,
    Block,
    build_sections,
    clean_text,
    comparable,
    dateline_of,
    has_article_text,
    is_boilerplate,
    strip_site_name,
    table_blocks,
    without_galleries,
)

if TYPE_CHECKING:
    from lxml import etree, html
    from trafilatura.settings import Document

MAX_HTML_BYTES = 10_000_000
"""Pages over this size are refused; real articles are far smaller, even with inline <script> code."""

# Page furniture pruned before extraction, matched on class and id; trafilatura drops most of it
# by itself, these catch widgets it keeps because they sit inside the article element.
# Widgets hold little text; an element holding more is most likely the article itself, swallowed by
# a widget's unclosed tag in broken markup, and must not be pruned.
WIDGET_MAX_CHARS = 1500
WIDGET_CLASS_OR_ID_WORDS: tuple[str, ...] = (
    "trinity", "audio-player", "tts-player", "listen-button", "share-bar", "share-buttons",
    "social-share", "sharing", "newsletter", "related-", "read-more", "recommended",
    "byline", "breadcrumb", "caption", "credit",
)
WIDGET_TAGS: tuple[str, ...] = ("figcaption", "nav", "footer", "form")
"""Elements that are furniture whatever their class (when small); a <figure> too when it holds media."""
_MEDIA_TAGS = ("img", "picture", "video", "iframe")
_PRUNE_MARK = "data-narrate-prune"
"""Set on the widgets found, so trafilatura prunes them with one cheap XPath."""

_LANG = re.compile(r"^[A-Za-z]{2,3}\b")
_SENTENCE_CLOSED = re.compile(r"[.!?…:;。！？]\s*$")


def read_html(html: str | bytes, *, url: str | None = None) -> Article:
    """The article in an HTML page, with its metadata and sections; InputError if there is none."""
    import trafilatura

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
    anchors = _heading_anchors(tree)  # before extraction, which prunes the tree

    document, body = _extract(text, tree, url)
    if document is None or body is None:
        raise InputError(f"no article text found in {where}; "
                         "save the article's own page, not an index or a login page")

    blocks = _without_teasers(list(_blocks(body)), tree)
    prose = sum(len(text) for block in blocks if block.kind != "heading" and block.texts != (CODE_NOTE,)
                for text in block.texts)
    if prose < PREFORMATTED_PAGE_MAX_PROSE and sum(len(_text_of(e)) for e in body.iter("code")) > 3 * prose:
        # a page set in <pre> (an RFC, a plain-text letter): its text is the article, not a listing
        blocks = [block for block in blocks if block.texts != (CODE_NOTE,)] + _preformatted_blocks(body)
    title = clean_text(document.title or "") or _first_heading(body) or _title_from_text(blocks)
    if not title:
        raise InputError(f"no title found in {where}; the page has no <title>, og:title or heading")
    publisher = clean_text(document.sitename or "") or None
    title = strip_site_name(title, (publisher, _host(url or document.url)))
    if not any(block.kind != "heading" for block in blocks):
        # Only headings (a picture story with a heading over each picture): trafilatura found them as
        # the article, and they are all the page has to read. Closed as sentences, they are not labels.
        blocks = [Block("paragraph", (_as_sentence(text),)) for block in blocks
                  if (text := clean_text(block.texts[0])) and comparable(text) != comparable(title)]
    extracted = blocks
    article_text = _prose_of(extracted, publisher)
    if not _has_subheadings(blocks, title):
        blocks = _with_page_structure(text, blocks, title)
        if not covers(_text_of_blocks(blocks), article_text):
            blocks = extracted  # putting the page's structure back must never lose article text
    if not any(block.kind != "heading" for block in blocks):
        raise InputError(f"no article text found in {where}")
    synopsis = document.description if _shown_on_page(document.description, tree) else None
    sections = build_sections(blocks, title=title, description=synopsis,
                              publisher=publisher, faq=faq)
    if not covers(_prose_of_sections(sections), article_text):
        # The rules dropped article text: keep only the rules with evidence (widget strings, captions),
        # not the guesses (short fragments), on the page's structure if it was put back, else on
        # trafilatura's paragraphs as they are.
        for candidate in (blocks, extracted) if blocks is not extracted else (extracted,):
            sections = build_sections(candidate, title=title, description=synopsis,
                                      publisher=publisher, faq=faq, strict=False)
            if covers(_prose_of_sections(sections), article_text):
                break
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
        image=_lead_image(tree, document.image, url or document.url),
    )
    sections = tuple(replace(s, anchor=anchors[s.heading]) if s.heading in anchors else s for s in sections)
    return Article(meta, sections)


TEASER_LIST_MIN_CARDS = 3
TEASERS_MAX_SHARE = 0.75
"""Teasers are dropped only while the article keeps at least a quarter of its words: a page that is
mostly teasers is an index (a section front), and its teasers are all there is to read."""


def _teaser_texts(tree: Any) -> set[str]:
    """The texts of the teaser cards of other stories on the page: items of a list in which at least
    three items are led by a heading that is a link (the story's title, linked to the story), with the
    headline and the summary paragraph under it.

    On the extraction-dev set such cards hold 113 paragraphs on 10 pages (streams of teasers after
    the article, "more from this section" boxes), and only one index page's (whose article *is* its
    teasers) are in the article text a reader gets; an article's own lists of sub-headed items
    (a product's features with "Learn more" links) have headings that are not links.
    """
    found: set[str] = set()
    for items in tree.xpath("//ul[count(li) >= 3]|//ol[count(li) >= 3]"):
        cards = [item for item in items.xpath("./li") if any(
            _is_link_text(heading) for heading in item.xpath(".//h2|.//h3|.//h4|.//h5|.//h6"))]
        if len(cards) < TEASER_LIST_MIN_CARDS:
            continue
        for card in cards:  # the card as one list item, or its title and summary as paragraphs
            for element in (card, *card.xpath(".//p|.//h2|.//h3|.//h4|.//h5|.//h6")):
                if text := comparable(" ".join(element.itertext())):  # blocks inside apart
                    found.add(text)
    return found


def _is_link_text(element: Any) -> bool:
    """True for an element whose whole text is a link to another page (``<h3><a href>Title</a></h3>``, or
    inside one); a link to a place on the same page (a heading's permalink) is not one."""
    text = clean_text(element.text_content())
    if not text:
        return False
    if any(ancestor.tag == "a" and _leaves_page(ancestor) for ancestor in element.iterancestors()):
        return True
    return len(clean_text(" ".join(a.text_content() for a in element.iter("a") if _leaves_page(a)))) >= len(text)


def _leaves_page(link: Any) -> bool:
    return not str(link.get("href") or "#").strip().startswith("#")


def _without_teasers(blocks: list[Block], tree: Any) -> list[Block]:
    """The blocks without the page's teasers of other stories (see :func:`_teaser_texts`)."""
    teasers = _teaser_texts(tree)
    if not teasers:
        return blocks
    kept: list[Block] = []
    for block in blocks:
        texts = tuple(text for text in block.texts if comparable(text) not in teasers)
        if texts:
            kept.append(block if texts == block.texts else replace(block, texts=texts))
    before, after = (sum(len(text.split()) for block in b for text in block.texts) for b in (blocks, kept))
    return kept if after >= (1 - TEASERS_MAX_SHARE) * before else blocks


def _shown_on_page(description: str | None, tree: Any) -> bool:
    """True when the page shows its meta description to its readers (a standfirst under the headline).

    One that only the page's <head> holds is written for search engines and link previews; it stays the
    episode's description, but is not read as part of the article. On the extraction-dev set none of the
    22 such descriptions is in the article text a reader gets, and half are not about the article at all
    ("The latest news and headlines from Yahoo! News", "Nicolas Perriault's homepage.", a product
    slogan); those the page shows are mostly its own standfirst.
    """
    if not description or not (wanted := comparable(description)):
        return False
    shown = tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript "
                       "or ancestor::template)]")
    return wanted in comparable(" ".join(str(text) for text in shown))


def _heading_anchors(tree: Any) -> dict[str | None, str]:
    """Heading text -> its id on the page (the heading's own, or an ``<a id|name>`` inside it): chapter links."""
    anchors: dict[str | None, str] = {}
    for heading in tree.xpath("//h2|//h3|//h4|//h5|//h6"):
        anchor = heading.get("id") or next(iter(heading.xpath("./a/@id|./a/@name")), None)
        text = clean_text(" ".join(heading.itertext()))
        if anchor and text and str(anchor).strip():
            anchors.setdefault(text, str(anchor).strip())
    return anchors


def _lead_image(tree: Any, declared: str | None, base: str | None) -> str | None:
    """The page's lead image: ``og:image`` / ``twitter:image`` (trafilatura reads both), else the first figure's
    image; an absolute http(s) URL (relative ones are resolved against the page's address) or None."""
    from urllib.parse import urljoin

    candidates = [declared, *tree.xpath("(//figure//img/@src)[1]")]
    for candidate in candidates:
        if not candidate or not str(candidate).strip():
            continue
        address = urljoin(base, str(candidate).strip()) if base else str(candidate).strip()
        if address.startswith(("http://", "https://")):
            return address
    return None


PREFORMATTED_PAGE_MAX_PROSE = 300
"""A page with less text than this outside its <pre> blocks, and several times more inside them, is set
in <pre> (an RFC, a plain-text letter): they are read as its text."""
RESTORE_MAX_ADDED_SHARE = 0.25
"""Putting the page's headings back may bring back lists trafilatura dropped, but not more text than this
share of what it found: on the extraction-dev set restoring adds at most 6 % on 12 pages, and 137 % on
the one where it brings back a news stream's teasers, menus and a video player's font list."""
MIN_EXTRACTED_SHARE = 0.8
"""Pruning widgets may cost at most this share of what trafilatura finds without the pruning."""


def _extract(text: str, tree: html.HtmlElement, url: str | None) -> tuple[Document | None, etree._Element | None]:
    """trafilatura's document (its metadata) and the article body, trying its settings from strictest
    to most lenient.

    Our widget pruning comes first; when it leaves noticeably less text than trafilatura finds alone
    (a widget class on the article's own container), trafilatura alone is read; when that finds
    nothing, its recall-first mode; and last the page's JSON-LD ``articleBody``. The metadata are read
    once (trafilatura reads them before any pruning), and trafilatura alone only runs when the pruned
    elements hold enough text to make the difference.
    """
    import trafilatura
    import trafilatura.settings

    def attempt(*, with_metadata: bool = False, marked: html.HtmlElement | None = None,
                **options: Any) -> tuple[Document | None, etree._Element | None, int]:
        tree = marked if marked is not None else trafilatura.load_html(text)
        if tree is None:
            return None, None, 0
        document = trafilatura.bare_extraction(
            tree, url=url, with_metadata=with_metadata, include_comments=False, include_tables=True,
            include_images=False, include_formatting=True, include_links=False, **options)
        if not isinstance(document, trafilatura.settings.Document) or document.body is None:
            return None, None, 0
        return document, document.body, len(clean_text(_text_of(document.body)))

    marked, pruned_chars = _mark_widgets(text)
    pruned = attempt(with_metadata=True, marked=marked, prune_xpath=[f"//*[@{_PRUNE_MARK}]"])
    best = pruned
    if not pruned[2] or pruned_chars > (1 / MIN_EXTRACTED_SHARE - 1) * pruned[2]:
        alone = attempt(with_metadata=pruned[0] is None)
        if alone[2] > pruned[2] / MIN_EXTRACTED_SHARE:
            best = alone
    if not best[2]:
        best = attempt(with_metadata=pruned[0] is None, favor_recall=True)
    document = pruned[0] or best[0]
    if not best[2] and document is not None and (article_body := _json_ld_article_body(tree)):
        return document, _body_of_paragraphs(article_body)
    return document, best[1] if best[2] else None


def _widgets(tree: html.HtmlElement) -> list[html.HtmlElement]:
    """The page's widgets (share bars, captions, newsletter boxes ...), outermost first, in one pass."""
    found: list[html.HtmlElement] = []
    inside: set[html.HtmlElement] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.getparent() in inside:
            if isinstance(element.tag, str):
                inside.add(element)
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if not (element.tag in WIDGET_TAGS or any(word in names for word in WIDGET_CLASS_OR_ID_WORDS)
                or (element.tag == "figure" and any(True for _ in element.iter(*_MEDIA_TAGS)))):
            continue
        if len(clean_text(element.text_content())) < WIDGET_MAX_CHARS:
            found.append(element)
            inside.add(element)
    return found


def _mark_widgets(text: str) -> tuple[html.HtmlElement | None, int]:
    """The page's tree with its widgets marked for pruning, and how much text they hold."""
    import trafilatura

    tree = trafilatura.load_html(text)
    if tree is None:
        return None, 0
    chars = 0
    for element in _widgets(tree):
        element.set(_PRUNE_MARK, "")
        chars += len(clean_text(element.text_content()))
    return tree, chars


def _body_of_paragraphs(text: str) -> etree._Element:
    """A trafilatura-style body (``<body><p>...``) holding the paragraphs of a plain text."""
    from lxml import etree as lxml_etree

    body = lxml_etree.Element("body")
    for paragraph in re.split(r"\n\s*\n|\n", text):
        if paragraph.strip():
            lxml_etree.SubElement(body, "p").text = paragraph.strip()
    return body


def _json_ld_article_body(tree: html.HtmlElement) -> str | None:
    """The longest ``articleBody`` in the page's JSON-LD, as plain text."""
    found: list[str] = []
    for element in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(element.text or "")
        except ValueError:
            continue
        for node in _json_ld_nodes(data):
            value = node.get("articleBody")
            if isinstance(value, str) and value.strip():
                found.append(_strip_tags(value) if "<" in value else value.strip())
    return max(found, key=len) if found else None


def _host(url: str | None) -> str | None:
    """The site's name as its host gives it ("en.yna.co.kr" -> "yna")."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname if url else None
    parts = [p for p in (host or "").split(".") if p not in ("www", "en", "m", "com", "co", "org", "net")]
    return max(parts, key=len) if parts else None


def _title_from_text(blocks: list[Block]) -> str:
    """A title for a page that names none: the opening words of its first paragraph."""
    for block in blocks:
        if block.kind != "heading" and (words := clean_text(block.texts[0]).split()):
            sentence = re.split(r"(?<=[.!?])\s", " ".join(words[:40]))[0].split()
            return " ".join(sentence[:12]).rstrip(",;:") + ("…" if len(sentence) > 12 else "")
    return ""


def _prose_of(blocks: list[Block], publisher: str | None) -> str:
    """The article text of trafilatura's blocks: every paragraph no rule with evidence calls chrome."""
    return "\n".join(text for block in without_galleries(blocks) if block.kind != "heading" for text in block.texts
                     if text not in NOTES and not is_boilerplate(clean_text(text), publisher=publisher))


def _preformatted_blocks(body: etree._Element) -> list[Block]:
    """The paragraphs of preformatted text (blank-line separated), for a page that has nothing else."""
    found: list[Block] = []
    for element in body.iter("code"):
        for paragraph in re.split(r"\n\s*\n", _text_of(element)):
            if len(text := clean_text(paragraph).split()) >= 3:
                found.append(Block("paragraph", (" ".join(text),)))
    return found


def _text_of_blocks(blocks: list[Block]) -> str:
    """Every text of the blocks, headings included (a paragraph restored as a heading is not lost)."""
    return "\n".join(text for block in blocks for text in block.texts)


def _prose_of_sections(sections: tuple[Section, ...]) -> str:
    """What the sections keep: their paragraphs and headings (the headline too, which may have been a
    paragraph of the page)."""
    return "\n".join(text for s in sections for text in (*s.paragraphs, s.heading or ""))


def _table_blocks(table: etree._Element) -> Iterator[Block]:
    """A table as paragraphs (see :func:`table_blocks`); its first row is the header when all its cells are."""
    header: list[str] = []
    rows: list[list[str]] = []
    for row_element in table.iter("row"):
        cells = [clean_text(_text_of(cell)) for cell in row_element.iter("cell")]
        if not any(cells):
            continue
        if not rows and not header and all(cell.get("role") == "head" for cell in row_element.iter("cell")):
            header = cells
        else:
            rows.append(cells)
    yield from table_blocks(header, rows)


def _as_sentence(text: str) -> str:
    return text if re.search(r"[.!?…。！？]$", text) else text + "."


def _has_subheadings(blocks: list[Block], title: str) -> bool:
    return any(b.kind == "heading" and comparable(b.texts[0]) != comparable(title) for b in blocks)


def _with_page_structure(text: str, blocks: list[Block], title: str) -> list[Block]:
    """The blocks with the page's headings and lists put back, when trafilatura dropped them all."""
    import trafilatura

    from narrate.sources.restructure import page_blocks, restore_structure

    page = trafilatura.load_html(text)
    if page is None:
        return blocks
    for element in _widgets(page):
        if element.getparent() is not None:
            element.getparent().remove(element)
    restored = restore_structure(page_blocks(page), blocks)
    if not _has_subheadings(restored, title):
        return blocks
    kept = {comparable(text) for block in blocks for text in block.texts}
    added = sum(len(text.split()) for block in restored if block.kind != "heading"
                for text in block.texts if comparable(text) not in kept)
    if added > RESTORE_MAX_ADDED_SHARE * sum(len(text.split()) for block in blocks for text in block.texts):
        return blocks  # the page around the article came back with its headings (a stream of teasers)
    return restored


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
            yield Block("quote", _quote_paragraphs(element))
        elif tag == "table":
            yield from _table_blocks(element)
        elif tag == "code" and _text_of(element).strip() and (
                (previous := element.getprevious()) is None or previous.tag != "code"):  # one note per run
            yield Block("paragraph", (CODE_NOTE,))
        # graphic and anything else: not prose
        if tail := (element.tail or "").strip():  # text set straight in the body after a heading, say
            yield Block("paragraph", (tail,))


def _quote_paragraphs(quote: etree._Element) -> tuple[str, ...]:
    """A quote's paragraphs: its <p> children and the text around them ("Makali wrote:" and the lines
    quoted), in order."""
    paragraphs: list[str] = []
    loose: list[str] = [quote.text or ""]

    def flush() -> None:
        if text := re.sub(r"[ \t]+", " ", "".join(loose)).strip():
            paragraphs.append(text)
        loose.clear()

    for child in quote:
        if child.tag == "p":
            flush()
            paragraphs.append(_text_of(child))
        else:
            loose.append("\n" if child.tag == "lb" else _text_of(child) + " ")
        loose.append(child.tail or "")
    flush()
    return tuple(p for p in paragraphs if p.strip()) or (_text_of(quote),)


_BLOCK_CHILDREN = frozenset({"head", "p", "item", "list", "quote", "table", "row"})
"""trafilatura elements that are blocks of their own when nested (a heading inside a list item): their
text is set apart from the text around it, else words run together ("WebIDEDevelop, deploy ...")."""


def _text_of(element: etree._Element) -> str:
    """The text of an element with ``<lb/>`` line breaks kept as newlines (Q:/A: lines need them), and a
    nested block set on a line of its own (a nested heading closed like a sentence). A list item's text
    leaves out its nested list, whose items are read in their own turn."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        parts.append(node.text or "")
        for child in node:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag == "cell":
                parts.append(" ")
                walk(child)
                parts.append(" ")
            elif child.tag == "list" and element.tag == "item":
                pass  # a nested list's items are read as items of their own
            elif child.tag in _BLOCK_CHILDREN:
                start = len(parts)
                parts.append("\n")
                walk(child)
                if child.tag == "head" and not _SENTENCE_CLOSED.search("".join(parts[start:])):
                    parts.append(".")
                parts.append("\n")
            elif child.tag != "graphic":
                walk(child)
            parts.append(child.tail or "")

    walk(element)
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
