"""The engine boundary: a small protocol, options as frozen dataclasses, and a registry object.

An engine turns one sentence into float PCM at its own sample rate; it never writes files.
Engines load their models lazily and keep them for the life of the process, so one engine
object serves every sentence of every article a worker narrates.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from narrate.errors import ConfigError, EngineError
from narrate.model import Audio

ENTRY_POINT_GROUP = "narrate.engines"


@runtime_checkable
class Engine(Protocol):
    """What the pipeline needs from a TTS engine."""

    name: ClassVar[str]
    Options: ClassVar[type[Any]]
    """A frozen dataclass of the engine's settings; unknown keys in a profile are an error."""
    max_chars: ClassVar[int]
    """Sentences longer than this are split at clause boundaries before they reach the engine."""
    # Optional: ``accepts_phonemes: ClassVar[bool]``, True when the engine reads ``[[ ipa ]]`` blocks
    # (the lexicon then sends IPA instead of respellings); ``release_memory(self) -> None``, called once an
    # article's sentences are spoken, to give back scratch memory kept between sentences (voices stay loaded).

    def fingerprint(self, options: Any) -> str:
        """Identity of what would speak: engine version and model digest (for cache keys)."""
        ...

    def synthesize(self, text: str, options: Any) -> Audio:
        """Speak one sentence."""
        ...


def options_from_mapping(options_type: type[Any], values: Mapping[str, Any], where: str) -> Any:
    """Build an engine's Options from a profile's table; name the file and key when it is wrong."""
    known = {f.name: f for f in dataclasses.fields(options_type)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    try:
        return options_type(**values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from error


def file_digest(path: str | Path) -> str:
    """sha256 of a model file, read in blocks (models are tens of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EngineRegistry:
    """Engine classes by name, and one loaded instance of each per registry.

    Pass one into the pipeline; tests build their own with ``EngineRegistry({"fake": FakeEngine})``.
    """

    def __init__(self, engine_types: Mapping[str, type[Any]]) -> None:
        self._types = dict(engine_types)
        self._instances: dict[str, Engine] = {}

    @classmethod
    def from_entry_points(cls) -> EngineRegistry:
        """Every engine installed in this environment, built-in ones included."""
        types: dict[str, type[Any]] = {}
        for point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                types[point.name] = point.load()
            except Exception as error:
                # An engine whose optional dependencies are missing (or whose import breaks in any
                # other way) stays listed but unloadable, so it cannot take the other engines down;
                # `get` says why and how to install it.
                types[point.name] = _missing_engine(point.name, point.value, error)
        return cls(types)

    def names(self) -> Iterable[str]:
        """Registered engine names."""
        return sorted(self._types)

    def type_of(self, name: str) -> type[Any]:
        """The engine class registered under ``name``."""
        try:
            return self._types[name]
        except KeyError:
            raise ConfigError(
                f"unknown engine {name!r}; installed engines: {', '.join(self.names()) or 'none'}"
            ) from None

    def get(self, name: str) -> Engine:
        """The process-wide instance of an engine, created on first use."""
        if name not in self._instances:
            engine_type = self.type_of(name)
            self._instances[name] = engine_type()
        return self._instances[name]


def _missing_engine(name: str, target: str, error: Exception) -> type[Any]:
    class MissingEngine:
        Options = dataclasses.make_dataclass("Options", [], frozen=True)
        max_chars = 0
        installed = False

        def __init__(self) -> None:
            raise EngineError(
                f"engine {name!r} ({target}) cannot be imported ({type(error).__name__}: {error}); "
                f"install its extra or package, e.g. pip install 'narrate[{name}]'"
            )

    MissingEngine.name = name  # type: ignore[attr-defined]
    return MissingEngine
