"""Issue 5: podcast-grade episodes and feeds, checked with the tools apps and directories use.

The fake engine speaks here (tones whose length follows the text): loudness, chapters, transcripts
and the feed do not depend on the voice, and the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import multiprocessing
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import numpy as np
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from narrate import api
from narrate.audio.ffmpeg import ffmpeg_exe
from narrate.audio.mastering import decode, measure
from narrate.audio.samples import trim
from narrate.cli.feed import feed as feed_command
from narrate.errors import ConfigError
from narrate.model import Episode, EpisodeFile
from narrate.publish.artwork import artwork_problems
from narrate.publish.categories import apple_categories
from narrate.publish.rss import podcast_guid
from narrate.publish.settings import load_feed_config
from narrate.voice.engines.base import EngineRegistry
from narrate.voice.engines.fake import FakeEngine, FakeOptions
from tests.conftest import DATA, HARBOR_FEED_TOML

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "podcast-namespace"
INTRO_HZ, OUTRO_HZ, INTRO_SECONDS = 880.0, 1320.0, 1.0
FEED_TOML = HARBOR_FEED_TOML + """\
subcategory = "Daily News"
format = "{format}"
intro = "intro.wav"
outro = "outro.wav"
"""


def tones_registry() -> EngineRegistry:
    return EngineRegistry({"piper": FakeEngine, "fake": FakeEngine})


def tones_options() -> api.NarrateOptions:
    return api.NarrateOptions(voice="fake")


def write_tone(path: Path, hz: float, seconds: float, rate: int = 22050) -> None:
    from scipy.io import wavfile

    t = np.arange(round(seconds * rate)) / rate
    # Silence around the tone: the intro and outro are trimmed before use.
    tone = np.concatenate([np.zeros(rate // 4), 0.3 * np.sin(2 * np.pi * hz * t), np.zeros(rate // 4)])
    wavfile.write(str(path), rate, tone.astype(np.float32))


def make_feed(root: Path, name: str, audio_format: str = "mp3") -> Path:
    feed_dir = root / name
    feed_dir.mkdir(parents=True)
    (feed_dir / "feed.toml").write_text(FEED_TOML.format(format=audio_format), encoding="utf-8")
    write_tone(feed_dir / "intro.wav", INTRO_HZ, INTRO_SECONDS)
    write_tone(feed_dir / "outro.wav", OUTRO_HZ, 1.0)
    return feed_dir


def narrate(source: Path, feed_dir: Path) -> Episode:
    return api.narrate_article(source, feed_dir, tones_options(), registry=tones_registry(), now=NOW)


@dataclass
class Published:
    feed_dir: Path
    episode: Episode

    def path(self, name: str) -> Path:
        return self.feed_dir / "episodes" / name

    def extra(self, mime_type: str) -> Path:
        return self.path(next(f.name for f in self.episode.extra_files if f.mime_type == mime_type))


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    feed_dir = make_feed(tmp_path_factory.mktemp("feeds"), "harbor")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        yield Published(feed_dir, narrate(DATA / "harbor-ferry.txt", feed_dir))


@pytest.fixture(scope="module")
def m4a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    feed_dir = make_feed(tmp_path_factory.mktemp("feeds"), "harbor-aac", "m4a")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_HOME", str(tmp_path_factory.mktemp("home")))
        yield Published(feed_dir, narrate(DATA / "harbor-ferry.txt", feed_dir))


# --- mastering -------------------------------------------------------------------------------------

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


# --- chapters and transcripts ------------------------------------------------------------------------

def _vtt_cues(text: str) -> list[tuple[float, float, list[str]]]:
    def seconds(stamp: str) -> float:
        hours, minutes, rest = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(rest)

    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().split("\n")
        if len(lines) >= 3:
            start, end = lines[1].split(" --> ")
            cues.append((seconds(start), seconds(end), lines[2:]))
    return cues


def test_json_chapters_match_the_audio(mp3: Published) -> None:
    data = json.loads(mp3.extra("application/json+chapters").read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    starts = [c["startTime"] for c in data["chapters"]]
    assert starts[0] == 0 and starts == sorted(starts)
    assert [c["title"] for c in data["chapters"]] == [c.title for c in mp3.episode.chapters]
    assert data["chapters"][-1]["endTime"] == pytest.approx(mp3.episode.duration, abs=0.01)


def test_vtt_cues_are_written_text_timed_like_the_takes(mp3: Published) -> None:
    text = mp3.extra("text/vtt").read_text(encoding="utf-8")
    cues = _vtt_cues(text)
    script = api.build_script(api.read_article(DATA / "harbor-ferry.txt"), api.choose_cast(tones_options()),
                              tones_registry(), _preparer())
    sentences = list(script.sentences())
    assert len(cues) == len(sentences)
    assert all(len(line) <= 65 for _, _, lines in cues for line in lines)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(cues))
    assert cues[-1][1] < mp3.episode.duration
    # The cue shows the sentence as written; where normalization changed it, the written form wins.
    changed = next(s for s in sentences if s.written != s.spoken)
    assert any(" ".join(lines) == changed.written for _, _, lines in cues)
    # A cue lasts exactly as long as its take once trimmed (the fake engine is deterministic).
    engine = FakeEngine()
    for (start, end, _), sentence in zip(cues, sentences, strict=True):
        take = engine.synthesize(sentence.spoken, FakeOptions())
        trimmed = trim(take.samples, 0.01, int(0.02 * take.sample_rate))
        assert end - start == pytest.approx(len(trimmed) / take.sample_rate, abs=0.0015)


def _preparer() -> object:
    from narrate.script import SpeechPreparer

    return SpeechPreparer.load()


def test_srt_has_the_same_cues(mp3: Published) -> None:
    srt = mp3.extra("application/srt").read_text(encoding="utf-8")
    vtt = _vtt_cues(mp3.extra("text/vtt").read_text(encoding="utf-8"))
    blocks = [b.split("\n") for b in srt.strip().split("\n\n")]
    assert len(blocks) == len(vtt)
    assert blocks[0][1].replace(",", ".").split(" --> ")[0] == f"00:00:{vtt[0][0]:06.3f}"


# --- the feed ----------------------------------------------------------------------------------------

def test_feed_validates(mp3: Published) -> None:
    result = CliRunner().invoke(feed_command, ["validate", str(mp3.feed_dir / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")


def test_feed_parsed_by_podcastparser(mp3: Published) -> None:
    with (mp3.feed_dir / "feed.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    [episode] = parsed["episodes"]
    assert episode["guid"] == mp3.episode.guid
    [enclosure] = episode["enclosures"]
    assert enclosure["file_size"] == mp3.path(mp3.episode.audio.name).stat().st_size
    assert enclosure["url"].isascii() and mp3.episode.audio.sha256[:16] in enclosure["url"]
    assert episode["total_time"] == round(mp3.episode.duration)
    assert [c["title"] for c in episode.get("chapters", [])] in ([], [c.title for c in mp3.episode.chapters])


def test_feed_parsed_by_feedparser(mp3: Published) -> None:
    parsed = feedparser.parse((mp3.feed_dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.podcast_guid == podcast_guid("https://podcasts.example.org/harbor/feed.xml")
    [entry] = parsed.entries
    base = "https://podcasts.example.org/harbor/episodes/"
    assert entry.podcast_chapters["url"] == base + mp3.extra("application/json+chapters").name
    assert entry.podcast_transcript["url"] in {base + mp3.extra(t).name for t in ("text/vtt", "application/srt")}
    assert "The harbor ferry is back in service" in entry.content[0].value


def test_feed_tags_in_order_and_values(mp3: Published) -> None:
    tree = etree.parse(str(mp3.feed_dir / "feed.xml"))
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}
    assert tree.xpath("/rss/channel/itunes:explicit/text()", namespaces=ns) == ["false"]
    assert tree.xpath("/rss/channel/itunes:category/@text", namespaces=ns) == ["News"]
    assert tree.xpath("/rss/channel/itunes:category/itunes:category/@text", namespaces=ns) == ["Daily News"]
    assert tree.xpath("/rss/channel/podcast:locked/@owner", namespaces=ns) == ["desk@example.org"]
    transcripts = tree.xpath("//item/podcast:transcript", namespaces=ns)
    assert [t.get("type") for t in transcripts] == ["text/vtt", "application/srt"]
    assert transcripts[0].get("rel") == "captions"
    artwork = tree.xpath("/rss/channel/itunes:image/@href", namespaces=ns)[0]
    local = mp3.feed_dir / artwork.rsplit("/", 1)[-1]
    assert artwork_problems(local.read_bytes(), local.name) == []


def test_podcast_guid_matches_the_namespace_example() -> None:
    # The Podcasting 2.0 feed (originally mp3s.nashownotes.com/pc20rss.xml) has this feedGuid in the
    # namespace's example.xml; the namespace docs derive it from that URL.
    expected = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    if SHARED.is_dir():
        assert expected in (SHARED / "example.xml").read_text(encoding="utf-8")
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == expected
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == expected


def test_apple_categories_agree_with_the_namespace_list() -> None:
    words = {c["name"].lower() for c in json.loads(
        (Path(api.__file__).parent / "data/podcast-namespace/categories.json").read_text())["Categories"]}
    for category, subcategories in apple_categories().items():
        for name in (category, *subcategories):
            tokens = name.lower().replace(" & ", " ").replace(" for ", " ").split()
            assert {name.lower(), "-".join(tokens)} & words or any(t in words for t in tokens), name


def test_unknown_category_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "feed.toml").write_text(FEED_TOML.format(format="mp3").replace("Daily News", "Gossip"))
    (tmp_path / "intro.wav").write_bytes(b"")
    (tmp_path / "outro.wav").write_bytes(b"")
    with pytest.raises(ConfigError, match="'Gossip' is not a subcategory of 'News'"):
        load_feed_config(tmp_path)


def test_xsd_rejects_a_broken_feed(mp3: Published, tmp_path: Path) -> None:
    tree = etree.parse(str(mp3.feed_dir / "feed.xml"))
    ns = {"podcast": "https://podcastindex.org/namespace/1.0"}
    tree.xpath("//podcast:locked", namespaces=ns)[0].text = "maybe"
    del tree.xpath("//podcast:chapters", namespaces=ns)[0].attrib["type"]
    broken = tmp_path / "feed.xml"
    tree.write(str(broken), xml_declaration=True, encoding="UTF-8")
    result = CliRunner().invoke(feed_command, ["validate", str(broken)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "podcast:locked: XSD:" in result.output and "maybe" in result.output
    assert "podcast:chapters: XSD:" in result.output and "'type' is required" in result.output


def test_validate_checks_enclosure_lengths_and_guids(mp3: Published, tmp_path: Path) -> None:
    text = (mp3.feed_dir / "feed.xml").read_text(encoding="utf-8")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    for path in mp3.feed_dir.rglob("*"):
        if path.is_file():
            (copy_dir / path.relative_to(mp3.feed_dir)).parent.mkdir(parents=True, exist_ok=True)
            (copy_dir / path.relative_to(mp3.feed_dir)).write_bytes(path.read_bytes())
    size = str(mp3.episode.audio.size)
    item = text[text.index("<item>"): text.index("</item>") + len("</item>")]
    (copy_dir / "feed.xml").write_text(text.replace(item, item + item).replace(f'length="{size}"', 'length="12"', 1))
    result = CliRunner().invoke(feed_command, ["validate", str(copy_dir / "feed.xml")], catch_exceptions=False)
    assert result.exit_code == 1
    assert "enclosure length 12 but" in result.output
    assert f"GUID {mp3.episode.guid} is used by 2 items" in result.output
    assert "is shared by 2 items" in result.output


# --- updating, removing, concurrent publishing ------------------------------------------------------

def test_edited_article_keeps_guid_and_replaces_its_enclosure(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "edits")
    source = tmp_path / "article.txt"
    original = (DATA / "harbor-ferry.txt").read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    first = narrate(source, feed_dir)
    old_files = [feed_dir / "episodes" / f.name for f in (first.audio, *first.extra_files)]
    source.write_text(original.replace("returned to service on Monday", "returned to service on Monday morning"),
                      encoding="utf-8")
    second = narrate(source, feed_dir)
    assert second.guid == first.guid
    assert second.audio.name != first.audio.name
    feed = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 1 and second.audio.name in feed and first.audio.name not in feed
    assert not (feed_dir / "episodes" / first.audio.name).exists()  # collected once the feed moved on
    assert all(p.exists() == (p.name in feed) for p in old_files)


def test_remove_by_slug(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "removals")
    kept = narrate(DATA / "bridge-reopens.txt", feed_dir)
    gone = narrate(DATA / "harbor-ferry.txt", feed_dir)
    runner = CliRunner()
    listed = runner.invoke(feed_command, ["list", "removals", "--out", str(tmp_path)], catch_exceptions=False)
    assert "harbor-ferry-returns-after-repairs" in listed.output
    result = runner.invoke(feed_command, ["remove", "removals", "harbor-ferry-returns-after-repairs",
                                          "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    feed = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert gone.guid not in feed and kept.guid in feed
    assert sorted(p.name for p in (feed_dir / "episodes").iterdir()) == sorted(
        f.name for f in (kept.audio, *kept.extra_files))
    missing = runner.invoke(feed_command, ["remove", "removals", gone.guid, "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "no episode" in missing.output


def _publish_in_child(source: str, feed_dir: str, home: str, start: object) -> None:
    import os

    os.environ["NARRATE_HOME"] = home
    start.wait()  # type: ignore[attr-defined]
    narrate(Path(source), Path(feed_dir))


def test_two_processes_publishing_at_once_lose_no_episode(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path, "busy")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    children = [context.Process(target=_publish_in_child,
                                args=(str(DATA / name), str(feed_dir), str(tmp_path / f"home{n}"), start))
                for n, name in enumerate(["harbor-ferry.txt", "bridge-reopens.txt"])]
    for child in children:
        child.start()
    start.set()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    with (feed_dir / "feed.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://podcasts.example.org/harbor/feed.xml", stream)
    assert len(parsed["episodes"]) == 2
    referenced = {e["enclosures"][0]["url"].rsplit("/", 1)[-1] for e in parsed["episodes"]}
    assert referenced <= {p.name for p in (feed_dir / "episodes").iterdir()}


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


def test_validate_fetches_a_feed_url(mp3: Published) -> None:
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(mp3.feed_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        result = CliRunner().invoke(feed_command, ["validate", url], catch_exceptions=False)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")


def test_show_notes_link_back_and_description_limit() -> None:
    from narrate.publish.rss import clip_bytes, show_notes

    episode = Episode(guid="g", title="Tom & Jerry <live>", description="Cats chase mice.",
                      published=NOW, duration=61.0,
                      audio=EpisodeFile(name="a.mp3", mime_type="audio/mpeg", size=1, sha256="0"),
                      link="https://news.example.org/a?b=1&c=2")
    notes = show_notes(episode)
    assert "<p>Cats chase mice.</p>" in notes
    assert '<a href="https://news.example.org/a?b=1&amp;c=2">Tom &amp; Jerry &lt;live&gt;</a>' in notes
    long = "Überraschung " * 400
    clipped = clip_bytes(long)
    assert len(clipped.encode()) <= 4000 and clipped.endswith("Überraschung…")


def test_artwork_rules(tmp_path: Path) -> None:
    import io

    from PIL import Image

    def image(mode: str, size: tuple[int, int], kind: str) -> bytes:
        out = io.BytesIO()
        Image.new(mode, size).save(out, format=kind)
        return out.getvalue()

    assert artwork_problems(image("RGB", (1400, 1400), "JPEG"), "cover.jpg") == []
    assert "not square" in " ".join(artwork_problems(image("RGB", (1400, 1500), "PNG"), "cover.png"))
    assert "1400-3000 px" in " ".join(artwork_problems(image("RGB", (600, 600), "PNG"), "cover.png"))
    assert "RGB" in " ".join(artwork_problems(image("CMYK", (1400, 1400), "JPEG"), "cover.jpg"))
    assert "extension .png" in " ".join(artwork_problems(image("RGB", (1400, 1400), "PNG"), "cover.jpg"))
