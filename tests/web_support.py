"""Test helpers for narrate.web: a published demo episode made of tones, and a real local server.

The episode follows the example article (tests/fixtures/web/nationpress-coupang-breach.html): one tone
per sentence, a WebVTT cue per sentence with ids s1, s2, … and Podcasting 2.0 JSON chapters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrate.model import ChapterMark, Episode, EpisodeFile, Role

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium: Playwright's own browser download fails on this machine."""
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """Debian's Chromium launched through Playwright (``extra_args`` after the usual flags)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser: Any, width: int, height: int) -> Iterator[Any]:
    """A page in a fresh context; a script error or a dialog on it fails the test when it closes."""
    context = browser.new_context(viewport={"width": width, "height": height})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield opened
    context.close()
    assert errors == []

FIXTURES = Path(__file__).parent / "fixtures" / "web"
EXAMPLE_PAGE = FIXTURES / "nationpress-coupang-breach.html"
TITLE = "What Actions Will the Presidential Office Take After Coupang's Data Breach?"

CHAPTER_TEXTS: tuple[tuple[str, Role, str], ...] = (
    (TITLE, Role.HEADLINE, TITLE),
    (
        "Synopsis",
        Role.SYNOPSIS,
        "In a decisive response to the recent Coupang data breach affecting millions, the presidential office "
        "is set to hold an emergency meeting with key officials. This urgent gathering showcases the "
        "government's commitment to addressing the serious implications of the incident, with multiple "
        "authorities involved in the investigation and policy reform. Stay tuned for updates.",
    ),
    (
        "Key Takeaways",
        Role.TAKEAWAYS,
        "Emergency meeting called to address the Coupang data breach. Involvement of top officials indicates "
        "the seriousness of the incident. Task force established to investigate and reform data protection "
        "policies. Impact on 33.7 million users raises concerns about data security. Government's proactive "
        "measures aim to restore public trust.",
    ),
    (
        "The story",
        Role.BODY,
        "The presidential office is preparing to convene an emergency meeting with key government officials "
        "later today to address a significant data breach involving the prominent e-commerce platform "
        "Coupang, as reported by informed sources to Yonhap news agency. According to an anonymous source, "
        "the government recognizes the severity of the breach. “The urgency of the matter has led to this "
        "meeting occurring even during the holiday,” the source stated. In a noteworthy development, Foreign "
        "Minister Cho Hyun and representatives from the National Security Office will also be present, "
        "suggesting they might investigate Coupang's lobbying efforts in the United States.",
    ),
    (
        "Point of View",
        Role.POINT_OF_VIEW,
        "I believe this incident highlights the urgent need for robust data protection measures in our "
        "digital economy. The government's proactive stance in addressing the Coupang data breach is "
        "critical for restoring public trust and ensuring user security.",
    ),
    (
        "Frequently Asked Questions",
        Role.FAQ_QUESTION,
        "What is the significance of the Coupang data breach? The Coupang data breach affects over 33 "
        "million users, raising serious concerns about data security and privacy in the e-commerce sector.",
    ),
)

SENTENCE_SECONDS = 0.8
GAP_SECONDS = 0.2
SAMPLE_RATE = 22050


@dataclass(frozen=True)
class DemoSentence:
    id: str
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class DemoEpisode:
    episode: Episode
    directory: Path
    """Where the files are: ``<root>/<feed>/episodes``."""
    sentences: tuple[DemoSentence, ...]
    chapter_starts: tuple[float, ...]


def split_sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!”])\s+(?=[A-Z“])", text)


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def _file(directory: Path, data: bytes, suffix: str, mime_type: str) -> EpisodeFile:
    digest = hashlib.sha256(data).hexdigest()
    name = f"{digest[:16]}{suffix}"
    (directory / name).write_bytes(data)
    return EpisodeFile(name=name, mime_type=mime_type, size=len(data), sha256=digest)


def encode_mp3(samples: np.ndarray, wav_path: Path) -> bytes:
    import imageio_ffmpeg

    with wave.open(str(wav_path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    mp3_path = wav_path.with_suffix(".mp3")
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(wav_path),
         "-codec:a", "libmp3lame", "-b:a", "32k", str(mp3_path)],
        check=True,
    )
    data = mp3_path.read_bytes()
    mp3_path.unlink()
    wav_path.unlink()
    return data


def make_demo_episode(
    root: Path, *, feed: str = "demo", title: str = TITLE, tail_seconds: float = 0.0
) -> DemoEpisode:
    """Publish the demo episode's audio, transcript and chapters under ``root/feed/episodes``.

    ``tail_seconds`` of silence after the last sentence make a longer episode.
    """
    directory = root / feed / "episodes"
    directory.mkdir(parents=True, exist_ok=True)
    sentences: list[DemoSentence] = []
    marks: list[ChapterMark] = []
    pieces: list[np.ndarray] = []
    clock = 0.0
    for chapter_title, role, text in CHAPTER_TEXTS:
        chapter_start = clock
        for sentence in split_sentences(text):
            index = len(sentences)
            t = np.arange(int(SENTENCE_SECONDS * SAMPLE_RATE)) / SAMPLE_RATE
            tone = 0.3 * np.sin(2 * np.pi * (330 + 40 * (index % 8)) * t)
            pieces += [tone, np.zeros(int(GAP_SECONDS * SAMPLE_RATE))]
            sentences.append(DemoSentence(f"s{index + 1}", sentence, clock, clock + SENTENCE_SECONDS))
            clock += SENTENCE_SECONDS + GAP_SECONDS
        marks.append(ChapterMark(start=chapter_start, end=clock, title=chapter_title, role=role))
    if tail_seconds:
        pieces.append(np.zeros(int(tail_seconds * SAMPLE_RATE)))
        clock += tail_seconds
    duration = clock

    audio = _file(directory, encode_mp3(np.concatenate(pieces), directory / "demo.wav"), ".mp3", "audio/mpeg")
    vtt = "WEBVTT\n\n" + "".join(
        f"{s.id}\n{_stamp(s.start)} --> {_stamp(s.end)}\n"
        f"{s.text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}\n\n"
        for s in sentences
    )
    transcript = _file(directory, vtt.encode(), ".vtt", "text/vtt")
    chapters_json = {"version": "1.2.0", "chapters": [{"startTime": m.start, "title": m.title} for m in marks]}
    chapters = _file(directory, json.dumps(chapters_json).encode(), ".chapters.json", "application/json+chapters")
    episode = Episode(
        guid="demo-coupang-breach",
        title=title,
        description="The presidential office calls an emergency meeting after the Coupang data breach.",
        published=dt.datetime(2026, 12, 25, 9, 0, tzinfo=dt.UTC),
        duration=duration,
        audio=audio,
        link="https://example.org/news/coupang",
        author="NationPress",
        chapters=tuple(marks),
        extra_files=(transcript, chapters),
    )
    return DemoEpisode(episode, directory, tuple(sentences), tuple(m.start for m in marks))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(root: Path) -> Iterator[str]:
    """``narrate serve``'s app under uvicorn in a thread on a free loopback port; yields its base URL."""
    import uvicorn

    from narrate.web.serve import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(root), host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
