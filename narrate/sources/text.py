"""Plain-text page dumps (what "select all, copy" gives from a news page) -> Article.

A dump holds the article and the page around it: share and audio widgets, the title again, section
headings, a byline, related-story lists with relative times, "follow us" prompts. Nothing here knows
one site's strings; lines are classified by shape, and the article's structure is read from the
headings that `narrate.sources.headings` recognises:

- chrome: short lines that are not sentences (no end punctuation, few words), widget strings,
  list items that are only a relative time ("2 months ago", "Latest 3 hours ago");
- a byline: a date line, and the short line beside it (the publisher or author);
- headings: short lines whose words say which section follows (Synopsis, Key Takeaways, FAQ…);
- prose: everything else.

After the last section has ended, the first chrome line starts the page's trailer; a single prose
line inside it (a widget's blurb) is chrome too, but a heading or two prose paragraphs in a row
mean the article goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum, auto

from narrate.errors import InputError
from narrate.model import Article, ArticleMeta, Role, Section
from narrate.sources.dates import DATE_LINE, RELATIVE_TIME, find_dateline, parse_date
from narrate.sources.headings import role_for_heading
from narrate.sources.sections import SectionBuilder

WIDGET = re.compile(
    r"^(?:share(?: this(?: article| story)?)?|audio loading voice.*|listen to (?:this )?(?:article|story).*|"
    r"getting your .* player ready.*|loading.*|advertisement|sponsored|read more|see more|"
    r"follow us.*|subscribe.*|sign up.*|print|email|copy link|comments?(?: \(\d+\))?|tags?:.*|"
    r"(?:©|\(c\)|copyright\b).*|all rights reserved.*)\s*[:.…]*$",
    re.I,
)
NAV_BAR = re.compile(r"^[^|·•]{1,30}(?:\s*[|·•]\s*[^|·•]{1,30}){2,}$")
BYLINE = re.compile(r"^(?:(?:written|reported|posted|edited)\s+)?by\s+(?P<name>[A-Z][\w.'’ -]{1,60})$", re.I)
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


SINGLE_BLOCK_ROLES = (Role.SYNOPSIS, Role.TAKEAWAYS)


class Kind(Enum):
    BLANK = auto()
    CHROME = auto()
    HEADING = auto()
    DATE = auto()
    PROSE = auto()
    SHORT = auto()
    """A short line without end punctuation: a list item, a sub-heading, a byline or chrome."""


@dataclass(frozen=True)
class Line:
    text: str
    kind: Kind
    role: Role | None = None


def _classify(text: str) -> Line:
    stripped = " ".join(text.split())
    if not stripped:
        return Line("", Kind.BLANK)
    role = role_for_heading(stripped)
    if role is not None:
        return Line(stripped, Kind.HEADING, role)
    if WIDGET.match(stripped) or RELATIVE_TIME.fullmatch(stripped) or NAV_BAR.match(stripped):
        return Line(stripped, Kind.CHROME)
    if DATE_LINE.fullmatch(stripped):
        return Line(stripped, Kind.DATE)
    words = stripped.split()
    if SENTENCE_END.search(stripped) or len(words) >= 8:
        return Line(stripped, Kind.PROSE)
    if re.fullmatch(r"[\d\W_]+", stripped):
        return Line(stripped, Kind.CHROME)
    return Line(stripped, Kind.SHORT)


def read_text_dump(text: str, *, source_name: str = "input") -> Article:
    """Clean a text dump of a news page and find its sections."""
    lines = [_classify(raw) for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    content = [line for line in lines if line.kind is not Kind.BLANK]
    if not content:
        raise InputError(f"{source_name}: the file is empty")

    title = _find_title(lines)
    if title is None:
        raise InputError(f"{source_name}: no article text found (only page chrome: menus, widgets, lists)")
    blocks = _blocks(line for line in lines if not (line.kind is not Kind.BLANK and line.text == title))
    builder = _DumpWalker()
    for block in blocks:
        builder.add(block)
    sections = builder.finish()
    if not any(s.role is not Role.HEADLINE for s in sections) or not _has_prose(sections):
        raise InputError(f"{source_name}: no article text found (only page chrome: menus, widgets, lists)")

    body = next((s for s in sections if s.role is Role.BODY), None)
    dateline, agency = _dateline(body.paragraphs[0]) if body else (None, None)
    meta = ArticleMeta(
        title=title,
        publisher=builder.byline_name or agency,
        author=builder.byline_author,
        date=builder.byline_date,
        dateline=dateline,
        description=next((" ".join(s.paragraphs) for s in sections if s.role is Role.SYNOPSIS), None),
    )
    return Article(meta=meta, sections=(Section(Role.HEADLINE, (title,)), *sections))


def _find_title(lines: list[Line]) -> str | None:
    """The first line that reads like a headline: several words, not chrome, not a section heading."""
    for line in lines:
        if line.kind in (Kind.SHORT, Kind.PROSE) and len(line.text.split()) >= 3 and len(line.text) <= 200:
            return line.text.rstrip()
    return None


def _has_prose(sections: list[Section]) -> bool:
    return any(len(p.split()) >= 6 for s in sections for p in s.paragraphs)


def _blocks(lines: object) -> list[list[Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[Line]] = [[]]
    for line in lines:  # type: ignore[attr-defined]
        if line.kind is Kind.BLANK:
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(line)
    return [b for b in blocks if b]


def _dateline(paragraph: str) -> tuple[str | None, str | None]:
    """The dateline as written ("RIVERTON, March 2") and its agency; a text dump's dateline has a date."""
    found = find_dateline(paragraph)
    if found is None or found.date is None:
        return None, None
    return found.written, found.agency


