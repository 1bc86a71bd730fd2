"""Issue 14 item 11: the run's FIGURE lines go to a summary file; the screen gets one line saying where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import conftest


class Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.config = object()  # the controller (an xdist worker's config has `workerinput`)

    def write_line(self, line: str) -> None:
        self.lines.append(line)

    def section(self, title: str) -> None:
        self.lines.append(f"== {title} ==")


def test_figures_go_to_the_summary_file_not_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "figures.txt"
    monkeypatch.setenv("TEST_FIGURES_FILE", str(target))
    figures: list[tuple[str, str, Any]] = [
        ("tests/b.py::t", "S-10.attempts", 2),
        ("tests/a.py::t", "A-02.accepted", 17),
    ]
    monkeypatch.setattr(conftest, "_FIGURES", figures)
    reporter = Reporter()
    conftest.pytest_terminal_summary(reporter)
    assert target.read_text().splitlines() == [
        "FIGURE A-02.accepted=17  (tests/a.py::t)",
        "FIGURE S-10.attempts=2  (tests/b.py::t)",
    ]
    assert len(reporter.lines) == 1
    assert "FIGURE" not in reporter.lines[0]
    assert "2 figures" in reporter.lines[0]
    assert str(target) in reporter.lines[0] or "figures.txt" in reporter.lines[0]


def test_the_default_summary_file_is_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_FIGURES_FILE", raising=False)
    assert conftest.figures_file().parts[-2:] == ("var", "test-figures.txt")
