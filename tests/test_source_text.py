"""Text page dumps: chrome removed by structure, sections found, metadata read, bad input refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.model import Role
from narrate.sources.read import read_source
from narrate.sources.text import read_text_dump
from tests.conftest import DATA, EXAMPLE

CHROME = ["Share:", "Audio Loading voice", "Nation Press", "The Trail", "Connected Dots", "Tracing the thread",
          "8 Dots", "months ago", "Google Prefer NP", "On Google"]


def test_example_sections_and_metadata() -> None:
    article = read_source(str(EXAMPLE))
    assert article.meta.publisher == "NationPress"
    assert article.meta.date == dt.date(2026, 5, 10)
    assert article.meta.dateline == "Seoul, December 25"
    roles = [s.role for s in article.sections]
    assert roles[:5] == [Role.HEADLINE, Role.SYNOPSIS, Role.TAKEAWAYS, Role.BODY, Role.POINT_OF_VIEW]
    assert roles[5:] == [Role.FAQ_QUESTION, Role.FAQ_ANSWER] * 5
    takeaways = next(s for s in article.sections if s.role is Role.TAKEAWAYS)
    assert len(takeaways.paragraphs) == 5
    body = next(s for s in article.sections if s.role is Role.BODY)
    assert len(body.paragraphs) == 9
    assert "“The urgency of the matter" in body.paragraphs[1]  # quotes kept


def test_example_chrome_is_never_spoken() -> None:
    article = read_source(str(EXAMPLE))
    text = article.text()
    for chrome in CHROME:
        assert chrome not in text, chrome
    for heading in ("Synopsis", "Key Takeaways", "Frequently Asked Questions", "Point of View"):
        assert heading not in text
    # The title is read once, as the headline, not again from the page's repeated title line.
    assert text.count(article.meta.title) == 1


def test_other_site_chrome_by_structure() -> None:
    article = read_source(str(DATA / "ledger-flood-barrier.txt"))
    assert article.meta.title == "City Council Approves New Flood Barrier After Record Storm Season"
    assert article.meta.author == "Maria Lopez"
    assert article.meta.date == dt.date(2026, 3, 3)
    assert article.meta.dateline == "RIVERTON, March 2"
    text = article.text()
    for chrome in ("Home |", "Listen to this article", "Trinity", "Follow us", "Advertisement", "By Maria",
                   "Related Stories", "Storm damage estimates", "hours ago", "Yesterday", "Share this",
                   "Facebook", "Copy link", "Tags:", "©", "More from", "Newsletter", "Sign up"):
        assert chrome not in text, chrome
    by_role = {s.role: s for s in article.sections}
    assert by_role[Role.TAKEAWAYS].paragraphs == (
        "Council votes to fund the river barrier.", "Construction to start in the spring.",
        "Sandbag stations for residents of low-lying streets.")
    assert by_role[Role.POINT_OF_VIEW].heading == "Analysis"
    assert len(by_role[Role.BODY].paragraphs) == 3
    questions = [s.paragraphs[0] for s in article.sections if s.role is Role.FAQ_QUESTION]
    assert questions == ["When will construction begin?", "Who pays for the barrier?"]


def test_body_without_headings_is_one_story() -> None:
    text = "A Plain Story Without Any Headings\n\nFirst paragraph of the story is here. It goes on.\n\n" \
           "Second paragraph, also prose, ends here.\n"
    article = read_text_dump(text)
    assert [s.role for s in article.sections] == [Role.HEADLINE, Role.BODY]
    assert len(article.sections[1].paragraphs) == 2


def test_one_prose_line_in_the_trailer_is_chrome_but_two_are_the_article() -> None:
    base = "Title Of A Story Here\n\nThe story starts with this sentence here. It has prose.\n\nRelated\n\n"
    one = read_text_dump(base + "Tracing the thread behind this story, newest first.\n\n4 hours ago\n")
    assert "Tracing" not in one.text()
    two = read_text_dump(base + "A second paragraph that is really article text.\n\n"
                                "And a third paragraph that is also article text.\n")
    assert "third paragraph" in two.text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\t\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"Share:\nAudio Loading voice\xe2\x80\xa6\nFollow us\n3 hours ago\nAdvertisement\n", "no article text"),
    ],
)
def test_bad_input_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_source(str(path))


def test_legacy_encoding_is_decoded(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("–", "-").replace("“", '"').replace("”", '"')
    text = text.replace("…", "...").replace("\u00a0", " ").replace("—", "-")
    text = text.replace("Seoul", "Séoul")
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("cp1252"))
    article = read_source(str(path))
    assert article.meta.dateline == "Séoul, December 25"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        read_source(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="directory"):
        read_source(str(tmp_path))
