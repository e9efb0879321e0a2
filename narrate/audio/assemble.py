"""Takes -> a Programme: trimmed sentences, pauses by structure, short fades, and the Timeline.

pydub is used here and only here, behind ``faded_pcm``: every take becomes a 16-bit AudioSegment with
5 ms fades, so joins never click. The faded takes and the silences are joined once at the end as raw
PCM, not appended one by one (pydub's append is quadratic and crossfades by default), and the result
becomes float32 samples once.

The Timeline is computed from the frame counts of the trimmed takes and the silences. pydub's fades slice
at whole milliseconds and can leave a take a few frames longer or shorter (under a millisecond), so the
samples and the Timeline may differ by that much per take; it is kept, so published audio, chapters and
transcripts stay what they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from narrate.audio.ffmpeg import audio_segment_class
from narrate.audio.samples import from_pcm16, resample, trim
from narrate.model import ChapterMark, Cue, FloatArray, Programme, Script, Take, Timeline
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


def to_segment(samples: FloatArray, rate: int) -> Any:
    """Float samples -> a 16-bit mono pydub AudioSegment (the adapter to pydub; also used to export a preview)."""
    segment_class = audio_segment_class()
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return segment_class(data=pcm, sample_width=2, frame_rate=rate, channels=1)


def faded_pcm(samples: FloatArray, rate: int, fade_ms: int) -> bytes:
    """A take as the 16-bit PCM that is stitched: pydub's ``fade_in``/``fade_out`` of ``fade_ms`` at both ends."""
    return bytes(to_segment(samples, rate).fade_in(fade_ms).fade_out(fade_ms).raw_data)


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


def assemble(script: Script, takes: list[Take], cast: Cast, options: AssembleOptions | None = None) -> Programme:
    """Join the takes, with pauses between them, into one float32 programme and its Timeline.

    The takes are stitched as 16-bit PCM (each faded by pydub) and joined once; the joined programme
    becomes float samples once, at the end.
    """
    options = options or AssembleOptions()
    rate = options.sample_rate
    keep = int(0.02 * rate)
    pieces: list[bytes] = []
    frames = 0

    def add_silence(seconds: float) -> None:
        nonlocal frames
        count = round(seconds * rate)
        pieces.append(bytes(2 * count))
        frames += count

    add_silence(options.lead_in)
    chapter_of = [i for i, c in enumerate(script.chapters) for _ in c.sentences]
    cues: list[Cue] = []
    for take, pause, chapter in zip(takes, pause_after(script, cast), chapter_of, strict=True):
        samples = trim(resample(take.audio, rate).samples, options.trim_threshold, keep)
        start = frames / rate
        pieces.append(faded_pcm(samples, rate, options.fade_ms))
        frames += len(samples)
        cues.append(Cue(start=start, end=frames / rate, chapter=chapter, sentence=take.sentence))
        add_silence(pause)
    add_silence(options.tail)
    pcm = b"".join(pieces)
    pieces.clear()  # the joined copy is all that is needed now
    duration = frames / rate
    timeline = Timeline(cues=tuple(cues), chapters=_chapters(script, cues, duration), duration=duration)
    return Programme(from_pcm16(pcm), rate, timeline)


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
