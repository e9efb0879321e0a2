"""Engines are found through the ``narrate.engines`` entry points, third-party ones included.

The third-party package here is a real installed distribution as importlib.metadata sees one: a
module and a ``*.dist-info`` directory with METADATA and entry_points.txt on ``sys.path``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from narrate.errors import EngineError
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.coqui import CoquiEngine
from narrate.voice.engines.espeak import EspeakEngine

PLUGIN_MODULE = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from narrate.model import Audio


@dataclass(frozen=True)
class BeepOptions:
    """Settings of the beep engine."""

    frequency: float = 440.0
    """Tone in Hz."""


class BeepEngine:
    name: ClassVar[str] = "beep"
    Options: ClassVar[type[BeepOptions]] = BeepOptions
    max_chars: ClassVar[int] = 100

    def fingerprint(self, options: BeepOptions) -> str:
        return "beep-1"

    def synthesize(self, text: str, options: BeepOptions) -> Audio:
        t = np.arange(len(text) * 80, dtype=np.float32) / 8000
        return Audio((0.5 * np.sin(2 * np.pi * options.frequency * t)).astype(np.float32), 8000)
'''


def _install_plugin(site: Path, distribution: str, module: str, source: str, entry_points: str) -> None:
    """Lay out what pip would: the module and its dist-info, here under ``site``."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{distribution}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


def test_built_in_engines_are_registered_through_entry_points() -> None:
    registry = EngineRegistry.from_entry_points()

    assert {"coqui", "espeak", "fake"} <= set(registry.names())
    assert registry.type_of("espeak") is EspeakEngine
    assert registry.type_of("coqui") is CoquiEngine
    assert isinstance(registry.get("espeak"), EspeakEngine)
    assert registry.get("espeak") is registry.get("espeak")


def test_a_third_party_engine_is_discovered_and_speaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(
        tmp_path,
        "narrate_beep",
        "narrate_beep_engine",
        PLUGIN_MODULE,
        """
        [narrate.engines]
        beep = narrate_beep_engine:BeepEngine
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    registry = EngineRegistry.from_entry_points()
    engine = registry.get("beep")
    audio = engine.synthesize("twelve chars", registry.type_of("beep").Options(frequency=1000.0))

    assert type(engine).__module__ == "narrate_beep_engine"
    assert audio.sample_rate == 8000
    assert len(audio.samples) == 12 * 80
    # 1 kHz at 8 kHz: the tone repeats every 8 samples.
    assert np.allclose(audio.samples[:-8], audio.samples[8:], atol=1e-3)
    assert "espeak" in registry.names()


def test_an_engine_that_fails_to_import_is_listed_and_explains_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(
        tmp_path,
        "narrate_broken",
        "narrate_broken_engine",
        "import narrate_dependency_that_is_not_installed\n",
        """
        [narrate.engines]
        broken = narrate_broken_engine:BrokenEngine
        crashing = narrate_crashing_engine:CrashingEngine
        """,
    )
    (tmp_path / "narrate_crashing_engine.py").write_text("raise OSError('libfoo.so: cannot open')\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    registry = EngineRegistry.from_entry_points()

    assert {"broken", "crashing", "espeak"} <= set(registry.names())
    with pytest.raises(
        EngineError, match=r"engine 'broken' .*No module named 'narrate_dependency_that_is_not"
    ):
        registry.get("broken")
    with pytest.raises(EngineError, match=r"engine 'crashing' .*OSError: libfoo.so: cannot open"):
        registry.get("crashing")
    # The broken ones take nothing else down.
    assert registry.get("espeak").synthesize("Fine.", EspeakEngine.Options()).duration > 0.2
