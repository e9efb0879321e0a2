"""What podcast listeners expect (issue 16), read back the way apps read it: the feed with podcastparser and
feedparser, the audio with mutagen. Episode artwork from the lead image (or drawn), links back to the article,
podcast:person credits from the Podcast Taxonomy, the spoken disclosure, retention and the enclosure prefix."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from narrate import api
from narrate.cli import main as cli
from narrate.publish.artwork import ARTWORK_MAX, ARTWORK_MIN, episode_artwork, square_artwork
from narrate.publish.settings import DEFAULT_DISCLOSURE
from narrate.publish.validate import taxonomy
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
NS = {"podcast": "https://podcastindex.org/namespace/1.0", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
ARTICLE_URL = "https://news.example.com/2026/06/03/tide-gates"
MARKDOWN = f"""---
title: Tide gates close for the spring tide
author: Ana Lima and Ben Ode
date: 2026-06-03
url: {ARTICLE_URL}
image: lead.jpg
---

The city closed its tide gates on Tuesday ahead of the highest tide of the year.

## What happens next

Engineers will open the gates again on Thursday morning.
"""
TEXT_URL = "https://news.example.com/2026/06/02/bridge"


def photo(width: int, height: int, fmt: str = "JPEG") -> bytes:
    """A picture with a red left half and a blue right half (so crops and pads can be told apart)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@dataclass(frozen=True)
