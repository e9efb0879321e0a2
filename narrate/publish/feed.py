"""A feed folder opened once into a value: its settings, its episode records and its media location.

``Feed.open(path)`` reads feed.toml and never writes; ``Feed.create(path)`` is the one call that makes a new
feed and says what it wrote. The value travels instead of a path: to the pipeline, to batch workers (it
pickles), to the CLI and the web commands.

Every file a feed writes passes through :meth:`Feed.write_file` or :meth:`Feed.write_media`, tagged with
the :class:`WriteStep` it belongs to. That is the one place a ledger of written files hooks in, and where a
test interrupts a publish between two steps (``hooks``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from narrate.errors import ConfigError, PublishError
from narrate.model import Episode
from narrate.publish import ledger
from narrate.publish.files import WriteHook, WriteStep, fault_hooks, write_atomic
from narrate.publish.media import MediaStore
from narrate.publish.settings import (
    FeedSettings,
    default_feed_settings,
    default_feed_toml,
    read_feed_settings,
)
from narrate.publish.store import EpisodeStore

__all__ = ["Feed", "FeedView", "WriteHook", "WriteStep"]

FeedView = Callable[["Feed", Sequence[Episode], str], None]
"""Run after feed.xml is written, with the episodes it lists and the artwork URL: e.g. the show page."""


def refuse_writes(step: WriteStep, name: str) -> None:
    """The hook of a dry run's feed: a write reaching it is a bug, stopped before any byte is written."""
    raise PublishError(f"a dry run must write nothing, but it was about to write {name} ({step.value})")


