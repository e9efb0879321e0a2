"""The normalizer on news cases: NeMo for numbers, dates and money, narrate's rules for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate.script import SpeechPreparer
from narrate.script.grammars import (
    GRAMMAR_FILES,
    NemoNormalizer,
    build_grammars,
    default_grammar_dir,
    grammars_built,
)
from narrate.script.normalize import TextNormalizer, substitutions
from narrate.script.options import SpeechOptions


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    # The compiled grammars in the real cache (built by `python -m narrate.script.build`, or here once).
    return TextNormalizer.load(SpeechOptions(grammar_dir=default_grammar_dir()))


NEWS_CASES = [
    # idioms NeMo would read as fractions; a real fraction and a full date are still NeMo's
    ("The clinic is open 24/7.", "The clinic is open twenty-four seven."),
    ("They agreed a 50/50 split.", "They agreed a fifty-fifty split."),
    ("Security changed after 9/11.", "Security changed after nine eleven."),
    ("Three quarters, 3/4, voted yes.", "Three quarters, three quarters, voted yes."),
    ("the / 0", "the slash zero"),
    # dates, money, numbers (NeMo, with narrate's fixes around it)
    ("Seoul, December 25 (NationPress) – The office said.", "Seoul, December twenty fifth. The office said."),
    (
        "SEOUL, Dec. 25 (Yonhap) -- North Korea fired a missile.",
        "Seoul, December twenty fifth. North Korea fired a missile.",
    ),
    ("WASHINGTON (Reuters) - The Fed held rates.", "Washington. The Fed held rates."),
    ("(LEAD) Samsung posts record profit", "Samsung posts record profit"),
    ("(2nd LD) Exports rise", "Exports rise"),
    ("The firm lost $1.5 billion.", "The firm lost one point five billion dollars."),
    ("Sales hit 600 bln won.", "Sales hit six hundred billion won."),
    ("It costs US$1 bln.", "It costs one billion U S dollars."),
    ("Shares fell 3.2% on Monday.", "Shares fell three point two percent on Monday."),
    ("Music of the 1990s.", "Music of the nineteen nineties."),
    ("It hit 33.7 million users.", "It hit thirty three point seven million users."),
    ("The 21st-century firm", "The twenty first century firm"),
    ("from 2010-2012", "from twenty ten to twenty twelve"),
    ("aged 5-6", "aged five to six"),
    ("The company hired 1,250 workers.", "The company hired one thousand two hundred fifty workers."),
    ("about 50 km away", "about fifty kilometers away"),
    ("on December 11, the president", "on December eleventh, the president"),
    ("at 4:45 p.m.", "at four forty five P M"),
    ("It was 35°C.", "It was thirty five degrees Celsius."),
    ("Page 5 of No. 10", "Page five of number ten"),
    ("the #1 hit, #MeToo", "the number one hit, hashtag MeToo"),
    ("a 16 mm lens", "a sixteen millimeters lens"),
    # titles, months, Latin
    ("Dr. Kim met Mr. Lee and Mrs. Park.", "Doctor Kim met Mister Lee and Missus Park."),
    ("Gov. Smith and Sen. Jones", "Governor Smith and Senator Jones"),
    ("Mr Smith met Dr Kim", "Mister Smith met Doctor Kim"),
    ("Martin Luther King Jr. spoke.", "Martin Luther King Junior spoke."),
    ("fruit, e.g. apples", "fruit, for example apples"),
    # acronyms and initialisms
    ("NATO and the Ministry of Science and ICT", "NATO and the Ministry of Science and I C T"),
    ("the U.S.-listed firm", "the U S-listed firm"),
    ("in the U.K. and the EU", "in the U K and the E U"),
    ("the WHO said", "the W H O said"),
    ("an interagency task force (TF)", "an interagency task force (T F)"),
    ("CEOs and TVs", "C E Os and T Vs"),
    ("mRNA vaccines", "m R N A vaccines"),
    # regnal and cardinal Roman numerals
    ("King Charles III met Pope Leo XIV.", "King Charles the third met Pope Leo the fourteenth."),
    ("after World War II and in Part IV", "after World War two and in Part four"),
    ("the Royal Society, volume IV and Vol. II", "the Royal Society, volume four and Volume two"),
    ("an IV drip", "an IV drip"),
    # word abbreviations
    ("Roe vs. Wade and Roe vs Wade at Acme Ltd.", "Roe versus Wade and Roe versus Wade at Acme Limited."),
    # symbols, web addresses
    ("Samsung & LG", "Samsung and L G"),
    ("TVs/phones", "T Vs slash phones"),
    ("Write to news@example.com today.", "Write to news at example dot com today."),
    (
        "Visit https://www.example.com/news/today?id=5 now.",
        "Visit example dot com slash news slash today now.",
    ),
    ("Read it on Yonhap.co.kr first", "Read it on Yonhap dot co dot K R first"),
    ("Visit Yahoo.ro or naver.com", "Visit Yahoo dot R O or naver dot com"),
    # service numbers after a verb of calling, digit by digit; a count stays a count
    ("Report fallen lines by calling 311, not 911, unless someone is hurt.",
     "Report fallen lines by calling three one one, not nine one one, unless someone is hurt."),
    ("Dial 999 or 112.", "Dial nine nine nine or one one two."),
    ("The storm killed 311 people.", "The storm killed three hundred eleven people."),
]


@pytest.mark.parametrize(("written", "spoken"), NEWS_CASES)
def test_news_cases(normalizer: TextNormalizer, written: str, spoken: str) -> None:
    assert normalizer.normalize(written) == spoken


WIRE_CASES = [
    ("Gov't to expand aid for S. Korean exporters", "Government to expand aid for South Korean exporters"),
    ("N. Korea fires a missile, the gov’t says.", "North Korea fires a missile, the government says."),
    ("Lt. Gen. Kim and Adm. Lee met Rep. Smith and Sen. Jones.",
     "Lieutenant General Kim and Admiral Lee met Representative Smith and Senator Jones."),
]


@pytest.mark.parametrize(("written", "spoken"), WIRE_CASES)
def test_wire_abbreviations_become_words(written: str, spoken: str) -> None:
    assert TextNormalizer().normalize(written) == spoken


def test_headline_in_capitals_is_not_spelled(normalizer: TextNormalizer) -> None:
    assert normalizer.normalize("PRESIDENT CALLS EMERGENCY MEETING") == "PRESIDENT CALLS EMERGENCY MEETING"


def test_configurable_acronyms(normalizer: TextNormalizer) -> None:
    options = SpeechOptions(acronyms_as_words=frozenset({"ICT"}), acronyms_as_letters=frozenset({"NATO"}))
    custom = TextNormalizer(options=options, nemo=normalizer.nemo, english=normalizer.english)
    assert custom.normalize("NATO and ICT") == "N A T O and ICT"


def test_english_words_in_capitals_are_said(normalizer: TextNormalizer) -> None:
    assert normalizer.normalize("the ACID test and the KFTC") == "the ACID test and the K F T C"


def test_wire_markers_can_be_kept(normalizer: TextNormalizer) -> None:
    keep = TextNormalizer(options=SpeechOptions(drop_wire_markers=False), nemo=normalizer.nemo)
    assert "(Yonhap)" in keep.normalize("SEOUL, Dec. 25 (Yonhap) -- It rained.")


class CountingNemo:
    """The real NeMo normalizer, counting the sentences it is given."""

    def __init__(self, nemo: NemoNormalizer) -> None:
        self.nemo, self.calls = nemo, 0

    def normalize(
        self,
        text: str,
        verbose: bool = False,
        punct_pre_process: bool = False,
        punct_post_process: bool = False,
    ) -> str:
        self.calls += 1
        return self.nemo.normalize(text, verbose, punct_pre_process, punct_post_process)


def test_plain_prose_skips_nemo(normalizer: TextNormalizer) -> None:
    assert normalizer.nemo is not None
    counting = CountingNemo(normalizer.nemo)
    fast = TextNormalizer(options=normalizer.options, nemo=counting, english=normalizer.english)
    assert fast.normalize("Dr. Kim said the NATO talks & the ICT plan went well.") == (
        "Doctor Kim said the NATO talks and the I C T plan went well."
    )
    assert counting.calls == 0
    assert fast.normalize("He paid $5.") == "He paid five dollars."
    assert counting.calls == 1


def test_without_nemo_numbers_are_left_to_the_voice() -> None:
    rules_only = TextNormalizer.load(SpeechOptions(use_nemo=False))
    assert rules_only.normalize("Dr. Kim paid 5% & left.") == "Doctor Kim paid 5 percent and left."


def test_substitutions_pair_the_changed_words() -> None:
    assert substitutions("It cost $5 on Dec. 1.", "It cost five dollars on December first.") == (
        ("$5", "five dollars"),
        ("Dec. 1.", "December first."),
    )


def test_grammar_cache_follows_narrate_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NARRATE_GRAMMARS")
    monkeypatch.setenv("NARRATE_HOME", str(tmp_path))
    assert default_grammar_dir().is_relative_to(tmp_path / "cache")
    assert not grammars_built(default_grammar_dir())


@pytest.mark.slow
def test_build_grammars_once(tmp_path: Path) -> None:
    target = build_grammars(tmp_path / "grammars")
    assert grammars_built(target)
    stamp = [(target / name).stat().st_mtime_ns for name in GRAMMAR_FILES]
    assert build_grammars(target) == target
    assert [(target / name).stat().st_mtime_ns for name in GRAMMAR_FILES] == stamp
    assert not [p for p in target.parent.iterdir() if p.is_dir() and p != target]  # no staging dir left
    normalizer = TextNormalizer.load(SpeechOptions(grammar_dir=target))
    assert normalizer.normalize("It cost $5.") == "It cost five dollars."


def test_spelled_letter_a_is_said_as_a_letter() -> None:
    preparer = SpeechPreparer.load((), SpeechOptions(use_nemo=False))
    assert preparer.prepare("A new AI lab opened in the USA.").spoken == "A new eh I lab opened in the U S eh."
