"""Per-voice effects through real ffmpeg (narrate/voice/effects.py): pitch, tempo, gain, EQ, validation."""

from __future__ import annotations

import numpy as np
import pytest

from narrate.model import Audio
from narrate.voice.effects import Effects, apply_effects


def tone(frequency: float, seconds: float = 1.0, rate: int = 22050, amplitude: float = 0.25) -> Audio:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return Audio((amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32), rate)


def dominant_frequency(audio: Audio) -> float:
    spectrum = np.abs(np.fft.rfft(audio.samples * np.hanning(len(audio.samples))))
    return float(np.fft.rfftfreq(len(audio.samples), 1 / audio.sample_rate)[np.argmax(spectrum)])


def band_energy(audio: Audio, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio.samples)) ** 2
    frequencies = np.fft.rfftfreq(len(audio.samples), 1 / audio.sample_rate)
    return float(spectrum[(frequencies >= low) & (frequencies < high)].sum())


def rms(audio: Audio) -> float:
    middle = audio.samples[len(audio.samples) // 4: -len(audio.samples) // 4]  # away from filter edges
    return float(np.sqrt(np.mean(middle.astype(np.float64) ** 2)))


def test_effects_keep_length_and_rate_and_shift_pitch() -> None:
    rate = 22050
    source = tone(200, rate=rate, amplitude=0.5)
    shifted = apply_effects(source, Effects(pitch_semitones=-12))
    assert shifted.sample_rate == rate
    assert abs(len(shifted.samples) - len(source.samples)) < rate * 0.02
    spectrum = np.abs(np.fft.rfft(shifted.samples))
    assert np.fft.rfftfreq(len(shifted.samples), 1 / rate)[np.argmax(spectrum)] == pytest.approx(100, abs=3)
    assert apply_effects(source, Effects()) is source


@pytest.mark.parametrize(("semitones", "formant"), [(3.0, "shifted"), (-3.0, "preserved"), (7.0, "preserved")])
def test_pitch_shift_moves_the_dominant_frequency_by_the_interval(semitones: float, formant: str) -> None:
    source = tone(300, rate=16000)
    shifted = apply_effects(source, Effects(pitch_semitones=semitones, formant=formant))  # type: ignore[arg-type]
    assert shifted.sample_rate == 16000
    assert dominant_frequency(shifted) == pytest.approx(300 * 2 ** (semitones / 12), rel=0.02)


@pytest.mark.parametrize("tempo", [0.5, 1.5, 2.0])
def test_tempo_changes_duration_not_pitch(tempo: float) -> None:
    source = tone(250, seconds=2.0)
    changed = apply_effects(source, Effects(tempo=tempo))
    assert changed.duration == pytest.approx(source.duration / tempo, rel=0.03)
    assert dominant_frequency(changed) == pytest.approx(250, rel=0.02)


@pytest.mark.parametrize("gain_db", [-12.0, -6.0, 6.0])
def test_gain_scales_the_level(gain_db: float) -> None:
    source = tone(440, amplitude=0.2)
    louder = apply_effects(source, Effects(gain_db=gain_db))
    assert len(louder.samples) == len(source.samples)
    assert rms(louder) / rms(source) == pytest.approx(10 ** (gain_db / 20), rel=0.02)


def test_gain_never_leaves_the_sample_range() -> None:
    loud = apply_effects(tone(440, amplitude=0.9), Effects(gain_db=24))
    assert float(np.abs(loud.samples).max()) <= 1.0
    assert loud.samples.dtype == np.float32


def test_bass_and_treble_shelves_tilt_the_spectrum() -> None:
    rate = 22050
    t = np.arange(rate, dtype=np.float32) / rate
    mix = Audio((0.2 * np.sin(2 * np.pi * 80 * t) + 0.2 * np.sin(2 * np.pi * 8000 * t)).astype(np.float32), rate)
    low, high = (70, 90), (7900, 8100)
    ratio = band_energy(mix, *high) / band_energy(mix, *low)
    warmer = apply_effects(mix, Effects(bass_db=9))
    brighter = apply_effects(mix, Effects(treble_db=9))
    assert band_energy(warmer, *high) / band_energy(warmer, *low) < ratio / 4
    assert band_energy(brighter, *high) / band_energy(brighter, *low) > ratio * 4


def test_neutral_effects_return_the_same_object() -> None:
    source = tone(200)
    assert Effects().neutral
    assert apply_effects(source, Effects()) is source
    assert apply_effects(source, Effects(pitch_semitones=0.0, tempo=1.0, gain_db=0.0, formant="shifted")) is source
    assert not Effects(formant="preserved").neutral  # a changed setting is not neutral even if it alone does little


def test_empty_audio_is_returned_untouched() -> None:
    empty = Audio(np.zeros(0, dtype=np.float32), 22050)
    assert apply_effects(empty, Effects(pitch_semitones=3)) is empty


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"pitch_semitones": 12.5}, "pitch_semitones"),
        ({"pitch_semitones": -13}, "pitch_semitones"),
        ({"tempo": 0.4}, "tempo"),
        ({"tempo": 2.01}, "tempo"),
        ({"gain_db": 25}, "gain_db"),
        ({"bass_db": -30}, "bass_db"),
        ({"treble_db": 24.5}, "treble_db"),
        ({"formant": "kept"}, "formant"),
    ],
)
def test_bad_values_are_rejected(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Effects(**values)  # type: ignore[arg-type]


def test_limits_themselves_are_accepted() -> None:
    lowest = Effects(pitch_semitones=-12, tempo=0.5, gain_db=24, bass_db=-24, treble_db=24)
    highest = Effects(pitch_semitones=12, tempo=2.0, gain_db=-24)
    assert not lowest.neutral and not highest.neutral
