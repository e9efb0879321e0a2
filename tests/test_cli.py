"""The click CLI: thin over the API, one-line errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import __version__
from narrate.cli import main
from tests.conftest import DATA, EXAMPLE


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_has_examples() -> None:
    result = CliRunner().invoke(main, ["article", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "narrate article examples/" in result.output


def test_script_prints_sections_and_voices() -> None:
    result = CliRunner().invoke(main, ["script", str(EXAMPLE)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "## 3. Key takeaways  [takeaways]" in result.output
    assert "(joe-brisk) Key takeaways." in result.output
    assert "Audio Loading" not in result.output


def test_script_json() -> None:
    result = CliRunner().invoke(main, ["script", str(EXAMPLE), "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["meta"]["publisher"] == "NationPress"
    assert data["meta"]["date"] == "2026-05-10"
    assert len(data["chapters"]) == 10
    first = data["chapters"][0]["sentences"][0]
    assert set(first) == {"role", "voice", "written", "spoken", "substitutions"}


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary"], ids=["empty", "binary"])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = CliRunner().invoke(main, ["article", str(bad), "--feed", "x", "--out", str(tmp_path / "feeds")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("narrate: error: ")
    assert not (tmp_path / "feeds" / "x" / "feed.xml").exists()


def test_unknown_voice_is_a_config_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["script", str(DATA / "harbor-ferry.txt"), "--voice", "nobody"])
    assert result.exit_code == 2
    assert "no voice profile named 'nobody'" in result.output


@pytest.mark.model
def test_article_command_publishes(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["article", str(DATA / "bridge-reopens.txt"), "--feed", "bridge", "--out", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bridge" / "feed.xml").exists()
    assert (tmp_path / "bridge" / "feed.toml").exists()  # a new feed gets a default, commented feed.toml
    assert len(list((tmp_path / "bridge" / "episodes").glob("*.mp3"))) == 1


def test_every_command_is_attached() -> None:
    result = CliRunner().invoke(main, ["--help"], catch_exceptions=False)
    commands = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert commands >= {"article", "script", "read", "feed", "voices", "cache", "lexicon", "embed", "page",
                        "show-page", "serve"}
