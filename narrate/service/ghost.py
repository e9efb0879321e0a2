"""Ghost's native webhooks: the signature it sends, and what its post payloads ask for.

Ghost signs a webhook when the integration has a secret: ``X-Ghost-Signature: sha256=<hex>, t=<ms>``, the
HMAC-SHA256 with the secret of the raw body followed by the timestamp (in milliseconds) as written. A post
event carries ``{"post": {"current": {...}, "previous": {...}}}``; which event it was is not in the body (a
Ghost webhook is one event sent to one URL), so it is told from the payload: a current post that is
published is narrated (``post.published``, ``post.published.edited``), an empty current one with a previous
URL is a deletion (``post.deleted``), and a published post turned back into a draft is unpublished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Ghost-Signature"
TOLERANCE_SECONDS = 600.0
"""How old a signed request may be (a replayed one older than this is refused)."""


def ghost_signature(secret: str, body: bytes, timestamp_ms: int) -> str:
    """The ``X-Ghost-Signature`` value Ghost sends for ``body`` at ``timestamp_ms``."""
    mac = hmac.new(secret.encode(), body + str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
    return f"sha256={mac}, t={timestamp_ms}"


def verify_ghost_signature(secret: str, body: bytes, header: str | None, now: float | None = None) -> str | None:
    """None when ``header`` is Ghost's valid, recent signature of ``body``; else why it is not."""
    if not header:
        return f"missing {SIGNATURE_HEADER}"
    parts: dict[str, str] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        parts[key.strip()] = value.strip()
    mac, stamp = parts.get("sha256", ""), parts.get("t", "")
    if not mac or not stamp.isdigit():
        return f"{SIGNATURE_HEADER} is not 'sha256=<hex>, t=<milliseconds>'"
    expected = hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac.lower()):
        return f"{SIGNATURE_HEADER} does not match the body (check the secret)"
    age = (now if now is not None else time.time()) - int(stamp) / 1000
    if abs(age) > TOLERANCE_SECONDS:
        return f"{SIGNATURE_HEADER} is {abs(age):.0f} s off the clock (more than {TOLERANCE_SECONDS:.0f} s)"
    return None


@dataclass(frozen=True)
class GhostNarrate:
    """Narrate (again) this post."""

    title: str
    html: str
    url: str | None
    published: dt.date | None


@dataclass(frozen=True)
class GhostRemove:
    """Take down the episode of the post at ``url``."""

    url: str
    why: str


@dataclass(frozen=True)
class GhostIgnore:
    """Nothing to do (a draft saved, a page scheduled)."""

    why: str


GhostAction = GhostNarrate | GhostRemove | GhostIgnore


def ghost_action(payload: Any) -> GhostAction:
    """What a Ghost post webhook asks for; a ValueError naming the field when the payload is not one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("post"), dict):
        raise ValueError("not a Ghost post webhook: no 'post' object")
    post = payload["post"]
    current, previous = post.get("current") or {}, post.get("previous") or {}
    if not isinstance(current, dict) or not isinstance(previous, dict):
        raise ValueError("post.current and post.previous must be objects")
    if not current:
        url = previous.get("url")
        if not isinstance(url, str) or not url:
            raise ValueError("post.deleted without post.previous.url")
        return GhostRemove(url, "post.deleted")
    status = current.get("status", "published")
    if status != "published":
        if previous.get("status") == "published" and isinstance(current.get("url"), str):
            return GhostRemove(current["url"], "post.unpublished")
        return GhostIgnore(f"post is {status}, not published")
    title, html = current.get("title"), current.get("html")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("post.current.title is missing")
    if not isinstance(html, str) or not html.strip():
        raise ValueError("post.current.html is missing (the webhook must send the post's HTML)")
    url = current.get("url")
    return GhostNarrate(title.strip(), html, url if isinstance(url, str) and url else None,
                        _date(current.get("published_at")))


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
