"""End to end with the real Piper voice: article in, MP3 + feed out, read back by real clients."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from narrate import api
from narrate.errors import InputError
from narrate.model import Episode
from narrate.voice.engines.base import EngineRegistry
from tests.conftest import DATA, HARBOR_FEED_TOML

pytestmark = pytest.mark.model

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
FEED_TOML = HARBOR_FEED_TOML


@dataclass
class Published:
    feed_dir: Path
    episode: Episode
    assembled_duration: float


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, registry: EngineRegistry) -> Iterator[Published]:
    feed_dir = tmp_path_factory.mktemp("feeds") / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(FEED_TOML, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        episode = api.narrate_article(DATA / "harbor-ferry.txt", feed_dir, registry=registry, now=NOW).episode
        assert episode is not None
    yield Published(feed_dir, episode, episode.duration)


def media(published: Published, name: str) -> Path:
    return published.feed_dir / "episodes" / name


def test_mp3_reads_back_with_tags_and_chapters(published: Published) -> None:
    path = media(published, published.episode.audio.name)
    mp3 = MP3(str(path))
    assert mp3.info.channels == 1
    assert mp3.info.sample_rate in (22050, 44100)
    assert 64000 <= mp3.info.bitrate <= 128000
    assert mp3.info.length == pytest.approx(published.assembled_duration, rel=0.02)
    tags = ID3(str(path))
    assert str(tags["TIT2"]) == "Harbor Ferry Returns After Repairs"
    assert str(tags["TPE1"]) == "Coast Wire"
    assert str(tags["TALB"]) == "Harbor Test Feed"
    assert str(tags["TDRC"]) == "2026-06-03"
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chapters]
    assert titles == ["Harbor Ferry Returns After Repairs", "Synopsis", "Key takeaways", "The story",
                      "When does the ferry run?", "About this narration"]
    assert [c.title for c in published.episode.chapters] == titles
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    assert chapters[0].start_time == 0
    assert chapters[-1].end_time == pytest.approx(published.assembled_duration * 1000, abs=2)
    for earlier, later in itertools.pairwise(chapters):
        assert earlier.end_time == later.start_time


def test_real_speech_is_mastered_to_the_podcast_target(published: Published) -> None:
    from narrate.audio.mastering import measure

    # Piper's speech has sharp peaks (true peak above 0 dBTP at -19 LUFS): the case the limiter is for.
    loudness = measure(media(published, published.episode.audio.name))
    assert loudness.integrated == pytest.approx(-16.0, abs=1.0)
    assert loudness.true_peak <= -1.0


def test_audio_name_is_its_content_hash(published: Published) -> None:
    path = media(published, published.episode.audio.name)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert published.episode.audio.sha256 == digest
    assert digest[:16] in path.name
    assert path.stat().st_size == published.episode.audio.size
    assert path.stat().st_mode & 0o044 == 0o044  # readable by the web server


def test_feed_parsed_by_podcastparser(published: Published) -> None:
    feed_path = published.feed_dir / "feed.xml"
    with feed_path.open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    assert parsed["title"] == "Harbor Test Feed"
    [episode] = parsed["episodes"]
    assert episode["guid"] == published.episode.guid
    assert episode["title"] == "Harbor Ferry Returns After Repairs"
    assert episode["description"].startswith("The harbor ferry is back in service")
    assert episode["published"] == int(dt.datetime(2026, 6, 3, tzinfo=dt.UTC).timestamp())
    [enclosure] = episode["enclosures"]
    audio = media(published, published.episode.audio.name)
    assert enclosure["file_size"] == audio.stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["url"] == f"https://podcasts.example.org/harbor/episodes/{audio.name}"
    assert episode["total_time"] == round(published.assembled_duration)


def test_feed_parsed_by_feedparser(published: Published) -> None:
    parsed = feedparser.parse((published.feed_dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Harbor Test Feed"
    [entry] = parsed.entries
    [enclosure] = entry.enclosures
    assert int(enclosure.length) == published.episode.audio.size
    assert entry.itunes_duration.count(":") == 2


def test_transcript_cues_follow_the_timeline(published: Published) -> None:
    vtt = next(f for f in published.episode.extra_files if f.mime_type == "text/vtt")
    text = media(published, vtt.name).read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = [block.split("\n") for block in text.split("\n\n")[1:] if block.strip()]
    texts = [" ".join(lines[2:]) for lines in cues]
    assert "Harbor City, June 3 (Coast Wire) – The ferry returned to service on Monday." in texts
    assert all(len(line) <= 65 for lines in cues for line in lines[2:])
    assert [lines[0] for lines in cues] == [f"s{n}" for n in range(1, len(cues) + 1)]
    times = [tuple(_seconds(t) for t in lines[1].split(" --> ")) for lines in cues]
    assert all(start < end for start, end in times)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))
    assert times[-1][1] <= published.assembled_duration


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_second_article_adds_an_episode_and_keeps_the_first(published: Published, registry: EngineRegistry) -> None:
    first_audio = media(published, published.episode.audio.name)
    first_bytes = first_audio.read_bytes()
    second = api.narrate_article(DATA / "bridge-reopens.txt", published.feed_dir, registry=registry, now=NOW)
    assert second.status is api.Status.PUBLISHED
    assert second.guid != published.episode.guid
    with (published.feed_dir / "feed.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    assert [e["guid"] for e in parsed["episodes"]] == [second.guid, published.episode.guid]  # newest first
    assert first_audio.read_bytes() == first_bytes


def test_narrating_again_keeps_guid_and_never_overwrites(published: Published, registry: EngineRegistry) -> None:
    old_audio = media(published, published.episode.audio.name)
    old_bytes = old_audio.read_bytes()
    result = api.narrate_article(DATA / "harbor-ferry.txt", published.feed_dir, registry=registry, now=NOW)
    assert result.status is api.Status.UNCHANGED
    again = result.episode
    assert again is not None
    assert again.guid == published.episode.guid
    assert again.published == published.episode.published
    guids = [e.guid for e in api.list_episodes(published.feed_dir)]
    assert guids.count(again.guid) == 1
    assert again.audio == published.episode.audio  # unchanged article: nothing re-rendered or rewritten
    assert old_audio.read_bytes() == old_bytes


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "content",
    [b"", b"  \n \n", b"\x00\x01\x02\x03binary\xff\xfe", b"Share:\nAudio Loading voice\n2 hours ago\n"],
    ids=["empty", "whitespace", "binary", "chrome-only"],
)
def test_bad_input_leaves_published_files_untouched(
    published: Published, registry: EngineRegistry, tmp_path: Path, content: bytes
) -> None:
    before = snapshot(published.feed_dir)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(InputError):
        api.narrate_article(bad, published.feed_dir, registry=registry, now=NOW)
    assert snapshot(published.feed_dir) == before


def test_publishing_writes_the_show_page(published: Published) -> None:
    page = (published.feed_dir / "index.html").read_text(encoding="utf-8")
    assert "Harbor Ferry Returns After Repairs" in page
    assert "<narrate-player" in page
    assert published.episode.audio.name in page
    assert (published.feed_dir / "player" / "player.js").is_file()
