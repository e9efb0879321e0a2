"""One entry point for every input: a file path or an http(s) URL in, an Article out."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from narrate.errors import InputError
from narrate.model import Article, Section
from narrate.sources.detect import decode_html, decode_text, detect_kind
from narrate.sources.html import MAX_HTML_BYTES

MAX_FILE_BYTES = MAX_HTML_BYTES
MAX_WORDS = 60_000
"""About six and a half hours of speech: longer is not an article (a book, a log, a data dump)."""
MAX_CHARS = 400_000
log = logging.getLogger(__name__)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Code points no XML document may hold (C0 controls but tab and newlines, lone surrogates, U+FFFE/FFFF):
one of them in a title would make every later feed.xml unwritable."""
_ILLEGAL_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?")


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` without the code points XML forbids (vertical tab and form feed become spaces); and how many
    were removed."""
    cleaned, count = _XML_ILLEGAL.subn(lambda m: " " if m.group() in "\x0b\x0c" else "", text)
    return cleaned, count


def _legal_code_point(value: int) -> bool:
    return value in (0x9, 0xA, 0xD) or 0x20 <= value <= 0xD7FF or 0xE000 <= value <= 0xFFFD or \
        0x10000 <= value <= 0x10FFFF


def html_xml_safe(html: str) -> tuple[str, int]:
    """An HTML page without XML-illegal code points, raw or as character references (``&#1;``, ``&#xFFFE;``)."""
    dropped = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal dropped
        value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if _legal_code_point(value):
            return match.group()
        dropped += 1
        return ""

    html = _ILLEGAL_REFERENCE.sub(drop, html)
    cleaned, raw = xml_safe(html)
    return cleaned, dropped + raw


def clean_article(article: Article, source: str) -> Article:
    """The article with every text field XML-safe; a warning names the source when anything was removed."""
    removed = 0

    def clean(value: Any) -> Any:
        nonlocal removed
        if isinstance(value, str):
            value, count = xml_safe(value)
            removed += count
            return value
        if isinstance(value, tuple):
            return tuple(clean(v) for v in value)
        return value

    meta = replace(article.meta, **{f.name: clean(getattr(article.meta, f.name)) for f in fields(article.meta)})
    sections = tuple(replace(s, **{f.name: clean(getattr(s, f.name)) for f in fields(Section)})
                     for s in article.sections)
    if removed:
        log.warning("%s: removed %d control character(s) that cannot appear in a feed", source, removed)
        return replace(article, meta=meta, sections=sections)
    return article


@dataclass(frozen=True)
class ReadOptions:
    """How sources are read."""

    allow_private: bool = False
    """Fetch URLs whose host is a private, loopback or link-local address (a local test server)."""
    timeout: float = 15.0
    """Seconds allowed for fetching a URL, redirects included."""
    max_bytes: int = MAX_FILE_BYTES
    """Largest page or file accepted, in bytes."""
    max_words: int = field(default_factory=lambda: _limit("NARRATE_MAX_WORDS", MAX_WORDS))
    """Longest article accepted, in words (``NARRATE_MAX_WORDS``)."""
    max_chars: int = field(default_factory=lambda: _limit("NARRATE_MAX_CHARS", MAX_CHARS))
    """Longest article accepted, in characters of text (``NARRATE_MAX_CHARS``)."""


def _limit(variable: str, default: int) -> int:
    value = os.environ.get(variable, "")
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise InputError(f"{variable} must be a positive whole number, not {value!r}")
    return int(value)


def is_url(source: str) -> bool:
    """True for something that should be fetched rather than opened as a file."""
    return source.partition("://")[0].lower() in ("http", "https")


def read_source(source: str, options: ReadOptions | None = None) -> Article:
    """The article at a URL or in a file (HTML, Markdown or a plain-text dump, told by content), with every
    field XML-safe and within the length limits."""
    options = options or ReadOptions()
    scheme, separator, _ = source.partition("://")
    if separator and scheme.isalpha() and not is_url(source):
        raise InputError(f"{source}: only http(s) URLs can be fetched")
    if is_url(source):
        from narrate.sources.fetch import fetch
        from narrate.sources.html import read_html

        page = fetch(source, allow_private=options.allow_private, timeout=options.timeout,
                     max_bytes=options.max_bytes)
        html, removed = html_xml_safe(page.html)
        _warn_removed(source, removed)
        return checked_article(read_html(html, url=page.url), source, options)
    path = Path(source)
    data = read_file(path, options.max_bytes)
    article = read_bytes(data, name=path.name, max_chars=options.max_chars)
    image = article.meta.image
    if image and not is_url(image) and "://" not in image:
        # A lead image named in front matter is a file beside the article.
        article = replace(article, meta=replace(article.meta, image=str(path.parent / image)))
    return checked_article(article, source, options)


def read_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them (devices, FIFOs and folders are refused)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any non-file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; give an article file or URL") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{path} is a directory; give an article file or URL")
        if not stat.S_ISREG(mode):
            raise InputError(f"{path} is not a regular file (a device, FIFO or socket); give an article file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(f"{path} is larger than {max_bytes:,} bytes; that is not an article")
    return data


def checked_article(article: Article, source: str, options: ReadOptions) -> Article:
    """The article made XML-safe, refused when longer than the limits."""
    article = clean_article(article, source)
    text = [p for s in article.sections for p in s.paragraphs]
    chars = sum(len(p) for p in text)
    if chars > options.max_chars:
        raise InputError(f"{source} has {chars:,} characters of text; narrate reads articles up to "
                         f"{options.max_chars:,} (set NARRATE_MAX_CHARS to raise the limit, or split it)")
    words = sum(len(p.split()) for p in text)
    if words > options.max_words:
        raise InputError(f"{source} has {words:,} words; narrate reads articles up to {options.max_words:,} "
                         "(set NARRATE_MAX_WORDS to raise the limit, or split it)")
    return article


def _warn_removed(source: str, removed: int) -> None:
    if removed:
        log.warning("%s: removed %d control character(s) that cannot appear in a feed", source, removed)


def read_bytes(data: bytes, *, name: str | None = None, max_chars: int | None = None) -> Article:
    """The article in the bytes of a file, whatever its kind (a text longer than ``max_chars`` is refused
    before it is parsed)."""
    kind = detect_kind(data, name)
    what = name or "the input"
    if kind == "html":
        from narrate.sources.html import read_html

        html, removed = html_xml_safe(decode_html(data, name=name))
        _warn_removed(what, removed)
        return read_html(html)
    text = decode_text(data, name=name)
    if max_chars is not None and len(text) > 2 * max_chars:
        raise InputError(f"{what} has {len(text):,} characters; narrate reads articles up to {max_chars:,} "
                         "(set NARRATE_MAX_CHARS to raise the limit, or split it)")
    text, removed = xml_safe(text)
    _warn_removed(what, removed)
    if kind == "markdown":
        from narrate.sources.markdown import read_markdown

        return read_markdown(text)
    from narrate.sources.text import read_text_dump

    return read_text_dump(text, source_name=name or "input")


TEXT_KINDS = ("html", "markdown", "text")
"""The kinds of article body :func:`read_text` takes."""


def read_text(body: str, kind: str, *, url: str | None = None, title: str | None = None,
              published: dt.date | None = None, options: ReadOptions | None = None) -> Article:
    """The article in a body handed over as text (a CMS's HTML, Markdown or plain text), read like a file of that
    kind; ``url``, ``title`` and ``published`` override what the text says about itself."""
    options = options or ReadOptions()
    if kind not in TEXT_KINDS:
        raise InputError(f"unknown article kind {kind!r}; give one of {', '.join(TEXT_KINDS)}")
    if len(body.encode()) > options.max_bytes:
        raise InputError(f"the {kind} body is larger than {options.max_bytes:,} bytes; that is not an article")
    what = url or f"the {kind} body"
    if title:
        body = _with_title(body, kind, title)
    if kind == "html":
        from narrate.sources.html import read_html

        html, removed = html_xml_safe(body)
        _warn_removed(what, removed)
        article = read_html(html, url=url)
    else:
        if len(body) > 2 * options.max_chars:
            raise InputError(f"{what} has {len(body):,} characters; narrate reads articles up to "
                             f"{options.max_chars:,} (set NARRATE_MAX_CHARS to raise the limit, or split it)")
        text, removed = xml_safe(body)
        _warn_removed(what, removed)
        if kind == "markdown":
            from narrate.sources.markdown import read_markdown

            article = read_markdown(text)
        else:
            from narrate.sources.text import read_text_dump

            article = read_text_dump(text, source_name=what)
    meta = article.meta
    meta = replace(meta, url=url or meta.url, title=title or meta.title, date=published or meta.date)
    if meta != article.meta:
        article = replace(article, meta=meta)
    return checked_article(article, what, options)


def _with_title(body: str, kind: str, title: str) -> str:
    """The body with its title on top, written the way its kind writes one (a CMS sends the two apart), so the
    reader makes it the headline and does not take the first paragraph for one."""
    if kind == "html":
        from html import escape

        if re.search(r"<(html|body)[\s>]", body[:2000], re.IGNORECASE):
            return body
        heading = escape(title)
        return (f"<!doctype html><html><head><title>{heading}</title></head>"
                f"<body><article><h1>{heading}</h1>{body}</article></body></html>")
    if kind == "markdown":
        return f"# {title}\n\n{body}"
    return f"{title}\n\n{body}"
