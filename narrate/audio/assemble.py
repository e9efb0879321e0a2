"""Takes -> one programme and its Timeline: trimmed sentences, pauses by structure, short fades.

pydub does the stitching (every take becomes an AudioSegment with 5 ms fades, so joins never click);
segments are joined once at the end, not appended one by one (pydub's append is quadratic and
crossfades by default). The Timeline is computed from the exact frame counts of what was joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from narrate.audio.ffmpeg import audio_segment_class
from narrate.model import Audio, ChapterMark, Cue, Script, Take, Timeline
from narrate.voice.profiles import Cast


@dataclass(frozen=True)
class AssembleOptions:
    """How the programme is put together."""

    sample_rate: int = 22050
    """Rate of the episode; takes at other rates are resampled explicitly."""
    fade_ms: int = 5
    """Fade in and out of every take, against clicks at the joins."""
    lead_in: float = 0.25
    """Silence before the first word."""
    tail: float = 0.6
    """Silence after the last word."""
    trim_threshold: float = 0.01
    """Samples below this amplitude at either end of a take count as silence and are trimmed."""


def trim(samples: np.ndarray, threshold: float, keep: int) -> np.ndarray:
    """Drop leading and trailing near-silence, keeping ``keep`` samples of margin."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[max(0, loud[0] - keep): loud[-1] + 1 + keep]


def resample(audio: Audio, rate: int) -> Audio:
    """The same sound at another sample rate (polyphase filter, not pydub's naive converter)."""
    if audio.sample_rate == rate:
        return audio
    from math import gcd

    from scipy.signal import resample_poly

    divisor = gcd(audio.sample_rate, rate)
    samples = resample_poly(audio.samples, rate // divisor, audio.sample_rate // divisor)
    return Audio(samples.astype(np.float32), rate)


def to_segment(samples: np.ndarray, rate: int) -> Any:
    """Float samples -> a 16-bit mono pydub AudioSegment."""
    segment_class = audio_segment_class()
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return segment_class(data=pcm, sample_width=2, frame_rate=rate, channels=1)


def pause_after(script: Script, cast: Cast) -> list[float]:
    """Seconds of silence after each sentence: longer at paragraph and section ends."""
    pauses: list[float] = []
    for chapter_index, chapter in enumerate(script.chapters):
        for index, sentence in enumerate(chapter.sentences):
            profile = cast.profile_for(sentence.role)
            if index == len(chapter.sentences) - 1:
                last = chapter_index == len(script.chapters) - 1
                pauses.append(0.0 if last else profile.section_pause)
            elif sentence.paragraph_end:
                pauses.append(profile.paragraph_pause)
            else:
                pauses.append(profile.sentence_pause)
    return pauses


def assemble(script: Script, takes: list[Take], cast: Cast, options: AssembleOptions | None = None) -> tuple[
    Any, Timeline
]:
    """Join the takes into one AudioSegment with its Timeline."""
    options = options or AssembleOptions()
    rate = options.sample_rate
    keep = int(0.02 * rate)
    segment_class = audio_segment_class()
    pieces: list[Any] = [segment_class.silent(duration=0, frame_rate=rate)]
    frames = 0

    def add_silence(seconds: float) -> None:
        nonlocal frames
        count = round(seconds * rate)
        pieces.append(to_segment(np.zeros(count, dtype=np.float32), rate))
        frames += count

    add_silence(options.lead_in)
    chapter_of = [i for i, c in enumerate(script.chapters) for _ in c.sentences]
    cues: list[Cue] = []
    for take, pause, chapter in zip(takes, pause_after(script, cast), chapter_of, strict=True):
        samples = trim(resample(take.audio, rate).samples, options.trim_threshold, keep)
        segment = to_segment(samples, rate).fade_in(options.fade_ms).fade_out(options.fade_ms)
        start = frames / rate
        pieces.append(segment)
        frames += len(samples)
        cues.append(Cue(start=start, end=frames / rate, chapter=chapter, sentence=take.sentence))
        add_silence(pause)
    add_silence(options.tail)
    programme = pieces[0]._spawn(b"".join(p.raw_data for p in pieces))
    duration = frames / rate
    return programme, Timeline(cues=tuple(cues), chapters=_chapters(script, cues, duration), duration=duration)


def _chapters(script: Script, cues: list[Cue], duration: float) -> tuple[ChapterMark, ...]:
    """A chapter runs from its first sentence to the next chapter's first sentence; the first starts at 0."""
    starts: list[float] = []
    for index in range(len(script.chapters)):
        first = next(c.start for c in cues if c.chapter == index)
        starts.append(0.0 if index == 0 else first)
    ends = [*starts[1:], duration]
    return tuple(
        ChapterMark(start=start, end=end, title=chapter.title, role=chapter.role)
        for chapter, start, end in zip(script.chapters, starts, ends, strict=True)
    )
