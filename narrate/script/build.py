"""Compile NeMo's grammars into narrate's cache ahead of time: ``python -m narrate.script.build``."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from narrate.script.grammars import build_grammars, default_grammar_dir, grammars_built


def main(argv: list[str] | None = None) -> int:
    """Build the grammars (once; ``--force`` rebuilds) and print where they are."""
    parser = argparse.ArgumentParser(prog="python -m narrate.script.build", description=__doc__)
    parser.add_argument("--dir", type=Path, default=None, help="grammar directory (default: the cache)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the grammars are there")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    target = args.dir or default_grammar_dir()
    already = grammars_built(target) and not args.force
    started = time.perf_counter()
    build_grammars(target, force=args.force)
    state = "already built" if already else f"built in {time.perf_counter() - started:.0f} s"
    print(f"NeMo grammars {state}: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
