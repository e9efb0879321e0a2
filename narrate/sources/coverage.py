"""How much of one text another keeps: the reader's guard against losing article text.

Texts are compared as sets of word 4-grams (shingles), lower-cased, the measure the extraction
benchmark uses; a reader step whose output keeps less than :data:`MIN_RECALL` of its input's shingles
has dropped article text, and its input is read instead.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MIN_RECALL = 0.9
"""Share of the input's shingles a step must keep."""


def words(text: str) -> list[str]:
    """The words of a text, lower-cased; each Chinese or Japanese character counts as a word."""
    return _WORD.findall(_CJK.sub(lambda match: f" {match.group(0)} ", text.lower()))


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """The set of word n-grams of a text."""
    found = words(text)
    return {tuple(found[i:i + n]) for i in range(len(found) - n + 1)}


def recall(kept: str, source: str) -> float:
    """Share of the source's shingles that the kept text has (1.0 for a source too short to tell)."""
    wanted = shingles(source)
    if not wanted:
        return 1.0
    return len(wanted & shingles(kept)) / len(wanted)


def covers(kept: str, source: str, minimum: float = MIN_RECALL) -> bool:
    """True when ``kept`` keeps at least ``minimum`` of ``source``'s shingles."""
    return recall(kept, source) >= minimum
