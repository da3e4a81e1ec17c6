"""Every report format names what judged each file (Report.schemas)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from teikit.diagnostics import Diagnostic, Report, SchemaUse, Severity
from teikit.render import render, summary


def _report() -> Report:
    return Report(
        diagnostics=[Diagnostic(Severity.ERROR, "ref:unresolved", "m", "a.xml", 3)],
        files=["a.xml", "b.xml"],
        schemas={
            "a.xml": [SchemaUse("tei_all", "4.3.0"), SchemaUse("references", "0.1.0")],
            "b.xml": [SchemaUse("teikit", "0.1.0")],
        },
    )


def test_json_has_the_schemas_of_each_file() -> None:
    data = json.loads(render(_report(), "json"))
    assert (data["version"], data["schemas"]["a.xml"][0]) == (
        1,
        {"name": "tei_all", "version": "4.3.0"},
    )


def test_sarif_run_properties_carry_the_schemas() -> None:
    run = json.loads(render(_report(), "sarif"))["runs"][0]
    assert run["properties"]["schemas"]["b.xml"] == [{"name": "teikit", "version": "0.1.0"}]


def test_junit_suite_properties_carry_each_files_schemas() -> None:
    suites = ET.fromstring(render(_report(), "junit"))
    assert [p.get("value") for p in suites.iter("property") if p.get("name") == "schema"] == [
        "a.xml: tei_all@4.3.0",
        "a.xml: references@0.1.0",
        "b.xml: teikit@0.1.0",
    ]


def test_the_summary_line_names_the_schemas_with_file_counts() -> None:
    assert summary(_report()).endswith(
        "schemas: tei_all@4.3.0 (1 file), references@0.1.0 (1 file), teikit@0.1.0 (1 file)"
    )


def test_the_markdown_job_summary_names_the_schemas() -> None:
    assert "tei_all@4.3.0" in render(_report(), "markdown").split("|", 1)[0]


def test_merging_reports_keeps_each_files_schemas_once() -> None:
    total = Report()
    total.merge(_report())
    total.merge(_report())
    assert [str(u) for u in total.schemas["a.xml"]] == ["tei_all@4.3.0", "references@0.1.0"]


def test_a_file_judged_by_no_schema_is_counted_as_such() -> None:
    """Its schema was unavailable and downgraded to a warning: the pass checked nothing."""
    report = Report(
        diagnostics=[Diagnostic(Severity.WARNING, "schema:unavailable", "m", "a.xml", 2)],
        files=["a.xml", "b.xml"],
        schemas={"a.xml": [], "b.xml": [SchemaUse("tei_all", "4.3.0")]},
    )
    assert summary(report).endswith("schemas: no schema (1 file), tei_all@4.3.0 (1 file)")
