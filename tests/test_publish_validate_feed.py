"""`narrate feed validate` on published feeds: clean, broken by hand, and fetched over HTTP."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from narrate.cli.feed import feed as feed_command
from tests.podcast_support import Published


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
