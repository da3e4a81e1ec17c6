"""The golden runner: every ``tests/cases/<rule>/NAME.xml`` gives exactly NAME.expected.

A case is a ``NAME.xml`` with a ``NAME.expected`` beside it (other ``.xml`` files in a
folder are parts it includes or points to); ``NAME.schemas`` lists the schemas, one per
line (default: ``teikit``). The expected file has one ``LINE<TAB>RULE`` line per
error-level diagnostic, sorted. A folder is named after the rule code it demonstrates
(``:`` as ``_``), and some case in it must produce that code, at any severity.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from teikit.diagnostics import Report, Severity
from teikit.validation import validate

from conftest import CASES, ROOT

SOURCES = ROOT / "src" / "teikit"

#: Rule codes with no golden folder, and why (each is tested where the reason allows).
NO_GOLDEN = {
    "load:not-found": "a golden case is a file that exists; tests/cli/test_cli_validate.py",
    "load:unreadable": "needs an unreadable file, which git cannot store; not tested",
    "load:too-large": "needs TEIKIT_MAX_BYTES in a subprocess; tests/security/test_hostile.py",
    "load:skipped-not-tei": "found in a folder, not named; tests/test_discovery.py",
    "load:xinclude-part": "needs its parent in the same run; tests/test_discovery.py",
}


def _cases() -> list[Path]:
    return sorted(p.with_suffix(".xml") for p in CASES.glob("*/*.expected"))


def _schemas(case: Path) -> list[str] | None:
    listing = case.with_suffix(".schemas")
    if not listing.is_file():
        return ["teikit"]
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    resolved = [str(case.parent / n) if Path(n).suffix and not Path(n).is_absolute() else n
                for n in names]
    return resolved or None  # an empty .schemas file: the document's own xml-model PIs


def _expected(case: Path) -> list[tuple[int, str]]:
    rows = []
    for line in case.with_suffix(".expected").read_text().splitlines():
        if line.strip():
            number, rule = line.split("\t")
            rows.append((int(number), rule))
    return sorted(rows)


@cache
def _run(case: Path) -> Report:
    """One validation per case per session: the rule-folder test reuses it."""
    return validate([case], schemas=_schemas(case))


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case_gives_expected_errors(case: Path) -> None:
    report = _run(case)
    got = sorted((d.line, d.rule) for d in report if d.severity is Severity.ERROR)
    assert got == _expected(case), "\n".join(str(d) for d in report)


def _folders() -> list[Path]:
    return sorted(d for d in CASES.iterdir() if d.is_dir() and d.name != "valid"
                  and any(d.glob("*.expected")))


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_folder_demonstrates_its_rule(folder: Path) -> None:
    prefix, _, rest = folder.name.partition("_")
    rule = f"{prefix}:{rest}"
    seen = {d.rule for case in sorted(folder.glob("*.expected"))
            for d in _run(case.with_suffix(".xml"))}
    assert rule in seen


def test_valid_cases_have_no_findings_at_all() -> None:
    valid = sorted((CASES / "valid").glob("*.expected"))
    assert valid
    for case in valid:
        report = _run(case.with_suffix(".xml"))
        assert not report.diagnostics, f"{case}: " + "\n".join(map(str, report))


def _defined_codes() -> set[str]:
    """Every load:/xml:/ref:/schema: code a module of ours can emit (string literals)."""
    files = [SOURCES / "loading.py", *sorted((SOURCES / "validation").glob("*.py"))]
    pattern = re.compile(r"\"((?:load|xml|ref|schema):[a-z][a-z-]*)\"")
    return {m for f in files for m in pattern.findall(f.read_text(encoding="utf-8"))}


def test_the_code_scan_finds_the_codes() -> None:
    assert {"load:entity-declared", "xml:malformed", "ref:unresolved",
            "schema:unavailable"} <= _defined_codes()


def test_every_rule_code_has_a_golden_folder() -> None:
    folders = {d.name for d in CASES.iterdir() if d.is_dir()}
    lacking = sorted(code for code in _defined_codes() - set(NO_GOLDEN)
                     if code.replace(":", "_") not in folders)
    assert not lacking, f"add tests/cases/<code>/ for: {lacking}"
