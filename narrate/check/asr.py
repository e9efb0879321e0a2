"""The ASR engine boundary, shaped like the TTS one: a base class, options as a frozen dataclass, and a registry
built from the ``narrate.asr`` entry-point group (a test passes ``AsrRegistry({"fake": ...})``)."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

from narrate.errors import ConfigError, EngineError
from narrate.model import Audio
from narrate.voice.engines.base import options_from_mapping

ENTRY_POINT_GROUP = "narrate.asr"
BUILT_IN = {"whisper": "narrate.check.whisper:WhisperEngine"}
"""The engines pyproject.toml registers; loaded directly when the installed metadata predates the group
(narrate run from a source tree installed before ``narrate.asr`` existed)."""
INSTALL_HINT = "narrate check needs the check extra: pip install 'narrate[check]'"
CLIP_SECONDS = 30.0
"""The longest clip ``transcribe_clips`` takes: Whisper's window, which it always decodes whole."""


@dataclass(frozen=True)
class HeardWord:
    """One word of a transcript and where it sits in the audio (seconds)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    """What an ASR engine heard: the words in order, with times."""

    words: tuple[HeardWord, ...]

    @property
    def text(self) -> str:
        """The words joined."""
        return " ".join(w.text for w in self.words)

    def between(self, start: float, end: float) -> list[HeardWord]:
        """The words whose middle falls in [start, end)."""
        return [w for w in self.words if start <= (w.start + w.end) / 2 < end]


class AsrEngine(ABC):
    """What ``narrate check`` needs from a speech recognizer. Engines load their model lazily and keep it."""

    name: ClassVar[str]
    Options: ClassVar[type[Any]]
    """A frozen dataclass of the engine's settings (the model folder among them)."""
    installed: ClassVar[bool] = True

    def __init__(self, options: Any) -> None:
        self.options = options

    @abstractmethod
    def fingerprint(self) -> str:
        """Identity of what listens: engine version and model (stored with check results)."""

    @abstractmethod
    def transcribe(self, audio: Audio, language: str = "en") -> Transcript:
        """Every word heard in ``audio``, with times."""

    def transcribe_clips(self, clips: Sequence[Audio], language: str = "en") -> list[str]:
        """The text heard in each clip (each at most ``CLIP_SECONDS`` long), without word times: an engine that
        can decode several clips at once, or skip its timing pass, does it faster than ``transcribe``."""
        return [self.transcribe(clip, language).text for clip in clips]


class AsrRegistry:
    """ASR engine classes by name; ``create`` makes one with validated options."""

    def __init__(self, engine_types: Mapping[str, type[AsrEngine]]) -> None:
        self._types = dict(engine_types)

    @classmethod
    def from_entry_points(cls) -> AsrRegistry:
        """Every ASR engine installed (the built-in ones register the same way)."""
        points = {p.name: p for p in entry_points(group=ENTRY_POINT_GROUP)}
        for name, target in BUILT_IN.items():
            points.setdefault(name, EntryPoint(name, target, ENTRY_POINT_GROUP))
        types: dict[str, type[AsrEngine]] = {}
        for name, point in points.items():
            try:
                types[name] = point.load()
            except Exception as error:  # an engine whose import breaks must not take the others down
                types[name] = _missing(name, error)
        return cls(types)

    def names(self) -> Iterable[str]:
        """Registered engine names."""
        return sorted(self._types)

    def create(self, name: str, options: Mapping[str, Any]) -> AsrEngine:
        """An engine ``name`` with ``options`` (unknown keys are an error)."""
        try:
            engine_type = self._types[name]
        except KeyError:
            raise ConfigError(f"unknown ASR engine {name!r}; installed: {', '.join(self.names()) or 'none'}; "
                              f"{INSTALL_HINT}") from None
        return engine_type(options_from_mapping(engine_type.Options, options, f"ASR engine {name}"))


def _missing(name: str, error: Exception) -> type[AsrEngine]:
    class MissingAsr(AsrEngine):
        Options = dataclasses.make_dataclass("Options", [], frozen=True)
        installed = False

        def __init__(self, options: Any) -> None:
            raise EngineError(f"ASR engine {name!r} cannot be imported ({type(error).__name__}); {INSTALL_HINT}")

        def fingerprint(self) -> str:
            raise NotImplementedError

        def transcribe(self, audio: Audio, language: str = "en") -> Transcript:
            raise NotImplementedError

    MissingAsr.name = name
    return MissingAsr
