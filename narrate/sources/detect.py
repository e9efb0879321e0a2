"""What kind of input a file is (HTML, Markdown or a plain-text dump), and how to decode its bytes.

The kind comes from the content first: a page saved as ``.txt`` is still HTML. The file name only
settles the cases the content leaves open.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import PurePath
from typing import Literal

from narrate.errors import InputError

SourceKind = Literal["html", "markdown", "text"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) | {0x7F}
BINARY_CONTROL_SHARE = 0.05
"""Share of control bytes (other than tab, newlines, form feed) past which data is not text."""

_STRONG_HTML = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(p|div|article|section|main|span|a|h[1-6]|ul|ol|li|br|table|figure|img|header|footer)\b[^>]*>",
    re.IGNORECASE,
)
_FRONT_MATTER = re.compile(
    r"\A(---[ \t]*\r?\n(.*?\r?\n)?---|\+\+\+[ \t]*\r?\n(.*?\r?\n)?\+\+\+)[ \t]*(\r?\n|\Z)", re.DOTALL
)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_MD_SIGNALS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\S.*\r?\n(=+|-+)[ \t]*$", re.MULTILINE),  # setext heading
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),  # [link](url)
    re.compile(r"(\*\*|__)\S[^\n]*?\S\1"),  # **bold**
    re.compile(r"^```", re.MULTILINE),  # fenced code
    re.compile(r"^>[ \t]+\S", re.MULTILINE),  # blockquote
    re.compile(r"^([-*+]|\d+\.)[ \t]+\S", re.MULTILINE),  # list item
)
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mdx"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
SNIFF_CHARS = 65_536


def decode_text(data: bytes, *, name: str | None = None) -> str:
    """Bytes of a text file as a string: UTF-8 (BOM or not), UTF-16/32 with a BOM, else the
    encoding charset-normalizer finds, else cp1252, latin-1 last. Binary data is an InputError."""
    what = name or "the input"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputError(f"{what} starts with a {encoding} byte-order mark but is not "
                                 f"valid {encoding}: {error.reason}; re-save it as UTF-8") from None
    if looks_binary(data):
        raise InputError(f"{what} looks like a binary file, not an article; "
                         "give an HTML, Markdown or text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    western = _as_western(data)
    if best is not None and (western is None or best.encoding in ("cp1252", "latin_1", "iso8859_15")):
        return str(best)
    if western is not None:
        return western
    return data.decode("latin-1")


_WESTERN_PUNCTUATION = frozenset("’‘“”‚„–—…•€™©®°£§¶·«»×÷¡¿\u00a0")
WESTERN_SHARE = 0.15
"""Most non-ASCII letters a Western European text has among its letters (French, German, Spanish stay well
under); Cyrillic or Greek bytes read as cp1252 come out as accented Latin letters almost throughout."""


def _as_western(data: bytes) -> str | None:
    """The bytes as cp1252 when that reads like Western text: every non-ASCII character a Latin letter or
    typographic punctuation, and few of them. charset-normalizer weighs code pages by statistics and picks
    cp1250 or cp775 for English with one "ï" ("Naïve" -> "Naďve"); a reader would not."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(1 for c in text if c.isalpha())
    foreign = 0
    for char in text:
        if char.isascii():
            continue
        if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            foreign += 1
        elif char not in _WESTERN_PUNCTUATION:
            return None
    return text if letters and foreign / letters <= WESTERN_SHARE else None


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or many control bytes: an image, archive or executable."""
    sample = data[:SNIFF_CHARS]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return controls / len(sample) > BINARY_CONTROL_SHARE


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)


def decode_html(data: bytes, *, charset: str | None = None, name: str | None = None) -> str:
    """Bytes of an HTML page as a string: a byte-order mark, else the declared ``charset`` (from
    HTTP), else a ``<meta charset>`` in the first kilobytes, else detection as for text."""
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        declared = charset
        if declared is None and (meta := _META_CHARSET.search(data[:4096])):
            declared = meta.group(1).decode("ascii")
        if declared:
            try:
                codec = codecs.lookup(declared).name
            except LookupError:
                codec = None
            if codec is not None:
                # Pages labelled latin-1 are cp1252 in practice; browsers read them that way.
                codec = "cp1252" if codec in ("latin_1", "iso8859-1", "ascii") else codec
                try:
                    return data.decode(codec)
                except UnicodeDecodeError:
                    pass  # a wrong label: fall back to detection
    return decode_text(data, name=name)


def detect_kind(data: bytes, name: str | None = None) -> SourceKind:
    """Whether ``data`` is an HTML page, a Markdown document or a plain-text dump.

    Binary data raises InputError. The extension of ``name`` only decides between kinds the
    content leaves open (Markdown vs. text, or HTML fragments).
    """
    text = decode_text(data, name=name)[:SNIFF_CHARS]
    return kind_of_text(text, name)


def kind_of_text(text: str, name: str | None = None) -> SourceKind:
    """As :func:`detect_kind`, for text already decoded."""
    suffix = PurePath(name).suffix.lower() if name else ""
    stripped = text.lstrip("\ufeff \t\r\n")
    if _STRONG_HTML.search(stripped[:4096]):
        return "html"
    tags = len(_HTML_TAG.findall(stripped))
    if stripped.startswith("<") and tags >= 3:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES and tags:
        return "html"
    if _FRONT_MATTER.match(stripped):
        return "markdown"
    score = 2 * min(len(_MD_HEADING.findall(stripped)), 2)
    score += sum(1 for signal in _MD_SIGNALS if signal.search(stripped))
    if score >= 2 and not _looks_like_page_dump(stripped):
        return "markdown"
    return "text"


def _looks_like_page_dump(text: str) -> bool:
    """A plain-text copy of a web page has list bullets but no heading marks or link syntax."""
    return not any(pattern.search(text) for pattern in (_MD_HEADING, _MD_SIGNALS[1], _MD_SIGNALS[2]))
