"""Text a voice cannot read: romanize what has a standard romanization, drop the rest and say what.

- Hangul -> Revised Romanization with ``korean-romanizer`` (maintained, 2025; applies part of RR's
  sound-change rules: 김용범 -> "Gimyongbeom"). It misses some assimilations (신라 -> "Sinra", not
  "Silla"): names that matter belong in the lexicon, under their romanized spelling.
  ``hangul-romanize`` (last release 2020) transliterates letter by letter and applies none.
- A lone Greek letter -> its name ("β-blocker" -> "beta-blocker").
- Other writing systems (Han, kana, Cyrillic, Greek, Arabic, Hebrew, Thai, ...) -> ``anyascii``, which gives
  pinyin for Chinese, Hepburn-like romaji for kana and standard transliterations for alphabets.
- Decimal digits of any script -> ASCII digits, so the normalizer reads them as numbers.
- Emoji, pictographs and other symbols the voice would read as code points -> dropped and reported.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KEPT_SYMBOLS = frozenset("$€£¥₩₹%&@#°§×+=/~*'\"’‘“”–—-…()[]{}<>|:;,.!?_\\^`")
_HANGUL_RANGES = ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))
_GAP = "\x00"
_GAP_BEFORE_PUNCTUATION = re.compile(r"[ \t]*\x00[\s\x00]*(?=[.,;:!?)\]]|$)|^[\s\x00]*\x00[ \t]*")
_GAP_RUN = re.compile(r"[ \t]*\x00[\s\x00]*")
_SPACES = re.compile(r"[ \t]{2,}")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f")


@dataclass(frozen=True)
class Readable:
    """Text the voice can read, with what was romanized and what was dropped."""

    text: str
    romanized: tuple[tuple[str, str], ...] = ()
    """(original run, romanization) pairs, in order."""
    dropped: tuple[str, ...] = ()
    """Characters removed because no voice can say them (emoji, pictographs), in order of appearance."""


def readable(text: str) -> Readable:
    """Romanize Hangul and other non-Latin writing systems, drop emoji and unknown symbols; never raises."""
    if text.isascii():
        return Readable(text)
    out: list[str] = []
    romanized: list[tuple[str, str]] = []
    dropped: list[str] = []
    run: list[str] = []
    run_kind = ""

    def flush() -> None:
        nonlocal run_kind
        if run:
            original = "".join(run)
            roman = _romanize(original, run_kind)
            romanized.append((original, roman))
            out.append(roman)
            run.clear()
        run_kind = ""

    for char in text:
        kind = _kind(char)
        if kind in ("hangul", "foreign"):
            if run and kind != run_kind:
                flush()
            run.append(char)
            run_kind = kind
            continue
        if kind == "combining" and run:
            run.append(char)
            continue
        flush()
        if kind == "keep" or kind == "combining":
            out.append(char)
        elif kind == "digit":
            out.append(str(unicodedata.decimal(char)))
        elif kind == "drop":
            if char not in dropped:
                dropped.append(char)
            out.append(_GAP)
        # kind == "invisible": nothing to say, nothing to report
    flush()
    joined = _GAP_BEFORE_PUNCTUATION.sub("", "".join(out))
    joined = _GAP_RUN.sub(" ", joined)  # an emoji between two words must not glue them together
    return Readable(_SPACES.sub(" ", joined).strip(), tuple(romanized), tuple(dropped))


def _kind(char: str) -> str:
    if char.isascii():
        return "keep"
    code = ord(char)
    if any(low <= code <= high for low, high in _HANGUL_RANGES):
        return "hangul"
    if char in _INVISIBLE:
        return "invisible"
    category = unicodedata.category(char)
    if category.startswith("Z"):
        return "keep"
    if category.startswith("M"):
        return "combining"
    name = unicodedata.name(char, "")
    if category == "Nd":
        return "digit"  # any script's decimal digit is a digit the normalizer reads: ٣ and 𑓓 are 3
    if category[0] in "LN":
        return "keep" if name.startswith("LATIN") else "foreign"
    if char in _KEPT_SYMBOLS or (category[0] == "P" and code < 0x3000):
        return "keep"
    if category == "Sc":
        return "foreign"  # other currency signs: anyascii spells their code, e.g. ₽ -> "RUB"
    if category in ("Cf", "Cc"):
        return "invisible"
    if category[0] == "P":
        return "foreign"  # CJK punctuation: 。 -> "."
    return "drop"


def _romanize(run: str, kind: str) -> str:
    if kind == "hangul":
        from anyascii import anyascii
        from korean_romanizer.romanizer import Romanizer

        # korean-romanizer reads syllables; a lone conjoining jamo (ᄀ, ힰ) it leaves as it is, so anyascii
        # spells what is left.
        words = [str(anyascii(Romanizer(word).romanize())) for word in run.split()]
        return " ".join(word[:1].upper() + word[1:] for word in words if word)
    if len(run) == 1 and unicodedata.name(run, "").startswith("GREEK"):
        # A lone Greek letter is a symbol (β-blocker, α particle): say its name.
        return unicodedata.name(run).split()[-1].lower()
    from anyascii import anyascii

    return str(anyascii(run))
