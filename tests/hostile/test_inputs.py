"""Hostile inputs end in a clean narration or one line with exit 2, and a refused input changes nothing."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.sources.fetch import is_public_address
from narrate.sources.read import xml_safe
from tests.hostile.support import ARTICLE, make_feed, one_line_error, run, snapshot


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    make_feed(tmp_path / "feeds" / "news")
    assert run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path / "feeds"),
               "--voice", "fake").exit_code == 0
    return tmp_path / "feeds"


def refused(feeds: Path, source: str, *extra: str) -> str:
    """Run ``narrate article source``: it must fail in one line and leave the feed byte-identical."""
    before = snapshot(feeds)
    line = one_line_error(run("article", source, "--feed", "news", "--out", str(feeds), "--voice", "fake", *extra))
    assert snapshot(feeds) == before
    return line


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["\x02", "\x1b", "\x07", "\x0c", "\ufffe"])
def test_a_control_character_anywhere_is_removed_and_the_feed_stays_valid(
        feeds: Path, tmp_path: Path, bad: str, caplog: pytest.LogCaptureFixture) -> None:
    source = tmp_path / "bad.txt"
    text = ARTICLE.read_text(encoding="utf-8").replace("Bridge", f"Bri{bad}dge", 1).replace(". ", f".{bad} ", 3)
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run("article", str(source), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--force")
    assert result.exit_code == 0, result.output
    assert "control character" in result.output + caplog.text  # stderr, or the log pytest captures
    assert run("feed", "rebuild", "news", "--out", str(feeds)).exit_code == 0


def test_illegal_character_references_in_html_do_not_refuse_the_article(feeds: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = " ".join(f"<p>Sentence {n} of the harbor report&#1; is here&#xFFFE; today.</p>" for n in range(12))
    page.write_text(f"<!doctype html><html><head><title>Harbor&#x2; report</title></head><body><article>"
                    f"<h1>Harbor report</h1>{body}</article></body></html>", encoding="utf-8")
    result = run("article", str(page), "--feed", "news", "--out", str(feeds), "--voice", "fake")
    assert result.exit_code == 0, result.output


def test_xml_safe_removes_what_xml_forbids_and_keeps_the_rest() -> None:
    assert xml_safe("a\x00b\tc\nd\ud800e\uffff") == ("ab\tc\nde", 3)


def test_a_record_damaged_by_hand_is_quarantined_not_bricking_the_feed(feeds: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    records = feeds / "news" / "records"
    (records / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    good = next(p for p in records.glob("*.json") if p.name != "deep.json")
    data = json.loads(good.read_text())
    (records / "ctrl.json").write_text(json.dumps({**data, "guid": "ctrl", "title": "bad\x02title"}))
    result = run("feed", "rebuild", "news", "--out", str(feeds))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (records / "quarantine").iterdir()) == ["ctrl.json", "deep.json"]
    assert "quarantine" in result.output + caplog.text
    assert run("feed", "rebuild", "news", "--out", str(feeds)).exit_code == 0


def test_article_text_reaches_description_escaped_for_html(tmp_path: Path) -> None:
    import datetime as dt

    from lxml import etree

    from narrate.model import Episode, EpisodeFile
    from narrate.publish.rss import build_feed
    from narrate.publish.settings import read_feed_settings
    from tests.conftest import HARBOR_FEED_TOML

    (tmp_path / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    written = "The notice said <script>alert(1)</script> & <b>bold</b>."
    episode = Episode(guid="g", title="T", description=written, published=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                      duration=1.0, audio=EpisodeFile("a.mp3", "audio/mpeg", 1, "0"))
    feed_xml = build_feed(read_feed_settings(tmp_path), [episode], dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    [description] = etree.fromstring(feed_xml).findall("channel/item/description")
    # What an RSS reader gets after XML parsing is HTML that shows the article's text, tags and all, as text.
    assert description.text == "The notice said &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;."


def test_devices_fifos_and_folders_are_refused(feeds: Path, tmp_path: Path) -> None:
    assert "not a regular file" in refused(feeds, "/dev/zero")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(feeds, str(fifo))
    assert "directory" in refused(feeds, str(tmp_path))


def test_a_yaml_alias_bomb_is_refused(feeds: Path, tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [f'{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]'
              for n in range(8)]
    bomb = tmp_path / "bomb.md"
    bomb.write_text("---\n" + "\n".join(lines) + "\n---\n# Title\n\nSome text here.\n", encoding="utf-8")
    assert "aliases" in refused(feeds, str(bomb))


def test_an_article_over_the_length_limit_is_refused_naming_the_limit(feeds: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATE_MAX_WORDS", "20")
    assert "NARRATE_MAX_WORDS" in refused(feeds, str(ARTICLE))


def test_filesystem_faults_are_one_line_naming_the_path(feeds: Path) -> None:
    feed_xml = feeds / "news" / "feed.xml"
    feed_xml.unlink()
    feed_xml.mkdir()
    line = one_line_error(run("feed", "rebuild", "news", "--out", str(feeds)))
    assert "feed.xml" in line


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["records is a file", ".lock is a folder", "NARRATE_HOME is a file",
                                   "a cache entry is a folder tree", "the show page is a folder"])
def test_each_filesystem_fault_is_one_line_and_exit_2(feeds: Path, tmp_path: Path, fault: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permission bits, so the faults are things in the way: a file where a folder must be."""
    news = feeds / "news"
    command = ["feed", "rebuild", "news", "--out", str(feeds)]
    if fault == "records is a file":
        for record in (news / "records").iterdir():
            record.unlink()
        (news / "records").rmdir()
        (news / "records").write_text("not a folder")
        expected = "records"
    elif fault == ".lock is a folder":
        (news / ".lock").unlink(missing_ok=True)
        (news / ".lock").mkdir()
        expected = ".lock"
    elif fault == "NARRATE_HOME is a file":
        home = tmp_path / "home-file"
        home.write_text("a file")
        monkeypatch.setenv("NARRATE_HOME", str(home))
        command = ["article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--force"]
        expected = "home-file"
    elif fault == "a cache entry is a folder tree":
        cache = tmp_path / "cache-home"
        (cache / "cache").mkdir(parents=True)
        (cache / "cache" / "audio").write_text("a file where the cache folder goes")
        monkeypatch.setenv("NARRATE_HOME", str(cache))
        command = ["article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--force"]
        expected = "audio"
    else:
        (news / "index.html").unlink()
        (news / "index.html").mkdir()
        expected = "index.html"
    line = one_line_error(run(*command))
    assert expected in line


@pytest.mark.parametrize("address", ["::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "::ffff:10.0.0.1",
                                     "2001:0:4136:e378:8000:63bf:f5ff:fffe"])
def test_ipv6_forms_embedding_a_private_ipv4_are_not_public(address: str) -> None:
    assert not is_public_address(address)


def test_a_public_ipv6_address_is_public() -> None:
    assert is_public_address("2606:4700:4700::1111")


def test_a_refused_connection_says_so(feeds: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = refused(feeds, f"http://127.0.0.1:{port}/a", "--allow-private")
    assert "refused" in line and "timed out" not in line


@pytest.fixture
def slow_drip() -> Iterator[str]:
    """A loopback server that sends one byte of its headers every half second, for ever."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            with client:
                for byte in b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 10_000:
                    if stop.wait(0.5):
                        break
                    try:
                        client.sendall(bytes([byte]))
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/article"
    stop.set()
    thread.join()
    server.close()


@pytest.mark.slow
def test_a_slow_drip_server_is_cut_at_the_timeout(feeds: Path, slow_drip: str) -> None:
    started = time.monotonic()
    line = refused(feeds, slow_drip, "--allow-private", "--timeout", "2")
    assert "timed out after 2 s" in line
    assert time.monotonic() - started < 4
