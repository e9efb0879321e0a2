"""Content-addressed sentence audio: an unchanged sentence is never synthesized twice.

The key is the full sha256 of canonical JSON of everything that changes the sound: the cache format,
the engine's name and fingerprint (engine version + model digest), the engine options, and the spoken
text. Entries hold the engine's raw output only, so pauses, mastering or bitrate changes never force
re-synthesis.

An entry is ``MAGIC | sample rate | sample count | sha256(payload) | float32 payload``. It is written
to a temp file and renamed, so concurrent writers and a kill mid-write leave no partial entry; a
reader that finds a damaged entry (bad magic, short file, wrong checksum) deletes it and reports a
miss. Reads refresh the entry's mtime; ``prune`` evicts the least recently used entries past the
size bound.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrate.model import Audio

CACHE_FORMAT = 1
MAGIC = b"NRC1"
HEADER = struct.Struct("<4sIQ32s")
DEFAULT_MAX_BYTES = 2 * 1024**3

log = logging.getLogger(__name__)


def cache_key(engine: str, fingerprint: str, options: Any, text: str) -> str:
    """The full-length key of one sentence's audio."""
    payload = {
        "format": CACHE_FORMAT,
        "engine": engine,
        "fingerprint": fingerprint,
        "options": dataclasses.asdict(options)
        if dataclasses.is_dataclass(options) and not isinstance(options, type) else options,
        "text": text,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    """What is in a cache directory."""

    path: Path
    entries: int
    bytes: int
    max_bytes: int


class AudioCache:
    """Sentence audio on disk, keyed by :func:`cache_key`."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pcm"

    def get(self, key: str) -> Audio | None:
        """The cached audio, or None when absent or damaged (a damaged entry is removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        audio = _decode(data)
        if audio is None:
            log.warning("cache entry %s is damaged; it will be synthesized again", path.name)
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):  # recency for LRU eviction; atime is unreliable (noatime mounts)
            os.utime(path)
        return audio

    def put(self, key: str, audio: Audio) -> None:
        """Store audio under ``key`` atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_encode(audio))
            os.replace(temp, path)
        finally:
            Path(temp).unlink(missing_ok=True)

    def _entries(self) -> list[tuple[Path, os.stat_result]]:
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("??/*.pcm"):
            try:
                found.append((path, path.stat()))
            except FileNotFoundError:
                continue  # evicted by another process meanwhile
        return found

    def info(self) -> CacheInfo:
        """Entry count and total size."""
        entries = self._entries()
        return CacheInfo(self.root, len(entries), sum(st.st_size for _, st in entries), self.max_bytes)

    def clear(self) -> int:
        """Remove every entry; returns how many."""
        entries = self._entries()
        for path, _ in entries:
            path.unlink(missing_ok=True)
        return len(entries)

    def prune(self, max_bytes: int | None = None) -> int:
        """Evict least recently used entries until the cache fits ``max_bytes``; returns how many went."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        entries = sorted(self._entries(), key=lambda item: item[1].st_mtime)
        total = sum(st.st_size for _, st in entries)
        removed = 0
        for path, stat in entries:
            if total <= limit:
                break
            path.unlink(missing_ok=True)
            total -= stat.st_size
            removed += 1
        return removed


def _encode(audio: Audio) -> bytes:
    payload = np.ascontiguousarray(audio.samples, dtype="<f4").tobytes()
    header = HEADER.pack(MAGIC, audio.sample_rate, len(audio.samples), hashlib.sha256(payload).digest())
    return header + payload


def _decode(data: bytes) -> Audio | None:
    if len(data) < HEADER.size:
        return None
    magic, rate, count, digest = HEADER.unpack_from(data)
    payload = data[HEADER.size:]
    if magic != MAGIC or len(payload) != count * 4 or hashlib.sha256(payload).digest() != digest or rate <= 0:
        return None
    return Audio(np.frombuffer(payload, dtype="<f4").astype(np.float32), int(rate))
