"""Pronunciation lexicon: names and words mapped to a respelling or to IPA phonemes.

A lexicon is a TOML file with one table, ``[words]``, mapping a word or phrase to its pronunciation:

    [words]
    "Coupang" = { ipa = "kˈuːpɑːŋ", respell = "Koo-pahng" }

``ipa`` uses the espeak-ng phoneme symbols Piper's voices know and reaches Piper as ``[[ ... ]]``;
``respell`` is plain text for engines that take no phonemes. Matching is whole-word and case-aware:
a key with a capital matches as written or in all capitals, an all-lower-case key matches any case.
Longer phrases win over shorter ones; files loaded later override earlier ones (feed over default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from narrate.errors import ConfigError
from narrate.settings import parse_toml

DEFAULT_LEXICON = Path(__file__).resolve().parents[1] / "builtin_voices" / "lexicon.toml"
"""The lexicon shipped with narrate (the repository's voices/lexicon.toml, packaged as builtin_voices)."""

_TRAILING_PUNCTUATION = re.compile(r"[,.;:!?]+")
_ENTRY_KEYS = frozenset({"ipa", "respell"})
_IPA_FORBIDDEN = re.compile(r"\[\[|\]\]")


@dataclass(frozen=True)
class LexiconEntry:
    """How to say one word or phrase."""

    written: str
    ipa: str | None = None
    respell: str | None = None

    def replacement(self, *, phonemes: bool, possessive: bool = False) -> str:
        """Piper phonemes ``[[ ipa ]]`` when the engine takes them and the entry has IPA, else the respelling.

        ``possessive``: the text read "Coupang's"; the ending goes inside the phonemes, since Piper
        would spell a bare "'s" after a phoneme block as the letter S.
        """
        if phonemes and self.ipa:
            return f"[[ {self.ipa}{_possessive_ending(self.ipa) if possessive else ''} ]]"
        return (self.respell or self.written) + ("'s" if possessive else "")

    @property
    def case_sensitive(self) -> bool:
        return self.written != self.written.lower()


@dataclass(frozen=True)
class Lexicon:
    """A set of entries and the single regex that finds them, longest phrase first."""

    entries: tuple[LexiconEntry, ...] = ()

    @classmethod
    def load(cls, paths: Iterable[Path]) -> Lexicon:
        """Read lexicon files in order; an entry in a later file replaces one with the same key."""
        merged: dict[str, LexiconEntry] = {}
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read lexicon {path}: {exc.strerror}; check the path") from exc
            for entry in parse_lexicon(text, source=str(path)):
                merged[entry.written] = entry
        return cls(tuple(merged.values()))

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        alternatives = []
        for entry in sorted(self.entries, key=lambda e: len(e.written), reverse=True):
            phrase = r"\s+".join(re.escape(word) for word in entry.written.split())
            if entry.case_sensitive:
                upper = r"\s+".join(re.escape(word) for word in entry.written.upper().split())
                alternatives.append(f"{phrase}|{upper}")
            else:
                alternatives.append(f"(?i:{phrase})")
        if not alternatives:
            return None
        return re.compile(r"(?<!\w)(?P<key>" + "|".join(alternatives) + r")(?P<possessive>['’]s)?(?!\w)")

    def find(self, text: str) -> list[tuple[int, int, LexiconEntry]]:
        """Every (start, end, entry) match in ``text``, left to right, without overlaps."""
        pattern = self._pattern
        if pattern is None:
            return []
        by_exact = {_squash(e.written): e for e in self.entries}
        by_upper = {_squash(e.written).upper(): e for e in self.entries if e.case_sensitive}
        by_fold = {_squash(e.written).casefold(): e for e in self.entries if not e.case_sensitive}
        found = []
        for match in pattern.finditer(text):
            key = _squash(match.group("key"))
            entry = by_exact.get(key) or by_upper.get(key) or by_fold.get(key.casefold())
            if entry is not None:
                found.append((match.start(), match.end(), entry))
        return found

    def apply(self, text: str, *, phonemes: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
        """``text`` with every entry replaced, and the (written, replacement) pairs.

        Piper drops the punctuation right after a ``[[ ... ]]`` block and glues the next word to it,
        so the punctuation goes inside the block and a space after it.
        """
        pieces, pairs, last = [], [], 0
        for start, end, entry in self.find(text):
            if start < last:
                continue  # its punctuation was taken into the previous block
            possessive = text[start:end].endswith(("'s", "’s"))
            replacement = entry.replacement(phonemes=phonemes, possessive=possessive)
            written = text[start:end]
            if replacement.startswith("[["):
                punctuation = _TRAILING_PUNCTUATION.match(text, end)
                if punctuation:
                    replacement = f"{replacement[:-3]}{punctuation.group(0)} ]]"
                    end = punctuation.end()
                if end < len(text) and not text[end].isspace():
                    replacement += " "
            pieces += [text[last:start], replacement]
            pairs.append((written, replacement.strip()))
            last = end
        pieces.append(text[last:])
        return "".join(pieces), tuple(pairs)

    def words(self) -> frozenset[str]:
        """Every word of every key, hyphenated parts included: the names this lexicon knows."""
        words: set[str] = set()
        for entry in self.entries:
            for word in entry.written.split():
                words.add(word)
                words.update(part for part in word.split("-") if part)
        return frozenset(words)


def parse_lexicon(text: str, *, source: str = "<lexicon>") -> list[LexiconEntry]:
    """Validate a lexicon file's text and return its entries."""
    data = parse_toml(text, f"lexicon {source}", known={"words"})
    words = data.get("words", {})
    if not isinstance(words, dict):
        raise ConfigError(f"lexicon {source}: [words] must be a table of word = {{ ipa/respell }}")
    entries = []
    for written, spec in words.items():
        where = f"lexicon {source}, entry {written!r}"
        if not written.strip() or written != written.strip():
            raise ConfigError(f"{where}: the key must be a word or phrase without outer spaces")
        if not isinstance(spec, dict) or not spec:
            raise ConfigError(f"{where}: give a table with `ipa` and/or `respell`")
        extra = set(spec) - _ENTRY_KEYS
        if extra:
            raise ConfigError(f"{where}: unknown field(s) {sorted(extra)}; use `ipa` and/or `respell`")
        if any(not isinstance(value, str) or not value.strip() for value in spec.values()):
            raise ConfigError(f"{where}: `ipa` and `respell` must be non-empty strings")
        ipa = spec.get("ipa")
        if ipa is not None and _IPA_FORBIDDEN.search(ipa):
            raise ConfigError(f"{where}: write the IPA without [[ ]]; narrate adds them")
        entries.append(LexiconEntry(written=written, ipa=ipa, respell=spec.get("respell")))
    return entries


def _possessive_ending(ipa: str) -> str:
    last = ipa.rstrip("ːˈˌ ")[-1:]
    if ipa.rstrip().endswith(("s", "z", "ʃ", "ʒ")):
        return "ɪz"
    return "s" if last in ("p", "t", "k", "f", "θ") else "z"


def _squash(text: str) -> str:
    return " ".join(text.split())


def with_entries(text: str, entries: Iterable[LexiconEntry]) -> str:
    """A lexicon file's text with ``entries`` added, or replacing the line of an entry with the same key
    (comments and the other lines are kept)."""
    lines = text.splitlines() if text.strip() else ["[words]"]
    if not any(line.strip() == "[words]" for line in lines):
        lines += ["", "[words]"]
    for entry in entries:
        fields = [f"{name} = {_toml_string(value)}" for name, value in (("ipa", entry.ipa), ("respell", entry.respell))
                  if value]
        line = f"{_toml_string(entry.written)} = {{ {', '.join(fields)} }}"
        key = re.compile(r"^\s*(?:" + re.escape(_toml_string(entry.written)) + "|" + re.escape(entry.written)
                         + r")\s*=")
        found = next((i for i, old in enumerate(lines) if key.match(old)), None)
        if found is None:
            lines.append(line)
        else:
            lines[found] = line
    result = "\n".join(lines) + "\n"
    parse_lexicon(result)  # never write a file the next narration cannot read
    return result


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
