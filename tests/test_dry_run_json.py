"""``--dry-run`` writes nothing and checks what a real run checks; ``--json`` reports what a CMS needs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from tests.conftest import DATA
from tests.hostile.support import ARTICLE, make_feed, one_line_error, run, snapshot


def stamped(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """The snapshot with each entry's modification time: rewriting a file with the same bytes also shows."""
    return {name: (data, os.stat(folder / name).st_mtime_ns) for name, data in snapshot(folder).items()}


def edited(tmp_path: Path) -> Path:
    """The test article with one sentence changed: a real run would replace its episode."""
    text = ARTICLE.read_text(encoding="utf-8").replace("reopened", "reopened at last", 1)
    assert text != ARTICLE.read_text(encoding="utf-8")
    path = tmp_path / "bridge-reopens.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_dry_run_leaves_a_published_feed_byte_identical(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    make_feed(feeds / "news")
    assert run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake").exit_code == 0
    before = stamped(feeds)
    result = run("article", str(edited(tmp_path)), "--feed", "news", "--out", str(feeds), "--voice", "fake",
                 "--dry-run", "--force")
    assert result.exit_code == 0, result.output
    assert "would replace the published episode" in result.output and "nothing was written" in result.output
    assert stamped(feeds) == before


def test_a_dry_run_of_a_new_feed_creates_no_folder_and_says_so(tmp_path: Path) -> None:
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path / "feeds"), "--voice", "fake",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would publish a new episode" in result.output and "(a new feed)" in result.output
    assert not (tmp_path / "feeds").exists()


def test_a_dry_run_of_an_unchanged_article_says_a_real_run_would_do_nothing(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    make_feed(feeds / "news")
    assert run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake").exit_code == 0
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--dry-run",
                 "--json")
    assert result.exit_code == 0, result.output
    planned = json.loads(result.stdout)
    assert planned["status"] == "planned" and planned["changed"] is False
    assert planned["dry_run"]["action"] == "unchanged"


@pytest.mark.parametrize("option", [("--cast", "no-such-cast"), ("--voice", "no-such-voice")])
def test_a_dry_run_checks_the_cast_and_voices_like_a_real_run(tmp_path: Path, option: tuple[str, str]) -> None:
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path), "--dry-run", *option)
    assert option[1] in one_line_error(result)
    assert not (tmp_path / "news").exists()


def test_a_dry_run_cannot_be_checked(tmp_path: Path) -> None:
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path), "--dry-run", "--check")
    assert result.exit_code == 2 and "--dry-run" in result.output


@pytest.mark.slow
def test_a_dry_run_hears_the_real_voice_and_estimates_the_length(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    make_feed(feeds / "news")
    planned = run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--dry-run", "--json")
    assert planned.exit_code == 0, planned.output
    estimate = json.loads(planned.stdout)
    assert not (feeds / "news" / "records").exists()
    published = json.loads(run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--json").stdout)
    assert estimate["guid"] == published["guid"]
    assert estimate["dry_run"]["voices"]["body"] in {"joe", "joe-brisk", "joe-host"}
    assert abs(estimate["duration"] - published["duration"]) < 0.25 * published["duration"]


def test_article_json_names_the_files_urls_and_embed_of_the_episode(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    make_feed(feeds / "news")
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--json",
                 "--url", "https://news.example.com/bridge")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    summary = json.loads(line)
    assert summary["status"] == "published" and summary["changed"] is True
    episode = summary["episode"]
    assert episode["guid"] == summary["guid"] and episode["article_url"] == "https://news.example.com/bridge"
    audio = next(f for f in episode["files"] if f["url"] == episode["audio_url"])
    on_disk = feeds / "news" / "episodes" / audio["name"]
    assert abs(MP3(str(on_disk)).info.length - summary["duration"]) < 0.2
    assert {f["type"] for f in episode["files"]} >= {"audio/mpeg", "text/vtt"}
    assert episode["manifest_url"].startswith(episode["feed_url"].removesuffix("feed.xml"))
    assert summary["guid"] in episode["embed_html"] and "<narrate-player" in episode["embed_html"]
    assert episode["chapters"] and all(c["title"] for c in episode["chapters"])
    again = json.loads(run("article", str(ARTICLE), "--feed", "news", "--out", str(feeds), "--voice", "fake",
                           "--json", "--url", "https://news.example.com/bridge").stdout)
    assert again["status"] == "unchanged" and again["changed"] is False
    assert again["episode"]["audio_url"] == episode["audio_url"]


@pytest.mark.slow
def test_batch_json_prints_one_line_per_article_and_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for name in ("harbor-ferry.txt", "ledger-flood-barrier.txt"):
        (articles / name).write_bytes((DATA / name).read_bytes())
    (articles / "empty.txt").write_text("", encoding="utf-8")
    feeds = tmp_path / "feeds"
    make_feed(feeds / "news")
    before = stamped(feeds)
    dry = run("batch", str(articles), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--dry-run",
              "--json")
    assert dry.exit_code == 1, dry.output  # the empty file fails
    planned = [json.loads(line) for line in dry.stdout.splitlines()]
    assert sorted(p["status"] for p in planned) == ["failed", "planned", "planned"]
    assert stamped(feeds) == before
    real = run("batch", str(articles), "--feed", "news", "--out", str(feeds), "--voice", "fake", "--json",
               "--jobs", "1")
    lines = [json.loads(line) for line in real.stdout.splitlines()]
    assert sorted(line["status"] for line in lines) == ["failed", "published", "published"]
    for line in lines:
        if line["status"] == "published":
            assert (feeds / "news" / "episodes" / line["episode"]["files"][0]["name"]).is_file()
            assert {p["guid"] for p in planned if p["status"] == "planned"} >= {line["guid"]}
        else:
            assert line["error"] and line["source"].endswith("empty.txt")
