"""Check a published episode: its audio heard back, sentence by sentence, against its transcript cues.

The episode's WebVTT cues give each sentence's written text and its time in the audio (the Timeline that
made them); the feed's speech preparer re-derives what the voice was given.

What is heard: by default only the sentences where something can go wrong (a name, a word outside the English
dictionary, digits or symbols, or anything the romanizer, normalizer or lexicon changed); a sentence of common
dictionary words only is left out and reported as not heard back
(``CheckOptions.full`` hears everything). The chosen sentences' audio is cut out by their cues and packed, with
short silences, into clips that fill Whisper's 30 s window (it decodes a whole window whatever its content),
each transcribed as text only; the text of a clip is shared out among its sentences by aligning it, word by
word, with what they were meant to say.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrate.audio.mastering import decode
from narrate.check.asr import CLIP_SECONDS, AsrEngine
from narrate.check.compare import compare, is_name, tokens
from narrate.errors import PublishError
from narrate.model import Audio, Episode, EpisodeCheck, SentenceCheck
from narrate.publish.feed import Feed
from narrate.script import Prepared, SpeechPreparer
from narrate.script.dictionary import is_english_word
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
    full: bool = False
    """Hear every sentence, plain ones too (False: only those where something can go wrong)."""


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


GAP = 0.3
"""Silence between two sentences in a clip: a pause Whisper hears as one (narrate's own are 0.3 s or more)."""
_SAID_BY_RULES = re.compile(r"[\d%$€£&@#/+=]")
"""Digits and symbols: the normalizer's reading of them (or the voice's own, without it) can go wrong."""
_CONTRACTION = re.compile(r"n['’]t$|['’](?:re|ll|ve|d|m)$", re.IGNORECASE)
"""Endings the dictionary (letters only) does not hold: "don't" is "do", "they're" is "they"."""
MARGIN = 0.05
"""Audio kept either side of a cue (its times are rounded to the millisecond)."""


def needs_hearing(text: str, prepared: Prepared) -> bool:
    """Whether a sentence can be misheard for a reason the editor can fix: a name (a capitalized word that does
    not just open the sentence), a word outside the English dictionary (a rare word), digits or symbols, or
    anything the romanizer, normalizer or lexicon changed. Common dictionary words said by the voice's own rules
    are what it says best."""
    if prepared.substitutions or _SAID_BY_RULES.search(text):
        return True
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*", readable(text).text)
    return any(word[:1].isupper() for word in words[1:]) or \
        not all(is_english_word(_CONTRACTION.sub("", word)) for word in words)


def pack(cues: Sequence[Cue], chosen: Sequence[int], audio: Audio,
         limit: float = CLIP_SECONDS) -> list[tuple[Audio, list[int]]]:
    """The chosen cues' audio joined in order into clips of at most ``limit`` seconds, with the cue indices each
    holds; a sentence longer than ``limit`` is a clip of its own (longer than the limit)."""
    rate = audio.sample_rate
    gap = np.zeros(round(GAP * rate), dtype=np.float32)
    clips: list[tuple[Audio, list[int]]] = []
    parts: list[np.ndarray] = []
    held: list[int] = []
    for index in chosen:
        cue = cues[index]
        piece = audio.samples[max(0, round((cue.start - MARGIN) * rate)):round((cue.end + MARGIN) * rate)]
        if held and (sum(len(p) for p in parts) + len(piece)) / rate > limit:
            clips.append((Audio(np.concatenate(parts[:-1]), rate), held))
            parts, held = [], []
        parts += [piece.astype(np.float32, copy=False), gap]
        held.append(index)
    if held:
        clips.append((Audio(np.concatenate(parts[:-1]), rate), held))
    return clips


def split_heard(meant: Sequence[str], heard: str) -> list[str]:
    """``heard`` (the transcript of several sentences said in order) shared out among the ``meant`` sentences:
    each heard word goes to the sentence of the meant word it aligns with (Levenshtein on comparison words);
    a word aligned with none goes with the word before it, or after it when that one ended a sentence."""
    ref = [index for index, text in enumerate(meant) for _ in tokens(text)]
    ref_words = [t.text for text in meant for t in tokens(text)]
    heard_words = heard.split()
    hyp: list[tuple[str, int]] = [(t.text, k) for k, word in enumerate(heard_words) for t in tokens(word)]
    n, m = len(ref_words), len(hyp)
    cost = [list(range(m + 1))] + [[i] + [0] * m for i in range(1, n + 1)]
    for i in range(1, n + 1):
        row, above = cost[i], cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j - 1] + (ref_words[i - 1] != hyp[j - 1][0]), above[j] + 1, row[j - 1] + 1)
    aligned: list[int | None] = [None] * m
    i, j = n, m
    while i and j:
        if cost[i][j] == cost[i - 1][j - 1] + (ref_words[i - 1] != hyp[j - 1][0]):
            aligned[j - 1] = ref[i - 1]
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    sentence_of_word: list[int | None] = [None] * len(heard_words)
    for (_, k), sentence in zip(hyp, aligned, strict=True):
        if sentence is not None and sentence_of_word[k] is None:
            sentence_of_word[k] = sentence
    out: list[list[str]] = [[] for _ in meant]
    for k, word in enumerate(heard_words):
        sentence = sentence_of_word[k]
        if sentence is None:
            before = next((sentence_of_word[b] for b in range(k - 1, -1, -1) if sentence_of_word[b] is not None),
                          None)
            after = next((sentence_of_word[a] for a in range(k + 1, len(heard_words))
                          if sentence_of_word[a] is not None), None)
            ended = k > 0 and heard_words[k - 1][-1:] in ".?!"
            sentence = (after if ended or before is None else before) if after is not None else before
            sentence_of_word[k] = sentence
        out[sentence if sentence is not None else 0].append(word)
    return [" ".join(words) for words in out]


