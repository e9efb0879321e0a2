"""Bytes from a file -> text -> Article, refusing what is not an article with one clear line."""

from __future__ import annotations

from pathlib import Path

from narrate.errors import InputError
from narrate.model import Article
from narrate.sources.text import read_text_dump

MAX_BYTES = 5_000_000


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else the legacy encoding charset-normalizer finds."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: looks like a binary file, not an article")
    for encoding in ("utf-8-sig", "utf-16"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{name}: not text in UTF-8 or any common encoding; convert it to UTF-8")
    text = str(best)
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > len(text) / 100:
        raise InputError(f"{name}: looks like a binary file, not an article")
    return text


def read_file(path: Path) -> Article:
    """An article from a local file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size:,} bytes is too large for an article (limit {MAX_BYTES:,})")
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an article file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    return read_text_dump(decode_text(data, str(path)), source_name=str(path))
