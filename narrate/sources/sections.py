"""From a document's blocks (headings, paragraphs, lists, quotes) to an article's sections.

The HTML and Markdown readers each turn their input into the same flat list of :class:`Block`
values; this module decides roles, drops boilerplate and finds FAQ pairs and the dateline, so every
input is read by the same rules. Rules are data: compiled patterns at the top of the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from narrate.model import Role, Section
from narrate.sources.coverage import recall
from narrate.sources.coverage import words as count_words
from narrate.sources.dates import DATE_LINE_PATTERN, MONTH_PATTERN, RELATIVE_TIME_PATTERN, find_dateline
from narrate.sources.headings import is_boilerplate_heading, role_for_heading

BlockKind = Literal["heading", "paragraph", "list", "quote"]


@dataclass(frozen=True)
class Block:
    """One block of a document in reading order.

    ``texts`` holds one string for a heading or paragraph, one per item for a list, one per
    paragraph for a quote. ``level`` is the heading level (1-6), or 0 for a heading whose level is
    unknown (a ``<summary>``, say), which is read as a sub-heading of whatever is open.
    """

    kind: BlockKind
    texts: tuple[str, ...]
    level: int = 0


TABLE_NOTE = "A table is omitted here; see the article."
"""Read where a table too large to read aloud stood, so the listener knows something was left out."""
CODE_NOTE = "A code listing is omitted here; see the article."
"""Read where a code listing stood: code read aloud is noise to a listener, and silence would hide that
the article shows something here."""
NOTES = (TABLE_NOTE, CODE_NOTE)

SMALL_TABLE_ROWS = 6
SMALL_TABLE_COLUMNS = 4
"""A table up to this size is read row by row as sentences ("Row: value, value.")."""
PROSE_CELL_WORDS = 12
"""A table with a cell this long holds prose laid out in a grid (a list of films with their plots):
every row is read, whatever the table's size."""


def table_blocks(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[Block]:
    """A table (its header row, if any, and its body rows of cell texts) as paragraphs, the same from HTML
    and Markdown: a small one row by row ("2024: Basic fare 1,400 won."), one of prose cells row by row, a
    larger one as :data:`TABLE_NOTE` (never silently dropped)."""
    rows = [list(row) for row in rows if any(row)]
    if not rows:
        return
    columns = max(len(row) for row in rows)
    prose = any(len(cell.split()) >= PROSE_CELL_WORDS for row in rows for cell in row)
    if not prose and (len(rows) > SMALL_TABLE_ROWS or columns > SMALL_TABLE_COLUMNS):
        yield Block("paragraph", (TABLE_NOTE,))
        return
    for row in rows:
        cells = [cell for cell in row if cell]
        if prose or len(cells) == 1:
            yield Block("paragraph", (_sentence(", ".join(cells)),))
            continue
        if len(header) == len(row):
            values = [f"{name} {cell}".strip() for name, cell in zip(header[1:], row[1:], strict=True) if cell]
        else:
            values = cells[1:]
        yield Block("paragraph", (_sentence(f"{row[0] or cells[0]}: {', '.join(values)}"),))


def _sentence(text: str) -> str:
    return text if re.search(r"[.!?…。！？]$", text) else text + "."


# Paragraphs that are page furniture, not prose; matched against the whole paragraph.
BOILERPLATE_PARAGRAPHS: tuple[str, ...] = (
    r"getting your trinity audio player ready.*",
    r"(audio\s+)?loading voice.*",
    r"listen to (this|the) (article|story)( now)?\W*(\d+\s*min(utes?)?\W*)?",
    r"(play|pause) (audio|article)\W*",
    r"(read|see|watch) (more|also)\s*[:>»›|-].*",
    r"(also read|related|related stories|related articles|recommended)\s*[:>»›|-].*",
    r"share (this|on)\b.{0,60}",
    r"(sign up|subscribe) (for|to) (our|the) .{0,80}newsletter.*",
    r"(advertisement|sponsored content|scroll to continue|continue reading below)\W*",
    r"(copy link|copied!?|click to share.*)",
    DATE_LINE_PATTERN,
    RELATIVE_TIME_PATTERN,
    # A section label with the time and date stamped above a wire story ("All News 15:34 April 19, 2023").
    rf"(?:[a-z&']+\s+){{1,3}}(?:{DATE_LINE_PATTERN})",
    rf"(?:[a-z&']+\s+){{0,3}}\d{{1,2}}:\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{{2,4}})?,?\s+"
    rf"(?:{MONTH_PATTERN}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}})",
    r".*\b(newest|latest|oldest|most recent) first\W*",
    # A video or gallery player's controls and dialogs, which some players write into the page as text
    # (Video.js: "This is a modal window.", "subtitles off, selected").
    r"this is a modal window\b.*|(beginning|end) of dialog window\W*",
    r"(captions|subtitles|descriptions|chapters|audio track)( off| settings)?(, (selected|opens .*))?",
    r"captions will look like this\W*|\d{1,3}% \((opaque|transparen\w*|semi-transparent)\)",
    r"(play|pause|replay|mute|unmute|(non-)?fullscreen|close|thumbnails|play video|next slide|previous slide)",
    r"\d{1,3}\s*(/|of)\s*\d{1,3}",  # a gallery's slide counter on its own ("1 of 5")
    r"(unfortunately,? )?this (video|content) is (not|no longer) available\b.{0,60}",
    r"(the )?next video (starts|will start|plays) in\b.{0,40}|up next\W*",
    # labels over share buttons and reading lists, which some pages set as headings over the story
    r"like this\W*|(other )?people are (also )?reading\W*|(compartilhe|compartir|partager|teilen|condividi)\W*",
)
SHORT_FRAGMENT_WORDS = 3
"""A paragraph this short without closing punctuation is a label ("3 Dots", a logo), not prose."""
_SENTENCE_END = re.compile(r"[.!?…:;\"”’')\]。！？」』）]$")

# Captions and credits that an extractor sometimes keeps as paragraphs: short text that names a
# photo source. Body prose rarely ends with an agency in brackets and nothing else.
CAPTION_PATTERNS: tuple[str, ...] = (
    r"(photo|image|picture|graphic|video)s?\s*(credit|courtesy)?\s*[:/(].{0,120}",
    r".{0,300}\((photo|image|picture)s?\s*(credit|courtesy)?[^)]{0,80}\)",
    r".{0,300}\((yonhap|reuters|ap|afp|getty images|epa|xinhua|newsis|news1)\)",
    r".{0,300}\bphoto credit:.{0,80}",
    r".{0,300}/\s*(getty images|reuters|ap photo|afp|epa|shutterstock)\W*",
)
CAPTION_MAX_WORDS = 60

# One alternation each, matched against the whole paragraph: one regex pass per paragraph.
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PARAGRAPHS), re.IGNORECASE)
_CAPTION = re.compile("|".join(f"(?:{p})" for p in CAPTION_PATTERNS), re.IGNORECASE)