class Show:
    feed_dir: Path
    markdown: api.Narration
    text: api.Narration

    def root(self) -> etree._Element:
        return etree.parse(str(self.feed_dir / "feed.xml")).getroot()

    def item(self, guid: str) -> etree._Element:
        [item] = self.root().xpath(f"channel/item[guid='{guid}']")
        return item


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Show]:
    """A feed with a Markdown article (front matter url and image) and a text dump given --url on the CLI."""
    root = tmp_path_factory.mktemp("listeners")
    feed_dir = root / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    source = root / "tide.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    (root / "lead.jpg").write_bytes(photo(1800, 1000))
    registry = EngineRegistry({"fake": FakeEngine})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        markdown = api.narrate_article(source, feed_dir, api.NarrateOptions(voice="fake"), registry=registry,
                                       now=NOW)
        result = CliRunner().invoke(cli, ["article", str(DATA / "bridge-reopens.txt"), "--feed", "harbor",
                                          "--out", str(root), "--voice", "fake", "--url", TEXT_URL],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        [text] = [e for e in api.list_episodes(feed_dir) if e.guid != markdown.guid]
        yield Show(feed_dir, markdown, api.Narration(api.Status.PUBLISHED, text.guid, text.title, 0, episode=text))


def test_every_item_has_square_artwork_in_apples_range(show: Show) -> None:
    parsed = podcastparser.parse(str(show.feed_dir / "feed.xml"), (show.feed_dir / "feed.xml").open("rb"))
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        assert episode["episode_art_url"]
        name = episode["episode_art_url"].rsplit("/", 1)[1]
        with Image.open(show.feed_dir / "episodes" / name) as image:
            assert image.width == image.height and ARTWORK_MIN <= image.width <= ARTWORK_MAX
            assert image.format in ("JPEG", "PNG") and image.mode == "RGB"
    # The lead image (1800x1000, too wide to crop) is padded, not stretched: both halves keep their colours.
    episode = show.markdown.episode
    assert episode is not None and episode.image is not None and episode.image.mime_type == "image/jpeg"
    with Image.open(show.feed_dir / "episodes" / episode.image.name) as image:
        middle = image.height // 2
        left = image.getpixel((image.width // 4, middle))
        right = image.getpixel((3 * image.width // 4, middle))
        assert isinstance(left, tuple) and isinstance(right, tuple)
        assert left[0] > 150 > left[2] and right[2] > 150 > right[0]
        top = image.getpixel((image.width // 2, 5))
        assert isinstance(top, tuple) and abs(top[0] - top[2]) < 40  # the pad: the picture's average colour


def test_mp3_carries_the_episode_artwork_and_ends_with_the_disclosure_chapter(show: Show) -> None:
    from mutagen.id3 import ID3

    episode = show.markdown.episode
    assert episode is not None and episode.image is not None
    tags = ID3(str(show.feed_dir / "episodes" / episode.audio.name))
    [cover] = tags.getall("APIC")
    assert cover.type == 3 and cover.mime == "image/jpeg"
    assert cover.data == (show.feed_dir / "episodes" / episode.image.name).read_bytes()
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert chapters[-1].sub_frames["TIT2"].text == ["About this narration"]
    assert episode.chapters[-1].title == "About this narration" and episode.disclosure == DEFAULT_DISCLOSURE
    vtt = next(f for f in episode.extra_files if f.mime_type == "text/vtt")
    assert (show.feed_dir / "episodes" / vtt.name).read_text(encoding="utf-8").rstrip().endswith(DEFAULT_DISCLOSURE)
    chapters_json = next(f for f in episode.extra_files if f.mime_type == "application/json+chapters")
    listed = json.loads((show.feed_dir / "episodes" / chapters_json.name).read_text(encoding="utf-8"))["chapters"]
    assert listed[-1]["title"] == "About this narration"


def test_m4a_carries_a_cover(m4a: object) -> None:
    from mutagen.mp4 import MP4

    published = m4a
    episode = published.episode  # type: ignore[attr-defined]
    feed_dir = published.feed_dir  # type: ignore[attr-defined]
    tags = MP4(str(feed_dir / "episodes" / episode.audio.name)).tags
    assert tags is not None
    [cover] = tags["covr"]
    assert bytes(cover) == (feed_dir / "episodes" / episode.image.name).read_bytes()
    with Image.open(io.BytesIO(bytes(cover))) as image:
        assert image.width == image.height >= ARTWORK_MIN


def test_links_back_to_the_article_from_front_matter_and_from_url(show: Show) -> None:
    parsed = feedparser.parse(str(show.feed_dir / "feed.xml"))
    links = {entry.id: entry.link for entry in parsed.entries}
    assert links == {show.markdown.guid: ARTICLE_URL, show.text.guid: TEXT_URL}
    notes = {entry.id: entry.content[0].value for entry in parsed.entries}
    assert f'href="{TEXT_URL}"' in notes[show.text.guid]
    assert DEFAULT_DISCLOSURE in notes[show.markdown.guid]


def test_credits_use_groups_and_roles_of_the_podcast_taxonomy(show: Show) -> None:
    item = show.item(show.markdown.guid)
    persons = [(p.text, p.get("group"), p.get("role")) for p in item.xpath("podcast:person", namespaces=NS)]
    assert persons == [("Ana Lima", "writing", "author"), ("Ben Ode", "writing", "author"),
                       ("fake (synthetic voice)", "cast", "narrator")]
    assert all((group, role) in taxonomy() for _, group, role in persons)
    assert item.findtext("itunes:author", namespaces=NS) == "Ana Lima and Ben Ode"
    # Every item names an author (the show's when the article has none).
    assert all(i.findtext("itunes:author", namespaces=NS) for i in show.root().xpath("channel/item"))


def test_the_published_feed_validates(show: Show) -> None:
    result = CliRunner().invoke(cli, ["feed", "validate", str(show.feed_dir / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")


def test_validate_rejects_a_role_outside_the_taxonomy(show: Show, tmp_path: Path) -> None:
    text = (show.feed_dir / "feed.xml").read_text(encoding="utf-8").replace('role="narrator"', 'role="reader"', 1)
    (tmp_path / "feed.xml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["feed", "validate", str(tmp_path / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 1 and "role 'reader' is not a role of the group 'cast'" in result.output


def copy_feed(show: Show, tmp_path: Path, settings: str) -> Path:
    feed_dir = tmp_path / "harbor"
    shutil.copytree(show.feed_dir, feed_dir)
    with (feed_dir / "feed.toml").open("a", encoding="utf-8") as toml:
        toml.write(settings)
    return feed_dir


@pytest.mark.slow
def test_retention_keeps_the_newest_episodes_and_drops_the_others_files(show: Show, tmp_path: Path) -> None:
    feed_dir = copy_feed(show, tmp_path / "graced", "keep_episodes = 1\n")
    newest, oldest = api.list_episodes(feed_dir)
    assert api.rebuild_feed(feed_dir, now=NOW) == 1
    parsed = podcastparser.parse("feed.xml", (feed_dir / "feed.xml").open("rb"))
    assert [e["guid"] for e in parsed["episodes"]] == [newest.guid]
    assert [e.guid for e in api.list_episodes(feed_dir)] == [newest.guid]
    # The retired episode's files follow the media rules: kept through the grace period for pages that embed it.
    files = {p.name for p in (feed_dir / "episodes").iterdir()}
    assert oldest.audio.name in files and newest.audio.name in files

    # With no grace period they go as soon as feed.xml stops listing them.
    feed_dir = tmp_path / "no-grace" / "harbor"
    feed_dir.mkdir(parents=True)
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + "keep_replaced_days = 0\n", encoding="utf-8")
    registry = EngineRegistry({"fake": FakeEngine})
    for name in ("bridge-reopens.txt", "harbor-ferry.txt"):
        api.narrate_article(DATA / name, feed_dir, api.NarrateOptions(voice="fake"), registry=registry, now=NOW)
    newest, oldest = api.list_episodes(feed_dir)
    with (feed_dir / "feed.toml").open("a", encoding="utf-8") as toml:
        toml.write("keep_episodes = 1\n")
    assert api.rebuild_feed(feed_dir, now=NOW) == 1
    files = {p.name for p in (feed_dir / "episodes").iterdir()}
    assert oldest.audio.name not in files and (oldest.image is None or oldest.image.name not in files)
    assert newest.audio.name in files


def test_retention_by_age(show: Show, tmp_path: Path) -> None:
    feed_dir = copy_feed(show, tmp_path, "keep_days = 1\n")
    newest = max(api.list_episodes(feed_dir), key=lambda e: e.published)
    assert api.rebuild_feed(feed_dir, now=newest.published + dt.timedelta(hours=12)) == 1


def test_the_enclosure_prefix_is_in_every_enclosure_url_and_nowhere_else(show: Show, tmp_path: Path) -> None:
    prefix = "https://dts.example.net/redirect.mp3/"
    feed_dir = copy_feed(show, tmp_path, f'enclosure_prefix = "{prefix}"\n')
    api.rebuild_feed(feed_dir, now=NOW)
    text = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    enclosures = [e.get("url") for e in etree.fromstring(text.encode()).iter("enclosure")]
    assert len(enclosures) == 2
    assert all(url.startswith(prefix + "podcasts.example.org/harbor/episodes/") for url in enclosures)
    assert text.count(prefix) == len(enclosures)
    assert prefix not in (feed_dir / "index.html").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["feed", "validate", str(feed_dir / "feed.xml")], catch_exceptions=False)
    assert "0 errors" in result.output


@pytest.mark.slow
def test_adding_a_url_later_keeps_the_guid(tmp_path: Path) -> None:
    feed_dir = tmp_path / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    article = api.read_article(DATA / "harbor-ferry.txt")
    registry = EngineRegistry({"fake": FakeEngine})
    first = api.narrate_article(article, feed_dir, api.NarrateOptions(voice="fake"), registry=registry, now=NOW)
    from dataclasses import replace

    linked = replace(article, meta=replace(article.meta, url="https://coast.example.org/ferry"))
    again = api.narrate_article(linked, feed_dir, api.NarrateOptions(voice="fake"), registry=registry, now=NOW)
    [episode] = api.list_episodes(feed_dir)
    assert again.guid == first.guid == episode.guid and episode.link == "https://coast.example.org/ferry"


def test_show_page_links_are_relative_unless_a_base_url_is_given(show: Show, tmp_path: Path) -> None:
    feed_dir = copy_feed(show, tmp_path, "")
    page = (feed_dir / "index.html").read_text(encoding="utf-8")
    assert 'src="artwork-' in page and "https://podcasts.example.org/harbor/artwork-" not in page
    result = CliRunner().invoke(cli, ["show-page", "harbor", "--out", str(tmp_path),
                                      "--base-url", "http://127.0.0.1:8000/harbor"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (feed_dir / "index.html").read_text(encoding="utf-8")
    assert 'src="http://127.0.0.1:8000/harbor/artwork-' in page
    assert "http://127.0.0.1:8000/harbor/episodes/" in page
    episode = show.markdown.episode
    assert episode is not None and episode.image is not None
    assert f"http://127.0.0.1:8000/harbor/episodes/{episode.image.name}" in page  # the player's artwork


# --- hostile lead images --------------------------------------------------------------------------------

def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape), with one tiny row."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("name", "data"), [
    ("huge dimensions", _png_header_only(60_000, 60_000)),
    ("decompression bomb", _png_header_only(10_000, 9_000)),
    ("not an image", b"%PDF-1.4 not a picture at all"),
    ("svg with script", b'<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000">'
                        b"<script>alert(1)</script></svg>"),
    ("truncated jpeg", photo(1600, 1600)[:2000]),
    ("too small", photo(300, 300)),
])
def test_a_hostile_lead_image_falls_back_to_a_drawn_cover(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "lead.img"
    path.write_bytes(data)
    art, mime, warning = episode_artwork("Tide gates close", str(path))
    assert mime == "image/png" and warning is not None and "drawn from its title" in warning
    with Image.open(io.BytesIO(art)) as image:
        assert image.size == (1400, 1400)


def test_a_private_address_lead_image_is_not_fetched() -> None:
    _, mime, warning = episode_artwork("Tide gates close", "http://127.0.0.1:9/lead.jpg")
    assert mime == "image/png" and warning is not None and "private" in warning


def test_a_hostile_image_never_stops_a_narration(tmp_path: Path) -> None:
    feed_dir = tmp_path / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    source = tmp_path / "tide.md"
    source.write_text(MARKDOWN.replace("lead.jpg", "bomb.png"), encoding="utf-8")
    (tmp_path / "bomb.png").write_bytes(_png_header_only(60_000, 60_000))
    result = CliRunner().invoke(cli, ["article", str(source), "--feed", "harbor", "--out", str(tmp_path),
                                      "--voice", "fake"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning: lead image" in result.output
    [episode] = api.list_episodes(feed_dir)
    assert episode.image is not None and episode.image.mime_type == "image/png"


@pytest.mark.parametrize(("size", "expected"), [((1600, 1300), 1400), ((3600, 3000), 3000), ((2000, 2000), 2000)])
def test_square_artwork_crops_nearly_square_pictures_and_scales_into_range(size: tuple[int, int],
                                                                          expected: int) -> None:
    data, mime = square_artwork(photo(*size))
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (expected, expected) and mime == "image/jpeg"


@pytest.mark.slow
def test_chapters_link_to_their_section_with_its_anchor(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    page = (DATA / "news_page.html").read_text(encoding="utf-8")
    page = page.replace("<h2>How the breach happened</h2>", '<h2 id="breach">How the breach happened</h2>')
    source = tmp_path / "page.html"
    source.write_text(page, encoding="utf-8")
    article = api.read_article(source)
    url = article.meta.url
    assert url and [s.anchor for s in article.sections if s.heading == "How the breach happened"] == ["breach"]
    feed_dir = tmp_path / "harbor"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    result = api.narrate_article(article, feed_dir, api.NarrateOptions(voice="fake", fetch_images=False),
                                 registry=EngineRegistry({"fake": FakeEngine}), now=NOW)
    episode = result.episode
    assert episode is not None
    links = {c.title: c.url for c in episode.chapters}
    assert links["How the breach happened"] == f"{url}#breach"
    assert links["What regulators say"] == url and links["About this narration"] is None
    chapters_json = next(f for f in episode.extra_files if f.mime_type == "application/json+chapters")
    listed = json.loads((feed_dir / "episodes" / chapters_json.name).read_text(encoding="utf-8"))["chapters"]
    assert {c["title"]: c.get("url") for c in listed} == links
    frames = ID3(str(feed_dir / "episodes" / episode.audio.name)).getall("CHAP")
    urls = {f.sub_frames["TIT2"].text[0]: f.sub_frames.getall("WXXX") for f in frames}
    assert [w.url for w in urls["How the breach happened"]] == [f"{url}#breach"]
    assert urls["About this narration"] == []


def test_the_disclosure_is_configured_per_feed_and_per_cast(tmp_path: Path) -> None:
    from narrate.pipeline import disclosure_text
    from narrate.publish.settings import ProductionSettings
    from narrate.voice.profiles import load_cast

    (tmp_path / "quiet.cast.toml").write_text('disclosure = false\n[roles]\ndefault = "fake"\n', encoding="utf-8")
    (tmp_path / "named.cast.toml").write_text('disclosure = "Fake, a synthetic voice, read this."\n'
                                              '[roles]\ndefault = "fake"\n', encoding="utf-8")
    quiet, named = load_cast("quiet", [tmp_path]), load_cast("named", [tmp_path])
    plain = load_cast("default")
    assert disclosure_text(ProductionSettings(), plain) == DEFAULT_DISCLOSURE
    assert disclosure_text(ProductionSettings(disclosure_text="Read by a machine."), plain) == "Read by a machine."
    assert disclosure_text(ProductionSettings(), named) == "Fake, a synthetic voice, read this."
    assert disclosure_text(ProductionSettings(), quiet) is None
    assert disclosure_text(ProductionSettings(disclosure=False), named) is None


@pytest.mark.parametrize(("line", "message"), [
    ("keep_episodes = 0", "keep_episodes"), ("keep_days = true", "keep_days"),
    ('enclosure_prefix = "dts.example.net/"', "enclosure_prefix"), ('disclosure_text = " "', "disclosure_text"),
    ('disclosure = "yes"', "disclosure"),
])
def test_new_feed_settings_are_checked(line: str, message: str, tmp_path: Path) -> None:
    from narrate.errors import ConfigError
    from narrate.publish.settings import read_feed_settings

    (tmp_path / "feed.toml").write_text(HARBOR_FEED_TOML + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_feed_settings(tmp_path)


def test_a_rerun_says_unchanged(show: Show) -> None:
    result = CliRunner().invoke(cli, ["article", str(DATA / "bridge-reopens.txt"), "--feed", "harbor",
                                      "--out", str(show.feed_dir.parent), "--voice", "fake", "--url", TEXT_URL],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "unchanged since it was last published" in result.output and "(unchanged)" in result.output
    assert "1 chapters" not in result.output and "1 sentences" not in result.output


def test_a_remote_lead_image_is_fetched_with_the_article_guards() -> None:
    from tests.http_support import ReplyHandler, serve

    picture = photo(1500, 1400)

    class Images(ReplyHandler):
        def do_GET(self) -> None:
            if self.path == "/lead.jpg":
                self.reply(200, "image/jpeg", picture)
            elif self.path == "/lead.svg":
                self.reply(200, "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
            else:
                self.reply(200, "text/html", b"<html>not an image</html>")

    with serve(Images) as base:
        art, mime, warning = episode_artwork("Tide", f"{base}/lead.jpg", allow_private=True)
        assert warning is None and mime == "image/jpeg"
        with Image.open(io.BytesIO(art)) as image:
            assert image.size == (1400, 1400)
        for path, why in (("/lead.svg", "not a JPEG, PNG"), ("/page", "not an image")):
            _, mime, warning = episode_artwork("Tide", base + path, allow_private=True)
            assert mime == "image/png" and warning is not None and why in warning
        _, mime, warning = episode_artwork("Tide", f"{base}/lead.jpg")  # the guard: a loopback address
        assert mime == "image/png" and warning is not None and "private" in warning


def test_render_keys_see_the_metadata_as_before_while_there_is_no_lead_image() -> None:
    from dataclasses import fields, replace

    from narrate.pipeline import meta_fingerprint

    meta = api.read_article(DATA / "harbor-ferry.txt").meta
    before = "ArticleMeta(" + ", ".join(f"{f.name}={getattr(meta, f.name)!r}" for f in fields(meta)
                                        if f.name != "image") + ")"
    assert meta.image is None and meta_fingerprint(meta) == before
    assert "image='https://x.example/a.jpg'" in meta_fingerprint(replace(meta, image="https://x.example/a.jpg"))
