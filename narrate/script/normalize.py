"""Written news text -> the words a newsreader says: NeMo for numbers, dates and money, rules for the rest.

    pre-rules (datelines, wire tags, URLs, abbreviations, initialisms, amount shorthands)
    -> NeMo text normalization, only when the text has digits or currency signs (the fast path skips it)
    -> post-rules (symbols, ranges, regnal numerals, acronyms spelled as letters, month capitals)

Every rule keeps the words it does not rewrite, so no word of the article is lost on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from narrate.script.dictionary import english_words
from narrate.script.grammars import NemoNormalizer, load_normalizer
from narrate.script.options import SpeechOptions
from narrate.script.rules import (
    AMOUNT_WORDS,
    LATIN,
    NUMBERED_THINGS,
    REGNAL_NAMES,
    REGNAL_TITLES,
    SUFFIXES,
    SYMBOL_WORDS,
    TITLES,
    WIRE_ABBREVIATIONS,
    WIRE_TAGS,
    WORD_ABBREVIATIONS,
)
from narrate.sources.dates import MONTH_ABBREVIATIONS, MONTH_NAMES, find_dateline

Rule = Callable[[str], str]

_NEEDS_NEMO = re.compile(r"[0-9$€£¥₩₹]")

_WIRE_TAG = re.compile(
    r"\(\s*(?:"
    + "|".join(re.escape(t) for t in WIRE_TAGS)
    + r"|\d+(?:st|nd|rd|th)\s+LD(?:\s+[A-Za-z]+)?)\s*\)\s*"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]']", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_BARE_DOMAIN = re.compile(
    r"\b[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*\.(?:com|org|net|gov|edu|int|info|io|tv|co\.kr|co\.uk|kr|uk|in)\b"
)
_CC_DOMAIN = re.compile(r"(?<![\w.@])[A-Za-z][\w-]{2,}\.[a-z]{2}(?![\w.]|\.\w)")
_DOMAIN_WORDS = frozenset({"com", "org", "net", "gov", "edu", "info"})
_CURRENCY_SPACE = re.compile(r"(?<=[$€£¥₩₹])\s+(?=\d)")
_IDENTIFIER = re.compile(r"(?<![\w-])(?!\d{4}-\d{2}-\d{2}(?![\w-]))\d+(?:-\d+){2,}(?:-[\dX])?(?![\w-])")
_INITIALISM = re.compile(r"(?<![\w.])(?P<letters>[A-Z](?:\.[A-Z])+)(?P<dot>\.?)(?![\w])")
_SMALL_RANGE = re.compile(r"(?<![\w.,-])(\d{1,3}(?:\.\d+)?)\s?[-–]\s?(?=\d{1,3}(?:\.\d+)?(?![\d,]|-\d))")
# Idioms NeMo reads as fractions ("twenty four sevenths", "fifty fiftieths").
_SLASH_IDIOMS = {"24/7": "twenty-four seven", "50/50": "fifty-fifty", "9/11": "nine eleven"}
_SLASH_IDIOM = re.compile(r"(?<![\w/.])(" + "|".join(map(re.escape, _SLASH_IDIOMS)) + r")(?![\w/]|\.\d)")
_ORDINAL_HYPHEN = re.compile(r"\b(\d+(?:st|nd|rd|th))-(?=[a-z])")
_AMOUNT = re.compile(r"(?<=\d)\s*(" + "|".join(AMOUNT_WORDS) + r")\b")
_PREFIXED_DOLLAR = re.compile(
    r"\b(?P<country>US|U\.S\.|A|AU|C|CA|HK|NZ|S)\$\s?(?P<amount>\d[\d,.]*(?:\s+(?:thousand|million|billion|trillion))?)"
)
_DOLLAR_COUNTRY = {
    "US": "U S", "U.S.": "U S", "A": "Australian", "AU": "Australian", "C": "Canadian", "CA": "Canadian",
    "HK": "Hong Kong", "NZ": "New Zealand", "S": "Singapore",
}  # fmt: skip
_ROMAN = {
    "II": 2, "III": 3, "IV": 4, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "XI": 11, "XII": 12, "XIII": 13,
    "XIV": 14, "XV": 15, "XVI": 16, "XVII": 17, "XVIII": 18, "XIX": 19, "XX": 20,
}  # fmt: skip
_CARDINALS = str.split(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
)
_ORDINALS = str.split(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_NUMBERED_ROMAN = re.compile(
    r"\b(?P<thing>(?i:" + "|".join(sorted(NUMBERED_THINGS, key=len, reverse=True)) + r"))\.?\s+"
    r"(?P<numeral>" + "|".join(sorted(_ROMAN, key=len, reverse=True)) + r")(?![\w-])"
)
_REGNAL = re.compile(
    r"\b(?:(?P<title>[A-Z][a-z]+)\s+)?(?P<name>[A-Z][a-z]+)\s+(?P<numeral>"
    + "|".join(sorted(_ROMAN, key=len, reverse=True))
    + r")\b"
)
_NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"thousand|million|billion|trillion)"
)
_SPOKEN_RANGE = re.compile(r"\b(" + _NUMBER_WORD + r")\s+-\s+(?=" + _NUMBER_WORD + r"\b)")
_ACRONYM = re.compile(r"\b(?P<word>[A-Z][A-Z]+)(?P<tail>s|'s|’s)?\b")
_LOWER_PREFIXED_ACRONYM = re.compile(r"\b[a-z]{1,3}[A-Z]{2,}\b")  # mRNA, dsDNA
_HUNDRED_AND = re.compile(r"\b(hundred|thousand|million|billion|trillion) and (?=" + _NUMBER_WORD + r"\b)")
_SLASH = re.compile(r"(?<=[A-Za-z]{2})\s*/\s*(?=[A-Za-z]{2})")
_SPACES = re.compile(r"[ \t]{2,}")


def _sub_table(table: dict[str, str], pattern: str) -> Rule:
    regex = re.compile(
        pattern.format(keys="|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
    )
    return lambda text: regex.sub(lambda m: table[m.group("key")], text)


_TITLE_RULE = _sub_table(TITLES, r"\b(?P<key>{keys})\.(?=\s+[A-Z])")
# British style writes the common titles without a period ("Mr Smith", "Dr Kim").
_UNDOTTED_TITLE_RULE = _sub_table(
    {k: v for k, v in TITLES.items() if k in ("Mr", "Mrs", "Ms", "Dr", "Prof")},
    r"\b(?P<key>{keys})(?=\s+[A-Z][a-z])",
)
_NUMBER_SIGN = re.compile(r"#\s?(?=\d)")
_HASHTAG = re.compile(r"(?<![\w&])#(?=[A-Za-z])")
_MILLIMETERS = re.compile(r"(?<![\w.,])(?P<number>\d[\d,]*(?:\.\d+)?)\s?mm\b")
_SUFFIX_RULE = _sub_table(SUFFIXES, r"(?<=[A-Za-z,.] )(?P<key>{keys})\.?(?![\w])")
_MONTH_RULE = _sub_table(MONTH_ABBREVIATIONS, r"\b(?P<key>{keys})\.?(?=\s+\d)")
_LATIN_RULE = _sub_table(LATIN, r"(?<![\w.])(?P<key>{keys})(?!\w)")
_WORD_ABBR_RULE = _sub_table(
    WORD_ABBREVIATIONS, r"(?<![\w.])(?P<key>{keys})(?:\.(?=\s+\S)|(?=\.?\s*$)|(?![\w.]))"
)
_WIRE_ABBR_RULE = _sub_table(WIRE_ABBREVIATIONS, r"(?<![\w.'’])(?P<key>{keys})(?=[a-z]*\b)")
# A service number after a verb of calling is said digit by digit ("call 911" -> "nine one one"), and
# so are those in the same breath ("calling 311, not 911"); elsewhere "311" is a count.
_SERVICE_NUMBERS = r"(?:[2-9]11|999|112|111)"
_SERVICE_CALL = re.compile(
    r"\b(?:call|dial|ring|phone|text)(?:s|ed|led|ing|ling)?\s+" + _SERVICE_NUMBERS
    + r"(?:,?\s+(?:or|not|and|then)\s+" + _SERVICE_NUMBERS + r")*(?![\d,.]\d)\b",
    re.IGNORECASE,
)
_SERVICE_NUMBER = re.compile(r"\b" + _SERVICE_NUMBERS + r"\b")
_NUMBER_ABBR = re.compile(r"\b(?P<no>No|Nos|no)\.\s*(?=\d)")
_SAINT = re.compile(r"\bSt\.(?=\s+[A-Z])")


def _spoken_url(match: re.Match[str]) -> str:
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", match.group(0), flags=re.IGNORECASE)
    host, _, path = url.partition("/")
    words = [" dot ".join(host.split("."))]
    for part in path.split("?")[0].split("/"):
        if part:
            words.append("slash " + re.sub(r"[-_.]+", " ", part))
    return " ".join(words)


def _spoken_domain(match: re.Match[str]) -> str:
    parts = match.group(0).split(".")
    return " dot ".join(
        [*parts[:-1], parts[-1] if parts[-1] in _DOMAIN_WORDS else " ".join(parts[-1].upper())]
    )


def _spoken_email(match: re.Match[str]) -> str:
    user, _, domain = match.group(0).partition("@")
    return f"{re.sub(r'[._-]+', ' dot ', user)} at {' dot '.join(domain.split('.'))}"


def _titlecase_caps(head: str) -> str:
    return re.sub(r"\b[A-Z]{3,}\b", lambda m: m.group(0).title(), head)


_BARE_DATELINE_END = re.compile(r"\s+(?:--|[-–—―])\s+[A-Z\"“]")


def _dateline(text: str) -> str:
    """ "SEOUL, December 25 (Yonhap) -- The" -> "Seoul, December 25. The": the agency and dash are not read.

    Without an agency, only a place in capitals before a spaced dash is a dateline ("SEOUL -- The").
    """
    found = find_dateline(text, bare=True)
    if found is None:
        return text
    if found.agency is None and not (
        found.date is None
        and re.match(r"[A-Z]{3,}\b", found.place)
        and _BARE_DATELINE_END.match(text, found.head_end)
    ):
        return text
    return f"{_titlecase_caps(text[: found.head_end].rstrip(' ,'))}. {text[found.end :]}"


def _initialism(match: re.Match[str]) -> str:
    letters = " ".join(match.group("letters").split("."))
    at_end = not match.string[match.end() :].strip()
    return letters + ("." if match.group("dot") and at_end else "")


def _prefixed_dollar(match: re.Match[str]) -> str:
    return f"{match.group('amount')} {_DOLLAR_COUNTRY[match.group('country')]} dollars"


def _regnal(match: re.Match[str]) -> str:
    title, name, value = match.group("title"), match.group("name"), _ROMAN[match.group("numeral")]
    head = f"{title} {name}" if title else name
    if title in REGNAL_TITLES or name in REGNAL_NAMES:
        return f"{head} the {_ORDINALS[value]}"
    return f"{head} {_CARDINALS[value]}"


def _spoken_digits(match: re.Match[str]) -> str:
    return " ".join(c for c in match.group(0) if c != "-")


def _symbols(text: str) -> str:
    for symbol, word in SYMBOL_WORDS.items():
        if symbol in text:
            text = text.replace(symbol, f" {word} ")
    return text


@dataclass(frozen=True)
class TextNormalizer:
    """Turns a written sentence into spoken words; build once with :meth:`load`, call :meth:`normalize`."""

    options: SpeechOptions = field(default_factory=SpeechOptions)
    nemo: NemoNormalizer | None = field(default=None, repr=False)
    keep_words: frozenset[str] = frozenset()
    """All-capital words never spelled out (besides ``options.acronyms_as_words``), e.g. lexicon entries."""
    english: frozenset[str] = field(default=frozenset(), repr=False)
    """Lower-case English words: an all-capital English word ("ACID") is said, not spelled."""

    @classmethod
    def load(cls, options: SpeechOptions | None = None, keep_words: Iterable[str] = ()) -> TextNormalizer:
        """Load NeMo's compiled grammars (if the options use NeMo) and return a ready normalizer."""
        options = options or SpeechOptions()
        nemo = load_normalizer(options.grammar_dir) if options.use_nemo else None
        return cls(options=options, nemo=nemo, keep_words=frozenset(keep_words), english=english_words())

    def normalize(self, text: str) -> str:
        """The spoken form of ``text``; idempotent, and every word of ``text`` is still in it."""
        text = self.pre_rules(text)
        if self.nemo is not None and _NEEDS_NEMO.search(text):
            text = self.nemo.normalize(text, punct_post_process=True)
        return self.post_rules(text)

    def pre_rules(self, text: str) -> str:
        """Rewrite what NeMo would misread or not read at all; runs before NeMo."""
        text = _EMAIL.sub(_spoken_email, text)
        text = _URL.sub(_spoken_url, text)
        text = _BARE_DOMAIN.sub(_spoken_domain, text)
        text = _CC_DOMAIN.sub(_spoken_domain, text)
        text = _LATIN_RULE(text)
        text = _WORD_ABBR_RULE(text)
        text = _WIRE_ABBR_RULE(text)
        text = _TITLE_RULE(text)
        text = _UNDOTTED_TITLE_RULE(text)
        text = _SUFFIX_RULE(text)
        text = _MONTH_RULE(text)
        if self.options.drop_wire_markers:
            text = _WIRE_TAG.sub("", text)
            text = _dateline(text)
        text = _SLASH_IDIOM.sub(lambda m: _SLASH_IDIOMS[m.group(1)], text)
        text = _SLASH.sub(" slash ", text)
        text = _NUMBER_ABBR.sub("number ", text)
        text = _NUMBER_SIGN.sub("number ", text)
        text = _HASHTAG.sub("hashtag ", text)
        # NeMo reads "16 mm" as "sixteen MM"
        text = _MILLIMETERS.sub(
            lambda m: f"{m.group('number')} millimeter{'' if m.group('number') == '1' else 's'}", text
        )
        text = _SAINT.sub("Saint", text)
        text = _CURRENCY_SPACE.sub("", text)
        text = _IDENTIFIER.sub(_spoken_digits, text)
        text = _SERVICE_CALL.sub(lambda m: _SERVICE_NUMBER.sub(_spoken_digits, m.group(0)), text)
        text = _SMALL_RANGE.sub(r"\1 to ", text)
        text = _AMOUNT.sub(lambda m: " " + AMOUNT_WORDS[m.group(1)], text)
        text = _PREFIXED_DOLLAR.sub(_prefixed_dollar, text)
        text = _INITIALISM.sub(_initialism, text)
        text = _ORDINAL_HYPHEN.sub(r"\1 ", text)
        text = _NUMBERED_ROMAN.sub(
            lambda m: f"{m.group('thing')} {_CARDINALS[_ROMAN[m.group('numeral')]]}", text
        )
        text = _REGNAL.sub(_regnal, text)
        return text

    def post_rules(self, text: str) -> str:
        """Say what NeMo left standing: symbols, ranges, acronyms; runs after NeMo (or alone)."""
        text = _SPOKEN_RANGE.sub(r"\1 to ", text)
        text = _HUNDRED_AND.sub(r"\1 ", text)
        # Again after NeMo: "the / 0" only has words on both sides of its slash once "0" is "zero".
        text = _SLASH.sub(" slash ", text)
        text = _symbols(text)
        text = self._spell_acronyms(text)
        text = _capitalize_months(text)
        return _SPACES.sub(" ", text).strip()

    def _spell_acronyms(self, text: str) -> str:
        letters = [c for c in text if c.isalpha()]
        if len(letters) > 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters):
            return text  # a headline in capitals: its words are words, not acronyms
        keep = self.options.acronyms_as_words | self.keep_words

        def spell(match: re.Match[str]) -> str:
            word, tail = match.group("word"), match.group("tail") or ""
            if word not in self.options.acronyms_as_letters and (
                word in keep
                or word in _ROMAN
                or len(word) > self.options.max_spelled_length
                or (len(word) > 2 and word.lower() in self.english)
            ):
                return match.group(0)
            return " ".join(word) + tail

        text = _LOWER_PREFIXED_ACRONYM.sub(lambda m: " ".join(m.group(0)), text)
        return _ACRONYM.sub(spell, text)


def _capitalize_months(text: str) -> str:
    # NeMo lowercases the months of the dates it reads; a capital keeps transcripts and respellings tidy.
    return re.sub(
        r"\b(" + "|".join(m.lower() for m in MONTH_NAMES if m != "May") + r")\b",
        lambda m: m.group(1).title(),
        text,
    )


def substitutions(written: str, spoken: str) -> tuple[tuple[str, str], ...]:
    """The (written, spoken) word runs that differ between ``written`` and ``spoken``, in order."""
    before, after = written.split(), spoken.split()
    pairs = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            pairs.append((" ".join(before[i1:i2]), " ".join(after[j1:j2])))
    return tuple(pairs)
