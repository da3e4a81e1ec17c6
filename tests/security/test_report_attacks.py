"""Safe reports: a document (its text, its file name) cannot forge a CI workflow command,
inject Markdown or HTML into the job summary, or break the SARIF and JUnit a CI system
reads; those two are valid against their published schemas."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from teikit.diagnostics import Diagnostic, Report, Severity, error
from teikit.render import render
from tests.security.conftest import Attack, tei

INJECTED = "\n::error file=README.md,line=1::forged\n<img src=x onerror=alert(1)> [a](javascript:b)"
EVIL_NAME = "x\n::warning::forged #1 %41.xml"
FAILING_SCH = (
    '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
    '<sch:pattern><sch:rule context="*:TEI"><sch:report test="true()">'
    "<sch:value-of select=\"error(QName('urn:x', 'e'), 'failed')\"/>"
    "</sch:report></sch:rule></sch:pattern></sch:schema>\n"
)


def _hostile_report() -> Report:
    """Findings whose file name and message carry every kind of injection."""
    found = [
        error(
            "ref:unresolved",
            f"@ref points nowhere{INJECTED}",
            file=EVIL_NAME,
            line=2,
            column=3,
            xpath="/tei:TEI[1]",
        ),
        Diagnostic(
            Severity.WARNING,
            "load:doctype-ignored",
            "ok\r\n::add-mask::x",
            file="dir with space/é.xml",
            line=1,
            column=1,
        ),
    ]
    return Report(diagnostics=found, files=[EVIL_NAME, "dir with space/é.xml", "clean.xml"])


def test_text_output_has_no_line_a_ci_runner_would_obey() -> None:
    lines = render(_hostile_report(), "text").splitlines()
    assert len(lines) == 2 and not any(line.startswith("::") for line in lines), lines


def test_github_output_is_one_command_per_finding_with_escaped_data() -> None:
    lines = render(_hostile_report(), "github").splitlines()
    commands = [re.match(r"::(error|warning|notice) [^:]*::", line) for line in lines]
    assert [m and m.group(1) for m in commands] == ["error", "warning"], lines


def test_markdown_summary_escapes_markdown_and_html() -> None:
    md = render(_hostile_report(), "markdown")
    rows = md.splitlines()[6:]
    assert len(rows) == 2
    cells = [row.split(" | ") for row in rows]
    assert not re.search(r"(?<!\\)[<\[`*]", "\n".join(c[0] + c[4] for c in cells)), rows
    assert [c[3] for c in cells] == ["`ref:unresolved`", "`load:doctype-ignored`"]


def test_sarif_is_valid_against_the_oasis_schema(shared: Path) -> None:
    schema = json.loads((shared / "formats" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(json.loads(render(_hostile_report(), "sarif")), schema)


def test_sarif_uris_are_percent_encoded() -> None:
    run = json.loads(render(_hostile_report(), "sarif"))["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == [
        "x%0A%3A%3Awarning%3A%3Aforged%20%231%20%2541.xml",
        "dir%20with%20space/%C3%A9.xml",
        "clean.xml",
    ]


def test_junit_is_valid_against_the_junit_schema(shared: Path) -> None:
    schema = xmlschema.XMLSchema(str(shared / "formats" / "JUnit.xsd"))
    schema.validate(render(_hostile_report(), "junit"))


@pytest.mark.parametrize("fmt", ["junit", "sarif"])
def test_a_real_run_renders_valid_reports(attack: Attack, shared: Path, fmt: str) -> None:
    attack.write("tei/good.xml", tei())
    attack.write("tei/bad.xml", tei('<p><ref target="#nobody">x</ref></p>'))
    outcome = attack.run("validate", "-q", "-f", fmt, "tei")
    attack.assert_safe(outcome)
    if fmt == "sarif":
        schema = json.loads((shared / "formats" / "sarif-schema-2.1.0.json").read_text())
        jsonschema.validate(json.loads(outcome.stdout), schema)
    else:
        xmlschema.XMLSchema(str(shared / "formats" / "JUnit.xsd")).validate(outcome.stdout)
    assert outcome.code == 1


def test_a_file_name_cannot_forge_a_workflow_command(attack: Attack, tmp_path: Path) -> None:
    attack.write(EVIL_NAME, tei('<p><ref target="#nobody">x</ref></p>'))
    summary = tmp_path / "summary.md"
    for fmt in ("text", "github"):
        outcome = attack.run("validate", "-f", fmt, ".", env={"GITHUB_STEP_SUMMARY": str(summary)})
        attack.assert_safe(outcome)
        commands = [line for line in outcome.output.splitlines() if line.startswith("::")]
        assert len(commands) == (1 if fmt == "github" else 0), outcome.output
    assert "forged" in summary.read_text() and "\n::" not in summary.read_text()


@pytest.mark.parametrize("timeout", ["60", "0"])  # in a worker process; in the run's own
def test_a_schematron_error_cannot_forge_a_workflow_command(attack: Attack, timeout: str) -> None:
    # Saxon printed a stylesheet's dynamic errors, schema strings and all, to stderr
    forged = "&#10;::error file=README.md,line=1::forged&#10;"
    attack.write(
        "rules/forge.sch",
        '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
        '<sch:pattern><sch:rule context="*:TEI"><sch:report test="true()">'
        f"<sch:value-of select=\"error(QName('urn:x', 'e'), '{forged}')\"/>"
        "</sch:report></sch:rule></sch:pattern></sch:schema>\n",
    )
    attack.write("doc.xml", tei())
    outcome = attack.run(
        "validate", "-q", "--timeout", timeout, "--schema", "rules/forge.sch", "doc.xml"
    )
    attack.assert_safe(outcome)
    assert [line for line in outcome.output.splitlines() if line.lstrip().startswith("::")] == []
    assert (outcome.code, "doc.xml: error [sch:run-failed]" in outcome.stdout) == (2, True), (
        outcome.output
    )


def test_a_schematron_error_is_reported_when_there_is_no_stderr(attack: Attack) -> None:
    # CI steps and daemons may start teikit with descriptor 2 closed
    attack.write("rules/fails.sch", FAILING_SCH)
    attack.write("doc.xml", tei())
    done = subprocess.run(
        [sys.executable, "-m", "teikit.cli", "validate", "-q", "--timeout", "0"]
        + ["--schema", "rules/fails.sch", "doc.xml"],
        cwd=attack.folder,
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(2),
    )
    assert (done.returncode, "doc.xml: error [sch:run-failed]" in done.stdout) == (2, True), (
        done.stdout
    )
