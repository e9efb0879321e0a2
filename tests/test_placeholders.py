"""A new feed's placeholder addresses are loud: said on creation and on every publish, warned by validate."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from narrate.cli import main
from narrate.publish.settings import placeholder_settings, read_feed_settings
from tests.conftest import ROOT
from tests.hostile.support import ARTICLE


def test_a_new_feed_names_its_placeholders_and_validate_warns_about_each(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path), "--voice",
                                  "fake"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"created {tmp_path / 'news' / 'feed.toml'}" in result.stderr
    assert "base_url = https://example.org/podcasts/news/" in result.stderr
    assert "email = podcasts@example.org" in result.stderr
    checked = runner.invoke(main, ["feed", "validate", str(tmp_path / "news" / "feed.xml")], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output  # warnings, not errors: a preview still works
    warned = {line.split(": ")[1] for line in checked.output.splitlines() if line.startswith("warning:")}
    assert {"channel/link", "channel/atom:link", "item/enclosure", "item/podcast:transcript",
            "channel/itunes:owner/itunes:email"} <= warned
    # Edited to real addresses, the same feed validates without a warning about them.
    toml = tmp_path / "news" / "feed.toml"
    toml.write_text(toml.read_text(encoding="utf-8")
                    .replace("https://example.org/podcasts/news/", "https://audio.harbor-times.test/news/")
                    .replace("https://example.org/", "https://harbor-times.test/")
                    .replace("podcasts@example.org", "audio@harbor-times.test"), encoding="utf-8")
    again = runner.invoke(main, ["article", str(ARTICLE), "--feed", "news", "--out", str(tmp_path), "--voice",
                                 "fake"], catch_exceptions=False)
    assert again.exit_code == 0 and "placeholders" not in again.stderr
    checked = runner.invoke(main, ["feed", "validate", str(tmp_path / "news" / "feed.xml")], catch_exceptions=False)
    assert "placeholder" not in checked.output and checked.output.strip().endswith("0 errors, 0 warnings")


def test_the_committed_example_feed_has_honest_local_values() -> None:
    assert placeholder_settings(read_feed_settings(ROOT / "feeds" / "world-news")) == []
