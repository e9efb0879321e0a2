"""An episode's stable address: a small mutable JSON manifest per GUID naming its current files.

Audio, transcript and chapters are content-hashed and never overwritten, so their names change whenever an
article is narrated again; the manifest's name comes from the GUID alone (not the slug, which moves when a
headline is edited), so an embed that points at it keeps working after every edit.
"""

from __future__ import annotations

import hashlib

MANIFESTS = "manifests"
"""The feed folder's subfolder of manifests (published with feed.xml, under ``base_url``)."""


def manifest_id(guid: str) -> str:
    """A short, stable, URL-safe id for an episode's GUID."""
    return hashlib.sha256(guid.encode()).hexdigest()[:16]


def manifest_name(guid: str) -> str:
    """The manifest's path inside the feed folder (and under the feed's ``base_url``)."""
    return f"{MANIFESTS}/{manifest_id(guid)}.json"
