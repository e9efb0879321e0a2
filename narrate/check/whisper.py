"""faster-whisper (CTranslate2) as narrate's first ASR engine: CPU, int8, a model folder on disk.

The model is a folder in faster-whisper's format (``model.bin``, ``config.json``, ``tokenizer.json``,
``vocabulary.json``): ``check_model`` in feed.toml or ``narrate check --model``. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from narrate.audio.samples import resample
from narrate.check.asr import CLIP_SECONDS, INSTALL_HINT, AsrEngine, HeardWord, Transcript
from narrate.errors import ConfigError, EngineError
from narrate.model import Audio
from narrate.voice.engines.base import file_digest

RATE = 16_000
TOKENS_PER_SECOND = 8
"""A bound on what a clip can hold (narration is about 3.5 tokens a second, names up to twice that): a greedy
decode caught in a repetition loop stops there instead of running to Whisper's 448 tokens."""


@dataclass(frozen=True)
class WhisperOptions:
    """How faster-whisper listens."""

    model: str = ""
    """A faster-whisper model folder (see README: where to get a model)."""
    threads: int = 0
    """CPU threads in all (0: one per core), shared out among the ``workers``."""
    workers: int = 0
    """Decoders run side by side by ``transcribe_clips``, each with ``threads / workers`` threads (0: one per
    thread, at most 4). Whisper's greedy decoding is a long chain of small steps that one thread runs almost as
    fast as two, so two single-threaded decoders on two cores hear two windows in about 80 % of the time one
    two-threaded decoder takes for the pair batched (measured: 2.0-2.1 s against 2.5-2.8 s for two 30 s
    windows of Whisper base, int8)."""
    compute_type: str = "int8"
    """CTranslate2 compute type on CPU: int8 is fastest with no measurable loss on narration."""
    beam_size: int = 1
    """1 is greedy decoding (fastest); 5 is Whisper's default."""
    batch: int = 4
    """Clips decoded together by ``transcribe_clips`` (one encoder call, one batched greedy decode)."""


class WhisperEngine(AsrEngine):
    """Transcribes with word timestamps; loads the model on first use and keeps it."""

    name: ClassVar[str] = "whisper"
    Options: ClassVar[type[Any]] = WhisperOptions

    def __init__(self, options: WhisperOptions) -> None:
        if importlib.util.find_spec("faster_whisper") is None:
            raise EngineError(INSTALL_HINT)
        folder = Path(options.model).expanduser() if options.model else None
        if folder is None or not (folder / "model.bin").is_file():
            raise ConfigError(f"ASR model folder {options.model or '(none)'!r} has no model.bin; give a "
                              "faster-whisper model folder with --model or check_model in feed.toml")
        super().__init__(options)
        self.folder = folder
        self._model: Any = None
        self._parallel: Any = None
        self._fingerprint: str | None = None

    def fingerprint(self) -> str:
        if self._fingerprint is None:  # hashing 145 MB (base) once per engine, not per check
            version = importlib.metadata.version("faster-whisper")
            self._fingerprint = f"faster-whisper {version} {self.folder.name} " \
                                f"{file_digest(self.folder / 'model.bin')[:16]}"
        return self._fingerprint

    @property
    def workers(self) -> int:
        """How many decoders run side by side."""
        opts: WhisperOptions = self.options
        threads = opts.threads or os.cpu_count() or 1
        return max(1, opts.workers or min(threads, 4))

    def _model_with(self, threads: int, workers: int) -> Any:
        from faster_whisper import WhisperModel

        opts: WhisperOptions = self.options
        return WhisperModel(str(self.folder), device="cpu", compute_type=opts.compute_type, cpu_threads=threads,
                            num_workers=workers)

    def _loaded(self) -> Any:
        """The model for one decoder with every thread: a single window, or a long clip with timestamps."""
        if self._model is None:
            self._model = self._model_with(self.options.threads or os.cpu_count() or 1, 1)
        return self._model

    def _side_by_side(self) -> Any:
        """The model for ``workers`` single-threaded (or ``threads / workers``) decoders side by side; loaded
        when an episode needs more than one window."""
        if self._parallel is None:
            threads = self.options.threads or os.cpu_count() or 1
            self._parallel = self._model_with(max(1, threads // self.workers), self.workers)
        return self._parallel

    def transcribe(self, audio: Audio, language: str = "en") -> Transcript:
        samples = resample(audio, RATE).samples if audio.sample_rate != RATE else audio.samples
        # Greedy at temperature 0 without fallbacks: deterministic, and no second decoding of hard passages.
        segments, _ = self._loaded().transcribe(samples, language=language, word_timestamps=True,
                                                beam_size=self.options.beam_size, vad_filter=False,
                                                condition_on_previous_text=False, temperature=0.0)
        words = [HeardWord(w.word.strip(), float(w.start), float(w.end))
                 for segment in segments for w in (segment.words or ()) if w.word.strip()]
        return Transcript(tuple(words))

    def transcribe_clips(self, clips: Sequence[Audio], language: str = "en") -> list[str]:
        """Each clip decoded as one whole window without timestamps: no timestamp tokens, no word-alignment
        pass, and no re-decoding from the last segment boundary; ``batch`` clips share each decoding step."""
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        workers = min(self.workers, len(clips))
        model = self._side_by_side() if workers > 1 else self._loaded()
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
        prompt = model.get_prompt(tokenizer, [], without_timestamps=True)
        suppressed = list(get_suppressed_tokens(tokenizer, [-1]))
        samples = [resample(c, RATE).samples if c.sample_rate != RATE else c.samples for c in clips]
        for clip in samples:
            if len(clip) / RATE > CLIP_SECONDS + 0.01:
                raise ValueError(f"a clip of {len(clip) / RATE:.1f} s is longer than Whisper's "
                                 f"{CLIP_SECONDS:.0f} s window")

        def decode(indexes: list[int]) -> list[str]:
            """One decoder's share, ``batch`` clips at a time (one encoder call, one batched greedy decode)."""
            texts: list[str] = []
            for first in range(0, len(indexes), max(1, self.options.batch)):
                group = [samples[i] for i in indexes[first:first + max(1, self.options.batch)]]
                longest = max(len(clip) for clip in group) / RATE
                features = np.stack([pad_or_trim(model.feature_extractor(clip)[..., :-1]) for clip in group])
                results = model.model.generate(
                    model.encode(features), [list(prompt) for _ in group], beam_size=self.options.beam_size,
                    max_length=min(model.max_length, len(prompt) + 16 + int(TOKENS_PER_SECOND * longest)),
                    suppress_blank=True, suppress_tokens=suppressed)
                texts += [tokenizer.decode(r.sequences_ids[0]).strip() for r in results]
            return texts

        if workers <= 1:
            return decode(list(range(len(samples))))
        # Each decoder takes every n-th clip; CTranslate2 releases the GIL, so the threads run side by side.
        shares = [list(range(n, len(samples), workers)) for n in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            heard = list(pool.map(decode, shares))
        texts = [""] * len(samples)
        for share, share_texts in zip(shares, heard, strict=True):
            for index, text in zip(share, share_texts, strict=True):
                texts[index] = text
        return texts
