"""docs/coverage.md must match the operation declarations."""

from __future__ import annotations

from pathlib import Path

from orgstack import coverage

PAGE = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"


def test_coverage_page_is_current() -> None:
    expected = coverage.render()

    assert PAGE.read_text() == expected, (
        "docs/coverage.md is out of date: run `python -m orgstack.coverage docs/coverage.md`"
    )
