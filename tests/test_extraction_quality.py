"""The quality gate: narrate's HTML reader on the extraction-dev set (bench/extraction.py), floors that may only rise.

Needs ../shared/extraction-dev/ beside the repository (CI has it); skipped where it is missing.
"""

from __future__ import annotations

import pytest

from bench.extraction import DEV_SET, means, run

NARRATE_F1_FLOOR = 0.929
"""Measured 0.9296 (P 0.933, R 0.926; trafilatura 2.3.1 alone: 0.944), scoring what a listener hears:
every section's paragraphs and the body sub-headings read aloud, not the headline or announcements.
The issue's target is >= trafilatura and >= 0.94: raise this floor as the reader improves, never lower it."""


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.is_file(), reason="../shared/extraction-dev is not available")
def test_reader_floors_on_extraction_dev_set() -> None:
    report = run(DEV_SET)
    assert len(report.narrate) == 130
    _, _, narrate_f1 = means(report.narrate)
    assert narrate_f1 >= NARRATE_F1_FLOOR
    assert report.refused_with_article == []  # no page refused where trafilatura finds an article
