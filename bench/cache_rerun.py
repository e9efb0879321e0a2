"""What the sentence cache buys: first narration, unchanged re-run, one-sentence edit.

    python bench/cache_rerun.py [ARTICLE]

Runs in a temporary NARRATE_HOME and feed, so it never touches your cache. Target: an unchanged
re-run costs at most 3 % of the first run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "nationpress-coupang-breach.txt"
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["NARRATE_HOME"] = str(Path(scratch) / "home")
        from narrate import api
        from narrate.model import Take
        from narrate.voice.engines.base import EngineRegistry

        registry = EngineRegistry.from_entry_points()
        preparer = api.load_preparer(api.choose_cast(api.NarrateOptions()))
        feed_dir, _ = api.create_feed(Path(scratch) / "feed")
        article = Path(scratch) / source.name
        article.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")

        def run(label: str, **options: bool) -> float:
            takes: list[Take] = []
            start = time.perf_counter()
            api.narrate_article(article, feed_dir, api.NarrateOptions(**options),  # type: ignore[arg-type]
                                registry=registry, preparer=preparer, progress=takes.append)
            seconds = time.perf_counter() - start
            fresh = sum(not t.cached for t in takes)
            print(f"{label:<34}{seconds:8.2f} s   sentences synthesized: {fresh}/{len(takes)}")
            return seconds

        first = run("first run (empty cache)")
        unchanged = run("unchanged re-run")
        forced = run("unchanged, --force (cache only)", force=True)
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("Stay tuned for updates.", "More updates will follow."), encoding="utf-8")
        edited = run("one sentence edited")
        print(f"unchanged / first:        {unchanged / first:7.2%}   (target <= 3 %)")
        print(f"forced re-render / first: {forced / first:7.2%}")
        print(f"one-sentence edit / first:{edited / first:7.2%}")


if __name__ == "__main__":
    main()
