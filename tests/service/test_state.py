"""The service's state on its own: hashed tokens, the job store, Ghost's signature, webhook signing, bodies."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import sqlite3
import threading
from pathlib import Path

import pytest

from narrate.errors import InputError
from narrate.service.db import Database
from narrate.service.ghost import (
    GhostIgnore,
    GhostNarrate,
    GhostRemove,
    ghost_action,
    ghost_signature,
    verify_ghost_signature,
)
from narrate.service.jobs import JobState, SqliteJobStore
from narrate.service.tokens import Access, Tokens
from narrate.service.webhooks import Retry, Webhooks, sign
from narrate.sources.read import read_text


def test_a_token_is_stored_only_as_its_sha256_and_works_for_its_feed_alone(tmp_path: Path) -> None:
    db = Database(tmp_path / "state")
    tokens = Tokens(db)
    info, token = tokens.create("harbor", "cms")
    raw = db.path.read_bytes() + (db.path.with_name(db.path.name + "-wal").read_bytes()
                                  if db.path.with_name(db.path.name + "-wal").exists() else b"")
    assert token.encode() not in raw
    secret_part = token.rsplit("_", 1)[1]
    assert secret_part.encode() not in raw
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT digest FROM tokens").fetchall() == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert tokens.check(token, "harbor") is Access.GRANTED
    assert tokens.check(token, "other") is Access.OTHER_FEED
    assert tokens.check(token[:-1] + ("A" if token[-1] != "A" else "B"), "harbor") is Access.UNKNOWN
    assert tokens.check(None, "harbor") is Access.UNKNOWN
    assert [t.id for t in tokens.of_feed("harbor")] == [info.id]
    assert tokens.of_feed("harbor")[0].last_used is not None
    tokens.revoke("harbor", info.id)
    assert tokens.check(token, "harbor") is Access.UNKNOWN
    with pytest.raises(InputError, match="no token"):
        tokens.revoke("harbor", info.id)


def test_the_state_file_is_private_to_its_owner(tmp_path: Path) -> None:
    db = Database(tmp_path / "state")
    assert db.path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "state").stat().st_mode & 0o077 == 0


def test_the_same_article_submitted_while_active_is_one_job_and_again_after_it_finished(tmp_path: Path) -> None:
    store = SqliteJobStore(Database(tmp_path))
    first, created = store.submit("harbor", "url:a", {"url": "https://x.example/a"})
    again, created_again = store.submit("harbor", "url:a", {"url": "https://x.example/a"})
    other_feed, _ = store.submit("other", "url:a", {"url": "https://x.example/a"})
    assert created and not created_again and again.id == first.id and other_feed.id != first.id
    claimed = store.claim()
    assert claimed is not None and claimed.id == first.id and claimed.state is JobState.RUNNING
    assert store.submit("harbor", "url:a", {})[0].id == first.id  # still running: the same job
    store.finish(first.id, {"guid": "g"})
    later, created_later = store.submit("harbor", "url:a", {})
    assert created_later and later.id != first.id


def test_concurrent_submissions_from_many_threads_make_one_job_per_article(tmp_path: Path) -> None:
    store = SqliteJobStore(Database(tmp_path))
    barrier = threading.Barrier(24)
    ids: list[str] = []

    def submit(n: int) -> None:
        barrier.wait()
        ids.append(store.submit("harbor", f"url:{n % 4}", {"n": n})[0].id)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 24 and len(set(ids)) == 4
    assert store.count("harbor")["queued"] == 4


def test_jobs_left_running_by_a_dead_process_are_queued_again_and_claimed_oldest_first(tmp_path: Path) -> None:
    store = SqliteJobStore(Database(tmp_path))
    old, _ = store.submit("harbor", "k1", {})
    new, _ = store.submit("harbor", "k2", {})
    assert store.claim().id == old.id  # type: ignore[union-attr]
    store.progress(old.id, 3, 10)
    restarted = SqliteJobStore(Database(tmp_path))
    assert restarted.requeue_running() == 1
    job = restarted.claim()
    assert job is not None and job.id == old.id and job.attempts == 2 and job.sentences_done is None
    assert restarted.claim().id == new.id  # type: ignore[union-attr]
    assert restarted.claim() is None


def test_ghost_signature_is_hmac_sha256_of_the_body_and_millisecond_timestamp() -> None:
    body = b'{"post":{"current":{}}}'
    stamp = 1_764_460_800_123
    header = ghost_signature("s3cret", body, stamp)
    expected = hmac.new(b"s3cret", body + b"1764460800123", hashlib.sha256).hexdigest()
    assert header == f"sha256={expected}, t=1764460800123"
    now = stamp / 1000 + 5
    assert verify_ghost_signature("s3cret", body, header, now=now) is None
    assert "does not match" in (verify_ghost_signature("wrong", body, header, now=now) or "")
    assert "does not match" in (verify_ghost_signature("s3cret", body + b" ", header, now=now) or "")
    assert "off the clock" in (verify_ghost_signature("s3cret", body, header, now=now + 3600) or "")
    assert "missing" in (verify_ghost_signature("s3cret", body, None, now=now) or "")
    assert "not 'sha256=" in (verify_ghost_signature("s3cret", body, "sha256=abc", now=now) or "")


def test_ghost_payloads_say_narrate_remove_or_ignore() -> None:
    published = {"post": {"current": {"status": "published", "title": " Ferry ", "html": "<p>Text.</p>",
                                      "url": "https://blog.example/ferry/", "published_at": "2026-11-29T10:00:00.000Z"},
                          "previous": {}}}
    assert ghost_action(published) == GhostNarrate("Ferry", "<p>Text.</p>", "https://blog.example/ferry/",
                                                   dt.date(2026, 11, 29))
    deleted = {"post": {"current": {}, "previous": {"url": "https://blog.example/ferry/", "title": "Ferry"}}}
    assert ghost_action(deleted) == GhostRemove("https://blog.example/ferry/", "post.deleted")
    unpublished = {"post": {"current": {"status": "draft", "url": "https://blog.example/ferry/"},
                            "previous": {"status": "published"}}}
    assert isinstance(ghost_action(unpublished), GhostRemove)
    assert isinstance(ghost_action({"post": {"current": {"status": "draft", "title": "t", "html": "h"}}}), GhostIgnore)
    for bad, field in (({}, "post"), ({"post": {"current": {"status": "published", "html": "h"}}}, "title"),
                       ({"post": {"current": {"title": "t"}}}, "html"), ({"post": {"current": {}}}, "previous.url")):
        with pytest.raises(ValueError, match=field):
            ghost_action(bad)


def test_webhook_signature_is_github_style_and_secrets_are_per_url(tmp_path: Path) -> None:
    hooks = Webhooks(Database(tmp_path))
    first = hooks.add("harbor", "http://127.0.0.1:9/a")
    second = hooks.add("harbor", "http://127.0.0.1:9/b")
    assert first.secret != second.secret and len(first.secret) == 64
    assert sign(first.secret, b"{}") == "sha256=" + hmac.new(first.secret.encode(), b"{}", hashlib.sha256).hexdigest()
    assert [h.url for h in hooks.of_feed("harbor")] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    with pytest.raises(InputError, match="http"):
        hooks.add("harbor", "file:///etc/passwd")
    hooks.remove("harbor", first.url)
    assert [h.url for h in hooks.of_feed("harbor")] == [second.url]
    assert Retry(first=2).delay(1) == 2 and Retry(first=2).delay(3) == 8


@pytest.mark.parametrize("kind", ["html", "markdown", "text"])
def test_a_body_of_each_kind_becomes_an_article_with_the_given_title_url_and_date(kind: str) -> None:
    body = {"html": "<p>The harbour ferry will run every twenty minutes from Monday, the council said.</p>"
                    "<p>Crowds grew all summer, officials said on Friday.</p>",
            "markdown": "The harbour ferry will run every twenty minutes from Monday, the council said.\n\n"
                        "Crowds grew all summer, officials said on Friday.",
            "text": "The harbour ferry will run every twenty minutes from Monday, the council said.\n\n"
                    "Crowds grew all summer, officials said on Friday."}[kind]
    article = read_text(body, kind, url="https://news.example/ferry", title="Ferry runs more often",
                        published=dt.date(2026, 11, 1))
    assert (article.meta.title, article.meta.url, article.meta.date) == \
        ("Ferry runs more often", "https://news.example/ferry", dt.date(2026, 11, 1))
    assert article.sections[0].paragraphs == ("Ferry runs more often",)
    assert "twenty minutes" in " ".join(p for s in article.sections[1:] for p in s.paragraphs)
    with pytest.raises(InputError, match="kind"):
        read_text(body, "pdf")


def test_finished_jobs_are_forgotten_after_the_keeping_time_and_active_ones_never(tmp_path: Path) -> None:
    db = Database(tmp_path)
    store = SqliteJobStore(db)
    finished, _ = store.submit("harbor", "k1", {})
    store.claim()
    store.fail(finished.id, "a reason")
    queued, _ = store.submit("harbor", "k2", {})
    assert store.prune(3600) == 0
    with db.connect() as conn:
        conn.execute("UPDATE jobs SET finished = finished - 7200, submitted = submitted - 7200")
    assert store.prune(3600) == 1
    assert store.get("harbor", finished.id) is None and store.get("harbor", queued.id) is not None
