"""`narrate voices`: listing the installed profiles and casts, and previewing a voice (narrate/cli/voices.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from narrate.cli import main


def test_voices_list_cli() -> None:
    result = CliRunner().invoke(main, ["voices", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "joe-host       piper    installed" in result.output
    assert "faq_question=joe-host" in result.output


@pytest.mark.model
def test_voices_preview_cli(tmp_path: Path) -> None:
    out = tmp_path / "host.mp3"
    result = CliRunner().invoke(main, ["voices", "preview", "joe-host", "Who will attend?", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert MP3(str(out)).info.length > 0.5
