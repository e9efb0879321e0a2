"""The sentence audio cache: keys, integrity, eviction, concurrency, and re-runs that synthesize nothing."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrate import api
from narrate.cli import main
from narrate.model import Audio, Take
from narrate.voice.cache import AudioCache, cache_key
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.piper import PiperOptions
from tests.conftest import DATA

FEED_TOML = 'title = "T"\ndescription = "D"\nbase_url = "https://example.org/t/"\n'


def tone(seconds: float, rate: int = 22050) -> Audio:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return Audio((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_key_is_full_sha256_and_covers_every_input() -> None:
    base = cache_key("piper", "fp", PiperOptions(), "Hello there.")
    assert len(base) == 64
    assert base == cache_key("piper", "fp", PiperOptions(), "Hello there.")
    variants = [
        cache_key("espeak", "fp", PiperOptions(), "Hello there."),
        cache_key("piper", "fp2", PiperOptions(), "Hello there."),
        cache_key("piper", "fp", PiperOptions(length_scale=1.1), "Hello there."),
        cache_key("piper", "fp", PiperOptions(), "Hello there!"),
    ]
    assert len({base, *variants}) == 5


def test_round_trip_and_damage_detection(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    audio = tone(0.5)
    cache.put("ab" * 32, audio)
    got = cache.get("ab" * 32)
    assert got is not None and got.sample_rate == 22050
    assert np.array_equal(got.samples, audio.samples)
    [entry] = list(tmp_path.rglob("*.pcm"))
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the samples
    entry.write_bytes(bytes(data))
    assert cache.get("ab" * 32) is None
    assert not entry.exists()  # removed, so it is synthesized again
    cache.put("cd" * 32, audio)
    [entry] = list(tmp_path.rglob("*.pcm"))
    entry.write_bytes(entry.read_bytes()[:100])  # a truncated entry
    assert cache.get("cd" * 32) is None


def test_prune_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path)
    keys = [f"{n:02d}" * 32 for n in range(4)]
    for index, key in enumerate(keys):
        cache.put(key, tone(0.2))
        path = next(tmp_path.rglob(f"{key}.pcm"))
        os.utime(path, (time.time() - 100 + index, time.time() - 100 + index))
    assert cache.get(keys[0]) is not None  # reading makes the oldest the most recent
    size = cache.info().bytes
    removed = cache.prune(max_bytes=size // 2)
    assert removed == 2
    assert cache.get(keys[0]) is not None
    assert cache.get(keys[1]) is None and cache.get(keys[2]) is None
    assert cache.get(keys[3]) is not None


def _writer(root: str, seconds: float) -> None:
    cache = AudioCache(Path(root))
    for _ in range(30):
        cache.put("ee" * 32, tone(seconds))


@pytest.mark.slow  # two spawned interpreters importing numpy and narrate: over 2 s
def test_concurrent_writers_leave_a_valid_entry(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), s)) for s in (0.3, 0.6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    audio = AudioCache(tmp_path).get("ee" * 32)
    assert audio is not None and round(audio.duration, 1) in (0.3, 0.6)
    assert not list(tmp_path.rglob("*.tmp"))


def narrate(source: Path, feed_dir: Path, registry: EngineRegistry, cache_dir: Path, **kw: bool) -> list[Take]:
    takes: list[Take] = []
    voice = "fake" if "fake" in registry.names() and "piper" not in registry.names() else None
    options = api.NarrateOptions(cache_dir=cache_dir, voice=voice, **kw)  # type: ignore[arg-type]
    api.narrate_article(source, feed_dir, options, registry=registry, progress=takes.append)
    return takes


def test_rerun_synthesizes_nothing_and_an_edit_synthesizes_one(
    tmp_path: Path, fake_registry: EngineRegistry
) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(FEED_TOML)
    article = tmp_path / "article.txt"
    article.write_text((DATA / "harbor-ferry.txt").read_text())
    first = narrate(article, feed_dir, fake_registry, tmp_path / "cache")
    assert first and not any(t.cached for t in first)

    assert narrate(article, feed_dir, fake_registry, tmp_path / "cache") == []  # unchanged: nothing rendered
    forced = narrate(article, feed_dir, fake_registry, tmp_path / "cache", force=True)
    assert len(forced) == len(first) and all(t.cached for t in forced)

    article.write_text(article.read_text().replace("Riders welcomed the news.", "Riders cheered the news."))
    edited = narrate(article, feed_dir, fake_registry, tmp_path / "cache")
    fresh = [t.sentence.written for t in edited if not t.cached]
    assert fresh == ["Riders cheered the news."]


@pytest.mark.model
def test_cached_piper_audio_is_the_same_audio(tmp_path: Path, registry: EngineRegistry) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(FEED_TOML)
    first = narrate(DATA / "bridge-reopens.txt", feed_dir, registry, tmp_path / "cache")
    again = narrate(DATA / "bridge-reopens.txt", feed_dir, registry, tmp_path / "cache", force=True)
    assert all(t.cached for t in again) and not any(t.cached for t in first)
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.audio.samples, b.audio.samples)


def test_no_cache_option_leaves_cache_empty(tmp_path: Path, fake_registry: EngineRegistry) -> None:
    feed_dir = tmp_path / "feed"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(FEED_TOML)
    narrate(DATA / "bridge-reopens.txt", feed_dir, fake_registry, tmp_path / "cache", use_cache=False)
    assert AudioCache(tmp_path / "cache" / "audio").info().entries == 0


def test_cache_cli(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "audio")
    for n in range(3):
        cache.put(f"{n:02d}" * 32, tone(0.2))
    runner = CliRunner()
    info = runner.invoke(main, ["cache", "info", "--cache-dir", str(tmp_path)], catch_exceptions=False)
    assert "entries: 3" in info.output
    pruned = runner.invoke(main, ["cache", "prune", "--cache-dir", str(tmp_path), "--max-size", "20kB"],
                           catch_exceptions=False)
    assert "removed 2 entries" in pruned.output
    cleared = runner.invoke(main, ["cache", "clear", "--cache-dir", str(tmp_path)], catch_exceptions=False)
    assert "removed 1 entry" in cleared.output


def test_options_are_plain_data() -> None:
    # cache keys serialize options with dataclasses.asdict: they must stay JSON-friendly values
    assert all(isinstance(v, (str, int, float, type(None))) for v in dataclasses.asdict(PiperOptions()).values())
