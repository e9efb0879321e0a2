"""Encoded episodes read back: loudness, intro and outro, MP3 ID3 chapters, the M4A chapter track, the bed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from narrate.audio.mastering import decode, measure
from narrate.ffmpeg import ffmpeg_exe
from tests.podcast_support import INTRO_HZ, INTRO_SECONDS, OUTRO_HZ, Published, write_tone


@pytest.mark.parametrize("fixture", ["mp3", "m4a"])
def test_loudness_measured_after_encoding_is_on_target(fixture: str, request: pytest.FixtureRequest) -> None:
    published: Published = request.getfixturevalue(fixture)
    loudness = measure(published.path(published.episode.audio.name))
    assert -17.0 <= loudness.integrated <= -15.0
    assert loudness.true_peak <= -1.0


def _strength(samples: np.ndarray, rate: int, hz: float) -> float:
    """Share of the spectrum's energy within 20 Hz of ``hz``."""
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(spectrum[np.abs(freqs - hz) < 20].sum() / spectrum.sum())


def test_intro_and_outro_frame_the_speech(mp3: Published) -> None:
    rate = 22050
    audio = decode(mp3.path(mp3.episode.audio.name), rate)
    first_cue_start = json.loads(mp3.extra("application/json+chapters").read_text())["chapters"][1]["startTime"]
    opening = audio[: round(0.9 * rate)]
    closing = audio[-round(0.9 * rate):]
    assert _strength(opening, rate, INTRO_HZ) > 0.8
    assert _strength(closing, rate, OUTRO_HZ) > 0.8
    # The speech starts after the intro (its leading silence trimmed) and a short gap.
    assert first_cue_start > INTRO_SECONDS
    # No click: the very first and last samples are near silence thanks to the fades.
    assert abs(audio[0]) < 0.05 and abs(audio[-1]) < 0.05


def test_mp3_is_mono_cbr_with_id3_chapters(mp3: Published) -> None:
    from mutagen.mp3 import MP3

    path = mp3.path(mp3.episode.audio.name)
    info = MP3(str(path)).info
    assert info.channels == 1 and info.sample_rate == 44100
    from mutagen.mp3 import BitrateMode

    assert info.bitrate == 64000 and info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
    chapters = sorted(ID3(str(path)).getall("CHAP"), key=lambda c: c.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == [c.title for c in mp3.episode.chapters]
    assert [c.start_time for c in chapters] == [round(c.start * 1000) for c in mp3.episode.chapters]
    assert chapters[-1].end_time == pytest.approx(info.length * 1000, abs=60)


def test_m4a_has_a_chapter_track(m4a: Published) -> None:
    path = m4a.path(m4a.episode.audio.name)
    assert m4a.episode.audio.mime_type == "audio/x-m4a" and path.suffix == ".m4a"
    mp4 = MP4(str(path))
    assert mp4.info.channels == 1
    expected = [(round(c.start, 2), c.title) for c in m4a.episode.chapters]
    assert [(round(c.start, 2), c.title) for c in mp4.chapters] == expected
    # ffmpeg reads the QuickTime chapter track (the one Apple reads) independently of mutagen.
    dump = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True).stdout
    titles = [line.removeprefix("title=") for block in dump.split("[CHAPTER]")[1:]
              for line in block.splitlines() if line.startswith("title=")]
    assert titles == [c.title for c in m4a.episode.chapters]


def test_music_bed_plays_around_announcements_ducked_under_speech(tmp_path: Path) -> None:
    from narrate.audio.mastering import MasterOptions, produce
    from narrate.model import ChapterMark, Cue, Programme, Role, Sentence, Timeline

    rate = 8000
    body = Sentence(written="The ferry runs.", spoken="The ferry runs.", role=Role.BODY)
    announcement = Sentence(written="Key takeaways.", spoken="Key takeaways.", role=Role.ANNOUNCEMENT)
    timeline = Timeline(
        cues=(Cue(1.0, 3.0, 0, body), Cue(4.0, 5.0, 1, announcement), Cue(7.0, 9.0, 1, body)),
        chapters=(ChapterMark(0.0, 4.0, "Story", Role.BODY), ChapterMark(4.0, 10.0, "Key takeaways", Role.TAKEAWAYS)),
        duration=10.0,
    )
    bed = tmp_path / "bed.wav"
    write_tone(bed, 440.0, 2.0, rate)
    options = MasterOptions(music_bed=bed, bed_level=-20.0, bed_ducking=12.0)
    produced = produce(Programme(np.zeros(10 * rate, dtype=np.float32), rate, timeline), options)
    mixed, moved = produced.samples, produced.timeline
    assert moved == timeline and len(mixed) == 10 * rate

    def level(start: float, end: float) -> float:
        window = mixed[round(start * rate): round(end * rate)]
        return float(20 * np.log10(np.sqrt(np.mean(window ** 2)) + 1e-12))

    assert level(0.5, 2.8) < -80 and level(7.2, 9.5) < -80  # no bed under the other sentences
    before, under, after = level(3.3, 3.8), level(4.3, 4.7), level(5.3, 6.7)
    assert -35 < before < -20 and -35 < after < -20  # the tone is at -10 dBFS, the bed 20 dB lower
    assert after - under == pytest.approx(12.0, abs=1.5)  # ducked by 12 dB under the announcement
