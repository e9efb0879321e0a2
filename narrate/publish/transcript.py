"""Timeline -> WebVTT transcript and Podcasting 2.0 JSON chapters.

Cues carry the sentence as the article wrote it, not the normalized spoken form, so the transcript
reads like the article; the times are the ones the assembler measured.
"""

from __future__ import annotations

import json
import textwrap

from narrate.model import Timeline

MAX_LINE = 65


def _timestamp(seconds: float, separator: str = ".") -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cue_text(text: str) -> str:
    # WebVTT forbids "-->" in cue text and treats "<" and "&" as markup.
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(textwrap.wrap(safe, MAX_LINE, break_long_words=False, break_on_hyphens=False))


def to_webvtt(timeline: Timeline) -> str:
    """A WebVTT file with one cue per sentence (ids s1, s2, …)."""
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(timeline.cues, start=1):
        lines += [f"s{number}", f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}",
                  _cue_text(cue.sentence.written), ""]
    return "\n".join(lines)


def to_srt(timeline: Timeline) -> str:
    """The same cues as SubRip."""
    lines: list[str] = []
    for number, cue in enumerate(timeline.cues, start=1):
        text = "\n".join(textwrap.wrap(cue.sentence.written, MAX_LINE, break_long_words=False))
        lines += [str(number), f"{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}", text, ""]
    return "\n".join(lines)


def to_json_chapters(timeline: Timeline) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0)."""
    chapters = [{"startTime": round(mark.start, 3), "endTime": round(mark.end, 3), "title": mark.title,
                 **({"url": mark.url} if mark.url else {})} for mark in timeline.chapters]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=1)
