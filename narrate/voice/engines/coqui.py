"""Coqui TTS (the maintained ``coqui-tts`` fork): VITS, XTTS, YourTTS and the rest of Coqui's zoo.

Optional: ``pip install 'narrate[coqui]'``. Only the public ``TTS.api.TTS`` is used; it is imported
when a model is first loaded, never when narrate is imported. Loaded models stay in the engine for
the life of the process, keyed by what identifies them (zoo name, or checkpoint and config paths).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from narrate.errors import EngineError
from narrate.model import Audio, FloatArray
from narrate.voice.engines.base import Engine

_INSTALL_HINT = "install the extra: pip install 'narrate[coqui]' (see the README for a CPU-only torch)"


@dataclass(frozen=True)
class CoquiOptions:
    """Settings of the Coqui TTS engine; give either ``model`` or ``model_path``."""

    model: str | None = None
    """A Coqui zoo model name, e.g. "tts_models/en/ljspeech/vits"; Coqui downloads it on first use."""
    model_path: str | None = None
    """A local checkpoint file (or XTTS checkpoint directory), instead of a zoo model."""
    config_path: str | None = None
    """The config.json of ``model_path``; defaults to config.json beside the checkpoint."""
    speaker: str | None = None
    """Speaker name, for multi-speaker models."""
    language: str | None = None
    """Language code, for multilingual models such as XTTS ("en", "de", ...)."""
    speaker_wav: str | None = None
    """Reference recording of a voice to clone, for XTTS and YourTTS."""
    speed: float = 1.0
    """Speaking speed factor, for models whose inference takes one (XTTS); others ignore it."""

    def __post_init__(self) -> None:
        if (self.model is None) == (self.model_path is None):
            raise ValueError("give exactly one of model (a Coqui zoo name) and model_path (a checkpoint)")
        if self.config_path is not None and self.model_path is None:
            raise ValueError("config_path goes with model_path, not with a zoo model")
        if not 0.25 <= self.speed <= 4.0:
            raise ValueError(f"speed must be 0.25 to 4, got {self.speed}")

    @property
    def model_key(self) -> tuple[str | None, str | None, str | None]:
        """What identifies the loaded model; the other settings apply per sentence."""
        return (self.model, self.model_path, self.resolved_config_path)

    @property
    def resolved_config_path(self) -> str | None:
        """The config file Coqui will read for ``model_path``."""
        if self.model_path is None:
            return None
        if self.config_path is not None:
            return self.config_path
        checkpoint = Path(self.model_path)
        return str((checkpoint if checkpoint.is_dir() else checkpoint.parent) / "config.json")


@dataclass(frozen=True)
class _Loaded:
    tts: Any
    digest: str
    """sha256 over the checkpoint, config and vocoder files that were loaded."""


class CoquiEngine(Engine):
    """Coqui TTS models through ``TTS.api.TTS``."""

    name: ClassVar[str] = "coqui"
    Options: ClassVar[type[CoquiOptions]] = CoquiOptions
    max_chars: ClassVar[int] = 250
    """XTTS warns past 250 characters for English; VITS copes with more, but sentences rarely need it."""

    def __init__(self, threads: int = 0) -> None:
        super().__init__(threads)
        self._models: dict[tuple[str | None, str | None, str | None], _Loaded] = {}
        self._digests: dict[tuple[str | None, str | None, str | None], str] = {}
        self._lock = threading.Lock()

    def fingerprint(self, options: CoquiOptions) -> str:
        if options.speaker_wav is not None and not Path(options.speaker_wav).is_file():
            raise EngineError(f"speaker_wav not found: {options.speaker_wav}")
        model_digest = self._model_digest(options)
        try:
            versions = f"coqui-tts {version('coqui-tts')}; torch {version('torch')}"
        except PackageNotFoundError as error:
            raise EngineError(f"the coqui engine needs {error.name}; {_INSTALL_HINT}") from error
        parts = [versions, f"model sha256 {model_digest}"]
        if options.speaker_wav is not None:
            parts.append(f"speaker_wav sha256 {_digest_paths([Path(options.speaker_wav)])}")
        return "; ".join(parts)

    def synthesize(self, text: str, options: CoquiOptions) -> Audio:
        loaded = self._load(options)
        extra: dict[str, Any] = {} if options.speed == 1.0 else {"speed": options.speed}
        with self._lock:
            try:
                wav = loaded.tts.tts(
                    text=text,
                    speaker=options.speaker,
                    language=options.language,
                    speaker_wav=options.speaker_wav,
                    split_sentences=False,
                    **extra,
                )
            except (ValueError, RuntimeError, KeyError, AssertionError) as error:
                raise EngineError(f"Coqui TTS failed to speak {text[:40]!r}: {error}") from error
            sample_rate = int(loaded.tts.synthesizer.output_sample_rate)
        samples = _trim_trailing_zeros(np.asarray(wav, dtype=np.float32).reshape(-1))
        if not np.all(np.isfinite(samples)):
            raise EngineError(f"Coqui TTS produced non-finite samples for {text[:40]!r}; check the model")
        return Audio(np.clip(samples, -1.0, 1.0), sample_rate)

    def _load(self, options: CoquiOptions) -> _Loaded:
        with self._lock:
            key = options.model_key
            if key not in self._models:
                self._models[key] = _load_model(options)
            return self._models[key]

    def _model_digest(self, options: CoquiOptions) -> str:
        """Digest of the model files; a local checkpoint is hashed without loading it (or torch),
        so a narration served wholly from the cache never pays for Coqui's start-up."""
        key = options.model_key
        if key not in self._digests:
            if options.model_path is not None:
                digest = _digest_paths(_checkpoint_files(options))
            else:
                digest = self._load(options).digest
            with self._lock:
                self._digests[key] = digest
        return self._digests[key]


