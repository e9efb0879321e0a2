"""Mastering: intro, outro and a ducked music bed around the programme, then loudness to a target.

Production (intro/outro, a music bed around announcements) works on float samples with numpy,
because where the speech is comes from the Timeline, not from guessing at the audio. Loudness is
worked out in-process on the same samples:

1. the true-peak envelope: the samples oversampled 4x (scipy's ``resample_poly``), so inter-sample
   peaks count. It does not depend on the gain, so it is computed once per programme;
2. a gain, and a lookahead limiter that holds those true peaks under the ceiling: the gain each
   peak allows, spread ahead of and behind it with a minimum filter, released at ``RELEASE`` dB/s
   and smoothed over ``ATTACK``, built so that no sample ever gets more gain than its peak allows;
3. the integrated loudness of the result with pyloudnorm (ITU-R BS.1770-4, what ffmpeg's ebur128
   measures; the two agree within 0.05 LU on Piper speech). Limiting takes loudness away, so the gain
   is searched with secant steps, each one numpy only.

ffmpeg is left to encode (``narrate.audio.encode``) and to measure the encoded file (``measure``). It used
to do all of it: ``alimiter`` at 4x the rate and loudnorm's linear pass in rounds measured with
ebur128, each an ffmpeg process reading and writing float WAVs, loudnorm working at 192 kHz. For a
27.8 s Piper programme mastering and encoding cost 1.3 s of CPU (46 ms per second of audio), 30-45 %
of what synthesizing it costs; now 0.6 s (21-24 ms/s), of which the work here is 0.2 s (true peaks
60 ms, one limiter pass 5 ms, the rest pyloudnorm's passes) and ffmpeg's encoding and measuring the
rest. ``bench/mastering.py`` prints the figures for the example article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from narrate.audio.samples import fade_edges, trim
from narrate.errors import ConfigError, PublishError
from narrate.ffmpeg import ffmpeg_exe
from narrate.model import FloatArray, Programme, Role, Timeline


@dataclass(frozen=True)
class MasterOptions:
    """Loudness targets and the production around the speech."""

    integrated: float = -16.0
    """Integrated loudness target in LUFS (Apple's and most podcast apps' target)."""
    true_peak: float = -3.0
    """True-peak ceiling (dBTP, 4x oversampled) the limiter holds the mastered samples under. Resampling to
    44.1 kHz and encoding add to it (measured on Piper speech, MP3 at 64 kbit/s: 0.6 to 1.5 dB; AAC up
    to 1 dB), and the encoded file must stay under -1.2 dBTP to be done in one round."""
    intro: Path | None = None
    """Audio file played before the first word."""
    outro: Path | None = None
    """Audio file played after the last word."""
    music_bed: Path | None = None
    """Audio file looped around announcements ("Key takeaways."), ducked under the speech."""
    bed_level: float = -20.0
    """Music bed level (dB) against full scale where nobody speaks."""
    bed_ducking: float = 12.0
    """How many dB the bed drops while a sentence is spoken."""
    gap: float = 0.4
    """Silence between intro and speech, and between speech and outro."""
    fade: float = 0.01
    """Fade in/out of intro and outro in seconds, so nothing clicks."""


@dataclass(frozen=True)
class Loudness:
    """What ffmpeg's ebur128 measured on a file."""

    integrated: float
    true_peak: float
    lra: float = 0.0
    threshold: float = -70.0
    """The gate threshold of the integrated measurement."""


# --- files in ------------------------------------------------------------------------------------

def decode(path: Path, rate: int) -> FloatArray:
    """Any audio file ffmpeg reads -> mono float samples at ``rate``."""
    import ffmpeg

    if not path.is_file():
        raise ConfigError(f"{path}: audio file not found; fix the path in feed.toml")
    try:
        out, _ = (ffmpeg.input(str(path)).output("pipe:", format="f32le", ac=1, ar=rate)
                  .run(cmd=ffmpeg_exe(), capture_stdout=True, capture_stderr=True))
    except ffmpeg.Error as error:
        raise ConfigError(f"{path}: ffmpeg cannot decode it: {_tail(error.stderr)}") from error
    return np.frombuffer(out, dtype="<f4").copy()


def _tail(stderr: bytes | None) -> str:
    return (stderr or b"").decode(errors="replace").strip()[-300:]


