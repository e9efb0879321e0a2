"""Episode -> heard back -> findings and lexicon fixes: what a listener would mishear, and how to say it.

An episode is transcribed with a local ASR model and compared with what was meant, sentence by sentence;
misheard names get candidate pronunciations, spoken and heard back, the best proposed as a lexicon entry.

    asr.py       the ASR engine boundary (``narrate.asr`` entry points) and its registry
    whisper.py   the first engine: faster-whisper (CTranslate2), CPU, int8
    models.py    a model folder assembled from the Whisper wheels on PyPI (for tests, benchmarks, users)
    compare.py   comparison normalization a listener accepts, word alignment, sentence scores (pure)
    episode.py   check a published episode: audio + transcript cues -> per-sentence findings
    suggest.py   candidate pronunciations for a misheard word, each spoken and heard back
"""