def _checkpoint_files(options: CoquiOptions) -> list[Path]:
    """The checkpoint and config of a local model, which must exist."""
    assert options.model_path is not None and options.resolved_config_path is not None
    files = [Path(options.model_path), Path(options.resolved_config_path)]
    missing = [str(path) for path in files if not path.exists()]
    if missing:
        raise EngineError(f"Coqui model file(s) not found: {', '.join(missing)}")
    return files


def _load_model(options: CoquiOptions) -> _Loaded:
    files = _checkpoint_files(options) if options.model_path is not None else []
    try:
        from TTS.api import TTS
    except (ImportError, OSError) as error:
        hint = _INSTALL_HINT
        if "torchaudio" in str(error):
            hint = (
                "torchaudio's compiled kernels do not match the installed torch (PyPI's torchaudio is "
                "built for CUDA torch); see the README's Coqui section"
            )
        raise EngineError(f"the coqui engine cannot import Coqui TTS ({error}); {hint}") from error
    if options.model_path is not None:
        try:
            tts = TTS(
                model_path=options.model_path, config_path=options.resolved_config_path, progress_bar=False
            )
        except Exception as error:  # Coqui raises anything from a bad checkpoint: say which one.
            raise EngineError(f"Coqui TTS cannot load {options.model_path}: {error}") from error
    else:
        assert options.model is not None
        try:
            tts = TTS(options.model, progress_bar=False)
        except Exception as error:
            raise EngineError(
                f"Coqui TTS cannot load zoo model {options.model!r} (it is downloaded on first use, "
                f"so this needs a network connection once): {error}"
            ) from error
        synthesizer = tts.synthesizer
        if synthesizer is None:
            raise EngineError(f"Coqui model {options.model!r} is not a text-to-speech model")
        checkpoint = Path(synthesizer.tts_checkpoint)
        files = [checkpoint if checkpoint.is_dir() else checkpoint.parent]
        if synthesizer.vocoder_checkpoint:
            files.append(Path(synthesizer.vocoder_checkpoint).parent)
    return _Loaded(tts, _digest_paths(files))


def _digest_paths(paths: list[Path]) -> str:
    """sha256 over files, and over every file inside directories, in a stable order."""
    digest = hashlib.sha256()
    for root in paths:
        base = root if root.is_dir() else root.parent
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(base)).encode() + b"\0")
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
    return digest.hexdigest()


def _trim_trailing_zeros(samples: FloatArray) -> FloatArray:
    """Drop the exact-zero padding Coqui appends after each sentence; narrate places its own pauses."""
    nonzero = np.flatnonzero(samples)
    return samples[: nonzero[-1] + 1] if nonzero.size else samples[:0]
