"""The golden runner: every ``tests/cases/<rule>/NAME.xml`` gives exactly its expectations.

A case is one input ``NAME.xml`` (other ``.xml`` files in a folder are parts it includes
or points to) with one expectation file per engine run beside it:

* ``NAME.expected``: validated with the schemas ``NAME.schemas`` lists, one per line
  (default ``teikit``; an empty file means the document's own xml-model PIs);
* ``NAME.<schema>.expected``: validated with that one schema (``teikit-xsd``,
  ``tei_all``, or a schema file in the folder), so one input serves several engines;
* ``NAME.html.expected`` / ``NAME.text.expected``: what the stylesheet reports, with
  the project stylesheet ``NAME.customise`` names (``build --xslt``) when there is one.

A ``NAME.memory`` file holds a memory limit in MB for the case's run (worker processes,
as ``--memory-limit``): the one way to show ``load:memory`` with a file small enough
to keep in git (tests/security/test_memory.py stops a document that needs the memory).

Each line is ``LINE:COLUMN<TAB>SEVERITY<TAB>RULE<TAB>MESSAGE`` for one diagnostic,
sorted; the case folder's path is written ``<cases>``. A folder is named after the rule
code it demonstrates (``:`` as ``_``), some case in it must produce that code, and every
code teikit can emit has a case.
Run with ``TEIKIT_GOLDEN=write`` to rewrite the expectation files after a deliberate
change, then read the diff.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from teikit.diagnostics import Diagnostic, TeikitError
from teikit.document import load
from teikit.transform import transform
from teikit.validation import validate

from conftest import CASES, ROOT

SOURCES = ROOT / "src" / "teikit"
WRITE = os.environ.get("TEIKIT_GOLDEN") == "write"
STYLESHEETS = ("html", "text")

#: Rule codes with no golden case, and why (each is tested where the reason allows).
NO_GOLDEN = {
    "load:not-found": "a golden case is a file that exists; tests/cli/test_cli_validate.py",
    "load:unreadable": "needs an unreadable file, which git cannot store; not tested",
    "load:too-large": "needs TEIKIT_MAX_BYTES in a subprocess; tests/security/test_hostile.py",
    "load:skipped-not-tei": "found in a folder, not named; tests/test_discovery.py",
    "load:xinclude-part": "needs its parent in the same run; tests/test_discovery.py",
    "load:link-outside": "needs a symbolic link out of the project, found by a folder walk; "
    "tests/security/test_loader_attacks.py",
    "load:timeout": "needs a deadline (worker processes); tests/security/test_isolation.py",
    "load:worker-died": "needs a killed worker; tests/security/test_isolation.py",
    "load:out-of-memory": "needs a memory limit; tests/security/test_failures.py",
    "load:internal-error": "a bug in teikit; tests/validation/test_workers.py",
}


def _expectations() -> list[Path]:
    return sorted(CASES.glob("*/*.expected"))


def _case(expected: Path) -> tuple[Path, str | None]:
    """The input and the engine label (None: the case's own schema list) of one
    expectation file."""
    stem = expected.name[: -len(".expected")]
    name, _, label = stem.partition(".")
    return expected.parent / f"{name}.xml", label or None


def _schemas(case: Path) -> list[str] | None:
    listing = case.with_suffix(".schemas")
    if not listing.is_file():
        return ["teikit"]
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    resolved = [
        str(case.parent / n) if Path(n).suffix and not Path(n).is_absolute() else n for n in names
    ]
    return resolved or None  # an empty .schemas file: the document's own xml-model PIs


@cache
def _run(case: Path, label: str | None) -> tuple[Diagnostic, ...]:
    """One run per case and engine per session: the rule-folder test reuses it."""
    if label in STYLESHEETS:
        own = case.with_suffix(".customise")
        xslt = case.parent / own.read_text().strip() if own.is_file() else None
        try:
            return tuple(transform(load(case), label, xslt=xslt).diagnostics)
        except TeikitError as exc:  # the stylesheet failed: its diagnostic is the result
            assert exc.diagnostic is not None, str(exc)
            return (exc.diagnostic,)
    if label is None:
        schemas = _schemas(case)
    else:
        local = case.parent / label
        schemas = [str(local) if local.is_file() else label]
    limit = case.with_suffix(".memory")
    memory = int(limit.read_text()) if limit.is_file() else None
    try:
        return tuple(validate([case], schemas=schemas, memory_limit=memory))
    except TeikitError as exc:  # a schema that cannot run: its diagnostic is the result
        assert exc.diagnostic is not None, str(exc)
        return (exc.diagnostic,)


def _line(d: Diagnostic) -> str:
    message = " ".join(
        d.message.replace(str(CASES), "<cases>").replace(str(ROOT), "<root>").split()
    )
    # Saxon names the folder it ran in (the working directory), which varies
    message = re.sub(r"file://[^\s:]*", "<file>", message)
    return f"{d.line}:{d.column}\t{d.severity.value}\t{d.rule}\t{message}"


def _rows(expected: Path) -> list[str]:
    return sorted(
        line for line in expected.read_text(encoding="utf-8").splitlines() if line.strip()
    )


@pytest.mark.parametrize(
    "expected", _expectations(), ids=lambda p: f"{p.parent.name}/{p.name[: -len('.expected')]}"
)
def test_case_gives_expected_diagnostics(expected: Path) -> None:
    got = sorted(_line(d) for d in _run(*_case(expected)))
    if WRITE:
        expected.write_text("".join(f"{line}\n" for line in got), encoding="utf-8")
    assert got == _rows(expected)


def test_every_expectation_has_its_input() -> None:
    assert _expectations()
    for expected in _expectations():
        case, label = _case(expected)
        assert case.is_file(), expected
        assert label is None or label in STYLESHEETS or re.fullmatch(r"[\w@.-]+", label)


def test_one_input_per_case() -> None:
    """No two inputs are the same bytes: an engine's expectations sit beside the one
    input, not in a copy of it."""
    inputs = sorted({_case(e)[0] for e in _expectations()})
    seen: dict[bytes, Path] = {}
    for case in inputs:
        data = case.read_bytes()
        assert data not in seen, f"{case} repeats {seen.get(data)}"
        seen[data] = case


def _folders() -> list[Path]:
    return sorted(
        d for d in CASES.iterdir() if d.is_dir() and d.name != "valid" and any(d.glob("*.expected"))
    )


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_folder_demonstrates_its_rule(folder: Path) -> None:
    prefix, _, rest = folder.name.partition("_")
    rule = f"{prefix}:{rest}"
    seen = {d.rule for e in sorted(folder.glob("*.expected")) for d in _run(*_case(e))}
    assert rule in seen


def test_valid_cases_have_no_findings_at_all() -> None:
    valid = sorted((CASES / "valid").glob("*.expected"))
    assert valid
    for case in valid:
        report = validate([case.with_suffix(".xml")], schemas=_schemas(case.with_suffix(".xml")))
        assert not report.diagnostics, f"{case}: " + "\n".join(map(str, report))


#: Strings that look like rule codes but are not (a Schematron element named in a message).
NOT_CODES = {"sch:include"}
_LITERAL = re.compile(r"\"((?:load|xml|ref|schema|rng|xsd|xslt|sch):[a-z][a-z-]*)\"")
_SCH = "{http://purl.oclc.org/dsdl/schematron}"


def _defined_codes() -> set[str]:
    """Every rule code teikit can emit: string literals in the sources (all engine
    prefixes), the ids of teikit.sch's assertions (``sch:<id>``) and the codes
    teikit's stylesheets report (``xslt:<code>``)."""
    codes = {
        m
        for f in sorted(SOURCES.rglob("*.py"))
        for m in _LITERAL.findall(f.read_text(encoding="utf-8"))
    } - NOT_CODES
    sch = etree.parse(str(ROOT / "schemas" / "teikit.sch"))
    codes |= {
        f"sch:{el.get('id')}" for el in sch.iter(f"{_SCH}assert", f"{_SCH}report") if el.get("id")
    }
    for xsl in sorted((ROOT / "xslt").glob("*.xsl")):
        codes |= {
            f"xslt:{c}"
            for c in re.findall(
                r"name=\"code\" select=\"'([a-z][a-z-]*)'\"", xsl.read_text(encoding="utf-8")
            )
        }
    return codes


def test_the_code_scan_finds_the_codes() -> None:
    assert {
        "load:entity-declared",
        "xml:malformed",
        "ref:unresolved",
        "schema:unavailable",
        "rng:element-missing",
        "xsd:content",
        "sch:pb-ascending",
        "xslt:unresolved-ref",
    } <= _defined_codes()


def test_every_rule_code_has_a_golden_case() -> None:
    shown = {line.split("\t")[2] for e in _expectations() for line in _rows(e)}
    lacking = sorted(_defined_codes() - set(NO_GOLDEN) - shown)
    assert not lacking, f"add a case to tests/cases/ for: {lacking}"
