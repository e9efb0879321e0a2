"""Where a feed's episode files live: its ``episodes/`` folder, another (shared) folder, or any fsspec URL.

Batch workers write an episode's files here themselves, so the files of a run on many machines never
pass through the one process that publishes the feed. Files are named by their content, written
once and never overwritten: a local folder gets a temp file renamed into place, an object store
(``s3://``, ``gs://``, ``az://`` ...) a single PUT, which readers see whole or not at all.

What may be removed from a location is decided by its ledger (:mod:`narrate.publish.ledger`), kept in
the location itself under ``.narrate/``: narrate deletes only files it wrote and no feed references.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrate.errors import ConfigError, PublishError
from narrate.publish.files import write_atomic

ORPHAN_GRACE = 6 * 3600
"""Seconds a file narrate wrote and no record ever referenced is kept: a worker may have written it for a
record still to come."""
LOCAL_PROTOCOLS = ("file", "local")
LEDGER_DIR = ".narrate"
"""The folder of narrate's own objects in a media location: its marker and its ledger."""


@dataclass(frozen=True)
class StoredFile:
    """A file in the media location: its name and when it was last written (seconds since the epoch)."""

    name: str
    modified: float


@dataclass(frozen=True)
class MediaStore:
    """The episode files of one feed. ``location`` is a folder or an fsspec URL."""

    location: str
    options: Mapping[str, Any] = field(default_factory=dict)
    """fsspec storage options (an endpoint, a profile); credentials belong in the environment."""

    @classmethod
    def for_feed(cls, feed_dir: Path, media: str | None = None,
                 options: Mapping[str, Any] | None = None) -> MediaStore:
        """The media store of a feed: ``media`` relative to the feed folder, absolute, or a URL."""
        if not media:
            return cls(str(feed_dir / "episodes"))
        if _protocol(media) is None:
            return cls(str(feed_dir / Path(media).expanduser()), dict(options or {}))
        return cls(media, dict(options or {}))

    @property
    def local_dir(self) -> Path | None:
        """The folder, when the files are on a local (or mounted shared) filesystem."""
        protocol = _protocol(self.location)
        if protocol is None:
            return Path(self.location)
        if protocol in LOCAL_PROTOCOLS:
            return Path(self.location.split("://", 1)[1])
        return None

    def describe(self) -> str:
        """The location for messages."""
        return self.location

    def exists(self, name: str) -> bool:
        """Whether a file of this name is there."""
        local = self.local_dir
        if local is not None:
            return (local / name).is_file()
        fs, root = self._fs()
        fs.invalidate_cache(root)
        return bool(fs.exists(f"{root}/{name}"))

    def write(self, name: str, data: bytes) -> None:
        """Write a new file; a file of that name is left alone (names are content hashes)."""
        local = self.local_dir
        try:
            if local is not None:
                if not (local / name).exists():
                    write_atomic(local / name, data)
                return
            fs, root = self._fs()
            if not self.exists(name):
                fs.pipe_file(f"{root}/{name}", data)
        except OSError as error:
            raise PublishError(f"cannot write {name} to {self.describe()}: {error}") from error

    def read(self, name: str) -> bytes:
        """A file's bytes."""
        local = self.local_dir
        try:
            if local is not None:
                return (local / name).read_bytes()
            fs, root = self._fs()
            return bytes(fs.cat_file(f"{root}/{name}"))
        except (OSError, FileNotFoundError) as error:
            raise PublishError(f"cannot read {name} from {self.describe()}: {error}") from error

    def files(self) -> list[StoredFile]:
        """The published files (not dot files, which are other writers' scratch space)."""
        local = self.local_dir
        if local is not None:
            if not local.is_dir():
                return []
            return [StoredFile(p.name, p.stat().st_mtime) for p in local.iterdir()
                    if p.is_file() and not p.name.startswith(".")]
        fs, root = self._fs()
        fs.invalidate_cache(root)
        try:
            entries = fs.ls(root, detail=True)
        except FileNotFoundError:
            return []
        found = []
        for entry in entries:
            name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
            if entry.get("type") == "file" and not name.startswith("."):
                found.append(StoredFile(name, _modified(entry)))
        return found

    def remove(self, names: Iterable[str]) -> list[str]:
        """Delete files; returns the names that were there."""
        removed = []
        local = self.local_dir
        fs, root = (None, "") if local is not None else self._fs()
        for name in names:
            try:
                if local is not None:
                    (local / name).unlink()
                else:
                    assert fs is not None
                    fs.rm_file(f"{root}/{name}")
                removed.append(name)
            except FileNotFoundError:
                continue
        return removed

    def entries(self) -> list[str]:
        """Every top-level name in the location (files, folders, dot files), but narrate's own ``.narrate``."""
        local = self.local_dir
        try:
            if local is not None:
                return [] if not local.is_dir() else [p.name for p in local.iterdir() if p.name != LEDGER_DIR]
            fs, root = self._fs()
            fs.invalidate_cache(root)
            return [str(e).rstrip("/").rsplit("/", 1)[-1] for e in fs.ls(root, detail=False)
                    if str(e).rstrip("/").rsplit("/", 1)[-1] != LEDGER_DIR]
        except FileNotFoundError:
            return []
        except OSError as error:
            raise PublishError(f"cannot list {self.describe()}: {error}") from error

    # Objects of narrate's own under ``.narrate/`` (the ledger): keys are paths relative to the location.

    def put(self, key: str, data: bytes) -> None:
        """Write (or replace) a small object of narrate's own, whole."""
        local = self.local_dir
        try:
            if local is not None:
                write_atomic(local / key, data)
            else:
                fs, root = self._fs()
                fs.pipe_file(f"{root}/{key}", data)
        except OSError as error:
            raise PublishError(f"cannot write {key} to {self.describe()}: {error}") from error

    def get(self, key: str) -> bytes | None:
        """An object of narrate's own, None when there is none."""
        local = self.local_dir
        try:
            if local is not None:
                return (local / key).read_bytes()
            fs, root = self._fs()
            return bytes(fs.cat_file(f"{root}/{key}"))
        except FileNotFoundError:
            return None
        except OSError as error:
            raise PublishError(f"cannot read {key} from {self.describe()}: {error}") from error

    def keys(self, folder: str) -> list[str]:
        """The names of narrate's objects in ``folder`` (not its temp files)."""
        local = self.local_dir
        try:
            if local is not None:
                directory = local / folder
                return [] if not directory.is_dir() else [
                    p.name for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")]
            fs, root = self._fs()
            fs.invalidate_cache(f"{root}/{folder}")
            return [str(e).rstrip("/").rsplit("/", 1)[-1] for e in fs.ls(f"{root}/{folder}", detail=False)]
        except FileNotFoundError:
            return []
        except OSError as error:
            raise PublishError(f"cannot list {folder} in {self.describe()}: {error}") from error

    def delete(self, key: str) -> None:
        """Remove an object of narrate's own (gone already is fine)."""
        local = self.local_dir
        try:
            if local is not None:
                (local / key).unlink(missing_ok=True)
            else:
                fs, root = self._fs()
                fs.rm_file(f"{root}/{key}")
        except FileNotFoundError:
            return

    def _fs(self) -> tuple[Any, str]:
        import fsspec

        try:
            fs, root = fsspec.core.url_to_fs(self.location, **dict(self.options))
        except (ImportError, ValueError) as error:
            raise ConfigError(f"media {self.location}: {error} (an s3:// location needs "
                              "pip install 'narrate[s3]')") from error
        return fs, str(root).rstrip("/")


def _protocol(location: str) -> str | None:
    if "://" not in location:
        return None
    return location.split("://", 1)[0].lower()


def _modified(entry: Mapping[str, Any]) -> float:
    """When an fsspec listing entry was last written; unknown counts as now (kept through the grace)."""
    for key in ("LastModified", "last_modified", "mtime", "updated", "created"):
        value = entry.get(key)
        if isinstance(value, dt.datetime):
            return value.timestamp()
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return time.time()
