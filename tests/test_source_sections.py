"""Properties of the block-to-section rules that every reader shares."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrate.model import Role
from narrate.sources.sections import Block, build_sections

WORDS = ["Seoul", "fare", "rises", "the", "city", "said", "Q:", "A:", "FAQ", "Key", "takeaways", "Related",
         "Analysis", "Synopsis", "why?", "When", "Read", "more:", "(Yonhap)", "--", "Dec.", "25", "SEOUL,"]
text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
multiline = st.lists(text, min_size=1, max_size=3).map("\n".join)
block = st.one_of(
    st.builds(lambda t, level: Block("heading", (t,), level), text, st.integers(0, 4)),
    st.builds(lambda t: Block("paragraph", (t,)), multiline),
    st.builds(lambda items: Block("list", tuple(items)), st.lists(text, min_size=1, max_size=4)),
    st.builds(lambda items: Block("quote", tuple(items)), st.lists(text, min_size=1, max_size=2)),
)
faq_pairs = st.lists(st.tuples(text, text), max_size=3)


def comparable(value: str) -> str:
    return " ".join(re.sub(r"\W+", " ", value).casefold().split())


@settings(max_examples=100, deadline=None)
@given(st.lists(block, max_size=25), faq_pairs)
def test_sections_are_well_formed_and_invent_no_text(blocks: list[Block], faq: list[tuple[str, str]]) -> None:
    sections = build_sections(blocks, title="The title", description="A description.", faq=faq)
    assert sections[0].role is Role.HEADLINE and sections[0].paragraphs == ("The title",)
    source = comparable(" ".join(t for b in blocks for t in b.texts) + " " +
                        " ".join(q + " " + a for q, a in faq) + " A description. The title")
    for index, section in enumerate(sections):
        assert section.paragraphs and all(p.strip() == p and p for p in section.paragraphs)
        for paragraph in section.paragraphs:
            assert comparable(paragraph) in source
        if section.role is Role.FAQ_QUESTION:
            # Questions are always answered right away.
            assert sections[index + 1].role is Role.FAQ_ANSWER
        if section.role is Role.FAQ_ANSWER:
            assert sections[index - 1].role in (Role.FAQ_QUESTION, Role.QUOTE)


def test_a_quote_inside_a_section_keeps_the_text_around_it_in_that_role() -> None:
    blocks = [Block("heading", ("Point of view",), 2), Block("paragraph", ("Before.",)),
              Block("quote", ("Quoted.",)), Block("paragraph", ("After.",))]
    sections = build_sections(blocks, title="T")
    assert [(s.role, s.paragraphs) for s in sections[1:]] == [
        (Role.POINT_OF_VIEW, ("Before.",)), (Role.QUOTE, ("Quoted.",)), (Role.POINT_OF_VIEW, ("After.",))
    ]


def test_description_repeating_the_opening_is_not_read_twice() -> None:
    opening = "Seoul's subway fare will rise to 1,550 won from January 10, the city government said."
    sections = build_sections([Block("paragraph", (opening,))], title="T", description=opening[:70] + "...")
    assert [s.role for s in sections] == [Role.HEADLINE, Role.BODY]


@pytest.mark.parametrize("title", ["Fares rise in January", "The city raises subway fares"])
def test_description_repeating_the_headline_or_a_heading_is_not_read_again(title: str) -> None:
    description = "The city raises subway fares"
    blocks = [Block("heading", ("The city raises subway fares",), 2),
              Block("paragraph", ("Seoul's subway fare will rise to 1,550 won from January 10.",))]
    sections = build_sections(blocks, title=title, description=description)
    assert Role.SYNOPSIS not in [s.role for s in sections]


def test_related_heading_drops_what_follows_up_to_the_next_heading_of_its_level() -> None:
    blocks = [Block("paragraph", ("Story text.",)), Block("heading", ("Related stories",), 2),
              Block("list", ("Other story one", "Other story two")), Block("heading", ("More", ), 3),
              Block("paragraph", ("Still related.",)), Block("heading", ("Analysis",), 2),
              Block("paragraph", ("Back to the story.",))]
    sections = build_sections(blocks, title="T")
    assert [(s.role, s.paragraphs) for s in sections[1:]] == [
        (Role.BODY, ("Story text.",)), (Role.POINT_OF_VIEW, ("Back to the story.",))
    ]


def test_a_date_stamp_or_the_site_name_set_as_a_heading_is_no_heading() -> None:
    sections = build_sections([
        Block("heading", ("06 December 2016",), 2),
        Block("paragraph", ("Android users download tens of billions of apps a year.",)),
        Block("heading", ("The Harbor Ledger",), 3),
        Block("paragraph", ("Updates are now a third of the size.",)),
    ], title="Saving data", publisher="The Harbor Ledger")
    assert [(s.role, s.heading, s.paragraphs) for s in sections[1:]] == [
        (Role.BODY, None, ("Android users download tens of billions of apps a year.",
                           "Updates are now a third of the size.")),
    ]


def test_a_paragraph_repeating_the_title_is_not_read_twice() -> None:
    blocks = [Block("paragraph", ("Fares rise in January",)), Block("paragraph", ("The fare rises by 150 won.",))]
    sections = build_sections(blocks, title="Fares rise in January")
    assert [(s.role, s.paragraphs) for s in sections] == [
        (Role.HEADLINE, ("Fares rise in January",)), (Role.BODY, ("The fare rises by 150 won.",))]
