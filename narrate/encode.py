"""The programme -> an MP3 file with ID3 tags and chapters.

pydub hands the samples to ffmpeg (libmp3lame, constant bitrate, mono); mutagen then writes the ID3
tags and one CHAP frame per chapter with a CTOC table of contents, which podcast apps show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate.errors import PublishError
from narrate.model import ChapterMark

BITRATES = ("64k", "80k", "96k", "112k", "128k")


@dataclass(frozen=True)
class EncodeOptions:
    """How the episode is encoded."""

    bitrate: str = "64k"
    """MP3 constant bitrate; speech at 64 kbit/s mono is transparent enough and small."""

    def __post_init__(self) -> None:
        if self.bitrate not in BITRATES:
            raise ValueError(f"bitrate must be one of {', '.join(BITRATES)}")


@dataclass(frozen=True)
class Tags:
    """What the ID3 tags say."""

    title: str
    artist: str | None = None
    album: str | None = None
    date: dt.date | None = None
    comment: str | None = None


def master(programme: Any, peak_dbfs: float = -1.5) -> Any:
    """Interim mastering: bring the peak to ``peak_dbfs`` (loudness normalization replaces this)."""
    if programme.max_dBFS == float("-inf"):
        return programme
    return programme.apply_gain(peak_dbfs - programme.max_dBFS)


def encode_mp3(programme: Any, path: Path, options: EncodeOptions | None = None) -> None:
    """Write the programme to ``path`` as a mono CBR MP3 at the programme's sample rate."""
    options = options or EncodeOptions()
    try:
        handle = programme.export(
            str(path), format="mp3", bitrate=options.bitrate,
            parameters=["-ac", "1", "-ar", str(programme.frame_rate)],
        )
        handle.close()
    except Exception as error:  # pydub raises CouldntEncodeError with ffmpeg's output
        raise PublishError(f"ffmpeg could not encode {path.name}: {str(error)[-300:]}") from error


def write_id3(path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
    """ID3v2.4 tags, and CHAP + CTOC frames for the chapters."""
    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TPE1, CTOCFlags, ID3NoHeaderError

    try:
        id3 = ID3(str(path))
    except ID3NoHeaderError:
        id3 = ID3()
    id3.delall("CHAP")
    id3.delall("CTOC")
    id3.add(TIT2(encoding=3, text=tags.title))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
    if tags.album:
        id3.add(TALB(encoding=3, text=tags.album))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date.isoformat()))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    ids = [f"chp{index}" for index in range(len(chapters))]
    if chapters:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(CHAP(element_id=element_id, start_time=round(chapter.start * 1000),
                     end_time=round(chapter.end * 1000),
                     sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    id3.save(str(path), v2_version=4)
