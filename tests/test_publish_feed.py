"""The Feed value: opened once and never writing, created on purpose, every write tagged with its step."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import pytest

from narrate import api
from narrate.errors import ConfigError, PublishError
from narrate.publish.feed import Feed, WriteStep
from narrate.publish.settings import KEY_ORDER, LATER_KEYS, ShowSettings
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
FAKE = api.NarrateOptions(voice="fake")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def harbor(tmp_path: Path) -> Path:
    feed_dir = tmp_path / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    return feed_dir


def test_opening_a_folder_without_a_feed_fails_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no feed here"):
        Feed.open(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no feed here"):
        api.open_feed(tmp_path / "empty")
    assert list((tmp_path / "empty").iterdir()) == []


def test_opening_and_reading_a_feed_writes_nothing(tmp_path: Path) -> None:
    feed_dir = harbor(tmp_path)
    api.narrate_article(DATA / "bridge-reopens.txt", feed_dir, FAKE, registry=EngineRegistry({"fake": FakeEngine}),
                        now=NOW)
    before = snapshot(feed_dir)
    feed = api.open_feed(feed_dir)
    assert [e.title for e in feed.store.episodes()] == ["Old Stone Bridge Reopens to Cyclists"]
    assert feed.media.exists(feed.store.episodes()[0].audio.name)
    assert snapshot(feed_dir) == before


def test_creating_a_feed_says_what_it_wrote(tmp_path: Path) -> None:
    feed, written = Feed.create(tmp_path / "world-news")
    assert written == [tmp_path / "world-news" / "feed.toml"]
    assert sorted(p.name for p in (tmp_path / "world-news").iterdir()) == ["feed.toml"]
    assert feed.settings.show.title == "World News"
    assert feed.settings.show.base_url == "https://example.org/podcasts/world-news/"
    with pytest.raises(ConfigError, match="exists"):
        Feed.create(tmp_path / "world-news")
    again, none = Feed.open_or_create(tmp_path / "world-news")
    assert none == [] and again.settings == feed.settings


def test_settings_come_in_parts_and_keep_the_flat_fingerprint(tmp_path: Path) -> None:
    feed_dir = harbor(tmp_path)
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + 'format = "m4a"\nbitrate = "96k"\nmedia_url = '
                                        '"https://cdn.example.org/h/"\nmedia = "/srv/h"\ncast = "x"\n')
    settings = Feed.open(feed_dir).settings
    assert isinstance(settings.show, ShowSettings) and settings.show.author == "Test Desk"
    assert (settings.encoding.format, settings.encoding.bitrate, settings.encoding.suffix) == ("m4a", "96k", ".m4a")
    assert settings.production.cast == "x"
    assert settings.episode_url("a.m4a") == "https://cdn.example.org/h/a.m4a"
    values = settings.values()
    # The fingerprint lists every setting once, by its feed.toml key, in the order render keys were made from.
    fingerprint = settings.fingerprint()
    assert fingerprint.startswith("FeedConfig(name='harbor', title='Harbor Test Feed', ")
    assert all(f"{key}={values[key]!r}" in fingerprint for key in KEY_ORDER)
    # Settings added later (with defaults) stay out of it, so existing render keys do not change.
    assert all(f"{key}=" not in fingerprint for key in LATER_KEYS) and set(LATER_KEYS) <= set(values)
    assert fingerprint.index("itunes_type=") > fingerprint.index("locked=") > fingerprint.index("music_bed=")


def test_a_feed_travels_to_workers(tmp_path: Path) -> None:
    feed = api.open_feed(harbor(tmp_path))
    assert pickle.loads(pickle.dumps(feed)) == feed


def test_every_write_of_a_publish_passes_the_hooks_in_order(tmp_path: Path) -> None:
    steps: list[tuple[WriteStep, str]] = []
    feed = Feed.open(harbor(tmp_path), views=api.open_feed(tmp_path / "harbor").views,
                     hooks=(lambda step, name: steps.append((step, name)),))
    result = api.narrate_article(DATA / "bridge-reopens.txt", feed, FAKE,
                                 registry=EngineRegistry({"fake": FakeEngine}), now=NOW)
    assert result.status is api.Status.PUBLISHED
    order = [step for step, _ in steps if step is not WriteStep.LEDGER]
    assert order[:6] == [WriteStep.MEDIA] * 5 + [WriteStep.RECORD]  # audio, vtt, srt, chapters, artwork
    assert order.index(WriteStep.ARTWORK) < order.index(WriteStep.FEED_XML) < order.index(WriteStep.SHOW_PAGE)
    written = {name for step, name in steps if step is not WriteStep.LEDGER}
    on_disk = {name for name in snapshot(tmp_path / "harbor") if ".narrate/" not in name} - {"feed.toml", ".lock"}
    assert on_disk == {name if "/" in name or name.endswith((".xml", ".html")) or name.startswith("artwork-")
                       else f"episodes/{name}"
                       for name in written}


def test_a_publish_interrupted_before_feed_xml_leaves_the_published_feed_as_it_was(tmp_path: Path) -> None:
    feed_dir = harbor(tmp_path)
    registry = EngineRegistry({"fake": FakeEngine})
    api.narrate_article(DATA / "bridge-reopens.txt", feed_dir, FAKE, registry=registry, now=NOW)
    published = (feed_dir / "feed.xml").read_bytes()

    def crash(step: WriteStep, name: str) -> None:
        if step is WriteStep.FEED_XML:
            raise OSError("disk pulled")

    feed = Feed.open(feed_dir, hooks=(crash,))
    with pytest.raises(OSError, match="disk pulled"):
        api.narrate_article(DATA / "harbor-ferry.txt", feed, FAKE, registry=registry, now=NOW)
    assert (feed_dir / "feed.xml").read_bytes() == published
    assert len(api.list_episodes(feed_dir)) == 2  # the record was saved; the next publish lists it
    api.rebuild_feed(feed_dir, now=NOW)
    assert (feed_dir / "feed.xml").read_text(encoding="utf-8").count("<item>") == 2


def test_records_of_older_versions_are_read_and_newer_ones_refused(tmp_path: Path) -> None:
    feed_dir = harbor(tmp_path)
    api.narrate_article(DATA / "bridge-reopens.txt", feed_dir, FAKE, registry=EngineRegistry({"fake": FakeEngine}),
                        now=NOW)
    [path] = (feed_dir / "records").glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["record_version"] == 4 and record["check"] is None and record["replaced"] == []
    path.write_text(json.dumps({**{k: v for k, v in record.items() if k != "replaced"}, "record_version": 3}),
                    encoding="utf-8")
    assert api.list_episodes(feed_dir)[0].replaced == ()
    version_2 = {**{k: v for k, v in record.items() if k not in ("check", "replaced")}, "record_version": 2}
    path.write_text(json.dumps(version_2), encoding="utf-8")
    [episode] = api.list_episodes(feed_dir)
    assert episode.render_key == record["render_key"] and episode.check is None
    version_1 = {k: v for k, v in version_2.items() if k not in ("image", "authors", "narrators", "disclosure")}
    path.write_text(json.dumps({**version_1, "record_version": 1}), encoding="utf-8")
    [episode] = api.list_episodes(feed_dir)
    assert episode.image is None and episode.narrators == () and episode.disclosure is None
    unversioned = {k: v for k, v in version_1.items() if k not in ("record_version", "render_key")}
    path.write_text(json.dumps(unversioned), encoding="utf-8")
    [episode] = api.list_episodes(feed_dir)
    assert episode.guid == record["guid"] and episode.render_key == ""
    path.write_text(json.dumps({**record, "record_version": 99}), encoding="utf-8")
    with pytest.raises(PublishError, match="newer"):
        api.list_episodes(feed_dir)
