"""Golden files: every tests/data/<case>.html|.md beside the <case>.article.json it must read as.

Set NARRATE_REGEN_GOLDEN=1 to rewrite the golden files, then read each one before committing it:
a golden file states what is right, not what the code happened to produce.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from narrate.model import Article
from narrate.sources.html import read_html
from narrate.sources.markdown import read_markdown
from narrate.sources.serialize import article_from_json, article_to_dict, article_to_json

DATA = Path(__file__).parent / "data"
CASES = sorted(p for p in DATA.iterdir() if p.suffix in (".html", ".md"))


def read_case(path: Path) -> Article:
    if path.suffix == ".html":
        return read_html(path.read_bytes())
    return read_markdown(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", CASES, ids=[p.name for p in CASES])
def test_reader_matches_golden_file(source: Path) -> None:
    article = read_case(source)
    golden = source.with_name(source.stem + ".article.json")
    if os.environ.get("NARRATE_REGEN_GOLDEN"):
        golden.write_text(article_to_json(article), encoding="utf-8")
    assert article_to_dict(article) == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", CASES, ids=[p.name for p in CASES])
def test_golden_file_round_trips(source: Path) -> None:
    text = source.with_name(source.stem + ".article.json").read_text(encoding="utf-8")
    assert article_to_json(article_from_json(text)) == text
