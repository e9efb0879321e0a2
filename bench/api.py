"""The publish API against the CLI it wraps, with the real Piper voice and the sentence cache off.

1. Overhead: one short article, submit -> done through ``narrate api`` (the first job of a fresh server, which
   loads the voice as the CLI does, and a later one), against ``narrate article`` on the same article
   (target: API / CLI <= 1.10).
2. Throughput: 20 articles queued at once on ``narrate api --jobs N``, against ``narrate batch --jobs N`` on
   the same files (target: API jobs/hour / batch jobs/hour >= 0.95).

    python bench/api.py                # both, 20 articles of 80-200 words, 2 workers
    python bench/api.py --only overhead
    python bench/api.py --count 10 --jobs 2

Every run gets fresh feeds and ``--no-cache``, so no run profits from another's sentences. The throughput run
learns that jobs are done the way a CMS should: from the feed's webhook (a receiver on loopback), not by polling
20 status URLs many times a second, which on 2 cores takes CPU from the renders it is measuring. Wall-clock figures
on a shared machine are noisy: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FEED_TOML = """\
title = "API bench"
description = "Scratch feed of bench/api.py."
author = "Bench Desk"
email = "bench@example.org"
language = "en"
base_url = "https://podcasts.example.org/{name}/"
category = "News"
explicit = false
"""
KINDS = {".md": "markdown", ".html": "html", ".txt": "text"}


def corpus(folder: Path, count: int, low: int, high: int) -> list[Path]:
    """``narrate batch``'s own benchmark corpus (bench/batch.py): Markdown, HTML and text dumps."""
    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "bench" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return sorted(module.write_corpus(folder, count, low, high))


def make_feed(feeds: Path, name: str) -> None:
    (feeds / name).mkdir(parents=True)
    (feeds / name / "feed.toml").write_text(FEED_TOML.format(name=name), encoding="utf-8")


def environment(home: Path) -> dict[str, str]:
    """A fresh NARRATE_HOME (no sentence cache), sharing the compiled NeMo grammars of the real one: compiling
    them takes a minute and is no part of what is measured."""
    from narrate.script.grammars import default_grammar_dir

    return {**os.environ, "NARRATE_HOME": str(home), "PYTHONPATH": str(ROOT),
            "NARRATE_GRAMMARS": os.environ.get("NARRATE_GRAMMARS", str(default_grammar_dir()))}


def narrate_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from narrate.cli import main; main()", *args]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


