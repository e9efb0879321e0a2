"""Article -> spoken Script: segmentation, then what the voice says (Script -> spoken Script).

    readable (romanize Hangul and other non-Latin writing systems, drop emoji)
    -> TextNormalizer (news rules + NeMo for numbers, dates, money)
    -> Lexicon (names as Piper phonemes [[ ... ]] or respellings)

Build a :class:`SpeechPreparer` once per process (NeMo's grammars take a second to load) and call
:func:`speak_script` for each article.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from narrate.model import Role, Script
from narrate.script.lexicon import DEFAULT_LEXICON, Lexicon
from narrate.script.normalize import TextNormalizer, substitutions
from narrate.script.options import SpeechOptions
from narrate.script.romanize import readable

__all__ = [
    "DEFAULT_LEXICON",
    "Lexicon",
    "Prepared",
    "SpeechOptions",
    "SpeechPreparer",
    "TextNormalizer",
    "check_lexicon",
    "speak_script",
]

log = logging.getLogger(__name__)

# espeak reads a lone capital A as the article "uh"; in a spelled acronym it is the letter "ay".
_SPELLED_A = re.compile(r"(?<![\w'’])A(?= [A-Z](?![\w'’]))|(?<=(?<![\w'’])[A-Z] )A(?![\w'’])")


@dataclass(frozen=True)
class Prepared:
    """One sentence made ready for a voice."""

    spoken: str
    substitutions: tuple[tuple[str, str], ...]
    dropped: tuple[str, ...] = ()
    """Characters no voice can say, removed from the sentence (emoji, pictographs)."""


@dataclass(frozen=True)
class SpeechPreparer:
    """Turns written sentences into spoken text; holds the loaded normalizer and lexicon."""

    normalizer: TextNormalizer
    lexicon: Lexicon = field(default_factory=Lexicon)

    @classmethod
    def load(cls, lexicon_paths: Sequence[Path] = (), options: SpeechOptions | None = None) -> SpeechPreparer:
        """Load NeMo's grammars (built into the cache if missing) and the lexicons, later ones winning."""
        lexicon = Lexicon.load(lexicon_paths)
        keep = {word for word in lexicon.words() if word.isupper()}
        return cls(normalizer=TextNormalizer.load(options, keep_words=keep), lexicon=lexicon)

    def prepare(self, text: str, *, phonemes: bool = True) -> Prepared:
        """Written sentence -> spoken text, the substitutions made ((written, replacement) pairs) and the
        characters dropped.

        phonemes=True: lexicon IPA entries are emitted as Piper phoneme blocks ``[[ ... ]]``;
        phonemes=False (engines that can't take IPA): the lexicon's respelling is used instead.
        """
        plain = readable(text)
        normalized = self.normalizer.normalize(plain.text)
        spoken, lexicon_pairs = self.lexicon.apply(normalized, phonemes=phonemes)
        spoken = _SPELLED_A.sub("eh", spoken)
        pairs = (
            *plain.romanized,
            *((char, "") for char in plain.dropped),
            *substitutions(plain.text, normalized),
            *lexicon_pairs,
        )
        return Prepared(spoken=spoken, substitutions=pairs, dropped=plain.dropped)


def speak_script(
    script: Script, preparer: SpeechPreparer, phonemes_for: Callable[[Role], bool] = lambda r: True
) -> Script:
    """Return a new Script whose Sentences have `spoken` and `substitutions` filled (dataclasses.replace).

    Characters no voice can say are dropped with one warning for the whole article.
    """
    dropped: dict[str, None] = {}
    chapters = []
    for chapter in script.chapters:
        sentences = []
        for sentence in chapter.sentences:
            prepared = preparer.prepare(sentence.written, phonemes=phonemes_for(sentence.role))
            dropped.update(dict.fromkeys(prepared.dropped))
            sentences.append(
                dataclasses.replace(sentence, spoken=prepared.spoken, substitutions=prepared.substitutions)
            )
        chapters.append(dataclasses.replace(chapter, sentences=tuple(sentences)))
    if dropped:
        log.warning("%s: dropped characters the voice cannot say: %s", script.meta.title, " ".join(dropped))
    return dataclasses.replace(script, chapters=tuple(chapters))


def check_lexicon(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Capitalized words of ``text`` that are neither English words nor in the lexicon, in order.

    All-capital words are left out (the normalizer spells or says them); the default lexicon is
    ``voices/lexicon.toml``. The dictionary is GCIDE's word list (``english-words`` package, offline).
    """
    from narrate.script.dictionary import is_english_word

    if lexicon is None:
        lexicon = Lexicon.load([DEFAULT_LEXICON]) if DEFAULT_LEXICON.is_file() else Lexicon()
    known = lexicon.words()
    covered = {text[start:end] for start, end, _ in lexicon.find(text)}
    unknown: dict[str, None] = {}
    for match in re.finditer(r"(?<![\w'’-])[A-Z][\w'’-]*", readable(text).text):
        word = re.sub(r"['’]s$", "", match.group(0)).strip("-'’")
        if not word or word.isupper() or word in known or any(word in phrase for phrase in covered):
            continue
        parts = [part for part in word.split("-") if part]
        if all(part in known or is_english_word(part) for part in parts):
            continue
        unknown[word] = None
    return list(unknown)
