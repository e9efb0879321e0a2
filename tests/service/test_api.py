"""The publish API over real HTTP on loopback: a real uvicorn server, a real client, the fake voice."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from mutagen.mp3 import MP3

from narrate.publish.manifest import manifest_name
from narrate.service.ghost import ghost_signature
from narrate.service.service import Service
from tests.http_support import ReplyHandler, serve
from tests.service.support import article, bearer, make_feed, running, service_config, wait_for

BASE_URL = "https://podcasts.example.org/harbor/"


class Api:
    """A running service: its base URL, a client, the feeds folder and a token per feed."""

    def __init__(self, url: str, service: Service, feeds: Path) -> None:
        self.url = url
        self.service = service
        self.feeds = feeds
        self.client = httpx.Client(base_url=url, timeout=30)
        self.token = service.tokens.create("harbor")[1]
        self.closed_token = service.tokens.create("closed")[1]

    def narrations(self, feed: str = "harbor") -> str:
        return f"/api/v1/feeds/{feed}/narrations"

    def token_of(self, feed: str) -> str:
        return self.token if feed == "harbor" else self.closed_token

    def submit(self, payload: dict[str, Any], feed: str = "harbor", token: str | None = None) -> httpx.Response:
        return self.client.post(self.narrations(feed), json=payload, headers=bearer(token or self.token_of(feed)))

    def narrate(self, payload: dict[str, Any], feed: str = "harbor") -> dict[str, Any]:
        answer = self.submit(payload, feed)
        assert answer.status_code == 202, answer.text
        return wait_for(self.client, answer.json()["status_url"], self.token_of(feed))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("api")
    make_feed(tmp / "feeds", "harbor")
    make_feed(tmp / "feeds", "closed")
    service = Service(service_config(tmp, allow_private=frozenset({"harbor"})))
    with running(service) as url:
        api = Api(url, service, tmp / "feeds")
        yield api
        api.client.close()


class Pages(ReplyHandler):
    """Article pages on loopback, as a newsroom's site would serve them."""

    def do_GET(self) -> None:
        if self.path.startswith("/news/"):
            topic = self.path.rsplit("/", 1)[1]
            paragraphs = "".join(f"<p>{p}</p>" for p in article(topic).split("\n\n"))
            html = (f"<html><head><title>The {topic} story</title></head><body><article><h1>The {topic} story</h1>"
                    f"{paragraphs}</article></body></html>")
            self.reply(200, "text/html; charset=utf-8", html.encode())
        else:
            self.reply(404, "text/plain", b"gone")


# --- auth, limits, malformed requests (no narration runs) ------------------------------------------------

def test_health_and_the_openapi_document_need_no_token(api: Api) -> None:
    health = api.client.get("/api/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    document = api.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/feeds/{feed}/narrations" in document["paths"]
    assert "/api/v1/hooks/ghost/{feed}" in document["paths"]


@pytest.mark.parametrize("authorization", [None, "Bearer nrt_00000000_not-a-token", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_wrong_token_is_401(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = api.client.post(api.narrations(), json={"url": "https://news.example/a"}, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in answer.json()["error"]
    assert api.client.get("/api/v1/feeds/harbor/episodes", headers=headers).status_code == 401


def test_another_feeds_token_is_403(api: Api) -> None:
    answer = api.submit({"url": "https://news.example/a"}, feed="harbor", token=api.closed_token)
    assert answer.status_code == 403 and "harbor" in answer.json()["error"]
    assert api.client.delete("/api/v1/feeds/harbor/episodes/x", headers=bearer(api.closed_token)).status_code == 403


def test_an_oversize_body_is_413_by_its_length_or_as_it_streams(api: Api) -> None:
    big = {"text": "word " * 60_000}
    answer = api.submit(big)
    assert answer.status_code == 413 and "bytes" in answer.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked
        yield b'{"text": "'
        for _ in range(300):
            yield b"x" * 1000
        yield b'"}'

    streamed = api.client.post(api.narrations(), content=chunks(),
                               headers={**bearer(api.token), "Content-Type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.parametrize(("payload", "field", "problem"), [
    ({}, "body", "give the article's url"),
    ({"url": "ftp://news.example/a"}, "body", "not an http(s) URL"),
    ({"html": "<p>a</p>", "markdown": "a"}, "body", "give one body"),
    ({"text": "   "}, "body", "text is empty"),
    ({"url": "https://news.example/a", "colour": "red"}, "colour", "unknown field"),
    ({"text": "Some text.", "published": "last tuesday"}, "published", "not an ISO 8601 date"),
    ({"text": 42}, "text", "string"),
])
def test_a_malformed_request_is_422_naming_the_field_and_the_problem(api: Api, payload: dict[str, Any], field: str,
                                                                    problem: str) -> None:
    answer = api.submit(payload)
    assert answer.status_code == 422
    body = answer.json()
    assert any(p["field"] == field and problem in p["problem"] for p in body["problems"]), body
    assert body["error"].startswith("invalid request: ") and "\n" not in body["error"]


def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    answer = api.client.post(api.narrations(), content=b"{not json", headers={**bearer(api.token),
                                                                              "Content-Type": "application/json"})
    assert answer.status_code == 422 and "JSON" in answer.json()["error"]


def test_an_unknown_feed_or_job_is_404(api: Api) -> None:
    assert api.client.get("/api/v1/feeds/harbor/narrations/nope", headers=bearer(api.token)).status_code == 404
    assert api.client.delete("/api/v1/feeds/harbor/episodes/nope", headers=bearer(api.token)).status_code == 404
    assert api.client.get("/api/v1/feeds/harbor/episodes", params={"url": "https://news.example/none"},
                          headers=bearer(api.token)).status_code == 404


# --- narrations -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_body_narrates_to_an_episode_with_its_manifest_and_embed(api: Api) -> None:
    url = "https://news.example.org/2026/ferry-timetable"
    job = api.narrate({"markdown": article("ferry"), "title": "Ferry runs more often", "url": url,
                       "published": "2026-11-29"})
    assert job["status"] == "done", job
    guid = job["guid"]
    assert job["narration"]["status"] == "published" and job["narration"]["title"] == "Ferry runs more often"
    assert job["manifest_url"] == BASE_URL + manifest_name(guid)
    assert job["audio_url"].startswith(BASE_URL + "episodes/") and job["audio_url"].endswith(".mp3")
    assert "<narrate-player" in job["embed_html"] and job["duration"] > 1
    audio = api.feeds / "harbor" / "episodes" / job["audio_url"].rsplit("/", 1)[1]
    assert MP3(audio).info.length == pytest.approx(job["duration"], abs=0.2)
    found = api.client.get("/api/v1/feeds/harbor/episodes", params={"url": url + "/?utm_source=x"},
                           headers=bearer(api.token))
    assert found.status_code == 200 and found.json()["guid"] == guid
    assert found.json()["manifest_url"] == job["manifest_url"]


@pytest.mark.slow
def test_a_url_narrates_through_the_fetch_guard_which_only_an_allowed_feed_passes(api: Api) -> None:
    with serve(Pages) as site:
        job = api.narrate({"url": f"{site}/news/tram"})
        refused = api.narrate({"url": f"{site}/news/bus"}, feed="closed")
        missing = api.narrate({"url": f"{site}/nothing-here"})
    assert job["status"] == "done", job
    assert job["narration"]["title"] == "The tram story"
    assert job["narration"]["episode"]["article_url"] == f"{site}/news/tram"
    assert refused["status"] == "failed" and "private" in refused["error"] and "\n" not in refused["error"]
    assert missing["status"] == "failed" and "404" in missing["error"]


@pytest.mark.slow
def test_a_running_job_reports_sentences_done_of_total(api: Api) -> None:
    answer = api.submit({"markdown": article("progress", sentences=60), "title": "Long progress story"})
    seen: list[dict[str, Any]] = []
    status_url = answer.json()["status_url"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.client.get(status_url, headers=bearer(api.token)).json()
        if job["status"] == "running" and "progress" in job:
            seen.append(job["progress"])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.02)
    assert job["status"] == "done"
    assert seen and all(p["sentences_total"] >= 60 for p in seen)
    assert all(0 <= p["sentences_done"] <= p["sentences_total"] for p in seen)


@pytest.mark.slow
def test_deleting_an_episode_takes_it_down_at_once(api: Api) -> None:
    job = api.narrate({"text": article("takedown"), "title": "A story to take down"})
    guid = job["guid"]
    audio = api.feeds / "harbor" / "episodes" / job["audio_url"].rsplit("/", 1)[1]
    assert audio.exists()
    answer = api.client.delete(f"/api/v1/feeds/harbor/episodes/{guid}", headers=bearer(api.token))
    assert answer.status_code == 200 and answer.json()["removed"] == guid
    assert not audio.exists()
    assert guid not in (api.feeds / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert api.client.delete(f"/api/v1/feeds/harbor/episodes/{guid}", headers=bearer(api.token)).status_code == 404


# --- concurrency ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_fifty_concurrent_submissions_lose_nothing_and_make_no_duplicates(tmp_path: Path) -> None:
    make_feed(tmp_path / "feeds", "harbor")
    service = Service(service_config(tmp_path))
    token = service.tokens.create("harbor")[1]
    topics = [f"topic{n}" for n in range(10)]
    # The workers wait until every submission is in, so each article's five copies meet an active job.
    with running(service, start=False) as url, httpx.Client(base_url=url, timeout=60) as client:
        barrier = threading.Barrier(50)
        answers: dict[int, httpx.Response] = {}

        def submit(n: int) -> None:
            payload = {"markdown": article(topics[n % 10]), "title": f"The {topics[n % 10]} story"}
            barrier.wait()
            answers[n] = client.post("/api/v1/feeds/harbor/narrations", json=payload, headers=bearer(token))

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == list(range(50)) and {a.status_code for a in answers.values()} == {202}
        ids = {n: a.json()["id"] for n, a in answers.items()}
        assert len(set(ids.values())) == 10
        assert all(ids[n] == ids[n % 10] for n in range(50))
        assert sum(not a.json()["deduplicated"] for a in answers.values()) == 10
        service.start()
        try:
            jobs = [wait_for(client, answers[n].json()["status_url"], token) for n in range(10)]
        finally:
            service.stop()
    assert [j["status"] for j in jobs] == ["done"] * 10
    guids = [j["guid"] for j in jobs]
    assert len(set(guids)) == 10
    feed_xml = (tmp_path / "feeds" / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert feed_xml.count("<item>") == 10 and all(feed_xml.count(g) == 1 for g in guids)
    assert len(list((tmp_path / "feeds" / "harbor" / "records").glob("*.json"))) == 10


# --- webhooks and Ghost -----------------------------------------------------------------------------------

class Receiver(ReplyHandler):
    """Records every webhook POST; ``/flaky`` answers 503 to the first delivery of each event."""

    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            earlier = [r for r in self.received if r[0] == self.path and r[2] == body]
            self.received.append((self.path, dict(self.headers), body))
        self.reply(503 if self.path == "/flaky" and not earlier else 200, "text/plain", b"ok")


def _valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Narrate-Signature"])


@pytest.mark.slow
def test_webhooks_get_each_event_once_signed_and_a_failed_delivery_is_retried(api: Api) -> None:
    Receiver.received = []
    with serve(Receiver) as receiver:
        steady = api.service.webhooks.add("harbor", f"{receiver}/steady")
        flaky = api.service.webhooks.add("harbor", f"{receiver}/flaky")
        try:
            done = api.narrate({"markdown": article("webhook"), "title": "Webhook story"})
            failed = api.narrate({"url": f"{receiver}/no-article-here"})
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(Receiver.received) < 6:
                time.sleep(0.05)
            time.sleep(1)  # a duplicate delivery would arrive by now (retries are 0.2 s apart)
        finally:
            api.service.webhooks.remove("harbor", steady.url)
            api.service.webhooks.remove("harbor", flaky.url)
    assert failed["status"] == "failed"
    by_path: dict[str, list[dict[str, Any]]] = {"/steady": [], "/flaky": []}
    for path, headers, body in Receiver.received:
        secret = steady.secret if path == "/steady" else flaky.secret
        assert _valid(secret, headers, body), (path, headers)
        assert headers["Content-Type"] == "application/json"
        by_path[path].append({**json.loads(body), "delivery": headers["X-Narrate-Delivery"]})
    steady_events = sorted((e["event"], e["job"]) for e in by_path["/steady"])
    assert steady_events == sorted([("narration.done", done["id"]), ("narration.failed", failed["id"])])
    done_event = next(e for e in by_path["/steady"] if e["event"] == "narration.done")
    assert done_event["narration"]["guid"] == done["guid"] and done_event["feed"] == "harbor"
    assert "narration" in done_event and done_event["narration"]["episode"]["manifest_url"] == done["manifest_url"]
    failed_event = next(e for e in by_path["/steady"] if e["event"] == "narration.failed")
    assert failed_event["error"] == failed["error"]
    # /flaky: each event refused once (503), then delivered: twice each, the same delivery id both times.
    assert len(by_path["/flaky"]) == 4
    assert len({e["delivery"] for e in by_path["/flaky"]}) == 2
    log = api.service.webhooks.log("harbor")
    flaky_log = [r for r in log if r["url"] == flaky.url]
    assert {(r["state"], r["attempts"], r["last_status"]) for r in flaky_log} == {("delivered", 2, 200)}


def _ghost_post(api: Api, body: dict[str, Any], secret: str | None, *, stamp: int | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Ghost-Signature"] = ghost_signature(secret, raw, stamp or int(time.time() * 1000))
    return api.client.post("/api/v1/hooks/ghost/harbor", content=raw, headers=headers)


@pytest.mark.slow
def test_a_ghost_post_narrates_on_publish_and_is_removed_on_delete(api: Api) -> None:
    secret = "ghost-secret-for-tests"
    api.service.webhooks.set_cms_secret("harbor", "ghost", secret)
    url = "https://blog.example.org/lighthouse-reopens/"
    current = {"id": "abc", "status": "published", "title": "Lighthouse reopens",
               "html": "<p>The old lighthouse on the point reopens to visitors on Saturday.</p>"
                       "<h2>Tickets</h2><p>Tickets cost five pounds and go on sale on Friday.</p>",
               "url": url, "published_at": "2026-11-28T09:30:00.000Z"}
    published = {"post": {"current": current, "previous": {}}}
    try:
        assert _ghost_post(api, published, None).status_code == 401
        assert _ghost_post(api, published, "wrong-secret").status_code == 401
        stale = _ghost_post(api, published, secret, stamp=int((time.time() - 3600) * 1000))
        assert stale.status_code == 401 and "clock" in stale.json()["error"]
        answer = _ghost_post(api, published, secret)
        assert answer.status_code == 202, answer.text
        job = wait_for(api.client, answer.json()["status_url"], api.token)
        assert job["status"] == "done" and job["narration"]["title"] == "Lighthouse reopens"
        episode = api.client.get("/api/v1/feeds/harbor/episodes", params={"url": url}, headers=bearer(api.token))
        assert episode.json()["guid"] == job["guid"] and episode.json()["published"].startswith("2026-11-28")
        audio = api.feeds / "harbor" / "episodes" / job["audio_url"].rsplit("/", 1)[1]
        assert audio.exists()

        deleted = {"post": {"current": {}, "previous": {**current, "status": "published"}}}
        removed = _ghost_post(api, deleted, secret)
        assert removed.status_code == 200 and removed.json()["removed"] == job["guid"]
        assert not audio.exists()
        assert api.client.get("/api/v1/feeds/harbor/episodes", params={"url": url},
                              headers=bearer(api.token)).status_code == 404
        assert _ghost_post(api, {"nonsense": True}, secret).status_code == 422
    finally:
        with api.service.db.connect() as db:
            db.execute("DELETE FROM cms_secrets")


def test_without_a_ghost_secret_the_hook_needs_the_feeds_token(api: Api) -> None:
    payload = {"post": {"current": {"status": "draft", "title": "Draft", "html": "<p>x</p>"}, "previous": {}}}
    assert _ghost_post(api, payload, None).status_code == 401
    answer = api.client.post("/api/v1/hooks/ghost/harbor", params={"token": api.token}, json=payload)
    assert answer.status_code == 202 and "draft" in answer.json()["ignored"]
    assert api.client.post("/api/v1/hooks/ghost/harbor", params={"token": api.closed_token},
                           json=payload).status_code == 403


# --- where jobs render ------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("where", ["pool", "dask"])
def test_jobs_render_on_the_batch_pool_or_dask_and_are_recorded_here(tmp_path: Path, where: str) -> None:
    import dataclasses

    if where == "dask":
        pytest.importorskip("distributed")
    make_feed(tmp_path / "feeds", "harbor")
    config = service_config(tmp_path, jobs=2)
    if where == "dask":
        config = dataclasses.replace(config, jobs=1, cluster=2)
    service = Service(config)
    token = service.tokens.create("harbor")[1]
    with running(service) as url, httpx.Client(base_url=url, timeout=60) as client:
        answers = [client.post("/api/v1/feeds/harbor/narrations", headers=bearer(token),
                               json={"markdown": article(topic), "title": f"The {topic} story"})
                   for topic in ("pool-a", "pool-b", "pool-c")]
        assert service.workers is not None and len(service.workers.threads) == 2
        jobs = [wait_for(client, a.json()["status_url"], token, timeout=300) for a in answers]
        pool = list(service.renderer.executor._processes.values()) if where == "pool" else []  # type: ignore[union-attr]
    assert [j["status"] for j in jobs] == ["done"] * 3, jobs
    assert not [p for p in pool if p.is_alive()]  # the service's pool ends with it
    assert all(j["narration"]["status"] == "published" for j in jobs)
    feed_xml = (tmp_path / "feeds" / "harbor" / "feed.xml").read_text(encoding="utf-8")
    assert feed_xml.count("<item>") == 3
