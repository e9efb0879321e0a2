"""``narrate serve``: a small static server for previews and small deployments of ``feeds/``.

Starlette's ``StaticFiles`` and ``FileResponse`` already give HEAD, byte ranges (206 with
``Content-Range``, 416 with ``Content-Range: bytes */size``), ``If-Range``, ETag/Last-Modified with
304s, ``index.html`` for directories without listings, and refuse paths that resolve outside the root
(``..``, ``%2e%2e``, symlinks out). This module adds podcast MIME types, caching, CORS and hides the
feed's private files. Large deployments put ``feeds/`` behind any static web server or CDN instead.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from narrate import settings
from narrate.errors import PublishError

PLAYER_MOUNT = "/_narrate"
"""URL prefix of the player's JS and CSS, served from the installed package."""

MEDIA_TYPES: Mapping[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/srt; charset=utf-8",  # the type the Podcasting 2.0 namespace documents
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
"""By file suffix; names below take precedence. Never guessed from the system's mime.types."""

MEDIA_TYPES_BY_NAME: Mapping[str, str] = {
    "feed.xml": "application/rss+xml; charset=utf-8",
}
CHAPTERS_SUFFIX = ".chapters.json"
CHAPTERS_TYPE = "application/json+chapters"

PRIVATE_SUFFIXES = (".toml", ".lock", ".sqlite", ".sqlite-wal", ".sqlite-shm", ".tmp", ".py")
PRIVATE_DIRECTORIES = frozenset({"records"})
"""Feed internals (configuration, episode records, locks) that are not for listeners."""

IMMUTABLE_DIRECTORY = "episodes"
"""Episode files are named by their content, so a browser may keep them forever."""
IMMUTABLE_NAME = re.compile(r"^artwork-[0-9a-f]{16}\.(?:png|jpe?g)$")
"""The show's cover in the feed folder, named by its content too."""
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
"""Everything else is mutable at a stable address (feed.xml, the show page, player.js, and the manifests in
manifests/, which point at an episode's current files): caches keep it but ask every time (a 304 when
unchanged), so a re-narration or a takedown is seen at once."""

COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml", "image/svg+xml",
                      "application/srt")
"""Content types worth gzipping; audio and images are compressed already and keep their byte ranges."""
MIN_COMPRESS_BYTES = 512

CORS_EXPOSED_HEADERS = ["Content-Range", "Content-Length", "Accept-Ranges", "ETag", "Last-Modified"]


def media_type_for(path: str | os.PathLike[str]) -> str:
    """The Content-Type a listener's app expects for this file."""
    name = Path(path).name.lower()
    if name in MEDIA_TYPES_BY_NAME:
        return MEDIA_TYPES_BY_NAME[name]
    if name.endswith(CHAPTERS_SUFFIX):
        return CHAPTERS_TYPE
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def cache_control(path: str | os.PathLike[str]) -> str:
    """Immutable for files named by their content, revalidated for the rest (see ``REVALIDATE``)."""
    file = Path(path)
    return IMMUTABLE if file.parent.name == IMMUTABLE_DIRECTORY or IMMUTABLE_NAME.match(file.name) else REVALIDATE


def is_private(relative_path: str) -> bool:
    """True for hidden files, feed internals and the publish service's state files, which the server answers
    with 404."""
    parts = PurePosixPath(relative_path.replace(os.sep, "/")).parts
    if any(part.startswith(".") for part in parts):
        return True
    if bool(parts) and parts[-1].lower() in settings.STATE_FILES:
        return True
    if any(part in PRIVATE_DIRECTORIES for part in parts[:-1]):
        return True
    return bool(parts) and parts[-1].lower().endswith(PRIVATE_SUFFIXES)


def create_app(root: Path, hidden: tuple[Path, ...] | None = None) -> Starlette:
    """The ASGI app serving ``root`` (usually ``feeds/``) and the player under ``/_narrate``; nothing inside the
    ``hidden`` folders is served (default: the publish service's state folder, should it be put under ``root``)."""
    if not root.is_dir():
        raise PublishError(f"{root} is not a directory; pass --root with the folder that holds your feeds")
    static_dir = Path(__file__).with_name("static")
    hidden = (settings.state_dir(),) if hidden is None else hidden
    return Starlette(
        routes=[
            Mount(PLAYER_MOUNT, app=FeedFiles(directory=static_dir), name="player"),
            Mount("/", app=FeedFiles(directory=root, html=True, hidden=hidden), name="feeds"),
        ],
        middleware=[
            Middleware(GzipText),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "HEAD"],
                allow_headers=["Range", "If-None-Match", "If-Modified-Since", "If-Range"],
                expose_headers=CORS_EXPOSED_HEADERS,
                max_age=86400,
            )
        ],
    )


class FeedFiles(StaticFiles):
    """StaticFiles with podcast MIME types, cache headers, and the feed's private files hidden."""

    def __init__(self, *, hidden: tuple[Path, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hidden = tuple(_real(folder) for folder in hidden)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if is_private(path) or self._links_to_private(path) or self._inside_hidden(path):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)

    def _inside_hidden(self, path: str) -> bool:
        """Whether ``path`` is (or resolves into) a folder that is never served: the service's tokens and jobs."""
        if not self.hidden or self.directory is None:
            return False
        real = _real(Path(self.directory) / path)
        return any(real == folder or folder in real.parents for folder in self.hidden)

    def _links_to_private(self, path: str) -> bool:
        """Whether ``path`` resolves (through symlinks) outside the served folder or to one of its private
        files: a link ``episodes/x -> ../feed.toml`` must not publish the settings."""
        if self.directory is None:
            return False
        root = Path(self.directory).resolve()
        try:
            real = (root / path).resolve()
            relative = real.relative_to(root)
        except (OSError, ValueError):
            return True
        return is_private(relative.as_posix())

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = FileResponse(
            full_path,
            status_code=status_code,
            stat_result=stat_result,
            media_type=media_type_for(full_path),
            headers={"Cache-Control": cache_control(full_path), "X-Content-Type-Options": "nosniff"},
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


class GzipText:
    """Gzip whole 200 responses of text types (HTML, JS, CSS, VTT, JSON, XML) for clients that accept it.

    Range requests, HEAD and other types (audio, images) pass through untouched, so audio keeps its
    byte ranges. The ETag becomes weak, as a compressed body is a different representation; StaticFiles
    compares If-None-Match weakly, so revalidation still gets 304.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        if "gzip" not in request.get("accept-encoding", "").lower() or "range" in request:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                compressible = (
                    message["status"] == 200
                    and "content-encoding" not in headers
                    and headers.get("content-type", "").startswith(COMPRESSIBLE_TYPES)
                    and int(headers.get("content-length", MIN_COMPRESS_BYTES)) >= MIN_COMPRESS_BYTES
                )
                if compressible:
                    start = message
                else:
                    await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            data = gzip.compress(b"".join(body), compresslevel=6, mtime=0)
            headers = MutableHeaders(raw=list(start["headers"]))
            headers["content-length"] = str(len(data))
            headers["content-encoding"] = "gzip"
            headers.add_vary_header("Accept-Encoding")
            etag = headers.get("etag")
            if etag and not etag.startswith("W/"):
                headers["etag"] = f"W/{etag}"
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, buffered)


def show_page_urls(root: Path, base_url: str) -> list[str]:
    """URLs of the show pages under ``root``, to print when the server starts."""
    pages = sorted(p.parent for p in root.glob("*/index.html"))
    urls = [f"{base_url}/{quote(p.name)}/" for p in pages]
    if (root / "index.html").is_file():
        urls.insert(0, f"{base_url}/")
    return urls
