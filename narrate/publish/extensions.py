"""feedgen extensions: Apple's explicit values and the Podcasting 2.0 namespace.

feedgen 1.0 writes ``itunes:explicit`` only as yes/no/clean, which Apple no longer lists; the
subclasses below keep everything else of feedgen's podcast extension and write ``true``/``false``.
The Podcasting 2.0 tags (``podcast:guid``, ``locked``, ``chapters``, ``transcript``) are an extension
of their own, registered with ``FeedGenerator.register_extension`` like feedgen's built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.podcast import PodcastExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from feedgen.util import xml_elem

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def _explicit(parent: Any, value: bool | None) -> None:
    if value is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", parent).text = "true" if value else "false"


class _TrueFalseExplicit:
    """``itunes:explicit`` as Apple documents it today (true/false); feedgen 1.0 writes only yes/no/clean."""

    def __init__(self) -> None:
        super().__init__()
        self._explicit: bool | None = None

    def itunes_explicit(self, itunes_explicit: bool | None = None) -> bool | None:
        """Get or set whether the show or episode is explicit (written as ``true`` or ``false``)."""
        if itunes_explicit is not None:
            if not isinstance(itunes_explicit, bool):
                raise ValueError("itunes:explicit is true or false")
            self._explicit = itunes_explicit
        return self._explicit


class ItunesExtension(_TrueFalseExplicit, PodcastExtension):  # type: ignore[misc]
    """feedgen's iTunes channel extension, with ``itunes:explicit`` as true/false."""

    def extend_rss(self, rss_feed: Any) -> Any:
        feed = super().extend_rss(rss_feed)
        _explicit(feed[0], self._explicit)
        return feed


class ItunesEntryExtension(_TrueFalseExplicit, PodcastEntryExtension):  # type: ignore[misc]
    """feedgen's iTunes item extension, with ``itunes:explicit`` as true/false."""

    def extend_rss(self, entry: Any) -> Any:
        item = super().extend_rss(entry)
        _explicit(item, self._explicit)
        return item


@dataclass(frozen=True)
class Transcript:
    """A ``podcast:transcript`` link."""

    url: str
    type: str
    rel: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Person:
    """A ``podcast:person`` credit: a name, and a group and role of the Podcast Taxonomy (taxonomy-en.json)."""

    name: str
    group: str
    role: str
    href: str | None = None


class PodcastIndexExtension(BaseExtension):  # type: ignore[misc]
    """Channel tags of the Podcasting 2.0 namespace: ``podcast:guid`` and ``podcast:locked``."""

    def __init__(self) -> None:
        self._guid: str | None = None
        self._locked: tuple[bool, str] | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def guid(self, value: str) -> None:
        """The feed's permanent GUID (see ``podcast_guid``)."""
        self._guid = value

    def locked(self, locked: bool, owner: str) -> None:
        """Whether other platforms may import the feed; ``owner`` is the email that proves ownership."""
        self._locked = (locked, owner)

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self._guid
        if self._locked:
            locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            locked.text = "yes" if self._locked[0] else "no"
            locked.attrib["owner"] = self._locked[1]
        return rss_feed


class PodcastIndexEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Item tags of the Podcasting 2.0 namespace: ``podcast:transcript``, ``podcast:chapters``,
    ``podcast:person``."""

    def __init__(self) -> None:
        self._transcripts: list[Transcript] = []
        self._chapters: tuple[str, str] | None = None
        self._persons: list[Person] = []

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def transcript(self, transcript: Transcript) -> None:
        """Add a transcript link; the first added is the one apps prefer."""
        self._transcripts.append(transcript)

    def chapters(self, url: str, mime_type: str = "application/json+chapters") -> None:
        """Link the episode's JSON chapters."""
        self._chapters = (url, mime_type)

    def person(self, person: Person) -> None:
        """Credit a person of the episode (the item's persons replace the channel's)."""
        self._persons.append(person)

    def extend_rss(self, entry: Any) -> Any:
        for person in self._persons:
            element = xml_elem(f"{{{PODCAST_NS}}}person", entry)
            element.text = person.name[:128]
            element.attrib["group"] = person.group.lower()
            element.attrib["role"] = person.role.lower()
            if person.href:
                element.attrib["href"] = person.href
        for transcript in self._transcripts:
            element = xml_elem(f"{{{PODCAST_NS}}}transcript", entry)
            element.attrib["url"] = transcript.url
            element.attrib["type"] = transcript.type
            if transcript.language:
                element.attrib["language"] = transcript.language
            if transcript.rel:
                element.attrib["rel"] = transcript.rel
        if self._chapters:
            element = xml_elem(f"{{{PODCAST_NS}}}chapters", entry)
            element.attrib["url"], element.attrib["type"] = self._chapters
        return entry
