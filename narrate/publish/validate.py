"""Check a podcast feed the way Apple Podcasts and Podcasting 2.0 apps will read it.

Every rule is a small function that yields findings; ``validate_feed`` runs them all. Errors are what
Apple or the namespace schema would reject; warnings are what apps cope with but should not see.
``podcast:*`` elements are validated against the official XSD of the Podcasting 2.0 namespace
(``narrate/data/podcast-namespace/``, CC0), element by element inside the schema's test wrapper.
"""

from __future__ import annotations

import email.utils
import re
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrate.errors import InputError
from narrate.publish.rss import podcast_guid
from narrate.publish.settings import PLACEHOLDER_EMAIL, is_placeholder_url

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
ENCLOSURE_TYPES = ("audio/x-m4a", "audio/mpeg", "video/quicktime", "video/mp4", "video/x-m4v", "application/pdf")
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}


@dataclass(frozen=True)
class Finding:
    """One problem found in a feed."""

    level: str
    """``error`` or ``warning``."""
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


@dataclass(frozen=True)
class FeedSource:
    """The feed's bytes, and its directory when it is a local file (for enclosure and artwork checks)."""

    data: bytes
    local_dir: Path | None


def read_source(location: str) -> FeedSource:
    """A feed from a path or an http(s) URL."""
    if location.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(location, timeout=30) as response:
                return FeedSource(response.read(), None)
        except OSError as error:
            raise InputError(f"{location}: cannot fetch the feed ({error})") from error
    path = Path(location)
    if not path.is_file():
        raise InputError(f"{location}: no such feed file")
    return FeedSource(path.read_bytes(), path.resolve().parent)


def validate_feed(source: FeedSource) -> list[Finding]:
    """Every finding about the feed, errors first."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(source.data, parser)
    except etree.XMLSyntaxError as error:
        return [Finding("error", "feed", f"not well-formed XML: {error}")]
    findings = list(_channel(root, source))
    findings += _placeholders(root)
    findings += _items(root, source)
    findings += _schema(root)
    return sorted(findings, key=lambda f: f.level != "error")


PUBLISHED_ADDRESSES = (
    ("channel/link", "channel/link", None),
    ("channel/atom:link", "channel/atom:link[@rel='self']", "href"),
    ("channel/itunes:image", "channel/itunes:image", "href"),
    ("item/enclosure", "channel/item/enclosure", "url"),
    ("item/podcast:transcript", "channel/item/podcast:transcript", "url"),
    ("item/podcast:chapters", "channel/item/podcast:chapters", "url"),
    ("item/itunes:image", "channel/item/itunes:image", "href"),
)
"""The addresses a feed publishes itself at (not the articles it links to), where a placeholder means
listeners get nothing."""


def _placeholders(root: Any) -> Iterator[Finding]:
    """A warning per kind of address still at a new feed.toml's placeholder host (example.org)."""
    for where, path, attribute in PUBLISHED_ADDRESSES:
        values = [e.get(attribute) if attribute else e.text for e in root.iterfind(path, NS)]
        found = [v for v in values if is_placeholder_url(v)]
        if found:
            count = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            yield Finding("warning", where, f"{found[0]}{count} is a placeholder address nobody can fetch; "
                                            "set base_url (and media_url, link) in feed.toml")
    owner = _text(root, "channel/itunes:owner/itunes:email")
    if owner == PLACEHOLDER_EMAIL:
        yield Finding("warning", "channel/itunes:owner/itunes:email",
                      f"{owner} is a placeholder; set email in feed.toml (Apple mails the owner)")


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None or found.text is None else str(found.text).strip()


def _channel(root: Any, source: FeedSource) -> Iterator[Finding]:
    if root.tag != "rss" or root.get("version") != "2.0":
        yield Finding("error", "rss", "the root element must be <rss version=\"2.0\">")
    channel = root.find("channel")
    if channel is None:
        yield Finding("error", "rss", "no <channel>")
        return
    for tag in ("title", "description", "language", "link"):
        if not _text(channel, tag):
            yield Finding("error" if tag != "link" else "warning", "channel", f"<{tag}> is missing or empty")
    description = _text(channel, "description") or ""
    if len(description.encode()) > 4000:
        yield Finding("error", "channel/description", f"{len(description.encode())} bytes; Apple allows 4000")
    language = _text(channel, "language") or ""
    if language and not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", language):
        yield Finding("error", "channel/language", f"'{language}' is not an ISO 639 code")
    yield from _category(channel)
    explicit = _text(channel, "itunes:explicit")
    if explicit is None:
        yield Finding("error", "channel", "<itunes:explicit> is missing")
    elif explicit.lower() not in ("true", "false"):
        yield Finding("warning" if explicit in ("yes", "no", "clean") else "error", "channel/itunes:explicit",
                      f"'{explicit}'; Apple takes true or false")
    for tag in ("itunes:author", "itunes:owner/itunes:email"):
        if not _text(channel, tag):
            yield Finding("warning", "channel", f"<{tag}> is missing")
    kind = _text(channel, "itunes:type")
    if kind not in (None, "episodic", "serial"):
        yield Finding("error", "channel/itunes:type", f"'{kind}'; Apple takes episodic or serial")
    if channel.find("atom:link[@rel='self']", NS) is None:
        yield Finding("warning", "channel", "no <atom:link rel=\"self\">")
    guid = _text(channel, "podcast:guid")
    if guid is None:
        yield Finding("warning", "channel", "no <podcast:guid>")
    else:
        try:
            if uuid.UUID(guid).version != 5:
                yield Finding("error", "channel/podcast:guid", f"{guid} is not a UUIDv5")
        except ValueError:
            yield Finding("error", "channel/podcast:guid", f"'{guid}' is not a UUID")
        self_link = channel.find("atom:link[@rel='self']", NS)
        if self_link is not None and guid != podcast_guid(self_link.get("href", "")):
            # Allowed (a moved feed keeps its GUID), but usually a mistake in a new feed.
            yield Finding("warning", "channel/podcast:guid", f"{guid} is not derived from the self link's URL")
    if channel.find("podcast:locked", NS) is None:
        yield Finding("warning", "channel", "no <podcast:locked>")
    yield from _artwork(channel, source)


