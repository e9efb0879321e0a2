"""Time to ready of the article player on the example page under simulated slow 4G, in Debian's Chromium.

    python bench/player.py [--runs N]

Ready means: the compact bar is drawn, the transcript cues are loaded and the audio's metadata is known.
Served by `narrate serve`'s app (gzip on) over loopback, with Chrome DevTools' "Slow 4G" conditions
(562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up). Printed, not asserted.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from narrate.web.embed import TRANSCRIPT_MIME, find_file  # noqa: E402
from narrate.web.page import read_vtt_sentences, rewrite_page  # noqa: E402
from tests.web_support import EXAMPLE_PAGE, make_demo_episode, running_server  # noqa: E402

SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6e6 * 0.9 / 8,
           "uploadThroughput": 750e3 * 0.9 / 8}
READY = (
    "(() => { const p = document.querySelector('narrate-player'); const r = p && p.shadowRoot;"
    " return !!r && !!r.querySelector('.sentence') && r.querySelector('audio').readyState >= 1"
    " && r.querySelector('.bar').getBoundingClientRect().height > 0; })()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    static = REPO_ROOT / "narrate" / "web" / "static"
    raw = {name: (static / name).read_bytes() for name in ("player.js", "player.css")}
    print(" ".join(f"{name} {len(data)} B ({len(gzip.compress(data, 9))} B gzipped)" for name, data in raw.items()))
    print(f"together gzipped: {len(gzip.compress(b''.join(raw.values()), 9))} B")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        demo = make_demo_episode(root)
        transcript = find_file(demo.episode, TRANSCRIPT_MIME)
        assert transcript is not None
        sentences = read_vtt_sentences((demo.directory / transcript.name).read_text())
        page_html = rewrite_page(EXAMPLE_PAGE.read_text(), demo.episode, sentences,
                                 media_base_url="/demo/episodes", player_base_url="/_narrate").html
        (root / "demo" / "article.html").write_text(page_html)
        with running_server(root) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            times = []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", SLOW_4G)
                started = time.perf_counter()
                page.goto(f"{base}/demo/article.html", wait_until="commit")
                page.wait_for_function(READY, timeout=30_000, polling=20)
                times.append(time.perf_counter() - started)
                context.close()
            browser.close()
    print(f"time to ready, slow 4G, {args.runs} cold loads: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
