"""The eSpeak NG engine, speaking for real through the library in the espeakng-loader wheel."""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from narrate.errors import ConfigError, EngineError
from narrate.model import Audio
from narrate.voice.engines.base import options_from_mapping
from narrate.voice.engines.espeak import EspeakEngine, EspeakOptions, _espeak

SENTENCE = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def _voiced_seconds(samples: np.ndarray, sample_rate: int) -> float:
    """Seconds of audio louder than near-silence, so trailing pauses do not count."""
    frame = sample_rate // 100
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    loud = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)) > 0.01
    return float(loud.sum()) / 100


def test_speaks_a_sentence_at_a_plausible_length(engine: EspeakEngine) -> None:
    audio = engine.synthesize(SENTENCE, EspeakOptions())

    assert audio.sample_rate == 22050
    assert audio.samples.dtype == np.float32
    assert np.all(np.isfinite(audio.samples))
    assert np.abs(audio.samples).max() <= 1.0
    assert np.abs(audio.samples).max() > 0.1
    # Nine words at 175 words per minute take about three seconds; allow for pauses and pacing.
    assert 2.0 < audio.duration < 5.0
    assert _voiced_seconds(audio.samples, audio.sample_rate) > 1.0


def test_faster_rate_gives_shorter_audio(engine: EspeakEngine) -> None:
    normal = engine.synthesize(SENTENCE, EspeakOptions(rate=175))
    fast = engine.synthesize(SENTENCE, EspeakOptions(rate=350))

    assert fast.duration < 0.7 * normal.duration


def test_longer_text_gives_longer_audio(engine: EspeakEngine) -> None:
    short = engine.synthesize("Hello.", EspeakOptions())
    long = engine.synthesize("Hello. " + SENTENCE + " " + SENTENCE, EspeakOptions())

    assert long.duration > 3 * short.duration


def _pitch_hz(audio: Audio) -> float:
    """Median fundamental frequency of the voiced 40 ms frames, by autocorrelation (60 to 400 Hz)."""
    frame = int(0.04 * audio.sample_rate)
    lags = np.arange(audio.sample_rate // 400, audio.sample_rate // 60)
    pitches = []
    for start in range(0, len(audio.samples) - frame, frame):
        window = audio.samples[start : start + frame].astype(np.float64)
        if np.sqrt((window**2).mean()) < 0.05:
            continue
        window = window - window.mean()
        correlation = np.array([np.dot(window[:-lag], window[lag:]) for lag in lags])
        if correlation.max() > 0.5 * np.dot(window, window):
            pitches.append(audio.sample_rate / lags[int(correlation.argmax())])
    return float(np.median(pitches))


def test_pitch_and_voice_variant_change_the_sound(engine: EspeakEngine) -> None:
    plain = _pitch_hz(engine.synthesize(SENTENCE, EspeakOptions()))
    low = _pitch_hz(engine.synthesize(SENTENCE, EspeakOptions(pitch=10)))
    high = _pitch_hz(engine.synthesize(SENTENCE, EspeakOptions(pitch=90)))
    female = _pitch_hz(engine.synthesize(SENTENCE, EspeakOptions(voice="en-us+f3")))

    assert low < 0.9 * plain < 0.9 * high
    assert female > 1.3 * plain


def test_unknown_voice_is_an_engine_error(engine: EspeakEngine) -> None:
    with pytest.raises(EngineError, match="no voice 'xx-nowhere'"):
        engine.synthesize(SENTENCE, EspeakOptions(voice="xx-nowhere"))
    # The failure leaves the shared instance usable.
    assert engine.synthesize("Still here.", EspeakOptions()).duration > 0.3


def test_settings_are_checked_when_a_profile_is_read() -> None:
    with pytest.raises(ConfigError, match=r"voices/robot.toml: rate must be 80 to 450"):
        options_from_mapping(EspeakOptions, {"rate": 1000}, "voices/robot.toml")
    with pytest.raises(ConfigError, match="unknown setting"):
        options_from_mapping(EspeakOptions, {"speed": 1.2}, "voices/robot.toml")
    options = options_from_mapping(EspeakOptions, {"voice": "en-gb", "pitch": 30}, "voices/robot.toml")
    assert options == EspeakOptions(voice="en-gb", pitch=30)


def test_fingerprint_names_the_version_and_a_full_digest(engine: EspeakEngine) -> None:
    fingerprint = engine.fingerprint(EspeakOptions())

    assert "espeak-ng 1." in fingerprint
    assert re.search(r"sha256 [0-9a-f]{64}$", fingerprint)
    assert engine.fingerprint(EspeakOptions(rate=300)) == fingerprint


def test_threads_share_the_library_safely(engine: EspeakEngine) -> None:
    # eSpeak NG is not bit-for-bit repeatable (its output varies by a few samples from call to call),
    # so each threaded result is compared by length with the same settings spoken alone: crossed
    # voices, rates or interleaved callbacks would be off by far more than 2 %.
    settings = [
        EspeakOptions(rate=rate, voice=voice) for rate in (140, 220, 300) for voice in ("en-us", "de")
    ]
    expected = [engine.synthesize(SENTENCE, options).duration for options in settings]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda options: engine.synthesize(SENTENCE, options).duration, settings * 2))

    for index, duration in enumerate(results):
        assert duration == pytest.approx(expected[index % len(settings)], rel=0.02)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_process_forked_while_a_thread_speaks_can_speak(engine: EspeakEngine) -> None:
    engine.synthesize("Loaded.", EspeakOptions())
    context = multiprocessing.get_context("fork")
    # The child is forked while the lock is held, as in the middle of another thread's sentence.
    with _espeak().lock, context.Pool(1) as pool:
        duration = pool.apply_async(_speak_in_child).get(timeout=30)

    assert duration > 1.0


def _speak_in_child() -> float:
    return EspeakEngine().synthesize(SENTENCE, EspeakOptions()).duration


def test_espeak_narrates_an_episode_end_to_end(tmp_path: Path) -> None:
    import podcastparser
    from mutagen.mp3 import MP3

    from narrate import api
    from narrate.voice.engines.base import EngineRegistry
    from tests.conftest import DATA

    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text('title = "eSpeak"\ndescription = "d"\nbase_url = "https://example.org/e/"\n')
    voiced: list[str] = []
    episode = api.narrate_article(DATA / "harbor-ferry.txt", feed_dir, api.NarrateOptions(voice="espeak"),
                                  registry=EngineRegistry.from_entry_points(),
                                  progress=lambda take: voiced.append(take.voice)).episode
    assert episode is not None
    assert voiced and set(voiced) == {"espeak"}
    assert MP3(str(feed_dir / "episodes" / episode.audio.name)).info.length == pytest.approx(
        episode.duration, rel=0.02)
    with (feed_dir / "feed.xml").open("rb") as stream:
        [item] = podcastparser.parse("https://example.org/e/feed.xml", stream)["episodes"]
    assert item["enclosures"][0]["file_size"] == episode.audio.size
