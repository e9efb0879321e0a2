"""A feed's settings (``feeds/<name>/feed.toml``) read into a validated dataclass."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from narrate.errors import ConfigError

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
"""


@dataclass(frozen=True)
class FeedConfig:
    """What a feed says about itself."""

    name: str
    title: str
    description: str
    base_url: str
    author: str = "narrate"
    email: str | None = None
    language: str = "en"
    link: str | None = None
    category: str = "News"
    subcategory: str | None = None
    explicit: bool = False
    image: str | None = None
    """URL of square artwork (1400-3000 px)."""
    cast: str = "default"
    """The voice cast (``voices/NAME.cast.toml``) this feed's episodes are read with."""
    lexicon: str | None = None
    """A lexicon file of this feed, relative to the feed directory."""
    bitrate: str = "64k"

    @property
    def feed_url(self) -> str:
        """Public URL of feed.xml."""
        return self.base_url + "feed.xml"

    def episode_url(self, file_name: str) -> str:
        """Public URL of a published episode file."""
        return f"{self.base_url}episodes/{file_name}"


def load_feed_config(feed_dir: Path) -> FeedConfig:
    """Read ``feed.toml``; a new feed directory gets a commented default one first."""
    path = feed_dir / "feed.toml"
    if not path.exists():
        from narrate.publish.atomic import write_atomic

        title = feed_dir.name.replace("-", " ").replace("_", " ").title()
        write_atomic(path, DEFAULT_FEED_TOML.format(name=feed_dir.name, title=title).encode())
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    known = {f.name for f in fields(FeedConfig)} - {"name"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for key in ("title", "description", "base_url"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: '{key}' is required and must be text")
    if not data["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{path}: base_url must be an http(s) URL")
    if not data["base_url"].endswith("/"):
        data["base_url"] += "/"
    if "explicit" in data and not isinstance(data["explicit"], bool):
        raise ConfigError(f"{path}: 'explicit' must be true or false")
    return FeedConfig(name=feed_dir.name, **data)
