"""``narrate batch``: many articles into one feed, in parallel, resumable, with a progress display."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from narrate.batch.driver import BatchOptions, BatchReport, Outcome, Status, run_batch
from narrate.batch.runner import PoolRunner, Runner, default_jobs, threads_per_worker
from narrate.batch.sources import expand_sources
from narrate.cli.article import create_feed, narrate_options
from narrate.cli.common import (
    check_options,
    feeds_option,
    friendly_errors,
    json_option,
    narration_options,
    plural,
    read_options,
)
from narrate.pipeline import NarrateOptions
from narrate.publish.feed import Feed

EXIT_SOME_FAILED = 1


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--feed", "feed_name", required=True, help="Feed to publish into: feeds/NAME/ (created if new).")
@feeds_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first article that fails.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="Render on this Dask scheduler's workers (pip install 'narrate[dask]').")
@click.option("--cluster", default=None, metavar="local:N", help="Render on a local Dask cluster of N workers.")
@narration_options
@read_options
@check_options
@json_option
@friendly_errors
def batch(sources: tuple[str, ...], feed_name: str, feeds_root: Path, jobs: int | None, fail_fast: bool,
          scheduler: str | None, cluster: str | None, cast: str | None, voice: str | None, force: bool,
          dry_run: bool, no_cache: bool, allow_private: bool, timeout: float, check_after: bool,
          check_model: Path | None, as_json: bool) -> None:
    """Narrate every article in SOURCES into one feed.

    A SOURCE is an article file or URL, a directory, a glob, a file listing paths or URLs (one per
    line, # comments), or an RSS/Atom feed of articles (a URL or a file). Articles already published
    and unchanged are skipped; a failed article is reported and the others go on. The exit status is
    1 when any article failed. With --check, every episode published by the run is heard back afterwards
    (narrate check), in this process; a flagged sentence also makes the exit status 1.

    \b
    Examples:
      narrate batch articles/ --feed world-news
      narrate batch https://example.org/rss.xml --feed world-news --jobs 2
      narrate batch 'drafts/*.md' --feed world-news --cluster local:2
      narrate batch articles/ --feed world-news --json > results.jsonl
    """
    if scheduler and cluster:
        raise click.UsageError("give --scheduler or --cluster, not both")
    if dry_run and check_after:
        raise click.UsageError("--check hears published episodes; a --dry-run publishes none")
    from narrate import api

    narrate = narrate_options(cast, voice, force, no_cache, allow_private, timeout)
    if dry_run:
        failed = _dry_run(sources, api.Feed.draft(feeds_root / feed_name), narrate, as_json, fail_fast)
        sys.exit(EXIT_SOME_FAILED if failed else 0)
    feed = create_feed(feeds_root / feed_name)
    engine = api.asr_engine(feed, check_model) if check_after else None  # a missing extra stops us first
    options = BatchOptions(narrate, fail_fast=fail_fast)
    with ExitStack() as stack:
        runner: Runner
        if scheduler or cluster:
            from narrate.batch.dask import DaskRunner, parse_cluster

            workers = parse_cluster(cluster) if cluster else None
            runner = stack.enter_context(DaskRunner(scheduler=scheduler, local_workers=workers))
        else:
            count = jobs or default_jobs()
            runner = stack.enter_context(PoolRunner(count, feed, options.narrate, threads_per_worker(count)))
        report = _run_with_progress(sources, feed, options, runner, as_json)
    if not as_json:
        _print_summary(report)
    flagged = 0
    if engine is not None:
        for outcome in report.outcomes:
            if outcome.status is Status.PUBLISHED and outcome.guid:
                _, checked = api.check_episode(feed, outcome.guid, engine=engine, narrate_options=options.narrate)
                flagged += bool(checked.flagged)
                where = ", ".join(f"s{s.index + 1} ({', '.join(s.suspects[:3])})" for s in checked.flagged)
                click.echo(f"check: {_name(outcome)}: " + (f"{len(checked.flagged)} flagged: {where}"
                                                            if checked.flagged else "clean")
                           + f" (heard back {len(checked.heard)} of {len(checked.sentences)} sentences)")
    if report.failed or flagged:
        sys.exit(EXIT_SOME_FAILED)


def outcome_summary(feed: Feed, outcome: Outcome) -> dict[str, Any]:
    """One article's line of ``narrate batch --json``: what became of it and, once published, its episode
    (the same fields as ``narrate article --json``)."""
    from narrate import api

    line: dict[str, Any] = {"source": outcome.source, "status": outcome.status.value,
                            "changed": outcome.status is Status.PUBLISHED, "guid": outcome.guid,
                            "title": outcome.title, "duration": round(outcome.duration, 3),
                            "sentences": outcome.sentences, "cache_hits": outcome.cache_hits,
                            "seconds": round(outcome.seconds, 2)}
    if outcome.error:
        line["error"] = outcome.error
    episode = feed.store.get(outcome.guid) if outcome.guid else None
    if episode is not None:
        line["episode"] = api.episode_summary(feed, episode)
    return line


def _dry_run(sources: tuple[str, ...], feed: Feed, options: NarrateOptions, as_json: bool,
             fail_fast: bool) -> int:
    """Each article's dry run, one line (or JSON object) each; returns how many failed. Writes nothing:
    no journal, no feed folder, no cache."""
    from narrate import api
    from narrate.cli.article import ACTIONS
    from narrate.errors import NarrateError

    expansion = expand_sources(sources, options.read)
    failed = 0

    def failure(source: str, reason: str) -> None:
        nonlocal failed
        failed += 1
        if as_json:
            click.echo(json.dumps({"source": source, "status": "failed", "error": reason}, ensure_ascii=False))
        else:
            click.echo(f"failed: {source}: {reason}")

    for problem in expansion.problems:
        failure(problem.source, problem.reason)
    preparer = None
    for item in expansion.items:
        if fail_fast and failed:
            break
        try:
            if preparer is None:
                preparer = api.load_preparer(api.feed_cast(feed, options), feed)
            planned = api.dry_run_article(item.source, feed, options, preparer=preparer)
        except NarrateError as error:
            failure(item.source, str(error))
            continue
        if as_json:
            click.echo(json.dumps({"source": item.source, **api.narration_summary(feed, planned)},
                                  ensure_ascii=False))
        else:
            preview = planned.preview
            assert preview is not None
            click.echo(f"{item.label}: {ACTIONS[preview.action]}; {plural(planned.sentences, 'sentence')}, "
                       f"about {preview.estimated_duration / 60:.1f} min")
    if not as_json:
        click.echo(f"dry run of {plural(len(expansion.items) + len(expansion.problems), 'article')}: "
                   f"{failed} failed; nothing was written")
    return failed


def _run_with_progress(sources: tuple[str, ...], feed: Feed, options: BatchOptions, runner: Runner,
                       as_json: bool = False) -> BatchReport:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[minutes]:.1f} audio min"),
                        TextColumn("{task.fields[failures]} failed"), TimeRemainingColumn(),
                        console=console, transient=False)
    task_id = progress.add_task("Expanding sources", total=None, minutes=0.0, failures=0)
    minutes = 0.0
    failures = 0

    def planned(total: int) -> None:
        progress.update(task_id, total=total, description="Narrating")

    def finished(outcome: Outcome) -> None:
        nonlocal minutes, failures
        if outcome.status is Status.PUBLISHED:
            minutes += outcome.duration / 60
        if outcome.status is Status.FAILED:
            failures += 1
        if outcome.status in (Status.FAILED, Status.DUPLICATE):
            colour = "red" if outcome.status is Status.FAILED else "yellow"
            progress.console.print(f"[{colour}]{outcome.status.value}[/{colour}] {escape(outcome.source)}: "
                                   f"{escape(outcome.error or '')}", highlight=False, soft_wrap=True)
        progress.update(task_id, advance=1, minutes=minutes, failures=failures)
        if as_json:
            click.echo(json.dumps(outcome_summary(feed, outcome), ensure_ascii=False))

    with progress:
        return run_batch(sources, feed, options, runner=runner, on_plan=planned, on_outcome=finished)


def _print_summary(report: BatchReport) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="narrate batch", show_lines=False)
    for name, justify in (("article", "left"), ("status", "left"), ("duration", "right"),
                          ("sentences", "right"), ("cache hits", "right"), ("time", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for outcome in report.outcomes:
        table.add_row(_name(outcome), outcome.status.value,
                      _clock(outcome.duration) if outcome.duration else "-",
                      str(outcome.sentences) if outcome.sentences else "-",
                      str(outcome.cache_hits) if outcome.sentences else "-",
                      f"{outcome.seconds:.1f}s" if outcome.seconds else "-")
    console = Console(width=max(100, Console().width))
    console.print(table)
    counts = {status: sum(1 for o in report.outcomes if o.status is status) for status in Status}
    parts = [f"{count} {status.value}" for status, count in counts.items() if count]
    console.print(f"{len(report.outcomes)} of {plural(report.planned, 'article')}: {', '.join(parts) or 'none'}; "
                  f"{report.audio_seconds / 60:.1f} min of audio in {report.wall_seconds:.1f}s"
                  + ("; stopped at the first failure" if report.stopped_early else ""), highlight=False)
    for outcome in report.outcomes:
        if outcome.status in (Status.FAILED, Status.DUPLICATE):
            console.print(f"{outcome.status.value}: {outcome.source}: {outcome.error}", highlight=False,
                          markup=False, soft_wrap=True)


def _name(outcome: Outcome) -> str:
    return outcome.title or outcome.label


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"
