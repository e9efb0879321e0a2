"""Voice profiles and casts: TOML files read into validated dataclasses.

A profile (``NAME.toml``) names an engine and its settings plus the pauses after its sentences; a cast
(``NAME.cast.toml``) maps article roles to profiles. Profiles are looked up in the directories given
(a feed's own first), then in the ones shipped with narrate (the repository's ``voices/``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from narrate.errors import ConfigError
from narrate.model import Role
from narrate.settings import read_toml
from narrate.voice.effects import Effects

PROFILE_KEYS = {"engine", "description", "sentence_pause", "paragraph_pause", "section_pause", "options",
                "lexicon", "effects"}
CAST_KEYS = {"description", "roles", "disclosure"}


@dataclass(frozen=True)
class VoiceProfile:
    """An engine, its settings, and how long to pause after what it says."""

    name: str
    engine: str
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    sentence_pause: float = 0.30
    paragraph_pause: float = 0.50
    section_pause: float = 0.80
    lexicon: str | None = None
    """Path of an extra lexicon for this voice, relative to the profile file."""
    effects: Effects = field(default_factory=Effects)
    """Pitch, tempo and tone applied to the engine's output."""


@dataclass(frozen=True)
class Cast:
    """Which profile speaks each role."""

    name: str
    profiles: Mapping[Role, VoiceProfile]
    default: VoiceProfile
    disclosure: str | bool | None = None
    """The cast's own words for the spoken disclosure (a synthetic voice reads this), or False for none;
    None uses the feed's."""

    def profile_for(self, role: Role) -> VoiceProfile:
        """The profile that speaks ``role``."""
        return self.profiles.get(role, self.default)

    def all_profiles(self) -> list[VoiceProfile]:
        """Every distinct profile in the cast."""
        seen: dict[str, VoiceProfile] = {self.default.name: self.default}
        for profile in self.profiles.values():
            seen.setdefault(profile.name, profile)
        return list(seen.values())


def builtin_voices_dir() -> Path:
    """The voices shipped with narrate."""
    return Path(str(files("narrate"))) / "builtin_voices"


def search_path(extra: Sequence[Path] = ()) -> list[Path]:
    """Directories searched for profiles and casts, first match wins."""
    return [*extra, builtin_voices_dir()]


def _find(name: str, suffix: str, dirs: Sequence[Path], kind: str) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    for directory in dirs:
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    raise ConfigError(
        f"no {kind} named {name!r} in {', '.join(str(d) for d in dirs)}; see `narrate voices list`"
    )


def load_profile(name: str, dirs: Sequence[Path] = ()) -> VoiceProfile:
    """Read and validate the profile ``name`` (or a path to a profile file)."""
    path = _find(name, ".toml", search_path(dirs), "voice profile")
    data = read_toml(path, PROFILE_KEYS)
    if not isinstance(data.get("engine"), str):
        raise ConfigError(f"{path}: 'engine' must name an engine, e.g. engine = \"piper\"")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{path}: [options] must be a table")
    pauses = {}
    for key in ("sentence_pause", "paragraph_pause", "section_pause"):
        if key in data:
            value = data[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 5:
                raise ConfigError(f"{path}: '{key}' must be a number of seconds between 0 and 5")
            pauses[key] = float(value)
    effects_table = data.get("effects", {})
    if not isinstance(effects_table, dict):
        raise ConfigError(f"{path}: [effects] must be a table")
    from narrate.voice.engines.base import options_from_mapping

    effects = options_from_mapping(Effects, effects_table, where=f"{path} [effects]")
    lexicon = data.get("lexicon")
    if lexicon is not None:
        lexicon = str((path.parent / str(lexicon)).resolve())
    profile_name = path.stem if Path(name).suffix == ".toml" else name
    return VoiceProfile(name=profile_name, engine=data["engine"], options=options,
                        description=str(data.get("description", "")), lexicon=lexicon, effects=effects,
                        **pauses)


def load_cast(name: str, dirs: Sequence[Path] = ()) -> Cast:
    """Read a cast and every profile it names."""
    path = _find(name, ".cast.toml", search_path(dirs), "cast")
    data = read_toml(path, CAST_KEYS)
    roles = data.get("roles")
    if not isinstance(roles, dict) or "default" not in roles:
        raise ConfigError(f"{path}: [roles] must be a table with at least `default = \"PROFILE\"`")
    valid = {role.value for role in Role}
    profiles: dict[Role, VoiceProfile] = {}
    for role_name, profile_name in roles.items():
        if role_name != "default" and role_name not in valid:
            raise ConfigError(f"{path}: roles.{role_name}: unknown role; roles are {', '.join(sorted(valid))}")
        if not isinstance(profile_name, str):
            raise ConfigError(f"{path}: roles.{role_name} must be a profile name")
        if role_name != "default":
            profiles[Role(role_name)] = load_profile(profile_name, dirs)
    disclosure = data.get("disclosure")
    if disclosure is not None and not (disclosure is False or (isinstance(disclosure, str) and disclosure.strip())):
        raise ConfigError(f"{path}: disclosure must be a sentence, or false for none")
    return Cast(name=Path(name).name.removesuffix(".cast.toml"), profiles=profiles,
                default=load_profile(roles["default"], dirs), disclosure=disclosure)


def single_voice_cast(profile: VoiceProfile) -> Cast:
    """A cast in which one profile speaks everything (``--voice``)."""
    return Cast(name=profile.name, profiles={}, default=profile)