# --- production ----------------------------------------------------------------------------------

INTRO_THRESHOLD = 0.003
"""Samples of an intro or outro at or below this amplitude at either end count as silence and are trimmed."""


def bed_envelope(timeline: Timeline, rate: int, length: int, options: MasterOptions) -> FloatArray:
    """Gain of the music bed per sample.

    The bed fills the pauses around each announcement ("Key takeaways.", "Question one.") from the
    end of the sentence before to the start of the sentence after, and ducks under the announcement.
    """
    envelope = np.zeros(length, dtype=np.float32)
    speech = np.zeros(length, dtype=np.float32)
    cues = timeline.cues
    for cue in cues:
        speech[round(cue.start * rate): round(cue.end * rate)] = 1.0
    for index, cue in enumerate(cues):
        if cue.sentence.role is Role.ANNOUNCEMENT:
            start = cues[index - 1].end if index > 0 else 0.0
            end = cues[index + 1].start if index + 1 < len(cues) else timeline.duration
            envelope[round(start * rate): round(end * rate)] = 1.0
    # Smooth both: the bed swells in and out over 200 ms and ducks over 150 ms, so nothing clicks.
    envelope = _smooth(envelope, round(0.2 * rate))
    speech = _smooth(speech, round(0.15 * rate))
    level = 10 ** (options.bed_level / 20)
    ducked = 10 ** (-options.bed_ducking / 20)
    return (envelope * level * (1.0 - speech * (1.0 - ducked))).astype(np.float32)


def _smooth(gate: FloatArray, width: int) -> FloatArray:
    if width <= 1 or not gate.any():
        return gate
    kernel = np.ones(width, dtype=np.float32) / width
    return np.convolve(gate, kernel, mode="same").astype(np.float32)


def shift_timeline(timeline: Timeline, offset: float, duration: float) -> Timeline:
    """The same timeline ``offset`` seconds later in an episode of ``duration`` seconds."""
    cues = tuple(replace(c, start=c.start + offset, end=c.end + offset) for c in timeline.cues)
    starts = [0.0 if i == 0 else c.start + offset for i, c in enumerate(timeline.chapters)]
    ends = [*starts[1:], duration]
    chapters = tuple(replace(c, start=s, end=e) for c, s, e in zip(timeline.chapters, starts, ends, strict=True))
    return Timeline(cues=cues, chapters=chapters, duration=duration)


def produce(programme: Programme, options: MasterOptions) -> Programme:
    """Speech -> intro + speech (with its music bed) + outro, and the timeline moved to match."""
    speech, rate, timeline = programme.samples, programme.sample_rate, programme.timeline
    if options.music_bed is not None:
        bed = decode(options.music_bed, rate)
        if bed.size:
            envelope = bed_envelope(timeline, rate, len(speech), options)
            looped = np.resize(bed, len(speech))
            speech = (speech + looped * envelope).astype(np.float32)
    gap = np.zeros(round(options.gap * rate), dtype=np.float32)
    parts: list[FloatArray] = []
    offset = 0.0
    if options.intro is not None:
        intro = fade_edges(trim(decode(options.intro, rate), INTRO_THRESHOLD), rate, options.fade)
        parts += [intro, gap]
        offset = (len(intro) + len(gap)) / rate
    parts.append(speech)
    if options.outro is not None:
        outro = fade_edges(trim(decode(options.outro, rate), INTRO_THRESHOLD), rate, options.fade)
        parts += [gap, outro]
    produced = np.concatenate(parts).astype(np.float32)
    if offset == 0.0 and len(produced) == len(speech):
        return Programme(produced, rate, timeline)
    return Programme(produced, rate, shift_timeline(timeline, offset, len(produced) / rate))


# --- loudness ------------------------------------------------------------------------------------

OVERSAMPLE = 4
"""True peaks are read at this multiple of the sample rate, so inter-sample peaks count."""
CONTROL = 8
"""The limiter works out its gain every this many samples (0.36 ms at 22.05 kHz) and interpolates it
linearly in between, so its filters run on an eighth of the samples."""
ATTACK = 0.002
"""Seconds over which the limiter's gain ramps down before a peak (it starts about twice as early)."""
RELEASE = 100.0
"""dB per second the limiter's gain may rise after a peak (6 dB in 60 ms): slow enough that speech does
not crackle, quick enough that the next syllable is not turned down. It takes as much loudness away
as the ``alimiter`` (release 60 ms) it replaced."""
SEARCH_TOLERANCE = 0.05
"""LU by which the gain search may miss its target."""


