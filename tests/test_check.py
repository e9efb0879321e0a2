"""narrate check without a model: comparison normalization, alignment, cues, the stored result, the CLI's edges."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrate import api
from narrate.check.asr import AsrRegistry
from narrate.check.compare import compare, tokens
from narrate.check.episode import GAP, Cue, needs_hearing, pack, read_cues, split_heard
from narrate.check.suggest import heard_word, respelling, similarity, words_to_fix
from narrate.cli import main
from narrate.cli.feed import check_column
from narrate.errors import EngineError
from narrate.model import Audio, EpisodeCheck, SentenceCheck
from narrate.script import SpeechOptions, SpeechPreparer
from narrate.script.lexicon import LexiconEntry, parse_lexicon, with_entries
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize(("meant", "heard"), [
    ("The talks will last 3 days.", "The talks will last three days"),
    ("Prices rose 3.5% in the 1990s.", "prices rose three point five percent in the nineteen nineties"),
    ("The U.S. and ICT firms", "the US and I C T firms"),
    ("It cost $3,000 on the 25th.", "It cost three thousand dollars on the twenty-fifth."),
    ("Kim Yong-beom spoke.", "Kim Yongbeom spoke"),
    ("“Yes,” she said.", "yes she said"),
    ("Han Duck-soo met them.", "Han Duk-soo met them."),  # a spelling variant, not a mishearing
    ("The city centre's colours and harbour.", "The city center's colors and harbor."),
])
def test_what_a_listener_accepts_is_no_error(meant: str, heard: str) -> None:
    result = compare(meant, heard)
    assert result.errors == 0, result.edits


def test_a_misheard_name_is_an_edit_with_its_written_word() -> None:
    result = compare("Officials in Seoul said President Yoon met them.",
                     "Officials and sole set president Yoon met them.")
    assert result.edits == (("sub", "in seoul said", "and sole set"),)
    assert "Seoul" in result.suspects and result.score == pytest.approx(3 / 8)


@pytest.mark.parametrize(("meant", "heard", "suspect"), [
    ("Coupang said so.", "coupon said so", "Coupang"),
    ("Fifteen people came.", "fifty people came", "Fifteen"),
    ("Talks in London began.", "talks in Moscow began", "London"),
])
def test_mishearings_stay_errors(meant: str, heard: str, suspect: str) -> None:
    assert compare(meant, heard).suspects == (suspect,)


def test_tokens_remember_their_written_word() -> None:
    assert [(t.text, t.origin) for t in tokens("Coupang's 2 U.S. units")] == [
        ("coupangs", "Coupang's"), ("two", "2"), ("u", "U.S"), ("s", "U.S"), ("units", "units")]


def test_cues_are_read_from_the_episode_transcript() -> None:
    cues = read_cues((DATA / "bridge-reopens.vtt").read_text(encoding="utf-8"))
    assert cues[0].start < cues[0].end <= cues[1].start and cues[0].text


@pytest.mark.parametrize(("meant", "heard", "shared"), [
    (["Officials met in Seoul.", "Talks went well."], "Officials met and sole. Talks went well.",
     ["Officials met and sole.", "Talks went well."]),
    # A word aligned with nothing goes with the sentence the heard punctuation puts it in...
    (["One two.", "Three four."], "One two. Uh three four.", ["One two.", "Uh three four."]),
    # ... else with the word before it.
    (["One two.", "Three four."], "One two uh three four", ["One two uh", "three four"]),
    (["A cat sat.", "Dogs ran.", "Birds flew."], "A cat sat. Birds flew.", ["A cat sat.", "", "Birds flew."]),
    (["It rose 4% in 2024.", "Fine."], "It rose four percent in twenty twenty-four. Fine.",
     ["It rose four percent in twenty twenty-four.", "Fine."]),
])
def test_a_clips_transcript_is_shared_out_among_its_sentences(meant: list[str], heard: str,
                                                              shared: list[str]) -> None:
    assert split_heard(meant, heard) == shared


def test_chosen_sentences_are_packed_into_whole_windows() -> None:
    rate = 100
    audio = Audio(np.arange(60 * rate, dtype=np.float32), rate)
    cues = [Cue(0.0, 10.0, "a"), Cue(10.5, 20.0, "b"), Cue(20.5, 25.0, "c"), Cue(25.5, 59.0, "d")]
    clips = pack(cues, [0, 2, 3], audio, limit=20.0)
    assert [held for _, held in clips] == [[0, 2], [3]]
    first = clips[0][0].samples
    # Each cue's audio with a little margin, a silence between them, none at the ends.
    assert len(first) == round((10.05 + GAP + 4.6) * rate) and first[0] == 0 and first[-1] == 25.05 * rate - 1
    assert not first[round(10.05 * rate):round((10.05 + GAP) * rate)].any()
    assert clips[1][0].duration > 20.0  # a sentence longer than a window is a clip of its own


def test_only_sentences_that_can_go_wrong_are_heard() -> None:
    preparer = SpeechPreparer.load((), SpeechOptions(use_nemo=False))
    plain = ["Forecasters expect more rain over the weekend.", "Work on the first lane will begin soon.",
             "They don't say, and the officials' plan stays.", "This article was read by an automated voice."]
    risky = ["Officials met in Seoul.", "Exports rose 4 percent.", "Talks in 서울 ended.", "The talks ended at 5pm.",
             "Work on the lane will begin in March.", "Talks in London ended.", "Councillors voted."]
    assert [needs_hearing(s, preparer.prepare(s)) for s in plain + risky] == [False] * 4 + [True] * 7


def test_suggestion_helpers() -> None:
    assert respelling("Yong-beom") == "Yong-buhm"
    assert heard_word("Say London again.") == "London"
    assert similarity("london", "London") == 1.0 and similarity("coupon", "Coupang") < 0.8
    flagged = [("Talks in London went well.", ("London", "went")), ("London is big.", ("London",))]
    assert words_to_fix(flagged) == {"London": "Talks in London went well."}


def test_lexicon_entries_are_replaced_or_added_keeping_the_rest() -> None:
    text = '# ours\n[words]\n"London" = { ipa = "blˈɔːɹ" }\nSeoul = { respell = "Sole" }\n'
    updated = with_entries(text, [LexiconEntry("London", ipa="lˈʌndən"), LexiconEntry("Yoon", respell="Yoon")])
    assert updated.startswith("# ours\n")
    assert {e.written: (e.ipa, e.respell) for e in parse_lexicon(updated)} == {
        "London": ("lˈʌndən", None), "Seoul": (None, "Sole"), "Yoon": (None, "Yoon")}


def _published(tmp_path: Path) -> Path:
    feed_dir = tmp_path / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    api.narrate_article(DATA / "bridge-reopens.txt", feed_dir, api.NarrateOptions(voice="fake"),
                        registry=EngineRegistry({"fake": FakeEngine}), now=NOW)
    return feed_dir


def test_a_check_is_stored_with_the_record_and_listed(tmp_path: Path) -> None:
    from narrate.publish.episode import record_check

    feed_dir = _published(tmp_path)
    episode = api.find_episode(feed_dir)
    assert check_column(episode) == "-"
    sentence = SentenceCheck(index=0, start=0.1, end=1.0, written="Seoul.", spoken="Seoul.", heard="sole",
                             edits=(("sub", "seoul", "sole"),), score=1.0, flagged=True, suspects=("Seoul",))
    result = EpisodeCheck(checked=NOW, asr="test", render_key=episode.render_key, threshold=0.2, wer=0.5,
                          sentences=(sentence,))
    record_check(api.open_feed(feed_dir), result, episode.guid)
    stored = api.find_episode(feed_dir, episode.guid)
    assert stored.check == result and check_column(stored) == "1 flagged"
    listed = CliRunner().invoke(main, ["feed", "list", "harbor", "--out", str(tmp_path)], catch_exceptions=False)
    assert "1 flagged" in listed.output


def test_without_the_extra_check_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _published(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "faster_whisper" else real(name, *a))
    result = CliRunner().invoke(main, ["check", "harbor", "--out", str(tmp_path), "--model", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["narrate: error: narrate check needs the check extra: "
                                                  "pip install 'narrate[check]'"]
    with pytest.raises(EngineError, match=r"narrate\[check\]"):
        AsrRegistry.from_entry_points().create("whisper", {"model": str(tmp_path)})


def test_without_a_model_check_says_where_to_give_one(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    _published(tmp_path)
    result = CliRunner().invoke(main, ["check", "harbor", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--model DIR or check_model in feed.toml" in result.stderr


@pytest.mark.parametrize("command", ["article", "batch"])
def test_check_without_the_extra_stops_before_narrating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        command: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "faster_whisper" else real(name, *a))
    result = CliRunner().invoke(main, [command, str(DATA / "bridge-reopens.txt"), "--feed", "harbor", "--out",
                                       str(tmp_path), "--voice", "fake", "--check", "--check-model", str(tmp_path)])
    assert result.exit_code == 2 and "narrate[check]" in result.stderr
    assert not (tmp_path / "harbor" / "records").exists()


def test_check_model_in_feed_toml_is_relative_to_the_feed_or_absolute(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    feed_dir = _published(tmp_path)
    (feed_dir / "models" / "base").mkdir(parents=True)
    (feed_dir / "models" / "base" / "model.bin").write_bytes(b"")
    settings = (feed_dir / "feed.toml").read_text(encoding="utf-8")
    (feed_dir / "feed.toml").write_text(settings + 'check_model = "models/base"\n', encoding="utf-8")
    assert api.asr_engine(feed_dir).options.model == str(feed_dir / "models" / "base")
    (feed_dir / "feed.toml").write_text(settings + f'check_model = "{feed_dir / "models" / "base"}"\n',
                                        encoding="utf-8")
    assert api.asr_engine(feed_dir).options.model == str(feed_dir / "models" / "base")
