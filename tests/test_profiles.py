"""Voice profiles and casts (narrate/voice/profiles.py): parsing, validation errors, roles, voices that differ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrate.errors import ConfigError
from narrate.model import ArticleMeta, Audio, Chapter, Role, Script, Sentence
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.profiles import load_cast, load_profile
from narrate.voice.synthesize import synthesize


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_builtin_profiles_and_default_cast() -> None:
    cast = load_cast("default")
    assert cast.profile_for(Role.BODY).name == "joe"
    assert cast.profile_for(Role.TAKEAWAYS).name == "joe-brisk"
    assert cast.profile_for(Role.FAQ_QUESTION).name == "joe-host"
    assert cast.profile_for(Role.FAQ_ANSWER).name == "joe"  # not listed: the default
    host = cast.profile_for(Role.FAQ_QUESTION)
    assert host.effects.pitch_semitones == -3.0
    assert host.options["length_scale"] == 1.05


def test_feed_profiles_are_found_first(tmp_path: Path) -> None:
    write(tmp_path, "joe.toml", 'engine = "piper"\ndescription = "local joe"\n')
    assert load_profile("joe", [tmp_path]).description == "local joe"
    assert load_profile("joe").description != "local joe"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('engine = "piper"\nvolume = 2\n', r"bad\.toml: unknown key\(s\) volume"),
        ("description = 'no engine'\n", r"bad\.toml: 'engine' must name an engine"),
        ('engine = "piper"\nsentence_pause = 9\n', r"'sentence_pause' must be a number of seconds"),
        ('engine = "piper"\n[effects]\npitch_semitones = 40\n', r"bad\.toml \[effects\]: pitch_semitones"),
        ('engine = "piper"\n[effects]\necho = 1\n', r"\[effects\]: unknown setting\(s\) echo"),
        ('engine = "piper"\noptions = 3\n', r"\[options\] must be a table"),
        ('engine = "piper"\n[oops\n', "invalid TOML"),
    ],
)
def test_invalid_profile_names_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "bad.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_profile("bad", [tmp_path])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[roles]\nbody = "joe"\n', "at least `default"),
        ('[roles]\ndefault = "joe"\nsidebar = "joe"\n', "roles.sidebar: unknown role"),
        ('[roles]\ndefault = "nobody"\n', "no voice profile named 'nobody'"),
    ],
)
def test_invalid_cast(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "bad.cast.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_cast("bad", [tmp_path])


@pytest.mark.model
def test_faq_question_voice_differs_from_body_voice(registry: EngineRegistry) -> None:
    text = "Who will attend the emergency meeting on Thursday, and what will the ministers decide there?"
    script = Script(ArticleMeta(title="t"), (Chapter("q", Role.FAQ_QUESTION, (
        Sentence(text, text, Role.FAQ_QUESTION), Sentence(text, text, Role.BODY))),))
    question, body = synthesize(script, load_cast("default"), registry)
    assert (question.voice, body.voice) == ("joe-host", "joe")
    # The host's formants are shifted down with his pitch: the spectrum's centre of mass drops by about 15 %
    # in every run, while the median pitch of one sentence varies by several semitones with Piper's sampling.
    assert spectral_centroid(question.audio) < 0.9 * spectral_centroid(body.audio)


def spectral_centroid(audio: Audio) -> float:
    magnitudes = np.abs(np.fft.rfft(audio.samples))
    frequencies = np.fft.rfftfreq(len(audio.samples), 1 / audio.sample_rate)
    return float((magnitudes * frequencies).sum() / magnitudes.sum())
