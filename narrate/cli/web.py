"""Web commands: ``narrate embed``, ``narrate page``, ``narrate show-page`` and ``narrate serve``.

Thin click commands over ``narrate.web``; ``narrate.cli`` attaches ``WEB_COMMANDS`` to its group.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from narrate.cli.common import feed_dir, feeds_option, friendly_errors
from narrate.errors import InputError

if TYPE_CHECKING:
    from narrate.model import Episode
    from narrate.publish.feed import Feed

BASE_URL_OPTION = click.option(
    "--base-url", default=None,
    help="Public URL of the feed directory, overriding feed.toml's base_url "
         "(e.g. http://127.0.0.1:8000/NAME/ to preview with `narrate serve`).",
)
PLAYER_URL_OPTION = click.option(
    "--player-url", default=None,
    help="URL of the folder serving player.js and player.css (default: the feed's player/ folder).",
)

THEME_OPTION = click.option(
    "--theme", type=click.Choice(["auto", "light", "dark"]), default="auto", show_default=True,
    help="The player's colours; auto follows the host page's background.",
)
LAYOUT_OPTION = click.option(
    "--layout", type=click.Choice(["bar", "full"]), default="bar", show_default=True,
    help="bar: one compact row that expands to all controls; full: all controls at once.",
)


def _feed(feeds_root: Path, name: str) -> Feed:
    from narrate import api

    return api.open_feed(feed_dir(feeds_root, name))


def find_episode(episodes: list[Episode], wanted: str) -> Episode:
    """An episode by GUID, ``latest``, or a unique prefix of its GUID or audio file name."""
    if not episodes:
        raise InputError("the feed has no episodes yet; publish one with `narrate article`")
    if wanted == "latest":
        return max(episodes, key=lambda e: e.published)
    exact = [e for e in episodes if e.guid == wanted]
    if exact:
        return exact[0]
    matches = [e for e in episodes if e.guid.startswith(wanted) or e.audio.name.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    listing = "; ".join(f"{e.guid} ({e.title})" for e in episodes[:5])
    reason = "matches several episodes" if matches else "matches no episode"
    raise InputError(f"episode {wanted!r} {reason}; use a GUID or 'latest'. Episodes: {listing}")


def checked_url(value: str | None, option: str, *, root_relative: bool = False) -> str | None:
    """``value`` when it is an http(s) URL (or, with ``root_relative``, a path from the site's root): a
    ``javascript:`` or ``data:`` URL given here would end up in every page that embeds the player."""
    if value is None:
        return None
    if value.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in value):
        return value
    if root_relative and value.startswith("/") and not value.startswith("//"):
        return value
    allowed = "an http(s) URL" + (" or a path starting with /" if root_relative else "")
    raise InputError(f"{option} {value!r}: give {allowed}")


@dataclass(frozen=True)
class FeedUrls:
    """Where an embed or a page finds a feed's files: absolute under the feed's base URL, or relative to a page."""

    base: str
    """The feed folder's URL, ending with / (or "" for the page's own folder)."""
    media: str
    player: str
    artwork: str
    feed: str

    def manifest(self, guid: str) -> str:
        """The episode's manifest."""
        from narrate.publish.manifest import manifest_name

        return self.base + manifest_name(guid)


