"""Proposed fixes for misheard words: candidate pronunciations, each spoken in a carrier phrase by the
episode's voice and heard back; the candidate heard most like the written word becomes a lexicon entry.

The best candidates are then confirmed in the flagged sentence itself (spoken with the candidate as its lexicon
entry, heard back, the name no longer misheard): a carrier phrase alone over-rates a pronunciation that the
sentence's context turns into something else.

Candidates: the voice's own phonemizer (espeak-ng, en-us) and other espeak-ng language voices for the
phonemes (a name is often said better by the rules of its own language), the plain word (no entry at all)
and a respelling from romanization rules (Korean Revised Romanization and similar spellings).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from narrate.check.asr import CLIP_SECONDS, AsrEngine
from narrate.model import Role
from narrate.script import SpeechPreparer
from narrate.script.lexicon import Lexicon, LexiconEntry
from narrate.voice.synthesize import Voice

PHONEME_VOICES = ("en-us", "es", "it", "de", "ko")
"""espeak-ng voices whose phonemes are tried, the voice's own language first."""
CARRIER = ("Say", "again.")
HEARD_AS_WRITTEN = 0.8
"""A candidate heard at least this much like the written word (letters, difflib ratio) is proposed."""
_RESPELL = (("eo", "uh"), ("eu", "oo"), ("ae", "eh"), ("oe", "weh"), ("ui", "wee"), ("ou", "oh"),
            ("u", "oo"), ("a", "ah"), ("i", "ee"), ("e", "eh"))


@dataclass(frozen=True)
class Candidate:
    """One way to say a word: IPA for ``[[ ]]`` phonemes, or a respelling (plain text)."""

    source: str
    ipa: str | None = None
    respell: str | None = None
    heard: str = ""
    similarity: float = 0.0

    def spoken(self, word: str) -> str:
        """What the voice is given for the word."""
        if self.ipa:
            return f"[[ {self.ipa} ]]"
        return self.respell or word

    def toml(self, word: str) -> str:
        """A lexicon line for the feed's ``[words]`` table."""
        field = f'ipa = "{self.ipa}"' if self.ipa else f'respell = "{self.respell or word}"'
        return f'"{word}" = {{ {field} }}'


def respelling(word: str) -> str:
    """A plain-English respelling of a romanized name ("Yong-beom" -> "Yong-bum" style), syllable by syllable."""
    parts = []
    for part in re.split(r"[-\s]+", word):
        lower = part.lower()
        out, i = "", 0
        while i < len(lower):
            for spelled, said in _RESPELL:
                if lower.startswith(spelled, i) and not (spelled in "aie" and lower.startswith("ng", i + 1)):
                    out += said
                    i += len(spelled)
                    break
            else:
                out += lower[i]
                i += 1
        parts.append(out.capitalize() if part[:1].isupper() else out)
    return "-".join(parts)


def phonemes(word: str, voices: Sequence[str] = PHONEME_VOICES) -> list[Candidate]:
    """The word's phonemes by each espeak-ng voice (piper's phonemizer), duplicates left out."""
    from piper.phonemize_espeak import EspeakPhonemizer

    phonemizer = EspeakPhonemizer()
    found: dict[str, Candidate] = {}
    for voice in voices:
        ipa = " ".join("".join(sentence) for sentence in phonemizer.phonemize(voice, word)).strip()
        if ipa and ipa not in found:
            found[ipa] = Candidate(source=f"espeak-ng {voice}", ipa=ipa)
    return list(found.values())


def candidates(word: str) -> list[Candidate]:
    """Every candidate pronunciation of ``word``."""
    found = phonemes(word)
    found.append(Candidate(source="plain word", respell=word))
    respelled = respelling(word)
    if respelled.lower() != word.lower():
        found.append(Candidate(source="respelling", respell=respelled))
    return found


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def similarity(heard: str, word: str) -> float:
    """How alike the heard and the written word are (0..1, letters only, case ignored)."""
    return difflib.SequenceMatcher(None, _letters(heard), _letters(word)).ratio()


