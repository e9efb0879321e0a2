"""The golden chain of every example case: source -> .article.json -> .script.txt -> .vtt -> .feed.xml.

Each case in tests/data (a ``.txt`` page dump, an ``.html`` page or a ``.md`` article, plus the bundled
example) is read, scripted with the default cast, narrated with the deterministic fake engine into a feed
of its own with a fixed clock, and every stage's output is compared with the file beside the source.
feed.xml is compared with the audio file's content hash and size blanked (they depend on the ffmpeg
build) and checked with XPath against the other links of the chain.

Set NARRATE_REGEN_GOLDEN=1 to rewrite the golden files, then read each diff before committing it: a
golden file states what is right, not what the code happened to produce.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import DATA, EXAMPLE, HARBOR_FEED_TOML, regen_golden

NOW = dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC)
CASES = {p.stem: p for p in sorted(DATA.iterdir()) if p.suffix in (".txt", ".html", ".md")
         and not p.name.endswith(".script.txt")}
CASES[EXAMPLE.stem] = EXAMPLE
AUDIO_NAME = re.compile(r"-[0-9a-f]{16}\.(mp3|m4a)")
NS = {"podcast": "https://podcastindex.org/namespace/1.0", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}


def check_golden(path: Path, produced: str) -> None:
    """``produced`` equals the golden file (or rewrites it when regenerating)."""
    if regen_golden():
        path.write_text(produced, encoding="utf-8")
    assert path.is_file(), f"{path.name} is missing: run with NARRATE_REGEN_GOLDEN=1 and review it"
    assert produced == path.read_text(encoding="utf-8")


def blank_audio(feed_xml: str) -> str:
    """feed.xml with the audio file's hash and length blanked: they depend on the ffmpeg build."""
    blanked = AUDIO_NAME.sub(r"-AUDIO.\1", feed_xml)
    return re.sub(r'(<enclosure url="[^"]*-AUDIO\.\w+") length="\d+"', r'\1 length="LENGTH"', blanked)


@pytest.fixture(scope="module")
def registry_types() -> object:
    from narrate.voice.engines.base import EngineRegistry

    return EngineRegistry.from_entry_points()


@pytest.mark.parametrize("name", sorted(CASES))
def test_article_matches_golden(name: str) -> None:
    from narrate.sources.read import read_source
    from narrate.sources.serialize import article_to_json

    check_golden(DATA / f"{name}.article.json", article_to_json(read_source(str(CASES[name]))))


@pytest.mark.parametrize("name", sorted(CASES))
def test_script_matches_golden(name: str, registry_types: object) -> None:
    from narrate import api
    from narrate.cli.article import format_script
    from narrate.sources.serialize import article_from_json

    article = article_from_json((DATA / f"{name}.article.json").read_text(encoding="utf-8"))
    script, cast = api.script_article(article, registry=registry_types)  # type: ignore[arg-type]
    check_golden(DATA / f"{name}.script.txt", format_script(script, cast) + "\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_transcript_and_feed_match_golden(name: str, tmp_path: Path, fake_registry: object) -> None:
    from narrate import api

    feed_dir = tmp_path / "golden"
    feed_dir.mkdir()
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML, encoding="utf-8")
    episode = api.narrate_article(CASES[name], feed_dir, api.NarrateOptions(voice="fake", fetch_images=False),
                                  registry=fake_registry, now=NOW).episode  # type: ignore[arg-type]
    assert episode is not None
    [vtt] = [f for f in episode.extra_files if f.mime_type == "text/vtt"]
    vtt_text = (feed_dir / "episodes" / vtt.name).read_text(encoding="utf-8")
    check_golden(DATA / f"{name}.vtt", vtt_text)
    feed_xml = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    check_golden(DATA / f"{name}.feed.xml", blank_audio(feed_xml))

    # The links of the chain agree: the feed's item is the article, its transcript is that VTT, and its
    # duration is the one the timeline measured.
    article = json.loads((DATA / f"{name}.article.json").read_text(encoding="utf-8"))
    root = etree.fromstring(feed_xml.encode())
    [item] = root.findall("channel/item")
    assert item.findtext("title") == article["meta"]["title"]
    assert item.findtext("guid") == episode.guid
    [transcript] = item.xpath("podcast:transcript[@type='text/vtt']", namespaces=NS)
    assert transcript.get("url").endswith(vtt.name)
    hours, minutes, seconds = (int(part) for part in item.findtext("itunes:duration", namespaces=NS).split(":"))
    assert hours * 3600 + minutes * 60 + seconds == round(episode.duration)
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert int(enclosure.get("length")) == (feed_dir / "episodes" / episode.audio.name).stat().st_size
    cues = re.findall(r"^s\d+$", vtt_text, flags=re.M)
    # Every sentence of the article, then the disclosure the feed adds as the last chapter.
    assert len(cues) == sum(1 for _ in script_sentences(article)) + 1
    from narrate.publish.settings import DEFAULT_DISCLOSURE

    assert vtt_text.rstrip().endswith(DEFAULT_DISCLOSURE)


def script_sentences(article: dict[str, object]) -> list[str]:
    """Every sentence the narration speaks for an article (announcements included), from the pipeline."""
    from narrate.script.segment import segment
    from narrate.sources.serialize import article_from_json

    script = segment(article_from_json(json.dumps(article)))
    return [s.written for s in script.sentences()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_article_golden_round_trips(name: str) -> None:
    from narrate.sources.serialize import article_from_json, article_to_json

    text = (DATA / f"{name}.article.json").read_text(encoding="utf-8")
    assert article_to_json(article_from_json(text)) == text
