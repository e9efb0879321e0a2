"""What a batch narrates: SOURCE arguments expanded into articles, and the problems found on the way.

A SOURCE is an article file or URL, a directory (its article files, recursively), a glob, a file
listing paths or URLs one per line (``#`` starts a comment), or an RSS/Atom feed of articles (a URL
or a local file; each item's link is one article). Expansion never stops at a bad source: a missing
file, an unreachable URL or a malformed feed becomes a :class:`SourceProblem`, and the same article
named twice is kept once, the later mention reported as a duplicate.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from narrate.errors import InputError
from narrate.sources.read import ReadOptions, is_url

ARTICLE_SUFFIXES = frozenset({".txt", ".text", ".html", ".htm", ".xhtml", ".md", ".markdown"})
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/xml", "text/xml", "application/feed+json"})
FEED_ACCEPT = "application/rss+xml,application/atom+xml;q=0.9,application/xml;q=0.8,text/html;q=0.5,*/*;q=0.1"
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_LIST_LINE = re.compile(r"^(https?://\S+|.*\.(txt|text|html?|xhtml|md|markdown))$", re.IGNORECASE)
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class BatchItem:
    """One article to narrate."""

    source: str
    """A file path or an http(s) URL, as read_article takes it."""
    label: str
    """How the article is named in progress and the summary."""
    origin: str
    """The SOURCE argument it came from."""
    fingerprint: str | None = None
    """Digest of what is known of the article before reading it (a file's bytes, a feed item's fields);
    None when only reading it tells (a bare URL)."""


@dataclass(frozen=True)
class SourceProblem:
    """A SOURCE, or an entry in one, that gives no article."""

    source: str
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """An article named again: kept once, reported once."""

    source: str
    first: str


@dataclass(frozen=True)
class Expansion:
    """Every article the SOURCE arguments name, in order, with the problems and duplicates found."""

    items: tuple[BatchItem, ...]
    problems: tuple[SourceProblem, ...]
    duplicates: tuple[Duplicate, ...]


def expand_sources(sources: Iterable[str], read: ReadOptions | None = None) -> Expansion:
    """Expand SOURCE arguments into articles; never raises for a bad source."""
    read = read or ReadOptions()
    items: list[BatchItem] = []
    problems: list[SourceProblem] = []
    duplicates: list[Duplicate] = []
    seen: dict[str, str] = {}
    for source in sources:
        try:
            found, found_problems = _expand_one(source, read)
        except InputError as error:
            problems.append(SourceProblem(source, str(error)))
            continue
        problems.extend(found_problems)
        for item in found:
            identity = source_identity(item.source)
            if identity in seen:
                duplicates.append(Duplicate(item.source, seen[identity]))
                continue
            seen[identity] = item.source
            items.append(item)
    return Expansion(tuple(items), tuple(problems), tuple(duplicates))


def source_identity(source: str) -> str:
    """The same for two spellings of one file or one URL (fragment, default port, host case)."""
    if is_url(source):
        parts = urlsplit(source.strip())
        netloc = (parts.hostname or "").lower()
        default = 443 if parts.scheme.lower() == "https" else 80
        if parts.port and parts.port != default:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    return str(Path(source).expanduser().resolve())


def _expand_one(source: str, read: ReadOptions) -> tuple[list[BatchItem], list[SourceProblem]]:
    if is_url(source):
        return _expand_url(source, read)
    path = Path(source).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            return [], [SourceProblem(source, "directory holds no article files (.txt, .html, .md)")]
        return [_file_item(p, source) for p in files], []
    if not path.exists() and _GLOB_CHARS & set(source):
        matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True))
        files = [m for m in matches if m.is_file()]
        if not files:
            return [], [SourceProblem(source, "the pattern matches no file")]
        return [_file_item(p, source) for p in files], []
    if not path.is_file():
        return [], [SourceProblem(source, "no such file or directory")]
    data = _read_head(path, read.max_bytes)
    if looks_like_feed(data):
        return _feed_items(data, source, base_url=None)
    lines = _list_lines(data)
    if lines is not None:
        return _listed_items(lines, path, source)
    return [_file_item(path, source, data)], []


def _read_head(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path} is larger than {max_bytes:,} bytes; that is not an article or a list")
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _file_item(path: Path, origin: str, data: bytes | None = None) -> BatchItem:
    try:
        digest = hashlib.sha256(data if data is not None else path.read_bytes()).hexdigest()
    except OSError:
        digest = None  # reading it again in the worker reports why
    return BatchItem(source=str(path), label=path.name, origin=origin, fingerprint=digest)


def looks_like_feed(data: bytes) -> bool:
    """True for RSS, Atom or RDF: the document element, within the first few kB, is a feed's."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    if head[:200].lower().startswith((b"<!doctype html", b"<html")):
        return False
    return _FEED_ROOT.search(head) is not None


