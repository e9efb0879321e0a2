"""The values that flow through the pipeline: Article -> Script -> Takes -> Programme (+ Timeline) -> Episode.

Every type is a frozen dataclass; a stage returns a new value instead of changing the one it got.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class Role(StrEnum):
    """What a piece of the article is; a cast gives each role its voice."""

    HEADLINE = "headline"
    SYNOPSIS = "synopsis"
    TAKEAWAYS = "takeaways"
    BODY = "body"
    QUOTE = "quote"
    POINT_OF_VIEW = "point_of_view"
    FAQ_QUESTION = "faq_question"
    FAQ_ANSWER = "faq_answer"
    ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article besides its text."""

    title: str
    publisher: str | None = None
    author: str | None = None
    date: dt.date | None = None
    url: str | None = None
    language: str = "en"
    description: str | None = None
    dateline: str | None = None
    image: str | None = None
    """The lead image (``og:image``, ``twitter:image``, the first figure, front matter ``image``): an http(s) URL
    or, for a file read from disk, a path; the episode's artwork is made from it."""
    """Place and date the story was filed from, e.g. "Seoul, December 25", when the text had one."""


@dataclass(frozen=True)
class Section:
    """A part of the article with one role: a heading (if any) and its paragraphs, in order.

    For ``TAKEAWAYS`` each paragraph is one list item; FAQ questions and answers are separate
    sections that alternate ``FAQ_QUESTION``/``FAQ_ANSWER``.
    """

    role: Role
    paragraphs: tuple[str, ...]
    heading: str | None = None
    anchor: str | None = None
    """The id of the heading on the article's page (``#anchor``), when the page has one."""


@dataclass(frozen=True)
class Article:
    """A cleaned article: metadata and the sections a listener should hear, in reading order."""

    meta: ArticleMeta
    sections: tuple[Section, ...]

    def text(self) -> str:
        """All spoken paragraphs joined, for digests and word counts."""
        return "\n\n".join(p for s in self.sections for p in s.paragraphs)


@dataclass(frozen=True)
class Sentence:
    """One sentence: as written (transcripts, player) and as it will be spoken (engine input)."""

    written: str
    spoken: str
    role: Role
    paragraph_end: bool = False
    """True for the last sentence of a paragraph or list item: the pause after it is longer."""
    substitutions: tuple[tuple[str, str], ...] = ()
    """(written form, replacement) pairs applied by normalization and the lexicon, for review."""


@dataclass(frozen=True)
class Chapter:
    """A chapter of the script: one section of the article and its sentences."""

    title: str
    role: Role
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Script:
    """What the narration will say, chapter by chapter; the output of segmentation and normalization."""

    meta: ArticleMeta
    chapters: tuple[Chapter, ...]

    def sentences(self) -> Iterator[Sentence]:
        """Every sentence in speaking order."""
        for chapter in self.chapters:
            yield from chapter.sentences


FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float samples in [-1, 1] and their sample rate; no files involved."""

    samples: FloatArray
    sample_rate: int

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True, eq=False)
class Take:
    """The audio of one sentence and whether it came from the cache."""

    sentence: Sentence
    voice: str
    audio: Audio
    cached: bool = False


@dataclass(frozen=True)
class Cue:
    """A sentence placed on the episode's time axis."""

    start: float
    end: float
    chapter: int
    sentence: Sentence


@dataclass(frozen=True)
class ChapterMark:
    """A chapter placed on the episode's time axis."""

    start: float
    end: float
    title: str
    role: Role
    url: str | None = None
    """Where the chapter's section is on the web: the article's URL, with the section's anchor when it has one."""


@dataclass(frozen=True)
class Timeline:
    """Where every sentence and chapter sits in the finished audio: the one source of truth for
    chapters, transcripts, read-along highlighting and the episode duration."""

    cues: tuple[Cue, ...]
    chapters: tuple[ChapterMark, ...]
    duration: float


@dataclass(frozen=True, eq=False)
class Programme:
    """The assembled (later: produced) narration: mono float32 samples in [-1, 1], their rate, and the
    Timeline that says where each sentence and chapter sits in them."""

    samples: FloatArray
    sample_rate: int
    timeline: Timeline

    @property
    def duration(self) -> float:
        """Length in seconds (equal to the timeline's duration)."""
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class EpisodeFile:
    """A published file of an episode, named by its content."""

    name: str
    mime_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of an episode heard back: what was meant, what was heard, and how far apart they are."""

    index: int
    """Position in the episode (0-based, the transcript cue ``s{index + 1}``)."""
    start: float
    end: float
    written: str
    spoken: str
    """What the voice was given (normalized, lexicon applied)."""
    heard: str
    edits: tuple[tuple[str, str, str], ...]
    """Word edits (``sub``/``del``/``ins``, meant, heard) after comparison normalization."""
    score: float
    """Word errors per meant word (0 is heard exactly as meant)."""
    flagged: bool
    suspects: tuple[str, ...] = ()
    """Written words that were misheard, names first."""
    heard_back: bool = True
    """False for a plain sentence a selective check left out (common dictionary words only, nothing the
    normalizer, romanizer or lexicon changed): not heard, so neither clean nor flagged."""


@dataclass(frozen=True)
class EpisodeCheck:
    """An episode heard back by a speech recognizer (``narrate check``)."""

    checked: dt.datetime
    asr: str
    """The ASR engine and model that listened."""
    render_key: str
    """The render key of the episode that was heard (a re-rendered episode needs a new check)."""
    threshold: float
    wer: float
    """Word error rate of the whole episode against what was meant."""
    sentences: tuple[SentenceCheck, ...]

    @property
    def flagged(self) -> tuple[SentenceCheck, ...]:
        """The sentences a listener would likely mishear."""
        return tuple(s for s in self.sentences if s.flagged)

    @property
    def heard(self) -> tuple[SentenceCheck, ...]:
        """The sentences that were heard back (all of them, unless the check was selective)."""
        return tuple(s for s in self.sentences if s.heard_back)


@dataclass(frozen=True)
class Episode:
    """A published episode: what the feed and the player need to point at it."""

    guid: str
    title: str
    description: str
    published: dt.datetime
    duration: float
    audio: EpisodeFile
    link: str | None = None
    author: str | None = None
    chapters: tuple[ChapterMark, ...] = ()
    extra_files: tuple[EpisodeFile, ...] = field(default=())
    """Transcripts and JSON chapters, by MIME type."""
    render_key: str = ""
    """Digest of everything that made this episode's files; equal keys mean nothing needs redoing."""
    image: EpisodeFile | None = None
    """The episode's square artwork (from the article's lead image, else drawn from its title), in the media
    location: the item's ``itunes:image``, the player's and the Media Session's artwork."""
    authors: tuple[str, ...] = ()
    """The article's byline, one name each (``podcast:person`` in the group Writing, role Author)."""
    narrators: tuple[str, ...] = ()
    """The voices that read the episode (``podcast:person`` in the group Cast, role Narrator)."""
    disclosure: str | None = None
    """The spoken line saying the voice is synthetic (the last chapter), when the episode has one."""
    check: EpisodeCheck | None = None
    """The last ``narrate check`` of these files, if any."""
    replaced: tuple[str, ...] = ()
    """Files of earlier versions of this episode (before a re-narration) still kept in the media location for
    ``keep_replaced_days``, so cached pages keep playing: a takedown deletes them with the current ones."""
