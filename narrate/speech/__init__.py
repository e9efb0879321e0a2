"""Written text -> what the voice should say. (Interim rules; NeMo normalization and the lexicon land next.)"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from narrate.model import Role, Script

WIRE_MARKER = re.compile(r"\s*\((?:LEAD|[A-Z][A-Za-z]+(?: ?[A-Z][A-Za-z]+)?)\)\s*(?:--|[–—-])\s*")


@dataclass(frozen=True)
class SpeechOptions:
    """How text is prepared for speech."""


class SpeechPreparer:
    """Prepares one sentence at a time for an engine."""

    @classmethod
    def load(cls, lexicon_paths: Sequence[Path] = (), options: SpeechOptions | None = None) -> SpeechPreparer:
        return cls()

    def prepare(self, text: str, *, phonemes: bool = True) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Written sentence -> (spoken text, substitutions)."""
        spoken = WIRE_MARKER.sub(". ", text, count=1)
        subs = ((text, spoken),) if spoken != text else ()
        return spoken, subs


def speak_script(
    script: Script, preparer: SpeechPreparer, phonemes_for: Callable[[Role], bool] = lambda r: True
) -> Script:
    """A new Script whose sentences carry their spoken form."""
    chapters = []
    for chapter in script.chapters:
        sentences = []
        for sentence in chapter.sentences:
            spoken, subs = preparer.prepare(sentence.written, phonemes=phonemes_for(sentence.role))
            sentences.append(dataclasses.replace(sentence, spoken=spoken, substitutions=subs))
        chapters.append(dataclasses.replace(chapter, sentences=tuple(sentences)))
    return dataclasses.replace(script, chapters=tuple(chapters))
