"""Options of the speech stage: what to expand, spell or keep, kept in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from narrate.script.rules import ACRONYMS_AS_LETTERS, ACRONYMS_AS_WORDS


@dataclass(frozen=True)
class SpeechOptions:
    """How written text is turned into what a voice says."""

    use_nemo: bool = True
    """Run NeMo text normalization on sentences with digits or currency signs; False leaves numbers to
    the voice (only the news rules apply), for quick dry runs."""

    grammar_dir: Path | None = None
    """Directory of compiled NeMo grammars (.far files); None means the user cache directory
    (``$NARRATE_HOME/cache/...`` when NARRATE_HOME is set)."""

    acronyms_as_words: frozenset[str] = field(default=ACRONYMS_AS_WORDS)
    """All-capital words said as words (NATO, NASA). Other all-capital words of two to five letters are
    spelled out ("ICT" -> "I C T") unless they are English words ("ACID"), which are said as words."""

    acronyms_as_letters: frozenset[str] = field(default=ACRONYMS_AS_LETTERS)
    """All-capital words always spelled out, even when they are English words or longer than five
    letters ("US", "IT", "WHO")."""

    max_spelled_length: int = 5
    """Longest all-capital word that is spelled out unless listed in ``acronyms_as_letters``."""

    drop_wire_markers: bool = True
    """Drop "(LEAD)", "(Yonhap)" and the dash of a dateline such as "Seoul, Dec. 25 (Yonhap) --"."""
