"""The same batch on a real Dask LocalCluster (2 worker processes on loopback) with the fake engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrate import api
from narrate.batch.driver import Status
from narrate.batch.runner import InlineRunner
from narrate.errors import ConfigError
from tests.batch_helpers import check_feed, run_into, store, write_articles

pytest.importorskip("distributed")

FAKE = api.NarrateOptions(voice="fake")


def _contexts_built() -> int:
    from narrate.batch import worker

    return len(worker._CONTEXTS)


@pytest.mark.slow
def test_local_cluster_publishes_what_an_inline_run_publishes(tmp_path: Path) -> None:
    from narrate.batch.dask import DaskRunner

    write_articles(tmp_path / "a", 5)
    (tmp_path / "a" / "article-002.md").write_text("")
    dask_feed, inline_feed = tmp_path / "dask" / "news", tmp_path / "inline" / "news"
    with DaskRunner(local_workers=2) as runner:
        assert len(runner.client.scheduler_info()["workers"]) == 2
        report = run_into([str(tmp_path / "a")], dask_feed, FAKE, runner=runner)
        contexts = runner.client.run(_contexts_built)
    assert sorted(o.status for o in report.outcomes) == [Status.FAILED] + [Status.PUBLISHED] * 4
    # Each worker built its registry and preparer at most once, whatever number of articles it rendered.
    assert set(contexts.values()) <= {0, 1} and sum(contexts.values()) >= 1
    run_into([str(tmp_path / "a")], inline_feed, FAKE, runner=InlineRunner())
    assert sorted(e.audio.sha256 for e in store(dask_feed).episodes()) == \
        sorted(e.audio.sha256 for e in store(inline_feed).episodes())
    assert len(check_feed(dask_feed)) == 4
    failure = next(o for o in report.outcomes if o.status is Status.FAILED)
    assert "article-002.md" in failure.source and failure.error


def test_cluster_spec_is_checked() -> None:
    from narrate.batch.dask import parse_cluster

    assert parse_cluster("local:3") == 3
    for bad in ("local", "local:0", "remote:2", "local:x"):
        with pytest.raises(ConfigError, match="local:N"):
            parse_cluster(bad)


@pytest.mark.slow
def test_cli_runs_on_a_local_cluster(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from narrate.cli.batch import batch

    write_articles(tmp_path / "a", 3)
    result = CliRunner().invoke(batch, [str(tmp_path / "a"), "--feed", "news", "--out", str(tmp_path / "feeds"),
                                        "--voice", "fake", "--cluster", "local:2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 published" in result.output
    assert len(check_feed(tmp_path / "feeds" / "news")) == 3