def _urls(feed: Feed, base_url: str | None, player_url: str | None, *, page: Path | None = None,
          feeds_root: Path | None = None) -> FeedUrls:
    """The feed's URLs under ``base_url`` (else feed.toml's); for a ``page`` written inside ``feeds_root``
    (served with the feeds, as by ``narrate serve``) relative to the page, so it plays wherever the folder is
    served, even while feed.toml's base_url is a placeholder."""
    from narrate.publish.episode import publish_artwork
    from narrate.web.show import PLAYER_DIR

    base_url = checked_url(base_url, "--base-url")
    player_url = checked_url(player_url, "--player-url", root_relative=True)
    settings = feed.settings
    if base_url:
        base = base_url.rstrip("/") + "/"
    elif page is not None and feeds_root is not None and _inside(page, feeds_root):
        relative = Path(os.path.relpath(feed.path.resolve(), page.resolve().parent)).as_posix()
        base = "" if relative == "." else relative + "/"
    else:
        base = settings.show.base_url
    media_url = settings.media.media_url
    artwork = publish_artwork(feed)
    if artwork.startswith(settings.show.base_url):
        artwork = base + artwork[len(settings.show.base_url):]
    return FeedUrls(base=base, media=media_url.rstrip("/") if media_url else f"{base}episodes",
                    player=player_url or f"{base}{PLAYER_DIR}", artwork=artwork, feed=f"{base}feed.xml")


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _current_manifests(feed: Feed) -> None:
    """Make sure every episode's manifest is there before a snippet points at it (a feed published before
    manifests existed gets them now)."""
    from narrate.publish.episode import reconcile

    reconcile(feed, dt.datetime.now(dt.UTC))


def _warn_placeholder(feed: Feed, urls: FeedUrls) -> None:
    from narrate.publish.settings import is_placeholder_url

    if is_placeholder_url(urls.base) or is_placeholder_url(urls.media):
        click.echo(f"narrate: warning: {feed.path / 'feed.toml'} still has the placeholder base_url "
                   f"{feed.settings.show.base_url}: the player will not load until you set it (or pass --base-url; "
                   "`narrate page` into the feeds folder previews with `narrate serve`)", err=True)


@click.command()
@click.argument("feed_name", metavar="FEED")
@click.argument("episode_id", metavar="EPISODE", required=False)
@click.option("--url", "article_url", default=None,
              help="Find the episode by the URL of the article it narrates (tracking parameters ignored).")
@feeds_option
@BASE_URL_OPTION
@PLAYER_URL_OPTION
@THEME_OPTION
@LAYOUT_OPTION
@friendly_errors
def embed(feed_name: str, episode_id: str | None, article_url: str | None, feeds_root: Path, base_url: str | None,
          player_url: str | None, theme: str, layout: str) -> None:
    """Print the HTML that embeds EPISODE's player (a GUID or 'latest', the default) in a CMS page.

    The player reads the episode's manifest, so the snippet keeps playing the current audio after the article
    is narrated again.

    \b
    Examples:
      narrate embed world-news latest
      narrate embed world-news --url https://news.example.com/2026/bridge-reopens
    """
    from narrate.web.embed import embed_snippet
    from narrate.web.show import install_player_assets

    feed = _feed(feeds_root, feed_name)
    episode = _chosen_episode(feed, episode_id, article_url)
    _current_manifests(feed)
    install_player_assets(feed.path, feed.write_file)
    urls = _urls(feed, base_url, player_url)
    _warn_placeholder(feed, urls)
    click.echo(
        embed_snippet(episode, media_base_url=urls.media, player_base_url=urls.player,
                      artist=feed.settings.show.title, artwork_url=urls.artwork, feed_url=urls.feed,
                      layout=layout, theme=theme, manifest_url=urls.manifest(episode.guid)),
        nl=False,
    )


def _chosen_episode(feed: Feed, episode_id: str | None, article_url: str | None) -> Episode:
    """The episode named on the command line: by GUID (or 'latest'), or by its article's URL."""
    from narrate import api

    if article_url is None:
        return find_episode(feed.store.episodes(), episode_id or "latest")
    if episode_id is not None:
        raise InputError("give EPISODE or --url, not both")
    episode = api.find_episode_by_url(feed, article_url)
    if episode is None:
        raise InputError(f"no episode of {feed.name} narrates {article_url}; "
                         f"`narrate feed list {feed.name}` shows them")
    return episode


@click.command()
@click.argument("page_in", metavar="IN.html", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "page_out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the rewritten page.")
@click.option("--feed", "feed_name", required=True, help="Feed holding the article's episode.")
@click.option("--episode", "episode_id", default="latest", show_default=True,
              help="The article's episode: a GUID, a unique prefix, or 'latest'.")
