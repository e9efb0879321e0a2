"""The quality gate: narrate's HTML reader on the extraction-dev set (bench/extraction.py), floors that may only rise.

Needs ../shared/extraction-dev/ beside the repository (CI has it); skipped where it is missing.
"""

from __future__ import annotations

import pytest

from bench.extraction import DEV_SET, means, run

NARRATE_F1_FLOOR = 0.951
"""Measured 0.9513 (P 0.967, R 0.936; trafilatura 2.3.1 alone on the same set: P 0.939, R 0.949, F1 0.944),
scoring what a listener hears of the page: every section's paragraphs and the body sub-headings read aloud,
not the headline nor narrate's own announcements and notes. Raise this floor as the reader improves, never
lower it."""
ISSUE_F1_TARGET = 0.94
"""The issue's target: narrate reads the set at least this well, and at least as well as trafilatura alone."""


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.is_file(), reason="../shared/extraction-dev is not available")
def test_reader_floors_on_extraction_dev_set() -> None:
    report = run(DEV_SET)
    assert len(report.narrate) == 130
    _, _, narrate_f1 = means(report.narrate)
    _, _, trafilatura_f1 = means(report.trafilatura)
    assert narrate_f1 >= NARRATE_F1_FLOOR
    assert narrate_f1 >= max(trafilatura_f1, ISSUE_F1_TARGET)
    assert report.refused_with_article == []  # no page refused where trafilatura finds an article
