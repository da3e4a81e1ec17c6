"""The Nu HTML Checker through teikit's own checker (:func:`teikit.checkers.nu`).

``$TEIKIT_VNU_JAR`` names the jar; when unset, the tests use the one ``make tools``
installs below the checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from teikit import checkers
from teikit.diagnostics import Diagnostic, Severity

from conftest import ROOT, missing

DEFAULT_JAR = ROOT / ".cache/tools/node_modules/vnu-jar/build/dist/vnu.jar"


def errors(files: Iterable[Path]) -> list[Diagnostic]:
    """The checker's errors (``nu:error``) for all ``files``, in one run."""
    with pytest.MonkeyPatch.context() as patch:
        if not os.environ.get("TEIKIT_VNU_JAR") and DEFAULT_JAR.is_file():
            patch.setenv("TEIKIT_VNU_JAR", str(DEFAULT_JAR))
        try:
            found = checkers.nu(list(files))
        except checkers.CheckerUnavailable as exc:
            missing(f"the Nu HTML Checker ({exc}; run 'make tools')")
            raise
    return [d for ds in found.values() for d in ds if d.severity is Severity.ERROR]
