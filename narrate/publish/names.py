"""How published files are named: an ASCII slug of the title and a digest of the content."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def slugify(text: str, limit: int = 60) -> str:
    """An ASCII file-name stem: lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "episode"


def content_name(stem: str, suffix: str, data: bytes) -> tuple[str, str]:
    """A content-hashed ASCII file name for ``data``, and the full digest."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{stem}-{digest[:16]}{suffix}", digest
