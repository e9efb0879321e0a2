"""Text the voice cannot read: Hangul and other writing systems romanized, emoji dropped with one warning."""

from __future__ import annotations

import logging
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.model import ArticleMeta, Chapter, Role, Script, Sentence
from narrate.script import SpeechOptions, SpeechPreparer, speak_script
from narrate.script.romanize import readable


def test_hangul_is_romanized() -> None:
    result = readable("President 이재명 visited 서울 and ate 김치.")
    assert result.text == "President Ijaemyeong visited Seoul and ate Gimchi."
    assert result.romanized == (("이재명", "Ijaemyeong"), ("서울", "Seoul"), ("김치", "Gimchi"))


def test_other_writing_systems_are_transliterated() -> None:
    assert readable("Moscow (Москва) and Beijing (北京)").text == "Moscow (Moskva) and Beijing (BeiJing)"


def test_lone_greek_letters_are_named() -> None:
    assert (
        readable("a β-blocker and α particles, not Ελλάδα").text
        == "a beta-blocker and alpha particles, not Ellada"
    )


def test_emoji_are_dropped_and_reported() -> None:
    result = readable("🔥 Great news 🎉🎉 for fans👍today 🚀.")
    assert result.text == "Great news for fans today."
    assert result.dropped == ("🔥", "🎉", "👍", "🚀")


def test_latin_accents_and_punctuation_stay() -> None:
    text = "Café owner José said “ça va” – ok…"
    assert readable(text).text == text


@given(st.text(max_size=40))
def test_never_crashes_and_leaves_no_unspeakable_characters(text: str) -> None:
    out = readable(text).text
    for char in out:
        category = unicodedata.category(char)
        assert char.isascii() or category[0] in "LMNPZ" or char in "€£¥₩₹°§×", repr(char)
        assert not (category[0] == "L" and not unicodedata.name(char, "").startswith("LATIN")), repr(char)


def script_of(*texts: str) -> Script:
    sentences = tuple(Sentence(written=t, spoken=t, role=Role.BODY) for t in texts)
    return Script(meta=ArticleMeta(title="Test article"), chapters=(Chapter("Body", Role.BODY, sentences),))


def test_speak_script_warns_once_per_article(caplog: pytest.LogCaptureFixture) -> None:
    preparer = SpeechPreparer.load((), SpeechOptions(use_nemo=False))
    script = script_of("Fans cheered 🎉 loudly.", "Then 🎉 again 🚀.", "서울 is the capital.")
    with caplog.at_level(logging.WARNING, logger="narrate.script"):
        spoken = speak_script(script, preparer)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Test article: dropped characters the voice cannot say: 🎉 🚀"]
    texts = [s.spoken for s in spoken.sentences()]
    assert texts == ["Fans cheered loudly.", "Then again.", "Seoul is the capital."]
    assert ("서울", "Seoul") in next(s for s in spoken.sentences() if "capital" in s.spoken).substitutions
    assert [s.written for s in spoken.sentences()] == [s.written for s in script.sentences()]


@pytest.fixture(scope="module")
def full_preparer() -> SpeechPreparer:
    from narrate.script import DEFAULT_LEXICON
    from narrate.script.grammars import default_grammar_dir

    return SpeechPreparer.load([DEFAULT_LEXICON], SpeechOptions(grammar_dir=default_grammar_dir()))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30) | st.text(alphabet="0123456789$%.,-/:()[]\\\"' abcXYZ&@#°€이재명😀", max_size=30))
def test_any_text_prepares_without_raw_code_points(full_preparer: SpeechPreparer, text: str) -> None:
    spoken = full_preparer.prepare(text).spoken
    assert all(ord(char) < 0x3000 for char in spoken), spoken


@pytest.mark.parametrize(("text", "spoken"), [("𑓐", "zero"), ("٣ cats", "three cats"), ("१२ days", "twelve days")])
def test_digits_of_any_script_are_read_as_numbers(full_preparer: SpeechPreparer, text: str, spoken: str) -> None:
    assert full_preparer.prepare(text).spoken == spoken


@pytest.mark.parametrize("jamo", ["ᄀ", "ᄀ가", "ힰ"])
def test_lone_hangul_jamo_are_spelled_too(jamo: str) -> None:
    from narrate.script.romanize import readable

    assert readable(jamo).text.isascii()