CHUNK = 1 << 18
"""Samples handled at a time (12 s at 22.05 kHz; a multiple of ``CONTROL``). Working in chunks keeps
mastering's memory flat: pyloudnorm's whole-signal meter holds five float64 copies of the programme,
which for a 13-minute episode was 340 MB on top of a batch worker's voice."""


class LoudnessMeter:
    """Integrated loudness (ITU-R BS.1770-4, as pyloudnorm and ffmpeg's ebur128 measure it) of a mono
    signal fed in chunks.

    pyloudnorm designs the K-weighting filters for any sample rate; they run here chunk by chunk with
    their state carried over, and the mean squares are summed per 100 ms hop, four of which make a
    400 ms gating block, the way pyloudnorm lays its blocks out.
    """

    def __init__(self, rate: int) -> None:
        import pyloudnorm

        self.rate = rate
        self.hop = round(0.1 * rate)
        self.stages = [(f.b, f.a, f.passband_gain) for f in pyloudnorm.Meter(rate)._filters.values()]
        self.states = [np.zeros(max(len(a), len(b)) - 1) for b, a, _ in self.stages]
        self.hop_sums = np.zeros(0)
        self.samples = 0

    def add(self, chunk: FloatArray) -> None:
        """Feed the next samples."""
        from scipy.signal import lfilter

        filtered = np.asarray(chunk, dtype=np.float64)
        for index, (b, a, passband_gain) in enumerate(self.stages):
            filtered, self.states[index] = lfilter(b, a, filtered, zi=self.states[index])
            filtered *= passband_gain
        hops = (self.samples + np.arange(len(filtered))) // self.hop
        sums = np.bincount(hops - hops[0], weights=filtered * filtered) if len(filtered) else np.zeros(0)
        needed = int(hops[-1]) + 1 if len(filtered) else len(self.hop_sums)
        if needed > len(self.hop_sums):
            self.hop_sums = np.concatenate([self.hop_sums, np.zeros(needed - len(self.hop_sums))])
        if len(filtered):
            self.hop_sums[int(hops[0]): int(hops[0]) + len(sums)] += sums
        self.samples += len(filtered)

    def integrated(self) -> float:
        """The gated loudness of everything fed so far (LUFS); -inf if it is silent."""
        block = 4 * self.hop
        seconds = self.samples / self.rate
        count = max(1, int(np.round((seconds - 0.4) / 0.1)) + 1)
        sums = np.concatenate([self.hop_sums, np.zeros(max(0, count + 3 - len(self.hop_sums)))])
        energies = (sums[0:count] + sums[1:count + 1] + sums[2:count + 2] + sums[3:count + 3]) / block
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10 * np.log10(energies)
        above_absolute = levels >= -70.0
        if not above_absolute.any():
            return float("-inf")
        relative = -0.691 + 10 * np.log10(energies[above_absolute].mean()) - 10.0
        gated = energies[above_absolute & (levels > relative)]
        return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def loudness(samples: FloatArray, rate: int) -> float:
    """Integrated loudness (LUFS) of float samples; -inf if silent."""
    meter = LoudnessMeter(rate)
    for start in range(0, len(samples), CHUNK):
        meter.add(samples[start: start + CHUNK])
    return meter.integrated()


def _true_peak_blocks(samples: FloatArray) -> Iterator[tuple[int, FloatArray]]:
    """``(start, peaks)`` per chunk: per sample, the highest magnitude of the 4x oversampled signal from
    that sample up to the next.

    In chunks, so the 4x signal of a long programme never sits in memory whole (a 15-minute
    programme would take 320 MB). Each chunk overlaps its neighbours by more than the resampling
    filter reaches (10 samples each side), so the chunks join without a seam.
    """
    from scipy.signal import resample_poly

    overlap = 32
    for start in range(0, len(samples), CHUNK):
        end = min(len(samples), start + CHUNK)
        first = max(0, start - overlap)
        chunk = np.asarray(samples[first: min(len(samples), end + overlap)], dtype=np.float32)
        oversampled = np.abs(resample_poly(chunk, OVERSAMPLE, 1))
        inner = oversampled[(start - first) * OVERSAMPLE: (end - first) * OVERSAMPLE]
        peaks: FloatArray = np.abs(samples[start:end]).astype(np.float32)
        # Maxima of strided views: numpy reduces a short trailing axis (reshape(-1, 4).max(1)) slowly.
        for phase in range(OVERSAMPLE):
            np.maximum(peaks, inner[phase::OVERSAMPLE], out=peaks)
        yield start, peaks


