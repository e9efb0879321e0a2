"""Bearer tokens, each scoped to one feed, stored as the SHA-256 of the token (the token is shown once).

A token is ``nrt_<id>_<secret>``: the id names it in ``narrate token list`` and ``revoke``; the secret is
32 random bytes, so a plain SHA-256 (no salt, no slow hash) is enough to make the stored digest useless to
whoever reads the database.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import Enum

from narrate.errors import InputError
from narrate.service.db import Database

PREFIX = "nrt_"


@dataclass(frozen=True)
class TokenInfo:
    """What is kept about a token (never the token)."""

    id: str
    feed: str
    label: str | None
    created: float
    last_used: float | None


class Access(Enum):
    """What a presented token may do for a feed."""

    GRANTED = "granted"
    UNKNOWN = "unknown"
    """No token, or one that is not (or no longer) valid: 401."""
    OTHER_FEED = "other feed"
    """A valid token of another feed: 403."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    """The tokens of every feed."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, feed: str, label: str | None = None) -> tuple[TokenInfo, str]:
        """A new token for ``feed``: its record and the token itself, which is not stored anywhere."""
        token_id = secrets.token_hex(4)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        info = TokenInfo(token_id, feed, label, time.time(), None)
        with self.db.connect() as db:
            db.execute("INSERT INTO tokens (id, feed, digest, label, created) VALUES (?, ?, ?, ?, ?)",
                       (token_id, feed, digest(token), label, info.created))
        return info, token

    def of_feed(self, feed: str) -> list[TokenInfo]:
        """The feed's tokens, oldest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT id, feed, label, created, last_used FROM tokens WHERE feed = ? "
                              "ORDER BY created", (feed,)).fetchall()
        return [TokenInfo(r["id"], r["feed"], r["label"], r["created"], r["last_used"]) for r in rows]

    def revoke(self, feed: str, token_id: str) -> None:
        """Revoke one of the feed's tokens by its id; an InputError when the feed has no such token."""
        with self.db.connect() as db:
            removed = db.execute("DELETE FROM tokens WHERE feed = ? AND id = ?", (feed, token_id)).rowcount
        if not removed:
            raise InputError(f"feed {feed!r} has no token {token_id!r}; `narrate token list {feed}` shows them")

    def check(self, token: str | None, feed: str) -> Access:
        """Whether ``token`` may act on ``feed``."""
        if not token or not token.startswith(PREFIX):
            return Access.UNKNOWN
        with self.db.connect() as db:
            row = db.execute("SELECT id, feed FROM tokens WHERE digest = ?", (digest(token),)).fetchone()
            if row is None:
                return Access.UNKNOWN
            if row["feed"] != feed:
                return Access.OTHER_FEED
            db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (time.time(), row["id"]))
        return Access.GRANTED
