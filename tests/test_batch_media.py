"""Where batch workers put episode files: a shared folder or an S3 bucket (a real S3 server on loopback),
and when the feed and its garbage collection catch up with them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from narrate import api
from narrate.batch.driver import Status
from narrate.batch.runner import PoolRunner
from narrate.cli.feed import feed as feed_command
from narrate.errors import ConfigError
from narrate.publish.episode import episode_file_names
from narrate.publish.media import ORPHAN_GRACE
from narrate.publish.settings import read_feed_settings
from tests.batch_helpers import check_feed, run_into, store, write_articles
from tests.conftest import HARBOR_FEED_TOML

FAKE = api.NarrateOptions(voice="fake")
CDN = "https://cdn.example.org/harbor/"


def make_feed(feed_dir: Path, extra: str = "") -> Path:
    feed_dir.mkdir(parents=True)
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + extra, encoding="utf-8")
    return feed_dir


def enclosures(feed_dir: Path) -> list[str]:
    parsed = feedparser.parse((feed_dir / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.enclosures[0].href for entry in parsed.entries]


@pytest.mark.slow
def test_pool_workers_write_to_a_shared_folder(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 4)
    share = tmp_path / "share" / "harbor"
    feed_dir = make_feed(tmp_path / "feeds" / "harbor", f'media = "{share}"\nmedia_url = "{CDN}"\n')
    with PoolRunner(2, api.create_feed(feed_dir)[0], FAKE, threads=1) as runner:
        report = run_into([str(tmp_path / "a")], feed_dir, FAKE, runner=runner)
    assert [o.status for o in report.outcomes] == [Status.PUBLISHED] * 4
    assert len(check_feed(feed_dir)) == 4
    assert all(url.startswith(CDN) and (share / url.removeprefix(CDN)).is_file() for url in enclosures(feed_dir))
    assert not (feed_dir / "episodes").exists()
    assert len([p for p in share.iterdir() if p.name != ".narrate"]) == 4 * 5  # audio, VTT, SRT, chapters, artwork
    assert len(list((share / ".narrate" / "ledger").iterdir())) == 4 * 5  # one ledger entry per file


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto S3 server on loopback with an empty bucket ``podcasts``."""
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    for key, value in {"AWS_ACCESS_KEY_ID": "narrate-test", "AWS_SECRET_ACCESS_KEY": "narrate-test",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="podcasts")
    try:
        yield endpoint
    finally:
        server.stop()


def bucket_objects(endpoint: str) -> dict[str, bytes]:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    listing = client.list_objects_v2(Bucket="podcasts", Prefix="harbor/").get("Contents", [])
    return {item["Key"].removeprefix("harbor/"): client.get_object(Bucket="podcasts", Key=item["Key"])["Body"].read()
            for item in listing}


def published_objects(endpoint: str) -> dict[str, bytes]:
    """The bucket's objects but narrate's ledger (under .narrate/)."""
    return {k: v for k, v in bucket_objects(endpoint).items() if not k.startswith(".narrate/")}


@pytest.mark.slow
def test_dask_workers_write_to_s3_and_the_client_publishes_the_feed(tmp_path: Path, s3_endpoint: str) -> None:
    pytest.importorskip("distributed")
    from narrate.batch.dask import DaskRunner

    paths = write_articles(tmp_path / "a", 3)
    feed_dir = make_feed(tmp_path / "feeds" / "harbor", f'media = "s3://podcasts/harbor/"\nmedia_url = "{CDN}"\n'
                                                        f'media_options = {{ endpoint_url = "{s3_endpoint}" }}\n'
                                                        'keep_replaced_days = 0\n')
    with DaskRunner(local_workers=2) as runner:
        report = run_into([str(tmp_path / "a")], feed_dir, FAKE, runner=runner)
        assert [o.status for o in report.outcomes] == [Status.PUBLISHED] * 3, report.outcomes
        objects = published_objects(s3_endpoint)
        records = store(feed_dir).episodes()
        assert sorted(objects) == sorted(n for e in records for n in episode_file_names(e))
        for episode in records:
            assert hashlib.sha256(objects[episode.audio.name]).hexdigest() == episode.audio.sha256
        assert sorted(enclosures(feed_dir)) == sorted(CDN + e.audio.name for e in records)
        assert not (feed_dir / "episodes").exists()

        # An edited article: a new object under the same GUID, the old one deleted once the feed moved on.
        paths[0].write_text(paths[0].read_text() + "\nThe council met again on Friday.\n")
        again = run_into([str(tmp_path / "a")], feed_dir, FAKE, runner=runner)
    assert sorted(o.status for o in again.outcomes) == [Status.PUBLISHED, Status.SKIPPED, Status.SKIPPED]
    after = published_objects(s3_endpoint)
    updated = store(feed_dir).episodes()
    assert sorted(after) == sorted(n for e in updated for n in episode_file_names(e))
    assert len(set(objects) - set(after)) == 4
    assert check_feed(feed_dir) == sorted(e.title for e in updated)


