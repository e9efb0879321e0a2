"""Properties of the normalizer: it drops no word and is idempotent on its own output."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrate.script.grammars import default_grammar_dir
from narrate.script.normalize import TextNormalizer
from narrate.script.options import SpeechOptions

WORDS = str.split(
    "the officials said Korea market shares breach users data company ministry report meeting "
    "Seoul Coupang Kim Lee Park Science Minister President Monday holiday emergency task force"
)
ACRONYMS = ["NATO", "ICT", "TF", "UN", "KFTC", "WHO", "US", "CEO", "NASA"]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(ACRONYMS),
    # Translations are exempt by design: "e.g." -> "for example", "No. 5" -> "number five", wire tags.
    st.sampled_from(["Dr.", "Mr.", "Jan.", "Dec.", "U.S.", "U.K.", "Gov.", "Jr."]),
    st.integers(0, 10**7).map(str),
    st.decimals(0, 1000, places=1).map(str),
    st.integers(1, 99).map(lambda n: f"{n}%"),
    st.integers(1, 999).map(lambda n: f"${n}"),
    st.integers(1, 31).map(lambda n: f"December {n}"),
    st.integers(1900, 2030).map(lambda n: f"{n}s"),
    st.sampled_from(["&", "/", "-", "°", "(", ")", ",", ";", "–", "+"]),
)
SENTENCES = st.lists(TOKENS, min_size=1, max_size=12).map(" ".join)


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer.load(SpeechOptions(grammar_dir=default_grammar_dir()))


def letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def is_subsequence(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(char in rest for char in needle)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=SENTENCES)
def test_no_word_is_dropped(normalizer: TextNormalizer, sentence: str) -> None:
    # Expansions keep the letters of what they expand ("Dr." -> "Doctor", "ICT" -> "I C T"), so the
    # letters of all input words, in order, must be found in the output.
    spoken = normalizer.normalize(sentence)
    words = re.findall(r"[A-Za-z]+", sentence)
    assert is_subsequence(letters("".join(words)), letters(spoken)), spoken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=SENTENCES)
def test_idempotent(normalizer: TextNormalizer, sentence: str) -> None:
    spoken = normalizer.normalize(sentence)
    assert normalizer.normalize(spoken) == spoken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=SENTENCES)
def test_no_digits_or_handled_symbols_survive(normalizer: TextNormalizer, sentence: str) -> None:
    assert not re.search(r"[0-9$%&°+]", normalizer.normalize(sentence))
