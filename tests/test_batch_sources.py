"""Expanding batch SOURCES: directories, globs, lists, feeds of articles, and the problems in them."""

from __future__ import annotations

from pathlib import Path

from narrate.batch.sources import expand_sources, looks_like_feed, source_identity
from narrate.sources.read import ReadOptions
from tests.batch_helpers import article_html, rss, serve, write_articles

LOCAL = ReadOptions(allow_private=True, timeout=3)


def test_directory_glob_and_single_file(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 3)
    (tmp_path / "a" / "notes.json").write_text("{}")
    (tmp_path / "a" / ".hidden").mkdir()
    write_articles(tmp_path / "a" / ".hidden", 1, start=9)
    expansion = expand_sources([str(tmp_path / "a")])
    assert [item.source for item in expansion.items] == [str(p) for p in paths]
    assert not expansion.problems and not expansion.duplicates

    globbed = expand_sources([str(tmp_path / "a" / "article-00[01].md")])
    assert [Path(i.source).name for i in globbed.items] == ["article-000.md", "article-001.md"]

    single = expand_sources([str(paths[2])])
    assert [i.source for i in single.items] == [str(paths[2])]
    assert single.items[0].fingerprint is not None


def test_list_file_reports_missing_entries_and_keeps_the_rest(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 2)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# morning run\n{paths[0]}\na/article-001.md\n\na/missing.md\nhttps://example.org/story.html\n")
    expansion = expand_sources([str(listing)])
    assert [i.source for i in expansion.items] == [str(paths[0]), str(paths[1]), "https://example.org/story.html"]
    assert len(expansion.problems) == 1
    assert "a/missing.md" in expansion.problems[0].source and "no such file" in expansion.problems[0].reason


def test_an_article_in_a_txt_file_is_not_taken_for_a_list(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text("Flooding closes the valley road\n\nThe road closed on Monday after heavy rain.\n")
    expansion = expand_sources([str(article)])
    assert [i.source for i in expansion.items] == [str(article)]


def test_duplicates_are_kept_once_and_reported(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "a", 2)
    other_spelling = str(tmp_path / "a" / ".." / "a" / paths[0].name)
    expansion = expand_sources([str(tmp_path / "a"), other_spelling, str(paths[1])])
    assert len(expansion.items) == 2
    assert [d.source for d in expansion.duplicates] == [other_spelling, str(paths[1])]
    assert expansion.duplicates[0].first == str(paths[0])


def test_missing_source_and_empty_glob_are_problems(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 1)
    expansion = expand_sources([str(tmp_path / "nope"), str(tmp_path / "*.html"), str(tmp_path / "a")])
    assert len(expansion.items) == 1
    assert [p.reason for p in expansion.problems] == ["no such file or directory", "the pattern matches no file"]


def test_local_feed_file_gives_its_items_and_reports_items_without_links(tmp_path: Path) -> None:
    feed = tmp_path / "news.xml"
    linkless = "<item><title>Linkless</title></item><item><title>Two</title>"
    feed.write_text(rss([("One", "https://example.org/1"), ("Two", "https://example.org/2")])
                    .replace("<item><title>Two</title>", linkless))
    expansion = expand_sources([str(feed)])
    assert [(i.label, i.source) for i in expansion.items] == [("One", "https://example.org/1"),
                                                               ("Two", "https://example.org/2")]
    assert [p.reason for p in expansion.problems] == ["the item has no link"]
    assert all(i.fingerprint for i in expansion.items)


def test_malformed_feed_is_one_problem(tmp_path: Path) -> None:
    feed = tmp_path / "broken.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</')
    expansion = expand_sources([str(feed)])
    assert not expansion.items
    assert expansion.problems and "feed" in expansion.problems[0].reason


def test_feed_url_is_expanded_and_article_url_is_kept(tmp_path: Path) -> None:
    with serve() as site:
        story = site.add("/story/1.html", "text/html; charset=utf-8", article_html(1))
        feed = site.add("/rss", "application/rss+xml", rss([("Story 1", "/story/1.html")]))
        broken = site.add("/broken.xml", "application/rss+xml", "<rss><channel><item><title>")
        expansion = expand_sources([feed, story, broken, site.base + "/gone.html"], LOCAL)
    assert [i.source for i in expansion.items] == [story]
    assert [d.source for d in expansion.duplicates] == [story]
    reasons = [p.reason for p in expansion.problems]
    assert "malformed feed" in reasons[0]
    assert "404" in reasons[1]


def test_feed_sniffing_and_url_identity() -> None:
    assert looks_like_feed(b'\xef\xbb\xbf<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')
    assert not looks_like_feed(b"<!DOCTYPE html><html><body><rss>")
    assert not looks_like_feed(b"# A markdown <rss> story")
    assert source_identity("HTTP://Example.org:80/a#top") == source_identity("http://example.org/a")
    assert source_identity("https://example.org/a?x=1") != source_identity("https://example.org/a?x=2")
