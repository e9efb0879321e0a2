"""TTS engines behind one base class, found through the ``narrate.engines`` entry point group."""

from narrate.voice.engines.base import Engine, EngineRegistry, options_from_mapping

__all__ = ["Engine", "EngineRegistry", "options_from_mapping"]