def _list_lines(data: bytes) -> list[str] | None:
    """The entries of a list of sources, or None when the file is not one (an article, say)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    entries = [line.strip() for line in text.splitlines()]
    entries = [line for line in entries if line and not line.startswith("#")]
    if not entries or not all(len(line) < 2048 and _LIST_LINE.match(line) for line in entries):
        return None
    return entries


def _listed_items(lines: list[str], list_path: Path, origin: str) -> tuple[list[BatchItem], list[SourceProblem]]:
    items: list[BatchItem] = []
    problems: list[SourceProblem] = []
    for line in lines:
        if is_url(line):
            items.append(BatchItem(source=line, label=line, origin=origin))
            continue
        path = Path(line).expanduser()
        if not path.is_absolute():
            path = list_path.parent / path
        if not path.is_file():
            problems.append(SourceProblem(f"{line} (listed in {origin})", "no such file"))
            continue
        items.append(_file_item(path, origin))
    return items, problems


def _expand_url(url: str, read: ReadOptions) -> tuple[list[BatchItem], list[SourceProblem]]:
    """A URL is a feed of articles when what it serves is one; else it is an article."""
    from narrate.sources.fetch import fetch_bytes

    final_url, content_type, body = fetch_bytes(url, allow_private=read.allow_private, timeout=read.timeout,
                                                max_bytes=read.max_bytes, accept=FEED_ACCEPT)
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in FEED_TYPES or (media_type in ("", "text/plain") and looks_like_feed(body)) or \
            (media_type not in ("text/html", "application/xhtml+xml") and looks_like_feed(body)):
        return _feed_items(body, url, base_url=final_url)
    return [BatchItem(source=url, label=url, origin=url)], []


def _feed_items(data: bytes, origin: str, base_url: str | None) -> tuple[list[BatchItem], list[SourceProblem]]:
    """One item per feed entry with a link; a feed that cannot be parsed is one problem."""
    import feedparser

    parsed: Any = feedparser.parse(data)
    entries = list(parsed.get("entries", []))
    malformed = bool(parsed.get("bozo")) and not isinstance(parsed.get("bozo_exception"),
                                                            feedparser.CharacterEncodingOverride)
    problems: list[SourceProblem] = []
    if malformed:
        # Items before the damage are still narrated; the feed itself is reported.
        salvaged = sum(1 for entry in entries if entry.get("link"))
        problems.append(SourceProblem(origin, f"malformed feed of articles ({parsed.get('bozo_exception')}); "
                                              f"{salvaged} item(s) with a link read before the damage"))
    elif not entries:
        return [], [SourceProblem(origin, "the feed of articles has no items")]
    items: list[BatchItem] = []
    for number, entry in enumerate(entries, start=1):
        link = entry.get("link")
        title = str(entry.get("title") or f"item {number}")
        if not link:
            if not malformed:
                problems.append(SourceProblem(f"{origin} item {number} ({title})", "the item has no link"))
            continue
        link = urljoin(base_url, link) if base_url else link
        if not is_url(link):
            problems.append(SourceProblem(f"{origin} item {number} ({title})", f"the link {link!r} is not http(s)"))
            continue
        fields = [link, entry.get("id"), entry.get("updated"), entry.get("published"), title,
                  entry.get("summary")]
        digest = hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()
        items.append(BatchItem(source=link, label=title, origin=origin, fingerprint=digest))
    return items, problems
