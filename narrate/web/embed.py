"""The `<narrate-player>` element and `<script>` tag that put an episode's player on any page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from narrate.model import Episode, EpisodeFile

TRANSCRIPT_MIME = "text/vtt"
CHAPTERS_MIME = "application/json+chapters"
PLAYER_SCRIPT = "player.js"


@dataclass(frozen=True)
class PlayerSource:
    """Everything the player element points at, as absolute or page-relative URLs."""

    episode_id: str
    """Stable id under which the listening position is remembered (the episode GUID)."""
    title: str
    audio_url: str
    audio_type: str
    duration: float
    transcript_url: str | None = None
    chapters_url: str | None = None
    artist: str | None = None
    artwork_url: str | None = None
    feed_url: str | None = None
    """The podcast feed, for the player's subscribe menu."""
    manifest_url: str | None = None
    """The episode's stable manifest: the player reads its current files there, so the embed survives a
    re-narration (the other URLs paint the player until it is read, and serve players older than it)."""


THEMES = ("auto", "light", "dark")
"""``auto`` (no attribute) follows the host page's background; light and dark force one."""
LAYOUTS = ("bar", "full")
"""``bar``: one compact row that expands to ``full``; without the attribute the player is ``full``."""


def file_url(base_url: str, file: EpisodeFile) -> str:
    """Where ``file`` is published under ``base_url`` (a URL or a page-relative path)."""
    name = quote(file.name)
    return f"{base_url.rstrip('/')}/{name}" if base_url else name


def find_file(episode: Episode, mime_type: str) -> EpisodeFile | None:
    """The episode's extra file of this MIME type, if it has one."""
    return next((f for f in episode.extra_files if f.mime_type == mime_type), None)


def player_source(
    episode: Episode,
    *,
    media_base_url: str,
    artist: str | None = None,
    artwork_url: str | None = None,
    feed_url: str | None = None,
    manifest_url: str | None = None,
) -> PlayerSource:
    """The URLs and labels of ``episode``'s player, its files published at ``media_base_url``; the artwork (and
    the Media Session's image) is the episode's own when it has one, else ``artwork_url``."""
    transcript = find_file(episode, TRANSCRIPT_MIME)
    chapters = find_file(episode, CHAPTERS_MIME)
    return PlayerSource(
        episode_id=episode.guid,
        title=episode.title,
        audio_url=file_url(media_base_url, episode.audio),
        audio_type=episode.audio.mime_type,
        duration=episode.duration,
        transcript_url=file_url(media_base_url, transcript) if transcript else None,
        chapters_url=file_url(media_base_url, chapters) if chapters else None,
        artist=artist or episode.author,
        artwork_url=file_url(media_base_url, episode.image) if episode.image else artwork_url,
        feed_url=feed_url,
        manifest_url=manifest_url,
    )


def _attributes(pairs: list[tuple[str, str | None]]) -> str:
    return "".join(
        f' {name}="{html.escape(value, quote=True)}"' if value else f" {name}"
        for name, value in pairs
        if value is not None
    )


def player_element(
    source: PlayerSource,
    *,
    highlight_page: bool = False,
    compact: bool = False,
    layout: str | None = None,
    theme: str = "auto",
) -> str:
    """The `<narrate-player>` element; its light-DOM links are what a reader without JavaScript gets.

    ``highlight_page`` lets it highlight the page's sentence markers; ``compact`` leaves out its title;
    ``layout`` is ``bar`` or ``full`` (None: the attribute is left out, which means full); ``theme`` is
    one of ``THEMES`` (``auto`` leaves the attribute out).
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
    pairs: list[tuple[str, str | None]] = [
        ("manifest", source.manifest_url),
        ("src", source.audio_url),
        ("type", source.audio_type),
        ("episode", source.episode_id),
        ("episode-title", source.title),
        ("artist", source.artist),
        ("artwork", source.artwork_url),
        ("duration", f"{source.duration:.3f}"),
        ("transcript", source.transcript_url),
        ("chapters", source.chapters_url),
        ("feed", source.feed_url),
        ("layout", layout),
        ("theme", None if theme == "auto" else theme),
    ]
    if highlight_page:
        pairs.append(("highlight-page", ""))
    if compact:
        pairs.append(("compact", ""))
    # The audio starts loading its metadata as the page is parsed; the player adopts it when it runs.
    early = f'<audio src="{html.escape(source.audio_url)}" preload="metadata" hidden></audio>'
    fallback = early + f'<a href="{html.escape(source.audio_url)}">Listen to this article</a>'
    if source.transcript_url:
        fallback += f' · <a href="{html.escape(source.transcript_url)}">Transcript</a>'
    return f"<narrate-player{_attributes(pairs)}>{fallback}</narrate-player>"


def player_script_tag(player_base_url: str) -> str:
    """The module `<script>` that defines `<narrate-player>` (served with its CSS beside it)."""
    src = f"{player_base_url.rstrip('/')}/{PLAYER_SCRIPT}" if player_base_url else PLAYER_SCRIPT
    return f'<script type="module" src="{html.escape(src, quote=True)}"></script>'


def embed_snippet(
    episode: Episode,
    *,
    media_base_url: str,
    player_base_url: str,
    artist: str | None = None,
    artwork_url: str | None = None,
    feed_url: str | None = None,
    layout: str = "bar",
    theme: str = "auto",
    manifest_url: str | None = None,
) -> str:
    """The HTML a CMS pastes to show ``episode``'s player: the script tag and the element (with
    ``manifest_url``, the manifest form: the player follows the episode through re-narrations)."""
    source = player_source(
        episode, media_base_url=media_base_url, artist=artist, artwork_url=artwork_url, feed_url=feed_url,
        manifest_url=manifest_url,
    )
    return f"{player_script_tag(player_base_url)}\n{player_element(source, layout=layout, theme=theme)}\n"
