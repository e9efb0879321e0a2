"""An episode's stable address: a small mutable JSON manifest per GUID naming its current files.

Audio, transcript and chapters are content-hashed and never overwritten, so their names change whenever an
article is narrated again; the manifest's name comes from the GUID alone (not the slug, which moves when a
headline is edited), so an embed that points at it keeps working after every edit.

Manifests follow feed.xml: each rewrite of feed.xml brings every episode's manifest up to date (writing only
those whose content changed or whose record is newer), so a feed published before manifests existed gets
them on its next publish or ``rebuild``. They live in ``manifests/`` of the feed folder, a location with a
ledger of its own (:mod:`narrate.publish.ledger`): a takedown deletes its manifest at once (the player reads
the 404 as "removed"; nothing naming the episode stays on the web root), an episode retired by the feed's
retention keeps its manifest as long as its media (``keep_replaced_days``), and a file narrate did not write
there is never deleted.

Every URL is given twice: ``url``, absolute from the feed's settings (for a CMS or an app), and, when the
file is published under the feed's ``base_url``, ``relative_url``, relative to the manifest's own URL. The
player resolves ``relative_url`` against the address it fetched the manifest from, so a feed folder served
anywhere (a preview on 127.0.0.1, a staging host, a feed.toml whose ``base_url`` is still a placeholder)
plays its own files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate.model import Episode
from narrate.publish import ledger
from narrate.publish.files import WriteStep
from narrate.publish.media import LEDGER_DIR, MediaStore

if TYPE_CHECKING:
    from narrate.publish.feed import Feed
    from narrate.publish.settings import FeedSettings

MANIFESTS = "manifests"
"""The feed folder's subfolder of manifests (published with feed.xml, under ``base_url``)."""
FORMAT = 1
"""``narrate_manifest`` in every manifest: the version of this format."""
INDEX = f"{LEDGER_DIR}/index.json"
"""In the manifests folder: which record and settings each manifest was last made from (narrate's own)."""
TRANSCRIPT_TYPE = "text/vtt"
CHAPTERS_TYPE = "application/json+chapters"


def manifest_id(guid: str) -> str:
    """A short, stable, URL-safe id for an episode's GUID."""
    return hashlib.sha256(guid.encode()).hexdigest()[:16]


def manifest_name(guid: str) -> str:
    """The manifest's path inside the feed folder (and under the feed's ``base_url``)."""
    return f"{MANIFESTS}/{manifest_id(guid)}.json"


def manifest_url(settings: FeedSettings, guid: str) -> str:
    """The manifest's public URL."""
    return settings.show.base_url + manifest_name(guid)


def relative_to_manifest(url: str, base_url: str) -> str | None:
    """``url`` relative to a manifest in ``base_url``'s ``manifests/`` folder; None when it is published
    elsewhere (an external media location, a configured image URL)."""
    if not url.startswith(base_url):
        return None
    return "../" + url[len(base_url):]


def _link(url: str, base_url: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "relative_url": relative_to_manifest(url, base_url), **extra}


def build_manifest(settings: FeedSettings, episode: Episode, artwork_url: str, updated: dt.datetime) -> dict[str, Any]:
    """The manifest of ``episode`` (``artwork_url``: the show's, used when the episode has no image of its own)."""
    base = settings.show.base_url
    transcript = next((f for f in episode.extra_files if f.mime_type == TRANSCRIPT_TYPE), None)
    chapters = next((f for f in episode.extra_files if f.mime_type == CHAPTERS_TYPE), None)
    artwork = settings.episode_url(episode.image.name) if episode.image else artwork_url
    return {
        "narrate_manifest": FORMAT,
        "guid": episode.guid,
        "title": episode.title,
        "artist": settings.show.title,
        "duration": round(episode.duration, 3),
        "published": episode.published.isoformat(),
        "updated": updated.isoformat(),
        "manifest_url": manifest_url(settings, episode.guid),
        "audio": _link(settings.episode_url(episode.audio.name), base, type=episode.audio.mime_type,
                       size=episode.audio.size),
        "transcript": _link(settings.episode_url(transcript.name), base, type=transcript.mime_type)
        if transcript else None,
        "chapters": _link(settings.episode_url(chapters.name), base, type=chapters.mime_type) if chapters else None,
        "artwork": _link(artwork, base) if artwork else None,
        "feed": _link(settings.feed_url, base),
        "article_url": episode.link,
    }