@dataclass(frozen=True)
class Feed:
    """One feed folder: ``feed.toml``, ``feed.xml``, ``records/`` and, by default, ``episodes/``."""

    path: Path
    settings: FeedSettings
    views: tuple[FeedView, ...] = ()
    """What is rendered from the episodes after each feed.xml (the web layer hands in the show page)."""
    hooks: tuple[WriteHook, ...] = field(default=(), compare=False)

    @classmethod
    def open(cls, path: Path, *, views: Sequence[FeedView] = (), hooks: Sequence[WriteHook] = ()) -> Feed:
        """The feed in ``path``; a ConfigError when there is none or its feed.toml is invalid. Writes nothing."""
        return cls(path, read_feed_settings(path), tuple(views), (*hooks, *fault_hooks()))

    @classmethod
    def create(cls, path: Path, *, views: Sequence[FeedView] = (),
               hooks: Sequence[WriteHook] = ()) -> tuple[Feed, list[Path]]:
        """A new feed in ``path`` with a commented default feed.toml; returns it and the files written."""
        settings_file = path / "feed.toml"
        if settings_file.exists():
            raise ConfigError(f"{path}: a feed exists here already")
        for hook in (*hooks, *fault_hooks()):
            hook(WriteStep.SETTINGS, settings_file.name)
        try:
            write_atomic(settings_file, default_feed_toml(path.name).encode())
        except OSError as error:
            raise PublishError(f"cannot create the feed {path}: {error}") from error
        return cls.open(path, views=views, hooks=hooks), [settings_file]

    @classmethod
    def draft(cls, path: Path, *, views: Sequence[FeedView] = ()) -> Feed:
        """The feed in ``path`` for a dry run: the existing one, or the one ``create`` would make; either way
        a value that refuses every write (a dry run writes nothing a user already has)."""
        settings = read_feed_settings(path) if (path / "feed.toml").exists() else default_feed_settings(path)
        return cls(path, settings, tuple(views), (refuse_writes,))

    @classmethod
    def open_or_create(cls, path: Path, *, views: Sequence[FeedView] = (),
                       hooks: Sequence[WriteHook] = ()) -> tuple[Feed, list[Path]]:
        """The feed in ``path``, created first when the folder has none; returns it and the files written."""
        if (path / "feed.toml").exists():
            return cls.open(path, views=views, hooks=hooks), []
        return cls.create(path, views=views, hooks=hooks)

    @property
    def name(self) -> str:
        """The feed's name: its folder's."""
        return self.path.name

    @property
    def store(self) -> EpisodeStore:
        """The episode records."""
        return EpisodeStore(self.path, self.write_file)

    @property
    def media(self) -> MediaStore:
        """Where the episode files are."""
        media = self.settings.media
        return MediaStore.for_feed(self.path, media.media, media.media_options)

    @property
    def folder(self) -> MediaStore:
        """The feed folder as a location of published files (its covers), with a ledger of its own."""
        return MediaStore(str(self.path))

    @property
    def ledger_id(self) -> str:
        """This feed's name in the ledgers of the locations it writes to."""
        return ledger.feed_id(self.path, self.name)

    @property
    def owns_media(self) -> bool:
        """Whether the media location is inside the feed folder (else it is external: a share, a bucket)."""
        local = self.media.local_dir
        if local is None:
            return False
        return os.path.abspath(os.path.realpath(local)).startswith(os.path.realpath(self.path) + os.sep)

    def note_ledger(self, what: str) -> None:
        """Tell the hooks that the ledger is about to be written (its objects are bookkeeping, not files)."""
        for hook in self.hooks:
            hook(WriteStep.LEDGER, what)

    def claim_media(self) -> None:
        """Make sure the media location is narrate's before anything is written there (a ConfigError naming it
        when it holds files narrate did not write); an external one narrate used before it kept a ledger is
        adopted when it holds only files this feed's records reference."""
        media = self.media
        if ledger.is_claimed(media):
            return
        referenced: set[str] = set()
        if not self.owns_media:
            try:
                referenced = {f.name for e in self.store.episodes() for f in (e.audio, *e.extra_files)}
            except PublishError:
                referenced = set()
        ledger.claim(media, own=self.owns_media, adoptable=referenced)

    def resolve(self, name: str | None) -> Path | None:
        """A file named in feed.toml (intro, outro, lexicon ...), relative to the feed folder."""
        return self.path / name if name else None

    def write_file(self, step: WriteStep, name: str, data: bytes) -> Path:
        """Write a file of the feed folder atomically (``name`` relative to it); every such write passes here."""
        target = self.path / name
        for hook in self.hooks:
            hook(step, name)
        write_atomic(target, data)
        return target

    def write_media(self, name: str, data: bytes) -> None:
        """Write an episode file to the media location (never over an existing one: names are content hashes),
        its ledger entry first, so that no crash leaves a file narrate wrote unknown to the ledger."""
        for hook in self.hooks:
            hook(WriteStep.MEDIA, name)
        media = self.media
        self.claim_media()
        digest = hashlib.sha256(data).hexdigest()
        for hook in self.hooks:
            hook(WriteStep.LEDGER, name)
        if media.exists(name):
            if hashlib.sha256(media.read(name)).hexdigest() == digest:
                ledger.add_entry(media, name, digest, self.name, self.ledger_id)
            return
        ledger.add_entry(media, name, digest, self.name, self.ledger_id)
        media.write(name, data)

    def write_cover(self, name: str, data: bytes) -> None:
        """Write the show's cover into the feed folder, entered in the folder's ledger like episode files."""
        folder = self.folder
        for hook in self.hooks:
            hook(WriteStep.LEDGER, name)
        ledger.claim(folder, own=True)
        ledger.add_entry(folder, name, hashlib.sha256(data).hexdigest(), self.name, self.ledger_id)
        self.write_file(WriteStep.ARTWORK, name, data)

    @contextmanager
    def locked(self, timeout: float = 120) -> Iterator[None]:
        """Exclusive access for one writer of records and feed.xml (processes on this machine or a shared
        POSIX filesystem)."""
        from filelock import FileLock, Timeout

        self.path.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path / ".lock"), timeout=timeout)
        try:
            with lock:
                yield
        except Timeout as error:
            raise PublishError(f"{self.path}: another narrate process holds the feed lock") from error