def peak_envelope(samples: FloatArray) -> FloatArray:
    """The true peak (dBFS) each control point of the limiter answers for.

    Control point ``k`` sits at sample ``k * CONTROL``; the gain of every sample between two control
    points is interpolated from both, so each point answers for the blocks on either side of it. The
    envelope does not depend on the gain: it is worked out once per programme.
    """
    blocks = -(-len(samples) // CONTROL)
    block = np.zeros(blocks, dtype=np.float32)
    for start, peaks in _true_peak_blocks(samples):
        padded = np.zeros(-(-len(peaks) // CONTROL) * CONTROL, dtype=np.float32)
        padded[:len(peaks)] = peaks
        maxima = padded[0::CONTROL].copy()
        for offset in range(1, CONTROL):
            np.maximum(maxima, padded[offset::CONTROL], out=maxima)
        block[start // CONTROL: start // CONTROL + len(maxima)] = maxima
    points = np.concatenate([block[:1], np.maximum(block[:-1], block[1:]), block[-1:]])
    envelope: FloatArray = (20 * np.log10(np.maximum(points, 1e-10))).astype(np.float32)
    return envelope


def limiter_gain(allowed: FloatArray, rate: float) -> FloatArray:
    """A smooth gain (dB) that is at or below ``allowed`` (dB) at every point of a signal at ``rate``.

    ``allowed`` is the most gain each point may have (0 where nothing needs limiting). The gain ramps
    down over ``ATTACK`` before a peak and comes back at ``RELEASE`` dB/s after it.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    smoothing = max(1, round(ATTACK * rate)) | 1
    # The moving average at the end mixes each point with neighbours up to smoothing // 2 away, and an
    # average never exceeds its largest term. The minimum taken first reaches twice as far (smoothing
    # each side), so every term mixed into point i is already at or below what i allows, and so is the
    # average. The extra reach also holds the gain down around a peak, where the oversampled values
    # between two samples depend on the gain of both and of their neighbours.
    held = minimum_filter1d(allowed, size=2 * smoothing + 1, mode="nearest")
    # Release: after a peak the gain rises by at most `slope` per point, that is
    # released[i] = min over j <= i of held[j] + slope * (i - j): a running minimum once the ramp is
    # taken out. Being a minimum that includes j = i, it never exceeds `held`.
    ramp = np.arange(len(held), dtype=np.float64)
    ramp *= RELEASE / rate
    released = held - ramp
    np.minimum.accumulate(released, out=released)
    released += ramp
    del ramp  # each of these is a float64 per control point: 17 MB for a 13-minute programme
    smoothed = uniform_filter1d(released, size=smoothing, mode="nearest")
    # Only rounding in the running sums can put the average above `allowed`, by far less than 1e-9 dB.
    gain: FloatArray = np.minimum(smoothed, allowed).astype(np.float32)
    return gain


def gain_points(envelope: FloatArray, gain: float, ceiling: float, rate: int) -> FloatArray:
    """The limiter's linear gain at each control point, for a programme turned up by ``gain`` dB with its true
    peaks (``envelope``, from ``peak_envelope``) under ``ceiling`` dBTP."""
    allowed = np.minimum(0.0, ceiling - gain - envelope).astype(np.float32)
    points: FloatArray = np.exp((limiter_gain(allowed, rate / CONTROL) + gain) * (np.log(10.0) / 20)).astype(np.float32)
    return points


def interpolate_gain(points: FloatArray, start: int, end: int) -> FloatArray:
    """Per sample from ``start`` (a multiple of ``CONTROL``) to ``end``, the gain between the control points.

    Linear interpolation between two control points never exceeds the larger of them, and each point
    is held under the peaks of the blocks on both sides of it.
    """
    first, last = start // CONTROL, -(-end // CONTROL)
    ends = points[first: last + 1]
    steps = (ends[1:] - ends[:-1]) / np.float32(CONTROL)
    fractions = np.arange(CONTROL, dtype=np.float32)
    curve = ends[:-1, np.newaxis] + steps[:, np.newaxis] * fractions[np.newaxis, :]
    per_sample: FloatArray = curve.reshape(-1)[: end - start]
    return per_sample


def limited_chunks(samples: FloatArray, envelope: FloatArray, gain: float, ceiling: float,
                   rate: int) -> Iterator[FloatArray]:
    """``samples`` turned up by ``gain`` dB with their true peaks held under ``ceiling`` dBTP, chunk by chunk."""
    points = gain_points(envelope, gain, ceiling, rate)
    for start in range(0, len(samples), CHUNK):
        end = min(len(samples), start + CHUNK)
        yield (samples[start:end] * interpolate_gain(points, start, end)).astype(np.float32)


def master_gain(samples: FloatArray, rate: int, options: MasterOptions, envelope: FloatArray | None = None,
                gain: float | None = None) -> float:
    """The gain (dB) that, with the limiter holding true peaks under ``options.true_peak``, brings ``samples``
    to ``options.integrated`` LUFS.

    ``envelope`` is the ``peak_envelope`` of ``samples`` if already known; ``gain`` a first guess.
    Limiting takes loudness away (on Piper speech 1.5 LU at 5 dB of gain), so the gain is searched
    with secant steps. Up to the gain that brings the highest peak to the ceiling nothing is limited
    and the loudness is known without measuring, which gives the first step its slope. Each step
    limits and measures chunk by chunk, never holding the limited programme whole.
    """
    start = loudness(samples, rate)
    if start <= -70:
        raise PublishError("the episode is silent: nothing to normalize; check the engine's output")
    if envelope is None:
        envelope = peak_envelope(samples)
    if gain is None:
        gain = options.integrated - start
    free = options.true_peak - float(envelope.max())
    previous = (free, start + free)
    for _ in range(8):
        meter = LoudnessMeter(rate)
        for chunk in limited_chunks(samples, envelope, gain, options.true_peak, rate):
            meter.add(chunk)
        measured = meter.integrated()
        error = options.integrated - measured
        if abs(error) <= SEARCH_TOLERANCE or gain == previous[0]:
            break
        # The limiter gives back less than a dB of loudness per dB of gain, and less the harder it works.
        slope = min(1.0, max(0.1, (measured - previous[1]) / (gain - previous[0])))
        previous = (gain, measured)
        gain += error / slope
    return gain


# --- measuring files -----------------------------------------------------------------------------

def _run(stream: object, what: str) -> str:
    """Run an ffmpeg-python graph; its stderr (where ebur128 reports) as text."""
    import ffmpeg

    try:
        _, err = stream.global_args("-nostats", "-hide_banner").run(  # type: ignore[attr-defined]
            cmd=ffmpeg_exe(), capture_stdout=True, capture_stderr=True, overwrite_output=True)
    except ffmpeg.Error as error:
        raise PublishError(f"ffmpeg failed to {what}: {_tail(error.stderr)}") from error
    return str(err.decode(errors="replace"))


def measure(path: Path, true_peak: bool = True) -> Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of any audio file, with ffmpeg's ebur128 scanner.

    Without ``true_peak`` the scan is several times faster and the peak reads as -inf.
    """
    import ffmpeg

    scanner = {"peak": "true"} if true_peak else {}
    graph = ffmpeg.input(str(path)).filter("ebur128", framelog="quiet", **scanner).output("-", format="null")
    stderr = _run(graph, "measure loudness")
    summary = stderr[stderr.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    lra = re.search(r"LRA:\s+(-?[\d.]+) LU", summary)
    threshold = re.search(r"I:\s+\S+ LUFS\s+Threshold:\s+(-?[\d.]+) LUFS", summary)
    if integrated is None or (true_peak and peak is None):
        raise PublishError(f"ffmpeg's ebur128 printed no summary: {summary[-300:]}")
    return Loudness(integrated=float(integrated.group(1)),
                    true_peak=float(peak.group(1)) if peak else float("-inf"),
                    lra=float(lra.group(1)) if lra else 0.0,
                    threshold=float(threshold.group(1)) if threshold else -70.0)
