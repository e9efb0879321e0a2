"""Script -> Takes (narrate/voice/synthesize.py) with the shipped fake engine and small engines defined here."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from narrate.errors import ConfigError, EngineError
from narrate.model import ArticleMeta, Audio, Chapter, Role, Script, Sentence, Take
from narrate.voice.cache import AudioCache
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine, FakeOptions
from narrate.voice.profiles import Cast, load_cast, load_profile, single_voice_cast
from narrate.voice.synthesize import accepts_phonemes, resolve_voices, sentence_keys, synthesize


class CountingEngine(FakeEngine):
    """The fake engine, counting what the pipeline asks of it."""

    name: ClassVar[str] = "counting"
    created: ClassVar[int] = 0
    fingerprints: ClassVar[int] = 0
    spoken: ClassVar[list[str]] = []

    def __init__(self, threads: int = 0) -> None:
        super().__init__(threads)
        type(self).created += 1

    def fingerprint(self, options: FakeOptions) -> str:
        type(self).fingerprints += 1
        return super().fingerprint(options)

    def synthesize(self, text: str, options: FakeOptions) -> Audio:
        type(self).spoken.append(text)
        return super().synthesize(text, options)


class ExplodingEngine(FakeEngine):
    """An engine whose model breaks on a particular word."""

    name: ClassVar[str] = "exploding"
    accepts_phonemes: ClassVar[bool] = True

    def synthesize(self, text: str, options: FakeOptions) -> Audio:
        if "tariff" in text:
            raise RuntimeError("onnx runtime: invalid tensor shape")
        return super().synthesize(text, options)


@pytest.fixture
def counting() -> type[CountingEngine]:
    CountingEngine.created = 0
    CountingEngine.fingerprints = 0
    CountingEngine.spoken = []
    return CountingEngine


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


@pytest.fixture
def two_voice_cast(tmp_path: Path) -> Cast:
    """Body read by "anchor", questions by "host" (pitched up, quieter), both on the counting engine."""
    write(tmp_path, "anchor.toml", 'engine = "counting"\n[options]\nseconds_per_char = 0.01\n')
    write(tmp_path, "host.toml", 'engine = "counting"\n[options]\nseconds_per_char = 0.01\npitch = 40\n'
                                 "[effects]\ngain_db = -6\n")
    write(tmp_path, "duo.cast.toml", '[roles]\ndefault = "anchor"\nfaq_question = "host"\n')
    return load_cast("duo", [tmp_path])


def sentence(written: str, role: Role = Role.BODY, spoken: str | None = None) -> Sentence:
    return Sentence(written=written, spoken=spoken or written, role=role)


def script(*sentences: Sentence) -> Script:
    return Script(ArticleMeta(title="t"), (Chapter("t", Role.BODY, sentences),))


SCRIPT = script(
    sentence("What changed?", Role.FAQ_QUESTION),
    sentence("Fares rose 5%.", spoken="Fares rose five percent."),
    sentence("The line reopens Monday."),
    sentence("What changed?", Role.FAQ_QUESTION),
)


def test_every_sentence_is_spoken_in_order_by_its_roles_voice(
    two_voice_cast: Cast, counting: type[CountingEngine]
) -> None:
    progress: list[Take] = []
    takes = synthesize(SCRIPT, two_voice_cast, EngineRegistry({"counting": counting}), progress=progress.append)
    assert [t.sentence for t in takes] == list(SCRIPT.sentences())
    assert progress == takes
    assert [t.voice for t in takes] == ["host", "anchor", "anchor", "host"]
    # the engine hears the spoken form, not the written one
    assert counting.spoken == [s.spoken for s in SCRIPT.sentences()]
    assert takes[1].audio.duration == pytest.approx(len("Fares rose five percent.") * 0.01, abs=0.001)
    assert not any(t.cached for t in takes)


def test_voices_are_resolved_once_and_each_engine_loaded_once(
    two_voice_cast: Cast, counting: type[CountingEngine]
) -> None:
    registry = EngineRegistry({"counting": counting})
    voices = resolve_voices(two_voice_cast, registry)
    assert sorted(voices) == ["anchor", "host"]
    assert voices["host"].options == FakeOptions(seconds_per_char=0.01, pitch=40)
    assert voices["anchor"].engine is voices["host"].engine
    # resolved voices are used as given: a registry that knows no engine is never consulted
    synthesize(SCRIPT, two_voice_cast, EngineRegistry({}), voices=voices)
    synthesize(SCRIPT, two_voice_cast, registry, voices=voices)
    assert counting.created == 1
    assert counting.fingerprints == 2 * len(voices)  # once per voice per run, not once per sentence


def test_second_run_takes_everything_from_the_cache(
    tmp_path: Path, two_voice_cast: Cast, counting: type[CountingEngine]
) -> None:
    cache = AudioCache(tmp_path / "cache")
    registry = EngineRegistry({"counting": counting})
    first = synthesize(SCRIPT, two_voice_cast, registry, cache=cache)
    assert [t.cached for t in first] == [False, False, False, True]  # the repeated question is a hit already
    assert cache.info().entries == 3
    assert len(counting.spoken) == 3

    again = synthesize(SCRIPT, two_voice_cast, registry, cache=cache)
    assert all(t.cached for t in again)
    assert len(counting.spoken) == 3  # the engine was not asked again
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.audio.samples, b.audio.samples)


def test_the_cache_keeps_raw_engine_output_and_effects_apply_after_it(
    tmp_path: Path, two_voice_cast: Cast, counting: type[CountingEngine]
) -> None:
    cache = AudioCache(tmp_path / "cache")
    registry = EngineRegistry({"counting": counting})
    question = script(sentence("What changed?", Role.FAQ_QUESTION))
    [take] = synthesize(question, two_voice_cast, registry, cache=cache)
    voices = resolve_voices(two_voice_cast, registry)
    [key] = sentence_keys(question, two_voice_cast, voices)
    raw = cache.get(key)
    assert raw is not None
    assert np.array_equal(raw.samples, counting().synthesize("What changed?", voices["host"].options).samples)
    # the host's -6 dB is in the take, not in the cache
    assert np.abs(take.audio.samples).max() == pytest.approx(np.abs(raw.samples).max() / 2, rel=0.03)
    [cached] = synthesize(question, two_voice_cast, registry, cache=cache)
    assert cached.cached and np.abs(cached.audio.samples).max() == pytest.approx(np.abs(take.audio.samples).max())


def test_sentence_keys_differ_by_voice_and_text(two_voice_cast: Cast, counting: type[CountingEngine]) -> None:
    voices = resolve_voices(two_voice_cast, EngineRegistry({"counting": counting}))
    same_text = script(sentence("Hello.", Role.FAQ_QUESTION), sentence("Hello."), sentence("Hello."))
    host, anchor, anchor_again = sentence_keys(same_text, two_voice_cast, voices)
    assert anchor == anchor_again
    assert host != anchor
    [other] = sentence_keys(script(sentence("Hello!")), two_voice_cast, voices)
    assert other != anchor


def test_engine_failure_is_an_engine_error_naming_voice_and_sentence(tmp_path: Path) -> None:
    write(tmp_path, "fragile.toml", 'engine = "exploding"\n')
    cast = single_voice_cast(load_profile("fragile", [tmp_path]))
    text = "Officials said the new tariff schedule would take effect in March after a long consultation period."
    failing = script(sentence("Fine so far."), sentence(text))
    with pytest.raises(EngineError) as raised:
        synthesize(failing, cast, EngineRegistry({"exploding": ExplodingEngine}))
    message = str(raised.value)
    assert "'fragile'" in message and "(exploding)" in message
    assert text[:60] in message and text not in message  # the sentence, cut to one readable line
    assert "invalid tensor shape" in message
    assert isinstance(raised.value.__cause__, RuntimeError)


def test_narrate_errors_from_an_engine_pass_through_unchanged(tmp_path: Path) -> None:
    class MissingModel(FakeEngine):
        name: ClassVar[str] = "missing"

        def synthesize(self, text: str, options: FakeOptions) -> Audio:
            raise EngineError("model joe.onnx is not installed; run narrate voices install joe")

    write(tmp_path, "absent.toml", 'engine = "missing"\n')
    cast = single_voice_cast(load_profile("absent", [tmp_path]))
    with pytest.raises(EngineError, match=r"^model joe\.onnx is not installed"):
        synthesize(script(sentence("Hi.")), cast, EngineRegistry({"missing": MissingModel}))


def test_unknown_engine_fails_before_any_audio(tmp_path: Path, counting: type[CountingEngine]) -> None:
    write(tmp_path, "a.toml", 'engine = "counting"\n')
    write(tmp_path, "b.toml", 'engine = "nonesuch"\n')
    write(tmp_path, "mixed.cast.toml", '[roles]\ndefault = "a"\nquote = "b"\n')
    with pytest.raises(ConfigError, match="unknown engine 'nonesuch'"):
        synthesize(SCRIPT, load_cast("mixed", [tmp_path]), EngineRegistry({"counting": counting}))
    assert counting.spoken == []


def test_invalid_engine_option_is_reported_with_the_profile(tmp_path: Path, registry: EngineRegistry) -> None:
    write(tmp_path, "fast.toml", 'engine = "piper"\n[options]\nlength_scale = 0\n')
    write(tmp_path, "x.cast.toml", '[roles]\ndefault = "fast"\n')
    one = Script(ArticleMeta(title="t"), (Chapter("t", Role.BODY, (Sentence("Hi.", "Hi.", Role.BODY),)),))
    with pytest.raises(ConfigError, match="voice profile 'fast' \\[options\\]: length_scale"):
        synthesize(one, load_cast("x", [tmp_path]), registry)


def test_accepts_phonemes_follows_the_engine_of_each_role(tmp_path: Path) -> None:
    write(tmp_path, "ipa.toml", 'engine = "exploding"\n')
    write(tmp_path, "plain.toml", 'engine = "fake"\n')
    write(tmp_path, "both.cast.toml", '[roles]\ndefault = "plain"\nquote = "ipa"\n')
    check = accepts_phonemes(load_cast("both", [tmp_path]),
                             EngineRegistry({"fake": FakeEngine, "exploding": ExplodingEngine}))
    assert check(Role.QUOTE) is True
    assert check(Role.BODY) is False
