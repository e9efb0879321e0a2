"""Months, dates and datelines: the one table every reader and the normalizer share.

Rules are data: the month names and their abbreviations are listed once, and every pattern is built
from them. A month is written in full or abbreviated ("Dec", "Sept"), with or without a period.

- :func:`parse_date`: the first full date in a text (day month year, month day year, or ISO);
- :data:`DATE_LINE_PATTERN`: a line or paragraph that is only a date ("Updated: Dec. 25, 2025, 10:05 KST");
- :data:`RELATIVE_TIME_PATTERN`: a relative time standing alone ("3 hours ago", "Latest an hour ago");
- :func:`find_dateline`: where and when a wire story was filed, at the start of its first paragraph
  ("SEOUL, Dec. 25 (Yonhap) --", "Seoul, December 25 (NationPress) –", "WASHINGTON (AP) —").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

MONTH_ABBREVIATIONS: dict[str, str] = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Jun": "June",
    "Jul": "July",
    "Aug": "August",
    "Sep": "September",
    "Sept": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}
"""Abbreviated months ("May" has none); each is also read with a period ("Dec.", "Sept.")."""


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


MONTH_PATTERN = rf"(?:{_alternation([*MONTH_NAMES, *MONTH_ABBREVIATIONS])})\.?"
"""A month, full or abbreviated, with an optional period, as written (compile with re.I to ignore case)."""


def month_name(written: str) -> str:
    """The full name of a month written in full or abbreviated, in any case ("SEPT." -> "September")."""
    key = written.rstrip(".").casefold()
    for name in MONTH_NAMES:
        if key == name.casefold():
            return name
    for abbreviation, name in MONTH_ABBREVIATIONS.items():
        if key == abbreviation.casefold():
            return name
    raise ValueError(f"not a month: {written!r}")


def month_number(written: str) -> int:
    """1 for "January", "Jan" or "jan.", ... 12 for "Dec."; ValueError for anything else."""
    return MONTH_NAMES.index(month_name(written)) + 1


_DAY_MONTH_YEAR = rf"(?P<day>\d{{1,2}})\s+(?P<month>{MONTH_PATTERN})\s*,?\s+(?P<year>\d{{4}})"
_MONTH_DAY_YEAR = rf"(?P<month>{MONTH_PATTERN})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(?P<year>\d{{4}})"
_ISO_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"

DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE) for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _ISO_DATE)
)
"""Full dates, tried in this order: day month year, month day year, ISO."""


def parse_date(text: str) -> dt.date | None:
    """The first full date written in ``text`` (day month year, month day year, or ISO); None if none."""
    for pattern in DATE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        month = match["month"]
        try:
            number = int(month) if month.isdigit() else month_number(month)
            return dt.date(int(match["year"]), number, int(match["day"]))
        except ValueError:
            continue
    return None


DATE_LINE_PATTERN = (
    r"(?:(?:last\s+)?(?:published|updated|posted)(?:\s+on)?(?:\s*:\s*|\s+)(?:on\s+)?)?"
    r"(?:\w+day,?\s+)?"
    rf"(?:\d{{1,2}}\s+{MONTH_PATTERN}\s*,?\s+\d{{4}}|{MONTH_PATTERN}\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
    r"(?:[ ,|·-]+\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[a-z]{1,4})?)?"
)
"""A text that is only a date, maybe with its time and a "Published:" label (match whole, with re.I)."""

DATE_LINE = re.compile(DATE_LINE_PATTERN, re.IGNORECASE)

RELATIVE_TIME_PATTERN = (
    r"(?:\d+[.)]\s*)?(?:latest|updated|new)?\s*(?:\d+|an?|one)\s+"
    r"(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\.?"
)
"""A relative time standing alone, as in lists of related stories: "2 months ago", "Latest 3 hours ago"
(match whole, with re.I)."""

RELATIVE_TIME = re.compile(RELATIVE_TIME_PATTERN, re.IGNORECASE)


_PLACE_WORD = r"[A-Z][\w.'’/\-]*"
_PLACE_PARTICLES = r"(?:de|del|da|do|dos|la|le|el|al|am|upon|sur)"
"""Lower-case words inside a place name ("Rio de Janeiro", "Frankfurt am Main")."""
_PLACE = rf"{_PLACE_WORD}(?: (?:{_PLACE_WORD}|{_PLACE_PARTICLES}(?= [A-Z]))){{0,4}}"
_REGION = rf"(?:,\s*(?!(?i:{MONTH_PATTERN})\s+\d){_PLACE_WORD}(?: {_PLACE_WORD}){{0,2}})?"
DATELINE = re.compile(
    rf"^(?P<place>{_PLACE}{_REGION})"
    rf"(?:,\s*(?P<date>(?P<month>(?i:{MONTH_PATTERN}))\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?))?"
    r"(?P<agency_part>\s*\((?P<agency>[^\W\d_][\w .&'’/-]{1,39})\))?"
    r"(?:\s*(?:--|[-–—―])\s*|(?<=\))\s*:\s*|(?<=\))\s*(?=[A-Z\"“]))"
)
"""A dateline: place (a region after a comma), then maybe a date (month in any case) and a news agency
in brackets, then a dash (after an agency, a colon or the story's first capital will do)."""


@dataclass(frozen=True)
class Dateline:
    """Where and when a story was filed, as found at the start of its first paragraph."""

    place: str
    """As written: "SEOUL", "Harbor City", "LITTLE ROCK, Ark."."""
    date: str | None = None
    """The date as written ("Dec. 25"), or None for a dateline with only a place and an agency."""
    month: str | None = None
    """The month's full name ("December")."""
    day: int | None = None
    year: int | None = None
    agency: str | None = None
    """The news agency in brackets ("Yonhap", "AP")."""
    head_end: int = 0
    """Where the place and date end in the paragraph (before the agency and the dash)."""
    end: int = 0
    """Where the story proper starts in the paragraph, after the dash."""

    @property
    def written(self) -> str:
        """Place and date as written: "RIVERTON, March 2"."""
        return f"{self.place}, {self.date}" if self.date else self.place

    def __str__(self) -> str:
        """Place (capitalized, if written in capitals) and date, month in full: "Seoul, December 25"."""
        place = " ".join(w.capitalize() for w in self.place.split()) if self.place.isupper() else self.place
        if self.month is None:
            return place
        return f"{place}, {self.month} {self.day}" + (f", {self.year}" if self.year else "")


def find_dateline(paragraph: str, *, bare: bool = False) -> Dateline | None:
    """The dateline opening ``paragraph``: a place with a date, an agency or both; None if there is none.

    ``bare``: a place alone before a dash counts too ("SEOUL -- ..."); only a caller that has other
    evidence of a wire story should take it, since many ordinary sentences have that shape.
    """
    match = DATELINE.match(paragraph)
    if match is None or not (bare or match["month"] or match["agency"]):
        return None
    month = match["month"]
    return Dateline(
        place=match["place"].strip(),
        date=match["date"],
        month=month_name(month) if month else None,
        day=int(match["day"]) if match["day"] else None,
        year=int(match["year"]) if match["year"] else None,
        agency=match["agency"],
        head_end=match.end("date") if month else match.end("place"),
        end=match.end(),
    )
