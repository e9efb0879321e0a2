"""An offline English word list: tells words from names and acronyms.

The list is GCIDE's headwords (about 114,000, lower case) from the ``english-words`` package, which
ships them as data: no download at run time.
"""

from __future__ import annotations

from functools import lru_cache

_SUFFIXES = (
    ("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
    ("ly", ""), ("er", ""), ("ers", ""), ("est", ""), ("est", "e"), ("ment", ""),
)  # fmt: skip
"""Endings tried off a word that is not in the list as written ("officials" -> "official")."""


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words (loads in about 0.3 s, once per process)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


def is_english_word(word: str, words: frozenset[str] | None = None) -> bool:
    """True if ``word`` or its stem without a plural, possessive or common suffix is in the list."""
    words = english_words() if words is None else words
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    if lower in words:
        return True
    for suffix, replacement in _SUFFIXES:
        if (
            lower.endswith(suffix)
            and len(lower) > len(suffix) + 2
            and lower[: -len(suffix)] + replacement in words
        ):
            return True
    return False
