"""``narrate read SOURCE``: show how narrate reads an article, section by section, before anything
is segmented or synthesized (``narrate script`` shows what will be spoken)."""

from __future__ import annotations

import click

from narrate.cli.common import friendly_errors
from narrate.model import Article


@click.command("read")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON instead of an outline.")
@click.option("--allow-private", is_flag=True,
              help="Allow URLs on private, loopback or link-local addresses (e.g. a local test server).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
              help="Seconds allowed for fetching a URL.")
@friendly_errors
def read(source: str, as_json: bool, allow_private: bool, timeout: float) -> None:
    """Read SOURCE (a file or an http(s) URL) and print its metadata and sections."""
    from narrate.sources.read import ReadOptions, read_source
    from narrate.sources.serialize import article_to_json

    result = read_source(source, ReadOptions(allow_private=allow_private, timeout=timeout))
    click.echo(article_to_json(result) if as_json else outline(result), nl=not as_json)


def outline(article: Article) -> str:
    """Metadata, then each section's role, heading and paragraphs, for a quick review."""
    meta = article.meta
    lines = [f"{name}: {value}" for name, value in (
        ("title", meta.title), ("publisher", meta.publisher), ("author", meta.author),
        ("date", meta.date), ("url", meta.url), ("language", meta.language), ("dateline", meta.dateline),
    ) if value]
    for section in article.sections:
        lines.append("")
        lines.append(f"[{section.role}]" + (f" {section.heading}" if section.heading else ""))
        lines.extend(f"  {paragraph}" for paragraph in section.paragraphs)
    return "\n".join(lines)