def _category(channel: Any) -> Iterator[Finding]:
    from narrate.publish.categories import category_problem

    categories = channel.findall("itunes:category", NS)
    if not categories:
        yield Finding("error", "channel", "<itunes:category> is missing")
    for category in categories:
        subs = category.findall("itunes:category", NS) or [None]
        for sub in subs:
            problem = category_problem(category.get("text", ""), None if sub is None else sub.get("text", ""))
            if problem:
                yield Finding("error", "channel/itunes:category", problem)


def _local(url: str, channel: Any, source: FeedSource) -> Path | None:
    """The local file a URL of this feed points to, when the feed was read from disk."""
    if source.local_dir is None:
        return None
    self_link = channel.find("atom:link[@rel='self']", NS)
    base = self_link.get("href", "").rsplit("/", 1)[0] + "/" if self_link is not None else ""
    if not base or not url.startswith(base):
        return None
    return source.local_dir / url[len(base):]


def _artwork(channel: Any, source: FeedSource) -> Iterator[Finding]:
    from narrate.publish.artwork import artwork_problems

    image = channel.find("itunes:image", NS)
    href = image.get("href") if image is not None else None
    if not href:
        yield Finding("error", "channel", "<itunes:image href> is missing")
        return
    if not href.lower().endswith((".jpg", ".jpeg", ".png")):
        yield Finding("error", "channel/itunes:image", f"{href}: Apple takes .jpg or .png artwork")
    local = _local(href, channel, source)
    if local is not None:
        if not local.is_file():
            yield Finding("error", "channel/itunes:image", f"{href}: no such file {local}")
        else:
            for problem in artwork_problems(local.read_bytes(), local.name):
                yield Finding("error", "channel/itunes:image", problem)


def _items(root: Any, source: FeedSource) -> Iterator[Finding]:
    channel = root.find("channel")
    if channel is None:
        return
    items = channel.findall("item")
    guids = Counter(_text(item, "guid") for item in items)
    urls = Counter(e.get("url") for e in channel.findall("item/enclosure"))
    for number, item in enumerate(items, start=1):
        where = f"item {number} ({_text(item, 'title') or 'untitled'})"
        if not _text(item, "title"):
            yield Finding("error", where, "<title> is missing")
        guid = _text(item, "guid")
        if not guid:
            yield Finding("warning", where, "<guid> is missing")
        elif guids[guid] > 1:
            yield Finding("error", where, f"GUID {guid} is used by {guids[guid]} items")
        description = _text(item, "description") or ""
        if len(description.encode()) > 4000:
            yield Finding("error", where, f"description is {len(description.encode())} bytes; Apple allows 4000")
        date = _text(item, "pubDate")
        if not date:
            yield Finding("warning", where, "<pubDate> is missing")
        else:
            try:
                email.utils.parsedate_to_datetime(date)
            except (TypeError, ValueError):
                yield Finding("error", where, f"pubDate '{date}' is not an RFC 2822 date")
        duration = _text(item, "itunes:duration")
        if duration is not None and not re.fullmatch(r"\d+|(\d+:)?\d{1,2}:\d{2}", duration):
            yield Finding("error", where, f"itunes:duration '{duration}' is neither seconds nor [HH:]MM:SS")
        kind = _text(item, "itunes:episodeType")
        if kind not in (None, "full", "trailer", "bonus"):
            yield Finding("error", where, f"itunes:episodeType '{kind}'; Apple takes full, trailer or bonus")
        yield from _enclosure(item, where, urls, channel, source)
        yield from _item_extras(item, where, channel, source)