class _DumpWalker:
    """Walks the blocks of a dump in order and decides what each line is; the sections themselves
    are collected by the shared :class:`~narrate.sources.sections.SectionBuilder`.

    State: the role being filled, whether the article proper has started, and whether we are in the
    trailer (after the content, where only a heading or two prose paragraphs bring us back).
    """

    def __init__(self) -> None:
        self.out = SectionBuilder()
        self.role: Role | None = None  # None: before the first section or heading
        self.heading: str | None = None
        self.in_trailer = False
        self.pending_prose: list[str] = []  # prose seen in the trailer, kept until it proves to be article
        self.byline_name: str | None = None
        self.byline_author: str | None = None
        self.byline_date: dt.date | None = None

    def add(self, block: list[Line]) -> None:
        for index, line in enumerate(block):
            self._line(line, block, index)
        self._end_block()

    def _line(self, line: Line, block: list[Line], index: int) -> None:
        if line.kind is Kind.HEADING:
            self._leave_trailer(keep_pending=False)
            self._flush()
            self.role = line.role
            self.heading = line.text
            return
        if line.kind is Kind.DATE:
            self._byline(line, block, index)
            return
        if line.kind is Kind.CHROME:
            self._chrome()
            return
        if line.kind is Kind.SHORT:
            self._short(line, block, index)
            return
        self._prose(line)

    def _byline(self, line: Line, block: list[Line], index: int) -> None:
        if self.byline_date is None:
            self.byline_date = parse_date(line.text)
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(block) and block[neighbour].kind is Kind.SHORT:
                by = BYLINE.match(block[neighbour].text)
                if by:
                    self.byline_author = self.byline_author or by["name"]
                else:
                    self.byline_name = self.byline_name or block[neighbour].text
        # A byline closes the section before it, but it is metadata, not the start of the page's trailer.
        self._flush()

    def _short(self, line: Line, block: list[Line], index: int) -> None:
        neighbours = [block[i] for i in (index - 1, index + 1) if 0 <= i < len(block)]
        if any(n.kind is Kind.DATE for n in neighbours):
            return  # the publisher or author beside a date; recorded by _byline
        # Items of a takeaways list are the lines of one block; a lone short line after it is chrome.
        if self.role is Role.TAKEAWAYS and not self.in_trailer and len(block) > 1:
            self._add(_as_sentence(line.text))
            return
        self._chrome()

    def _prose(self, line: Line) -> None:
        if self.in_trailer:
            self.pending_prose.append(line.text)
            if len(self.pending_prose) >= 2:
                self._leave_trailer(keep_pending=True)
            return
        if self.role is None:
            self.role = Role.BODY
        if self.role is Role.FAQ_QUESTION:
            self._faq_line(line.text)
            return
        if self.role is Role.TAKEAWAYS:
            self._add(_as_sentence(line.text))
            return
        self._add(line.text)

    def _add(self, paragraph: str) -> None:
        if self.out.role is None:
            self.out.open(self.role or Role.BODY, self.heading)
        self.out.add(paragraph)

    def _end_block(self) -> None:
        # A synopsis is one paragraph and a takeaways list one block: prose after them is the story.
        if self.role in SINGLE_BLOCK_ROLES and self.out.paragraphs and not self.in_trailer:
            self._flush()

    def _faq_line(self, text: str) -> None:
        # Under an FAQ heading every question and answer carries that heading (their chapter title).
        if text.rstrip().endswith("?"):
            self.out.question(text, self.heading, answer_heading=self.heading)
        elif self.out.role is Role.FAQ_ANSWER:
            self.out.add(text)
        # Prose in an FAQ before any question is an introduction the narration's own words replace.

    def _chrome(self) -> None:
        if self.role is None:
            return  # page header before the article: share buttons, audio widget
        self._flush()
        self.in_trailer = True

    def _leave_trailer(self, *, keep_pending: bool) -> None:
        if self.in_trailer and keep_pending:
            self.in_trailer = False
            if self.role in (None, Role.FAQ_QUESTION, Role.TAKEAWAYS):
                self.role = Role.BODY
                self.heading = None
            for text in self.pending_prose:
                self._prose(Line(text, Kind.PROSE))
        self.in_trailer = False
        self.pending_prose = []

    def _flush(self) -> None:
        if self.out.close() and self.role in SINGLE_BLOCK_ROLES:
            self.role, self.heading = Role.BODY, None

    def finish(self) -> list[Section]:
        self._leave_trailer(keep_pending=False)
        self._flush()
        return _merge_adjacent(self.out.sections)


def _merge_adjacent(sections: list[Section]) -> list[Section]:
    """Join consecutive sections of one role and heading that a byline or widget split apart."""
    merged: list[Section] = []
    for section in sections:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.role is section.role
            and previous.heading == section.heading
            and section.role not in (Role.FAQ_QUESTION, Role.FAQ_ANSWER)
        ):
            merged[-1] = Section(section.role, previous.paragraphs + section.paragraphs, section.heading)
        else:
            merged.append(section)
    return merged


def _as_sentence(item: str) -> str:
    """A list item as a sentence: end punctuation added so it is read with a falling tone."""
    return item if SENTENCE_END.search(item) else item + "."