def encode(manifest: dict[str, Any]) -> bytes:
    """The manifest's bytes (stable key order, so unchanged content gives unchanged bytes)."""
    return (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def manifest_store(feed_dir: Path) -> MediaStore:
    """The manifests folder as a location of published files, with its ledger."""
    return MediaStore(str(feed_dir / MANIFESTS))


def _read(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _same_but_time(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    return old is not None and {**old, "updated": None} == {**new, "updated": None}


def write_manifests(feed: Feed, episodes: Sequence[Episode], artwork_url: str, now: dt.datetime,
                    takedowns: Iterable[str] = ()) -> list[str]:
    """Bring the manifest of each of ``episodes`` (the ones feed.xml lists) up to date, then collect the
    manifests none of them needs (``takedowns``: GUIDs whose manifest goes at once); returns the names written.

    A manifest is written when it is missing, its content differs, or its episode's record is newer (so a
    crash between the two is seen by :func:`manifests_disagree`); ``updated`` changes only with the content.
    An index (``INDEX``) of the record each manifest was last made from, and of the settings, spares reading
    the manifests of unchanged episodes, so a large feed is rewritten as fast as before manifests. The caller
    holds the feed's lock."""
    store = manifest_store(feed.path)
    inputs = _inputs(feed.settings, artwork_url)
    index = _load_index(store)
    made_from = index.get("records", {}) if index.get("inputs") == inputs else {}
    saved = _mtimes(feed.store.records_dir)
    folder = feed.path / MANIFESTS
    present = set(os.listdir(folder)) if folder.is_dir() else set()
    current: dict[str, int] = {}
    written = []
    for episode in episodes:
        name = manifest_name(episode.guid)
        record = saved.get(episode.guid)
        if record is not None:
            current[episode.guid] = record
            if made_from.get(episode.guid) == record and name.rsplit("/", 1)[1] in present:
                continue
        path = feed.path / name
        old = _read(path) if path.is_file() else None
        manifest = build_manifest(feed.settings, episode, artwork_url, now)
        if _same_but_time(old, manifest):
            assert old is not None
            manifest["updated"] = old["updated"]
            if not _older_than_record(feed, path, episode.guid):
                continue
        data = encode(manifest)
        for hook in feed.hooks:
            hook(WriteStep.LEDGER, name)
        ledger.claim(store, own=True)
        ledger.add_entry(store, name.rsplit("/", 1)[1], hashlib.sha256(data).hexdigest(), feed.name, feed.ledger_id)
        feed.write_file(WriteStep.MANIFEST, name, data)
        written.append(name)
    if index != {"inputs": inputs, "records": current}:
        feed.note_ledger("manifest index")
        ledger.claim(store, own=True)
        store.put(INDEX, json.dumps({"inputs": inputs, "records": current}, sort_keys=True).encode())
    keep = {manifest_name(e.guid).rsplit("/", 1)[1] for e in episodes}
    gone = {manifest_name(guid).rsplit("/", 1)[1] for guid in takedowns}
    if written or gone or not ledger.settled(store, feed.ledger_id, "manifests", keep):
        feed.note_ledger("manifests")
        ledger.claim(store, own=True)
        ledger.collect(store, feed.ledger_id, "manifests", keep, takedowns=gone,
                       grace=feed.settings.media.keep_replaced_days * 86400, adopt=True)
    return written


def _inputs(settings: FeedSettings, artwork_url: str) -> str:
    """A digest of what, besides its record, goes into every manifest."""
    show = settings.show
    return hashlib.sha256(json.dumps([FORMAT, show.base_url, settings.media_base_url, show.feed_url, show.title,
                                      artwork_url]).encode()).hexdigest()


def _load_index(store: MediaStore) -> dict[str, Any]:
    try:
        value = json.loads(store.get(INDEX) or b"{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _mtimes(folder: Path) -> dict[str, int]:
    """When each ``*.json`` of ``folder`` (a record by its GUID, a manifest by its id) was last written."""
    try:
        with os.scandir(folder) as entries:
            return {e.name[:-5]: e.stat().st_mtime_ns for e in entries if e.name.endswith(".json") and e.is_file()}
    except FileNotFoundError:
        return {}


def _older_than_record(feed: Feed, manifest: Path, guid: str) -> bool:
    record = feed.store.record_path(guid)
    try:
        return manifest.stat().st_mtime_ns < record.stat().st_mtime_ns
    except FileNotFoundError:
        return False


def manifests_disagree(feed: Feed, guids: Iterable[str]) -> bool:
    """Whether an episode of ``guids`` lacks its manifest or has one older than its record (a crash between
    the record and the manifest); cheap: two folder listings."""
    made = _mtimes(feed.path / MANIFESTS)
    saved = _mtimes(feed.store.records_dir)
    return any(made.get(manifest_id(guid), -1) < saved.get(guid, 0) for guid in guids)
