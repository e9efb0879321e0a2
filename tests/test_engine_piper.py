"""The Piper engine with the bundled voice: real synthesis of short texts."""

from __future__ import annotations

import numpy as np
import pytest

from narrate.errors import ConfigError, EngineError
from narrate.voice.engines.base import EngineRegistry, options_from_mapping
from narrate.voice.engines.piper import PiperEngine, PiperOptions

pytestmark = pytest.mark.model


def test_speaks_a_sentence(registry: EngineRegistry) -> None:
    engine = registry.get("piper")
    audio = engine.synthesize("The ferry returned to service on Monday.", PiperOptions())
    assert audio.sample_rate == 22050
    assert 1.0 < audio.duration < 5.0
    assert audio.samples.dtype == np.float32
    assert float(np.max(np.abs(audio.samples))) > 0.1
    assert np.all(np.isfinite(audio.samples))


def test_length_scale_changes_the_pace(registry: EngineRegistry) -> None:
    engine = registry.get("piper")
    text = "Repairs on the harbor ferry took two weeks."
    normal = engine.synthesize(text, PiperOptions(length_scale=1.0, noise_w_scale=0.0))
    slow = engine.synthesize(text, PiperOptions(length_scale=1.4, noise_w_scale=0.0))
    assert slow.duration / normal.duration == pytest.approx(1.4, rel=0.12)


def test_fingerprint_changes_with_the_model_not_the_call(registry: EngineRegistry) -> None:
    engine = registry.get("piper")
    first = engine.fingerprint(PiperOptions())
    assert first == engine.fingerprint(PiperOptions(length_scale=1.2))
    assert "piper-tts" in first and len(first.split()[-1]) == 128


def test_missing_model_file_is_an_engine_error(tmp_path: object) -> None:
    with pytest.raises(EngineError, match="not found"):
        PiperEngine().synthesize("Hello.", PiperOptions(model="/nonexistent/voice.onnx"))


def test_profile_options_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting.*speed"):
        options_from_mapping(PiperOptions, {"speed": 2}, where="voices/x.toml [options]")
    with pytest.raises(ConfigError, match="length_scale"):
        options_from_mapping(PiperOptions, {"length_scale": -1}, where="voices/x.toml [options]")


def _rss_mb() -> float:
    from pathlib import Path

    status = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024


def test_release_memory_gives_back_the_arena_of_a_long_sentence() -> None:
    engine = PiperEngine()  # its own session, so the arena is this test's alone
    long_sentence = ("The harbor ferry, which carried commuters, students, nurses and market traders across the "
                     "estuary every morning for forty years, returned to service on Monday after engineers "
                     "replaced its engines, rebuilt the ramps and repainted the hull in the old colours.")
    engine.synthesize(long_sentence, PiperOptions())
    after_sentence = _rss_mb()
    engine.release_memory()
    assert _rss_mb() < after_sentence - 50
    again = engine.synthesize("It sailed on time.", PiperOptions())
    assert again.duration > 0.5 and float(np.max(np.abs(again.samples))) > 0.1
