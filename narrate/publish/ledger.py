"""The ledger of a media location: what narrate wrote there, and which feeds still use it.

narrate deletes a file only when this ledger says narrate wrote it and no feed using the location
references it. The ledger lives in the location itself, under ``.narrate/``, as small objects that are
written whole and never appended to, so pool workers, Dask workers and S3 (which cannot append) all add
to it the same way:

- ``.narrate/location``: the marker, written when narrate starts using a location. An external location
  (outside the feed folder, or a URL) that holds anything and has no marker was never narrate's: it is
  refused, so a mistyped ``media`` never points the garbage collector at somebody's files.
- ``.narrate/ledger/<name>@<writer>.json``: one entry per write (name, digest, feed, time written).
- ``.narrate/feeds/<feed id>.<kind>.json``: what one feed references there now, when each name it
  stopped referencing was released, and which names it took down; rewritten with its feed.xml.

A file no feed references is removed once its grace period is over, counted from when the last feed
released it (``keep_replaced_days`` in feed.toml, 7 days by default, so embeds and apps that cached the
old enclosure keep working); a takedown (``narrate feed remove``) removes it at once; a file written and
never referenced (a worker's episode whose record never came) after ``ORPHAN_GRACE``. Files the ledger
does not know are never removed: they are reported once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrate.errors import ConfigError
from narrate.publish.media import LEDGER_DIR, ORPHAN_GRACE, MediaStore

log = logging.getLogger(__name__)

MARKER = f"{LEDGER_DIR}/location"
ENTRIES = f"{LEDGER_DIR}/ledger"
FEEDS = f"{LEDGER_DIR}/feeds"
DEFAULT_REPLACED_GRACE_DAYS = 7.0
"""Days a file no feed references any more is kept (an edited episode's old audio, an old cover)."""
_claimed: set[tuple[str, str]] = set()
"""Locations this process has seen marked (a marker is never removed), to spare a look-up per write."""


def feed_id(feed_path: Path, name: str) -> str:
    """A feed's name in the ledgers it writes to: its folder name and a digest of where the folder is."""
    where = hashlib.sha256(os.path.abspath(feed_path).encode()).hexdigest()[:10]
    return f"{name}-{where}"


def _load(store: MediaStore, key: str) -> dict[str, Any] | None:
    data = store.get(key)
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        log.warning("%s: %s in %s is damaged; ignored", store.describe(), key, LEDGER_DIR)
        return None
    return value if isinstance(value, dict) else None


def _dump(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, indent=1).encode()


def is_claimed(store: MediaStore) -> bool:
    """Whether narrate uses this location (its marker is there)."""
    if (store.location, str(sorted(store.options.items()))) in _claimed:
        return True
    if store.get(MARKER) is None:
        return False
    _claimed.add((store.location, str(sorted(store.options.items()))))
    return True


def claim(store: MediaStore, *, own: bool, adoptable: Iterable[str] = ()) -> None:
    """Start using a location, or make sure it is narrate's: an own folder (inside the feed folder) or an
    empty location gets the marker; an external location holding only ``adoptable`` files (the ones the
    feed's records reference: narrate wrote them before it kept a ledger) is adopted; anything else is
    refused with a ConfigError naming it."""
    if is_claimed(store):
        return
    if not own:
        foreign = sorted(set(store.entries()) - set(adoptable))
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise ConfigError(
                f"media {store.describe()} is not empty and narrate never used it ({len(foreign)} entries it did "
                f"not write: {shown}); set media to an empty or new folder (narrate deletes only files it wrote, "
                "and will not take over a folder of other files)")
    store.put(MARKER, _dump({"narrate": "media location", "created": time.time()}))
    _claimed.add((store.location, str(sorted(store.options.items()))))


def add_entry(store: MediaStore, name: str, digest: str, feed: str, writer: str) -> None:
    """Note that narrate wrote (or adopted) ``name``; one object per writer, so writers never race."""
    store.put(f"{ENTRIES}/{name}@{writer}.json",
              _dump({"name": name, "sha256": digest, "feed": feed, "written": time.time()}))


def known(store: MediaStore) -> dict[str, float]:
    """Every name the ledger knows, with when it was last written."""
    found: dict[str, float] = {}
    for key in store.keys(ENTRIES):
        name = key.rsplit("@", 1)[0]
        entry = _load(store, f"{ENTRIES}/{key}") or {}
        written = entry.get("written")
        when = float(written) if isinstance(written, (int, float)) else time.time()
        found[name] = max(found.get(name, 0.0), when)
    return found


@dataclass
class FeedUse:
    """What one feed references in a location, and what it released and when."""

    referenced: set[str] = field(default_factory=set)
    released: dict[str, float] = field(default_factory=dict)
    takedowns: set[str] = field(default_factory=set)
    reported: set[str] = field(default_factory=set)
    """Unknown files already listed to the user (each is listed once)."""

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> FeedUse:
        """Read back (damaged parts count as empty)."""
        def names(key: str) -> set[str]:
            items = value.get(key)
            return {str(n) for n in items} if isinstance(items, list) else set()

        released = value.get("released")
        return cls(names("referenced"),
                   {str(k): float(v) for k, v in released.items() if isinstance(v, (int, float))}
                   if isinstance(released, dict) else {},
                   names("takedowns"), names("reported"))

    def to_json(self, feed: str) -> dict[str, Any]:
        """The object written to the location."""
        return {"feed": feed, "referenced": sorted(self.referenced), "released": self.released,
                "takedowns": sorted(self.takedowns), "reported": sorted(self.reported), "updated": time.time()}


@dataclass(frozen=True)
class Collected:
    """What one garbage collection did."""

    removed: list[str]
    unknown: list[str]
    """Files the ledger does not know: kept, and listed once."""


def collect(store: MediaStore, feed: str, kind: str, referenced: set[str], *, takedowns: Iterable[str] = (),
            grace: float, adopt: bool = False, only: str = "") -> Collected:
    """Record what ``feed`` references in the location now, then remove files narrate wrote that no feed
    references and whose grace is over (``takedowns`` at once). ``adopt`` (a feed's first collection in its
    own folder) enters the referenced files the ledger does not know yet. ``only`` limits the files looked
    at to names starting with it (the covers in a feed folder)."""
    now = time.time()
    use_key = f"{FEEDS}/{feed}.{kind}.json"
    previous = _load(store, use_key)
    use = FeedUse.from_json(previous) if previous is not None else FeedUse()
    first = previous is None
    present = {f.name for f in store.files() if f.name.startswith(only)}
    ledger = known(store)
    if adopt and first:
        for name in sorted((referenced & present) - set(ledger)):
            add_entry(store, name, "", feed, f"{feed}-adopted")
            ledger[name] = now
    for name in use.referenced - referenced:
        use.released.setdefault(name, now)
    for name in referenced:
        use.released.pop(name, None)
        use.takedowns.discard(name)
    use.takedowns |= set(takedowns) - referenced
    use.referenced = set(referenced)
    store.put(use_key, _dump(use.to_json(feed)))

    uses = [use]
    for key in store.keys(FEEDS):
        if key != f"{feed}.{kind}.json":
            other = _load(store, f"{FEEDS}/{key}")
            if other is not None:
                uses.append(FeedUse.from_json(other))
    in_use = set().union(*(u.referenced for u in uses))
    removed: list[str] = []
    for name in sorted(present & set(ledger) - in_use):
        if any(name in u.takedowns for u in uses):
            due = 0.0
        else:
            released = [u.released[name] for u in uses if name in u.released]
            due = max(released) + grace if released else ledger[name] + ORPHAN_GRACE
        if due <= now:
            removed += store.remove([name])
            forget(store, name)
    unknown = sorted(n for n in present - set(ledger) if not n.startswith("."))
    fresh = [n for n in unknown if n not in use.reported]
    if fresh:
        shown = ", ".join(fresh[:5]) + (f" and {len(fresh) - 5} more" if len(fresh) > 5 else "")
        log.warning("%s: %d file(s) narrate did not write are kept, never deleted: %s",
                    store.describe(), len(fresh), shown)
    gone = set(removed) | (set(use.released) - present)
    if fresh or gone & (set(use.released) | use.takedowns):
        use.reported |= set(fresh)
        use.released = {k: v for k, v in use.released.items() if k not in gone}
        use.takedowns -= gone
        store.put(use_key, _dump(use.to_json(feed)))
    return Collected(removed, unknown)


def settled(store: MediaStore, feed: str, kind: str, referenced: set[str]) -> bool:
    """Whether a collection would change nothing: ``feed`` references exactly ``referenced`` already and has
    nothing released or taken down waiting (so a large location is not read through on every feed.xml)."""
    value = _load(store, f"{FEEDS}/{feed}.{kind}.json")
    if value is None:
        return False
    use = FeedUse.from_json(value)
    return use.referenced == referenced and not use.released and not use.takedowns


def forget(store: MediaStore, name: str) -> None:
    """Remove the ledger entries of a file that was deleted."""
    for key in store.keys(ENTRIES):
        if key.rsplit("@", 1)[0] == name:
            store.delete(f"{ENTRIES}/{key}")
