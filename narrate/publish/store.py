"""Episode records: one JSON file per episode under ``records/``, the truth the feed is built from.

A record is written atomically and only after its audio is in place, so a crash leaves either the old
record or the new one. Writers hold the feed's lock while they update records and feed.xml.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from narrate.errors import PublishError
from narrate.model import ArticleMeta, ChapterMark, Episode, EpisodeFile, Role
from narrate.publish.files import write_atomic

RECORD_VERSION = 1


def episode_guid(meta: ArticleMeta) -> str:
    """A GUID that stays the same for the same article, even when its text is edited."""
    identity = meta.url or "|".join(
        [meta.publisher or "", " ".join(meta.title.lower().split()), meta.date.isoformat() if meta.date else ""]
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, identity))


def episode_to_json(episode: Episode) -> dict[str, Any]:
    """A record's JSON form."""
    data = asdict(episode)
    data["published"] = episode.published.isoformat()
    data["chapters"] = [{**asdict(c), "role": c.role.value} for c in episode.chapters]
    data["record_version"] = RECORD_VERSION
    return data


def episode_from_json(data: dict[str, Any]) -> Episode:
    """Read a record back."""
    return Episode(
        guid=data["guid"], title=data["title"], description=data["description"],
        published=dt.datetime.fromisoformat(data["published"]), duration=float(data["duration"]),
        audio=EpisodeFile(**data["audio"]), link=data.get("link"), author=data.get("author"),
        chapters=tuple(ChapterMark(start=c["start"], end=c["end"], title=c["title"], role=Role(c["role"]))
                       for c in data.get("chapters", [])),
        extra_files=tuple(EpisodeFile(**f) for f in data.get("extra_files", [])),
        render_key=data.get("render_key", ""),
    )


class EpisodeStore:
    """The episodes of one feed directory."""

    def __init__(self, feed_dir: Path) -> None:
        self.feed_dir = feed_dir
        self.records_dir = feed_dir / "records"
        self.media_dir = feed_dir / "episodes"

    @contextmanager
    def locked(self, timeout: float = 120) -> Iterator[None]:
        """Exclusive access for one writer (processes on this machine or a shared POSIX filesystem)."""
        from filelock import FileLock, Timeout

        self.feed_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.feed_dir / ".lock"), timeout=timeout)
        try:
            with lock:
                yield
        except Timeout as error:
            raise PublishError(f"{self.feed_dir}: another narrate process holds the feed lock") from error

    def record_path(self, guid: str) -> Path:
        """Where the record of ``guid`` lives."""
        return self.records_dir / f"{guid}.json"

    def get(self, guid: str) -> Episode | None:
        """The stored episode with this GUID, if any."""
        path = self.record_path(guid)
        if not path.exists():
            return None
        return self._read(path)

    def save(self, episode: Episode) -> None:
        """Add or replace an episode's record."""
        payload = json.dumps(episode_to_json(episode), ensure_ascii=False, indent=1).encode()
        write_atomic(self.record_path(episode.guid), payload)

    def episodes(self) -> list[Episode]:
        """Every stored episode, newest first."""
        if not self.records_dir.is_dir():
            return []
        found = [self._read(path) for path in self.records_dir.glob("*.json")]
        return sorted(found, key=lambda e: (e.published, e.guid), reverse=True)

    def _read(self, path: Path) -> Episode:
        try:
            return episode_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PublishError(f"{path}: unreadable episode record ({error}); remove it or restore it") from error
