"""`narrate lexicon ...`: commands that help an editor keep the pronunciation lexicon."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.speech import DEFAULT_LEXICON, Lexicon, check_lexicon


@click.group("lexicon")
def lexicon() -> None:
    """Check and use pronunciation lexicons."""


@lexicon.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--lexicon",
    "lexicon_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Lexicon TOML to use besides the default one (repeatable; e.g. the feed's).",
)
def check(file: Path, lexicon_paths: tuple[Path, ...]) -> None:
    """List capitalized words in FILE that are neither English words nor in the lexicon."""
    paths = ([DEFAULT_LEXICON] if DEFAULT_LEXICON.is_file() else []) + list(lexicon_paths)
    words = check_lexicon(file.read_text(encoding="utf-8"), Lexicon.load(paths))
    for word in words:
        click.echo(word)
    noun = "word" if len(words) == 1 else "words"
    click.echo(f"{len(words)} {noun} may need a lexicon entry.", err=True)
