"""What was meant against what was heard, the way a listener judges it (pure functions, no audio).

Comparison normalization: case and punctuation are ignored, numbers count as words or digits ("3" and
"three", "25th" and "twenty fifth"), spelled initials count however they are written ("U.S.", "U S", "US"),
words heard split or joined ("Yong-beom", "Yongbeom") are the same words, and so are British and American
spellings ending in -re/-er and -our/-or.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_WORD = re.compile(r"\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th|s)?(?!\w)|[^\W_]+(?:['’.\-][^\W_]+)*\.?|[%$€£&]", re.UNICODE)
_CURRENCY = frozenset("$€£")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.){2,}$|^[A-Z]{2,4}$")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_SYMBOLS = {"%": "percent", "$": "dollars", "€": "euros", "£": "pounds", "&": "and"}


@dataclass(frozen=True)
class Token:
    """A comparison word and the written word it came from."""

    text: str
    origin: str


def _number_words(token: str) -> list[str] | None:
    from num2words import num2words

    ordinal = _ORDINAL.match(token)
    try:
        if ordinal:
            words = num2words(int(ordinal.group(1)), to="ordinal")
        elif token.endswith("s") and token[:-1].isdigit() and len(token) == 5:  # 1990s
            words = num2words(int(token[:-1]), to="year") + "s"
            words = words.replace("tys", "ties")
        else:
            value = token.replace(",", "")
            if not re.fullmatch(r"\d+(?:\.\d+)?", value):
                return None
            words = num2words(int(value) if value.isdigit() else float(value),
                              to="year" if len(value) == 4 and value.isdigit() and 1100 <= int(value) <= 2099
                              else "cardinal")
    except (ValueError, OverflowError, NotImplementedError):
        return None
    return [w for w in re.split(r"[\s,-]+", words.lower()) if w and w != "and"]


def _american(word: str) -> str:
    """One spelling for words a listener hears the same in British and American spelling (Whisper writes the
    latter): "centre"/"center", "colour"/"color"."""
    word = re.sub(r"(?<=[^aeiou])re(s?)$", r"er\1", word)
    return re.sub(r"(?<=..[^aeiou])our(s?)$", r"or\1", word)


def tokens(text: str) -> list[Token]:
    """``text`` as comparison words, each with the written word it came from."""
    out: list[Token] = []
    currency: str | None = None  # "$3" is heard "three dollars"
    for match in _WORD.finditer(text):
        word = match.group(0)
        origin = word.rstrip(".")
        if word in _CURRENCY:
            currency = word
            continue
        if word in _SYMBOLS:
            out.append(Token(_SYMBOLS[word], word))
            continue
        if word[0].isdigit():
            spoken = _number_words(word)
            if spoken is not None:
                out += [Token(w, origin) for w in spoken]
                if currency:
                    out.append(Token(_SYMBOLS[currency], currency))
                    currency = None
                continue
        if currency:
            out.append(Token(_SYMBOLS[currency], currency))
            currency = None
        bare = word.rstrip(".") if not _INITIALS.match(word) else word
        if _INITIALS.match(bare) and not bare.isdigit():
            out += [Token(letter.lower(), origin) for letter in bare if letter.isalpha()]
            continue
        bare = re.sub(r"['’]", "", bare).lower().replace(".", " ").replace("-", " ")
        out += [Token(_american(part), origin) for part in bare.split() if part]
    if currency:
        out.append(Token(_SYMBOLS[currency], currency))
    return out


@dataclass(frozen=True)
class Comparison:
    """The word edits that turn what was meant into what was heard."""

    edits: tuple[tuple[str, str, str], ...]
    """(``sub``/``del``/``ins``, meant words, heard words); a run of neighbouring errors is one edit."""
    errors: int
    """Word errors (substitutions + deletions + insertions)."""
    meant_words: int
    suspects: tuple[str, ...]
    """The written words involved in an edit, in order of appearance."""

    @property
    def score(self) -> float:
        """Word errors per meant word."""
        return self.errors / max(1, self.meant_words)


def compare(meant: str, heard: str) -> Comparison:
    """Align ``heard`` to ``meant`` word by word (Levenshtein) and keep the edits a listener would notice."""
    ref, hyp = tokens(meant), [t.text for t in tokens(heard)]
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            same = ref[i - 1].text == hyp[j - 1]
            cost[i][j] = min(cost[i - 1][j - 1] + (0 if same else 1), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    ops: list[tuple[str, int | None, int | None]] = []
    i, j = n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1].text != hyp[j - 1]):
            ops.append(("eq" if ref[i - 1].text == hyp[j - 1] else "sub", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            ops.append(("del", i - 1, None))
            i -= 1
        else:
            ops.append(("ins", None, j - 1))
            j -= 1
    ops.reverse()
    edits: list[tuple[str, str, str]] = []
    suspects: dict[str, None] = {}
    errors = 0
    run: list[tuple[str, int | None, int | None]] = []
    for op in [*ops, ("eq", None, None)]:
        if op[0] != "eq":
            run.append(op)
            continue
        if run:
            meant_words = [ref[r].text for _, r, _ in run if r is not None]
            heard_words = [hyp[h] for _, _, h in run if h is not None]
            if not same_words(" ".join(meant_words), " ".join(heard_words)):
                errors += max(len(meant_words), len(heard_words))
                kind = "sub" if meant_words and heard_words else ("del" if meant_words else "ins")
                edits.append((kind, " ".join(meant_words), " ".join(heard_words)))
                suspects.update(dict.fromkeys(ref[r].origin for _, r, _ in run if r is not None))
            run = []
    return Comparison(tuple(edits), errors, n, tuple(suspects))


SPELLING_VARIANT = 0.85
"""Letters this alike (difflib ratio) are one word spelled two ways ("Duck"/"Duk", "Minister said"/"Minister
Sid"), not a mishearing; "Coupang" heard "coupon" (0.77) or "fifteen" heard "fifty" (0.67) are mishearings."""


def same_words(meant: str, heard: str) -> bool:
    """Whether a listener heard ``meant`` as said: the same letters, split or joined ("yong beom" and
    "yongbeom"), or a spelling variant of them."""
    a, b = meant.replace(" ", ""), heard.replace(" ", "")
    return a == b or (min(len(a), len(b)) >= 3 and difflib.SequenceMatcher(None, a, b).ratio() >= SPELLING_VARIANT)


def is_name(word: str, sentence: str) -> bool:
    """A capitalized word that does not merely open the sentence (or any capitalized word that is not a
    common English word when it does)."""
    if not word[:1].isupper():
        return False
    return not sentence.lstrip(" \"'“‘(").startswith(word) or word.upper() == word
