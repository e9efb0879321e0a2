"""Publishing episodes into a feed: the files beside the audio, edits under the same GUID, removals, two writers."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from pathlib import Path

import podcastparser
import pytest
from click.testing import CliRunner

from narrate import api
from narrate.audio.samples import trim
from narrate.cli.feed import feed as feed_command
from narrate.publish.settings import DEFAULT_DISCLOSURE
from narrate.voice.engines.fake import FakeEngine, FakeOptions
from tests.conftest import DATA
from tests.podcast_support import Published, make_feed, narrate, tones_options, tones_registry


def _vtt_cues(text: str) -> list[tuple[float, float, list[str]]]:
    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest)

    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().split("\n")
        if len(lines) >= 3:
            start, end = lines[1].split(" --> ")
            cues.append((seconds(start), seconds(end), lines[2:]))
    return cues


def test_json_chapters_match_the_audio(mp3: Published) -> None:
    data = json.loads(mp3.extra("application/json+chapters").read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    starts = [c["startTime"] for c in data["chapters"]]
    assert starts[0] == 0 and starts == sorted(starts)
    assert [c["title"] for c in data["chapters"]] == [c.title for c in mp3.episode.chapters]
    assert data["chapters"][-1]["endTime"] == pytest.approx(mp3.episode.duration, abs=0.01)


def test_vtt_cues_are_written_text_timed_like_the_takes(mp3: Published) -> None:
    text = mp3.extra("text/vtt").read_text(encoding="utf-8")
    cues = _vtt_cues(text)
    script, _ = api.script_article(api.read_article(DATA / "harbor-ferry.txt"), tones_options(),
                                   registry=tones_registry())
    sentences = list(script.sentences())
    # The feed's disclosure is the last cue.
    assert len(cues) == len(sentences) + 1 and " ".join(cues[-1][2]) == DEFAULT_DISCLOSURE
    cues = cues[:-1]
    assert all(len(line) <= 65 for _, _, lines in cues for line in lines)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(cues))
    assert cues[-1][1] < mp3.episode.duration
    # The cue shows the sentence as written; where normalization changed it, the written form wins.
    changed = next(s for s in sentences if s.written != s.spoken)
    assert any(" ".join(lines) == changed.written for _, _, lines in cues)
    # A cue lasts exactly as long as its take once trimmed (the fake engine is deterministic).
    engine = FakeEngine()
    for (start, end, _), sentence in zip(cues, sentences, strict=True):
        take = engine.synthesize(sentence.spoken, FakeOptions())
        trimmed = trim(take.samples, 0.01, int(0.02 * take.sample_rate))
        assert end - start == pytest.approx(len(trimmed) / take.sample_rate, abs=0.0015)


def test_srt_has_the_same_cues(mp3: Published) -> None:
    srt = mp3.extra("application/srt").read_text(encoding="utf-8")
    vtt = _vtt_cues(mp3.extra("text/vtt").read_text(encoding="utf-8"))
    blocks = [b.split("\n") for b in srt.strip().split("\n\n")]
    assert len(blocks) == len(vtt)
    assert blocks[0][1].replace(",", ".").split(" --> ")[0] == f"00:00:{vtt[0][0]:06.3f}"


@pytest.mark.slow
def test_edited_article_keeps_guid_and_replaces_its_enclosure(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "edits")
    source = tmp_path / "article.txt"
    original = (DATA / "harbor-ferry.txt").read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    first = narrate(source, feed_dir)
    old_files = [feed_dir / "episodes" / f.name for f in (first.audio, *first.extra_files)]
    source.write_text(original.replace("returned to service on Monday", "returned to service on Monday morning"),
                      encoding="utf-8")
    second = narrate(source, feed_dir)
    assert second.guid == first.guid
    assert second.audio.name != first.audio.name
    feed = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 1 and second.audio.name in feed and first.audio.name not in feed
    assert all(p.exists() for p in old_files)  # kept through keep_replaced_days for players that cached them
    with (feed_dir / "feed.toml").open("a", encoding="utf-8") as settings:
        settings.write("keep_replaced_days = 0\n")
    source.write_text(original, encoding="utf-8")
    third = narrate(source, feed_dir)
    assert third.audio.name == first.audio.name  # the first version again: its files are referenced once more
    replaced = [feed_dir / "episodes" / f.name for f in (second.audio, *second.extra_files)]
    assert all(p.exists() == (p.name in (third.audio.name, *(f.name for f in third.extra_files)))
               for p in old_files + replaced)


def test_remove_by_slug(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "removals")
    kept = narrate(DATA / "bridge-reopens.txt", feed_dir)
    gone = narrate(DATA / "harbor-ferry.txt", feed_dir)
    runner = CliRunner()
    listed = runner.invoke(feed_command, ["list", "removals", "--out", str(tmp_path)], catch_exceptions=False)
    assert "harbor-ferry-returns-after-repairs" in listed.output
    result = runner.invoke(feed_command, ["remove", "removals", "harbor-ferry-returns-after-repairs",
                                          "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    feed = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert gone.guid not in feed and kept.guid in feed
    assert sorted(p.name for p in (feed_dir / "episodes").iterdir() if p.name != ".narrate") == sorted(
        f.name for f in (kept.audio, *kept.extra_files, *((kept.image,) if kept.image else ())))
    missing = runner.invoke(feed_command, ["remove", "removals", gone.guid, "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "no episode" in missing.output


def _publish_in_child(source: str, feed_dir: str, home: str, start: object) -> None:
    import os

    os.environ["NARRATE_HOME"] = home
    start.wait()  # type: ignore[attr-defined]
    narrate(Path(source), Path(feed_dir))


@pytest.mark.slow
def test_two_processes_publishing_at_once_lose_no_episode(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "busy")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    children = [context.Process(target=_publish_in_child,
                                args=(str(DATA / name), str(feed_dir), str(tmp_path / f"home{n}"), start))
                for n, name in enumerate(["harbor-ferry.txt", "bridge-reopens.txt"])]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    with (feed_dir / "feed.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    assert len(parsed["episodes"]) == 2
    referenced = {e["enclosures"][0]["url"].rsplit("/", 1)[-1] for e in parsed["episodes"]}
    assert referenced <= {p.name for p in (feed_dir / "episodes").iterdir()}
