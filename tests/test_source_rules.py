"""The chrome and metadata rules one by one: site names around titles, wire end marks, cut-off
descriptions, and the coverage measure that guards the reader against losing article text."""

from __future__ import annotations

import pytest

from narrate.sources.coverage import MIN_RECALL, covers, recall, shingles, words
from narrate.sources.sections import (
    Block,
    is_boilerplate,
    is_cut_off,
    strip_site_name,
    strip_wire_marks,
    without_galleries,
)


@pytest.mark.parametrize(("title", "names", "expected"), [
    # suffixes, after the separators sites use
    ("Yoon to give address at Harvard University | Yonhap News Agency", ["Yonhap News Agency"],
     "Yoon to give address at Harvard University"),
    ("Bridge reopens after repairs - The Harbor Ledger", ["The Harbor Ledger"], "Bridge reopens after repairs"),
    ("Bridge reopens after repairs — Harbor Ledger", ["The Harbor Ledger"], "Bridge reopens after repairs"),
    ("Bridge reopens after repairs :: Ledger", ["The Harbor Ledger"], "Bridge reopens after repairs"),
    # prefixes
    ("BBC News - Storm closes schools across Wales", ["BBC News"], "Storm closes schools across Wales"),
    # the site's host when the page names no publisher
    ("Gov't to expand export insurance | YNA", [None, "yna"], "Gov't to expand export insurance"),
])
def test_a_site_name_around_the_title_is_split_off(title: str, names: list[str | None], expected: str) -> None:
    assert strip_site_name(title, names) == expected


@pytest.mark.parametrize(("title", "names"), [
    # a part that is not the site's name stays: it belongs to the title
    ("Brexit: What happens next", ["BBC News"]),
    ("Review | A quiet film about a loud family", ["The Harbor Ledger"]),
    # what would be left is not a title (one word)
    ("Weather | Harbor Ledger", ["Harbor Ledger"]),
    # no separator, no name, or a long part that merely contains the name
    ("Harbor Ledger wins award for flood coverage", ["Harbor Ledger"]),
    ("Bridge reopens after repairs | The Harbor Ledger", [None, ""]),
    ("Storm closes schools | How the Harbor Ledger covered the storm that closed every school", ["Harbor Ledger"]),
])
def test_a_title_without_the_sites_name_around_it_is_kept(title: str, names: list[str | None]) -> None:
    assert strip_site_name(title, names) == title


@pytest.mark.parametrize(("paragraph", "expected"), [
    ("The ministry said it would decide next week. (END)", "The ministry said it would decide next week."),
    ("The ministry said it would decide next week. hague@yna.co.kr (END)",
     "The ministry said it would decide next week."),
    ("Talks resume on Monday. (Reporting by Jane Doe; Editing by John Roe)", "Talks resume on Monday."),
    ("Talks resume on Monday. -30-", "Talks resume on Monday."),
    ("Talks resume on Monday. ###", "Talks resume on Monday."),
    ("Talks resume on Monday. /gh", "Talks resume on Monday."),
    ("hague@yna.co.kr (END)", ""),
    ("(END)", ""),
])
def test_wire_end_marks_are_stripped_from_the_end(paragraph: str, expected: str) -> None:
    assert strip_wire_marks(paragraph) == expected


@pytest.mark.parametrize("paragraph", [
    "Write to desk@example.org with tips, the editor said.",  # an address inside a sentence
    "The (END) of the line came on Monday.",  # the mark not at the end
    "Scores fell 30 - 20 in the second half.",
    "The ratio was 1/3 of the total.",
    "He said the line and/or the fence would stay.",
])
def test_text_that_only_looks_like_a_wire_mark_is_kept(paragraph: str) -> None:
    assert strip_wire_marks(paragraph) == paragraph


def test_stripping_wire_marks_is_idempotent() -> None:
    once = strip_wire_marks("Talks resume. (Reporting by Jane Doe) hague@yna.co.kr (END)")
    assert once == "Talks resume." == strip_wire_marks(once)


@pytest.mark.parametrize(("description", "cut"), [
    ("The government will expand export insurance for small firms hit by...", True),
    ("The government will expand export insurance for small firms hit by…", True),
    ("The government will expand export insurance for small firms hit by ... ", True),
    ("The government will expand export insurance for small firms.", False),
    ("Wait... the bridge is open again.", False),
])
def test_a_cut_off_description_is_told_apart(description: str, cut: bool) -> None:
    assert is_cut_off(description) is cut


def test_words_and_shingles_are_lower_cased_and_split_cjk_characters() -> None:
    assert words("The Bridge, re-opened!") == ["the", "bridge", "re", "opened"]
    assert words("서울 東京タワー") == ["서울", "東", "京", "タ", "ワ", "ー"]
    assert shingles("a b c d e") == {("a", "b", "c", "d"), ("b", "c", "d", "e")}
    assert shingles("a b c") == set()


def test_recall_is_the_share_of_the_sources_shingles_kept() -> None:
    source = "one two three four five six seven eight"  # 5 shingles
    assert recall(source, source) == 1.0
    assert recall("one two three four five", source) == pytest.approx(2 / 5)
    assert recall("", source) == 0.0
    assert recall("Anything at all.", "too short") == 1.0  # nothing to lose
    assert recall("EIGHT seven six five four three two one", source) == 0.0  # order matters


def test_covers_applies_the_minimum() -> None:
    source = " ".join(f"w{i}" for i in range(103))  # 100 shingles
    kept = " ".join(f"w{i}" for i in range(int(100 * MIN_RECALL) + 3))  # exactly MIN_RECALL of them
    assert covers(kept, source)
    assert not covers(" ".join(f"w{i}" for i in range(90)), source)
    assert covers(" ".join(f"w{i}" for i in range(90)), source, minimum=0.8)
    assert covers(source + " and more text besides", source)  # extra text costs no recall


@pytest.mark.parametrize("paragraph", [
    "This is a modal window.", "This is a modal window. This modal can be closed by pressing the Escape key.",
    "subtitles off, selected", "descriptions off, selected", "Chapters", "Captions will look like this",
    "75% (transparency)", "Fullscreen", "Close", "1 of 5", "3/50",
    "Unfortunately, this video is not available in your region.", "Next video starts in : 7Play",
    "Like this:", "Other People Are Reading", "Compartilhe",
])
def test_a_media_players_controls_and_widget_labels_are_chrome(paragraph: str) -> None:
    assert is_boilerplate(paragraph)


@pytest.mark.parametrize("paragraph", [
    "Close to 3,000 people attended.", "The chapters of the report were published in May.",
    "3/4 of voters said they would return.", "Play resumed after the rain stopped.",
    "People like this town for its quiet harbour.", "This video is the first the band has made since 2019.",
])
def test_prose_that_opens_like_a_players_control_is_read(paragraph: str) -> None:
    assert not is_boilerplate(paragraph)


def test_a_run_of_numbered_gallery_slides_is_dropped_a_lone_fraction_kept() -> None:
    slides = [Block("paragraph", (f"{n}/50 Caption of slide {n}.",)) for n in range(1, 5)]
    story = [Block("paragraph", ("3/4 of voters said they would return.",)),
             Block("list", ("1/2 cup of flour", "2/2 eggs")), *slides,
             Block("list", ("5/50 Caption five.", "6/50 Caption six.", "The recipe ends here.")),
             Block("paragraph", ("The story goes on.",))]
    assert without_galleries(story) == [story[0], story[1], Block("list", ("The recipe ends here.",)), story[-1]]
