"""A Programme -> an MP3 or M4A file with tags and chapters: produced, mastered, loudness verified.

The mastered float samples go to ffmpeg on its stdin (no WAV in between), which resamples them to
44.1 kHz and encodes them (libmp3lame CBR mono, or AAC in an M4A) in one run; the encoded file is
measured again with ``ebur128`` and mastered and encoded again if the encoder moved it off target.
MP3 chapters are ID3 CHAP frames with a CTOC table of contents (mutagen); M4A chapters are a
QuickTime chapter track that ffmpeg writes from an FFMETADATA file (mutagen cannot write MP4
chapters), which Apple Podcasts reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from narrate.audio.mastering import (
    Loudness,
    MasterOptions,
    limited_chunks,
    master_gain,
    measure,
    peak_envelope,
    produce,
)
from narrate.errors import PublishError
from narrate.ffmpeg import ffmpeg_exe
from narrate.model import ChapterMark, FloatArray, Programme, Timeline

BITRATES = ("64k", "80k", "96k", "112k", "128k")
ALLOWED_TRUE_PEAK = -1.0
"""The highest true peak (dBTP) an encoded episode may have (Apple's recommendation)."""
PEAK_SAFETY = 0.2
"""Corrections aim this far below ``ALLOWED_TRUE_PEAK``."""
ENCODER_LOUDNESS_LOSS = {"mp3": 0.4, "m4a": 0.0}
"""LU the encoder takes away (measured on Piper speech: libmp3lame at 64-128 kbit/s 0.4, AAC none);
the first mastering aims this much louder, so one round usually lands on target."""
FORMATS = {"mp3": ("audio/mpeg", ".mp3"), "m4a": ("audio/x-m4a", ".m4a")}
"""Audio format -> (enclosure MIME type Apple lists, file suffix)."""


@dataclass(frozen=True)
class EncodeOptions:
    """How the episode is encoded."""

    bitrate: str = "64k"
    """Constant bitrate; speech at 64 kbit/s mono is transparent enough and small."""
    format: str = "mp3"
    """``mp3`` (every app) or ``m4a`` (AAC)."""
    sample_rate: int = 44100
    """Output rate; 44.1 kHz is what every player and Apple's guidelines expect."""

    def __post_init__(self) -> None:
        if self.bitrate not in BITRATES:
            raise ValueError(f"bitrate must be one of {', '.join(BITRATES)}")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")

    @property
    def mime_type(self) -> str:
        """The enclosure type of this format."""
        return FORMATS[self.format][0]

    @property
    def suffix(self) -> str:
        """The file suffix of this format."""
        return FORMATS[self.format][1]


@dataclass(frozen=True)
class Tags:
    """What the ID3 tags say."""

    title: str
    artist: str | None = None
    album: str | None = None
    date: dt.date | None = None
    comment: str | None = None
    cover: bytes | None = None
    """Square artwork (JPEG or PNG bytes): the MP3's APIC front cover, the M4A's ``covr``."""
    cover_mime: str = "image/jpeg"


def encode_audio(samples: FloatArray | Iterable[FloatArray], rate: int, path: Path,
                 options: EncodeOptions | None = None) -> None:
    """Encode float samples at ``rate`` (an array, or its chunks in order) into ``path``: mono, constant
    bitrate, MP3 or AAC in M4A.

    The samples reach ffmpeg on its stdin as raw 32-bit floats, chunk by chunk, so neither a WAV file
    nor a second copy of the programme is made on the way.
    """
    import ffmpeg

    options = options or EncodeOptions()
    codec = {"acodec": "libmp3lame"} if options.format == "mp3" else {"acodec": "aac", "movflags": "+faststart"}
    graph = ffmpeg.input("pipe:", format="f32le", ar=rate, ac=1).output(
        str(path), ac=1, ar=options.sample_rate, audio_bitrate=options.bitrate,
        format="mp3" if options.format == "mp3" else "ipod", **codec)
    chunks = [samples] if isinstance(samples, np.ndarray) else samples
    # Errors only on stderr, so the pipe never fills while we are still writing stdin.
    process = graph.global_args("-hide_banner", "-nostats", "-loglevel", "error").run_async(
        cmd=ffmpeg_exe(), pipe_stdin=True, pipe_stderr=True, overwrite_output=True)
    try:
        for chunk in chunks:
            for start in range(0, len(chunk), 1 << 16):
                process.stdin.write(np.asarray(chunk[start: start + (1 << 16)], dtype="<f4").tobytes())
    except BrokenPipeError:
        pass  # ffmpeg stopped reading: it says why on stderr
    finally:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        stderr = process.stderr.read()
        process.stderr.close()
        returncode = process.wait()
    if returncode != 0:
        tail = stderr.decode(errors="replace")[-300:]
        raise PublishError(f"ffmpeg could not encode {path.name}: {tail}")


@dataclass(frozen=True)
class Mastered:
    """How the encoded file measures, and how many masterings it took."""

    loudness: Loudness
    rounds: int
    """Masterings it took: 1, or more when the encoder moved loudness or peaks off target."""


def master_and_encode(samples: FloatArray, rate: int, path: Path, options: EncodeOptions,
                      mastering: MasterOptions) -> Mastered:
    """Master the float ``samples`` (at ``rate``), encode them to ``path``, and measure the encoded file.

    The encoder moves things a little (measured: MP3 at 64 kbit/s reads 0.4 LU quieter and its true
    peak 1 dB higher than its input); the first round allows for that, and when the encoded file
    still misses the target, the mastering (numpy only) and the encoding are redone with targets moved
    by what the encoder did. Raises PublishError if the episode is silent, or still misses the target
    by more than 1 LU or peaks above ``ALLOWED_TRUE_PEAK``.
    """
    goal = mastering.integrated
    mastering = replace(mastering, integrated=goal + ENCODER_LOUDNESS_LOSS[options.format])
    envelope = peak_envelope(samples)
    gain: float | None = None
    rounds = 0
    while rounds < 3:
        rounds += 1
        gain = master_gain(samples, rate, mastering, envelope, gain)
        encode_audio(limited_chunks(samples, envelope, gain, mastering.true_peak, rate), rate, path, options)
        measured = measure(path)
        error = goal - measured.integrated
        overshoot = measured.true_peak - (ALLOWED_TRUE_PEAK - PEAK_SAFETY)
        if abs(error) <= 0.3 and overshoot <= 0:
            break
        mastering = replace(mastering, integrated=mastering.integrated + error,
                            true_peak=mastering.true_peak - max(0.0, overshoot + PEAK_SAFETY))
        gain += error
    if abs(measured.integrated - goal) > 1.0 or measured.true_peak > ALLOWED_TRUE_PEAK:
        raise PublishError(f"{path.name}: mastered to {measured.integrated} LUFS, {measured.true_peak} dBTP, "
                           f"outside {goal}±1 LUFS / {ALLOWED_TRUE_PEAK} dBTP; please report this")
    return Mastered(measured, rounds)


@dataclass(frozen=True)
class EncodedEpisode:
    """The finished audio of an episode before it is published."""

    audio: bytes
    timeline: Timeline
    """The programme's timeline, moved by the production (intro) when there is one."""
    mastered: Mastered
    """Loudness measured on the encoded file, and the rounds of mastering it took."""
    options: EncodeOptions


def encode_episode(programme: Programme, production: MasterOptions, options: EncodeOptions, tags: Tags,
                   scratch_parent: Path | None = None) -> EncodedEpisode:
    """Produce (intro, outro, music bed), master, encode and tag the programme; nothing is published yet.

    The file is made in a scratch directory under ``scratch_parent`` (the system's temporary directory
    when None) and returned as bytes.
    """
    produced = produce(programme, production)
    if scratch_parent is not None:
        scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_parent, prefix=".encode-") as scratch:
        encoded = Path(scratch) / f"episode{options.suffix}"
        result = master_and_encode(produced.samples, produced.sample_rate, encoded, options, production)
        write_tags(encoded, tags, produced.timeline.chapters, options.format)
        audio = encoded.read_bytes()
    return EncodedEpisode(audio, produced.timeline, result, options)


