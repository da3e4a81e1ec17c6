"""epubcheck through teikit's own checker (:func:`teikit.checkers.epubcheck`).

The tests verify teikit's outputs with the code users run as ``teikit build --check``;
this adapter only turns "the checker cannot run here" into the skip/fail policy.
"""

from __future__ import annotations

from pathlib import Path

from teikit import checkers
from teikit.diagnostics import Diagnostic, Severity

from conftest import missing


def check(files: list[Path]) -> dict[Path, list[Diagnostic]]:
    """epubcheck's findings for each file, in one JVM (JPype is in the test extra)."""
    try:
        return checkers.epubcheck(files)
    except checkers.CheckerUnavailable as exc:
        missing(f"epubcheck ({exc})")
        raise


def problems(found: list[Diagnostic], *levels: Severity) -> list[str]:
    """The findings at ``levels`` (default: errors and warnings), as printable lines."""
    wanted = levels or (Severity.ERROR, Severity.WARNING)
    return [str(d) for d in found if d.severity in wanted]
