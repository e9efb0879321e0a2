"""Read a Markdown article: front matter (YAML between ``---`` or TOML between ``+++``) for the
metadata, markdown-it-py for the structure, and the shared rules for the sections.

Images and raw HTML blocks are not read aloud; tables are read as in the HTML reader (a small one row by
row, a larger one as a spoken note) and a code block (fenced or indented) is replaced by a spoken note.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from narrate.errors import InputError
from narrate.model import Article, ArticleMeta
from narrate.sources.sections import (
    CODE_NOTE,
    Block,
    build_sections,
    clean_text,
    dateline_of,
    has_article_text,
    table_blocks,
)

if TYPE_CHECKING:
    from markdown_it.token import Token

_FRONT_MATTER = re.compile(
    r"\A\ufeff?(?:(?P<fence>---|\+\+\+)[ \t]*\r?\n(?P<body>.*?)(?:\r?\n)?(?P=fence)[ \t]*(?:\r?\n|\Z))",
    re.DOTALL,
)
# Front-matter keys as used by Jekyll, Hugo, Pandoc and friends, mapped to ArticleMeta fields.
META_KEYS: Mapping[str, tuple[str, ...]] = {
    "title": ("title",),
    "author": ("author", "authors", "byline"),
    "date": ("date", "published", "pubdate", "publishdate", "published_at"),
    "publisher": ("publisher", "site", "site_name", "sitename", "source"),
    "url": ("url", "canonical_url", "canonical", "link", "permalink"),
    "description": ("description", "summary", "standfirst", "excerpt", "subtitle"),
    "language": ("language", "lang", "locale"),
    "image": ("image", "cover", "cover_image", "featured_image", "og_image", "thumbnail"),
}


def read_markdown(text: str) -> Article:
    """The article in a Markdown document; InputError when it has no title or no text."""
    front, body = split_front_matter(text)
    blocks = list(_blocks(body))
    title = _string(_first(front, "title")) or next(
        (b.texts[0] for b in blocks if b.kind == "heading" and b.level == 1), ""
    )
    title = clean_text(title)
    if not title:
        raise InputError("the Markdown article has no title; add 'title:' to its front matter "
                         "or start it with a '# Title' line")
    description = _string(_first(front, "description"))
    publisher = _string(_first(front, "publisher"))
    sections = build_sections(blocks, title=title, description=description, publisher=publisher)
    if not has_article_text(sections):
        raise InputError(f"no article text found in the Markdown article {title!r}")
    language = _string(_first(front, "language"))
    meta = ArticleMeta(
        title=title,
        publisher=publisher,
        author=_names(_first(front, "author")),
        date=_date(_first(front, "date")),
        url=_string(_first(front, "url")),
        language=(re.split(r"[-_]", language)[0].lower() if language else "en"),
        description=description,
        dateline=dateline_of(sections),
        image=_string(_first(front, "image")),
    )
    return Article(meta, sections)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """The front matter as a mapping (empty if none) and the Markdown after it."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text.removeprefix("\ufeff")
    raw, rest = match["body"], text[match.end():]
    if match["fence"] == "+++":
        try:
            data: Any = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"the Markdown front matter is not valid TOML: {error}") from None
    else:
        import yaml

        try:
            # Aliases are refused before anything is built: a few lines of them expand into gigabytes.
            if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(raw, Loader=yaml.SafeLoader)):
                raise InputError("the Markdown front matter uses YAML aliases (*name), which narrate does not "
                                 "expand; write the values out")
            data = yaml.safe_load(raw)
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or "invalid YAML"
            raise InputError(f"the Markdown front matter is not valid YAML: {problem}") from None
    if data is None:
        return {}, rest
    if not isinstance(data, dict):
        raise InputError("the Markdown front matter must be a mapping of keys to values")
    return {str(key).lower(): value for key, value in data.items()}, rest


def _blocks(markdown: str) -> Iterator[Block]:
    """Headings, paragraphs, lists and quotes of a Markdown text, in reading order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type in ("fence", "code_block"):
            if token.content.strip() and not (index and tokens[index - 1].type in ("fence", "code_block")):
                yield Block("paragraph", (CODE_NOTE,))  # one note for a run of listings
            index += 1
        elif token.type == "heading_open":
            yield Block("heading", (_inline_text(tokens[index + 1]),), int(token.tag[1]))
            index += 3
        elif token.type == "paragraph_open":
            yield Block("paragraph", (_inline_text(tokens[index + 1]),))
            index += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, index)
            yield Block("list", tuple(_list_items(tokens[index + 1:end])))
            index = end + 1
        elif token.type == "blockquote_open":
            end = _closing(tokens, index)
            paragraphs = tuple(_inline_text(t) for t in tokens[index + 1:end] if t.type == "inline")
            yield Block("quote", paragraphs)
            index = end + 1
        elif token.type == "table_open":
            end = _closing(tokens, index)
            yield from _table(tokens[index + 1:end])
            index = end + 1
        else:
            index += 1  # html_block, hr


def _table(tokens: Sequence[Token]) -> Iterator[Block]:
    """A GFM table read like an HTML one (:func:`table_blocks`): its header row names the values."""
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            rows.append([])
        elif token.type == "inline":
            cell = clean_text(_inline_text(token))
            if in_head:
                header.append(cell)
            else:
                rows[-1].append(cell)
    yield from table_blocks(header, rows)


def _closing(tokens: Sequence[Token], start: int) -> int:
    """Index of the token that closes the block opened at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _list_items(tokens: Sequence[Token]) -> Iterator[str]:
    """The text of each item of a list; nested lists give items of their own."""
    current: list[str] = []
    for token in tokens:
        if token.type == "list_item_open":
            if current:
                yield " ".join(current)
            current = []
        elif token.type == "inline":
            current.append(_inline_text(token))
    if current:
        yield " ".join(current)


def _inline_text(token: Token) -> str:
    """Text of an inline token as a reader sees it: link text kept, images and markup dropped.

    Line breaks stay as newlines so "Q: ...  A: ..." lines can still be told apart.
    """
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        # image, html_inline and emphasis/link markers carry no words of their own
    return "".join(parts).strip()


def _first(front: Mapping[str, Any], field: str) -> Any:
    for key in META_KEYS[field]:
        if front.get(key) not in (None, "", []):
            return front[key]
    return None


def _string(value: Any) -> str | None:
    if value is None:
        return None
    text = clean_text(str(value))
    return text or None


def _names(value: Any) -> str | None:
    """An author, or several joined with commas; a {name: ...} mapping gives its name."""
    if isinstance(value, list):
        names = [n for n in (_names(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return _string(value.get("name"))
    return _string(value)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise InputError(f"the front-matter date {value!r} is not a date like 2025-12-25") from None
    return None
