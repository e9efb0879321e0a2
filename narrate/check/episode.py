"""Check a published episode: its audio heard back, sentence by sentence, against its transcript cues.

The episode's WebVTT cues give each sentence's written text and its time in the audio (the Timeline that
made them); the feed's speech preparer re-derives what the voice was given. Each sentence's heard words are
the transcript's words whose middle falls between the midpoints of the pauses around it.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate.audio.mastering import decode
from narrate.check.asr import AsrEngine, HeardWord
from narrate.check.compare import compare, is_name
from narrate.errors import PublishError
from narrate.model import Audio, Episode, EpisodeCheck, SentenceCheck
from narrate.publish.feed import Feed
from narrate.script import SpeechPreparer
from narrate.script.romanize import readable

RATE = 16_000
_TIME = re.compile(r"(?:(\d+):)?(\d+):(\d+)\.(\d+)")


@dataclass(frozen=True)
class CheckOptions:
    """How strict a check is."""

    threshold: float = 0.2
    """A sentence whose word errors per word exceed this is flagged (a misheard name is flagged at any score)."""
    language: str | None = None
    """The language to transcribe in; None takes the feed's."""


@dataclass(frozen=True)
class Cue:
    """A transcript cue: one sentence and its place in the audio."""

    start: float
    end: float
    text: str


def _seconds(stamp: str) -> float:
    match = _TIME.fullmatch(stamp.strip())
    if match is None:
        raise ValueError(f"bad WebVTT time {stamp!r}")
    hours, minutes, seconds, fraction = match.groups()
    return float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction) / 10 ** len(fraction))


def read_cues(vtt: str) -> list[Cue]:
    """The cues of a WebVTT file narrate wrote (one per sentence)."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", vtt.replace("\r\n", "\n")):
        lines = block.strip().splitlines()
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = lines[timing].split("-->")
        text = " ".join(lines[timing + 1:])
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(_seconds(start), _seconds(end.split()[0]), text))
    return cues


def episode_audio(feed: Feed, episode: Episode) -> Audio:
    """The episode's published audio, decoded to mono 16 kHz."""
    media = feed.media
    local = media.local_dir
    if local is not None:
        return Audio(decode(local / episode.audio.name, RATE), RATE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / episode.audio.name
        path.write_bytes(media.read(episode.audio.name))
        return Audio(decode(path, RATE), RATE)


def episode_cues(feed: Feed, episode: Episode) -> list[Cue]:
    """The sentence cues of an episode (its WebVTT transcript)."""
    vtt = next((f for f in episode.extra_files if f.mime_type == "text/vtt"), None)
    if vtt is None:
        raise PublishError(f"episode {episode.guid} has no WebVTT transcript to check against; narrate it again")
    return read_cues(feed.media.read(vtt.name).decode("utf-8"))


def assign_words(cues: Sequence[Cue], words: Sequence[HeardWord]) -> list[list[HeardWord]]:
    """The heard words of each cue: those whose middle lies between the midpoints of the pauses around it."""
    bounds = [(cues[i].end + cues[i + 1].start) / 2 for i in range(len(cues) - 1)]
    out: list[list[HeardWord]] = [[] for _ in cues]
    for word in words:
        middle = (word.start + word.end) / 2
        out[sum(1 for b in bounds if middle >= b)].append(word)
    return out


def check_sentence(index: int, cue: Cue, heard: str, preparer: SpeechPreparer, threshold: float) -> SentenceCheck:
    """One sentence: meant (as written, and as normalized for speech) against heard; the closer reading counts."""
    spoken = preparer.prepare(cue.text).spoken
    normalized = preparer.normalizer.normalize(readable(cue.text).text)
    result = min((compare(meant, heard) for meant in (cue.text, normalized)), key=lambda c: c.errors)
    names = [w for w in result.suspects if is_name(w, cue.text)]
    suspects = (*names, *(w for w in result.suspects if w not in names))
    flagged = result.score > threshold or bool(names)
    return SentenceCheck(index=index, start=round(cue.start, 3), end=round(cue.end, 3), written=cue.text,
                         spoken=spoken, heard=heard, edits=result.edits, score=round(result.score, 3),
                         flagged=flagged, suspects=suspects)


def check_episode(feed: Feed, episode: Episode, engine: AsrEngine, preparer: SpeechPreparer,
                  options: CheckOptions | None = None, now: dt.datetime | None = None) -> EpisodeCheck:
    """Transcribe an episode and compare every sentence with what was meant."""
    options = options or CheckOptions()
    cues = episode_cues(feed, episode)
    transcript = engine.transcribe(episode_audio(feed, episode), options.language or feed.settings.show.language)
    heard = assign_words(cues, transcript.words)
    sentences = tuple(check_sentence(i, cue, " ".join(w.text for w in words), preparer, options.threshold)
                      for i, (cue, words) in enumerate(zip(cues, heard, strict=True)))
    meant = " ".join(cue.text for cue in cues)
    return EpisodeCheck(checked=now or dt.datetime.now(dt.UTC), asr=engine.fingerprint(),
                        render_key=episode.render_key, threshold=options.threshold,
                        wer=round(compare(meant, transcript.text).score, 4), sentences=sentences)
