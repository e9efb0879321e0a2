"""Which ffmpeg binary to run: ``$NARRATE_FFMPEG``, the system's, or the static one in imageio-ffmpeg.

Looked up on first use, never at import, so importing narrate costs nothing and tests can point
the variable elsewhere.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from typing import Any

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


def audio_segment_class() -> Any:
    """pydub's AudioSegment, pointed at our ffmpeg.

    pydub looks for ffmpeg on PATH when it is imported and warns when it is missing; the warning is
    wrong for us (we tell it where ffmpeg is), so it is silenced for that one import.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment
