"""Putting back the page's headings and lists around what trafilatura extracted, without losing any of it."""

from __future__ import annotations

from narrate.sources.restructure import restore_structure
from narrate.sources.sections import Block

ONE = "The first paragraph of the story is long enough to anchor the span."
TWO = "A paragraph set inside a layout table, which the page walk does not enter at all."
THREE = "The last paragraph of the story is also long enough to anchor the span."


def test_headings_come_back_and_an_extracted_paragraph_the_page_walk_missed_keeps_its_place() -> None:
    page = [(Block("paragraph", ("Home News Sport",)), 1.0), (Block("heading", ("What happened", ), 2), 0.0),
            (Block("paragraph", (ONE,)), 0.0), (Block("heading", ("What comes next",), 2), 0.0),
            (Block("paragraph", (THREE,)), 0.0), (Block("paragraph", ("More stories",)), 1.0)]
    extracted = [Block("paragraph", (ONE,)), Block("paragraph", (TWO,)), Block("paragraph", (THREE,))]
    assert restore_structure(page, extracted) == [
        Block("heading", ("What happened",), 2), Block("paragraph", (ONE,)), Block("paragraph", (TWO,)),
        Block("heading", ("What comes next",), 2), Block("paragraph", (THREE,)),
    ]


def test_nothing_is_restored_when_the_page_walk_finds_none_of_the_article() -> None:
    page = [(Block("heading", ("Menu",), 2), 0.0), (Block("paragraph", ("Sign in to read more.",)), 0.0)]
    assert restore_structure(page, [Block("paragraph", (ONE,))]) == []
