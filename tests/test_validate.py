"""Feed validation (narrate/publish/validate.py): hand-written feeds with one fault at a time, and
`narrate feed validate` on a published feed, broken by hand and fetched over HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from narrate.cli.feed import feed as feed_command
from narrate.errors import InputError
from narrate.publish.rss import podcast_guid
from narrate.publish.validate import FeedSource, Finding, read_source, validate_feed
from tests.podcast_support import Published

SELF = "https://podcasts.example.org/harbor/feed.xml"

CHANNEL = """\
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Harbor Test Feed</title>
  <description>A feed the tests write.</description>
  <language>en</language>
  <link>https://podcasts.example.org/harbor/</link>
  <atom:link href="{self}" rel="self" type="application/rss+xml"/>
  <itunes:category text="News"><itunes:category text="Daily News"/></itunes:category>
  <itunes:explicit>{explicit}</itunes:explicit>
  <itunes:author>Test Desk</itunes:author>
  <itunes:owner><itunes:email>desk@example.org</itunes:email></itunes:owner>
  <itunes:image href="https://podcasts.example.org/harbor/artwork.jpg"/>
  <podcast:guid>{guid}</podcast:guid>
  <podcast:locked owner="desk@example.org">no</podcast:locked>
{items}
</channel>
</rss>
"""

ITEM = """\
  <item>
    <title>{title}</title>
    <guid isPermaLink="false">{guid}</guid>
    <pubDate>Thu, 25 Dec 2025 09:00:00 +0000</pubDate>
    <itunes:duration>{duration}</itunes:duration>
    {enclosure}
    {extra}
  </item>"""


def enclosure(name: str, length: int = 1234) -> str:
    return f'<enclosure url="https://podcasts.example.org/harbor/episodes/{name}" length="{length}" type="audio/mpeg"/>'


def item(title: str = "Ferry resumes", guid: str = "ep-1", duration: str = "00:01:12",
         enclosure_xml: str | None = None, extra: str = "") -> str:
    return ITEM.format(title=title, guid=guid, duration=duration, extra=extra,
                       enclosure=enclosure(f"{guid}.mp3") if enclosure_xml is None else enclosure_xml)


def feed(*items: str, explicit: str = "false", guid: str | None = None) -> bytes:
    text = CHANNEL.format(self=SELF, explicit=explicit, guid=guid or podcast_guid(SELF),
                          items="\n".join(items or (item(),)))
    return text.encode()


def findings(data: bytes, local_dir: Path | None = None) -> list[Finding]:
    return validate_feed(FeedSource(data, local_dir))


def only(data: bytes) -> Finding:
    [finding] = findings(data)
    return finding


def test_a_correct_feed_has_no_findings() -> None:
    assert findings(feed(item(), item(title="Bridge reopens", guid="ep-2", duration="95"))) == []


def test_missing_enclosure() -> None:
    finding = only(feed(item(enclosure_xml="")))
    assert (finding.level, finding.where) == ("error", "item 1 (Ferry resumes)")
    assert "0 enclosures" in finding.message


def test_two_enclosures_in_one_item() -> None:
    assert "2 enclosures" in only(feed(item(enclosure_xml=enclosure("a.mp3") + enclosure("b.mp3")))).message


@pytest.mark.parametrize("duration", ["1:2:3", "abc", "72s", "00:01:12.5", "-5"])
def test_bad_duration(duration: str) -> None:
    finding = only(feed(item(duration=duration)))
    assert finding.level == "error" and f"itunes:duration '{duration}'" in finding.message


@pytest.mark.parametrize("duration", ["72", "1:12", "00:01:12", "10:00:00"])
def test_good_durations(duration: str) -> None:
    assert findings(feed(item(duration=duration))) == []


def test_duplicate_guid_is_reported_on_every_item_that_shares_it() -> None:
    data = feed(item(guid="same", enclosure_xml=enclosure("a.mp3")),
                item(title="Other", guid="same", enclosure_xml=enclosure("b.mp3")))
    found = findings(data)
    assert [(f.level, f.where) for f in found] == [("error", "item 1 (Ferry resumes)"), ("error", "item 2 (Other)")]
    assert all(f.message == "GUID same is used by 2 items" for f in found)


def test_a_shared_enclosure_url_is_an_error() -> None:
    found = findings(feed(item(guid="a", enclosure_xml=enclosure("x.mp3")),
                          item(guid="b", enclosure_xml=enclosure("x.mp3"))))
    assert len(found) == 2 and all("is shared by 2 items" in f.message for f in found)


@pytest.mark.parametrize(
    ("guid", "message"),
    [
        ("0b1f6b6e-2f4a-4c8e-9d3a-5e7f8a9b0c1d", "is not a UUIDv5"),  # a version 4 UUID
        (str(uuid.uuid3(uuid.NAMESPACE_URL, SELF)), "is not a UUIDv5"),
        ("harbor-feed", "'harbor-feed' is not a UUID"),
    ],
)
def test_podcast_guid_must_be_a_uuid5(guid: str, message: str) -> None:
    found = [f for f in findings(feed(guid=guid)) if f.level == "error"]
    assert [(f.where, message in f.message) for f in found] == [("channel/podcast:guid", True)]


def test_a_uuid5_of_another_url_is_only_a_warning() -> None:
    finding = only(feed(guid=podcast_guid("https://elsewhere.example.org/feed.xml")))
    assert finding.level == "warning" and "not derived from the self link" in finding.message


@pytest.mark.parametrize(("value", "level"), [("yes", "warning"), ("clean", "warning"), ("maybe", "error"),
                                              ("1", "error")])
def test_bad_explicit_value(value: str, level: str) -> None:
    finding = only(feed(explicit=value))
    assert (finding.level, finding.where) == (level, "channel/itunes:explicit")
    assert f"'{value}'" in finding.message


@pytest.mark.parametrize("value", ["true", "false", "True"])
def test_explicit_true_or_false(value: str) -> None:
    assert findings(feed(explicit=value)) == []


@pytest.mark.parametrize(
    ("transcript", "problem"),
    [
        ('<podcast:transcript url="https://podcasts.example.org/harbor/ep-1.vtt"/>', "'type' is required"),
        ('<podcast:transcript type="text/vtt"/>', "'url' is required"),
        ('<podcast:transcript url="https://podcasts.example.org/harbor/ep-1.vtt" type="text/vtt" '
         'format="webvtt"/>', "'format' is not allowed"),
    ],
)
def test_xsd_errors_on_a_bad_podcast_transcript(transcript: str, problem: str) -> None:
    found = findings(feed(item(extra=transcript)))
    assert found, "the XSD accepted a bad podcast:transcript"
    assert all(f.level == "error" and f.where.endswith("/item/podcast:transcript") for f in found)
    assert any(f.message.startswith("XSD:") and problem in f.message for f in found)


def test_a_good_podcast_transcript_passes_the_xsd() -> None:
    transcript = ('<podcast:transcript url="https://podcasts.example.org/harbor/ep-1.vtt" type="text/vtt" '
                  'rel="captions"/>')
    assert findings(feed(item(extra=transcript))) == []


def test_errors_come_before_warnings() -> None:
    data = feed(item(duration="soon"), explicit="yes")
    assert [f.level for f in findings(data)] == ["error", "warning"]


def test_not_well_formed_xml_is_one_error() -> None:
    [finding] = findings(b"<rss version='2.0'><channel><title>x</channel></rss>")
    assert finding.level == "error" and "not well-formed XML" in finding.message


def test_local_enclosures_must_exist_with_their_length(tmp_path: Path) -> None:
    (tmp_path / "artwork.jpg").write_bytes(b"")  # artwork is checked elsewhere; only its findings are filtered
    (tmp_path / "episodes").mkdir()
    (tmp_path / "episodes" / "a.mp3").write_bytes(b"x" * 1000)
    data = feed(item(guid="a", enclosure_xml=enclosure("a.mp3", 1234)),
                item(guid="b", enclosure_xml=enclosure("b.mp3")))
    found = [f for f in findings(data, tmp_path) if f.where.startswith("item")]
    assert [f.message for f in found] == [
        "enclosure length 1234 but a.mp3 has 1000 bytes",
        f"enclosure file {tmp_path / 'episodes' / 'b.mp3'} does not exist",
    ]
    (tmp_path / "episodes" / "a.mp3").write_bytes(b"x" * 1234)
    assert [f for f in findings(data, tmp_path) if f.where.startswith("item 1")] == []


def test_read_source_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed())
    source = read_source(str(path))
    assert source == FeedSource(feed(), tmp_path.resolve())
    with pytest.raises(InputError, match="no such feed file"):
        read_source(str(tmp_path / "missing.xml"))


def test_feed_validates(mp3: Published) -> None:
    result = CliRunner().invoke(feed_command, ["validate", str(mp3.feed_dir / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")


def test_xsd_rejects_a_broken_feed(mp3: Published, tmp_path: Path) -> None:
    tree = etree.parse(str(mp3.feed_dir / "feed.xml"))
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    tree.xpath("//podcast:locked", namespaces=ns)[0].text = "maybe"
    del tree.xpath("//podcast:chapters", namespaces=ns)[0].attrib["type"]
    broken = tmp_path / "feed.xml"
    tree.write(str(broken), xml_declaration=True, encoding="UTF-8")
    result = CliRunner().invoke(feed_command, ["validate", str(broken)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "podcast:locked: XSD:" in result.output and "maybe" in result.output
    assert "podcast:chapters: XSD:" in result.output and "'type' is required" in result.output


def test_validate_checks_enclosure_lengths_and_guids(mp3: Published, tmp_path: Path) -> None:
    text = (mp3.feed_dir / "feed.xml").read_text(encoding="utf-8")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    for path in mp3.feed_dir.rglob("*"):
        if path.is_file():
            (copy_dir / path.relative_to(mp3.feed_dir)).parent.mkdir(parents=True, exist_ok=True)
            (copy_dir / path.relative_to(mp3.feed_dir)).write_bytes(path.read_bytes())
    size = str(mp3.episode.audio.size)
    item = text[text.index("<item>"): text.index("</item>") + len("</item>")]
    (copy_dir / "feed.xml").write_text(text.replace(item, item + item).replace(f'length="{size}"', 'length="12"', 1))
    result = CliRunner().invoke(feed_command, ["validate", str(copy_dir / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 1
    assert "enclosure length 12 but" in result.output
    assert f"GUID {mp3.episode.guid} is used by 2 items" in result.output
    assert "is shared by 2 items" in result.output


def test_validate_fetches_a_feed_url(mp3: Published) -> None:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(mp3.feed_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        result = CliRunner().invoke(feed_command, ["validate", url], catch_exceptions=False)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")
