"""Each episode's stable manifest: written with feed.xml, following re-narrations under the same name, given to
feeds published before it existed, and taken down at once with its episode."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from narrate import api
from narrate.publish.feed import Feed, WriteStep
from narrate.publish.manifest import MANIFESTS, manifest_name
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=3)
FAKE = api.NarrateOptions(voice="fake")
BASE = "https://podcasts.example.org/harbor/"


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "harbor"
    folder.mkdir()
    (folder / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    return folder


def narrate(source: Path, feed: Path | Feed, now: dt.datetime = NOW) -> api.Narration:
    return api.narrate_article(source, feed, FAKE, registry=EngineRegistry({"fake": FakeEngine}), now=now)


def edited(tmp_path: Path, line: str = "The council added a lamp on the east side of the bridge.") -> Path:
    """The bridge article with one more sentence: same headline (same GUID), new audio."""
    path = tmp_path / "bridge-edited.txt"
    path.write_text((DATA / "bridge-reopens.txt").read_text(encoding="utf-8").rstrip() + f"\n\n{line}\n",
                    encoding="utf-8")
    return path


def manifest(feed_dir: Path, guid: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((feed_dir / manifest_name(guid)).read_bytes())
    return value


def test_a_published_episode_has_a_manifest_naming_its_files(feed_dir: Path) -> None:
    episode = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    assert episode is not None
    name = manifest_name(episode.guid)
    assert name == f"manifests/{hashlib.sha256(episode.guid.encode()).hexdigest()[:16]}.json"
    data = manifest(feed_dir, episode.guid)
    own_url = BASE + name
    assert data["manifest_url"] == own_url
    assert (data["guid"], data["title"], data["duration"]) == (episode.guid, episode.title,
                                                               round(episode.duration, 3))
    assert data["updated"] == NOW.isoformat()
    assert data["audio"]["url"] == f"{BASE}episodes/{episode.audio.name}"
    assert data["audio"]["type"] == "audio/mpeg" and data["audio"]["size"] == episode.audio.size
    assert data["transcript"]["url"].endswith(".vtt") and data["chapters"]["url"].endswith(".chapters.json")
    assert data["feed"]["url"] == BASE + "feed.xml"
    for key in ("audio", "transcript", "chapters", "artwork", "feed"):
        # The relative form, resolved against the manifest's own URL as the player does, is the absolute one.
        assert urljoin(own_url, data[key]["relative_url"]) == data[key]["url"]
        if key != "feed":
            assert (feed_dir / data[key]["relative_url"].removeprefix("../")).is_file()
    summary = api.episode_summary(api.open_feed(feed_dir), episode)
    assert summary["manifest_url"] == own_url and f'manifest="{own_url}"' in summary["embed_html"]


def test_the_manifest_is_written_after_feed_xml_and_before_the_show_page(feed_dir: Path) -> None:
    steps: list[WriteStep] = []
    feed = Feed.open(feed_dir, views=api.open_feed(feed_dir).views, hooks=(lambda step, _: steps.append(step),))
    narrate(DATA / "bridge-reopens.txt", feed)
    assert steps.index(WriteStep.FEED_XML) < steps.index(WriteStep.MANIFEST) < steps.index(WriteStep.SHOW_PAGE)


@pytest.mark.slow  # two narrations
def test_a_renarration_moves_the_manifest_to_the_new_audio_and_keeps_the_old_one(feed_dir: Path,
                                                                                 tmp_path: Path) -> None:
    first = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    second = narrate(edited(tmp_path), feed_dir, LATER).episode
    assert first is not None and second is not None
    assert second.guid == first.guid and second.audio.name != first.audio.name
    data = manifest(feed_dir, second.guid)
    assert data["audio"]["url"].endswith(second.audio.name)
    assert data["duration"] == round(second.duration, 3) != round(first.duration, 3)
    assert data["updated"] == LATER.isoformat()
    assert list((feed_dir / MANIFESTS).glob("*.json")) == [feed_dir / manifest_name(second.guid)]
    assert (feed_dir / "episodes" / first.audio.name).is_file()  # within keep_replaced_days


def test_an_unchanged_manifest_keeps_its_bytes(feed_dir: Path) -> None:
    episode = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    assert episode is not None
    before = (feed_dir / manifest_name(episode.guid)).read_bytes()
    api.rebuild_feed(feed_dir, now=LATER)
    assert (feed_dir / manifest_name(episode.guid)).read_bytes() == before


def test_feeds_published_before_manifests_get_them_on_the_first_run(feed_dir: Path) -> None:
    episode = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    assert episode is not None
    path = feed_dir / manifest_name(episode.guid)
    path.unlink()  # as a feed published by narrate before manifests existed
    narrate(DATA / "bridge-reopens.txt", feed_dir)  # unchanged article: nothing is rendered, the feed is checked
    assert manifest(feed_dir, episode.guid)["guid"] == episode.guid
    path.unlink()
    api.rebuild_feed(feed_dir, now=NOW)
    assert path.is_file()


def test_a_manifest_follows_a_change_of_media_url(feed_dir: Path) -> None:
    episode = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    assert episode is not None
    with (feed_dir / "feed.toml").open("a", encoding="utf-8") as settings:
        settings.write('media_url = "https://cdn.example.net/harbor/"\n')
    api.rebuild_feed(feed_dir, now=LATER)
    audio = manifest(feed_dir, episode.guid)["audio"]
    assert audio["url"] == f"https://cdn.example.net/harbor/{episode.audio.name}"
    assert audio["relative_url"] is None  # not under base_url: the player takes the absolute URL


def test_a_takedown_deletes_the_manifest_at_once_and_nothing_narrate_did_not_write(feed_dir: Path) -> None:
    gone = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    assert gone is not None
    foreign = feed_dir / MANIFESTS / "0123456789abcdef.json"
    foreign.write_text("{}", encoding="utf-8")
    api.remove_episode(feed_dir, gone.guid, now=LATER)
    assert not (feed_dir / manifest_name(gone.guid)).exists()
    assert not (feed_dir / "episodes" / gone.audio.name).exists()
    assert foreign.read_text(encoding="utf-8") == "{}"


@pytest.mark.slow  # two narrations
def test_a_retired_episode_keeps_its_manifest_as_long_as_its_audio(feed_dir: Path) -> None:
    older = narrate(DATA / "harbor-ferry.txt", feed_dir).episode
    assert older is not None
    with (feed_dir / "feed.toml").open("a", encoding="utf-8") as settings:
        settings.write("keep_episodes = 1\n")
    narrate(DATA / "bridge-reopens.txt", feed_dir, LATER)
    assert [e.guid for e in api.list_episodes(feed_dir)] != [older.guid]
    assert (feed_dir / "episodes" / older.audio.name).is_file()
    assert (feed_dir / manifest_name(older.guid)).is_file()


@pytest.mark.slow  # two narrations
def test_a_takedown_after_a_renarration_deletes_the_earlier_versions_too(feed_dir: Path, tmp_path: Path) -> None:
    first = narrate(DATA / "bridge-reopens.txt", feed_dir).episode
    second = narrate(edited(tmp_path), feed_dir, LATER).episode
    assert first is not None and second is not None
    assert first.audio.name in second.replaced  # kept for keep_replaced_days, and known as this episode's
    api.remove_episode(feed_dir, second.guid, now=LATER)
    left = {p.name for p in (feed_dir / "episodes").iterdir() if p.is_file()}
    assert left == set()


@pytest.mark.slow  # two narrations
def test_a_crash_before_the_manifest_of_a_renarration_is_mended_by_the_next_run(feed_dir: Path,
                                                                                tmp_path: Path) -> None:
    narrate(DATA / "bridge-reopens.txt", feed_dir)

    def crash(step: WriteStep, name: str) -> None:
        if step is WriteStep.MANIFEST:
            raise OSError("power cut")

    feed = Feed.open(feed_dir, views=api.open_feed(feed_dir).views, hooks=(crash,))
    with pytest.raises(OSError, match="power cut"):
        narrate(edited(tmp_path), feed, LATER)
    [episode] = api.list_episodes(feed_dir)
    assert not manifest(feed_dir, episode.guid)["audio"]["url"].endswith(episode.audio.name)  # still the old audio
    assert narrate(edited(tmp_path), feed_dir, LATER).status is api.Status.UNCHANGED
    assert manifest(feed_dir, episode.guid)["audio"]["url"].endswith(episode.audio.name)
