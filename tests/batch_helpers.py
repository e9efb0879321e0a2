"""Small articles, feeds of articles and a local web server for the batch tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser

from narrate import api
from narrate.batch.driver import FEED_INTERVAL, BatchOptions, BatchReport, Outcome, run_batch
from narrate.batch.runner import Runner
from narrate.pipeline import NarrateOptions
from narrate.publish.store import EpisodeStore

WORDS = ("river", "valley", "council", "bridge", "harbour", "school", "market", "railway", "museum", "festival",
         "budget", "island", "forest", "station", "library", "hospital")


def article_markdown(number: int, paragraphs: int = 2) -> str:
    """A short Markdown article whose title and text are unique to ``number``."""
    word = WORDS[number % len(WORDS)]
    body = []
    for paragraph in range(paragraphs):
        body.append(f"The {word} plan number {number} moved ahead on day {paragraph + 1}. "
                    f"Officials said {number + paragraph} people would take part. "
                    "Residents welcomed the news.")
    return f"# Report {number} on the {word}\n\nBy Jane Doe\n\n" + "\n\n".join(body) + "\n"


def article_html(number: int) -> str:
    """The same article as an HTML page."""
    paragraphs = "".join(f"<p>{p}</p>" for p in article_markdown(number).split("\n\n")[2:])
    return (f"<!doctype html><html><head><title>Report {number}</title></head><body><article>"
            f"<h1>Report {number} on the {WORDS[number % len(WORDS)]}</h1>{paragraphs}</article></body></html>")


def write_articles(folder: Path, count: int, start: int = 0, paragraphs: int = 2) -> list[Path]:
    """``count`` Markdown articles in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        path = folder / f"article-{number:03d}.md"
        path.write_text(article_markdown(number, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths


def rss(items: list[tuple[str, str]], title: str = "Local news") -> str:
    """An RSS 2.0 feed of articles: (title, link) per item."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid></item>" for t, link in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.org/</link><description>news</description>{entries}</channel></rss>")


class Site:
    """Pages served from memory on a loopback port; counts requests per path."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.base = ""

    def add(self, path: str, content_type: str, body: str) -> str:
        self.pages[path] = (content_type, body.encode())
        return self.base + path


@contextmanager
def serve() -> Iterator[Site]:
    """A local HTTP server for a Site."""
    site = Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            if self.path not in site.pages:
                self.send_error(404)
                return
            content_type, body = site.pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def check_feed(feed_dir: Path) -> list[str]:
    """The feed's episode titles, after checking the feed parses and every file it points at is complete
    (wherever the feed's media location is)."""
    parsed = feedparser.parse((feed_dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    feed = api.open_feed(feed_dir)
    media = feed.media
    records = {episode.audio.name: episode for episode in feed.store.episodes()}
    for entry in parsed.entries:
        assert entry.enclosures[0].href.startswith(feed.settings.media_base_url)
        name = entry.enclosures[0].href.rsplit("/", 1)[-1]
        episode = records[name]
        for file in (episode.audio, *episode.extra_files):
            data = media.read(file.name)
            assert hashlib.sha256(data).hexdigest() == file.sha256, file.name
    return sorted(str(entry.title) for entry in parsed.entries)


def run_into(sources: list[str], feed_dir: Path, options: NarrateOptions | None = None, *,
             runner: Runner | None = None, fail_fast: bool = False, feed_interval: float = FEED_INTERVAL,
             now: dt.datetime | None = None, on_outcome: Callable[[Outcome], None] | None = None) -> BatchReport:
    """A batch into the feed in ``feed_dir`` (created with a default feed.toml when there is none)."""
    feed, _ = api.create_feed(feed_dir)
    return run_batch(sources, feed, BatchOptions(options or NarrateOptions(), fail_fast=fail_fast,
                                                 feed_interval=feed_interval), runner=runner, now=now,
                     on_outcome=on_outcome)


def store(feed_dir: Path) -> EpisodeStore:
    """The episode records of the feed in ``feed_dir``."""
    return api.open_feed(feed_dir).store
