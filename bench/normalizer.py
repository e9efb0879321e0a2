"""Normalizer quality on the Google TN dev set: NeMo alone vs. narrate's normalizer, side by side.

    python bench/normalizer.py [--limit N] [--errors N] [--dev PATH]

Only pairs whose written and spoken forms differ are scored. Both sides are compared after the same
folding (lower case, hyphens as spaces, punctuation dropped), since a voice hears neither case nor
punctuation tokens; WER is word edits over reference words, summed over the set.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import editdistance

from narrate.script.grammars import load_normalizer
from narrate.script.normalize import TextNormalizer
from narrate.script.options import SpeechOptions

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SET = REPO_ROOT.parent / "shared" / "tn-dev" / "googletn-dev.jsonl"


def fold(text: str) -> list[str]:
    """Words as a listener hears them: lower case, no punctuation, hyphenated words split."""
    text = re.sub(r"[-–—_]", " ", text.lower())
    text = re.sub(r"[^\w\s']|(?<!\w)'|'(?!\w)", " ", text)
    return text.split()


def score(
    pairs: list[tuple[str, str]], system: Callable[[str], str]
) -> tuple[float, float, float, list[tuple[int, str, str, str]]]:
    """Exact-match rate, WER, seconds per sentence and the errors (edits, written, expected, got)."""
    exact, edits, words, errors = 0, 0, 0, []
    started = time.perf_counter()
    for written, expected in pairs:
        got = system(written)
        ref, hyp = fold(expected), fold(got)
        distance = int(editdistance.eval(ref, hyp))
        exact += distance == 0
        edits += distance
        words += len(ref)
        if distance:
            errors.append((distance, written, expected, got))
    elapsed = (time.perf_counter() - started) / max(len(pairs), 1)
    return exact / len(pairs), edits / words, elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=DEV_SET, help=f"dev set (default: {DEV_SET})")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N changed pairs")
    parser.add_argument("--errors", type=int, default=0, help="print N of narrate's errors")
    parser.add_argument("--only-ours", action="store_true", help="skip the NeMo-alone baseline")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(r["text"], r["gt_normalized"]) for r in rows if r["text"] != r["gt_normalized"]]
    if args.limit:
        pairs = pairs[: args.limit]
    print(f"dev set: {args.dev} ({len(rows)} pairs, {len(pairs)} changed and scored)")

    ours = TextNormalizer.load(SpeechOptions())
    systems: dict[str, Callable[[str], str]] = {"narrate": ours.normalize}
    if not args.only_ours:
        nemo = load_normalizer()
        systems = {"NeMo alone": lambda t: nemo.normalize(t, punct_post_process=True), **systems}

    results = {name: score(pairs, system) for name, system in systems.items()}
    print(f"{'system':<12} {'exact':>7} {'WER':>7} {'ms/sent':>8}")
    for name, (exact, wer, seconds, _) in results.items():
        print(f"{name:<12} {exact:7.3f} {wer:7.4f} {seconds * 1000:8.1f}")
    if "NeMo alone" in results:
        base, mine = results["NeMo alone"][1], results["narrate"][1]
        print(f"WER ratio narrate / NeMo alone: {mine / base:.2f}")
    for distance, written, expected, got in sorted(results["narrate"][3], reverse=True)[: args.errors]:
        print(f"\n[{distance}] {written}\n  want: {expected}\n  got:  {got}")


if __name__ == "__main__":
    main()
