"""The HTML reader on pages written for these tests: what it keeps, what it drops, how it fails."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.model import Role
from narrate.sources.html import CODE_NOTE, MAX_HTML_BYTES, read_html
from narrate.sources.sections import is_boilerplate

DATA = Path(__file__).parent / "data"
JUNK = ("Trinity", "Loading voice", "Listen to this article", "Share on", "Share this", "Photo credit",
        "Read more", "Read also", "Related", "Subscribe", "newsletter", "©", "Copyright", "Most read",
        "Politics", "(Yonhap)\n", "Dots", "newest first", "10 May 2026", "months ago",
        "Google", "\nNationWire\n", "\nNation Wire\n", "Share:")


def paragraph_text(page: str) -> str:
    return "\n".join(p for s in read_html((DATA / page).read_bytes()).sections for p in s.paragraphs)


@pytest.mark.parametrize("page", ["news_page.html", "explainer_jsonld_faq.html", "wire_page_signature.html"])
def test_page_furniture_is_not_read(page: str) -> None:
    text = "\n" + paragraph_text(page) + "\n"
    for junk in JUNK:
        assert junk not in text, junk


def test_captions_and_link_lists_are_dropped_small_tables_read_as_sentences() -> None:
    text = paragraph_text("explainer_jsonld_faq.html")
    assert "Gangnam Station" not in text  # photo caption
    assert "\n2024: Basic fare 1,400 won.\n" in text  # a small table, row by row
    assert "Bus fares stay frozen" not in text  # "Read also" and related links
    assert "Civic groups said" in text  # the paragraph after them


def test_faq_from_details_alternates_questions_and_answers() -> None:
    article = read_html((DATA / "news_page.html").read_bytes())
    faq = [s for s in article.sections if s.role in (Role.FAQ_QUESTION, Role.FAQ_ANSWER)]
    assert [s.role for s in faq] == [Role.FAQ_QUESTION, Role.FAQ_ANSWER] * 2
    assert faq[0].paragraphs == ("Who is eligible for compensation?",)


def test_json_ld_faq_is_added_once_and_unanswered_questions_are_left_out() -> None:
    page = (DATA / "explainer_jsonld_faq.html").read_text(encoding="utf-8")
    article = read_html(page)
    questions = [s.paragraphs[0] for s in article.sections if s.role is Role.FAQ_QUESTION]
    assert "When does the new fare apply?" in questions
    assert "Is there an answer missing here?" not in questions
    # The same FAQ also shown on the page is not read twice.
    shown = page.replace("<h2>Analysis</h2>", "<h2>FAQ</h2><h3>When does the new fare apply?</h3>"
                         "<p>From January 10, the city says.</p><h2>Analysis</h2>")
    again = [s.paragraphs[0] for s in read_html(shown).sections if s.role is Role.FAQ_QUESTION]
    assert again.count("When does the new fare apply?") == 1


@pytest.mark.parametrize(
    ("paragraph", "junk"),
    [
        ("Getting your Trinity Audio player ready...", True),
        ("Audio Loading voice…", True),
        ("Listen to this article 4 min", True),
        ("Read more: Coupang confirms breach", True),
        ("RELATED: Fares rise again", True),
        ("Commuters wait for a train at Gangnam Station on Dec. 24. (Yonhap)", True),
        ("The minister arrives in Busan. (Photo courtesy of the Ministry of Oceans)", True),
        ("Photo: Reuters", True),
        ("Share this article", True),
        ("Read more about the plan, the minister said, in the report released on Monday.", False),
        ("Yonhap reported that the related bill passed on Monday.", False),
        ("He said the photo was taken in May.", False),
        ("10 May 2026", True),
        ("Updated: December 25, 2025, 10:05 KST", True),
        ("4 months ago", True),
        ("Tracing the thread behind this story — newest first.", True),
        ("The meeting was moved to 10 May 2026.", False),
    ],
)
def test_boilerplate_paragraphs(paragraph: str, junk: bool) -> None:
    assert is_boilerplate(paragraph) is junk


@pytest.mark.parametrize(
    ("paragraph", "junk"),
    [("Nation Wire", True), ("NationWire", True), ("3 Dots", True), ("Yes.", False), ("Why now?", False),
     ("NationWire reported the outage first.", False)],
)
def test_signatures_and_labels(paragraph: str, junk: bool) -> None:
    assert is_boilerplate(paragraph, publisher="NationWire", fragment_check=True) is junk


def test_headings_and_lists_are_restored_when_the_extractor_drops_them() -> None:
    # This page has no <article> or known content class: trafilatura keeps its paragraphs but
    # none of its headings or lists.
    article = read_html((DATA / "wire_page_signature.html").read_bytes())
    assert [(s.role, s.heading) for s in article.sections[:5]] == [
        (Role.HEADLINE, None),
        (Role.SYNOPSIS, "Synopsis"),
        (Role.TAKEAWAYS, "Key Takeaways"),
        (Role.BODY, None),
        (Role.POINT_OF_VIEW, "Point of View"),
    ]
    assert len(article.sections[2].paragraphs) == 3


def test_metadata_comes_from_the_page() -> None:
    meta = read_html((DATA / "news_page.html").read_bytes(), url="https://example.org/given").meta
    assert meta.publisher == "Harbor Daily"
    assert meta.author == "Min-ji Park"
    assert meta.date is not None and meta.date.isoformat() == "2025-12-25"
    # The page's canonical address wins over the one it was fetched from.
    assert meta.url == "https://news.example.com/business/2025/12/25/coupang-compensation"


def test_language_from_the_html_element() -> None:
    page = (DATA / "news_page.html").read_text(encoding="utf-8").replace('lang="en"', 'lang="fr-CA"')
    assert read_html(page).meta.language == "fr"


def test_bytes_are_decoded_with_the_declared_charset() -> None:
    page = (DATA / "news_page.html").read_text(encoding="utf-8")
    page = page.replace('charset="utf-8"', 'charset="windows-1252"').replace("Park Dae-jun", "Park Dä-jun")
    article = read_html(page.encode("cp1252"))
    assert "Chief executive Park Dä-jun apologized" in article.text()


def test_broken_markup_is_still_read() -> None:
    page = (DATA / "news_page.html").read_text(encoding="utf-8")
    broken = page.replace("</p>", "").replace("</div>", "").replace("</h2>", "", 2)[: len(page) * 9 // 10]
    article = read_html(broken)
    assert article.meta.title == "Coupang to compensate 33.7 million users after data breach"
    assert "Coupang Corp. said Thursday" in article.text()


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Login</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
        "",
        "<html><body></body></html>",
        "just some words",
    ],
)
def test_page_without_an_article_is_an_input_error(page: str) -> None:
    with pytest.raises(InputError, match="no article text found"):
        read_html(page)


def test_page_over_the_size_cap_is_refused_quickly() -> None:
    filler = "<p>" + "word " * 200 + "</p>\n"
    body = filler * (MAX_HTML_BYTES // len(filler) + 10)
    page = f"<html><body><article>{body}</article></body></html>"
    started = time.perf_counter()
    with pytest.raises(InputError, match="larger than 10 MB"):
        read_html(page.encode())
    assert time.perf_counter() - started < 1


def test_long_article_under_the_cap_reads_in_reasonable_time() -> None:
    page = (DATA / "news_page.html").read_text(encoding="utf-8")
    words = ("witness", "committee", "member", "timeline", "response", "company", "record", "hearing")
    paragraphs = "".join(
        f"<p>On day {n} the {words[n % 8]} heard from the {words[(n // 8) % 8]} about the "
        f"{words[(n // 64) % 8]} and asked for the {words[(n // 512) % 8]} of session {n}.</p>\n"
        for n in range(2000)
    )
    long_page = page.replace("<h2>What regulators say</h2>", paragraphs + "<h2>What regulators say</h2>")
    started = time.perf_counter()
    article = read_html(long_page)
    elapsed = time.perf_counter() - started
    body = next(s for s in article.sections if s.heading == "How the breach happened")
    assert len(body.paragraphs) == 2 + 2000
    assert elapsed < 15


def test_faq_from_a_definition_list_and_bold_questions() -> None:
    paragraphs = "".join(f"<p>The city raised fares again this year after debate number {n} in the council "
                         "about costs and services.</p>" for n in range(4))
    page = (f"<html><head><title>Fares</title></head><body><article><h1>Fares</h1>{paragraphs}"
            "<h2>FAQ</h2><dl><dt>Who pays more</dt><dd>Everyone who rides pays 150 won more.</dd>"
            "<dt>When?</dt><dd>From January.</dd></dl>"
            "<p><strong>Is the bus affected?</strong></p><p>No, bus fares stay the same until March.</p>"
            "</article></body></html>")
    faq = [(s.role, s.paragraphs) for s in read_html(page).sections if s.role.name.startswith("FAQ")]
    assert faq == [
        (Role.FAQ_QUESTION, ("Who pays more",)),
        (Role.FAQ_ANSWER, ("Everyone who rides pays 150 won more.",)),
        (Role.FAQ_QUESTION, ("When?",)),
        (Role.FAQ_ANSWER, ("From January.",)),
        (Role.FAQ_QUESTION, ("Is the bus affected?",)),
        (Role.FAQ_ANSWER, ("No, bus fares stay the same until March.",)),
    ]


def test_a_description_without_article_text_is_not_an_article() -> None:
    page = ('<html><head><title>Only</title><meta name="description" content="A page with a description '
            'only."></head><body><p>Getting your Trinity Audio player ready...</p></body></html>')
    with pytest.raises(InputError, match="no article text found"):
        read_html(page)


def test_xhtml_with_an_xml_declaration() -> None:
    page = (DATA / "news_page.html").read_text(encoding="utf-8").replace("<!DOCTYPE html>", "")
    article = read_html('<?xml version="1.0" encoding="utf-8"?>\n' + page)
    assert article.meta.dateline == "Seoul, December 25"


def test_page_without_sub_headings_is_one_body_section() -> None:
    paragraphs = "".join(f"<p>Paragraph {n} of the story tells the reader what happened at the meeting "
                         "and who said what about it.</p>" for n in range(5))
    page = (f"<html><head><title>Plain story</title></head><body><div class='x'><h1>Plain story</h1>"
            f"<div class='y'>{paragraphs}</div></div></body></html>")
    sections = read_html(page).sections
    assert [s.role for s in sections] == [Role.HEADLINE, Role.BODY]
    assert len(sections[1].paragraphs) == 5


def test_a_code_listing_is_replaced_by_one_spoken_note_and_inline_code_is_read() -> None:
    page = """<html><head><title>How to double a number in Python</title></head><body><article>
    <h1>How to double a number in Python</h1>
    <p>Doubling a number is the first function many people write when they learn the language.</p>
    <pre><code>def double(x):
        return x * 2
    </code></pre>
    <pre><code>print(double(21))</code></pre>
    <p>Calling <code>double(2)</code> gives four, and the same function works for floats as well.</p>
    </article></body></html>"""
    paragraphs = [p for s in read_html(page).sections for p in s.paragraphs]
    assert paragraphs[1:] == [
        "Doubling a number is the first function many people write when they learn the language.",
        CODE_NOTE,
        "Calling double(2) gives four, and the same function works for floats as well.",
    ]


def test_a_page_set_only_in_pre_is_read_not_noted() -> None:
    letter = "\n\n".join(f"Paragraph {n} of the open letter says what the signatories want changed." for n in range(3))
    page = f"<html><head><title>An open letter</title></head><body><pre>{letter}</pre></body></html>"
    paragraphs = [p for s in read_html(page).sections for p in s.paragraphs]
    assert CODE_NOTE not in paragraphs
    assert "Paragraph 1 of the open letter says what the signatories want changed." in " ".join(paragraphs)


def test_text_around_a_quotes_paragraphs_and_after_a_heading_is_read() -> None:
    from lxml import etree

    from narrate.sources.html import _blocks

    body = etree.fromstring(
        "<body><p>The replies came in three kinds, and the first kind was kind enough.</p>"
        "<quote><hi rend='#b'>Makali wrote:</hi> <hi rend='#i'>Skins were a bad idea from the start.</hi>"
        "<p>I am fully in support of this sentiment.</p></quote>"
        "<head rend='h2'>Great, let's get started!</head>If you don't already have one, buy a kit.</body>")
    assert [(b.kind, b.texts) for b in _blocks(body)] == [
        ("paragraph", ("The replies came in three kinds, and the first kind was kind enough.",)),
        ("quote", ("Makali wrote: Skins were a bad idea from the start.", "I am fully in support of this sentiment.")),
        ("heading", ("Great, let's get started!",)),
        ("paragraph", ("If you don't already have one, buy a kit.",)),
    ]


STORY = "".join(f"<p>Paragraph {n} of the story tells the reader what happened at the council meeting "
                "and who said what about the new ferry timetable.</p>" for n in range(4))


@pytest.mark.parametrize("shown", [True, False])
def test_a_description_is_read_only_when_the_page_shows_it(shown: bool) -> None:
    summary = "The ferry will run every twenty minutes from May, the harbour board decided on Tuesday."
    standfirst = f"<p class='standfirst'>{summary}</p>" if shown else ""
    page = (f"<html><head><title>Ferry timetable</title><meta name='description' content='{summary}'></head>"
            f"<body><article><h1>Ferry timetable</h1>{standfirst}{STORY}</article></body></html>")
    article = read_html(page)
    read = [p for s in article.sections for p in s.paragraphs]
    assert read.count(summary) == (1 if shown else 0)  # the standfirst once, not again as a synopsis
    assert not any(s.role is Role.SYNOPSIS for s in article.sections)
    assert article.meta.description == summary  # the episode's description either way


def test_a_heading_inside_a_list_item_does_not_run_into_its_text() -> None:
    items = "".join(f"<li><h2>Tool {name}</h2><p>Inspect and change the page with the {name} tool, "
                    f"which comes with the browser.</p></li>" for name in ("Alpha", "Beta", "Gamma"))
    page = (f"<html><head><title>Browser tools</title></head><body><article><h1>Browser tools</h1>"
            f"<p>The browser comes with tools for the people who build web pages, described below.</p>"
            f"<ul>{items}</ul></article></body></html>")
    text = "\n".join(p for s in read_html(page).sections for p in s.paragraphs)
    assert "Tool Alpha. Inspect and change the page with the Alpha tool" in text
    assert "AlphaInspect" not in text


def teaser_card(n: int, *, linked: bool = True) -> str:
    title = f"Other story number {n} about the harbour"
    heading = f"<h3><a href='/story-{n}'>{title}</a></h3>" if linked else f"<h3>{title}</h3>"
    return (f"<li>{heading}<p>The summary of other story number {n}, which a reader would open on a page of "
            f"its own, tells what happened at the harbour on day {n}.</p></li>")


@pytest.mark.parametrize("linked", [True, False])
def test_teasers_of_other_stories_are_not_read_an_articles_own_sub_headed_list_is(linked: bool) -> None:
    story = "".join(f"<p>Paragraph {n} of the story tells the reader what happened at the council meeting "
                    "and who said what about the new ferry timetable.</p>" for n in range(6))
    page = (f"<html><head><title>Ferry timetable</title></head><body><article><h1>Ferry timetable</h1>"
            f"{story}<ul class='cards'>{''.join(teaser_card(n, linked=linked) for n in range(4))}</ul>"
            f"</article></body></html>")
    text = "\n".join(p for s in read_html(page).sections for p in s.paragraphs)
    assert "Paragraph 5 of the story" in text
    assert ("The summary of other story number 2" in text) is not linked


def test_a_page_of_teasers_only_is_read_rather_than_refused() -> None:
    page = (f"<html><head><title>Harbour news</title></head><body><main><h1>Harbour news</h1>"
            f"<ul>{''.join(teaser_card(n) for n in range(6))}</ul></main></body></html>")
    text = "\n".join(p for s in read_html(page).sections for p in s.paragraphs)
    assert "The summary of other story number 3" in text


def test_a_page_of_headings_over_pictures_reads_its_headings() -> None:
    pictures = "".join(f"<h2>The harbour at dawn, day {n}</h2><img src='/{n}.jpg' alt=''>" for n in range(1, 4))
    page = (f"<html><head><title>Harbour pictures</title></head><body><article>{pictures}</article>"
            f"</body></html>")
    article = read_html(page)
    assert [p for s in article.sections[1:] for p in s.paragraphs] == [
        f"The harbour at dawn, day {n}." for n in range(1, 4)]


def test_a_page_whose_only_heading_is_its_title_is_refused() -> None:
    with pytest.raises(InputError, match="no article text found"):
        read_html("<html><head><title>Sign in</title></head><body><main><h1>Sign in</h1>"
                  "<img src='/logo.png' alt=''></main></body></html>")


def test_inline_markup_stays_inside_its_sentence() -> None:
    story = "".join(f"<p>Paragraph {n} of the story explains how the team rebuilt the ferry booking site "
                    "over the winter.</p>" for n in range(4))
    page = (f"<html><head><title>Booking site</title></head><body><article><h1>Booking site</h1>{story}"
            f"<p>Call the <code>render</code> function twice, <b>then</b> the <i>save</i> function once.</p>"
            f"</article></body></html>")
    text = "\n".join(p for s in read_html(page).sections for p in s.paragraphs)
    assert "Call the render function twice, then the save function once." in text
