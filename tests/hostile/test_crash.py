"""kill -9 at every write step of ``narrate article`` (a real process SIGKILLs itself just before the step's
first write, ``NARRATE_KILL_AT``), then a rerun: feed.xml lists every record, and no temp file remains."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest

from narrate.publish.files import WriteStep
from narrate.publish.manifest import manifest_name
from tests.conftest import DATA
from tests.hostile.support import make_feed, run_process

STEPS = [WriteStep.MEDIA, WriteStep.LEDGER, WriteStep.RECORD, WriteStep.ARTWORK, WriteStep.FEED_XML,
         WriteStep.MANIFEST, WriteStep.SHOW_PAGE]


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=[s.name.lower() for s in STEPS])
def test_a_kill_at_any_step_then_a_rerun_leaves_a_consistent_feed(tmp_path: Path, step: WriteStep) -> None:
    feeds = tmp_path / "feeds"
    feed_dir = make_feed(feeds / "news")
    # The cover is written once per feed: its step is reached by the first article only.
    earlier = 0 if step is WriteStep.ARTWORK else 1
    if earlier:
        first = run_process("article", str(DATA / "harbor-ferry.txt"), "--feed", "news", "--out", str(feeds),
                            "--voice", "fake")
        assert first.returncode == 0, first.stderr
    # A writer that died mid-write long ago left its temp files behind.
    (feed_dir / "records").mkdir(exist_ok=True)
    (feed_dir / "records" / ".x.json.deadhost-1.abc.tmp").write_bytes(b"half")
    (feed_dir / ".feed.xml.deadhost-1.abc.tmp").write_bytes(b"half")
    killed = run_process("article", str(DATA / "bridge-reopens.txt"), "--feed", "news", "--out", str(feeds),
                         "--voice", "fake", env={"NARRATE_KILL_AT": step.value})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = run_process("article", str(DATA / "bridge-reopens.txt"), "--feed", "news", "--out", str(feeds),
                        "--voice", "fake")
    assert again.returncode == 0, again.stderr
    records = {p.stem for p in (feed_dir / "records").glob("*.json")}
    listed = set(re.findall(r"<guid[^>]*>([^<]+)</guid>", (feed_dir / "feed.xml").read_text(encoding="utf-8")))
    assert len(records) == earlier + 1 and listed == records
    manifests = {json.loads((feed_dir / manifest_name(guid)).read_bytes())["guid"] for guid in records}
    assert manifests == records
    assert temp_files(feed_dir) == []
    assert (feed_dir / "index.html").is_file()
