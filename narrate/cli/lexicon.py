"""`narrate lexicon ...`: commands that help an editor keep the pronunciation lexicon."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.cli.common import friendly_errors
from narrate.script import DEFAULT_LEXICON, Lexicon, check_lexicon


@click.group("lexicon")
def lexicon() -> None:
    """Check and use pronunciation lexicons."""


@lexicon.command("check")
@click.argument("source")
@click.option(
    "--lexicon",
    "lexicon_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Lexicon TOML to use besides the default one (repeatable; e.g. the feed's).",
)
@click.option("--allow-private", is_flag=True, help="Allow URLs on private or loopback addresses.")
@friendly_errors
def check(source: str, lexicon_paths: tuple[Path, ...], allow_private: bool) -> None:
    """List capitalized words of the article SOURCE (a file or URL) that are neither English words nor in
    the lexicon: the names that may need an entry."""
    from narrate.api import read_article
    from narrate.sources.read import ReadOptions

    article = read_article(source, ReadOptions(allow_private=allow_private))
    paths = ([DEFAULT_LEXICON] if DEFAULT_LEXICON.is_file() else []) + list(lexicon_paths)
    words = check_lexicon("\n".join([article.meta.title, article.text()]), Lexicon.load(paths))
    for word in words:
        click.echo(word)
    noun = "word" if len(words) == 1 else "words"
    click.echo(f"{len(words)} {noun} may need a lexicon entry.", err=True)