def _enclosure(item: Any, where: str, urls: Counter[str | None], channel: Any, source: FeedSource) -> Iterator[Finding]:
    enclosures = item.findall("enclosure")
    if len(enclosures) != 1:
        yield Finding("error", where, f"{len(enclosures)} enclosures; an episode has exactly one")
        return
    [enclosure] = enclosures
    url, length, kind = enclosure.get("url"), enclosure.get("length", ""), enclosure.get("type")
    if not url or not url.startswith(("http://", "https://")):
        yield Finding("error", where, f"enclosure url '{url}' is not an http(s) URL")
        return
    if not url.isascii() or " " in url:
        yield Finding("error", where, f"enclosure url {url} must be plain ASCII without spaces")
    if urls[url] > 1:
        yield Finding("error", where, f"enclosure {url} is shared by {urls[url]} items")
    if kind not in ENCLOSURE_TYPES:
        yield Finding("error", where, f"enclosure type '{kind}'; Apple takes {', '.join(ENCLOSURE_TYPES)}")
    if not length.isdigit() or int(length) <= 0:
        yield Finding("error", where, f"enclosure length '{length}' is not a byte count")
        return
    local = _local(url, channel, source)
    if local is not None:
        if not local.is_file():
            yield Finding("error", where, f"enclosure file {local} does not exist")
        elif local.stat().st_size != int(length):
            actual = local.stat().st_size
            yield Finding("error", where, f"enclosure length {length} but {local.name} has {actual} bytes")


@lru_cache(maxsize=1)
def taxonomy() -> frozenset[tuple[str, str]]:
    """The (group, role) pairs of the Podcast Taxonomy (``taxonomy-en.json``), lower case."""
    import json
    from importlib import resources

    text = resources.files("narrate").joinpath("data/podcast-namespace/taxonomy-en.json").read_text(encoding="utf-8")
    return frozenset((entry["group"].lower(), entry["role"].lower()) for entry in json.loads(text))


def _item_extras(item: Any, where: str, channel: Any, source: FeedSource) -> Iterator[Finding]:
    """The item's ``<link>``, its own artwork and its ``podcast:person`` credits."""
    from narrate.publish.artwork import artwork_problems

    link = _text(item, "link")
    if link is not None and not link.startswith(("http://", "https://")):
        yield Finding("error", where, f"<link> '{link}' is not an http(s) URL")
    image = item.find("itunes:image", NS)
    if image is not None:
        href = image.get("href") or ""
        if not href.lower().endswith((".jpg", ".jpeg", ".png")):
            yield Finding("error", f"{where}/itunes:image", f"'{href}': Apple takes .jpg or .png artwork")
        local = _local(href, channel, source)
        if local is not None:
            if not local.is_file():
                yield Finding("error", f"{where}/itunes:image", f"{href}: no such file {local}")
            else:
                for problem in artwork_problems(local.read_bytes(), local.name):
                    yield Finding("error", f"{where}/itunes:image", problem)
    known = taxonomy()
    groups = {group for group, _ in known}
    for person in item.findall("podcast:person", NS):
        name = (person.text or "").strip()
        group, role = person.get("group", "cast").lower(), person.get("role", "host").lower()
        if not name:
            yield Finding("error", f"{where}/podcast:person", "the person's name is empty")
        elif len(name) > 128:
            yield Finding("warning", f"{where}/podcast:person", f"{name[:30]}...: over 128 characters")
        if group not in groups:
            yield Finding("error", f"{where}/podcast:person", f"group '{group}' is not in the Podcast Taxonomy")
        elif (group, role) not in known:
            yield Finding("error", f"{where}/podcast:person",
                          f"role '{role}' is not a role of the group '{group}' in the Podcast Taxonomy")


@lru_cache(maxsize=1)
def _podcast_schema() -> Any:
    from importlib import resources

    from lxml import etree

    with resources.as_file(resources.files("narrate").joinpath("data/podcast-namespace")) as folder:
        return etree.XMLSchema(etree.parse(str(Path(folder) / "podcast-wrapper.xsd")))


@lru_cache(maxsize=1)
def _declared_elements() -> frozenset[str]:
    from importlib import resources

    text = resources.files("narrate").joinpath("data/podcast-namespace/podcast.xsd").read_text(encoding="utf-8")
    return frozenset(re.findall(r'<xs:element name="([A-Za-z]+)"', text))


def _schema(root: Any) -> Iterator[Finding]:
    """Each ``podcast:*`` element against the namespace's XSD, inside the schema's test wrapper."""
    import copy

    from lxml import etree

    schema = _podcast_schema()
    declared = _declared_elements()
    for element in root.iter(f"{{{PODCAST}}}*"):
        name = etree.QName(element).localname
        where = f"{root.getroottree().getpath(element.getparent())}/podcast:{name}"
        if name not in declared:
            if name != "guid":  # podcast:guid is checked above; the shipped XSD predates it
                yield Finding("warning", where, "not declared in the namespace XSD shipped with narrate")
            continue
        wrapper = etree.Element(f"{{{PODCAST}}}test-wrapper", nsmap={"podcast": PODCAST})
        wrapper.append(copy.deepcopy(element))
        if not schema.validate(wrapper):
            for entry in schema.error_log:
                yield Finding("error", where, f"XSD: {entry.message}")
