"""The fixed scales every floor shares: severities, exit codes, and the errors that carry one.

Why apart from :mod:`teikit.diagnostics`: the renderers (:mod:`teikit.render`) need the
severities and :class:`UsageError` at run time, and :meth:`Report.render
<teikit.diagnostics.Report.render>` needs the renderers; with these names down here that
is a line, not a cycle. :mod:`teikit.diagnostics` re-exports all of them, which stays the
place users import from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teikit.diagnostics import Diagnostic


class Severity(StrEnum):
    """How bad a finding is; only errors make a report fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ExitCode:
    """The documented exit codes of the CLI (and of :class:`TeikitError`)."""

    OK = 0
    FINDINGS = 1
    INPUT = 2
    CANNOT_RUN = 3


class TeikitError(Exception):
    """teikit could not do what was asked (as opposed to: the document is wrong).

    Carries the exit code the CLI should use and, where there is one, the located
    diagnostic that explains it.
    """

    exit_code: int = ExitCode.CANNOT_RUN

    def __init__(self, message: str, diagnostic: Diagnostic | None = None) -> None:
        super().__init__(message)
        self.diagnostic = diagnostic


class LoadError(TeikitError):
    """The input is not a document teikit will read: malformed, hostile or missing."""

    exit_code = ExitCode.INPUT

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic), diagnostic)


class UsageError(TeikitError):
    """The caller asked for something that does not exist (an unknown schema, format…)."""

    exit_code = ExitCode.INPUT
