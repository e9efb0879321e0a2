"""How a feed writes files: atomically (a temp file in the same directory, fsync, rename over the target),
each write tagged with the step of a publish it belongs to."""

from __future__ import annotations

import os
import re
import signal
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

PUBLISHED_MODE = 0o644


class WriteStep(StrEnum):
    """The steps of a publish, in the order they happen; each file a feed writes belongs to one."""

    MEDIA = "media files"
    """The episode's audio, transcripts and chapters, in the media location."""
    RECORD = "record"
    """The episode's record (records/GUID.json)."""
    ARTWORK = "artwork"
    """The show's cover, when it is a file narrate publishes."""
    FEED_XML = "feed.xml"
    MANIFEST = "manifest"
    """Each episode's stable manifest (manifests/ID.json), brought up to date after feed.xml."""
    SHOW_PAGE = "show page"
    """index.html and the player files it uses."""
    LEDGER = "ledger"
    """The media ledger's objects under ``.narrate/`` (entries before each file, a feed's use after feed.xml)."""
    SETTINGS = "settings"
    """feed.toml, written once when a feed is created."""


WriteHook = Callable[[WriteStep, str], None]
"""Called with the step and the file's name before each write (a ledger records it; a test may raise)."""
FileWriter = Callable[[WriteStep, str, bytes], Path]
"""Writes a file of a feed folder (name relative to it) for a step: ``Feed.write_file``."""


WRITER = f"{socket.gethostname().replace('.', '_')}-{os.getpid()}"
"""Who writes a temp file (host and process), so a later writer can tell a dead one's leftovers."""
_TEMP = re.compile(r"^\.(?P<target>.+)\.(?P<host>[^.]+)-(?P<pid>\d+)\.[^.]+\.tmp$")


def stale_temp_files(directory: Path, *, any_writer: bool = False) -> list[Path]:
    """Temp files in ``directory`` whose writer is dead (a process of this host no longer running), or every
    temp file with ``any_writer`` (the caller holds the lock all their writers hold)."""
    if not directory.is_dir():
        return []
    host = socket.gethostname().replace(".", "_")
    found = []
    for path in directory.iterdir():
        if not (path.name.startswith(".") and path.name.endswith(".tmp")) or not path.is_file():
            continue
        match = _TEMP.match(path.name)
        if any_writer or (match is not None and match["host"] == host and not _alive(int(match["pid"]))):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fault_hooks() -> tuple[WriteHook, ...]:
    """The crash-test seam: ``NARRATE_KILL_AT=<step>`` (a WriteStep value, e.g. ``record``) makes the process
    SIGKILL itself just before the first write of that step, as a power cut would."""
    step = os.environ.get("NARRATE_KILL_AT")
    if not step:
        return ()

    def kill(current: WriteStep, _name: str) -> None:
        if current.value == step:
            os.kill(os.getpid(), signal.SIGKILL)

    return (kill,)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temp path beside ``target``; on success it is fsynced and renamed to ``target``, else removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.{WRITER}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp creates 0600 files; published files must be readable by the web server.
        os.chmod(temp, PUBLISHED_MODE & ~_umask())
        os.replace(temp, target)
        _fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` so readers see the old or the new file, never a mix."""
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
