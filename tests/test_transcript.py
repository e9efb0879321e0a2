"""Timeline -> WebVTT, SubRip and Podcasting 2.0 JSON chapters (narrate/publish/transcript.py).

Transcripts are read back with webvtt-py, an independent parser, rather than compared with strings.
"""

from __future__ import annotations

import html
import io
import json

import pytest
import webvtt

from narrate.model import ChapterMark, Cue, Role, Sentence, Timeline
from narrate.publish.transcript import MAX_LINE, to_json_chapters, to_srt, to_webvtt


def sentence(written: str) -> Sentence:
    return Sentence(written=written, spoken=f"spoken form of {written}", role=Role.BODY)


def timeline(*cues: tuple[float, float, str], chapters: tuple[ChapterMark, ...] = ()) -> Timeline:
    placed = tuple(Cue(start, end, 0, sentence(text)) for start, end, text in cues)
    end = max((c.end for c in placed), default=0.0)
    return Timeline(cues=placed, chapters=chapters or (ChapterMark(0.0, end, "Story", Role.BODY),), duration=end)


def read_vtt(text: str) -> list[webvtt.Caption]:
    return list(webvtt.from_buffer(io.StringIO(text)).captions)


def test_webvtt_cues_have_ids_times_and_the_written_text() -> None:
    captions = read_vtt(to_webvtt(timeline((0.0, 1.25, "The ferry resumes."), (1.5, 3.0, "Riders cheered."))))
    assert [c.identifier for c in captions] == ["s1", "s2"]
    assert [(c.start, c.end) for c in captions] == [("00:00:00.000", "00:00:01.250"), ("00:00:01.500", "00:00:03.000")]
    # the transcript reads like the article, not like the normalized engine input
    assert [c.text for c in captions] == ["The ferry resumes.", "Riders cheered."]


@pytest.mark.parametrize(
    ("seconds", "vtt", "srt"),
    [
        (0.0, "00:00:00.000", "00:00:00,000"),
        (0.0004, "00:00:00.000", "00:00:00,000"),
        (0.0006, "00:00:00.001", "00:00:00,001"),
        (59.9996, "00:01:00.000", "00:01:00,000"),  # rounding carries into the minutes
        (61.5, "00:01:01.500", "00:01:01,500"),
        (3723.4567, "01:02:03.457", "01:02:03,457"),
        (36_000.0, "10:00:00.000", "10:00:00,000"),
    ],
)
def test_timestamps(seconds: float, vtt: str, srt: str) -> None:
    line = timeline((seconds, seconds + 1.0, "Tick."))
    [caption] = read_vtt(to_webvtt(line))
    assert caption.start == vtt
    assert to_srt(line).split("\n")[1].split(" --> ")[0] == srt


@pytest.mark.parametrize(
    "text",
    [
        "Shares fell --> then rose.",
        "AT&T said profits < forecasts > last year.",
        "The tag <b>bold</b> and &amp; stay literal.",
        "Arrow at the end -->",
    ],
)
def test_webvtt_escapes_markup_and_the_cue_arrow(text: str) -> None:
    vtt = to_webvtt(timeline((0.0, 2.0, text)))
    body = vtt.split("\n\n", 1)[1]
    cue_text = body.split("\n", 2)[2]
    assert "-->" not in cue_text and "<" not in cue_text
    assert all(part.startswith(("amp;", "lt;", "gt;")) for part in cue_text.split("&")[1:])
    [caption] = read_vtt(vtt)
    assert html.unescape(caption.text.replace("\n", " ")) == text


def test_long_sentences_wrap_at_65_characters_without_losing_words() -> None:
    text = ("The regional transit authority said on Thursday that the harbor ferry would resume its full "
            "weekday timetable next month, after engineers finished replacing the corroded pilings at both "
            "landings and inspectors signed off on the new gangways.")
    [caption] = read_vtt(to_webvtt(timeline((0.0, 9.0, text))))
    assert len(caption.lines) >= 3
    assert all(len(line) <= MAX_LINE == 65 for line in caption.lines)
    assert " ".join(caption.lines) == text
    srt_text = to_srt(timeline((0.0, 9.0, text))).strip().split("\n")[2:]
    assert all(len(line) <= 65 for line in srt_text) and " ".join(srt_text) == text


def test_a_word_longer_than_a_line_is_not_broken() -> None:
    url = "https://example.org/" + "a" * 70
    [caption] = read_vtt(to_webvtt(timeline((0.0, 2.0, f"See {url} for details."))))
    assert url in caption.lines


def test_srt_has_the_same_cues_numbered_from_one() -> None:
    line = timeline((0.0, 1.25, "One & two."), (1.5, 3.0, "Three."), (3.2, 4.0, "Four."))
    srt = webvtt.from_buffer(io.StringIO(to_srt(line)), format="srt")
    vtt = read_vtt(to_webvtt(line))
    assert [(c.start, c.end) for c in srt.captions] == [(c.start, c.end) for c in vtt]
    assert [c.text for c in srt.captions] == ["One & two.", "Three.", "Four."]  # SubRip has no markup to escape
    assert [block.split("\n")[0] for block in to_srt(line).strip().split("\n\n")] == ["1", "2", "3"]


def test_empty_timeline_is_a_valid_empty_transcript() -> None:
    empty = Timeline(cues=(), chapters=(), duration=0.0)
    assert read_vtt(to_webvtt(empty)) == []
    assert json.loads(to_json_chapters(empty)) == {"version": "1.2.0", "chapters": []}


def test_json_chapters_round_trip_to_the_timeline() -> None:
    marks = (
        ChapterMark(0.0, 4.12345, "Story", Role.BODY),
        ChapterMark(4.12345, 9.87654, "Key takeaways", Role.TAKEAWAYS),
        ChapterMark(9.87654, 12.5, "Ce que l’on sait — 서울", Role.FAQ_QUESTION),
    )
    line = timeline((0.0, 12.5, "Text."), chapters=marks)
    text = to_json_chapters(line)
    assert "서울" in text  # written as UTF-8, not \u escapes
    data = json.loads(text)
    assert data["version"] == "1.2.0"
    assert [(c["startTime"], c["endTime"], c["title"]) for c in data["chapters"]] == [
        (round(m.start, 3), round(m.end, 3), m.title) for m in marks
    ]
    starts = [c["startTime"] for c in data["chapters"]]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert data["chapters"][-1]["endTime"] == line.duration
