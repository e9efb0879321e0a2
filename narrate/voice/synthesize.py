"""Script -> Takes: every sentence spoken by the voice its role is cast to.

Voices are resolved once per run (profile options validated against the engine's Options), and each
engine is loaded once per process through the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from narrate.errors import EngineError, NarrateError
from narrate.model import Role, Script, Sentence, Take
from narrate.voice.cache import AudioCache, cache_key
from narrate.voice.effects import apply_effects
from narrate.voice.engines.base import Engine, EngineRegistry, options_from_mapping
from narrate.voice.profiles import Cast, VoiceProfile

Progress = Callable[[Take], None]


@dataclass(frozen=True)
class Voice:
    """A profile bound to its loaded engine and validated options."""

    profile: VoiceProfile
    engine: Engine
    options: Any


def resolve_voices(cast: Cast, registry: EngineRegistry) -> dict[str, Voice]:
    """Every profile of the cast, checked and bound to its engine; fails before any audio is made."""
    voices: dict[str, Voice] = {}
    for profile in cast.all_profiles():
        engine_type = registry.type_of(profile.engine)
        options = options_from_mapping(
            engine_type.Options, profile.options, where=f"voice profile {profile.name!r} [options]"
        )
        voices[profile.name] = Voice(profile, registry.get(profile.engine), options)
    return voices


def accepts_phonemes(cast: Cast, registry: EngineRegistry) -> Callable[[Role], bool]:
    """Whether the engine that speaks a role takes ``[[ phoneme ]]`` blocks (for the lexicon)."""

    def for_role(role: Role) -> bool:
        return registry.type_of(cast.profile_for(role).engine).accepts_phonemes

    return for_role


def engine_max_chars(cast: Cast, registry: EngineRegistry) -> Callable[[Role], int]:
    """The longest sentence the engine that speaks a role takes (0: no limit of its own), for segmentation."""

    def for_role(role: Role) -> int:
        return registry.type_of(cast.profile_for(role).engine).max_chars

    return for_role


def sentence_keys(script: Script, cast: Cast, voices: dict[str, Voice]) -> list[str]:
    """The cache key of every sentence, in speaking order."""
    fingerprints = {name: voice.engine.fingerprint(voice.options) for name, voice in voices.items()}
    keys = []
    for sentence in script.sentences():
        voice = voices[cast.profile_for(sentence.role).name]
        keys.append(cache_key(voice.profile.engine, fingerprints[voice.profile.name], voice.options, sentence.spoken))
    return keys


def synthesize(
    script: Script,
    cast: Cast,
    registry: EngineRegistry,
    progress: Progress | None = None,
    cache: AudioCache | None = None,
    voices: dict[str, Voice] | None = None,
) -> list[Take]:
    """Speak every sentence of the script, in order, taking what the cache already has."""
    voices = voices or resolve_voices(cast, registry)
    keys = sentence_keys(script, cast, voices)
    takes: list[Take] = []
    for sentence, key in zip(script.sentences(), keys, strict=True):
        voice = voices[cast.profile_for(sentence.role).name]
        audio = cache.get(key) if cache is not None else None
        cached = audio is not None
        if audio is None:
            audio = _speak(voice, sentence)
            if cache is not None:
                cache.put(key, audio)
        audio = apply_effects(audio, voice.profile.effects)
        take = Take(sentence=sentence, voice=voice.profile.name, audio=audio, cached=cached)
        takes.append(take)
        if progress is not None:
            progress(take)
    return takes


def _speak(voice: Voice, sentence: Sentence) -> Any:
    try:
        return voice.engine.synthesize(sentence.spoken, voice.options)
    except NarrateError:
        raise
    except Exception as error:  # an engine's own failure, whatever its type, becomes one clear line
        raise EngineError(
            f"voice {voice.profile.name!r} ({voice.profile.engine}) failed on {sentence.written[:60]!r}: {error}"
        ) from error
