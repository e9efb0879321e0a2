"""The one table of months, dates and datelines that the readers and the normalizer share."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrate.sources.dates import (
    DATE_LINE,
    MONTH_ABBREVIATIONS,
    MONTH_NAMES,
    RELATIVE_TIME,
    find_dateline,
    month_name,
    month_number,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("25 December 2025", dt.date(2025, 12, 25)),
        ("Posted 3 Jun 2024, 10:00", dt.date(2024, 6, 3)),
        ("December 25, 2025", dt.date(2025, 12, 25)),
        ("Updated: Dec. 25, 2025, 10:05 KST", dt.date(2025, 12, 25)),
        ("Sept. 3, 2024", dt.date(2024, 9, 3)),
        ("Sept 3rd 2024", dt.date(2024, 9, 3)),
        ("Sep 3 2024", dt.date(2024, 9, 3)),
        ("Jun. 1, 2020", dt.date(2020, 6, 1)),
        ("june 1st, 2020", dt.date(2020, 6, 1)),
        ("2026-03-03", dt.date(2026, 3, 3)),
        ("February 30, 2024", None),
        ("in May 2020", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


def test_day_month_year_wins_over_month_day_year() -> None:
    assert parse_date("Dec 1, 2020 or 5 Jan 2021") == dt.date(2021, 1, 5)


@pytest.mark.parametrize(
    ("written", "name"),
    [("Dec", "December"), ("Dec.", "December"), ("SEPT.", "September"), ("sep", "September"),
     ("May", "May"), ("june", "June"), ("Jun.", "June")],
)
def test_month_names(written: str, name: str) -> None:
    assert month_name(written) == name


@pytest.mark.parametrize("written", ["Mayo", "Janu", "Sepember", ""])
def test_not_a_month(written: str) -> None:
    with pytest.raises(ValueError):
        month_number(written)


@given(st.sampled_from(MONTH_NAMES), st.integers(1, 28), st.integers(1900, 2100),
       st.sampled_from([str, str.upper, str.lower]))
def test_every_month_round_trips(name: str, day: int, year: int, case: object) -> None:
    number = MONTH_NAMES.index(name) + 1
    spellings = [name, *(f"{a}{dot}" for a, full in MONTH_ABBREVIATIONS.items() if full == name for dot in ("", "."))]
    for spelling in spellings:
        written = case(spelling)  # type: ignore[operator]
        assert month_number(written) == number
        assert parse_date(f"{day} {written} {year}") == dt.date(year, number, day)
        assert parse_date(f"{written} {day}, {year}") == dt.date(year, number, day)


@pytest.mark.parametrize(
    ("line", "is_date"),
    [
        ("10 May 2026", True),
        ("Updated: December 25, 2025, 10:05 KST", True),
        ("Published on: Dec. 25, 2025 | 10:05 AM", True),
        ("Last updated Tuesday, Sept. 2, 2025", True),
        ("2025-12-25", True),
        ("The meeting was moved to 10 May 2026.", False),
    ],
)
def test_date_lines(line: str, is_date: bool) -> None:
    assert (DATE_LINE.fullmatch(line) is not None) is is_date


@pytest.mark.parametrize(("line", "relative"),
                         [("4 months ago", True), ("Latest 3 hours ago", True), ("an hour ago", True),
                          ("2. 5 mins ago", True), ("Four months ago, the plan failed.", False)])
def test_relative_times(line: str, relative: bool) -> None:
    assert (RELATIVE_TIME.fullmatch(line) is not None) is relative


@pytest.mark.parametrize(
    ("paragraph", "dateline"),
    [
        ("SEOUL, Dec. 25 (Yonhap) -- Coupang said", "Seoul, December 25"),
        ("Seoul, December 25 (NationPress) – Seoul's fare", "Seoul, December 25"),
        ("NEW YORK, Sept. 3 (Reuters) - Stocks rose", "New York, September 3"),
        ("NEW YORK, Sept. 3, 2024 -- Stocks rose", "New York, September 3, 2024"),
        ("SEOUL, Jun. 5 (Yonhap) -- Exports rose", "Seoul, June 5"),
        ("Rio de Janeiro, Dec 5 (Reuters) - Rain fell", "Rio de Janeiro, December 5"),
        ("LITTLE ROCK, Ark. (AP) — The governor", "LITTLE ROCK, Ark."),
        ("WASHINGTON (AP) — The Senate voted", "Washington"),
        ("BERLIN (dpa) - Trains stopped", "Berlin"),
        ("SEOUL -- The city", None),
        ("Seoul is a big city - with many people", None),
        ("The minister, Dec. 5 - said nothing", None),
        ("INSIGHT ( November 10 , 1986 ) : 28 - 30 .", None),
    ],
)
def test_dateline(paragraph: str, dateline: str | None) -> None:
    found = find_dateline(paragraph)
    assert (str(found) if found else None) == dateline


def test_dateline_parts_and_offsets() -> None:
    text = "RIVERTON, March 2 (Ledger Wire) -- The city council met."
    found = find_dateline(text)
    assert found is not None
    assert (found.place, found.date, found.month, found.day, found.agency) == (
        "RIVERTON", "March 2", "March", 2, "Ledger Wire")
    assert found.written == "RIVERTON, March 2"
    assert text[: found.head_end] == "RIVERTON, March 2"
    assert text[found.end :] == "The city council met."


def test_bare_dateline_only_when_asked() -> None:
    assert find_dateline("SEOUL -- The city") is None
    found = find_dateline("SEOUL -- The city", bare=True)
    assert found is not None and found.place == "SEOUL" and found.date is None
