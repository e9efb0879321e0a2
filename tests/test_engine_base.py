"""The engine base class: every member declared with its default, and threads given at construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from narrate.model import Audio
from narrate.voice.engines.base import THREADS_ENV, Engine, EngineRegistry, with_defaults
from narrate.voice.engines.coqui import CoquiEngine
from narrate.voice.engines.espeak import EspeakEngine
from narrate.voice.engines.fake import FakeEngine, FakeOptions
from narrate.voice.engines.piper import PiperEngine, PiperOptions


@pytest.mark.parametrize("engine_type", [PiperEngine, EspeakEngine, CoquiEngine, FakeEngine])
def test_built_in_engines_derive_from_the_base_class(engine_type: type[Engine]) -> None:
    assert issubclass(engine_type, Engine)
    assert engine_type.installed is True
    assert engine_type.max_chars > 0
    assert isinstance(engine_type.accepts_phonemes, bool)


def test_optional_members_have_defaults() -> None:
    engine = FakeEngine()

    assert engine.threads == 0
    assert FakeEngine.accepts_phonemes is False and PiperEngine.accepts_phonemes is True
    engine.load(FakeOptions())  # nothing to load: the default does nothing
    engine.release_memory()
    assert engine.synthesize("Hello.", FakeOptions()).duration > 0


def test_the_registry_gives_every_engine_its_threads() -> None:
    registry = EngineRegistry({"fake": FakeEngine}, threads=2)

    assert registry.get("fake").threads == 2
    with pytest.raises(ValueError, match="threads"):
        EngineRegistry({"fake": FakeEngine}, threads=-1)


def test_threads_reach_piper_and_the_environment_overrides_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert EngineRegistry.from_entry_points(threads=1).get("piper").threads == 1
    assert EngineRegistry.from_entry_points().get("piper").threads == 0
    monkeypatch.setenv(THREADS_ENV, "3")
    assert EngineRegistry.from_entry_points(threads=1).get("piper").threads == 3


@pytest.mark.model
def test_a_registry_with_one_thread_loads_piper_with_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(THREADS_ENV, raising=False)
    engine = EngineRegistry.from_entry_points(threads=1).get("piper")
    assert isinstance(engine, PiperEngine)

    engine.load(PiperOptions())
    session = engine.voice(PiperOptions()).session.get_session_options()
    assert session.intra_op_num_threads == 1
    # A profile's own threads win over the registry's.
    assert engine.voice(PiperOptions(threads=2)).session.get_session_options().intra_op_num_threads == 2


@dataclass(frozen=True)
class ClickOptions:
    """Settings of an engine written without the base class."""


class ClickEngine:
    """Written against the members alone: no base class, its own no-argument __init__."""

    name: ClassVar[str] = "click"
    Options: ClassVar[type[ClickOptions]] = ClickOptions
    max_chars: ClassVar[int] = 120

    def __init__(self) -> None:
        self.spoken = 0

    def fingerprint(self, options: ClickOptions) -> str:
        return "click-1"

    def synthesize(self, text: str, options: ClickOptions) -> Audio:
        self.spoken += 1
        return Audio(np.ones(len(text), dtype=np.float32) * 0.1, 8000)


def test_an_engine_without_the_base_class_gets_its_defaults() -> None:
    registry = EngineRegistry({"click": ClickEngine}, threads=2)
    engine_type = registry.type_of("click")
    engine = registry.get("click")

    assert issubclass(engine_type, ClickEngine) and issubclass(engine_type, Engine)
    assert engine_type.max_chars == 120 and engine_type.accepts_phonemes is False and engine_type.installed
    assert type(engine).__module__ == __name__ and type(engine).__name__ == "ClickEngine"
    assert engine.threads == 2 and engine.synthesize("tick", ClickOptions()).duration == 4 / 8000
    assert isinstance(engine, ClickEngine) and engine.spoken == 1
    engine.release_memory()
    assert with_defaults(FakeEngine) is FakeEngine
