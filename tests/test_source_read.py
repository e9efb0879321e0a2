"""Reading any source by path or URL, and the ``article`` command."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate.cli.read import read as article
from narrate.errors import InputError
from narrate.sources.read import ReadOptions, read_source
from narrate.sources.serialize import article_from_json

DATA = Path(__file__).parent / "data"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def data_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(DATA)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def golden(name: str) -> str:
    return (DATA / name).with_suffix(".article.json").read_text(encoding="utf-8")


def test_html_saved_as_txt_is_read_as_html(tmp_path: Path) -> None:
    saved = tmp_path / "page.txt"
    saved.write_bytes((DATA / "news_page.html").read_bytes())
    assert read_source(str(saved)) == article_from_json(golden("news_page.html"))


def test_markdown_file(tmp_path: Path) -> None:
    assert read_source(str(DATA / "markdown_article.md")) == article_from_json(golden("markdown_article.md"))


def test_url_needs_allow_private_for_a_local_server(data_server: str) -> None:
    url = f"{data_server}/explainer_jsonld_faq.html"
    with pytest.raises(InputError, match="private, local or reserved"):
        read_source(url)
    read = read_source(url, ReadOptions(allow_private=True))
    assert read.meta.url == url
    assert read.sections == article_from_json(golden("explainer_jsonld_faq.html")).sections


def test_markdown_url_is_not_html(data_server: str) -> None:
    with pytest.raises(InputError, match="not an HTML page"):
        read_source(f"{data_server}/markdown_article.md", ReadOptions(allow_private=True))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.html", "cannot read"),
        (lambda p: p, "is a directory"),
    ],
)
def test_unreadable_paths(tmp_path: Path, make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(InputError, match=message):
        read_source(str(make(tmp_path)))


def test_files_over_the_cap_are_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as out:
        out.truncate(10_000_001)  # sparse: nothing is written or read
    with pytest.raises(InputError, match="larger than 10,000,000 bytes"):
        read_source(str(big))


def test_article_command_outline_and_json(data_server: str) -> None:
    runner = CliRunner()
    result = runner.invoke(article, [str(DATA / "news_page.html")], catch_exceptions=False)
    assert result.exit_code == 0
    assert "dateline: Seoul, December 25" in result.output
    assert "[faq_question] Frequently Asked Questions\n  Who is eligible for compensation?" in result.output
    url = f"{data_server}/news_page.html"
    result = runner.invoke(article, [url, "--json", "--allow-private"], catch_exceptions=False)
    assert json.loads(result.output)["sections"] == json.loads(golden("news_page.html"))["sections"]


def test_read_command_errors_are_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(article, ["http://127.0.0.1:9/x"])
    assert result.exit_code == 2
    assert result.output.startswith("narrate: error: ") and "refusing to fetch" in result.output
    assert result.output.count("\n") == 1
