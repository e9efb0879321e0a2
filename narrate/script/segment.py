"""Article -> Script: chapters in listening order, sentences with pysbd, section announcements.

The narration announces sections in its own words ("Key takeaways.") instead of reading the page's
headings, and reads the FAQ as numbered questions, each question with its answer as one chapter so
a listener can skip straight to it. A body section's own sub-heading ("Bleed your radiators") is
article text, in list articles and explainers often the point of the section, and is read first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from narrate.model import Article, Chapter, Role, Script, Section, Sentence
from narrate.sources.headings import role_for_heading

ANNOUNCEMENTS: dict[Role, str] = {
    Role.SYNOPSIS: "In brief.",
    Role.TAKEAWAYS: "Key takeaways.",
    Role.POINT_OF_VIEW: "Point of view.",
    Role.FAQ_QUESTION: "Frequently asked questions.",
}
CHAPTER_TITLES: dict[Role, str] = {
    Role.SYNOPSIS: "Synopsis",
    Role.TAKEAWAYS: "Key takeaways",
    Role.BODY: "The story",
    Role.QUOTE: "Quote",
    Role.POINT_OF_VIEW: "Point of view",
}
ORDINALS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)

# Where a long sentence may be split, best first: a semicolon or colon, a dash, then a comma that
# opens a clause. Splitting keeps every word; it only decides where the engine takes a breath.
CLAUSE_BREAKS = (
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"\s+(?=[–—]\s)|(?<=\s[–—])\s+"),
    re.compile(r"(?<=,)\s+(?=(?:and|but|or|so|while|which|who|whereas|although|because|as|including|"
               r"according|with|after|before|when)\b)"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=(?:and|but|or)\s)"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class SegmentOptions:
    """How text is cut into sentences."""

    max_chars: int = 300
    """Sentences longer than this are split at clause boundaries (engines lose prosody on long input); an
    engine that takes less (its ``max_chars``) lowers the limit for the sentences it speaks."""
    language: str = "en"
    """pysbd language code."""
    announce_sections: bool = True
    """Say "Key takeaways." and the like before sections."""


def segment(article: Article, options: SegmentOptions | None = None,
            engine_max_chars: Callable[[Role], int] | None = None) -> Script:
    """Cut an article into chapters and sentences; ``spoken`` starts equal to ``written``.

    ``engine_max_chars`` gives, per role, the longest sentence the engine speaking it takes (0: no limit of
    its own); a sentence is split at the smaller of that and ``options.max_chars``.
    """
    options = options or SegmentOptions()

    def limit_of(role: Role) -> int:
        engine_limit = engine_max_chars(role) if engine_max_chars is not None else 0
        return min(options.max_chars, engine_limit) if engine_limit > 0 else options.max_chars

    def sentences_of(section: Section) -> Iterator[Sentence]:
        return _sentences(section, options.language, limit_of(section.role))

    chapters: list[Chapter] = []
    question_number = 0
    pending: list[Section] = list(article.sections)
    while pending:
        section = pending.pop(0)
        sentences: list[Sentence] = []
        if options.announce_sections and section.role in ANNOUNCEMENTS and not _announced(chapters, section):
            sentences.append(_announcement(ANNOUNCEMENTS[section.role]))
        if section.role is Role.FAQ_QUESTION:
            question_number += 1
            if options.announce_sections:
                sentences.append(_announcement(f"Question {_ordinal(question_number)}."))
            sentences.extend(sentences_of(section))
            if pending and pending[0].role is Role.FAQ_ANSWER:
                sentences.extend(sentences_of(pending.pop(0)))
            title = section.paragraphs[0]
        elif section.role is Role.HEADLINE:
            sentences.extend(sentences_of(section))
            title = section.paragraphs[0]
        else:
            if heading := spoken_heading(section):
                sentences.extend(_heading_sentences(heading, section.role, limit_of(section.role)))
            sentences.extend(sentences_of(section))
            title = section.heading if section.role is Role.BODY and section.heading else (
                CHAPTER_TITLES.get(section.role, section.heading or section.role.value.replace("_", " "))
            )
        if sentences:
            chapters.append(Chapter(title=title, role=section.role, sentences=tuple(sentences)))
    return Script(meta=article.meta, chapters=tuple(chapters))


def spoken_heading(section: Section) -> str | None:
    """The sub-heading read before a body section's text; a heading that names a role ("FAQ",
    "Analysis") is announced in the narration's words instead, and other roles' headings are not read."""
    if section.role is Role.BODY and section.heading and role_for_heading(section.heading) is None:
        return section.heading
    return None


def _heading_sentences(heading: str, role: Role, max_chars: int) -> Iterator[Sentence]:
    """A heading read as one sentence (it has no sentence punctuation to split at), its own paragraph."""
    pieces = split_long(heading, max_chars)
    for index, piece in enumerate(pieces):
        yield Sentence(written=piece, spoken=piece, role=role, paragraph_end=index == len(pieces) - 1)


def _announced(chapters: list[Chapter], section: Section) -> bool:
    """The FAQ is announced once, before its first question."""
    return section.role is Role.FAQ_QUESTION and any(c.role is Role.FAQ_QUESTION for c in chapters)


def _announcement(text: str) -> Sentence:
    return Sentence(written=text, spoken=text, role=Role.ANNOUNCEMENT, paragraph_end=True)


def _ordinal(number: int) -> str:
    return ORDINALS[number - 1] if number <= len(ORDINALS) else str(number)


def _sentences(section: Section, language: str, max_chars: int) -> Iterator[Sentence]:
    for paragraph in section.paragraphs:
        pieces = [piece for sentence in split_sentences(paragraph, language)
                  for piece in split_long(sentence, max_chars)]
        for index, piece in enumerate(pieces):
            yield Sentence(
                written=piece, spoken=piece, role=section.role, paragraph_end=index == len(pieces) - 1
            )


@lru_cache(maxsize=8)
def _segmenter(language: str) -> object:
    import pysbd

    return pysbd.Segmenter(language=language, clean=False)


PYSBD_SPAN = 4_000
"""Longest text handed to pysbd at once: its time grows with the square of a run without full stops."""
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s+")


def split_sentences(paragraph: str, language: str = "en") -> list[str]:
    """Sentences of a paragraph; pysbd keeps "U.S." and "Dr." inside their sentence. A paragraph longer than
    ``PYSBD_SPAN`` is cut first at full stops, and a run without any at spaces, so the time stays linear."""
    segmenter = _segmenter(language)
    sentences = [s for span in _spans(paragraph) for s in segmenter.segment(span)]  # type: ignore[attr-defined]
    return [s.strip() for s in sentences if s.strip()]


def _spans(paragraph: str, limit: int = PYSBD_SPAN) -> list[str]:
    """``paragraph`` in pieces of at most ``limit`` characters, cut after full stops, else at a space."""
    if len(paragraph) <= limit:
        return [paragraph]
    spans: list[str] = []
    rest = paragraph
    while len(rest) > limit:
        window = rest[:limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(window)]
        cut = ends[-1] if ends else window.rfind(" ", limit // 2) + 1 or limit
        spans.append(rest[:cut])
        rest = rest[cut:]
    return [*spans, rest] if rest else spans


def split_long(sentence: str, max_chars: int) -> list[str]:
    """Split a sentence longer than ``max_chars`` at its best clause boundary, recursively; never cut a word."""
    if len(sentence) <= max_chars:
        return [sentence]
    for pattern in CLAUSE_BREAKS:
        cut = _best_cut(sentence, pattern)
        if cut is not None:
            head, tail = sentence[:cut[0]].rstrip(), sentence[cut[1]:].lstrip()
            return split_long(head, max_chars) + split_long(tail, max_chars)
    return [sentence]  # one enormous word: nothing to split without cutting it


def _best_cut(sentence: str, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """The match of ``pattern`` closest to the middle that leaves two non-trivial pieces."""
    middle = len(sentence) / 2
    candidates = [
        (m.start(), m.end()) for m in pattern.finditer(sentence)
        if len(sentence[:m.start()].split()) >= 3 and len(sentence[m.end():].split()) >= 3
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda span: abs(span[0] - middle))
