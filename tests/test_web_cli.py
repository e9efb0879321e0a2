"""The web commands on a real published feed directory (feed.toml, episode record, files)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner

from narrate import api
from narrate.cli.web import embed, page, serve, show_page
from tests.web_support import EXAMPLE_PAGE, DemoEpisode, make_demo_episode

BASE = "https://cdn.example/podcasts/demo/"


@pytest.fixture
def feed(tmp_path: Path) -> tuple[Path, DemoEpisode]:
    root = tmp_path / "feeds"
    demo = make_demo_episode(root)
    (root / "demo" / "feed.toml").write_text(
        f'title = "Demo <News>"\ndescription = "Narrated news"\nbase_url = "{BASE}"\n'
        'image = "https://cdn.example/art.png"\n'
    )
    api.open_feed(root / "demo").store.save(demo.episode)
    return root, demo


def parse(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(html, "html.parser")


def test_embed_prints_the_snippet_and_installs_the_player(feed: tuple[Path, DemoEpisode]) -> None:
    root, demo = feed
    result = CliRunner().invoke(embed, ["demo", "latest", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 0
    snippet = parse(result.output)
    script = snippet.find("script")
    assert isinstance(script, Tag) and script.get("src") == f"{BASE}player/player.js"
    player = snippet.find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("src") == f"{BASE}episodes/{demo.episode.audio.name}"
    assert player.get("artist") == "Demo <News>"
    assert player.get("artwork") == "https://cdn.example/art.png"
    assert (root / "demo" / "player" / "player.js").is_file()


def test_embed_by_guid_prefix_and_base_url_override(feed: tuple[Path, DemoEpisode]) -> None:
    root, demo = feed
    args = ["demo", demo.episode.guid[:8], "--out", str(root), "--base-url", "http://127.0.0.1:8000/demo"]
    result = CliRunner().invoke(embed, args, catch_exceptions=False)
    player = parse(result.output).find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("src") == f"http://127.0.0.1:8000/demo/episodes/{demo.episode.audio.name}"


def test_unknown_episode_or_feed_is_one_line_and_exit_2(feed: tuple[Path, DemoEpisode]) -> None:
    root, _ = feed
    result = CliRunner().invoke(embed, ["demo", "nope", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "matches no episode" in result.output
    result = CliRunner().invoke(embed, ["other", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 2 and "no feed 'other'" in result.output


def test_page_rewrites_the_example_article(feed: tuple[Path, DemoEpisode], tmp_path: Path) -> None:
    root, demo = feed
    out = tmp_path / "out.html"
    args = [str(EXAMPLE_PAGE), "-o", str(out), "--feed", "demo", "--episode", demo.episode.guid, "--out", str(root)]
    result = CliRunner().invoke(page, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert "replaced <div" in result.output
    assert f"marked {len(demo.sentences)} of {len(demo.sentences)} sentences" in result.output
    rewritten = parse(out.read_text())
    assert rewritten.find("narrate-player") is not None
    assert len(rewritten.select("[data-narrate-sentence]")) >= len(demo.sentences)


def test_show_page_command_writes_index(feed: tuple[Path, DemoEpisode]) -> None:
    root, demo = feed
    result = CliRunner().invoke(show_page, ["demo", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 0
    index = root / "demo" / "index.html"
    assert result.output.strip() == str(index)
    html = parse(index.read_text())
    assert html.find("h1").get_text() == "Demo <News>"  # type: ignore[union-attr]
    player = html.find("narrate-player")
    assert isinstance(player, Tag) and player.get("src") == f"episodes/{demo.episode.audio.name}"
    assert (root / "demo" / "player" / "player.css").is_file()


def test_serve_refuses_a_missing_root(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve, ["--root", str(tmp_path / "none")], catch_exceptions=False)
    assert result.exit_code == 2 and "--root" in result.output


def test_embed_theme_layout_and_feed(feed: tuple[Path, DemoEpisode]) -> None:
    root, _ = feed
    result = CliRunner().invoke(embed, ["demo", "--out", str(root)], catch_exceptions=False)
    player = parse(result.output).find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("layout") == "bar" and not player.has_attr("theme")  # auto: follows the host page
    assert player.get("feed") == f"{BASE}feed.xml"
    args = ["demo", "--out", str(root), "--theme", "light", "--layout", "full", "--base-url", "http://h/demo"]
    player = parse(CliRunner().invoke(embed, args, catch_exceptions=False).output).find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("theme") == "light" and player.get("layout") == "full"
    assert player.get("feed") == "http://h/demo/feed.xml"
    result = CliRunner().invoke(embed, ["demo", "--out", str(root), "--theme", "sepia"])
    assert result.exit_code == 2


def test_page_takes_theme_and_layout(feed: tuple[Path, DemoEpisode], tmp_path: Path) -> None:
    root, _ = feed
    out = tmp_path / "out.html"
    args = [str(EXAMPLE_PAGE), "-o", str(out), "--feed", "demo", "--out", str(root), "--theme", "dark"]
    assert CliRunner().invoke(page, args, catch_exceptions=False).exit_code == 0
    player = parse(out.read_text()).find("narrate-player")
    assert isinstance(player, Tag)
    assert player.get("theme") == "dark" and player.get("layout") == "bar"
    assert player.get("artwork") == "https://cdn.example/art.png"


@pytest.mark.parametrize(("option", "value"), [("--base-url", "javascript:alert(1)//"), ("--base-url", "ftp://x/"),
                                               ("--player-url", "data:text/javascript,alert(1)"),
                                               ("--player-url", "//evil.example/")])
def test_urls_given_on_the_command_line_must_be_http(feed: tuple[Path, DemoEpisode], option: str,
                                                     value: str) -> None:
    root, _ = feed
    result = CliRunner().invoke(embed, ["demo", "latest", "--out", str(root), option, value],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and option in result.output and "http(s)" in result.output
    ok = CliRunner().invoke(embed, ["demo", "latest", "--out", str(root), "--player-url", "/assets/narrate"],
                            catch_exceptions=False)
    assert ok.exit_code == 0 and 'src="/assets/narrate/player.js"' in ok.output


def test_embed_points_at_the_manifest_it_made_sure_exists(feed: tuple[Path, DemoEpisode]) -> None:
    from narrate.publish.manifest import manifest_name

    root, demo = feed
    name = manifest_name(demo.episode.guid)
    assert not (root / "demo" / name).exists()  # a feed published before manifests existed
    result = CliRunner().invoke(embed, ["demo", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 0
    player = parse(result.output).find("narrate-player")
    assert isinstance(player, Tag) and player.get("manifest") == BASE + name
    assert player.get("src") == f"{BASE}episodes/{demo.episode.audio.name}"  # the fallback for older players
    assert json.loads((root / "demo" / name).read_bytes())["guid"] == demo.episode.guid


def test_embed_finds_the_episode_by_its_article_url(feed: tuple[Path, DemoEpisode]) -> None:
    root, demo = feed
    assert demo.episode.link == "https://example.org/news/coupang"
    url = "http://EXAMPLE.org/news/coupang/?utm_source=newsletter#top"
    result = CliRunner().invoke(embed, ["demo", "--url", url, "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    player = parse(result.output).find("narrate-player")
    assert isinstance(player, Tag) and player.get("episode") == demo.episode.guid
    for args in (["--url", "https://example.org/news/other"], [demo.episode.guid, "--url", url]):
        refused = CliRunner().invoke(embed, ["demo", *args, "--out", str(root)], catch_exceptions=False)
        assert refused.exit_code == 2
        [line] = refused.output.splitlines()
        assert line.startswith("narrate: error: ")


def test_page_inside_the_feeds_folder_links_relatively(feed: tuple[Path, DemoEpisode], tmp_path: Path) -> None:
    from narrate.publish.manifest import manifest_name

    root, demo = feed
    for out, prefix in ((root / "demo" / "story.html", ""), (root / "pages" / "story.html", "../demo/")):
        args = [str(EXAMPLE_PAGE), "-o", str(out), "--feed", "demo", "--out", str(root)]
        result = CliRunner().invoke(page, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        html = parse(out.read_text())
        player, script = html.find("narrate-player"), html.find("script", type="module")
        assert isinstance(player, Tag) and isinstance(script, Tag)
        assert script.get("src") == f"{prefix}player/player.js"
        assert player.get("manifest") == prefix + manifest_name(demo.episode.guid)
        assert player.get("src") == f"{prefix}episodes/{demo.episode.audio.name}"
        assert (out.parent / str(player.get("src"))).resolve().is_file()
    outside = tmp_path / "story.html"
    result = CliRunner().invoke(page, [str(EXAMPLE_PAGE), "-o", str(outside), "--feed", "demo", "--out", str(root)],
                                catch_exceptions=False)
    player = parse(outside.read_text()).find("narrate-player")
    assert isinstance(player, Tag) and str(player.get("manifest")).startswith(BASE)


def test_a_placeholder_base_url_is_warned_about(feed: tuple[Path, DemoEpisode]) -> None:
    root, _ = feed
    settings = root / "demo" / "feed.toml"
    settings.write_text(settings.read_text().replace(BASE, "https://example.org/podcasts/demo/"))
    result = CliRunner().invoke(embed, ["demo", "--out", str(root)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "placeholder base_url https://example.org/podcasts/demo/" in result.stderr
