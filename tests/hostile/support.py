"""What the hostile-input and fault tests share: running narrate (in process or as a real subprocess) and
snapshots of folders to prove a refused input changed nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from narrate.cli import main
from tests.conftest import DATA, HARBOR_FEED_TOML, ROOT

ARTICLE = DATA / "bridge-reopens.txt"


def run(*args: str) -> Result:
    """``narrate ARGS`` in this process."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_process(*args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``narrate ARGS`` as a real process (kill -9 must kill it, not the test)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-c", "from narrate.cli import main; main()", *args],
                          env=environment, capture_output=True, text=True, timeout=timeout, check=False)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` with its bytes (None for folders), to compare before and after."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(folder.rglob("*"))}


def make_feed(feed_dir: Path, extra: str = "") -> Path:
    """A feed folder with the test settings (and ``extra`` lines of feed.toml)."""
    feed_dir.mkdir(parents=True)
    (feed_dir / "feed.toml").write_text(HARBOR_FEED_TOML + extra, encoding="utf-8")
    return feed_dir


def one_line_error(result: Result | subprocess.CompletedProcess[str]) -> str:
    """The one error line of a refused command (exit 2, no traceback)."""
    output = result.output if isinstance(result, Result) else result.stderr
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code == 2, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("narrate: error:")]
    assert len(errors) == 1, output
    return errors[0]
