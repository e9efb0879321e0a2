"""`narrate serve`: a real uvicorn server on a loopback port, spoken to with raw HTTP requests."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.errors import PublishError
from narrate.web.embed import CHAPTERS_MIME, TRANSCRIPT_MIME, find_file
from narrate.web.serve import create_app, is_private, media_type_for
from tests.web_support import DemoEpisode, make_demo_episode, running_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, DemoEpisode]]:
    root = tmp_path_factory.mktemp("feeds")
    demo = make_demo_episode(root)
    feed = root / "demo"
    (feed / "feed.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    (feed / "feed.toml").write_text('title = "secret config"\n')
    (feed / "records").mkdir()
    (feed / "records" / "x.json").write_text("{}")
    (feed / "index.html").write_text("<!doctype html><title>show</title>")
    (root / "empty-dir").mkdir()
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("outside the root")
    os.symlink(outside / "secret.txt", feed / "link-out.txt")
    os.symlink(outside, feed / "dir-out")
    os.symlink(demo.directory / demo.episode.audio.name, feed / "link-in.mp3")
    os.symlink(feed / "feed.toml", demo.directory / "settings.txt")
    os.symlink(feed / "records", feed / "published")
    with running_server(root) as base:
        yield base, root, demo


def request(
    base: str, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as given (no client-side normalization of '..' or %2e)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def audio_path(demo: DemoEpisode) -> tuple[str, bytes]:
    name = demo.episode.audio.name
    return f"/demo/episodes/{name}", (demo.directory / name).read_bytes()


def test_full_get_has_length_etag_and_last_modified(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, headers, body = request(base, "GET", path)
    assert status == 200
    assert body == data
    assert headers["content-type"] == "audio/mpeg"
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(len(data))
    assert headers["etag"] and headers["last-modified"]
    assert "immutable" in headers["cache-control"]
    status, _, body = request(base, "GET", path, {"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")


def test_head_sends_headers_without_body(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, headers, body = request(base, "HEAD", path)
    assert status == 200
    assert body == b""
    assert headers["content-length"] == str(len(data))
    assert headers["content-type"] == "audio/mpeg"


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [("bytes=0-1", 0, 1), ("bytes=100-1099", 100, 1099), ("bytes=-500", None, None), ("bytes=1000-", 1000, None)],
)
def test_satisfiable_range_gets_206_with_exactly_those_bytes(
    site: tuple[str, Path, DemoEpisode], range_header: str, start: int | None, end: int | None
) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    size = len(data)
    if start is None:  # suffix range: the last 500 bytes
        start, end = size - 500, size - 1
    elif end is None:
        end = size - 1
    status, headers, body = request(base, "GET", path, {"Range": range_header})
    assert status == 206  # Apple Podcasts rejects servers that answer 200 to a Range request
    assert headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert body == data[start : end + 1]
    assert headers["content-length"] == str(end - start + 1)


def test_head_with_range_gets_206_headers(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, headers, body = request(base, "HEAD", path, {"Range": "bytes=0-99"})
    assert (status, body) == (206, b"")
    assert headers["content-range"] == f"bytes 0-99/{len(data)}"


def test_unsatisfiable_range_gets_416_with_size(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, headers, _ = request(base, "GET", path, {"Range": f"bytes={len(data)}-{len(data) + 10}"})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(data)}"


def test_if_range_with_stale_etag_gets_the_whole_file(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, _, body = request(base, "GET", path, {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert (status, body) == (200, data)


def test_mime_types_of_transcript_chapters_and_feed(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    transcript = find_file(demo.episode, TRANSCRIPT_MIME)
    chapters = find_file(demo.episode, CHAPTERS_MIME)
    assert transcript is not None and chapters is not None
    assert request(base, "GET", f"/demo/episodes/{transcript.name}")[1]["content-type"].startswith("text/vtt")
    assert request(base, "GET", f"/demo/episodes/{chapters.name}")[1]["content-type"] == "application/json+chapters"
    assert request(base, "GET", "/demo/feed.xml")[1]["content-type"].startswith("application/rss+xml")
    assert request(base, "GET", "/_narrate/player.js")[1]["content-type"].startswith("text/javascript")
    assert request(base, "GET", "/_narrate/player.css")[1]["content-type"].startswith("text/css")


def test_cors_on_transcript_chapters_and_audio(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    origin = {"Origin": "https://news.example"}
    for file in (find_file(demo.episode, TRANSCRIPT_MIME), find_file(demo.episode, CHAPTERS_MIME), demo.episode.audio):
        assert file is not None
        status, headers, _ = request(base, "GET", f"/demo/episodes/{file.name}", origin)
        assert status == 200
        assert headers["access-control-allow-origin"] == "*"
        assert "content-range" in headers["access-control-expose-headers"].lower()
    preflight = {**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"}
    status, headers, _ = request(base, "OPTIONS", f"/demo/episodes/{demo.episode.audio.name}", preflight)
    assert status == 200
    assert "range" in headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize(
    "path",
    [
        "/../outside/secret.txt",
        "/demo/../../outside/secret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/demo/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/demo/..%2f..%2f..%2fetc%2fpasswd",
        "/_narrate/../../../../etc/passwd",
        "/_narrate/%2e%2e/serve.py",
        "/demo/link-out.txt",
        "/demo/dir-out/secret.txt",
        "/demo/%00",
    ],
)
def test_paths_outside_the_root_are_refused(site: tuple[str, Path, DemoEpisode], path: str) -> None:
    base, _, _ = site
    status, _, body = request(base, "GET", path)
    assert status in (400, 403, 404)
    assert b"outside the root" not in body and b"root:" not in body and b"create_app" not in body


def test_symlink_inside_the_root_is_served(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    _, data = audio_path(demo)
    status, _, body = request(base, "GET", "/demo/link-in.mp3")
    assert (status, body) == (200, data)


@pytest.mark.parametrize("path", ["/demo/episodes/settings.txt", "/demo/published/x.json"])
def test_links_to_feed_internals_are_not_served(site: tuple[str, Path, DemoEpisode], path: str) -> None:
    base, root, _ = site
    assert (root / path.lstrip("/")).resolve().is_file()  # the link works on disk: serve must refuse it
    status, _, body = request(base, "GET", path)
    assert status == 404
    assert b"secret config" not in body and body != b"{}"


@pytest.mark.parametrize("path", ["/demo/feed.toml", "/demo/records/x.json", "/demo/.lock", "/demo/records/"])
def test_feed_internals_are_not_served(site: tuple[str, Path, DemoEpisode], path: str) -> None:
    base, root, _ = site
    (root / "demo" / ".lock").touch()
    status, _, body = request(base, "GET", path)
    assert status == 404
    assert b"secret config" not in body


def test_directories_serve_only_their_show_page(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    status, headers, body = request(base, "GET", "/demo/")
    assert status == 200 and b"<title>show</title>" in body
    assert headers["content-type"].startswith("text/html")
    status, headers, _ = request(base, "GET", "/demo")
    assert status in (301, 302, 307, 308) and headers["location"].endswith("/demo/")
    for listing in ("/demo/episodes/", "/empty-dir/", "/", "/_narrate/"):
        status, _, body = request(base, "GET", listing)
        assert status == 404, listing
        assert demo.episode.audio.name.encode() not in body


def test_only_get_and_head(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, _ = audio_path(demo)
    assert request(base, "DELETE", path)[0] == 405


def test_media_types_and_private_names() -> None:
    assert media_type_for("a/b/x-1234.chapters.json") == "application/json+chapters"
    assert media_type_for("x.json") == "application/json"
    assert media_type_for("feed.xml").startswith("application/rss+xml")
    assert media_type_for("other.xml").startswith("application/xml")
    assert media_type_for("x.unknown") == "application/octet-stream"
    assert is_private("demo/feed.toml") and is_private(".git/config") and is_private("demo/records/a.json")
    assert not is_private("demo/episodes/a.mp3") and not is_private("demo/index.html")


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="--root"):
        create_app(tmp_path / "nope")


def test_text_is_gzipped_for_clients_that_accept_it(site: tuple[str, Path, DemoEpisode]) -> None:
    import gzip

    base, _, _ = site
    status, headers, body = request(base, "GET", "/_narrate/player.js", {"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower() and headers["etag"].startswith('W/"')
    plain = (Path(__file__).parent.parent / "narrate" / "web" / "static" / "player.js").read_bytes()
    assert gzip.decompress(body) == plain and int(headers["content-length"]) == len(body) < len(plain) / 2
    status, _, _ = request(base, "GET", "/_narrate/player.js",
                           {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert status == 304
    status, headers, body = request(base, "GET", "/_narrate/player.js")
    assert status == 200 and "content-encoding" not in headers and body == plain


def test_audio_is_never_gzipped_and_keeps_its_ranges(site: tuple[str, Path, DemoEpisode]) -> None:
    base, _, demo = site
    path, data = audio_path(demo)
    status, headers, body = request(base, "GET", path, {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in headers and body == data
    status, headers, body = request(base, "GET", path, {"Accept-Encoding": "gzip", "Range": "bytes=10-99"})
    assert status == 206 and "content-encoding" not in headers and body == data[10:100]


def test_manifests_are_revalidated_and_content_named_files_kept(site: tuple[str, Path, DemoEpisode]) -> None:
    base, root, demo = site
    (root / "demo" / "manifests").mkdir(exist_ok=True)
    (root / "demo" / "manifests" / "0123456789abcdef.json").write_text('{"narrate_manifest": 1}')
    (root / "demo" / "artwork-0123456789abcdef.png").write_bytes(b"\x89PNG")
    origin = {"Origin": "https://news.example"}
    status, headers, body = request(base, "GET", "/demo/manifests/0123456789abcdef.json", origin)
    assert (status, body) == (200, b'{"narrate_manifest": 1}')
    assert headers["cache-control"] == "no-cache"  # a re-narration or a takedown is seen at once
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == "*"
    assert request(base, "GET", "/demo/artwork-0123456789abcdef.png")[1]["cache-control"].endswith("immutable")
    assert request(base, "GET", f"/demo/episodes/{demo.episode.audio.name}")[1]["cache-control"].endswith("immutable")
    for mutable in ("/demo/feed.xml", "/demo/index.html", "/_narrate/player.js"):
        assert request(base, "GET", mutable)[1]["cache-control"] == "no-cache", mutable
