"""The errors narrate raises on purpose.

    NarrateError              one line a user can act on; the CLI prints it and exits 2
    ├── InputError            the article, page, URL or feed of articles cannot be read as an article
    ├── ConfigError           a feed.toml, voice profile, cast or lexicon is invalid
    ├── EngineError           a TTS engine is missing, fails to load, or fails to speak
    └── PublishError          the episode or feed cannot be written
"""


class NarrateError(Exception):
    """Base of every error narrate raises on purpose; the message says what to do."""


class InputError(NarrateError):
    """The input cannot be read as an article."""


class ConfigError(NarrateError):
    """A configuration file is invalid."""


class EngineError(NarrateError):
    """A TTS engine is missing or failed."""


class PublishError(NarrateError):
    """The episode or the feed could not be written."""