# Marks a wire story ends with, and the reporter's address: stripped from the end of a paragraph
# (repeatedly: "... said. hague@yna.co.kr (END)"); a paragraph left empty is dropped.
WIRE_END_MARKS: tuple[str, ...] = (
    r"\(END\)", r"-\s?30\s?-", r"#{3}",
    r"\((?:additional\s+)?(?:reporting|writing|compiled|edited)\s+by\b[^()]{0,300}\)",
    r"(?:(?<=[.!?\"”’)])|^)\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"(?:(?<=[.!?\"”’)])|^)\s*/[a-z]{2,3}",  # editor's initials ("/gh")
)
_WIRE_END = re.compile(r"(?:\s*(?:" + "|".join(WIRE_END_MARKS) + r"))+\s*$", re.IGNORECASE)


def strip_wire_marks(paragraph: str) -> str:
    """The paragraph without trailing wire end marks, credits and the reporter's e-mail."""
    return _WIRE_END.sub("", paragraph).strip()


# " | Yonhap News Agency", "BBC News - ": a site's name around a page title, split off when it is the
# publisher's name (or the site's host) and the rest still reads as a title.
TITLE_SEPARATORS = re.compile(r"\s+[|–—·:-]{1,2}\s+|\s*::\s*|\s+\|\s*|\s*\|\s+")


def strip_site_name(title: str, names: Iterable[str | None]) -> str:
    """The title without a site-name prefix or suffix that matches one of ``names``."""
    wanted = {_squashed(name) for name in names if name and _squashed(name)}
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not wanted:
        return title
    def is_site(part: str) -> bool:
        squashed = _squashed(part)
        return bool(squashed) and any(squashed == name or squashed in name or name in squashed
                                      for name in wanted) and len(part.split()) <= 6
    separators = TITLE_SEPARATORS.findall(title)
    if is_site(parts[-1]):
        kept = title[: len(title) - len(parts[-1]) - len(separators[-1])]
        return kept.strip() if len(kept.split()) >= 2 else title
    if is_site(parts[0]):
        kept = title[len(parts[0]) + len(separators[0]):]
        return kept.strip() if len(kept.split()) >= 2 else title
    return title


QUESTION_PREFIX = re.compile(r"^(q|question)\s*[:.]\s+", re.IGNORECASE)
ANSWER_PREFIX = re.compile(r"^(a|answer)\s*[:.]\s+", re.IGNORECASE)
# "A:" alone would also open ordinary sentences ("A. Smith said ..."), so an answer is only an
# answer right after a question.

def is_boilerplate(paragraph: str, *, publisher: str | None = None, fragment_check: bool = False) -> bool:
    """True for widget text, "Read more" links, share prompts, photo captions, bare dates and the
    publisher's name on its own; with ``fragment_check``, also for short labels without punctuation."""
    text = paragraph.strip()
    if _BOILERPLATE.fullmatch(text):
        return True
    if publisher and _squashed(text) == _squashed(publisher):
        return True
    words = len(count_words(text))
    if fragment_check and words <= SHORT_FRAGMENT_WORDS and not _SENTENCE_END.search(text):
        return True
    return words <= CAPTION_MAX_WORDS and _CAPTION.fullmatch(text) is not None


def _squashed(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


def clean_text(text: str) -> str:
    """Whitespace collapsed to single spaces; line breaks become spaces too."""
    return " ".join(text.split())


def split_qa_lines(paragraph: str) -> list[str]:
    """A paragraph holding "Q: ...<br>A: ..." split at the line that starts the answer or question."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    if len(lines) < 2 or not any(QUESTION_PREFIX.match(line) for line in lines):
        return [paragraph]
    parts: list[str] = []
    for line in lines:
        if parts and not (QUESTION_PREFIX.match(line) or ANSWER_PREFIX.match(line)):
            parts[-1] += " " + line
        else:
            parts.append(line)
    return parts


class SectionBuilder:
    """Collects paragraphs into sections, opening a new one whenever the role or heading changes.

    Every reader fills its sections through one of these. A question is held back until its answer
    has a paragraph, so FAQ sections always alternate question, answer and a question nobody
    answered is not read out.
    """

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.role: Role | None = None
        """The role of the section being filled; None when none is open."""
        self.heading: str | None = None
        self.paragraphs: list[str] = []
        self._question: str | None = None
        self._question_heading: str | None = None

    def open(self, role: Role, heading: str | None = None) -> None:
        """Close the section being filled and start one with this role and heading."""
        self.close()
        self.role, self.heading = role, heading

    def question(self, text: str, heading: str | None = None, *, answer_heading: str | None = None) -> None:
        """Hold an FAQ question (under ``heading``) until its answer, under ``answer_heading``, starts."""
        self.close()
        self._question, self._question_heading = text, heading
        self.role, self.heading = Role.FAQ_ANSWER, answer_heading

    def add(self, paragraph: str) -> None:
        """Add a paragraph to the open section (a body section if none is open), without the wire end
        marks that close it; a paragraph that was only such marks is dropped."""
        paragraph = strip_wire_marks(paragraph)
        if not paragraph:
            return
        if self.role is None:
            self.role = Role.BODY
        if self._question is not None:
            self.sections.append(Section(Role.FAQ_QUESTION, (self._question,), self._question_heading))
            self._question = None
        self.paragraphs.append(paragraph)

    def close(self) -> bool:
        """End the open section; True if it had paragraphs (and so was kept)."""
        kept = self.role is not None and bool(self.paragraphs)
        if kept and self.role is not None:
            self.sections.append(Section(self.role, tuple(self.paragraphs), self.heading))
        self.role, self.heading, self.paragraphs, self._question = None, None, [], None
        return kept


@dataclass
class _Mode:
    """Where the walk over blocks is: what the last heading opened, and at what level."""

    role: Role = Role.BODY
    heading: str | None = None
    level: int = 0
    faq: bool = False
    """Under a FAQ heading: sub-headings and short paragraphs ending in "?" are questions."""
    skipping: bool = False
    """Under a "Related stories" style heading: drop everything up to the next heading."""

    def take_faq_heading(self) -> str | None:
        """The FAQ heading for the first question under it (its chapter title), then None."""
        heading, self.heading = (self.heading, None) if self.faq else (None, self.heading)
        return heading


QUESTION_MAX_WORDS = 40


def build_sections(
    blocks: Iterable[Block],
    *,
    title: str,
    description: str | None = None,
    publisher: str | None = None,
    faq: Sequence[tuple[str, str]] = (),
    strict: bool = True,
) -> tuple[Section, ...]:
    """The sections of an article from its blocks, headline first.

    ``description`` (a meta description or front-matter summary) becomes the synopsis unless the
    text has its own synopsis section or the description merely repeats the opening paragraph.
    ``faq`` holds question/answer pairs found outside the text (JSON-LD); those the text does not
    already ask are added at the end. A paragraph that is just the ``publisher``'s name is a
    signature and is dropped. ``strict=False`` keeps short paragraphs without end punctuation
    (labels, most often, but sometimes article text), for when the strict reading lost too much.
    """
    out = SectionBuilder()
    mode = _Mode()
    qa_run = False  # inside a "Q: ... A: ..." run outside any FAQ heading

    for block in _drop_title_heading(without_galleries(list(blocks)), title):
        if block.kind == "heading":
            heading = clean_text(block.texts[0])
            if not heading or is_boilerplate(heading, publisher=publisher):
                continue  # a date stamp or the site's name set as a heading: no heading, nor chrome to read
            qa_run = False
            if mode.faq and (block.level == 0 or block.level > mode.level or heading.endswith("?")):
                out.question(heading, mode.take_faq_heading())
                continue
            if mode.skipping and (block.level == 0 or block.level > mode.level):
                continue
            mode = _Mode(level=block.level)
            if is_boilerplate_heading(heading):
                mode.skipping = True
                out.close()
                continue
            role = role_for_heading(heading) or Role.BODY
            if role is Role.FAQ_QUESTION:
                # The FAQ heading opens no chapter of its own; its questions do. Text before the
                # first question is an introduction, read as body under that heading.
                mode.faq, mode.heading = True, heading
                out.open(Role.BODY, heading)
            else:
                mode.role, mode.heading = role, heading
                out.open(role, heading)
            continue
        if mode.skipping:
            continue

        if block.kind == "quote":
            paragraphs = [p for p in (clean_text(t) for t in block.texts)
                          if p and not is_boilerplate(p, publisher=publisher)]
            if paragraphs:
                answering = out.role is Role.FAQ_ANSWER
                out.open(Role.QUOTE)
                for paragraph in paragraphs:
                    out.add(paragraph)
                out.open(Role.FAQ_ANSWER if answering else mode.role)
            continue

        if block.kind == "list" and mode.role is Role.TAKEAWAYS and out.role is Role.TAKEAWAYS:
            # A takeaways box is one list; the paragraphs after it are the story again.
            for item in block.texts:
                if (paragraph := clean_text(item)) and not is_boilerplate(paragraph, publisher=publisher):
                    out.add(paragraph)
            mode.role, mode.heading = Role.BODY, None
            out.close()
            continue
        texts = block.texts if block.kind == "list" else tuple(split_qa_lines(block.texts[0]))
        for raw in texts:
            paragraph = clean_text(raw)
            if not paragraph or is_boilerplate(paragraph, publisher=publisher,
                                                fragment_check=strict and block.kind == "paragraph"):
                continue
            if match := QUESTION_PREFIX.match(paragraph):
                out.question(paragraph[match.end():], mode.take_faq_heading())
                qa_run = not mode.faq
                continue
            if out.role is Role.FAQ_ANSWER and (match := ANSWER_PREFIX.match(paragraph)):
                out.add(paragraph[match.end():])
                continue
            if mode.faq and block.kind == "paragraph" and paragraph.endswith("?") \
                    and len(paragraph.split()) <= QUESTION_MAX_WORDS:
                out.question(paragraph, mode.take_faq_heading())
                continue
            if mode.role in (Role.SYNOPSIS, Role.TAKEAWAYS) and find_dateline(paragraph):
                # A standfirst box has no closing tag in the text; the dateline opens the story.
                mode.role, mode.heading = Role.BODY, None
                out.open(Role.BODY)
            if qa_run:
                # An unmarked paragraph ends a Q:/A: run in the body.
                qa_run = False
                out.open(mode.role)
            if out.role is None:
                out.open(mode.role)
            out.add(paragraph)
    out.close()

    sections = [*out.sections, *_missing_faq(out.sections, faq)]
    head = [Section(Role.HEADLINE, (clean_text(title),))]
    if description and not any(s.role is Role.SYNOPSIS for s in sections) \
            and not _repeats_opening(description, sections) and not _repeats_heading(description, title, sections):
        head.append(Section(Role.SYNOPSIS, (clean_text(description),)))
    return (*head, *sections)


SLIDE = re.compile(r"(\d{1,3})\s*/\s*(\d{1,3})\s+\S")
"""A photo gallery's slide caption, numbered "12/50 Caption text"."""
GALLERY_MIN_SLIDES = 3


def without_galleries(blocks: list[Block]) -> list[Block]:
    """The blocks without photo galleries: runs of at least three paragraphs (or list items) numbered as
    slides of one gallery ("1/50 ...", "2/50 ..."). The captions of other stories' photos set inside an
    article (on the extraction-dev set, 50 slides of business news in the middle of a hotel story) are
    never the article's text."""
    texts = [(index, text) for index, block in enumerate(blocks) if block.kind in ("paragraph", "list")
             for text in block.texts]
    slides = [(int(m[1]), int(m[2])) if (m := SLIDE.match(text)) and 0 < int(m[1]) <= int(m[2]) else None
              for _, text in texts]
    dropped: set[int] = set()  # positions in texts
    start = 0
    while start < len(texts):
        end = start + 1
        first = slides[start]
        while first and end < len(texts) and (slide := slides[end]) and (previous := slides[end - 1]) \
                and slide == (previous[0] + 1, first[1]):
            end += 1
        if first and end - start >= GALLERY_MIN_SLIDES:
            dropped.update(range(start, end))
        start = end
    if not dropped:
        return blocks
    gone = {(texts[position][0], texts[position][1]) for position in dropped}
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        remaining = tuple(text for text in block.texts if (index, text) not in gone)
        if remaining:
            kept.append(block if remaining == block.texts else Block(block.kind, remaining, block.level))
    return kept


def _drop_title_heading(blocks: list[Block], title: str) -> list[Block]:
    """The blocks without the heading that repeats the title (it becomes the headline section), or a
    paragraph that does (a title set in a <div>, which would be read twice)."""
    wanted = comparable(title)
    for index, block in enumerate(blocks[:5]):
        if block.kind in ("heading", "paragraph") and comparable(block.texts[0]) == wanted:
            return blocks[:index] + blocks[index + 1:]
    return blocks


def comparable(text: str) -> str:
    """Text reduced to case-folded words, for telling whether two texts say the same thing."""
    return re.sub(r"\W+", " ", text).strip().casefold()


SYNOPSIS_MAX_SHARED = 0.6
"""A description sharing more of its word 4-grams with the opening paragraphs repeats them."""


CUT_OFF = re.compile(r"(\.\.\.|…)\W*$")
"""A description ending like this was cut off by the site (often the lede's first words): never read
and never an episode's description."""


def is_cut_off(description: str) -> bool:
    """True for a description the site cut off ("The government will expand export insurance for...")."""
    return CUT_OFF.search(description.strip()) is not None


def _repeats_opening(description: str, sections: Sequence[Section]) -> bool:
    """True when a meta description adds nothing: the opening paragraph, a cut-off copy ("..."), or a
    near-duplicate of the opening paragraphs."""
    if is_cut_off(description):
        return True
    opening = "\n".join(p for s in sections[:3] for p in s.paragraphs[:3])
    if recall(opening, description) >= SYNOPSIS_MAX_SHARED and len(description.split()) >= 8:
        return True
    wanted = comparable(description).removesuffix(" ")
    for section in sections[:3]:
        for paragraph in section.paragraphs[:2]:
            text = comparable(paragraph)
            if text.startswith(wanted[: max(40, len(wanted) - 5)]) or wanted.startswith(text):
                return True
    return False


def _repeats_heading(description: str, title: str, sections: Sequence[Section]) -> bool:
    """True when a description is the headline again (a page that copies its title into the description)
    or a sub-heading the text already reads (a standfirst the page sets as a heading)."""
    wanted = comparable(description)
    return wanted in {comparable(title), *(comparable(s.heading) for s in sections if s.heading)}


def _missing_faq(sections: Sequence[Section], faq: Sequence[tuple[str, str]]) -> list[Section]:
    """FAQ sections for the pairs whose question the text does not already ask."""
    asked = {comparable(p) for s in sections if s.role is Role.FAQ_QUESTION for p in s.paragraphs}
    extra: list[Section] = []
    for question, answer in faq:
        question, answer = clean_text(question), clean_text(answer)
        if question and answer and comparable(question) not in asked:
            asked.add(comparable(question))
            extra += [Section(Role.FAQ_QUESTION, (question,)), Section(Role.FAQ_ANSWER, (answer,))]
    return extra


def has_article_text(sections: Sequence[Section]) -> bool:
    """True when there is more than a headline and a synopsis taken from the page's description."""
    return any(s.role is not Role.HEADLINE and not (s.role is Role.SYNOPSIS and s.heading is None)
               for s in sections)


def dateline_of(sections: Sequence[Section]) -> str | None:
    """The dateline opening the first body paragraph, formatted "Seoul, December 25"."""
    for section in sections:
        if section.role is Role.BODY:
            found = find_dateline(section.paragraphs[0])
            return str(found) if found else None
    return None
