"""``narrate token``, ``narrate webhook`` and ``narrate api``'s refusals, and ``narrate serve`` hiding the state."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from narrate import settings
from narrate.cli import main
from narrate.service.db import Database
from narrate.service.tokens import Access, Tokens
from narrate.service.webhooks import Webhooks
from tests.service.support import make_feed
from tests.web_support import running_server


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_token_create_prints_it_once_list_never_shows_it_and_revoke_ends_it(tmp_path: Path) -> None:
    make_feed(tmp_path, "harbor")
    code, token, note = run("token", "create", "harbor", "--out", str(tmp_path), "--label", "ghost")
    token = token.strip()
    assert code == 0 and token.startswith("nrt_") and "shown once" in note
    tokens = Tokens(Database(settings.state_dir()))
    assert tokens.check(token, "harbor") is Access.GRANTED
    code, listing, _ = run("token", "list", "harbor")
    token_id = token.split("_")[1]
    assert code == 0 and listing.startswith(token_id) and "ghost" in listing and token not in listing
    assert run("token", "revoke", "harbor", token_id)[0] == 0
    assert tokens.check(token, "harbor") is Access.UNKNOWN
    code, _, error = run("token", "revoke", "harbor", token_id)
    assert code == 2 and error.count("\n") == 1 and "no token" in error


def test_a_token_for_a_feed_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    code, out, error = run("token", "create", "nowhere", "--out", str(tmp_path))
    assert code == 2 and out == "" and "no feed 'nowhere'" in error


def test_webhook_add_prints_the_signing_secret_and_ghost_stores_cms_secret(tmp_path: Path) -> None:
    make_feed(tmp_path, "harbor")
    code, secret, _ = run("webhook", "add", "harbor", "https://cms.example/hooks/narrate", "--out", str(tmp_path))
    hooks = Webhooks(Database(settings.state_dir()))
    assert code == 0 and [h.secret for h in hooks.of_feed("harbor")] == [secret.strip()]
    assert run("webhook", "list", "harbor")[1] == "https://cms.example/hooks/narrate\n"
    code, _, error = run("webhook", "add", "harbor", "javascript:alert(1)", "--out", str(tmp_path))
    assert code == 2 and "http(s) URL" in error
    code, ghost_secret, _ = run("webhook", "ghost", "harbor", "--out", str(tmp_path))
    assert code == 0 and hooks.cms_secret("harbor", "ghost") == ghost_secret.strip()
    assert run("webhook", "remove", "harbor", "https://cms.example/hooks/narrate")[0] == 0
    assert hooks.of_feed("harbor") == []


def test_the_api_refuses_a_state_folder_inside_the_feeds_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    make_feed(tmp_path / "feeds", "harbor")
    monkeypatch.setenv("NARRATE_HOME", str(tmp_path / "feeds" / "secret-home"))
    code, _, error = run("api", "--out", str(tmp_path / "feeds"), "--port", "0")
    assert code == 2 and "inside the feeds folder" in error
    assert not (tmp_path / "feeds" / "secret-home").exists()


def test_serve_refuses_the_service_state_even_when_it_sits_under_the_feeds_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "feeds"
    make_feed(root, "harbor")
    (root / "harbor" / "index.html").write_text("<p>show</p>", encoding="utf-8")
    monkeypatch.setenv("NARRATE_HOME", str(root / "home"))
    state = settings.state_dir()
    Tokens(Database(state)).create("harbor")
    (state / "notes.json").write_text("{}", encoding="utf-8")  # any file there, whatever its name
    (root / "harbor" / "service.sqlite").write_bytes(b"copied by hand")  # the state's name, anywhere
    with running_server(root) as url:
        assert httpx.get(f"{url}/harbor/index.html").status_code == 200
        for path in ("home/state/service.sqlite", "home/state/service.sqlite-wal", "home/state/notes.json",
                     "home/state/", "harbor/service.sqlite", "home/state/service.lock"):
            assert httpx.get(f"{url}/{path}").status_code == 404, path
