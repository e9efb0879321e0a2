"""The static show page, ``feeds/<name>/index.html``: artwork, description, subscribe links and every
episode with its player. It needs no server code: any static host serves it."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlsplit

from narrate.model import Episode
from narrate.publish.feed import Feed
from narrate.publish.files import FileWriter, WriteStep, write_atomic
from narrate.web.embed import player_element, player_script_tag, player_source

PLAYER_ASSETS = ("player.js", "player.css")
PLAYER_DIR = "player"
"""Where a feed directory keeps its copy of the player, so the show page works on any static host."""


@dataclass(frozen=True)
class Show:
    """What the show page says about the podcast."""

    title: str
    description: str
    feed_url: str
    """Absolute URL of feed.xml, for subscribing."""
    artwork_url: str | None = None
    author: str | None = None
    link: str | None = None
    language: str = "en"


@dataclass(frozen=True)
class SubscribeLink:
    """One way to subscribe: an app's name and the URL that opens it on the feed."""

    label: str
    url: str


def subscribe_links(feed_url: str) -> tuple[SubscribeLink, ...]:
    """Links that open the feed in common podcast apps, then the feed itself."""
    parts = urlsplit(feed_url)
    without_scheme = feed_url.split("://", 1)[1] if "://" in feed_url else feed_url
    links = []
    if parts.scheme in ("http", "https"):
        links += [
            SubscribeLink("Apple Podcasts", f"podcast://{without_scheme}"),
            SubscribeLink("Overcast", f"overcast://x-callback-url/add?url={quote(feed_url, safe='')}"),
            SubscribeLink("Pocket Casts", f"pktc://subscribe/{without_scheme}"),
        ]
    links.append(SubscribeLink("RSS feed", feed_url))
    return tuple(links)


def _show_css() -> str:
    return (resources.files("narrate.web") / "static" / "show.css").read_text(encoding="utf-8")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def render_show_page(
    show: Show,
    episodes: Sequence[Episode],
    *,
    media_base_url: str,
    player_base_url: str = PLAYER_DIR,
) -> str:
    """The show page's HTML: newest episode first; every text from a feed or article is escaped."""
    newest_first = sorted(episodes, key=lambda e: e.published, reverse=True)
    items = "\n".join(_episode_html(show, episode, media_base_url) for episode in newest_first)
    if not newest_first:
        items = '<p class="empty">No episodes yet.</p>'
    artwork = (
        f'<img class="artwork" src="{_e(show.artwork_url)}" alt="" width="160" height="160">'
        if show.artwork_url
        else ""
    )
    author = f'<p class="author">{_e(show.author)}</p>' if show.author else ""
    website = f'<p><a href="{_e(show.link)}">Website</a></p>' if show.link else ""
    apps = "\n".join(
        f'<li><a href="{_e(link.url)}">{_e(link.label)}</a></li>' for link in subscribe_links(show.feed_url)
    )
    return f"""<!doctype html>
<html lang="{_e(show.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(show.title)}</title>
<meta name="description" content="{_e(show.description)}">
<link rel="alternate" type="application/rss+xml" title="{_e(show.title)}" href="{_e(show.feed_url)}">
{player_script_tag(player_base_url)}
<style>{_show_css()}</style>
</head>
<body>
<header class="show">
{artwork}
<div class="about">
<p class="kicker">Podcast</p>
<h1>{_e(show.title)}</h1>
{author}
<p class="description">{_e(show.description)}</p>
{website}
</div>
</header>
<main>
<section class="subscribe" aria-labelledby="subscribe-heading">
<h2 id="subscribe-heading">Subscribe</h2>
<p>Open the show in your podcast app, or paste the feed address into any app that accepts RSS.</p>
<ul class="apps">
{apps}
</ul>
<label class="feed-label" for="feed-url">Feed address</label>
<input id="feed-url" class="feed-url" type="text" readonly value="{_e(show.feed_url)}">
</section>
<section class="episodes" aria-labelledby="episodes-heading">
<h2 id="episodes-heading">Episodes</h2>
{items}
</section>
</main>
</body>
</html>
"""


def _episode_html(show: Show, episode: Episode, media_base_url: str) -> str:
    source = player_source(
        episode, media_base_url=media_base_url, artist=show.author or show.title, artwork_url=show.artwork_url
    )
    date = episode.published
    when = f'<time datetime="{_e(date.isoformat())}">{date.day} {date:%B %Y}</time>'
    original = f' · <a href="{_e(episode.link)}">Read the article</a>' if episode.link else ""
    return f"""<article class="episode">
<h3>{_e(episode.title)}</h3>
<p class="details">{when} · {_minutes(episode.duration)}{original}</p>
<p class="summary">{_e(episode.description)}</p>
{player_element(source, compact=True)}
</article>"""


def install_player_assets(directory: Path, write: FileWriter | None = None) -> Path:
    """Copy the player's JS and CSS into ``directory/player`` (through ``write``, a feed's writer, when given)
    and return that folder."""
    target = directory / PLAYER_DIR
    static = resources.files("narrate.web") / "static"
    for name in PLAYER_ASSETS:
        data = (static / name).read_bytes()
        if write is not None:
            write(WriteStep.SHOW_PAGE, f"{PLAYER_DIR}/{name}", data)
        else:
            write_atomic(target / name, data)
    return target


def write_show_page(
    feed_dir: Path, show: Show, episodes: Sequence[Episode], *, media_base_url: str = "episodes",
    write: FileWriter | None = None,
) -> Path:
    """Write ``feed_dir/index.html`` and the player files it uses (through ``write``, a feed's writer, when
    given); return the page's path."""
    install_player_assets(feed_dir, write)
    page = render_show_page(show, episodes, media_base_url=media_base_url).encode("utf-8")
    if write is not None:
        return write(WriteStep.SHOW_PAGE, "index.html", page)
    write_atomic(feed_dir / "index.html", page)
    return feed_dir / "index.html"


def write_feed_show_page(feed: Feed, episodes: Sequence[Episode] | None = None,
                         artwork_url: str | None = None, *, base_url: str | None = None) -> Path:
    """Write the show page of a feed from its settings and episode records.

    Publishing passes what it has just written (the episodes, the artwork URL in feed.xml);
    ``narrate show-page`` passes only the feed. Files of the feed folder (episodes/, the artwork) are linked
    relatively, so the page works wherever it is served (a preview on another port too); with ``base_url``
    every link is absolute under it instead.
    """
    from narrate.publish.episode import publish_artwork

    settings = feed.settings.show
    artwork = artwork_url or publish_artwork(feed)
    base = base_url.rstrip("/") + "/" if base_url else ""
    if artwork.startswith(settings.base_url):
        artwork = base + artwork[len(settings.base_url):]
    show = Show(
        title=settings.title, description=settings.description,
        feed_url=f"{base}feed.xml" if base else settings.feed_url,
        artwork_url=artwork, author=settings.author, link=settings.link, language=settings.language,
    )
    media = feed.settings.media.media_url or f"{base}episodes"
    return write_show_page(feed.path, show, feed.store.episodes() if episodes is None else episodes,
                           media_base_url=media, write=feed.write_file)


def show_page_view(feed: Feed, episodes: Sequence[Episode], artwork_url: str) -> None:
    """The show page as a feed's view: rewritten after each feed.xml, listing the same episodes."""
    write_feed_show_page(feed, episodes, artwork_url)
