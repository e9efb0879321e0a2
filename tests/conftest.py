"""Shared fixtures: an isolated NARRATE_HOME, the real engine registry, and the example inputs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from narrate.script.grammars import default_grammar_dir
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine

# Tests get a fresh NARRATE_HOME each, but share the NeMo grammars that `make test` compiled
# (python -m narrate.script.build) in the real cache: compiling them takes about a minute.
os.environ.setdefault("NARRATE_GRAMMARS", str(default_grammar_dir()))

# CI runs the property tests with a fixed seed, so a counterexample hypothesis finds on a developer's run
# gets fixed there instead of turning main red at random.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Tests over ~2 s that live in modules being split right now (test_podcast.py, test_batch.py): marked `slow`
# here by test name, so the names survive the split. Move each marker onto its test when the split lands and
# delete this set; `make check` leaves these out, `make test` runs them.
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "nationpress-coupang-breach.txt"
HARBOR_FEED_TOML = """\
title = "Harbor Test Feed"
description = "A feed the tests write."
author = "Test Desk"
email = "desk@example.org"
language = "en"
base_url = "https://podcasts.example.org/harbor/"
category = "News"
explicit = false
"""


@pytest.fixture(autouse=True)
def narrate_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own NARRATE_HOME, so no test reads or writes a real user's config or cache."""
    home = tmp_path_factory.mktemp("narrate-home")
    monkeypatch.setenv("NARRATE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def registry() -> Iterator[EngineRegistry]:
    """The installed engines, loaded once for the whole session (Piper loads in about half a second)."""
    yield EngineRegistry.from_entry_points()


@pytest.fixture
def fake_registry() -> EngineRegistry:
    """Only the deterministic fake engine; narrate with ``voice="fake"`` (voices/fake.toml)."""
    return EngineRegistry({"fake": FakeEngine})


def regen_golden() -> bool:
    """Set NARRATE_REGEN_GOLDEN=1 to rewrite golden files after a deliberate change (then review the diff)."""
    return os.environ.get("NARRATE_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="session")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The harbor-ferry article narrated with tones into an MP3 feed with an intro and an outro."""
    from tests.podcast_support import Published, make_feed, narrate

    feed_dir = make_feed(tmp_path_factory.mktemp("feeds"), "harbor")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        yield Published(feed_dir, narrate(DATA / "harbor-ferry.txt", feed_dir))


@pytest.fixture(scope="session")
def m4a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The same as ``mp3``, encoded as AAC in an M4A."""
    from tests.podcast_support import Published, make_feed, narrate

    feed_dir = make_feed(tmp_path_factory.mktemp("feeds"), "harbor-aac", "m4a")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        yield Published(feed_dir, narrate(DATA / "harbor-ferry.txt", feed_dir))