@click.option("--selector", default=None, help="CSS selector of the element the player replaces.")
@feeds_option
@BASE_URL_OPTION
@PLAYER_URL_OPTION
@THEME_OPTION
@LAYOUT_OPTION
@friendly_errors
def page(page_in: Path, page_out: Path, feed_name: str, episode_id: str, selector: str | None,
         feeds_root: Path, base_url: str | None, player_url: str | None, theme: str, layout: str) -> None:
    """Put the episode's player into an article page, in place of its audio widget.

    Only the widget, one script tag in <head> and the sentence marks change: the rest of the page is
    written back byte for byte. A page written inside the feeds folder links to the feed relatively, so
    `narrate serve` plays it as it is; elsewhere it links to feed.toml's base_url (or --base-url).

    \b
    Example:
      narrate page article.html -o article.narrated.html --feed world-news --episode latest
    """
    from narrate.publish.files import write_atomic
    from narrate.web.embed import TRANSCRIPT_MIME, find_file
    from narrate.web.page import read_vtt_sentences, rewrite_page
    from narrate.web.show import install_player_assets

    feed = _feed(feeds_root, feed_name)
    episode = find_episode(feed.store.episodes(), episode_id)
    transcript = find_file(episode, TRANSCRIPT_MIME)
    media = feed.media
    sentences = read_vtt_sentences(media.read(transcript.name).decode("utf-8")) if transcript else ()
    try:
        html_in = page_in.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{page_in} is not UTF-8 text; convert it first") from error
    _current_manifests(feed)
    install_player_assets(feed.path, feed.write_file)
    urls = _urls(feed, base_url, player_url, page=page_out, feeds_root=feeds_root)
    result = rewrite_page(html_in, episode, sentences, media_base_url=urls.media, player_base_url=urls.player,
                          selector=selector, artwork_url=urls.artwork, feed_url=urls.feed, layout=layout,
                          theme=theme, manifest_url=urls.manifest(episode.guid))
    write_atomic(page_out, result.html.encode("utf-8"))
    click.echo(f"{page_out}: {result.placement}")
    if not urls.base.startswith(("http://", "https://")):
        click.echo(f"  links to the feed relative to the page ({urls.base or './'}): serve {feeds_root} "
                   "with `narrate serve` to preview it")
    else:
        _warn_placeholder(feed, urls)
    click.echo(f"  marked {result.marked_sentences} of {result.total_sentences} sentences for read-along")
    if not result.found_placeholder:
        click.echo("  tip: pass --selector to choose where the player goes", err=True)


@click.command("show-page")
@click.argument("feed_name", metavar="FEED")
@feeds_option
@BASE_URL_OPTION
@friendly_errors
def show_page(feed_name: str, feeds_root: Path, base_url: str | None) -> None:
    """Write feeds/FEED/index.html: the show page with subscribe links and every episode's player.

    Its links to the feed folder's files are relative (the page works wherever it is served) unless
    --base-url makes them absolute."""
    from narrate.web.show import write_feed_show_page

    click.echo(str(write_feed_show_page(_feed(feeds_root, feed_name), base_url=base_url)))


@click.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the preview reachable from other machines.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("feeds"),
              show_default=True, help="Folder to serve.")
@friendly_errors
def serve(port: int, host: str, root: Path) -> None:
    """Serve the feeds folder for previews and small deployments (byte ranges, podcast MIME types, CORS).

    For production, put the feeds folder behind any static web server or CDN.
    """
    from narrate.web.serve import create_app, show_page_urls

    app = create_app(root)
    import uvicorn

    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    for url in show_page_urls(root, base):
        click.echo(f"show page: {url}")
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


WEB_COMMANDS: tuple[click.Command, ...] = (embed, page, show_page, serve)
"""The commands ``narrate.cli`` adds to the ``narrate`` group."""
