"""The Nu HTML Checker (``vnu.jar``, npm ``vnu-jar``), many pages in one JVM run."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from teikit.diagnostics import Diagnostic, Severity

from conftest import ROOT, missing, require_command


def jar() -> Path:
    """The checker's jar (``TEIKIT_VNU_JAR``, else where ``make tools`` installs it)."""
    found = Path(os.environ.get("TEIKIT_VNU_JAR") or
                 ROOT / ".cache/tools/node_modules/vnu-jar/build/dist/vnu.jar")
    if not found.is_file():
        missing(f"the Nu HTML Checker ({found}; run 'make tools')")
    return found


def errors(files: Iterable[Path]) -> list[Diagnostic]:
    """The checker's errors for all ``files`` (rule ``nu:error``), in one run."""
    java = require_command("java")
    done = subprocess.run([java, "-jar", str(jar()), "--errors-only", "--format", "json",
                           *map(str, files)], capture_output=True, text=True, timeout=600,
                          check=False)
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    return [Diagnostic(Severity.ERROR, f"nu:{m.get('type')}", str(m.get("message")),
                       file=Path(str(m.get("url", ""))).name, line=int(m.get("lastLine") or 0),
                       column=int(m.get("lastColumn") or 0))
            for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
