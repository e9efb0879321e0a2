"""Takes -> Programme: float32 samples and a Timeline that agree with each other, at one rate."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from narrate.audio.assemble import AssembleOptions, assemble, pause_after
from narrate.audio.samples import resample, trim
from narrate.model import Article, ArticleMeta, Programme, Role, Script, Section, Take
from narrate.script.segment import segment
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from narrate.voice.profiles import Cast, VoiceProfile
from narrate.voice.synthesize import synthesize

ARTICLE = Article(
    meta=ArticleMeta(title="Harbor ferry returns"),
    sections=(
        Section(Role.HEADLINE, ("Harbor ferry returns after repairs.",)),
        Section(Role.SYNOPSIS, ("The ferry is back. Commuters are pleased.",)),
        Section(Role.BODY, ("The harbor ferry resumed service on Monday. It had been out for six weeks.",
                            "Tickets cost the same as before.")),
    ),
)


def _cast(headline_rate: int = 22050) -> Cast:
    host = VoiceProfile(name="host", engine="fake")
    other = VoiceProfile(name="other", engine="fake", options={"sample_rate": headline_rate, "pitch": 40.0})
    return Cast(name="test", profiles={Role.HEADLINE: other}, default=host)


def _assembled(cast: Cast, options: AssembleOptions | None = None) -> tuple[Script, list[Take], Programme]:
    script = segment(ARTICLE)
    takes = synthesize(script, cast, EngineRegistry({"fake": FakeEngine}))
    return script, takes, assemble(script, takes, cast, options)


def test_programme_is_float32_in_range_at_the_assembly_rate() -> None:
    _, _, programme = _assembled(_cast())

    assert programme.samples.dtype == np.float32
    assert programme.sample_rate == AssembleOptions().sample_rate
    assert float(np.abs(programme.samples).max()) <= 1.0
    assert float(np.abs(programme.samples).max()) > 0.3  # the fake engine's tones are 0.4 loud


def test_programme_duration_is_the_timeline_duration_within_pydubs_fade_rounding() -> None:
    _, takes, programme = _assembled(_cast())

    # The Timeline counts each take's trimmed samples; pydub's 5 ms fades slice at whole milliseconds
    # and can add or drop a few frames of a take (at most one millisecond's worth). Kept as it is:
    # the published audio and transcripts stay byte-identical to what they were.
    assert programme.duration == pytest.approx(programme.timeline.duration, abs=0.001 * len(takes))
    assert programme.timeline.duration > sum(t.audio.duration for t in takes) * 0.9


def test_cues_are_in_order_and_chapters_cover_the_programme() -> None:
    script, _, programme = _assembled(_cast())
    timeline = programme.timeline

    assert len(timeline.cues) == len(list(script.sentences()))
    assert all(cue.start < cue.end for cue in timeline.cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(timeline.cues))
    assert timeline.cues[0].start == pytest.approx(AssembleOptions().lead_in, abs=1 / programme.sample_rate)
    assert timeline.chapters[0].start == 0.0 and timeline.chapters[-1].end == timeline.duration
    assert all(a.end == b.start for a, b in itertools.pairwise(timeline.chapters))
    assert [c.title for c in timeline.chapters] == [c.title for c in script.chapters]


def test_pauses_are_silent_and_as_long_as_the_profile_says() -> None:
    script, takes, programme = _assembled(_cast())
    rate, cues = programme.sample_rate, programme.timeline.cues
    pauses = pause_after(script, _cast())
    drift = round(0.001 * len(takes) * rate)  # see the test above

    for (before, after), pause in zip(itertools.pairwise(cues), pauses, strict=False):
        gap = programme.samples[round(before.end * rate) + drift: round(after.start * rate) - drift]
        assert len(gap) > 0 and not gap.any()
        assert after.start - before.end == pytest.approx(pause, abs=1 / rate)


def test_takes_at_another_rate_are_resampled_to_the_programme_rate() -> None:
    options = AssembleOptions()
    _, takes, programme = _assembled(_cast(headline_rate=16000), options)
    rate = programme.sample_rate
    keep = int(0.02 * rate)

    headline = takes[0]
    assert headline.audio.sample_rate == 16000 and takes[1].audio.sample_rate == rate
    for take, cue in zip(takes, programme.timeline.cues, strict=True):
        expected = trim(resample(take.audio, rate).samples, options.trim_threshold, keep)
        assert round((cue.end - cue.start) * rate) == len(expected)
    # The resampled headline lasts as long as the 16 kHz take (give or take the trimmed edges).
    cue = programme.timeline.cues[0]
    assert cue.end - cue.start == pytest.approx(headline.audio.duration, abs=0.05)
    spoken = programme.samples[round(cue.start * rate): round(cue.end * rate)]
    assert spoken.dtype == np.float32 and float(np.abs(spoken).max()) > 0.3


def test_trim_keeps_a_margin_and_empties_silence() -> None:
    samples = np.zeros(100, dtype=np.float32)
    assert len(trim(samples, 0.01)) == 0
    samples[40:50] = 0.5
    assert len(trim(samples, 0.01)) == 10
    assert len(trim(samples, 0.01, keep=5)) == 20
    assert len(trim(samples, 0.01, keep=60)) == 100
