"""``narrate voices``: list the voice profiles and casts, and speak a sample with one."""

from __future__ import annotations

from pathlib import Path

import click

from narrate.cli.common import friendly_errors
from narrate.errors import NarrateError
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.profiles import load_cast, load_profile, search_path


@click.group()
def voices() -> None:
    """Voice profiles (voices/NAME.toml) and casts (voices/NAME.cast.toml)."""


@voices.command("list")
@click.option("--voices-dir", "voices_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra directory of profiles and casts, searched first.")
@friendly_errors
def list_voices(voices_dirs: tuple[Path, ...]) -> None:
    """Show every profile with its engine and whether that engine is installed, then the casts."""
    registry = EngineRegistry.from_entry_points()
    installed = set(registry.names())
    seen: set[str] = set()
    click.echo("Profiles:")
    for directory in search_path(voices_dirs):
        for path in sorted(directory.glob("*.toml")):
            name = path.name.removesuffix(".toml")
            if name.endswith(".cast") or name in seen or name == "lexicon":
                continue
            seen.add(name)
            try:
                profile = load_profile(name, voices_dirs)
            except NarrateError as error:
                click.echo(f"  {name:<14} INVALID: {error}")
                continue
            status = "installed" if _usable(registry, profile.engine, installed) else "engine not installed"
            click.echo(f"  {name:<14} {profile.engine:<8} {status:<22} {profile.description}")
    click.echo("Casts:")
    for directory in search_path(voices_dirs):
        for path in sorted(directory.glob("*.cast.toml")):
            name = path.name.removesuffix(".cast.toml")
            try:
                cast = load_cast(name, voices_dirs)
            except NarrateError as error:
                click.echo(f"  {name:<14} INVALID: {error}")
                continue
            roles = ", ".join(f"{role.value}={profile.name}" for role, profile in cast.profiles.items())
            click.echo(f"  {name:<14} default={cast.default.name}{', ' + roles if roles else ''}")


def _usable(registry: EngineRegistry, engine: str, installed: set[str]) -> bool:
    if engine not in installed:
        return False
    return registry.type_of(engine).installed


@voices.command("preview")
@click.argument("profile")
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sample (.mp3 or .wav).")
@click.option("--voices-dir", "voices_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path))
@friendly_errors
def preview(profile: str, text: str, output: Path, voices_dirs: tuple[Path, ...]) -> None:
    """Speak TEXT with PROFILE into a file.

    \b
    Example:
      narrate voices preview joe-host "Who will attend the meeting?" -o host.mp3
    """
    from narrate.audio.assemble import to_segment
    from narrate.voice.effects import apply_effects
    from narrate.voice.profiles import single_voice_cast
    from narrate.voice.synthesize import resolve_voices

    chosen = load_profile(profile, voices_dirs)
    voice = resolve_voices(single_voice_cast(chosen), EngineRegistry.from_entry_points())[chosen.name]
    audio = apply_effects(voice.engine.synthesize(text, voice.options), chosen.effects)
    fmt = "wav" if output.suffix.lower() == ".wav" else "mp3"
    to_segment(audio.samples, audio.sample_rate).export(str(output), format=fmt, bitrate="64k").close()
    click.echo(f"{output}: {audio.duration:.1f} s, {chosen.name} ({chosen.engine})")
