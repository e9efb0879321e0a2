"""feed.xml as podcast apps read it: real parsers, tag values and order, the podcast GUID, show notes."""

from __future__ import annotations

import feedparser
import podcastparser
from lxml import etree

from narrate.model import Episode, EpisodeFile
from narrate.publish.artwork import artwork_problems
from narrate.publish.rss import podcast_guid
from tests.podcast_support import NOW, Published
from tests.test_publish_settings import SHARED


def test_feed_parsed_by_podcastparser(mp3: Published) -> None:
    with (mp3.feed_dir / "feed.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    [episode] = parsed["episodes"]
    assert episode["guid"] == mp3.episode.guid
    [enclosure] = episode["enclosures"]
    assert enclosure["file_size"] == mp3.path(mp3.episode.audio.name).stat().st_size
    assert enclosure["url"].isascii() and mp3.episode.audio.sha256[:16] in enclosure["url"]
    assert episode["total_time"] == round(mp3.episode.duration)
    assert [c["title"] for c in episode.get("chapters", [])] in ([], [c.title for c in mp3.episode.chapters])


def test_feed_parsed_by_feedparser(mp3: Published) -> None:
    parsed = feedparser.parse((mp3.feed_dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.podcast_guid == podcast_guid("https://podcasts.example.org/harbor/feed.xml")
    [entry] = parsed.entries
    base = "https://podcasts.example.org/harbor/episodes/"
    assert entry.podcast_chapters["url"] == base + mp3.extra("application/json+chapters").name
    assert entry.podcast_transcript["url"] in {base + mp3.extra(t).name for t in ("text/vtt", "application/srt")}
    assert "The harbor ferry is back in service" in entry.content[0].value


def test_feed_tags_in_order_and_values(mp3: Published) -> None:
    tree = etree.parse(str(mp3.feed_dir / "feed.xml"))
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}
    assert tree.xpath("/rss/channel/itunes:explicit/text()", namespaces=ns) == ["false"]
    assert tree.xpath("/rss/channel/itunes:category/@text", namespaces=ns) == ["News"]
    assert tree.xpath("/rss/channel/itunes:category/itunes:category/@text", namespaces=ns) == ["Daily News"]
    assert tree.xpath("/rss/channel/podcast:locked/@owner", namespaces=ns) == ["desk@example.org"]
    transcripts = tree.xpath("//item/podcast:transcript", namespaces=ns)
    assert [t.get("type") for t in transcripts] == ["text/vtt", "application/srt"]
    assert transcripts[0].get("rel") == "captions"
    artwork = tree.xpath("/rss/channel/itunes:image/@href", namespaces=ns)[0]
    local = mp3.feed_dir / artwork.rsplit("/", 1)[-1]
    assert artwork_problems(local.read_bytes(), local.name) == []


def test_podcast_guid_matches_the_namespace_example() -> None:
    # The Podcasting 2.0 feed (originally mp3s.nashownotes.com/pc20rss.xml) has this feedGuid in the
    # namespace's example.xml; the namespace docs derive it from that URL.
    expected = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    if SHARED.is_dir():
        assert expected in (SHARED / "example.xml").read_text(encoding="utf-8")
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == expected
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == expected


def test_show_notes_link_back_and_description_limit() -> None:
    from narrate.publish.rss import clip_bytes, show_notes

    episode = Episode(guid="g", title="Tom & Jerry <live>", description="Cats chase mice.",
                      published=NOW, duration=61.0,
                      audio=EpisodeFile(name="a.mp3", mime_type="audio/mpeg", size=1, sha256="0"),
                      link="https://news.example.org/a?b=1&c=2")
    notes = show_notes(episode)
    assert "<p>Cats chase mice.</p>" in notes
    assert '<a href="https://news.example.org/a?b=1&amp;c=2">Tom &amp; Jerry &lt;live&gt;</a>' in notes
    long = "Überraschung " * 400
    clipped = clip_bytes(long)
    assert len(clipped.encode()) <= 4000 and clipped.endswith("Überraschung…")