def heard_word(heard: str) -> str:
    """The part of a carrier phrase's transcript between its carrier words."""
    words = heard.split()
    lowered = [_letters(w) for w in words]
    start = lowered.index("say") + 1 if "say" in lowered else 0
    end = len(words) - 1 - lowered[::-1].index("again") if "again" in lowered[start:] else len(words)
    return " ".join(words[start:end]).strip(" .,!?")


def try_candidates(word: str, voice: Voice, asr: AsrEngine, language: str = "en",
                   found: Sequence[Candidate] | None = None) -> list[Candidate]:
    """Each candidate spoken in the carrier phrase and heard back, best first."""
    pending = list(found if found is not None else candidates(word))
    spoken = [voice.engine.synthesize(f"{CARRIER[0]} {c.spoken(word)} {CARRIER[1]}", voice.options) for c in pending]
    # Each phrase is its own clip (one shared window would let Whisper copy a spelling from the phrase before);
    # the clips are decoded together.
    tried = []
    for candidate, text in zip(pending, asr.transcribe_clips(spoken, language), strict=True):
        heard = heard_word(text)
        tried.append(Candidate(candidate.source, candidate.ipa, candidate.respell, heard, similarity(heard, word)))
    # Best heard first; among equals, the earlier candidate (the voice's own phonemizer) wins.
    order = {id(c): i for i, c in enumerate(tried)}
    return sorted(tried, key=lambda c: (-round(c.similarity, 3), order[id(c)]))


SUGGEST_ROLE = Role.BODY
"""Candidates are spoken by the voice that reads the story's body."""


@dataclass(frozen=True)
class Suggestion:
    """The candidates tried for one misheard word, best first, and the one confirmed in its sentence."""

    word: str
    covered: bool
    """The lexicon had an entry for the word already (it is said wrong: the entry is replaced)."""
    tried: tuple[Candidate, ...]
    confirmed: Candidate | None = None
    """The first candidate heard as written in the carrier phrase that, spoken in the flagged sentence, is heard
    right there too (None: no candidate was)."""
    heard_in_sentence: str = ""

    @property
    def best(self) -> Candidate:
        """The confirmed candidate, else the one heard most like the written word in the carrier phrase."""
        return self.confirmed or self.tried[0]

    @property
    def found(self) -> bool:
        """Whether a candidate was heard as the written word in its sentence."""
        return self.confirmed is not None


MAX_CONFIRM = 3
"""Candidates heard right in the carrier phrase that are tried in the flagged sentence, best first."""


def confirm(word: str, written: str, tried: Sequence[Candidate], voice: Voice, asr: AsrEngine,
            preparer: SpeechPreparer, language: str = "en") -> tuple[Candidate | None, str]:
    """The first good candidate (heard as written in the carrier phrase) that also makes ``word`` heard right in
    the sentence ``written``, spoken with it as the lexicon entry; and what was heard then."""
    from narrate.check.compare import compare

    phonemes = type(voice.engine).accepts_phonemes
    heard = ""
    for candidate in [c for c in tried if c.similarity >= HEARD_AS_WRITTEN][:MAX_CONFIRM]:
        entry = LexiconEntry(word, ipa=candidate.ipa, respell=None if candidate.ipa else candidate.respell)
        lexicon = Lexicon((*(e for e in preparer.lexicon.entries if e.written != word), entry))
        spoken = dataclasses.replace(preparer, lexicon=lexicon).prepare(written, phonemes=phonemes).spoken
        audio = voice.engine.synthesize(spoken, voice.options)
        # A sentence fits Whisper's window: decoded as text only, like the episode's sentences.
        heard = asr.transcribe_clips([audio], language)[0] if audio.duration <= CLIP_SECONDS \
            else asr.transcribe(audio, language).text
        if word not in compare(written, heard).suspects:
            return candidate, heard
    return None, heard


def words_to_fix(flagged: Sequence[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """The names among the suspects of flagged sentences ((written, suspects) pairs), each once, in order, with
    the first sentence each was misheard in."""
    from narrate.check.compare import is_name

    found: dict[str, str] = {}
    for written, suspects in flagged:
        for word in suspects:
            if is_name(word, written):
                found.setdefault(word, written)
    return found