def ffmetadata(tags: Tags, chapters: tuple[ChapterMark, ...]) -> str:
    """An FFMETADATA1 document: global tags and one [CHAPTER] per chapter, times in milliseconds."""

    def escape(value: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in value)

    lines = [";FFMETADATA1", f"title={escape(tags.title)}"]
    if tags.artist:
        lines.append(f"artist={escape(tags.artist)}")
    if tags.album:
        lines.append(f"album={escape(tags.album)}")
    if tags.date:
        lines.append(f"date={tags.date.isoformat()}")
    if tags.comment:
        lines.append(f"comment={escape(tags.comment)}")
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(chapter.start * 1000)}",
                  f"END={round(chapter.end * 1000)}", f"title={escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


def write_mp4_chapters(path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
    """Rewrite the M4A at ``path`` with tags and a chapter track (stream copy, no re-encoding)."""
    import subprocess

    metadata = path.with_name(path.stem + ".ffmeta.txt")
    metadata.write_text(ffmetadata(tags, chapters), encoding="utf-8")
    remuxed = path.with_name(path.stem + ".chapters" + path.suffix)
    # Two inputs (audio, metadata) and stream copy: plain arguments say it more clearly than a graph.
    command = [ffmpeg_exe(), "-hide_banner", "-nostats", "-y", "-i", str(path), "-f", "ffmetadata",
               "-i", str(metadata), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
               "-c", "copy", "-movflags", "+faststart", "-f", "ipod", str(remuxed)]
    result = subprocess.run(command, capture_output=True, check=False)
    metadata.unlink(missing_ok=True)
    if result.returncode != 0:
        raise PublishError(f"ffmpeg could not write chapters into {path.name}: "
                           f"{result.stderr.decode(errors='replace')[-300:]}")
    remuxed.replace(path)


def write_tags(path: Path, tags: Tags, chapters: tuple[ChapterMark, ...], audio_format: str) -> None:
    """Tags and chapters in the way the format carries them."""
    if audio_format == "m4a":
        write_mp4_chapters(path, tags, chapters)
        if tags.cover is not None:
            write_mp4_cover(path, tags.cover, tags.cover_mime)
    else:
        write_id3(path, tags, chapters)


def write_mp4_cover(path: Path, cover: bytes, mime: str) -> None:
    """The M4A's cover art (``covr``), written with mutagen after ffmpeg has put in the chapter track."""
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(str(path))
    if mp4.tags is None:
        mp4.add_tags()
    assert mp4.tags is not None
    kind = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
    mp4.tags["covr"] = [MP4Cover(cover, imageformat=kind)]
    mp4.save()


def write_id3(path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
    """ID3v2.4 tags, and CHAP + CTOC frames for the chapters."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TDRC,
        TIT2,
        TPE1,
        WXXX,
        CTOCFlags,
        ID3NoHeaderError,
    )

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
    if tags.cover is not None:
        id3.add(APIC(encoding=3, mime=tags.cover_mime, type=3, desc="Cover", data=tags.cover))
    ids = [f"chp{index}" for index in range(len(chapters))]
    if chapters:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(CHAP(element_id=element_id, start_time=round(chapter.start * 1000),
                     end_time=round(chapter.end * 1000),
                     sub_frames=[TIT2(encoding=3, text=chapter.title),
                                 *([WXXX(encoding=3, desc="", url=chapter.url)] if chapter.url else [])]))
    id3.save(str(path), v2_version=4)
