"""Bad input through the whole command: one clear line, exit status 2, and a published feed left byte for byte."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli import main
from tests.conftest import DATA
from tests.http_support import ReplyHandler, serve


class Handler(ReplyHandler):
    def do_GET(self) -> None:
        if self.path == "/missing":
            self.reply(404, "text/html", b"<html><body>gone</body></html>")
        elif self.path == "/image":
            self.reply(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64))
        elif self.path == "/slow":
            time.sleep(1.5)  # past the command's --timeout 1; the server's teardown waits for it
            self.reply(200, "text/html", (DATA / "news_page.html").read_bytes())
        else:
            self.reply(200, "text/html", (DATA / "news_page.html").read_bytes())


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Handler) as url:
        yield url


@pytest.fixture(scope="module")
def published_feed(tmp_path_factory: pytest.TempPathFactory, server: str) -> Path:
    """A feed holding one episode, narrated from a URL with the fake voice."""
    out = tmp_path_factory.mktemp("feeds")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        result = CliRunner().invoke(main, ["article", f"{server}/article", "--allow-private", "--feed", "news",
                                           "--out", str(out), "--voice", "fake"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def no_article_html(tmp_path: Path, server: str) -> str:
    path = tmp_path / "nav.html"
    path.write_text("<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a> <a href='/w'>World</a>"
                    "</nav><footer>© 2026</footer></body></html>")
    return str(path)


def huge_page(tmp_path: Path, server: str) -> str:
    path = tmp_path / "huge.html"
    path.write_bytes(b"<html><body>" + b"<p>words and more words</p>" * 400_000 + b"</body></html>")
    assert path.stat().st_size > 10_000_000
    return str(path)


def broken_markup(tmp_path: Path, server: str) -> str:
    path = tmp_path / "broken.html"
    path.write_text("<html><body><div><<<>>></p></span><script>x=1</script><table><tr><td>1</td></table")
    return str(path)


def binary_file(tmp_path: Path, server: str) -> str:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    return str(path)


@pytest.mark.parametrize(
    ("make_source", "message"),
    [
        (no_article_html, "no article"),
        (huge_page, "larger than"),
        (broken_markup, "no article|no title"),
        (binary_file, "binary"),
        (lambda tmp, server: f"{server}/missing", "404"),
        (lambda tmp, server: f"{server}/image", "image/png"),
        (lambda tmp, server: f"{server}/slow", "timed out|time"),
        (lambda tmp, server: "ftp://example.org/a", "http"),
    ],
    ids=["html-without-article", "10MB-page", "broken-markup", "binary", "url-404", "url-not-html",
         "url-timeout", "not-http"],
)
def test_bad_source_is_refused_and_nothing_changes(
    published_feed: Path, server: str, tmp_path: Path, make_source: Callable[[Path, str], str], message: str
) -> None:
    before = snapshot(published_feed)
    source = make_source(tmp_path, server)
    result = CliRunner().invoke(main, ["article", source, "--allow-private", "--timeout", "1", "--feed", "news",
                                       "--out", str(published_feed), "--voice", "fake"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("narrate: error: ")
    assert result.output.count("\n") == 1
    assert re.search(message, result.output, re.IGNORECASE), result.output
    assert snapshot(published_feed) == before
