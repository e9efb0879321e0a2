"""Sentences with pysbd, clause splitting of long sentences, announcements and chapters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from narrate.model import Article, ArticleMeta, Role, Section
from narrate.script.segment import SegmentOptions, segment, split_long, split_sentences
from narrate.sources.read import read_source
from tests.conftest import EXAMPLE


def test_pysbd_keeps_abbreviations_inside_sentences() -> None:
    text = "Dr. Kim met U.S. officials on Monday. They talked for an hour."
    assert split_sentences(text) == ["Dr. Kim met U.S. officials on Monday.", "They talked for an hour."]


def test_long_sentence_split_at_clause_boundaries() -> None:
    sentence = ("Kim Yong-beom, the chief of staff for policy, is expected to lead the meeting, which will include "
                "attendees such as Science Minister Bae Kyung-hoon, Chair of the Personal Information Protection "
                "Commission Song Kyung-hee, and Chair of the Fair Trade Commission Ju Biung-ghi.")
    pieces = split_long(sentence, 120)
    assert len(pieces) > 1
    assert all(len(p) <= 120 for p in pieces)
    assert " ".join(pieces) == sentence
    assert pieces[0].endswith(",")  # cut after a comma, not inside a phrase


words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=12)
punct = st.sampled_from(["", ",", ";", ":", " –", " and", " but"])


@given(st.lists(st.tuples(words, punct), min_size=1, max_size=120), st.integers(min_value=20, max_value=300))
def test_split_long_keeps_every_word_in_order(parts: list[tuple[str, str]], limit: int) -> None:
    sentence = " ".join(word + mark for word, mark in parts) + "."
    pieces = split_long(sentence, limit)
    assert " ".join(pieces).split() == sentence.split()
    assert all(piece.strip() for piece in pieces)


def test_chapters_of_the_example() -> None:
    script = segment(read_source(str(EXAMPLE)))
    titles = [c.title for c in script.chapters]
    assert titles[1:5] == ["Synopsis", "Key takeaways", "The story", "Point of view"]
    assert titles[5] == "What is the significance of the Coupang data breach?"
    assert len(script.chapters) == 10
    first_faq = script.chapters[5].sentences
    assert [s.written for s in first_faq[:2]] == ["Frequently asked questions.", "Question one."]
    assert [s.role for s in first_faq[2:]] == [Role.FAQ_QUESTION, Role.FAQ_ANSWER]
    second_faq = script.chapters[6].sentences
    assert second_faq[0].written == "Question two."


def test_segment_gives_back_every_word() -> None:
    article = read_source(str(EXAMPLE))
    script = segment(article, SegmentOptions(announce_sections=False, max_chars=80))
    spoken = " ".join(s.written for s in script.sentences()).split()
    assert spoken == article.text().split()


def test_sub_headed_body_sections_become_chapters() -> None:
    article = Article(ArticleMeta(title="T"), (
        Section(Role.HEADLINE, ("T",)),
        Section(Role.BODY, ("One. Two.",)),
        Section(Role.BODY, ("Three.",), heading="What happens next"),
    ))
    script = segment(article)
    assert [c.title for c in script.chapters] == ["T", "The story", "What happens next"]


def test_a_body_sub_heading_is_read_before_its_text_and_a_role_heading_is_not() -> None:
    article = Article(ArticleMeta(title="Five ways to cut your heating bill"), (
        Section(Role.HEADLINE, ("Five ways to cut your heating bill",)),
        Section(Role.BODY, ("Prices are rising.",)),
        Section(Role.BODY, ("Air trapped inside slows it down.",), heading="2. Bleed your radiators"),
        Section(Role.BODY, ("Answers to what readers asked.",), heading="Frequently asked questions"),
        Section(Role.POINT_OF_VIEW, ("It is worth it.",), heading="Our view"),
    ))
    chapters = segment(article).chapters
    assert [s.written for s in chapters[2].sentences] == ["2. Bleed your radiators",
                                                          "Air trapped inside slows it down."]
    assert chapters[2].sentences[0].role is Role.BODY and chapters[2].sentences[0].paragraph_end
    assert [s.written for s in chapters[3].sentences] == ["Answers to what readers asked."]
    assert "Our view" not in [s.written for s in chapters[4].sentences]


def test_sentences_are_split_at_the_limit_of_the_engine_that_speaks_them() -> None:
    from narrate.voice.engines.base import EngineRegistry
    from narrate.voice.engines.coqui import CoquiEngine
    from narrate.voice.engines.piper import PiperEngine
    from narrate.voice.profiles import Cast, VoiceProfile
    from narrate.voice.synthesize import engine_max_chars

    long = ("The harbor ferry, which carried commuters, students and market traders across the bay for forty "
            "years before the storm, resumed on Monday after six weeks of repairs to its engines, "
            "its hull and the landing stage, and the operator said the timetable would return to normal by "
            "the end of the month.")
    assert 250 < len(long) <= 300
    article = Article(ArticleMeta(title="Ferry"), (Section(Role.BODY, (long,)), Section(Role.QUOTE, (long,))))
    cast = Cast(name="mixed", profiles={Role.QUOTE: VoiceProfile(name="coqui-voice", engine="coqui")},
                default=VoiceProfile(name="piper-voice", engine="piper"))
    registry = EngineRegistry({"piper": PiperEngine, "coqui": CoquiEngine})

    script = segment(article, SegmentOptions(announce_sections=False), engine_max_chars(cast, registry))
    body = [s.written for s in script.sentences() if s.role is Role.BODY]
    quote = [s.written for s in script.sentences() if s.role is Role.QUOTE]

    assert CoquiEngine.max_chars == 250 and PiperEngine.max_chars == 400
    assert body == [long]  # Piper takes 400: the segment option's 300 decides
    assert len(quote) > 1 and all(len(piece) <= 250 for piece in quote)
    assert " ".join(quote) == long
    # Without engines the segment option alone decides.
    plain = segment(article, SegmentOptions(announce_sections=False))
    assert [s.written for s in plain.sentences()] == [long, long]
