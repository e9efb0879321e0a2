"""The Markdown reader: front matter, headings to roles, what is not read aloud."""

from __future__ import annotations

import datetime as dt

import pytest

from narrate.errors import InputError
from narrate.model import Role
from narrate.sources.html import read_html
from narrate.sources.markdown import read_markdown
from narrate.sources.sections import CODE_NOTE, TABLE_NOTE


def test_toml_front_matter_and_title_from_it() -> None:
    article = read_markdown(
        '+++\ntitle = "Fares rise"\nauthor = "Jae-won Lee"\ndate = 2025-12-26\nlanguage = "ko"\n+++\n\n'
        "Seoul's subway fare will rise in January.\n"
    )
    assert article.meta.title == "Fares rise"
    assert article.meta.author == "Jae-won Lee"
    assert article.meta.date == dt.date(2025, 12, 26)
    assert article.meta.language == "ko"
    assert [s.role for s in article.sections] == [Role.HEADLINE, Role.BODY]


def test_title_from_the_first_heading_without_front_matter() -> None:
    article = read_markdown("# Fares rise\n\nSeoul's fare will rise.\n\n## Summary\n\nIt rises.\n")
    assert article.meta.title == "Fares rise"
    assert [(s.role, s.heading) for s in article.sections] == [
        (Role.HEADLINE, None), (Role.BODY, None), (Role.SYNOPSIS, "Summary")
    ]


def test_images_and_html_are_not_read_and_code_is_a_spoken_note() -> None:
    article = read_markdown(
        "# T\n\nBefore ![a chart](c.png) after `x` too.\n\n```\ncode()\n```\n\n    indented()\n\n"
        "<div class='ad'>Advertisement</div>\n\nLast.\n"
    )
    # the fenced and the indented listing next to each other: one note
    assert article.sections[1].paragraphs == ("Before after x too.", CODE_NOTE, "Last.")


def test_a_small_table_is_read_row_by_row_with_its_header_like_an_html_one() -> None:
    markdown = ("# Fares\n\nThe fares change.\n\n| Year | Basic fare | Youth |\n|---|---|---|\n"
                "| 2024 | 1,400 won | 800 won |\n| 2025 | 1,550 won | |\n\nThat is all.\n")
    html = ("<html><head><title>Fares</title></head><body><article><h1>Fares</h1><p>The fares change.</p>"
            "<table><tr><th>Year</th><th>Basic fare</th><th>Youth</th></tr>"
            "<tr><td>2024</td><td>1,400 won</td><td>800 won</td></tr>"
            "<tr><td>2025</td><td>1,550 won</td><td></td></tr></table><p>That is all.</p></article></body></html>")
    expected = ("The fares change.", "2024: Basic fare 1,400 won, Youth 800 won.", "2025: Basic fare 1,550 won.",
                "That is all.")
    assert read_markdown(markdown).sections[1].paragraphs == expected
    assert read_html(html).sections[1].paragraphs == expected


def test_a_large_table_is_a_spoken_note_not_silence() -> None:
    rows = "".join(f"| {year} | {year * 3} |\n" for year in range(2010, 2020))
    article = read_markdown(f"# Fares\n\nBefore.\n\n| Year | Fare |\n|---|---|\n{rows}\nAfter.\n")
    assert article.sections[1].paragraphs == ("Before.", TABLE_NOTE, "After.")


def test_each_code_listing_between_paragraphs_gets_its_note() -> None:
    article = read_markdown("# T\n\nRun this:\n\n```sh\nmake check\n```\n\nThen this:\n\n"
                            "```python\nprint('hi')\n```\n\n```\n\n```\n\nDone.\n")
    assert article.sections[1].paragraphs == ("Run this:", CODE_NOTE, "Then this:", CODE_NOTE, "Done.")


def test_qa_lines_in_markdown() -> None:
    article = read_markdown("# T\n\nIntro.\n\nQ: Why?\nA: Because.\n\nQ: When?\n\nA: Now.\n\nOutro.\n")
    assert [(s.role, s.paragraphs) for s in article.sections[1:]] == [
        (Role.BODY, ("Intro.",)),
        (Role.FAQ_QUESTION, ("Why?",)),
        (Role.FAQ_ANSWER, ("Because.",)),
        (Role.FAQ_QUESTION, ("When?",)),
        (Role.FAQ_ANSWER, ("Now.",)),
        (Role.BODY, ("Outro.",)),
    ]


def test_faq_questions_as_bold_paragraphs() -> None:
    article = read_markdown("# T\n\nText.\n\n## FAQ\n\n**Who pays?**\n\nThe city.\n\n**When?**\n\nIn May.\n")
    assert [(s.role, s.paragraphs) for s in article.sections[2:]] == [
        (Role.FAQ_QUESTION, ("Who pays?",)),
        (Role.FAQ_ANSWER, ("The city.",)),
        (Role.FAQ_QUESTION, ("When?",)),
        (Role.FAQ_ANSWER, ("In May.",)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Just a paragraph with no title.\n", "has no title"),
        ("---\ntitle: [unclosed\n---\nText.\n", "not valid YAML"),
        ("+++\ntitle = \n+++\nText.\n", "not valid TOML"),
        ("---\n- a list\n---\nText.\n", "must be a mapping"),
        ("---\ntitle: T\ndate: soon\n---\nText.\n", "not a date"),
        ("# Only a heading\n", "no article text"),
        ("---\ntitle: T\ndescription: Just this.\n---\n![image](a.png)\n", "no article text"),
    ],
)
def test_bad_markdown_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_markdown(text)
