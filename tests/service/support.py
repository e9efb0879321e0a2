"""The publish API under test: a feeds folder, a service on a real uvicorn server on loopback, a real client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from narrate.pipeline import NarrateOptions
from narrate.service.app import create_app
from narrate.service.service import Service, ServiceConfig
from narrate.service.webhooks import Retry
from narrate.service.worker import WorkerSettings
from tests.conftest import HARBOR_FEED_TOML

ROOT = Path(__file__).resolve().parents[2]


def make_feed(feeds: Path, name: str) -> Path:
    folder = feeds / name
    folder.mkdir(parents=True)
    (folder / "feed.toml").write_text(HARBOR_FEED_TOML.replace("/harbor/", f"/{name}/"), encoding="utf-8")
    return folder


def article(topic: str, sentences: int = 3) -> str:
    """A short Markdown article about ``topic`` (different topics give different episodes)."""
    body = " ".join(f"Sentence {n} about the {topic} says what the council decided on day {n}."
                    for n in range(1, sentences + 1))
    return f"{body}\n\nResidents said the {topic} plan was welcome."


def service_config(tmp: Path, *, allow_private: frozenset[str] = frozenset(), max_body: int = 200_000,
                   jobs: int = 1) -> ServiceConfig:
    options = NarrateOptions(voice="fake", cache_dir=tmp / "cache", fetch_images=False)
    return ServiceConfig(tmp / "state", WorkerSettings(tmp / "feeds", options, allow_private), jobs=jobs,
                         max_body=max_body, retry=Retry(tries=3, first=0.2, timeout=5), poll=0.1)


@contextmanager
def running(service: Service, *, start: bool = True) -> Iterator[str]:
    """The service's API under uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service, start=start), log_level="warning", ws="none",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for(client: httpx.Client, status_url: str, token: str, until: tuple[str, ...] = ("done", "failed"),
             timeout: float = 120) -> dict[str, Any]:
    """Poll a job until its status is one of ``until``; its last JSON."""
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(status_url, headers=bearer(token)).json()
        if job["status"] in until:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['status']} after {timeout} s: {job}")
        time.sleep(0.05)


class ApiProcess:
    """``narrate api`` in a subprocess (so a test can kill -9 it), on a free port it prints."""

    def __init__(self, feeds: Path, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {**os.environ, "NARRATE_HOME": str(home), "PYTHONPATH": str(ROOT), **(env or {})}
        command = [sys.executable, "-c", "from narrate.cli import main; main()", "api", "--out", str(feeds),
                   "--port", "0", "--voice", "fake", *args]
        self.log = home / "api.log"
        with open(self.log, "a", encoding="utf-8") as log:  # a pipe nobody reads would fill and block the server
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=environment)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "narrate api on " not in line:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"narrate api did not start: {line}{self.log.read_text(encoding='utf-8')}")
        self.url = line.split("narrate api on ", 1)[1].split()[0].removesuffix("/api/v1")
        # Drain stdout: a pipe nobody reads fills up and blocks whoever writes to it (pool workers share it).
        self.drain = threading.Thread(target=self.process.stdout.read, daemon=True)
        self.drain.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("narrate api did not answer")
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown, no cleanup
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def _close(self) -> None:
        drain = getattr(self, "drain", None)
        if drain is not None:
            drain.join(timeout=10)
        if self.process.stdout is not None and not (drain is not None and drain.is_alive()):
            self.process.stdout.close()  # (closing it under a blocked reader would wait for that reader)
