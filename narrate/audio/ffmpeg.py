"""pydub, pointed at narrate's ffmpeg (``narrate.ffmpeg``)."""

from __future__ import annotations

from typing import Any

from narrate.ffmpeg import ffmpeg_exe


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
