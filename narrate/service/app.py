"""The HTTP API (FastAPI): submit narrations, follow them, find and take down episodes, Ghost's webhooks.

Every route under ``/api/v1/feeds/{feed}`` needs ``Authorization: Bearer <token>`` with a token of that
feed (401 without a valid one, 403 with another feed's). Errors are JSON ``{"error": "<one line>"}``; a
malformed request is 422 with ``problems``: each a ``field`` and its ``problem``. The OpenAPI document is
at ``/api/v1/openapi.json``, its pages at ``/api/v1/docs``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at run time, and the
# feed dependency is a closure over the service.
import datetime as dt
import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from narrate import __version__, api
from narrate.errors import NarrateError, PublishError
from narrate.publish.episode import canonical_article_url
from narrate.service.ghost import GhostIgnore, GhostNarrate, GhostRemove, ghost_action, verify_ghost_signature
from narrate.service.jobs import Job, JobState
from narrate.service.service import Service
from narrate.service.tokens import Access
from narrate.sources.read import TEXT_KINDS

PREFIX = "/api/v1"
FEED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


# --- requests and answers ------------------------------------------------------------------------------

class NarrationRequest(BaseModel):
    """An article to narrate: its ``url`` alone (narrate fetches it), or its body as ``html``, ``markdown`` or
    ``text`` (``url``, ``title`` and ``published`` then describe it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(default=None, max_length=2048, description="The article's public http(s) address.")
    html: str | None = Field(default=None, description="The article's HTML (a whole page, or the body a CMS stores).")
    markdown: str | None = Field(default=None, description="The article as Markdown (front matter allowed).")
    text: str | None = Field(default=None, description="The article as plain text, title first.")
    title: str | None = Field(default=None, max_length=1000, description="The headline, when the body has none.")
    published: str | None = Field(default=None, description="Publication date or time (ISO 8601).")

    @field_validator("published")
    @classmethod
    def iso_date(cls, value: str | None) -> str | None:
        """The date of an ISO 8601 date or date-time, as ``YYYY-MM-DD``."""
        if value is None:
            return None
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date such as 2026-11-29") from None

    @model_validator(mode="after")
    def one_article(self) -> "NarrationRequest":
        bodies = [kind for kind in TEXT_KINDS if getattr(self, kind) is not None]
        if len(bodies) > 1:
            raise ValueError(f"give one body, not {' and '.join(bodies)}")
        if not bodies and not self.url:
            raise ValueError("give the article's url, or its body as html, markdown or text")
        if bodies and not (getattr(self, bodies[0]) or "").strip():
            raise ValueError(f"{bodies[0]} is empty")
        if self.url is not None and not re.fullmatch(r"https?://[^\s/]+[^\s]*", self.url, re.IGNORECASE):
            raise ValueError(f"url {self.url!r} is not an http(s) URL")
        return self

    def stored(self) -> dict[str, Any]:
        """The request as the job keeps it (dates as ISO text, no empty fields)."""
        return self.model_dump(exclude_none=True)

    def dedupe_key(self) -> str:
        """The same article gives the same key: its canonical URL, or a digest of everything submitted with a body."""
        if not any(getattr(self, kind) is not None for kind in TEXT_KINDS):
            return "url:" + canonical_article_url(self.url or "")
        return "body:" + hashlib.sha256(json.dumps(self.stored(), sort_keys=True).encode()).hexdigest()


class Submitted(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    status_url: str
    deduplicated: bool = Field(description="True when this article was already queued or running: the same job.")


class Progress(BaseModel):
    sentences_done: int | None
    sentences_total: int | None


class JobView(BaseModel):
    id: str
    feed: str
    status: Literal["queued", "running", "done", "failed"]
    submitted: dt.datetime
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    attempts: int
    progress: Progress | None = Field(default=None, description="While running: sentences synthesized of the total.")
    error: str | None = Field(default=None, description="Why it failed, in one line.")
    guid: str | None = None
    audio_url: str | None = None
    manifest_url: str | None = None
    embed_html: str | None = None
    duration: float | None = None
    narration: dict[str, Any] | None = Field(default=None, description="The narration's full summary once done.")


def _time(value: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if value is not None else None


def job_view(job: Job) -> JobView:
    view = JobView(id=job.id, feed=job.feed, status=job.state.value, submitted=_time(job.submitted),  # type: ignore[arg-type]
                   started=_time(job.started), finished=_time(job.finished), attempts=job.attempts,
                   error=job.error)
    if job.state is JobState.RUNNING and job.sentences_total is not None:
        view.progress = Progress(sentences_done=job.sentences_done, sentences_total=job.sentences_total)
    if job.state is JobState.DONE and job.result is not None:
        episode = job.result.get("episode") or {}
        view.narration = job.result
        view.guid = job.result.get("guid")
        view.duration = job.result.get("duration")
        view.audio_url = episode.get("audio_url")
        view.manifest_url = episode.get("manifest_url")
        view.embed_html = episode.get("embed_html")
    return view


# --- errors ---------------------------------------------------------------------------------------------

def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _problems(errors: list[Any]) -> list[dict[str, str]]:
    problems = []
    for error in errors:
        message = str(error.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = "unknown field; give url, html, markdown, text, title or published"
        problems.append({"field": _field(tuple(error.get("loc", ()))), "problem": message})
    return problems


def _unprocessable(problems: list[dict[str, str]]) -> JSONResponse:
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
    return JSONResponse({"error": f"invalid request: {summary}", "problems": problems}, status_code=422)


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, by its Content-Length or, for a chunked one, as it
    streams in (the body is read here, up to the limit, and handed on whole)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse({"error": f"request body over {self.limit:,} bytes"}, status_code=413)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await too_large(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}],
                                      receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


# --- the app --------------------------------------------------------------------------------------------

def create_app(service: Service, *, start: bool = True) -> FastAPI:
    """The API over ``service`` (its workers run while the app does, unless ``start`` is False)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start:
            service.start()
        try:
            yield
        finally:
            if start:
                service.stop()

    app = FastAPI(title="narrate publish API", version=__version__, lifespan=lifespan,
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=f"{PREFIX}/docs", redoc_url=None,
                  description="Narrate articles into podcast feeds: submit, follow the job, embed the episode.")
    feeds_root = service.config.worker.feeds_root

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _unprocessable(_problems(list(error.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)

    def authorized(feed: str, authorization: Annotated[str | None, Header()] = None) -> str:
        """The feed, when the bearer token is one of its tokens."""
        scheme, _, token = (authorization or "").partition(" ")
        access = service.tokens.check(token.strip() if scheme.lower() == "bearer" else None, feed)
        if access is Access.UNKNOWN:
            raise HTTPException(401, "a valid bearer token is required (narrate token create FEED)",
                                headers={"WWW-Authenticate": 'Bearer realm="narrate"'})
        if access is Access.OTHER_FEED:
            raise HTTPException(403, f"this token is not for the feed {feed!r}")
        return existing_feed(feed)

    def existing_feed(feed: str) -> str:
        if not FEED_NAME.fullmatch(feed) or not (feeds_root / feed / "feed.toml").is_file():
            raise HTTPException(404, f"no feed {feed!r}")
        return feed

    Feed = Annotated[str, Depends(authorized)]

    @app.get(f"{PREFIX}/health")
    def health() -> dict[str, Any]:
        """Whether the service is up, and its queue."""
        workers = service.workers
        return {"status": "ok", "version": __version__, "jobs": service.jobs.count(),
                "workers": len(workers.threads) if workers else 0}

    def submit(request: Request, feed: str, narration: NarrationRequest) -> JSONResponse:
        job, created = service.jobs.submit(feed, narration.dedupe_key(), narration.stored())
        if created:
            service.queued()
        url = str(request.url_for("narration_status", feed=feed, job_id=job.id))
        body = Submitted(id=job.id, status=job.state.value, status_url=url, deduplicated=not created)
        return JSONResponse(body.model_dump(), status_code=202, headers={"Location": url})

    @app.post(f"{PREFIX}/feeds/{{feed}}/narrations", status_code=202, response_model=Submitted)
    def narrations(request: Request, feed: Feed, narration: NarrationRequest) -> JSONResponse:
        """Queue an article's narration (or find it queued already); poll ``status_url`` for the result."""
        return submit(request, feed, narration)

    @app.get(f"{PREFIX}/feeds/{{feed}}/narrations/{{job_id}}", name="narration_status", response_model=JobView,
             response_model_exclude_none=True)
    def narration_status(feed: Feed, job_id: str) -> JobView:
        """A narration job: queued, running (sentences done of total), done (the episode) or failed (why)."""
        job = service.jobs.get(feed, job_id)
        if job is None:
            raise HTTPException(404, f"no narration {job_id!r} in the feed {feed!r}")
        return job_view(job)

    @app.get(f"{PREFIX}/feeds/{{feed}}/episodes")
    def episodes(feed: Feed, url: Annotated[str | None, Query(max_length=2048)] = None) -> Any:
        """The episode narrated from the article at ``url`` (404 when none); without ``url``, every episode."""
        opened = api.open_feed(feeds_root / feed)
        if url is None:
            return [api.episode_summary(opened, e) for e in api.list_episodes(opened)]
        episode = api.find_episode_by_url(opened, url)
        if episode is None:
            raise HTTPException(404, f"the feed {feed!r} has no episode of {url}")
        return api.episode_summary(opened, episode)

    @app.delete(f"{PREFIX}/feeds/{{feed}}/episodes/{{guid}}")
    def delete_episode(feed: Feed, guid: str) -> dict[str, Any]:
        """Take an episode down: out of the feed, its files deleted at once, and the narrations of its article
        still queued cancelled (listed in ``cancelled``)."""
        return take_down(feed, guid)

    def take_down(feed: str, guid: str) -> dict[str, Any]:
        opened = api.open_feed(feeds_root / feed)
        found = opened.store.get(guid)
        if found is None:
            raise HTTPException(404, f"the feed {feed!r} has no episode {guid!r}")
        # Under the lock a worker records under: a job of this article rendering now either recorded before
        # (and its episode goes now) or sees the request to stop and records nothing.
        with service.feed_locks.get(feed):
            cancelled = cancel_jobs(feed, found.link) if found.link else []
            try:
                episode = api.remove_episode(opened, guid)
            except PublishError as error:
                raise HTTPException(409, str(error)) from error
        return {"removed": episode.guid, "title": episode.title, "cancelled": cancelled}

    def cancel_jobs(feed: str, article_url: str) -> list[str]:
        """Cancel the jobs of a taken-down article (else one would publish it again minutes later): queued ones
        at once, running ones before they record; their ids. A CMS waiting on one hears ``narration.failed``
        with the reason (a running one's from its worker)."""
        why = "cancelled: the article's episode was taken down before this job ran"
        jobs = service.jobs.cancel_queued(feed, article_url, why)
        for job in jobs:
            if service.webhooks.enqueue(feed, job.id, "narration.failed", {"job": job.id, "error": why}):
                service.sender.wake.set()
        running = service.jobs.request_cancel(feed, article_url, "cancelled: the article's episode was taken "
                                                                 "down while this job rendered")
        return [job.id for job in (*jobs, *running)]

    @app.post(f"{PREFIX}/hooks/ghost/{{feed}}", status_code=202)
    async def ghost(request: Request, feed: str, token: Annotated[str | None, Query()] = None,
                    authorization: Annotated[str | None, Header()] = None,
                    x_ghost_signature: Annotated[str | None, Header()] = None) -> JSONResponse:
        """Ghost's own post webhooks (published, edited, deleted), signed with the secret set by
        ``narrate webhook ghost FEED``; without a secret, a feed token in ``?token=`` is required."""
        body = await request.body()
        secret = service.webhooks.cms_secret(feed, "ghost")
        if secret is not None:
            problem = verify_ghost_signature(secret, body, x_ghost_signature)
            if problem is not None:
                raise HTTPException(401, problem)
            existing_feed(feed)
        else:
            authorized(feed, authorization if token is None else f"Bearer {token}")
        try:
            action = ghost_action(json.loads(body or b"null"))
        except (ValueError, UnicodeDecodeError) as error:
            return _unprocessable([{"field": "post", "problem": str(error)}])
        if isinstance(action, GhostIgnore):
            return JSONResponse({"ignored": action.why}, status_code=202)
        if isinstance(action, GhostRemove):
            opened = api.open_feed(feeds_root / feed)
            episode = api.find_episode_by_url(opened, action.url)
            if episode is None:
                with service.feed_locks.get(feed):
                    cancelled = cancel_jobs(feed, action.url)  # deleted before its narration recorded
                if cancelled:
                    return JSONResponse({"removed": None, "cancelled": cancelled}, status_code=200)
                return JSONResponse({"ignored": f"{action.why}: no episode of {action.url}"}, status_code=202)
            return JSONResponse(take_down(feed, episode.guid), status_code=200)
        assert isinstance(action, GhostNarrate)
        try:
            narration = NarrationRequest(html=action.html, url=action.url, title=action.title,
                                         published=action.published.isoformat() if action.published else None)
        except ValidationError as error:
            return _unprocessable(_problems(list(error.errors())))
        return submit(request, feed, narration)

    @app.exception_handler(NarrateError)
    async def narrate_error(_: Request, error: NarrateError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=400)

    app.add_middleware(BodyLimit, limit=service.config.max_body)
    return app
