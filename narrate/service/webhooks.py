"""Outgoing webhooks: when a job is done or failed, a signed JSON event to each URL configured for its feed.

The signature is GitHub's scheme: ``X-Narrate-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw body
with the webhook's secret (shown once by ``narrate webhook add``). Each event to each URL is a delivery kept
in the database until it succeeds (any 2xx) or its tries run out; failed tries are retried with exponential
backoff, also across a restart, and every try is logged (``narrate webhook log FEED``). Receivers should
deduplicate on ``X-Narrate-Delivery``: a delivery whose answer was lost is sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from narrate import __version__
from narrate.errors import InputError
from narrate.service.db import Database

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Narrate-Signature"
EVENT_HEADER = "X-Narrate-Event"
DELIVERY_HEADER = "X-Narrate-Delivery"


def sign(secret: str, body: bytes) -> str:
    """The ``X-Narrate-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Webhook:
    feed: str
    url: str
    secret: str


@dataclass(frozen=True)
class Retry:
    """How deliveries are retried: ``first`` seconds after the first failure, doubling, ``tries`` in all."""

    tries: int = 5
    first: float = 2.0
    timeout: float = 10.0
    """Seconds a receiver has to answer one try."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failed try (1-based)."""
        return float(self.first * 2 ** (attempt - 1))


class Webhooks:
    """The webhook URLs and CMS secrets of every feed."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, feed: str, url: str) -> Webhook:
        """A new webhook URL for ``feed`` with a fresh secret (adding a URL again gives it a new secret)."""
        if not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
            raise InputError(f"webhook URL {url!r}: give an http(s) URL")
        hook = Webhook(feed, url, secrets.token_hex(32))
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO webhooks (feed, url, secret, created) VALUES (?, ?, ?, ?)",
                       (feed, url, hook.secret, time.time()))
        return hook

    def of_feed(self, feed: str) -> list[Webhook]:
        with self.db.connect() as db:
            rows = db.execute("SELECT feed, url, secret FROM webhooks WHERE feed = ? ORDER BY created",
                              (feed,)).fetchall()
        return [Webhook(r["feed"], r["url"], r["secret"]) for r in rows]

    def remove(self, feed: str, url: str) -> None:
        with self.db.connect() as db:
            if not db.execute("DELETE FROM webhooks WHERE feed = ? AND url = ?", (feed, url)).rowcount:
                raise InputError(f"feed {feed!r} has no webhook {url!r}; `narrate webhook list {feed}` shows them")

    def set_cms_secret(self, feed: str, cms: str, secret: str) -> None:
        """The secret a CMS signs its webhooks to this feed with (``ghost``)."""
        with self.db.connect() as db:
            db.execute("INSERT OR REPLACE INTO cms_secrets (feed, cms, secret) VALUES (?, ?, ?)", (feed, cms, secret))

    def cms_secret(self, feed: str, cms: str) -> str | None:
        with self.db.connect() as db:
            row = db.execute("SELECT secret FROM cms_secrets WHERE feed = ? AND cms = ?", (feed, cms)).fetchone()
        return row["secret"] if row else None

    def enqueue(self, feed: str, job: str | None, event: str, payload: dict[str, Any]) -> int:
        """Queue ``event`` for every webhook of the feed; returns how many deliveries were queued."""
        hooks = self.of_feed(feed)
        body = json.dumps({"event": event, "feed": feed, **payload}, ensure_ascii=False).encode()
        now = time.time()
        with self.db.connect() as db:
            for hook in hooks:
                db.execute("INSERT INTO deliveries (id, feed, job, url, event, body, state, next_attempt, created) "
                           "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                           (uuid.uuid4().hex, feed, job, hook.url, event, body, now, now))
        return len(hooks)

    def log(self, feed: str, limit: int = 50) -> list[dict[str, Any]]:
        """The feed's latest deliveries with their tries, newest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT id, job, url, event, state, attempts, last_status, last_error, created, "
                              "delivered FROM deliveries WHERE feed = ? ORDER BY created DESC LIMIT ?",
                              (feed, limit)).fetchall()
        return [dict(r) for r in rows]


    def prune(self, older_than: float) -> int:
        """Forget deliveries that ended (delivered or given up) more than ``older_than`` seconds ago."""
        limit = time.time() - older_than
        with self.db.connect() as db:
            db.execute("DELETE FROM delivery_attempts WHERE delivery IN (SELECT id FROM deliveries WHERE "
                       "state != 'pending' AND created < ?)", (limit,))
            return db.execute("DELETE FROM deliveries WHERE state != 'pending' AND created < ?", (limit,)).rowcount


class Sender:
    """The thread that sends due deliveries, one at a time, and reschedules the failed ones."""

    def __init__(self, db: Database, retry: Retry | None = None) -> None:
        self.db = db
        self.retry = retry or Retry()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="narrate-webhooks", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout=self.retry.timeout + 5)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sent = self.send_due()
            except Exception:  # the sender must outlive a locked database or a bad row
                log.exception("webhook sender")
                sent = 0
            if not sent:
                self.wake.wait(timeout=0.5)
                self.wake.clear()

    def send_due(self) -> int:
        """Try every delivery that is due; returns how many were tried."""
        with self.db.connect() as db:
            due = db.execute("SELECT d.id, d.url, d.event, d.body, d.attempts, w.secret FROM deliveries d "
                             "LEFT JOIN webhooks w ON w.feed = d.feed AND w.url = d.url "
                             "WHERE d.state = 'pending' AND d.next_attempt <= ? ORDER BY d.created",
                             (time.time(),)).fetchall()
        for row in due:
            if self.stopping.is_set():
                break
            self._try(row)
        return len(due)

    def _try(self, row: Any) -> None:
        attempt = row["attempts"] + 1
        status: int | None = None
        error: str | None = None
        if row["secret"] is None:
            error = "the webhook was removed"
        else:
            status, error = post(row["url"], row["body"], row["secret"], row["event"], row["id"],
                                 self.retry.timeout)
        now = time.time()
        delivered = status is not None and 200 <= status < 300
        gave_up = not delivered and (attempt >= self.retry.tries or row["secret"] is None)
        state = "delivered" if delivered else "failed" if gave_up else "pending"
        with self.db.connect() as db:
            db.execute("INSERT INTO delivery_attempts (delivery, attempt, at, status, error) VALUES (?, ?, ?, ?, ?)",
                       (row["id"], attempt, now, status, error))
            db.execute("UPDATE deliveries SET state = ?, attempts = ?, last_status = ?, last_error = ?, "
                       "next_attempt = ?, delivered = ? WHERE id = ?",
                       (state, attempt, status, error, now + self.retry.delay(attempt), now if delivered else None,
                        row["id"]))
        if gave_up:
            log.warning("webhook %s: gave up %s after %d tries: %s", row["url"], row["event"], attempt,
                        error or f"HTTP {status}")


def post(url: str, body: bytes, secret: str, event: str, delivery: str,
         timeout: float) -> tuple[int | None, str | None]:
    """POST one signed event; the HTTP status (None when there was no answer) and what went wrong, if anything."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": f"narrate/{__version__}",
        SIGNATURE_HEADER: sign(secret, body),
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65_536)
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return None, str(reason)