class Server:
    """``narrate api`` in a subprocess, with a token per feed."""

    def __init__(self, feeds: Path, home: Path, feeds_names: list[str], *args: str,
                 webhook: str | None = None) -> None:
        env = environment(home)
        self.tokens = {}
        for name in feeds_names:
            self.tokens[name] = subprocess.run(narrate_command("token", "create", name, "--out", str(feeds)), env=env,
                                               check=True, capture_output=True, text=True).stdout.strip()
            if webhook:
                subprocess.run(narrate_command("webhook", "add", name, webhook, "--out", str(feeds)), env=env,
                               check=True, capture_output=True, text=True)
        self.log = open(home / "api.log", "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(narrate_command("api", "--out", str(feeds), "--port", "0", "--no-cache",
                                                        *args),
                                        env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self.url = line.split("narrate api on ", 1)[1].split()[0]
        # Drain stdout: a pipe nobody reads fills up and blocks whoever writes to it (pool workers share it).
        self.drain = threading.Thread(target=self.process.stdout.read, daemon=True)
        self.drain.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def call(self, method: str, path: str, feed: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(path if path.startswith("http") else self.url + path, data=data,
                                         method=method, headers={"Authorization": f"Bearer {self.tokens[feed]}",
                                                                 "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            result: dict[str, Any] = json.load(response)
            return result

    def submit(self, feed: str, article: Path) -> str:
        return str(self.post(feed, article)["status_url"])

    def post(self, feed: str, article: Path) -> dict[str, Any]:
        kind = KINDS[article.suffix]
        return self.call("POST", f"/feeds/{feed}/narrations", feed, {kind: article.read_text(encoding="utf-8")})

    def wait(self, feed: str, status_urls: list[str]) -> list[dict[str, Any]]:
        pending = dict.fromkeys(status_urls)
        results: dict[str, dict[str, Any]] = {}
        while pending:
            for url in list(pending):
                job = self.call("GET", url, feed)
                if job["status"] in ("done", "failed"):
                    if job["status"] == "failed":
                        raise SystemExit(f"API job failed: {job['error']}")
                    results[url] = job
                    del pending[url]
            time.sleep(0.1)
        return [results[u] for u in status_urls]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.drain.join(timeout=10)
        if self.process.stdout is not None and not self.drain.is_alive():
            self.process.stdout.close()  # (closing it under a blocked reader would wait for that reader)
        self.log.close()


class Events:
    """A webhook receiver on loopback: the ``narration.done``/``failed`` events, by job id."""

    def __init__(self) -> None:
        import http.server

        events: dict[str, dict[str, Any]] = {}
        arrived = threading.Condition()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with arrived:
                    events[event["job"]] = event
                    arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.events, self.arrived = events, arrived
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, jobs: list[str], timeout: float = 3600) -> list[dict[str, Any]]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: all(j in self.events for j in jobs), timeout):
                raise SystemExit("the API did not finish every job")
        failed = [self.events[j]["error"] for j in jobs if self.events[j]["event"] != "narration.done"]
        if failed:
            raise SystemExit(f"API job failed: {failed[0]}")
        return [self.events[j]["narration"] for j in jobs]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def overhead(scratch: Path, article: Path, repeats: int) -> None:
    print(f"\n== overhead: one article ({len(article.read_text().split())} words), submit -> done vs narrate article")
    cli_times = []
    for run in range(repeats):
        feeds, home = scratch / f"cli-{run}" / "feeds", scratch / f"cli-{run}" / "home"
        make_feed(feeds, "one")
        cli_times.append(timed(narrate_command("article", str(article), "--feed", "one", "--out", str(feeds),
                                               "--no-cache"), environment(home)))
    cold, warm = [], []
    for run in range(repeats):
        feeds, home = scratch / f"api-{run}" / "feeds", scratch / f"api-{run}" / "home"
        home.mkdir(parents=True)
        make_feed(feeds, "one")
        make_feed(feeds, "two")
        server = Server(feeds, home, ["one", "two"])
        try:
            for feed, figures in (("one", cold), ("two", warm)):
                start = time.perf_counter()
                server.wait(feed, [server.submit(feed, article)])
                figures.append(time.perf_counter() - start)
        finally:
            server.stop()
    cli = min(cli_times)
    runs = ", ".join(f"{t:.2f}" for t in cli_times)
    print(f"narrate article (process start to exit)   {cli:7.2f} s   (runs: {runs})")
    print(f"API, first job of a fresh server         {min(cold):7.2f} s   ratio {min(cold) / cli:.2f}x  "
          f"(target <= 1.10x)")
    print(f"API, a later job (voice loaded)          {min(warm):7.2f} s   ratio {min(warm) / cli:.2f}x")
    print(load())


def throughput(scratch: Path, articles: list[Path], jobs: int) -> None:
    count = len(articles)
    print(f"\n== throughput: {count} articles, --jobs {jobs}, API queue vs narrate batch")
    feeds, home = scratch / "batch" / "feeds", scratch / "batch" / "home"
    make_feed(feeds, "many")
    batch_wall = timed(narrate_command("batch", str(articles[0].parent), "--feed", "many", "--out", str(feeds),
                                       "--jobs", str(jobs), "--no-cache"), environment(home))
    batch_rate = count / batch_wall * 3600
    feeds, home = scratch / "api" / "feeds", scratch / "api" / "home"
    home.mkdir(parents=True)
    make_feed(feeds, "many")
    events = Events()
    server = Server(feeds, home, ["many"], "--jobs", str(jobs), webhook=events.url)
    try:
        start = time.perf_counter()
        ids = [str(server.post("many", article)["id"]) for article in articles]
        results = events.wait(ids)
        api_wall = time.perf_counter() - start
    finally:
        server.stop()
        events.close()
    assert len({r["guid"] for r in results}) == count
    api_rate = count / api_wall * 3600
    audio = statistics.fsum(r["duration"] for r in results) / 60
    print(f"narrate batch (process start to exit)    {batch_wall:7.1f} s  {batch_rate:7.1f} jobs/h")
    print(f"API, first submit to last done (webhook) {api_wall:7.1f} s  {api_rate:7.1f} jobs/h  "
          f"ratio {api_rate / batch_rate:.2f}x  (target >= 0.95x)  [{audio:.1f} min of audio]")
    print(load())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["overhead", "throughput"], default=None)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min-words", type=int, default=80)
    parser.add_argument("--max-words", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="Runs of each overhead measurement (best kept).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrate-bench-api-") as folder:
        scratch = Path(folder)
        articles = corpus(scratch / "articles", args.count, args.min_words, args.max_words)
        print(f"{len(articles)} articles of {args.min_words}-{args.max_words} words; {load()}")
        if args.only in (None, "overhead"):
            short = min(articles, key=lambda p: len(p.read_text(encoding="utf-8")))
            overhead(scratch, short, args.repeats)
        if args.only in (None, "throughput"):
            throughput(scratch, articles, args.jobs)


if __name__ == "__main__":
    main()
