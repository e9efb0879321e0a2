"""Episode records: one JSON file per episode under ``records/``, the truth the feed is built from.

A record is written atomically and only after its audio is in place, so a crash leaves either the old
record or the new one. Writers hold the feed's lock while they update records and feed.xml.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from narrate.errors import PublishError
from narrate.model import ArticleMeta, ChapterMark, Episode, EpisodeCheck, EpisodeFile, Role, SentenceCheck
from narrate.publish.files import FileWriter, WriteStep

RECORDS = "records"
QUARANTINE = "quarantine"
"""Where records that cannot be published are moved (under records/), so one never bricks a feed."""
log = logging.getLogger(__name__)

RECORD_VERSION = 4
"""The schema version written into every record. Records of an older version are read through
``UPGRADES``; a record of a newer version was written by a newer narrate and is refused, never rewritten."""


def _upgrade_unversioned(data: dict[str, Any]) -> dict[str, Any]:
    """Records from before versions were written: the same fields, no ``render_key`` or files by type yet."""
    return {**data, "render_key": data.get("render_key", ""), "record_version": 1}


def _upgrade_credits(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: episode artwork, the narrating voices and the disclosure line (none in older episodes)."""
    return {**data, "image": None, "authors": [], "narrators": [], "disclosure": None, "record_version": 2}


def _upgrade_check(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 -> 3: the result of ``narrate check`` (none in older episodes)."""
    return {**data, "check": None, "record_version": 3}


def _upgrade_replaced(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 -> 4: the files of earlier versions still kept (not tracked before)."""
    return {**data, "replaced": [], "record_version": 4}


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: _upgrade_unversioned, 1: _upgrade_credits, 2: _upgrade_check, 3: _upgrade_replaced,
}
"""version -> the function that lifts a record of that version one version up."""


def episode_guid(meta: ArticleMeta) -> str:
    """A GUID that stays the same for the same article, even when its text is edited."""
    identity = meta.url or "|".join(
        [meta.publisher or "", " ".join(meta.title.lower().split()), meta.date.isoformat() if meta.date else ""]
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, identity))


def episode_to_json(episode: Episode) -> dict[str, Any]:
    """A record's JSON form, in the current schema version."""
    data = asdict(episode)
    data["published"] = episode.published.isoformat()
    data["chapters"] = [{**asdict(c), "role": c.role.value} for c in episode.chapters]
    if episode.check is not None:
        data["check"]["checked"] = episode.check.checked.isoformat()
    data["record_version"] = RECORD_VERSION
    return data


def check_from_json(data: dict[str, Any] | None) -> EpisodeCheck | None:
    """The stored result of ``narrate check``, if any."""
    if data is None:
        return None
    sentences = tuple(SentenceCheck(**{**s, "edits": tuple(tuple(e) for e in s["edits"]),
                                       "suspects": tuple(s["suspects"])}) for s in data["sentences"])
    return EpisodeCheck(checked=dt.datetime.fromisoformat(data["checked"]), asr=data["asr"],
                        render_key=data["render_key"], threshold=float(data["threshold"]),
                        wer=float(data["wer"]), sentences=sentences)


def episode_from_json(data: dict[str, Any]) -> Episode:
    """Read a record back, upgrading it from an older schema version first."""
    version = data.get("record_version", 0)
    if not isinstance(version, int) or version > RECORD_VERSION:
        raise ValueError(f"record version {version!r} is newer than this narrate reads ({RECORD_VERSION}); "
                         "upgrade narrate")
    while version < RECORD_VERSION:
        data = UPGRADES[version](data)
        version = data["record_version"]
    return Episode(
        guid=data["guid"], title=data["title"], description=data["description"],
        published=dt.datetime.fromisoformat(data["published"]), duration=float(data["duration"]),
        audio=EpisodeFile(**data["audio"]), link=data.get("link"), author=data.get("author"),
        chapters=tuple(ChapterMark(start=c["start"], end=c["end"], title=c["title"], role=Role(c["role"]),
                                    url=c.get("url"))
                       for c in data.get("chapters", [])),
        extra_files=tuple(EpisodeFile(**f) for f in data.get("extra_files", [])),
        render_key=data["render_key"],
        image=EpisodeFile(**data["image"]) if data["image"] else None,
        authors=tuple(data["authors"]), narrators=tuple(data["narrators"]), disclosure=data["disclosure"],
        check=check_from_json(data["check"]), replaced=tuple(data["replaced"]),
    )


class EpisodeStore:
    """The episode records of one feed: one JSON file per episode under ``records/``."""

    def __init__(self, feed_dir: Path, write: FileWriter) -> None:
        self.records_dir = feed_dir / RECORDS
        self._write = write

    def record_path(self, guid: str) -> Path:
        """Where the record of ``guid`` lives."""
        return self.records_dir / f"{guid}.json"

    def get(self, guid: str) -> Episode | None:
        """The stored episode with this GUID, if any."""
        path = self.record_path(guid)
        if not path.exists():
            return None
        return self._read(path)

    def guid_for(self, meta: ArticleMeta) -> str:
        """The GUID of ``meta``'s episode in this feed: :func:`episode_guid`, except that an article first
        published without a URL keeps the GUID it got then when a URL is added (so apps see no duplicate)."""
        guid = episode_guid(meta)
        if meta.url and not self.record_path(guid).exists():
            earlier = episode_guid(replace(meta, url=None))
            if self.record_path(earlier).exists():
                return earlier
        return guid

    def save(self, episode: Episode) -> None:
        """Add or replace an episode's record (the caller holds the feed's lock)."""
        payload = json.dumps(episode_to_json(episode), ensure_ascii=False, indent=1).encode()
        self._write(WriteStep.RECORD, f"{RECORDS}/{episode.guid}.json", payload)

    def remove(self, guid: str) -> None:
        """Delete an episode's record (the caller holds the feed's lock)."""
        self.record_path(guid).unlink()

    def _exists(self) -> bool:
        """Whether there are records; a ``records`` that is not a folder is an error, never "no episodes"
        (a feed.xml rewritten from no records would drop every episode)."""
        if self.records_dir.is_dir():
            return True
        if self.records_dir.exists() or self.records_dir.is_symlink():
            raise PublishError(f"{self.records_dir}: not a folder; the feed's episode records belong there")
        return False

    def episodes(self) -> list[Episode]:
        """Every stored episode, newest first."""
        if not self._exists():
            return []
        found = [self._read(path) for path in self.records_dir.glob("*.json")]
        return sorted(found, key=lambda e: (e.published, e.guid), reverse=True)

    def readable(self) -> tuple[list[Episode], list[tuple[Path, str]]]:
        """Every stored episode that can be read, newest first, and the records that cannot with why."""
        found, damaged = [], []
        for path in sorted(self.records_dir.glob("*.json")) if self._exists() else []:
            try:
                found.append(self._read(path))
            except PublishError as error:
                if isinstance(error.__cause__, OSError) and not isinstance(error.__cause__, IsADirectoryError):
                    raise
                damaged.append((path, str(error.__cause__ or error)))
        return sorted(found, key=lambda e: (e.published, e.guid), reverse=True), damaged

    def quarantine(self, path: Path, reason: str) -> Path:
        """Move a record that cannot be published to ``records/quarantine/`` (the caller holds the lock) and say so."""
        target = self.records_dir / QUARANTINE / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        log.warning("%s cannot be published (%s); moved to %s", path, reason, target)
        return target

    def _read(self, path: Path) -> Episode:
        try:
            return episode_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            raise PublishError(f"{path}: unreadable episode record ({error}); remove it or restore it") from error
