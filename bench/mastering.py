"""Mastering cost and result: the example article's programme encoded plainly (the baseline) and
mastered to -16 LUFS / -1 dBTP as MP3 and M4A.

Prints, for each, the wall time, its ratio to the plain encode, the CPU time (this process and the
ffmpeg processes it ran) per second of audio, and the loudness ffmpeg's ebur128 measures on the
encoded file. A warm-up mastering runs first, so one-off imports (scipy.signal: about 1.4 s of CPU)
are not counted: a batch worker pays them once.

    python bench/mastering.py [ARTICLE]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from narrate import api, pipeline
from narrate.audio.encode import EncodeOptions, encode_audio, master_and_encode
from narrate.audio.mastering import MasterOptions, loudness, measure, peak_envelope
from narrate.script import SpeechPreparer
from narrate.voice.engines.base import EngineRegistry

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    """CPU time of this process and of the child processes (ffmpeg) it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", default=str(ROOT / "examples" / "nationpress-coupang-breach.txt"))
    args = parser.parse_args()

    registry = EngineRegistry.from_entry_points()
    with tempfile.TemporaryDirectory() as scratch:
        feed, _ = api.create_feed(Path(scratch) / "bench")
        planned = pipeline.plan(api.read_article(args.article), feed, api.NarrateOptions(), registry,
                                SpeechPreparer.load())
        programme = pipeline.render(planned, registry)
    samples, rate, timeline = programme.samples, programme.sample_rate, programme.timeline
    print(f"article: {args.article}\nprogramme: {timeline.duration:.1f} s at {rate} Hz")
    print(f"unmastered: {loudness(samples, rate):6.1f} LUFS  {float(peak_envelope(samples).max()):5.1f} dBTP "
          "(pyloudnorm, 4x oversampled peaks)")

    with tempfile.TemporaryDirectory() as scratch:
        master_and_encode(samples[: 5 * rate], rate, Path(scratch) / "warm-up.mp3", EncodeOptions(), MasterOptions())

        wall, cpu = time.perf_counter(), cpu_seconds()
        plain = Path(scratch) / "plain.mp3"
        encode_audio(samples, rate, plain, EncodeOptions())
        baseline, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        result = measure(plain)
        print(f"{'plain MP3 encode (baseline)':<30}{baseline:7.2f} s  {1.0:5.1f}x  "
              f"{1000 * cpu / timeline.duration:5.1f} ms CPU/s  "
              f"{result.integrated:6.1f} LUFS  {result.true_peak:5.1f} dBTP")

        for audio_format in ("mp3", "m4a"):
            encode = EncodeOptions(format=audio_format)
            wall, cpu = time.perf_counter(), cpu_seconds()
            mastered = master_and_encode(samples, rate, Path(scratch) / f"episode{encode.suffix}", encode,
                                         MasterOptions())
            seconds, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            print(f"{'mastered ' + audio_format.upper():<30}{seconds:7.2f} s  {seconds / baseline:5.1f}x  "
                  f"{1000 * cpu / timeline.duration:5.1f} ms CPU/s  "
                  f"{mastered.loudness.integrated:6.1f} LUFS  {mastered.loudness.true_peak:5.1f} dBTP  "
                  f"({mastered.rounds} round(s))")


if __name__ == "__main__":
    main()