def check_sentence(index: int, cue: Cue, heard: str, preparer: SpeechPreparer, threshold: float,
                   prepared: Prepared | None = None) -> SentenceCheck:
    """One sentence: meant (as written, and as normalized for speech) against heard; the closer reading counts."""
    spoken = (prepared or preparer.prepare(cue.text)).spoken
    normalized = preparer.normalizer.normalize(readable(cue.text).text)
    result = min((compare(meant, heard) for meant in (cue.text, normalized)), key=lambda c: c.errors)
    names = [w for w in result.suspects if is_name(w, cue.text)]
    suspects = (*names, *(w for w in result.suspects if w not in names))
    flagged = result.score > threshold or bool(names)
    return SentenceCheck(index=index, start=round(cue.start, 3), end=round(cue.end, 3), written=cue.text,
                         spoken=spoken, heard=heard, edits=result.edits, score=round(result.score, 3),
                         flagged=flagged, suspects=suspects)


def hear(engine: AsrEngine, cues: Sequence[Cue], chosen: Sequence[int], audio: Audio,
         language: str) -> dict[int, str]:
    """What was heard of each chosen cue."""
    clips = pack(cues, chosen, audio)
    texts = iter(engine.transcribe_clips([clip for clip, _ in clips if clip.duration <= CLIP_SECONDS], language))
    heard: dict[int, str] = {}
    for clip, held in clips:
        text = next(texts) if clip.duration <= CLIP_SECONDS else engine.transcribe(clip, language).text
        heard.update(zip(held, split_heard([cues[i].text for i in held], text), strict=True))
    return heard


def check_episode(feed: Feed, episode: Episode, engine: AsrEngine, preparer: SpeechPreparer,
                  options: CheckOptions | None = None, now: dt.datetime | None = None) -> EpisodeCheck:
    """Transcribe an episode (its sentences where something can go wrong, or all of them with ``full``) and
    compare every sentence heard with what was meant."""
    options = options or CheckOptions()
    cues = episode_cues(feed, episode)
    prepared = [preparer.prepare(cue.text) for cue in cues]
    chosen = [i for i, cue in enumerate(cues) if options.full or needs_hearing(cue.text, prepared[i])]
    heard = hear(engine, cues, chosen, episode_audio(feed, episode), options.language or feed.settings.show.language) \
        if chosen else {}
    sentences = tuple(
        check_sentence(i, cue, heard[i], preparer, options.threshold, prepared[i]) if i in heard else
        SentenceCheck(index=i, start=round(cue.start, 3), end=round(cue.end, 3), written=cue.text,
                      spoken=prepared[i].spoken, heard="", edits=(), score=0.0, flagged=False, heard_back=False)
        for i, cue in enumerate(cues))
    meant = " ".join(cues[i].text for i in chosen)
    return EpisodeCheck(checked=now or dt.datetime.now(dt.UTC), asr=engine.fingerprint(),
                        render_key=episode.render_key, threshold=options.threshold,
                        wer=round(compare(meant, " ".join(heard[i] for i in chosen)).score, 4), sentences=sentences)
