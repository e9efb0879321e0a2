"""A deterministic engine with no model: tones whose length follows the text.

It is a real backend, not a mock: ``--voice fake`` publishes with it, and tests use it where the voice itself
is not what is being tested. Every character lasts ``seconds_per_char``; the pitch comes from a
digest of the text, so different sentences sound (and compare) different.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from narrate.model import Audio
from narrate.voice.engines.base import Engine


@dataclass(frozen=True)
class FakeOptions:
    """Settings of the fake engine."""

    sample_rate: int = 22050
    """Rate of the produced samples."""
    seconds_per_char: float = 0.02
    """Length of the audio per character of text."""
    pitch: float = 0.0
    """Added to the text-derived frequency, in Hz; lets two profiles sound different."""


class FakeEngine(Engine):
    """Deterministic tones instead of speech."""

    name: ClassVar[str] = "fake"
    Options: ClassVar[type[FakeOptions]] = FakeOptions
    max_chars: ClassVar[int] = 400

    def fingerprint(self, options: FakeOptions) -> str:
        return "fake-1"

    def synthesize(self, text: str, options: FakeOptions) -> Audio:
        digest = hashlib.sha256(text.encode()).digest()
        frequency = 150.0 + digest[0] + options.pitch
        count = max(1, round(len(text) * options.seconds_per_char * options.sample_rate))
        t = np.arange(count, dtype=np.float32) / options.sample_rate
        samples = (0.4 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
        return Audio(samples, options.sample_rate)
