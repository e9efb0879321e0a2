"""The Coqui TTS engine, loading a tiny random-weight VITS through ``TTS(model_path=…, config_path=…)``.

The model speaks noise; what is tested is the real path: config and checkpoint on disk, Coqui's
loader, its character tokenizer, inference and the sample rate taken from the loaded synthesizer.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from narrate.errors import ConfigError, EngineError
from narrate.voice.engines.base import options_from_mapping
from narrate.voice.engines.coqui import CoquiEngine, CoquiOptions

# On a developer's machine without the extra these tests skip; CI installs it (make test), and there a
# missing Coqui is a failure, not a skip.
needs_coqui = pytest.mark.skipif(
    importlib.util.find_spec("TTS") is None and not os.environ.get("CI"),
    reason="Coqui TTS is not installed (pip install 'narrate[coqui]')",
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> CoquiOptions:
    from narrate.voice.engines._testing import build_tiny_vits

    tiny = build_tiny_vits(tmp_path_factory.mktemp("tiny-vits"))
    return CoquiOptions(model_path=str(tiny.model_path), config_path=str(tiny.config_path))


@pytest.fixture(scope="module")
def engine() -> Iterator[CoquiEngine]:
    if importlib.util.find_spec("TTS") is None:
        yield CoquiEngine()
        return
    import torch

    # Tensors this small gain nothing from threads, and on a busy 2-core machine torch's spinning
    # worker threads make each sentence several times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield CoquiEngine()
    torch.set_num_threads(threads)


@needs_coqui
@pytest.mark.model
def test_tiny_vits_speaks_through_the_public_api(engine: CoquiEngine, tiny_model: CoquiOptions) -> None:
    from narrate.voice.engines._testing import TINY_VITS_SAMPLE_RATE

    audio = engine.synthesize("Hello world, this is a test.", tiny_model)

    assert audio.sample_rate == TINY_VITS_SAMPLE_RATE
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert len(audio.samples) > 0
    assert np.all(np.isfinite(audio.samples))
    assert np.abs(audio.samples).max() <= 1.0
    assert np.abs(audio.samples).max() > 0
    # Coqui pads every sentence with 10,000 zero samples; the engine drops them.
    assert audio.samples[-1] != 0


@needs_coqui
@pytest.mark.model
def test_longer_text_gives_longer_audio(engine: CoquiEngine, tiny_model: CoquiOptions) -> None:
    short = engine.synthesize("Hi.", tiny_model)
    long = engine.synthesize(
        "This sentence is many times longer than the greeting before it, so it lasts longer.", tiny_model
    )

    assert long.duration > 3 * short.duration


@needs_coqui
@pytest.mark.model
def test_the_model_is_loaded_once_per_engine(engine: CoquiEngine, tiny_model: CoquiOptions) -> None:
    engine.synthesize("One.", tiny_model)
    loaded = engine._load(tiny_model)
    faster = replace(tiny_model, speed=1.5)  # VITS ignores speed; XTTS would use it
    engine.synthesize("Two.", faster)

    assert engine._load(tiny_model) is loaded
    assert engine._load(faster) is loaded


@needs_coqui
@pytest.mark.model
def test_fingerprint_follows_the_model_file(
    engine: CoquiEngine, tiny_model: CoquiOptions, tmp_path: Path
) -> None:
    from narrate.voice.engines._testing import build_tiny_vits

    other = build_tiny_vits(tmp_path / "other", seed=1)
    other_options = CoquiOptions(model_path=str(other.model_path), config_path=str(other.config_path))

    fresh = CoquiEngine()
    fingerprint = fresh.fingerprint(tiny_model)

    assert not fresh._models, "a local checkpoint is fingerprinted without loading it"
    assert engine.fingerprint(tiny_model) == fingerprint

    assert re.search(r"coqui-tts \d", fingerprint)
    assert re.search(r"model sha256 [0-9a-f]{64}$", fingerprint)
    assert engine.fingerprint(other_options) != fingerprint


@needs_coqui
@pytest.mark.model
def test_a_speaker_on_a_single_speaker_model_is_an_engine_error(
    engine: CoquiEngine, tiny_model: CoquiOptions
) -> None:
    options = CoquiOptions(
        model_path=tiny_model.model_path, config_path=tiny_model.config_path, speaker="p225"
    )

    with pytest.raises(EngineError, match="not multi-speaker"):
        engine.synthesize("Hello.", options)


def test_missing_checkpoint_is_an_engine_error(tmp_path: Path) -> None:
    options = CoquiOptions(model_path=str(tmp_path / "nothing.pth"))

    with pytest.raises(EngineError, match=r"not found: .*nothing\.pth, .*config\.json"):
        CoquiEngine().synthesize("Hello.", options)


def test_settings_are_checked_when_a_profile_is_read() -> None:
    with pytest.raises(ConfigError, match="give exactly one of model"):
        options_from_mapping(CoquiOptions, {}, "voices/coqui.toml")
    with pytest.raises(ConfigError, match="give exactly one of model"):
        options_from_mapping(
            CoquiOptions, {"model": "tts_models/en/ljspeech/vits", "model_path": "m.pth"}, "voices/coqui.toml"
        )
    with pytest.raises(ConfigError, match="speed must be"):
        options_from_mapping(CoquiOptions, {"model": "tts_models/en/ljspeech/vits", "speed": 0}, "v.toml")
    options = options_from_mapping(CoquiOptions, {"model_path": "/m/model.pth"}, "voices/coqui.toml")
    assert options.resolved_config_path == "/m/config.json"


@pytest.fixture(scope="module")
def tiny_multi(tmp_path_factory: pytest.TempPathFactory) -> str:
    from narrate.voice.engines._testing import build_tiny_vits

    tiny = build_tiny_vits(
        tmp_path_factory.mktemp("tiny-multi"), speakers=("alice", "bob"), languages=("en", "de")
    )
    return str(tiny.model_path)


@needs_coqui
@pytest.mark.model
def test_speaker_and_language_reach_a_multi_speaker_multilingual_model(
    engine: CoquiEngine, tiny_multi: str
) -> None:
    import torch

    def speak(speaker: str, language: str) -> np.ndarray:
        options = CoquiOptions(model_path=tiny_multi, speaker=speaker, language=language)
        engine.synthesize("Load.", options)  # building the model draws random numbers too
        torch.manual_seed(7)  # VITS samples noise at inference; fix it to compare voices
        return engine.synthesize("Hello there, friends.", options).samples

    alice = speak("alice", "en")

    assert np.array_equal(speak("alice", "en"), alice)
    for other in (speak("bob", "en"), speak("alice", "de")):
        assert len(other) != len(alice) or not np.allclose(other, alice)


@needs_coqui
@pytest.mark.model
@pytest.mark.parametrize(
    ("speaker", "language", "message"),
    [
        (None, "en", "multi-speaker model"),
        ("alice", None, "multi-lingual but no `language`"),
        ("carol", "en", "carol is not a valid speaker"),
        ("alice", "fr", "Language fr is not among"),
    ],
)
def test_wrong_speaker_or_language_is_an_engine_error(
    engine: CoquiEngine, tiny_multi: str, speaker: str | None, language: str | None, message: str
) -> None:
    options = CoquiOptions(model_path=tiny_multi, speaker=speaker, language=language)

    with pytest.raises(EngineError, match=re.escape(message)):
        engine.synthesize("Hello.", options)


def test_a_missing_voice_to_clone_is_an_engine_error(tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_bytes(b"checkpoint")
    (tmp_path / "config.json").write_text("{}")
    options = CoquiOptions(model_path=str(tmp_path / "model.pth"), speaker_wav=str(tmp_path / "me.wav"))

    with pytest.raises(EngineError, match=r"speaker_wav not found: .*me\.wav"):
        CoquiEngine().fingerprint(options)


@needs_coqui
@pytest.mark.model
def test_tiny_vits_narrates_an_episode_end_to_end(
    engine: CoquiEngine, tiny_model: CoquiOptions, tmp_path: Path
) -> None:
    import podcastparser
    from mutagen.mp3 import MP3

    from narrate import api
    from narrate.voice.engines.base import EngineRegistry
    from tests.conftest import DATA

    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "tiny.toml").write_text(
        'engine = "coqui"\ndescription = "tiny random VITS"\n[options]\n'
        f'model_path = "{tiny_model.model_path}"\nconfig_path = "{tiny_model.config_path}"\n'
    )
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text('title = "Coqui"\ndescription = "d"\nbase_url = "https://example.org/c/"\n')
    voiced: list[str] = []
    episode = api.narrate_article(
        DATA / "harbor-ferry.txt", feed_dir, api.NarrateOptions(voice="tiny", voices_dirs=(voices,)),
        registry=EngineRegistry.from_entry_points(), progress=lambda take: voiced.append(take.voice),
    ).episode
    assert episode is not None
    assert voiced and set(voiced) == {"tiny"}
    mp3 = MP3(str(feed_dir / "episodes" / episode.audio.name))
    assert mp3.info.length == pytest.approx(episode.duration, rel=0.02)
    assert [c.title for c in episode.chapters][:2] == ["Harbor Ferry Returns After Repairs", "Synopsis"]
    with (feed_dir / "feed.xml").open("rb") as stream:
        [item] = podcastparser.parse("https://example.org/c/feed.xml", stream)["episodes"]
    assert item["enclosures"][0]["file_size"] == episode.audio.size
