"""An Article as JSON and back: golden files for the readers, and a way to hand an edited article
to the rest of the pipeline."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, fields
from typing import Any

from narrate.errors import InputError
from narrate.model import Article, ArticleMeta, Role, Section

FORMAT = 1


def article_to_dict(article: Article) -> dict[str, Any]:
    """Plain JSON-ready values: metadata with an ISO date, then sections in order."""
    meta = asdict(article.meta)
    meta["date"] = article.meta.date.isoformat() if article.meta.date else None
    return {
        "format": FORMAT,
        "meta": meta,
        "sections": [
            {"role": str(s.role), "heading": s.heading, "paragraphs": list(s.paragraphs),
             **({"anchor": s.anchor} if s.anchor else {})}
            for s in article.sections
        ],
    }


def article_to_json(article: Article) -> str:
    """Stable, readable JSON (two-space indent, UTF-8 text kept as is, trailing newline)."""
    return json.dumps(article_to_dict(article), indent=2, ensure_ascii=False) + "\n"


def article_from_json(text: str) -> Article:
    """The Article that :func:`article_to_json` wrote; InputError for anything else."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise InputError(f"article JSON has format {data.get('format')!r}, expected {FORMAT}")
        meta_fields = {f.name for f in fields(ArticleMeta)}
        raw_meta = dict(data["meta"])
        unknown = set(raw_meta) - meta_fields
        if unknown:
            raise InputError(f"article JSON has unknown metadata fields: {', '.join(sorted(unknown))}")
        if raw_meta.get("date"):
            raw_meta["date"] = dt.date.fromisoformat(raw_meta["date"])
        meta = ArticleMeta(**raw_meta)
        sections = tuple(
            Section(Role(s["role"]), tuple(str(p) for p in s["paragraphs"]), s.get("heading"), s.get("anchor"))
            for s in data["sections"]
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"not an article JSON file: {error}") from None
    return Article(meta, sections)
