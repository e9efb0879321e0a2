"""URL fetching against a real HTTP server on 127.0.0.1 (hence allow_private=True in most tests)."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.sources.fetch import fetch, is_public_address
from narrate.sources.html import read_html
from tests.http_support import ReplyHandler, serve

PAGE = (Path(__file__).parent / "data" / "news_page.html").read_bytes()
SEEN_AGENTS: list[str] = []


class Handler(ReplyHandler):
    def do_GET(self) -> None:
        SEEN_AGENTS.append(self.headers.get("User-Agent", ""))
        route = self.path.split("?")[0]
        if route == "/article":
            self.reply(200, "text/html; charset=utf-8", PAGE)
        elif route == "/undeclared":
            self.reply(200, None, PAGE)
        elif route == "/cp1252":
            body = "<html><head><title>Café</title></head><body><p>Café crème</p></body></html>"
            self.reply(200, "text/html; charset=windows-1252", body.encode("cp1252"))
        elif route == "/gzip":
            self.reply(200, "text/html", gzip.compress(PAGE), ("Content-Encoding", "gzip"))
        elif route == "/missing":
            self.reply(404, "text/html", b"<html><body>Not here</body></html>")
        elif route == "/broken":
            self.reply(503, "text/html", b"<html><body>Down</body></html>")
        elif route == "/pdf":
            self.reply(200, "application/pdf", b"%PDF-1.7 ...")
        elif route == "/redirect":
            self.reply(302, "text/html", b"", ("Location", "/article"))
        elif route == "/loop":
            self.reply(301, "text/html", b"", ("Location", "/loop"))
        elif route == "/to-ftp":
            self.reply(302, "text/html", b"", ("Location", "ftp://example.com/article"))
        elif route == "/slow":
            time.sleep(1.5)  # past the client's 0.5 s timeout and the 1.5 s the test allows, no longer
            self.reply(200, "text/html", PAGE)
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            try:
                for _ in range(200):  # about 13 MB, with no Content-Length to trust
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up once past its cap, as it should
        elif route == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "20000000")
            self.end_headers()
        else:
            self.reply(404, "text/plain", b"no route")




@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(Handler) as url:
        yield url


def test_fetches_and_reads_an_article(server: str) -> None:
    page = fetch(f"{server}/article", allow_private=True)
    article = read_html(page.html, url=page.url)
    assert article.meta.title == "Coupang to compensate 33.7 million users after data breach"
    assert SEEN_AGENTS[-1].startswith("narrate/")
    assert "(+https://" in SEEN_AGENTS[-1]


def test_follows_redirects_and_reports_the_final_address(server: str) -> None:
    page = fetch(f"{server}/redirect", allow_private=True)
    assert page.url == f"{server}/article"
    assert page.html == PAGE.decode("utf-8")


def test_decodes_with_the_declared_charset_and_gzip(server: str) -> None:
    assert "Café crème" in fetch(f"{server}/cp1252", allow_private=True).html
    assert fetch(f"{server}/gzip", allow_private=True).html == PAGE.decode("utf-8")


def test_page_without_content_type_is_accepted_when_it_is_html(server: str) -> None:
    assert fetch(f"{server}/undeclared", allow_private=True).html == PAGE.decode("utf-8")


def test_loopback_is_refused_without_allow_private(server: str) -> None:
    with pytest.raises(InputError, match="private, local or reserved"):
        fetch(f"{server}/article")
    with pytest.raises(InputError, match="private, local or reserved"):
        fetch("http://localhost:9/article")


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/missing", "returned HTTP 404"),
        ("/broken", "returned HTTP 503"),
        ("/pdf", "is application/pdf, not an HTML page"),
        ("/loop", "redirected more than 5 times"),
        ("/to-ftp", "only http and https"),
        ("/huge", "larger than 10,000,000 bytes"),
        ("/huge-declared", "larger than 10,000,000 bytes"),
    ],
)
def test_bad_responses_are_input_errors(server: str, route: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        fetch(f"{server}{route}", allow_private=True)


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match=r"timed out after 0\.5 s"):
        fetch(f"{server}/slow", allow_private=True, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_size_cap_is_the_callers(server: str) -> None:
    with pytest.raises(InputError, match="larger than 1,000 bytes"):
        fetch(f"{server}/article", allow_private=True, max_bytes=1000)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a", "javascript:alert(1)", "http:///x"])
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(InputError, match="cannot fetch"):
        fetch(url)


def test_unknown_host_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not found"):
        fetch("http://no-such-host.invalid/", allow_private=True)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.5", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public
