"""The in-process mastering: true-peak limiter, gain search, encoding from samples.

Signals are synthetic with known properties (a tone whose samples miss its peak, a speech-like
harmonic pulse train in syllables with plosive clicks), so the expected values come from how they
were built; ffmpeg's ebur128 (``measure``) is the independent reference for loudness and true peak.
Real Piper speech is mastered in tests/test_pipeline.py and the fake engine's in tests/test_podcast.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.io import wavfile

from narrate.audio.encode import EncodeOptions, master_and_encode
from narrate.audio.mastering import (
    ATTACK,
    RELEASE,
    MasterOptions,
    _true_peak_blocks,
    gain_points,
    interpolate_gain,
    limited_chunks,
    limiter_gain,
    loudness,
    master_gain,
    measure,
    peak_envelope,
)
from narrate.errors import PublishError
from narrate.model import FloatArray

RATE = 22050



def limit(samples: FloatArray, envelope: FloatArray, gain: float, ceiling: float, rate: int) -> FloatArray:
    """The limiter's whole output: ``samples`` turned up by ``gain`` dB, true peaks under ``ceiling``."""
    chunks = list(limited_chunks(samples, envelope, gain, ceiling, rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def master(samples: FloatArray, rate: int, options: MasterOptions) -> tuple[FloatArray, float]:
    """Samples mastered as encoding masters them, and the gain used."""
    envelope = peak_envelope(samples)
    gain = master_gain(samples, rate, options, envelope)
    return limit(samples, envelope, gain, options.true_peak, rate), gain


def true_peaks(samples: np.ndarray) -> np.ndarray:
    """Per sample, the highest magnitude of the 4x oversampled signal from that sample up to the next."""
    peaks = np.empty(len(samples), dtype=np.float32)
    for start, block in _true_peak_blocks(samples):
        peaks[start: start + len(block)] = block
    return peaks


def gain_curve(envelope: np.ndarray, gain: float, ceiling: float, rate: int, length: int) -> np.ndarray:
    """Per sample, the linear gain the limiter applies (its control points interpolated)."""
    return interpolate_gain(gain_points(envelope, gain, ceiling, rate), 0, length)

def db(value: float) -> float:
    return float(20 * np.log10(value))


def speech_like(seconds: float = 8.0, rate: int = RATE, seed: int = 7) -> FloatArray:
    """A voiced pulse train (pitch 90-150 Hz, harmonics up to 5 kHz) in syllables, with plosive clicks.

    Like speech it has sharp peaks over a low average: its true peak is near 0 dBFS at about -20 LUFS.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    pitch = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum((1.0 / k) * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in range(1, 34))
    envelope = np.zeros_like(t)
    start = 0.1
    while start < seconds - 0.4:
        length = rng.uniform(0.12, 0.3)
        span = (t >= start) & (t < start + length)
        envelope[span] = rng.uniform(0.2, 1.0) * np.sin(np.pi * (t[span] - start) / length) ** 2
        start += length + rng.uniform(0.04, 0.15)
    signal = voiced * envelope
    signal *= 0.5 / np.abs(signal).max()
    for at in rng.uniform(0.2, seconds - 0.2, size=6):
        burst = slice(round(at * rate), round(at * rate) + round(0.004 * rate))
        signal[burst] += rng.uniform(-0.9, 0.9, size=burst.stop - burst.start)
    return signal.astype(np.float32)


def write_float_wav(path: Path, samples: FloatArray, rate: int = RATE) -> Path:
    wavfile.write(str(path), rate, samples.astype(np.float32))
    return path


def test_true_peaks_find_the_peak_between_samples() -> None:
    # A tone at a quarter of the sample rate, 45 degrees off: every sample is at 0.707 of the peak,
    # the true peak (0.5) lies between samples.
    t = np.arange(RATE)
    tone = (0.5 * np.sin(np.pi / 2 * t + np.pi / 4)).astype(np.float32)
    assert db(float(np.abs(tone).max())) == pytest.approx(db(0.5) - 3.01, abs=0.05)
    assert db(float(true_peaks(tone)[100:-100].max())) == pytest.approx(db(0.5), abs=0.1)


def test_true_peaks_of_a_long_programme_are_read_in_blocks_without_seams() -> None:
    from scipy.signal import resample_poly

    samples = (0.1 * np.random.default_rng(3).normal(size=3 * 2**18 + 5)).astype(np.float32)
    whole = np.abs(resample_poly(samples, 4, 1)).reshape(-1, 4).max(axis=1)
    np.testing.assert_allclose(true_peaks(samples), np.maximum(whole, np.abs(samples)), rtol=1e-6)


def test_limited_true_peak_stays_under_the_ceiling(tmp_path: Path) -> None:
    samples = speech_like()
    ceiling = -3.0
    limited = limit(samples, peak_envelope(samples), 12.0, ceiling, RATE)
    assert db(float(true_peaks(limited).max())) <= ceiling + 0.01
    # ffmpeg's meter (oversampling to 192 kHz) sees the same within what 4x oversampling can miss on
    # broadband clicks: a few tenths of a dB (on Piper speech 0.15 dB; the encoded file is what counts).
    before = measure(write_float_wav(tmp_path / "before.wav", samples * np.float32(10 ** (12 / 20))))
    after = measure(write_float_wav(tmp_path / "after.wav", limited))
    assert before.true_peak > ceiling + 6
    assert after.true_peak <= ceiling + 0.5


def test_limiting_leaves_the_rest_at_the_plain_gain() -> None:
    from scipy.ndimage import maximum_filter1d

    samples = speech_like()
    plain = 10 ** (6 / 20)
    limited = limit(samples, peak_envelope(samples), 6.0, -3.0, RATE)
    ratio = np.abs(limited) / np.maximum(np.abs(samples), 1e-9)
    audible = np.abs(samples) > 1e-3
    assert float(ratio[audible].max()) == pytest.approx(plain, rel=1e-5)  # never more than the gain
    # Away from what goes over the ceiling (farther than attack and release reach), exactly the gain.
    peaks = true_peaks(samples)
    over = peaks * plain > 10 ** (-3.0 / 20)
    near_over = maximum_filter1d(over.astype(np.uint8), size=2 * round(0.2 * RATE) + 1) > 0
    untouched = audible & ~near_over
    assert 0.1 < untouched.sum() / audible.sum() < 0.9
    np.testing.assert_allclose(ratio[untouched], plain, rtol=1e-5)
    assert float((ratio[over] * peaks[over]).max()) <= 10 ** (-3.0 / 20) * (1 + 1e-5)


def test_far_below_the_ceiling_nothing_is_limited() -> None:
    samples = speech_like() * np.float32(10 ** (-30 / 20))
    curve = gain_curve(peak_envelope(samples), 6.0, -1.0, RATE, len(samples))
    np.testing.assert_allclose(curve, 10 ** (6 / 20), rtol=1e-6)
    mastered, gain = master(samples, RATE, MasterOptions(integrated=loudness(samples, RATE) + 6.0))
    assert gain == pytest.approx(6.0, abs=0.05)
    np.testing.assert_allclose(mastered, samples * np.float32(10 ** (gain / 20)), rtol=1e-5, atol=1e-9)


def test_an_isolated_peak_is_caught_briefly_and_released() -> None:
    samples = np.zeros(RATE, dtype=np.float32)
    samples[RATE // 2] = 1.0  # 0 dBFS (true peak a little higher), everything else silent
    curve = gain_curve(peak_envelope(samples), 0.0, -12.0, RATE, len(samples))
    gain_db = 20 * np.log10(curve)
    at = RATE // 2
    assert gain_db[at] <= -12.0
    # Attack: untouched until about twice ATTACK (plus one control block) before the peak.
    assert gain_db[: at - round(2.5 * ATTACK * RATE)].min() == pytest.approx(0.0, abs=1e-4)
    # Release: about RELEASE dB/s, so 12 dB are back within 120 ms and a few ms of holding.
    back = at + round((12 / RELEASE + 0.01) * RATE)
    assert gain_db[back:].min() == pytest.approx(0.0, abs=1e-4)
    halfway = at + round((6 / RELEASE + 0.004) * RATE)
    assert -8.0 < gain_db[halfway] < -4.0


@settings(max_examples=60, deadline=None)
@given(allowed=hnp.arrays(np.float32, st.integers(1, 3000), elements=st.floats(-40, 0, width=32)),
       rate=st.sampled_from([2756.25, 3000.0, 6000.0, 44100.0]))
def test_limiter_gain_never_exceeds_what_a_point_allows(allowed: FloatArray, rate: float) -> None:
    gain = limiter_gain(allowed, rate)
    assert gain.shape == allowed.shape
    assert bool(np.all(gain <= allowed))


@settings(max_examples=40, deadline=None)
@given(samples=hnp.arrays(np.float32, st.integers(1, 4000), elements=st.floats(-2, 2, width=32)),
       gain=st.floats(-6, 24), ceiling=st.floats(-9, 0))
def test_no_sample_gets_more_gain_than_its_true_peak_allows(samples: FloatArray, gain: float,
                                                           ceiling: float) -> None:
    curve = gain_curve(peak_envelope(samples), gain, ceiling, RATE, len(samples))
    peaks = true_peaks(samples)
    assert curve.shape == samples.shape
    assert bool(np.all(curve <= np.float32(10 ** (gain / 20)) * np.float32(1 + 1e-6)))
    loud = peaks > 1e-6
    assert bool(np.all(curve[loud] * peaks[loud] <= np.float32(10 ** (ceiling / 20)) * np.float32(1 + 1e-5)))


@pytest.mark.parametrize("target", [-16.0, -19.0, -14.0])
def test_gain_search_lands_on_the_target(target: float, tmp_path: Path) -> None:
    samples = speech_like()
    mastered, _ = master(samples, RATE, MasterOptions(integrated=target, true_peak=-3.0))
    assert loudness(mastered, RATE) == pytest.approx(target, abs=0.1)
    reference = measure(write_float_wav(tmp_path / "mastered.wav", mastered))
    assert reference.integrated == pytest.approx(target, abs=0.3)
    assert reference.true_peak <= -3.0 + 0.5


@pytest.mark.parametrize("audio_format", ["mp3", "m4a"])
def test_encoded_file_meets_the_podcast_target(audio_format: str, tmp_path: Path) -> None:
    samples = speech_like()
    options = EncodeOptions(format=audio_format)
    path = tmp_path / f"episode{options.suffix}"
    mastered = master_and_encode(samples, RATE, path, options, MasterOptions())
    encoded = measure(path)
    assert encoded == mastered.loudness
    assert encoded.integrated == pytest.approx(-16.0, abs=0.3)
    assert encoded.true_peak <= -1.0


def test_silence_is_a_publish_error(tmp_path: Path) -> None:
    silence = np.zeros(5 * RATE, dtype=np.float32)
    with pytest.raises(PublishError, match="silent"):
        master(silence, RATE, MasterOptions())
    with pytest.raises(PublishError, match="silent"):
        master_and_encode(silence, RATE, tmp_path / "episode.mp3", EncodeOptions(), MasterOptions())


def test_a_ceiling_the_encoder_overshoots_is_corrected_in_another_round(tmp_path: Path) -> None:
    # MP3 at 64 kbit/s adds about 1 dB of true peak: a -0.5 dBTP ceiling ends above -1 dBTP once encoded.
    path = tmp_path / "episode.mp3"
    mastered = master_and_encode(speech_like(), RATE, path, EncodeOptions(), MasterOptions(true_peak=-0.5))
    assert mastered.rounds >= 2
    encoded = measure(path)
    assert encoded.true_peak <= -1.0
    assert encoded.integrated == pytest.approx(-16.0, abs=0.3)


@pytest.mark.parametrize(("seconds", "rate"), [(0.3, 22050), (8.0, 22050), (31.7, 22050), (9.3, 44100), (5.05, 16000)])
def test_chunked_loudness_matches_pyloudnorm_and_ebur128(seconds: float, rate: int, tmp_path: Path) -> None:
    import pyloudnorm

    from narrate.audio import mastering

    if seconds < 1:  # shorter than one gating block: a tone, padded with silence by both meters
        samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate)).astype(np.float32)
    else:
        samples = speech_like(seconds, rate)
    with np.errstate(divide="ignore"):
        whole = pyloudnorm.Meter(rate).integrated_loudness(
            np.pad(samples, (0, max(0, round(0.4 * rate) - len(samples)))).astype(np.float64))
    chunked = loudness(samples, rate)
    assert chunked == pytest.approx(whole, abs=0.01)
    if seconds > 1 and rate >= 22050:  # ebur128 designs its filters differently at low rates (0.13 LU at 16 kHz)
        assert chunked == pytest.approx(measure(write_float_wav(tmp_path / "s.wav", samples, rate)).integrated, abs=0.1)
    # Chunk boundaries anywhere give the same answer (the filters' state carries over).
    meter = mastering.LoudnessMeter(rate)
    for piece in np.array_split(samples, 7):
        meter.add(piece)
    assert meter.integrated() == pytest.approx(chunked, abs=1e-6)


def test_silence_and_near_silence_read_minus_infinity() -> None:
    assert loudness(np.zeros(RATE * 2, dtype=np.float32), RATE) == float("-inf")
    assert loudness(np.full(RATE * 2, 1e-6, dtype=np.float32), RATE) == float("-inf")
