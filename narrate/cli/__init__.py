"""The `narrate` command: thin click commands over `narrate.api`, one module per command group."""

from __future__ import annotations

import click

from narrate import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="narrate")
def main() -> None:
    """Turn news articles into narrated podcast episodes.

    \b
    Examples:
      narrate script examples/nationpress-coupang-breach.txt
      narrate article examples/nationpress-coupang-breach.txt --feed world-news
      narrate feed rebuild world-news
    """


def _attach_commands() -> None:
    from narrate.cli.article import article, script
    from narrate.cli.batch import batch
    from narrate.cli.cache import cache
    from narrate.cli.check import check
    from narrate.cli.feed import feed
    from narrate.cli.lexicon import lexicon
    from narrate.cli.read import read
    from narrate.cli.service import SERVICE_COMMANDS
    from narrate.cli.voices import voices
    from narrate.cli.web import WEB_COMMANDS

    main.add_command(article)
    main.add_command(script)
    main.add_command(cache)
    main.add_command(check)
    main.add_command(feed)
    main.add_command(lexicon)
    main.add_command(read)
    main.add_command(voices)
    for command in WEB_COMMANDS:
        main.add_command(command)
    main.add_command(batch)
    for command in SERVICE_COMMANDS:
        main.add_command(command)


_attach_commands()