@pytest.mark.slow
def test_feed_is_rewritten_at_most_every_interval_and_at_the_end(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 3)
    feed_dir = tmp_path / "feed"
    listed: list[int] = []
    report = run_into([str(tmp_path / "a")], feed_dir, FAKE, feed_interval=3600,
                       on_outcome=lambda _: listed.append(len(enclosures(feed_dir))))
    assert [o.status for o in report.outcomes] == [Status.PUBLISHED] * 3
    assert listed == [1, 1, 1]  # the first record at once, the rest when the run ends
    assert len(check_feed(feed_dir)) == 3

    write_articles(tmp_path / "b", 2, start=3)
    listed.clear()
    run_into([str(tmp_path / "b")], feed_dir, FAKE, feed_interval=0,
              on_outcome=lambda _: listed.append(len(enclosures(feed_dir))))
    assert listed == [4, 5]


def test_a_rerun_lists_records_a_killed_run_saved_but_never_put_in_the_feed(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 2)
    feed_dir = tmp_path / "feed"
    run_into([str(tmp_path / "a")], feed_dir, FAKE)
    (feed_dir / "feed.xml").unlink()
    report = run_into([str(tmp_path / "a")], feed_dir, FAKE)
    assert [o.status for o in report.outcomes] == [Status.SKIPPED] * 2
    assert len(check_feed(feed_dir)) == 2


def test_files_narrate_wrote_for_no_record_go_after_the_grace_and_foreign_files_stay(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 1)
    feed_dir = tmp_path / "feeds" / "news"
    run_into([str(tmp_path / "a")], feed_dir, FAKE)
    media = feed_dir / "episodes"
    published = sorted(p.name for p in media.iterdir() if p.name != ".narrate")
    feed = api.open_feed(feed_dir)
    fresh, old = "just-written-0123456789abcdef.mp3", "left-behind-0123456789abcdef.mp3"
    feed.write_media(fresh, b"a worker's file whose record is still to come")
    feed.write_media(old, b"a file of a run that died long ago")
    entry = next((media / ".narrate" / "ledger").glob(f"{old}@*.json"))
    stale = json.loads(entry.read_text())
    entry.write_text(json.dumps({**stale, "written": stale["written"] - ORPHAN_GRACE - 60}))
    foreign = media / "notes-of-the-editor.txt"
    foreign.write_bytes(b"not narrate's")
    os.utime(foreign, (0, 0))
    result = CliRunner().invoke(feed_command, ["rebuild", "news", "--out", str(feed_dir.parent)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in media.iterdir() if p.name != ".narrate") == sorted(
        [*published, fresh, foreign.name])


def test_a_media_url_needs_its_public_url(tmp_path: Path) -> None:
    feed_dir = make_feed(tmp_path / "feed", 'media = "s3://podcasts/harbor/"\n')
    with pytest.raises(ConfigError, match="media_url"):
        read_feed_settings(feed_dir)
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + 'media = "s3://p/h/"\nmedia_url = "ftp://x/"\n')
    with pytest.raises(ConfigError, match="media_url must be an http"):
        read_feed_settings(feed_dir)
