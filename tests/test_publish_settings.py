"""feed.toml read into settings: Apple's categories, and settings that are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrate import api
from narrate.errors import ConfigError
from narrate.publish.categories import apple_categories
from narrate.publish.settings import read_feed_settings
from tests.podcast_support import FEED_TOML

SHARED = Path(__file__).resolve().parents[2] / "shared" / "podcast-namespace"

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
        read_feed_settings(tmp_path)


@pytest.mark.parametrize(("setting", "message"), [('link = "javascript:alert(1)"', "link must be an http"),
                                                  ('image = "ftp://x/cover.png"', "image must be a file")])
def test_url_settings_must_be_http(tmp_path: Path, setting: str, message: str) -> None:
    from tests.conftest import HARBOR_FEED_TOML

    (tmp_path / "feed.toml").write_text(HARBOR_FEED_TOML + setting + "\n")
    with pytest.raises(ConfigError, match=message):
        read_feed_settings(tmp_path)
