"""narrate deletes only what it wrote and no feed uses: shared media folders, foreign files, a mistyped
media path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.hostile.support import ARTICLE, make_feed, one_line_error, run, snapshot


def published(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name != ".narrate"}


@pytest.mark.slow
def test_two_feeds_sharing_a_media_folder_keep_each_others_files(tmp_path: Path) -> None:
    share = tmp_path / "share"
    for name in ("a", "b"):
        make_feed(tmp_path / "feeds" / name, f'media = "{share}"\nmedia_url = "https://cdn.example.org/"\n'
                                             "keep_replaced_days = 0\n")
    assert run("article", str(ARTICLE), "--feed", "a", "--out", str(tmp_path / "feeds"),
               "--voice", "fake").exit_code == 0
    of_a = published(share)
    assert len(of_a) == 5  # audio, VTT, SRT, chapters, episode artwork
    for source in (DATA / "harbor-ferry.txt", DATA / "ledger-flood-barrier.txt"):
        result = run("article", str(source), "--feed", "b", "--out", str(tmp_path / "feeds"), "--voice", "fake")
        assert result.exit_code == 0, result.output
    assert run("feed", "rebuild", "b", "--out", str(tmp_path / "feeds")).exit_code == 0
    assert of_a <= published(share)
    # A takedown in B deletes B's files at once, never A's.
    removed = run("feed", "remove", "b", "harbor-ferry-returns-after-repairs", "--out", str(tmp_path / "feeds"))
    assert removed.exit_code == 0, removed.output
    assert of_a <= published(share)
    assert not any(name.startswith("harbor-ferry") for name in published(share))


@pytest.mark.slow
def test_the_same_article_in_two_feeds_shares_files_kept_while_either_uses_them(tmp_path: Path) -> None:
    share = tmp_path / "share"
    for name in ("a", "b"):
        make_feed(tmp_path / "feeds" / name, f'media = "{share}"\nmedia_url = "https://cdn.example.org/"\n')
    for name in ("a", "b"):
        assert run("article", str(ARTICLE), "--feed", name, "--out", str(tmp_path / "feeds"),
                   "--voice", "fake").exit_code == 0
    files = published(share)
    assert len(files) == 5  # identical files (all five here, the feeds being alike) share their names
    assert run("feed", "remove", "b", "old-stone-bridge-reopens-to-cyclists", "--out",
               str(tmp_path / "feeds")).exit_code == 0
    assert published(share) == files  # feed a still lists it


@pytest.mark.slow
def test_a_foreign_file_in_the_feeds_own_media_folder_is_never_deleted(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    feed_dir = make_feed(tmp_path / "feeds" / "news", "keep_replaced_days = 0\n")
    episodes = feed_dir / "episodes"
    episodes.mkdir()
    foreign = episodes / "interview-raw.wav"
    foreign.write_bytes(b"RIFF not narrate's")
    import os

    os.utime(foreign, (0, 0))  # very old: the old collector deleted anything older than 6 hours
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path / "feeds"), "--voice", "fake")
    assert result.exit_code == 0, result.output
    assert "interview-raw.wav" in result.output + caplog.text  # reported once
    assert run("feed", "remove", "news", "old-stone-bridge-reopens-to-cyclists", "--out",
               str(tmp_path / "feeds")).exit_code == 0
    assert published(episodes) == {"interview-raw.wav"}
    assert foreign.read_bytes() == b"RIFF not narrate's"


def test_a_mistyped_media_path_to_a_system_like_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    system = tmp_path / "etc"
    system.mkdir()
    for number in range(50):
        path = system / f"config-{number}.conf"
        path.write_text(f"setting {number}\n")
        os_utime_old(path)
    (system / "subdir").mkdir()
    feed_dir = make_feed(tmp_path / "feeds" / "news", f'media = "{system}"\nmedia_url = "https://cdn.example.org/"\n')
    before, feed_before = snapshot(system), snapshot(feed_dir)
    result = run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path / "feeds"), "--voice", "fake")
    assert str(system) in one_line_error(result)
    rebuilt = run("feed", "rebuild", "news", "--out", str(tmp_path / "feeds"))
    assert str(system) in one_line_error(rebuilt)
    assert snapshot(system) == before
    assert snapshot(feed_dir) == feed_before


def test_an_empty_external_folder_is_claimed_with_a_marker(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    make_feed(tmp_path / "feeds" / "news", f'media = "{share}"\nmedia_url = "https://cdn.example.org/"\n')
    assert run("article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path / "feeds"),
               "--voice", "fake").exit_code == 0
    assert (share / ".narrate" / "location").is_file()
    published = [p.name for p in share.iterdir() if p.name != ".narrate"]
    assert len(published) == 5  # audio, VTT, SRT, chapters, episode artwork
    assert len(list((share / ".narrate" / "ledger").iterdir())) == len(published)  # one entry per file


def os_utime_old(path: Path) -> None:
    import os

    os.utime(path, (0, 0))
