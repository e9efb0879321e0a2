"""Per-voice effects applied to an engine's raw output: pitch and formant shift, tempo, gain, EQ.

They let one neural voice play several parts: Joe shifted down three semitones with his formants
is heard as a different, deeper speaker. Effects run after the cache (which keeps raw engine output),
through one ffmpeg filter graph built with ffmpeg-python, samples in and out over pipes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from narrate.errors import EngineError
from narrate.ffmpeg import ffmpeg_exe
from narrate.model import Audio


@dataclass(frozen=True)
class Effects:
    """What a profile's ``[effects]`` table may set; all default to "leave the voice alone"."""

    pitch_semitones: float = 0.0
    """Shift the pitch by this many semitones (rubberband)."""
    formant: Literal["shifted", "preserved"] = "shifted"
    """"shifted" moves the formants with the pitch (a different-sounding speaker); "preserved" keeps them."""
    tempo: float = 1.0
    """Speed up (>1) or slow down (<1) without changing the pitch."""
    gain_db: float = 0.0
    """Level change in dB (loudness is normalized for the episode anyway; this sets the balance between voices)."""
    bass_db: float = 0.0
    """Low shelf at 150 Hz, dB: warmth."""
    treble_db: float = 0.0
    """High shelf at 4 kHz, dB: presence."""

    def __post_init__(self) -> None:
        if not -12 <= self.pitch_semitones <= 12:
            raise ValueError("pitch_semitones must be between -12 and 12")
        if self.formant not in ("shifted", "preserved"):
            raise ValueError('formant must be "shifted" or "preserved"')
        if not 0.5 <= self.tempo <= 2.0:
            raise ValueError("tempo must be between 0.5 and 2")
        for name in ("gain_db", "bass_db", "treble_db"):
            if not -24 <= getattr(self, name) <= 24:
                raise ValueError(f"{name} must be between -24 and 24 dB")

    @property
    def neutral(self) -> bool:
        """True when applying these effects would change nothing."""
        return self == Effects()


def apply_effects(audio: Audio, effects: Effects) -> Audio:
    """The audio with the effects applied, at the same sample rate."""
    if effects.neutral or len(audio.samples) == 0:
        return audio
    import ffmpeg

    stream = ffmpeg.input("pipe:", format="f32le", ac=1, ar=audio.sample_rate)
    if effects.pitch_semitones or effects.tempo != 1.0:
        stream = stream.filter("rubberband", pitch=2 ** (effects.pitch_semitones / 12), tempo=effects.tempo,
                               formant=effects.formant)
    if effects.bass_db:
        stream = stream.filter("bass", g=effects.bass_db, f=150)
    if effects.treble_db:
        stream = stream.filter("treble", g=effects.treble_db, f=4000)
    if effects.gain_db:
        stream = stream.filter("volume", f"{effects.gain_db}dB")
    stream = stream.output("pipe:", format="f32le", ac=1, ar=audio.sample_rate)
    try:
        out, _ = stream.run(cmd=ffmpeg_exe(), input=audio.samples.astype("<f4").tobytes(), capture_stdout=True,
                            capture_stderr=True, quiet=True)
    except ffmpeg.Error as error:
        detail = error.stderr.decode(errors="replace").strip().splitlines()[-1:] if error.stderr else []
        raise EngineError(f"ffmpeg could not apply voice effects: {' '.join(detail)}") from error
    samples = np.frombuffer(out, dtype="<f4").astype(np.float32)
    return Audio(np.clip(samples, -1.0, 1.0), audio.sample_rate)
