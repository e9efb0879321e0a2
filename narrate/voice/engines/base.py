"""The engine boundary: a base class with defaults, options as frozen dataclasses, and a registry object.

An engine turns one sentence into float PCM at its own sample rate; it never writes files.
Engines load their models lazily and keep them for the life of the process, so one engine
object serves every sentence of every article a worker narrates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import types
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from narrate.errors import ConfigError, EngineError
from narrate.model import Audio

ENTRY_POINT_GROUP = "narrate.engines"


class Engine(ABC):
    """What the pipeline needs from a TTS engine; every member but ``name``, ``Options``, ``fingerprint``
    and ``synthesize`` has a default.

    Built-in engines derive from it. A third-party engine class registered through entry points may
    derive from it too (the registry gives one that does not the defaults below, see ``with_defaults``).
    """

    name: ClassVar[str]
    Options: ClassVar[type[Any]]
    """A frozen dataclass of the engine's settings; unknown keys in a profile are an error."""
    max_chars: ClassVar[int] = 0
    """Sentences longer than this are split at clause boundaries before they reach the engine; 0 sets no
    limit of the engine's own (the segment options' ``max_chars`` still applies)."""
    accepts_phonemes: ClassVar[bool] = False
    """True when the engine reads ``[[ ipa ]]`` blocks: the lexicon then sends IPA instead of respellings."""
    installed: ClassVar[bool] = True
    """False for an engine whose package or extra cannot be imported (it is listed, but cannot speak)."""

    def __init__(self, threads: int = 0) -> None:
        self.threads = threads
        """CPU threads the engine may use for one sentence; 0 lets it (or its runtime) choose."""

    @abstractmethod
    def fingerprint(self, options: Any) -> str:
        """Identity of what would speak: engine version and model digest (for cache keys)."""

    @abstractmethod
    def synthesize(self, text: str, options: Any) -> Audio:
        """Speak one sentence."""

    def load(self, options: Any) -> None:  # noqa: B027 (a hook: doing nothing is the right default)
        """Load what speaking with ``options`` needs now (a batch worker does it before its first article);
        by default engines load on first use."""

    def release_memory(self) -> None:  # noqa: B027
        """Give back scratch memory kept between sentences once an article's sentences are spoken
        (voices stay loaded)."""


def with_defaults(engine_type: type[Any]) -> type[Engine]:
    """An engine class that does not derive from ``Engine`` (written against the members alone), as a
    subclass of it: its own members first, ``Engine``'s defaults for the rest. Its ``__init__`` keeps its
    own signature; the threads it is given are set afterwards."""
    if issubclass(engine_type, Engine):
        return engine_type
    own_init = engine_type.__init__

    def __init__(self: Engine, threads: int = 0) -> None:
        own_init(self)
        self.threads = threads

    namespace = {"__init__": __init__, "__module__": engine_type.__module__, "__doc__": engine_type.__doc__,
                 "__qualname__": engine_type.__qualname__}
    adapted: type[Engine] = types.new_class(engine_type.__name__, (engine_type, Engine),
                                            exec_body=lambda ns: ns.update(namespace))
    return adapted


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


THREADS_ENV = "NARRATE_PIPER_THREADS"
"""Environment variable with the CPU threads of each engine (onnxruntime's intra-op threads: only Piper takes
a thread count today). A user override, read by ``EngineRegistry.from_entry_points`` and nowhere else; it
wins over the threads the caller computed (a batch's share of the cores)."""


def threads_from_env() -> int:
    """The threads ``NARRATE_PIPER_THREADS`` asks for; 0 when it is unset."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise EngineError(f"{THREADS_ENV}={value!r}: give a whole number of threads (0 lets onnxruntime choose)")
    return int(value)


class EngineRegistry:
    """Engine classes by name, and one loaded instance of each per registry.

    Pass one into the pipeline; tests build their own with ``EngineRegistry({"fake": FakeEngine})``.
    Every engine it makes gets ``threads`` (0: the engine's own choice).
    """

    def __init__(self, engine_types: Mapping[str, type[Any]], threads: int = 0) -> None:
        if threads < 0:
            raise ValueError("threads must be 0 (the engine's choice) or more")
        self._types = {name: with_defaults(engine_type) for name, engine_type in engine_types.items()}
        self._instances: dict[str, Engine] = {}
        self.threads = threads

    @classmethod
    def from_entry_points(cls, threads: int = 0) -> EngineRegistry:
        """Every engine installed in this environment, built-in ones included, each given ``threads``
        (``NARRATE_PIPER_THREADS``, when set, instead)."""
        types: dict[str, type[Any]] = {}
        for point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                types[point.name] = point.load()
            except Exception as error:
                # An engine whose optional dependencies are missing (or whose import breaks in any
                # other way) stays listed but unloadable, so it cannot take the other engines down;
                # `get` says why and how to install it.
                types[point.name] = _missing_engine(point.name, point.value, error)
        return cls(types, threads=threads_from_env() or threads)

    def names(self) -> Iterable[str]:
        """Registered engine names."""
        return sorted(self._types)

    def type_of(self, name: str) -> type[Engine]:
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
            self._instances[name] = engine_type(threads=self.threads)
        return self._instances[name]


def _missing_engine(name: str, target: str, error: Exception) -> type[Engine]:
    class MissingEngine(Engine):
        Options = dataclasses.make_dataclass("Options", [], frozen=True)
        installed = False

        def __init__(self, threads: int = 0) -> None:
            raise EngineError(
                f"engine {name!r} ({target}) cannot be imported ({type(error).__name__}: {error}); "
                f"install its extra or package, e.g. pip install 'narrate[{name}]'"
            )

        # Concrete, so that constructing it reaches the __init__ above (an abstract class fails earlier).
        def fingerprint(self, options: Any) -> str:
            raise NotImplementedError

        def synthesize(self, text: str, options: Any) -> Audio:
            raise NotImplementedError

    MissingEngine.name = name
    return MissingEngine
