"""One entry point for every input: a file path or an http(s) URL in, an Article out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from narrate.errors import InputError
from narrate.model import Article
from narrate.sources.detect import decode_html, decode_text, detect_kind
from narrate.sources.html import MAX_HTML_BYTES

MAX_FILE_BYTES = MAX_HTML_BYTES


@dataclass(frozen=True)
class ReadOptions:
    """How sources are read."""

    allow_private: bool = False
    """Fetch URLs whose host is a private, loopback or link-local address (a local test server)."""
    timeout: float = 15.0
    """Seconds allowed for fetching a URL, redirects included."""
    max_bytes: int = MAX_FILE_BYTES
    """Largest page or file accepted, in bytes."""


def is_url(source: str) -> bool:
    """True for something that should be fetched rather than opened as a file."""
    return source.partition("://")[0].lower() in ("http", "https")


def read_source(source: str, options: ReadOptions | None = None) -> Article:
    """The article at a URL or in a file (HTML, Markdown or a plain-text dump, told by content)."""
    options = options or ReadOptions()
    scheme, separator, _ = source.partition("://")
    if separator and scheme.isalpha() and not is_url(source):
        raise InputError(f"{source}: only http(s) URLs can be fetched")
    if is_url(source):
        from narrate.sources.fetch import fetch
        from narrate.sources.html import read_html

        page = fetch(source, allow_private=options.allow_private, timeout=options.timeout,
                     max_bytes=options.max_bytes)
        return read_html(page.html, url=page.url)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            raise InputError(f"{source} is larger than {options.max_bytes:,} bytes ({size:,}); "
                             "that is not an article")
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{source} is a directory; give an article file or URL") from None
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror or error}") from None
    article = read_bytes(data, name=path.name)
    image = article.meta.image
    if image and not is_url(image) and "://" not in image:
        # A lead image named in front matter is a file beside the article.
        article = replace(article, meta=replace(article.meta, image=str(path.parent / image)))
    return article


def read_bytes(data: bytes, *, name: str | None = None) -> Article:
    """The article in the bytes of a file, whatever its kind."""
    kind = detect_kind(data, name)
    if kind == "html":
        from narrate.sources.html import read_html

        return read_html(decode_html(data, name=name))
    if kind == "markdown":
        from narrate.sources.markdown import read_markdown

        return read_markdown(decode_text(data, name=name))
    from narrate.sources.text import read_text_dump

    return read_text_dump(decode_text(data, name=name), source_name=name or "input")
