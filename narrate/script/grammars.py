"""NeMo text-normalization grammars: where their compiled form is cached, building and loading them.

Compiling the English grammars takes about 50 s, loading the compiled .far files about 1 s, so they are
built once per machine (``python -m narrate.script.build``) into the user cache directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

from narrate import settings as paths
from narrate.errors import NarrateError

log = logging.getLogger(__name__)

GRAMMAR_FILES = (
    "en_tn_True_deterministic_cased__tokenize.far",
    "en_tn_True_deterministic_verbalizer.far",
    "en_tn_post_processing.far",
)
"""The files NeMo writes for the cased, deterministic English normalizer; all present means built."""


class NemoNormalizer(Protocol):
    """The part of ``nemo_text_processing...Normalizer`` that narrate calls."""

    def normalize(
        self, text: str, verbose: bool = ..., punct_pre_process: bool = ..., punct_post_process: bool = ...
    ) -> str: ...


def default_grammar_dir() -> Path:
    """Where the compiled grammars of the installed NeMo version live: ``$NARRATE_GRAMMARS`` when set, else
    under narrate's cache directory (which follows ``$NARRATE_HOME``)."""
    configured = os.environ.get("NARRATE_GRAMMARS")
    if configured:
        return Path(configured).expanduser()
    return paths.cache_dir() / "nemo-tn" / f"en-cased-{_nemo_version()}"


def grammars_built(grammar_dir: Path) -> bool:
    """True when every compiled grammar file is in ``grammar_dir``."""
    return all((grammar_dir / name).is_file() for name in GRAMMAR_FILES)


def build_grammars(grammar_dir: Path | None = None, *, force: bool = False) -> Path:
    """Compile the grammars into ``grammar_dir`` (default: the cache) unless already there; returns the dir.

    Builds in a temporary sibling directory and renames it into place, under a file lock, so a crash
    or a second process never leaves half-written grammars behind.
    """
    from filelock import FileLock

    target = grammar_dir or default_grammar_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if grammars_built(target) and not force:
            return target
        staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
        try:
            log.info("compiling NeMo grammars into %s (about a minute, once)", target)
            _load_nemo(staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def load_normalizer(grammar_dir: Path | None = None) -> NemoNormalizer:
    """The cased deterministic English NeMo normalizer, from compiled grammars (built first if missing)."""
    target = grammar_dir or default_grammar_dir()
    if not grammars_built(target):
        build_grammars(target)
    return _load_nemo(target)


def _load_nemo(cache_dir: Path) -> NemoNormalizer:
    try:
        from nemo_text_processing.text_normalization.normalize import Normalizer
    except ImportError as exc:
        raise NarrateError(
            "nemo-text-processing is not installed: run `pip install nemo-text-processing` "
            "or use SpeechOptions(use_nemo=False)"
        ) from exc
    # NeMo logs every grammar it loads and every sentence it cannot post-process at INFO level, and
    # resets its logger's level on each call; a filter is what keeps that noise from narrate's users.
    nemo_logger = logging.getLogger("NeMo-text-processing")
    if _quiet_below_warning not in nemo_logger.filters:
        nemo_logger.addFilter(_quiet_below_warning)
    normalizer: NemoNormalizer = Normalizer(
        input_case="cased", lang="en", deterministic=True, cache_dir=str(cache_dir), overwrite_cache=False
    )
    return normalizer


def _quiet_below_warning(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def _nemo_version() -> str:
    try:
        return version("nemo-text-processing")
    except PackageNotFoundError:
        return "missing"
