"""A feed's settings (``feeds/<name>/feed.toml``) read into validated values, split by what they decide.

feed.toml stays one flat table for the people who edit it; in code its keys are four parts: the show
(what apps display), the production (who reads and what plays around the speech), the encoding (the
audio layer's own ``EncodeOptions``), and the media location. Reading settings never writes a file: creating a feed is
:meth:`narrate.publish.feed.Feed.create`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from narrate.audio.encode import BITRATES, FORMATS, EncodeOptions
from narrate.errors import ConfigError
from narrate.settings import parse_toml, read_toml

DEFAULT_FEED_TOML = """\
# Settings of this podcast feed. Edit freely; `narrate article FILE --feed {name}` reads them.
title = "{title}"
description = "Articles from {title}, narrated."
author = "narrate"
email = "podcasts@example.org"
language = "en"
# Where feed.xml and episodes/ are published; enclosure URLs start with this.
base_url = "https://example.org/podcasts/{name}/"
link = "https://example.org/"
category = "News"
explicit = false
cast = "default"
# Optional: format = "m4a" (AAC) instead of "mp3"; bitrate = "64k" .. "128k";
# image = "cover.png" (a file here, square 1400-3000 px) or an https URL; without one a cover is drawn;
# intro = "intro.wav", outro = "outro.wav", music_bed = "bed.wav" (files here; the bed plays under
# announcements, ducked under the speech); locked = true (podcast:locked, other hosts may not import).
# Episode files go to episodes/ here unless media names another folder or a URL such as
# media = "s3://bucket/podcasts/{name}/" (needs narrate[s3]; credentials from the environment), with
# media_url = "https://cdn.example.org/podcasts/{name}/" saying where listeners fetch them.
# narrate deletes only files it wrote that no episode uses: replaced ones after keep_replaced_days = 7.
# Every episode ends with a spoken line saying the voice is synthetic (and the show notes say so too):
# disclosure = false turns it off; disclosure_text = "..." changes its wording.
# Retention: keep_episodes = 50 and/or keep_days = 30 keep feed.xml light (older episodes leave the feed
# and their files follow). enclosure_prefix = "https://dts.example.net/redirect.mp3/" puts a
# download-measurement service in front of every enclosure URL.
# check_model = "/models/whisper-base" (a faster-whisper model folder for `narrate check`, narrate[check]).
"""
DEFAULT_DISCLOSURE = "This article was read by an automated voice."
"""What the disclosure chapter says (Apple's and Acast's guidelines ask for AI narration to be disclosed)."""


@dataclass(frozen=True)
class ShowSettings:
    """What podcast apps show about the feed, and where it is published."""

    title: str
    description: str
    base_url: str
    """Where feed.xml (and, unless ``media_url`` says otherwise, episodes/) is published; ends with /."""
    author: str = "narrate"
    email: str | None = None
    language: str = "en"
    link: str | None = None
    category: str = "News"
    subcategory: str | None = None
    explicit: bool = False
    image: str | None = None
    """Square artwork (1400-3000 px, JPEG/PNG): an http(s) URL, or a file in the feed directory.
    Without one, a cover is drawn from the title."""
    locked: bool = True
    """``podcast:locked``: other platforms may not import the feed (needs ``email`` as the owner)."""
    itunes_type: str = "episodic"
    """``episodic`` (newest first) or ``serial``."""
    enclosure_prefix: str | None = None
    """Put in front of every enclosure URL (a download-measurement service such as
    ``https://dts.example.net/redirect.mp3/``), and nowhere else; the scheme of the URL it prefixes is dropped
    when the prefix ends with ``/``, the way those services take it."""
    keep_episodes: int | None = None
    """Retention: feed.xml lists at most this many episodes, newest first."""
    keep_days: int | None = None
    """Retention: feed.xml lists only episodes published in the last this many days."""

    @property
    def image_url(self) -> str | None:
        """The artwork URL when ``image`` is one (a local file is published under a hashed name)."""
        if self.image and self.image.startswith(("http://", "https://")):
            return self.image
        return None

    @property
    def feed_url(self) -> str:
        """Public URL of feed.xml."""
        return self.base_url + "feed.xml"


@dataclass(frozen=True)
class ProductionSettings:
    """Who reads the episodes, with which words, and what plays around the speech."""

    cast: str = "default"
    """The voice cast (``voices/NAME.cast.toml``) this feed's episodes are read with."""
    lexicon: str | None = None
    """A lexicon file of this feed, relative to the feed directory."""
    intro: str | None = None
    """Audio file (in the feed directory) played before every episode."""
    outro: str | None = None
    """Audio file (in the feed directory) played after every episode."""
    music_bed: str | None = None
    """Audio file (in the feed directory) looped under announcements, ducked under speech."""
    disclosure: bool = True
    """Every episode ends with a spoken chapter saying the voice is synthetic, and the show notes say so."""
    disclosure_text: str = DEFAULT_DISCLOSURE
    """The words of that chapter and sentence."""


@dataclass(frozen=True)
class MediaSettings:
    """Where episode files are written and served from."""

    media: str | None = None
    """A folder (relative to the feed directory, or absolute, e.g. a share every batch worker mounts) or an
    fsspec URL (``s3://bucket/prefix/``). Default ``episodes``."""
    media_url: str | None = None
    """Public URL of the media location; default ``base_url`` + ``episodes/``."""
    media_options: dict[str, Any] | None = None
    """fsspec storage options for ``media`` (``endpoint_url``, ``profile``); never secrets."""
    keep_replaced_days: float = 7.0
    """Days a file no episode references any more (an edited episode's old audio, an old cover) is kept before
    it is deleted, for players and embeds that still point at it; ``narrate feed remove`` deletes at once."""


@dataclass(frozen=True)
class CheckSettings:
    """How ``narrate check`` hears this feed's episodes back (never part of a render key)."""

    check_model: str | None = None
    """A faster-whisper model folder (absolute, or relative to the feed directory)."""


PARTS: dict[str, type[Any]] = {"show": ShowSettings, "production": ProductionSettings,
                               "encoding": EncodeOptions, "media": MediaSettings, "check": CheckSettings}
KEY_ORDER = ("title", "description", "base_url", "author", "email", "language", "link", "category", "subcategory",
             "explicit", "image", "cast", "lexicon", "bitrate", "format", "intro", "outro", "music_bed", "locked",
             "itunes_type", "media", "media_url", "media_options")
"""feed.toml's keys in the order of the flat settings of narrate 0.1, which render keys were made from."""
LATER_KEYS = ("disclosure", "disclosure_text", "enclosure_prefix", "keep_episodes", "keep_days")
"""Keys added since: not in :meth:`FeedSettings.fingerprint`, so existing render keys stay. None of them
changes an episode's files except the disclosure, which is a chapter of the script and so in the render key's
text already."""


@dataclass(frozen=True)
class FeedSettings:
    """Everything feed.toml says, by part."""

    name: str
    show: ShowSettings
    production: ProductionSettings = field(default_factory=ProductionSettings)
    encoding: EncodeOptions = field(default_factory=EncodeOptions)
    """Bitrate and format (feed.toml sets these two; the output rate is narrate's)."""
    media: MediaSettings = field(default_factory=MediaSettings)
    check: CheckSettings = field(default_factory=CheckSettings)

    @property
    def feed_url(self) -> str:
        """Public URL of feed.xml."""
        return self.show.feed_url

    @property
    def media_base_url(self) -> str:
        """Public URL of the folder of episode files."""
        return self.media.media_url or f"{self.show.base_url}episodes/"

    def episode_url(self, file_name: str) -> str:
        """Public URL of a published episode file."""
        return self.media_base_url + file_name

    def enclosure_url(self, file_name: str) -> str:
        """The URL of an episode's audio in its enclosure: :meth:`episode_url` behind ``enclosure_prefix``."""
        url = self.episode_url(file_name)
        prefix = self.show.enclosure_prefix
        if not prefix:
            return url
        return prefix + url.split("://", 1)[1] if prefix.endswith("/") else prefix + url

    def values(self) -> dict[str, Any]:
        """Every setting by its feed.toml key."""
        return {f.name: getattr(getattr(self, part), f.name)
                for part, kind in PARTS.items() for f in fields(kind) if f.name in KNOWN_KEYS}

    def fingerprint(self) -> str:
        """The settings as render keys have always seen them (the flat ``FeedConfig`` of narrate 0.1), so that
        splitting the settings into parts does not re-render every published episode."""
        values = self.values()
        inner = ", ".join(f"{key}={values[key]!r}" for key in KEY_ORDER)
        return f"FeedConfig(name={self.name!r}, {inner})"

    @classmethod
    def from_values(cls, name: str, values: dict[str, Any]) -> FeedSettings:
        """Settings from feed.toml's flat keys (already validated)."""
        parts = {part: kind(**{f.name: values[f.name] for f in fields(kind) if f.name in values})
                 for part, kind in PARTS.items()}
        return cls(name=name, **parts)


KNOWN_KEYS = frozenset((*KEY_ORDER, *LATER_KEYS, "keep_replaced_days", "check_model"))
"""Keys after KEY_ORDER decide nothing in an episode's files unless set, so they stay out of the render key;
``check_model`` is ``narrate check``'s."""


PLACEHOLDER_HOSTS = frozenset({"example.org", "example.com", "example.net"})
"""Where a new feed.toml points until someone edits it (RFC 2606 names: nothing is published there)."""
PLACEHOLDER_EMAIL = "podcasts@example.org"


def is_placeholder_url(url: str | None) -> bool:
    """Whether ``url`` is at a placeholder host (``example.org`` and co.), where no listener can fetch it."""
    if not url:
        return False
    return (urlsplit(url).hostname or "").lower().rstrip(".") in PLACEHOLDER_HOSTS


def placeholder_settings(settings: FeedSettings) -> list[str]:
    """The feed.toml keys that still hold a new feed's placeholders, as ``key = value``."""
    show, media = settings.show, settings.media
    found = [(key, value) for key, value in (("base_url", show.base_url), ("link", show.link),
                                             ("media_url", media.media_url), ("image", show.image))
             if isinstance(value, str) and is_placeholder_url(value)]
    if show.email == PLACEHOLDER_EMAIL:
        found.append(("email", show.email))
    return [f"{key} = {value}" for key, value in found]


def default_feed_toml(name: str) -> str:
    """The commented feed.toml a new feed starts with."""
    title = name.replace("-", " ").replace("_", " ").title()
    return DEFAULT_FEED_TOML.format(name=name, title=title)


def read_feed_settings(feed_dir: Path) -> FeedSettings:
    """Read and validate ``feed_dir/feed.toml``; it must exist (reading never writes)."""
    path = feed_dir / "feed.toml"
    if not path.is_file():
        raise ConfigError(f"{feed_dir}: no feed here (no feed.toml); `narrate article SOURCE --feed "
                          f"{feed_dir.name}` creates one")
    return _validated(path, feed_dir, read_toml(path, KNOWN_KEYS))


def default_feed_settings(feed_dir: Path) -> FeedSettings:
    """The settings a new feed in ``feed_dir`` would start with, without writing its feed.toml (dry runs)."""
    path = feed_dir / "feed.toml"
    return _validated(path, feed_dir, parse_toml(default_feed_toml(feed_dir.name), str(path), KNOWN_KEYS))


def _validated(path: Path, feed_dir: Path, data: dict[str, Any]) -> FeedSettings:
    for key in ("title", "description", "base_url"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: '{key}' is required and must be text")
    if not data["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{path}: base_url must be an http(s) URL")
    if not data["base_url"].endswith("/"):
        data["base_url"] += "/"
    _check_media(path, data)
    for key in ("explicit", "locked", "disclosure"):
        if key in data and not isinstance(data[key], bool):
            raise ConfigError(f"{path}: '{key}' must be true or false")
    for key in ("keep_episodes", "keep_days"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int) or data[key] < 1):
            raise ConfigError(f"{path}: '{key}' must be a whole number of at least 1")
    text = data.get("disclosure_text")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise ConfigError(f"{path}: 'disclosure_text' must be a sentence; to say nothing, set disclosure = false")
    prefix = data.get("enclosure_prefix")
    if prefix is not None and (not isinstance(prefix, str) or not prefix.startswith(("http://", "https://"))):
        raise ConfigError(f"{path}: enclosure_prefix must be an http(s) URL such as https://dts.example.net/x/")
    _check(path, feed_dir, data)
    return FeedSettings.from_values(feed_dir.name, data)


def _check(path: Path, feed_dir: Path, data: dict[str, Any]) -> None:
    """The values Apple or the encoder would reject, caught while the user is looking at feed.toml."""
    from narrate.publish.categories import category_problem

    if len(data["description"].encode()) > 4000:
        raise ConfigError(f"{path}: description is {len(data['description'].encode())} bytes; Apple allows 4000")
    problem = category_problem(data.get("category", "News"), data.get("subcategory"))
    if problem:
        raise ConfigError(f"{path}: {problem}")
    if data.get("format", "mp3") not in FORMATS:
        raise ConfigError(f"{path}: format must be one of {', '.join(FORMATS)}")
    if data.get("bitrate", "64k") not in BITRATES:
        raise ConfigError(f"{path}: bitrate must be one of {', '.join(BITRATES)}")
    if data.get("itunes_type", "episodic") not in ("episodic", "serial"):
        raise ConfigError(f"{path}: itunes_type must be episodic or serial")
    link = data.get("link")
    if link is not None and (not isinstance(link, str) or not link.startswith(("http://", "https://"))):
        raise ConfigError(f"{path}: link must be an http(s) URL")
    image = data.get("image")
    if isinstance(image, str) and "://" in image and not image.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: image must be a file in the feed folder or an http(s) URL")
    for key in ("intro", "outro", "music_bed", "image"):
        value = data.get(key)
        if value is None or (key == "image" and value.startswith(("http://", "https://"))):
            continue
        if not (feed_dir / value).is_file():
            raise ConfigError(f"{path}: {key} file {feed_dir / value} not found")


def _check_media(path: Path, data: dict[str, Any]) -> None:
    """A media location that is a URL needs the public URL listeners fetch its files from."""
    media, media_url = data.get("media"), data.get("media_url")
    if media is not None and (not isinstance(media, str) or not media.strip()):
        raise ConfigError(f"{path}: media must be a folder or a URL such as s3://bucket/prefix/")
    if media_url is not None:
        if not isinstance(media_url, str) or not media_url.startswith(("http://", "https://")):
            raise ConfigError(f"{path}: media_url must be an http(s) URL")
        if not media_url.endswith("/"):
            data["media_url"] = media_url + "/"
    elif media is not None and "://" in media and not media.startswith("file://"):
        raise ConfigError(f"{path}: media is {media}; add media_url, the public URL its files are served from")
    keep = data.get("keep_replaced_days")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, (int, float)) or keep < 0):
        raise ConfigError(f"{path}: keep_replaced_days must be a number of days, 0 or more")
    options = data.get("media_options")
    if options is not None and not isinstance(options, dict):
        raise ConfigError(f"{path}: media_options must be a table of fsspec storage options")
