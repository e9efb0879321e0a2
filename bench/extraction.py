"""Article extraction quality on the extraction-dev set: trafilatura alone vs. narrate's HTML reader.

    python bench/extraction.py [--set PATH] [--worst N] [--limit N] [--with-headline]

The set (mozilla/readability's 130 test pages, see its README) is extracted to a temporary folder at
run time. Both sides are scored the same way (the metric of the Zyte article-extraction benchmark):
the text is lower-cased, split into words, and the sets of word 4-grams compared; precision and recall
per page, averaged over the set, and the F1 of those means. narrate's text is every paragraph of every
section except the headline (``--with-headline`` adds it), with the body sub-headings the narration reads
(:func:`narrate.script.segment.spoken_heading`), without its own announcements (the notes read where a
code listing or a large table was left out are narrate's words, not the page's): what a listener hears
of the page.
A page narrate refuses scores 0; refusals where trafilatura finds >= 500 characters are listed.
The CPU time to read a page is printed for both (mean and slowest, in milliseconds; CPU time rather than
wall time, so that other work on a shared machine does not count).
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SET = REPO_ROOT.parent / "shared" / "extraction-dev" / "readability-test-pages.tar.gz"
_WORD = re.compile(r"\w+")
REFUSAL_FLOOR_CHARS = 500
"""trafilatura finding at least this much text means the page has an article narrate must not refuse."""


@dataclass(frozen=True)
class Page:
    name: str
    source: str
    truth: str


@dataclass(frozen=True)
class Scored:
    name: str
    precision: float
    recall: float
    refused: bool = False
    seconds: float = 0.0
    """CPU time to read the page."""

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """The set of word n-grams of a text, lower-cased."""
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def page_score(result: str, truth: str) -> tuple[float, float]:
    """Precision and recall of one page's result against its truth (both empty: 1, one empty: 0)."""
    got, want = shingles(result), shingles(truth)
    if not got and not want:
        return 1.0, 1.0
    if not got or not want:
        return 0.0, 0.0
    shared = len(got & want)
    return shared / len(got), shared / len(want)


def html_text(html: str, *, without_code: bool = False) -> str:
    """The text of an HTML document without <script> and <style> (and <pre> blocks ``without_code``)."""
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    root = lxml_html.document_fromstring(html)
    for element in root.xpath("//script|//style" + ("|//pre" if without_code else "")):
        element.drop_tree()
    return str(root.text_content())


def load_pages(archive: Path, folder: Path, *, without_code: bool = False) -> Iterator[Page]:
    """Every page of the set, extracted from its archive into ``folder``."""
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    for source in sorted(folder.rglob("source.html")):
        expected = source.with_name("expected.html")
        if expected.is_file():
            yield Page(source.parent.name, source.read_text(encoding="utf-8", errors="replace"),
                       html_text(expected.read_text(encoding="utf-8", errors="replace"),
                                 without_code=without_code))


def trafilatura_text(html: str) -> str:
    """trafilatura alone, as its own benchmark runs it."""
    import trafilatura

    return trafilatura.extract(html, include_tables=True) or ""


def narrate_text(html: str, *, with_headline: bool = False) -> str | None:
    """narrate's article text (None when the reader refuses the page)."""
    from narrate.errors import InputError
    from narrate.model import Role
    from narrate.script.segment import spoken_heading
    from narrate.sources.html import NOTES, read_html

    try:
        article = read_html(html)
    except InputError:
        return None
    return "\n".join(text for s in article.sections if with_headline or s.role is not Role.HEADLINE
                     for text in (spoken_heading(s) or "", *s.paragraphs) if text and text not in NOTES)


def means(scored: list[Scored]) -> tuple[float, float, float]:
    """P, R (means over pages) and the F1 of those means."""
    p = sum(s.precision for s in scored) / len(scored)
    r = sum(s.recall for s in scored) / len(scored)
    return p, r, f1(p, r)


@dataclass(frozen=True)
class Report:
    trafilatura: list[Scored]
    narrate: list[Scored]
    refused_with_article: list[str]
    """Pages narrate refuses although trafilatura finds >= REFUSAL_FLOOR_CHARS characters."""


def run(archive: Path = DEV_SET, *, limit: int = 0, with_headline: bool = False,
        without_code: bool = False) -> Report:
    """Score both systems on the set (``without_code``: against a truth without its code listings)."""
    with tempfile.TemporaryDirectory(prefix="extraction-dev-") as folder:
        pages = list(load_pages(archive, Path(folder), without_code=without_code))
    if limit:
        pages = pages[:limit]
    alone: list[Scored] = []
    ours: list[Scored] = []
    refused: list[str] = []
    for page in pages:
        start = time.process_time()
        base = trafilatura_text(page.source)
        middle = time.process_time()
        text = narrate_text(page.source, with_headline=with_headline)
        end = time.process_time()
        alone.append(Scored(page.name, *page_score(base, page.truth), seconds=middle - start))
        ours.append(Scored(page.name, *page_score(text or "", page.truth), refused=text is None,
                           seconds=end - middle))
        if text is None and len(base) >= REFUSAL_FLOOR_CHARS:
            refused.append(page.name)
    return Report(alone, ours, refused)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEV_SET, help=f"the archive (default: {DEV_SET})")
    parser.add_argument("--worst", type=int, default=15, help="list the N pages where narrate trails most")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    parser.add_argument("--with-headline", action="store_true", help="score the headline too")
    parser.add_argument("--without-code", action="store_true",
                        help="a diagnostic, not the gate: drop the truth's <pre> code listings (narrate "
                             "does not read code aloud) and see how much of the gap they make")
    args = parser.parse_args()
    if not args.set.is_file():
        sys.exit(f"{args.set} not found: the extraction-dev set lives in ../shared/extraction-dev/")

    report = run(args.set, limit=args.limit, with_headline=args.with_headline, without_code=args.without_code)
    print(f"{len(report.narrate)} pages" + (", truth without its <pre> code listings" if args.without_code else ""))
    print(f"{'system':<22}{'P':>8}{'R':>8}{'F1':>8}{'refused':>9}{'ms/page':>9}{'max ms':>8}")
    for label, scored in (("trafilatura alone", report.trafilatura), ("narrate", report.narrate)):
        p, r, score = means(scored)
        mean_ms = 1000 * sum(s.seconds for s in scored) / len(scored)
        max_ms = 1000 * max(s.seconds for s in scored)
        print(f"{label:<22}{p:>8.3f}{r:>8.3f}{score:>8.3f}{sum(s.refused for s in scored):>9}"
              f"{mean_ms:>9.0f}{max_ms:>8.0f}")
    print(f"refused where trafilatura finds >= {REFUSAL_FLOOR_CHARS} chars: "
          f"{len(report.refused_with_article)} {' '.join(report.refused_with_article)}")
    pairs = sorted(zip(report.narrate, report.trafilatura, strict=True), key=lambda pair: pair[0].f1 - pair[1].f1)
    print(f"\nworst {args.worst} pages (narrate F1 minus trafilatura F1):")
    print(f"{'page':<36}{'P':>7}{'R':>7}{'F1':>7}{'traf':>7}{'diff':>7}")
    for ours, base in pairs[:args.worst]:
        mark = "  refused" if ours.refused else ""
        print(f"{ours.name:<36}{ours.precision:>7.3f}{ours.recall:>7.3f}{ours.f1:>7.3f}{base.f1:>7.3f}"
              f"{ours.f1 - base.f1:>+7.3f}{mark}")


if __name__ == "__main__":
    main()
