"""Helpers on mono float samples: trim silence, resample, fade the edges, read 16-bit PCM.

Shared by assembly (takes) and production (intro and outro); all numpy, no files.
"""

from __future__ import annotations

from math import gcd

import numpy as np

from narrate.model import Audio, FloatArray


def trim(samples: FloatArray, threshold: float, keep: int = 0) -> FloatArray:
    """Drop leading and trailing samples at or below ``threshold``, keeping ``keep`` samples of margin.

    All silence gives an empty array.
    """
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[max(0, int(loud[0]) - keep): int(loud[-1]) + 1 + keep]


def resample(audio: Audio, rate: int) -> Audio:
    """The same sound at another sample rate (polyphase filter, not pydub's naive converter)."""
    if audio.sample_rate == rate:
        return audio
    from scipy.signal import resample_poly

    divisor = gcd(audio.sample_rate, rate)
    samples = resample_poly(audio.samples, rate // divisor, audio.sample_rate // divisor)
    return Audio(samples.astype(np.float32), rate)


def fade_edges(samples: FloatArray, rate: int, seconds: float) -> FloatArray:
    """Short linear fades at both ends, against clicks."""
    count = min(len(samples) // 2, round(seconds * rate))
    if count == 0:
        return samples
    ramp = np.linspace(0.0, 1.0, count, dtype=np.float32)
    out = samples.copy()
    out[:count] *= ramp
    out[-count:] *= ramp[::-1]
    return out


def from_pcm16(pcm: bytes) -> FloatArray:
    """Little-endian 16-bit mono PCM -> float samples in [-1, 1)."""
    samples: FloatArray = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    samples *= np.float32(1 / 32768)  # in place: a long programme is 70 MB a copy
    return samples
