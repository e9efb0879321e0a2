"""Which ffmpeg binary to run: ``$NARRATE_FFMPEG``, the system's, or the static one in imageio-ffmpeg.

Looked up on first use, never at import, so importing narrate costs nothing and tests can point
the variable elsewhere. It sits at the bottom of the package because the voice stage (effects) and the
audio stage (encoding, measuring) both run it.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

from narrate.errors import EngineError


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of an ffmpeg that has libmp3lame, AAC and ebur128."""
    configured = os.environ.get("NARRATE_FFMPEG")
    if configured:
        return configured
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError as error:
        raise EngineError("no ffmpeg found: install ffmpeg or `pip install imageio-ffmpeg`") from error
    return str(imageio_ffmpeg.get_ffmpeg_exe())
