"""A feed of tones with an intro and an outro, narrated with the fake engine: what the publish and encode
tests read back (the ``mp3`` and ``m4a`` fixtures of conftest.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate import api
from narrate.model import Episode
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
INTRO_HZ, OUTRO_HZ, INTRO_SECONDS = 880.0, 1320.0, 1.0
FEED_TOML = HARBOR_FEED_TOML + """\
subcategory = "Daily News"
format = "{format}"
intro = "intro.wav"
outro = "outro.wav"
"""


def tones_registry() -> EngineRegistry:
    return EngineRegistry({"piper": FakeEngine, "fake": FakeEngine})


def tones_options() -> api.NarrateOptions:
    return api.NarrateOptions(voice="fake")


def write_tone(path: Path, hz: float, seconds: float, rate: int = 22050) -> None:
    from scipy.io import wavfile

    t = np.arange(round(seconds * rate)) / rate
    # Silence around the tone: the intro and outro are trimmed before use.
    tone = np.concatenate([np.zeros(rate // 4), 0.3 * np.sin(2 * np.pi * hz * t), np.zeros(rate // 4)])
    wavfile.write(str(path), rate, tone.astype(np.float32))


def make_feed(root: Path, name: str, audio_format: str = "mp3") -> Path:
    feed_dir = root / name
    feed_dir.mkdir(parents=True)
    (feed_dir / "feed.toml").write_text(FEED_TOML.format(format=audio_format), encoding="utf-8")
    write_tone(feed_dir / "intro.wav", INTRO_HZ, INTRO_SECONDS)
    write_tone(feed_dir / "outro.wav", OUTRO_HZ, 1.0)
    return feed_dir


def narrate(source: Path, feed_dir: Path) -> Episode:
    """Narrate ``source`` with tones into the feed in ``feed_dir``; the published episode."""
    result = api.narrate_article(source, feed_dir, tones_options(), registry=tones_registry(), now=NOW)
    assert result.episode is not None
    return result.episode


@dataclass
class Published:
    """An episode published into a feed folder."""

    feed_dir: Path
    episode: Episode

    def path(self, name: str) -> Path:
        return self.feed_dir / "episodes" / name

    def extra(self, mime_type: str) -> Path:
        return self.path(next(f.name for f in self.episode.extra_files if f.mime_type == mime_type))
