"""``narrate check``: hear an episode back before listeners do, and fix the names it gets wrong."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from narrate import api
from narrate.cli.common import cast_options, feed_dir, feeds_option, friendly_errors, read_options
from narrate.model import EpisodeCheck


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{seconds % 60:04.1f}"


def format_check(result: EpisodeCheck, verbose: bool = False) -> str:
    """The readable report: one line per sentence, the flagged ones with what was heard and the suspects."""
    lines = []
    for s in result.sentences:
        mark = "FLAG" if s.flagged else "ok  " if s.heard_back else "--  "
        score = f"{s.score:4.2f}" if s.heard_back else "   -"
        lines.append(f"s{s.index + 1:<3} {_clock(s.start)}  {score}  {mark}  {s.written}")
        if s.flagged or verbose:
            if s.spoken != s.written:
                lines.append(f"{'':>22}spoken: {s.spoken}")
            lines.append(f"{'':>22}heard:  {s.heard}")
            for kind, meant, heard in s.edits:
                lines.append(f"{'':>22}{kind}: {meant or '-'} -> {heard or '-'}")
            if s.suspects:
                lines.append(f"{'':>22}suspects: {', '.join(s.suspects)}")
    n_flagged, n_heard, total = len(result.flagged), len(result.heard), len(result.sentences)
    coverage = f"heard back all {total} sentences" if n_heard == total else \
        f"heard back {n_heard} of {total} sentences ({total - n_heard} plain ones, marked --, were not: --full hears " \
        "all)"
    lines.append(f"{n_flagged} flagged; {coverage}; WER {result.wer:.3f} of what was heard "
                 f"(threshold {result.threshold}, {result.asr})")
    return "\n".join(lines)


def check_to_json(result: EpisodeCheck) -> dict[str, Any]:
    """The check as JSON (the form stored with the record)."""
    data = asdict(result)
    data["checked"] = result.checked.isoformat()
    return data


@click.command()
@click.argument("feed_name", metavar="FEED")
@click.argument("episode", default="latest")
@click.option("--model", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="faster-whisper model folder (default: check_model in feed.toml).")
@click.option("--threads", type=click.IntRange(min=0), default=0, show_default=True,
              help="CPU threads for the ASR model (0: its own choice).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Flag a sentence whose word errors per word exceed this (a misheard name always is).")
@click.option("--full", is_flag=True,
              help="Hear every sentence; by default plain ones (common dictionary words only, nothing the normalizer "
                   "or lexicon changed) are left out and reported as not heard back.")
@click.option("--json", "as_json", is_flag=True, help="Print the result (and suggestions) as JSON.")
@click.option("--verbose", "-v", is_flag=True, help="Show what was heard for every sentence.")
@click.option("--suggest", is_flag=True,
              help="Propose lexicon entries for misheard names (TOML for the feed's lexicon).")
@click.option("--apply", "apply_", is_flag=True,
              help="Write the proposals into the feed's lexicon and re-render the episode (implies --suggest).")
@click.option("--source", default=None,
              help="The article the episode was made from, for --apply (default: the episode's link).")
@cast_options
@read_options
@feeds_option
@friendly_errors
def check(feed_name: str, episode: str, model: Path | None, threads: int, threshold: float, full: bool,
          as_json: bool, verbose: bool, suggest: bool, apply_: bool, source: str | None, cast: str | None,
          voice: str | None, allow_private: bool, timeout: float, feeds_root: Path) -> None:
    """Transcribe EPISODE of FEED (GUID, slug or `latest`) and report the sentences a listener would mishear.

    Exit status 0 when nothing is flagged, 1 when something is, 2 on an error. Needs narrate[check].

    Only the sentences where something can go wrong are heard (names, numbers, rare words, lexicon entries);
    the report says which plain ones were not, and --full hears them all.

    \b
    Examples:
      narrate check world-news latest --model ~/models/whisper-base
      narrate check world-news latest --suggest
      narrate check world-news latest --apply --source article.html

    --apply writes the proposals heard as written into the feed's lexicon, narrates the article again (only the
    sentences whose spoken text changed are synthesized) and checks the new episode; the exit status is then that
    check's.
    """
    from narrate.check.episode import CheckOptions
    from narrate.sources.read import ReadOptions

    check_options = CheckOptions(threshold=threshold, full=full)

    path = feed_dir(feeds_root, feed_name)
    engine = api.asr_engine(path, model, threads)
    options = api.NarrateOptions(cast=cast, voice=voice,
                                 read=ReadOptions(allow_private=allow_private, timeout=timeout))
    found, result = api.check_episode(path, episode, engine=engine, options=check_options,
                                      narrate_options=options)
    suggestions = api.suggest_fixes(path, result, engine=engine, narrate_options=options) \
        if (suggest or apply_) and result.flagged else []
    output: dict[str, Any] = {"guid": found.guid, "title": found.title, "check": check_to_json(result)}
    if suggest or apply_:
        output["suggestions"] = [{"word": s.word, "covered": s.covered, "found": s.found,
                                  "heard_in_sentence": s.heard_in_sentence,
                                  "toml": s.best.toml(s.word) if s.found else None,
                                  "tried": [asdict(c) for c in s.tried]} for s in suggestions]
    if not as_json:
        click.echo(f"{found.title} ({found.guid})")
        click.echo(format_check(result, verbose))
        if suggest or apply_:
            click.echo("\n# Proposed entries for the feed's lexicon ([words] table):" if suggestions
                       else "\nNothing to propose: no misheard names.")
            for s in suggestions:
                best = s.best
                note = f"{best.source}: heard {best.heard!r} ({best.similarity:.2f})"
                if s.found:
                    click.echo(f"{best.toml(s.word)}  # {note}{', replaces the entry' if s.covered else ''}")
                else:
                    click.echo(f"# {s.word}: no candidate was heard as written in its sentence (best in the carrier "
                               f"phrase: {note}); add one by hand")
    if apply_ and any(s.found for s in suggestions):
        article = source or found.link
        if not article:
            raise click.UsageError("--apply re-renders the episode: give the article with --source")
        narration = api.apply_fixes(path, suggestions, article, options=options)
        rendered = narration.sentences - narration.cache_hits
        output["applied"] = {"status": narration.status.value, "sentences": narration.sentences,
                             "rendered": rendered, "cache_hits": narration.cache_hits}
        if not as_json:
            applied = sum(s.found for s in suggestions)
            click.echo(f"applied {applied} entries; {narration.status.value}: {rendered} sentences "
                       f"re-rendered, {narration.cache_hits} from the cache")
        # Hear the new episode too: the record then holds the check of what listeners will get.
        _, result = api.check_episode(path, found.guid, engine=engine, options=check_options,
                                      narrate_options=options)
        output["after"] = check_to_json(result)
        if not as_json:
            click.echo("after applying: " + (format_check(result, verbose) if result.flagged
                                             else f"clean, episode WER {result.wer:.3f}"))
    if as_json:
        click.echo(json.dumps(output, ensure_ascii=False, indent=1))
    if result.flagged:
        sys.exit(1)
