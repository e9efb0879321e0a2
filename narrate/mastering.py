"""Mastering: intro, outro and a ducked music bed around the programme, then loudness to a target.

Production (intro/outro, a music bed around announcements) works on float samples with numpy,
because where the speech is comes from the Timeline, not from guessing at the audio. Loudness is
ffmpeg's work, as graphs built with ffmpeg-python:

1. apply the gain that reaches the target and catch the peaks that gain pushes over the ceiling
   with ``alimiter`` at 4x the sample rate (so inter-sample peaks count); limiting takes some
   loudness away, so the gain is refined in a round or two measured with ``ebur128``'s fast scan;
2. ``loudnorm``'s second pass applies the measured values with ``linear=true``. Its first pass is
   not run: the limiter already holds true peaks under its ceiling, and ebur128's scan of the limited
   programme gives the loudness, range and gate threshold; loudnorm's own first pass (true peak at
   192 kHz) took longer than everything else in mastering together.

Step 1 exists because two-pass loudnorm alone falls back to its dynamic mode whenever the measured
true peak plus the gain would exceed the ceiling (measured here: -17.3 LUFS instead of -16); after
the limiter the linear mode holds, and ``normalization_type`` in loudnorm's report says so.
The encoded file is measured again (``ebur128`` with ``peak=true``) by ``narrate.encode``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from narrate.errors import ConfigError, PublishError
from narrate.ffmpeg import ffmpeg_exe
from narrate.model import ChapterMark, FloatArray, Role, Timeline


@dataclass(frozen=True)
class MasterOptions:
    """Loudness targets and the production around the speech."""

    integrated: float = -16.0
    """Integrated loudness target in LUFS (Apple's and most podcast apps' target)."""
    true_peak: float = -2.0
    """True-peak ceiling of the mastered audio in dBTP. Encoding adds to it (MP3 at 64 kbit/s: about
    1 dB), and the encoded file must stay under -1 dBTP."""
    limiter_margin: float = 0.7
    """The limiter's ceiling sits this far below ``true_peak``, so loudnorm keeps its linear mode
    (ebur128 and loudnorm disagree by up to 0.3 LU on the same file)."""
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
    """What ffmpeg measured."""

    integrated: float
    true_peak: float
    lra: float = 0.0
    threshold: float = -70.0
    """The gate threshold of the integrated measurement (loudnorm's ``measured_thresh``)."""


# --- samples in and out ------------------------------------------------------------------------

def segment_samples(programme: object) -> FloatArray:
    """A 16-bit mono pydub AudioSegment -> float samples."""
    raw = np.frombuffer(programme.raw_data, dtype="<i2")  # type: ignore[attr-defined]
    return (raw.astype(np.float32) / 32768.0).astype(np.float32)


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


def write_wav(path: Path, samples: FloatArray, rate: int) -> None:
    """32-bit float WAV: no clipping between the stages, whatever the gain."""
    from scipy.io import wavfile

    wavfile.write(str(path), rate, samples.astype(np.float32))


def _tail(stderr: bytes | None) -> str:
    return (stderr or b"").decode(errors="replace").strip()[-300:]


# --- production ----------------------------------------------------------------------------------

def trim_silence(samples: FloatArray, threshold: float = 0.003) -> FloatArray:
    """Drop leading and trailing near-silence of an intro or outro."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return samples[loud[0]: loud[-1] + 1] if loud.size else samples[:0]


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
    chapters = tuple(ChapterMark(start=s, end=e, title=c.title, role=c.role)
                     for c, s, e in zip(timeline.chapters, starts, ends, strict=True))
    return Timeline(cues=cues, chapters=chapters, duration=duration)


def produce(speech: FloatArray, rate: int, timeline: Timeline, options: MasterOptions) -> tuple[FloatArray, Timeline]:
    """Speech -> intro + speech (with its music bed) + outro, and the timeline moved to match."""
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
        intro = fade_edges(trim_silence(decode(options.intro, rate)), rate, options.fade)
        parts += [intro, gap]
        offset = (len(intro) + len(gap)) / rate
    parts.append(speech)
    if options.outro is not None:
        outro = fade_edges(trim_silence(decode(options.outro, rate)), rate, options.fade)
        parts += [gap, outro]
    produced = np.concatenate(parts).astype(np.float32)
    if offset == 0.0 and len(produced) == len(speech):
        return produced, timeline
    return produced, shift_timeline(timeline, offset, len(produced) / rate)


# --- loudness ------------------------------------------------------------------------------------

def _run(stream: object, what: str) -> str:
    """Run an ffmpeg-python graph; its stderr (where loudnorm and ebur128 report) as text."""
    import ffmpeg

    try:
        _, err = stream.global_args("-nostats", "-hide_banner").run(  # type: ignore[attr-defined]
            cmd=ffmpeg_exe(), capture_stdout=True, capture_stderr=True, overwrite_output=True)
    except ffmpeg.Error as error:
        raise PublishError(f"ffmpeg failed to {what}: {_tail(error.stderr)}") from error
    return str(err.decode(errors="replace"))


def _loudnorm_report(stderr: str) -> dict[str, str]:
    blocks = re.findall(r"\{[^{}]*\}", stderr)
    if not blocks:
        raise PublishError(f"ffmpeg's loudnorm printed no report: {stderr[-300:]}")
    report: dict[str, str] = json.loads(blocks[-1])
    return report


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


def limit(source: Path, target: Path, gain_db: float, ceiling_db: float, rate: int) -> None:
    """Apply ``gain_db`` and hold true peaks under ``ceiling_db`` (a lookahead limiter at 4x the rate)."""
    import ffmpeg

    graph = (ffmpeg.input(str(source))
             .filter("volume", volume=f"{gain_db:.3f}dB", precision="float")
             .filter("aresample", 4 * rate)
             .filter("alimiter", limit=max(0.0625, 10 ** (ceiling_db / 20)), level=0, attack=5, release=60,
                     latency=1)
             .filter("aresample", rate)
             .output(str(target), acodec="pcm_f32le"))
    _run(graph, "limit peaks")


def normalize(source: Path, target: Path, measured: dict[str, str], options: MasterOptions, rate: int) -> str:
    """loudnorm's second pass with the measured values; returns its normalization type (linear or dynamic)."""
    import ffmpeg

    graph = (ffmpeg.input(str(source))
             .filter("loudnorm", I=options.integrated, TP=options.true_peak, LRA=20,
                     measured_I=measured["input_i"], measured_TP=measured["input_tp"],
                     measured_LRA=measured["input_lra"], measured_thresh=measured["input_thresh"],
                     offset=measured.get("target_offset", "0"), linear="true", print_format="json")
             .filter("aresample", rate)
             .output(str(target), acodec="pcm_f32le"))
    return _loudnorm_report(_run(graph, "normalize loudness"))["normalization_type"]


def master_file(source: Path, target: Path, source_rate: int, rate: int, options: MasterOptions) -> str:
    """Master the WAV ``source`` into the float WAV ``target`` at ``rate``; returns loudnorm's mode.

    The mode is ``linear`` unless the limiter failed to leave loudnorm room, which it never should.
    """
    integrated = measure(source, true_peak=False).integrated
    if integrated <= -70:
        raise PublishError("the episode is silent: nothing to normalize; check the engine's output")
    limited = target.with_name(target.stem + ".limited.wav")
    ceiling = options.true_peak - options.limiter_margin
    # Limiting takes loudness away (1.5 LU on Piper speech), so the gain is found in a round or two
    # with ebur128's fast scan. What is left is loudnorm's linear gain: turning down costs nothing, but
    # turning up lifts the limited peaks too, so only a tenth of a dB of that is left to it.
    # The limiter gives back less than a dB of loudness per dB of gain, so after the first round the
    # step uses the slope measured so far (a secant step) rather than the raw error.
    gain = options.integrated - integrated
    previous: tuple[float, float] | None = None
    for _ in range(4):
        limit(source, limited, gain, ceiling, source_rate)
        loudness = measure(limited, true_peak=False)
        error = options.integrated - loudness.integrated
        if -options.limiter_margin / 2 < error < 0.1:
            break
        slope = 1.0
        if previous is not None and gain != previous[0]:
            slope = min(1.0, max(0.2, (loudness.integrated - previous[1]) / (gain - previous[0])))
        previous = (gain, loudness.integrated)
        gain += error / slope
    measured = {
        "input_i": f"{loudness.integrated:.2f}", "input_tp": f"{ceiling:.2f}", "input_lra": f"{loudness.lra:.2f}",
        "input_thresh": f"{loudness.threshold:.2f}",
        # loudnorm's own offset is for its dynamic mode; in linear mode the gain is target - measured.
        "target_offset": "0",
    }
    kind = normalize(limited, target, measured, options, rate)
    limited.unlink(missing_ok=True)
    return kind
