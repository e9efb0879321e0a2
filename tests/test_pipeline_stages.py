"""The one pipeline with the fake engine: what each call reports, and the split a batch worker makes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from narrate import api, pipeline
from narrate.pipeline import Status
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
FAKE = api.NarrateOptions(voice="fake")


def harbor(tmp_path: Path) -> api.Feed:
    (tmp_path / "harbor").mkdir()
    (tmp_path / "harbor" / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    return api.open_feed(tmp_path / "harbor")


def test_render_without_record_then_record_publishes_the_same_episode(tmp_path: Path) -> None:
    feed, registry = harbor(tmp_path), EngineRegistry({"fake": FakeEngine})
    rendered = pipeline.narrate(DATA / "harbor-ferry.txt", feed, FAKE, registry, publish=False)
    assert rendered.status is Status.RENDERED and rendered.episode is None and rendered.written is not None
    assert all(feed.media.exists(name) for name in rendered.written.files.names)
    assert not (feed.path / "feed.xml").exists() and feed.store.episodes() == []
    assert set(rendered.stages) == {"read", "script", "synthesize", "assemble", "encode"}
    assert rendered.sentences == len(rendered.written.timeline.cues) and rendered.cache_hits == 0

    episode, dropped = pipeline.record(feed, rendered.written, NOW)
    assert dropped == () and episode.guid == rendered.guid
    assert episode.duration == rendered.duration == rendered.written.timeline.duration
    assert (feed.path / "feed.xml").read_text(encoding="utf-8").count(episode.audio.name) == 1

    again = pipeline.narrate(DATA / "harbor-ferry.txt", feed, FAKE, registry)
    assert again.status is Status.UNCHANGED and again.episode == episode and again.written is None


def test_publishing_reports_the_written_files_and_the_record(tmp_path: Path) -> None:
    feed, registry = harbor(tmp_path), EngineRegistry({"fake": FakeEngine})
    result = api.narrate_article(DATA / "bridge-reopens.txt", feed, FAKE, registry=registry, now=NOW)
    assert result.status is Status.PUBLISHED and result.episode is not None and result.written is not None
    assert result.episode.audio == result.written.files.audio
    assert "record" in result.stages and result.title == result.episode.title
    forced = api.narrate_article(DATA / "bridge-reopens.txt", feed, api.NarrateOptions(voice="fake", force=True),
                                 registry=registry, now=NOW)
    assert forced.status is Status.PUBLISHED and forced.cache_hits == forced.sentences
    assert forced.episode is not None and forced.episode.audio == result.episode.audio  # same bytes, same name
