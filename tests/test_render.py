"""Report renderers: each format's shape, escaping and stability."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from teikit.diagnostics import Diagnostic, Report, Severity, UsageError, error
from teikit.render import RULE_HELP, render, rule_help, summary


def sample() -> Report:
    return Report(
        diagnostics=[
            error(
                "ref:unresolved",
                '@ref="#x" points nowhere, fix it',
                file="tei/a.xml",
                line=3,
                column=5,
                xpath="/tei:TEI[1]/tei:text[1]",
            ),
            Diagnostic(
                Severity.WARNING,
                "schema:version",
                "remote: 100%\nsee docs",
                file="tei/b.xml",
                line=1,
                column=1,
            ),
        ],
        files=["tei/a.xml", "tei/b.xml", "tei/c.xml"],
    )


def test_text_is_file_line_col_severity_rule_message() -> None:
    assert render(sample(), "text").splitlines()[0] == (
        'tei/a.xml:3:5: error [ref:unresolved] @ref="#x" points nowhere, fix it'
    )


def test_json_has_a_version() -> None:
    assert json.loads(render(sample(), "json"))["version"] == 1


def test_json_summary_counts() -> None:
    s = json.loads(render(sample(), "json"))["summary"]
    assert (s["files"], s["errors"], s["warnings"], s["ok"], s["exit_code"]) == (3, 1, 1, False, 1)


def test_json_diagnostic_fields() -> None:
    d = json.loads(render(sample(), "json"))["diagnostics"][0]
    assert sorted(d) == ["column", "file", "line", "message", "rule", "severity", "xpath"]


def test_junit_has_one_testcase_per_file() -> None:
    root = ET.fromstring(render(sample(), "junit"))
    assert [c.get("name") for c in root.iter("testcase")] == ["tei/a.xml", "tei/b.xml", "tei/c.xml"]


def test_junit_fails_only_files_with_errors() -> None:
    root = ET.fromstring(render(sample(), "junit"))
    assert [c.find("failure") is not None for c in root.iter("testcase")] == [True, False, False]


def test_sarif_is_version_2_1_0_with_the_schema() -> None:
    log = json.loads(render(sample(), "sarif"))
    assert (log["version"], log["$schema"].endswith("sarif-2.1.0.json")) == ("2.1.0", True)


def test_sarif_result_points_at_its_rule() -> None:
    run = json.loads(render(sample(), "sarif"))["runs"][0]
    assert all(
        run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"]
    )


def test_sarif_location_has_uri_region_and_xpath() -> None:
    loc = json.loads(render(sample(), "sarif"))["runs"][0]["results"][0]["locations"][0]
    assert (
        loc["physicalLocation"]["artifactLocation"]["uri"],
        loc["physicalLocation"]["region"],
        loc["logicalLocations"][0]["fullyQualifiedName"],
    ) == ("tei/a.xml", {"startLine": 3, "startColumn": 5}, "/tei:TEI[1]/tei:text[1]")


def test_sarif_levels() -> None:
    results = json.loads(render(sample(), "sarif"))["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning"]


def test_sarif_names_no_web_host() -> None:
    assert "informationUri" not in render(sample(), "sarif")


def test_sarif_uses_forward_slashes() -> None:
    report = Report([error("xml:malformed", "m", file="tei\\x.xml", line=1)], ["tei\\x.xml"])
    run = json.loads(render(report, "sarif"))["runs"][0]
    assert (
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "tei/x.xml"
    )


def test_github_error_line() -> None:
    assert render(sample(), "github").splitlines()[0] == (
        '::error file=tei/a.xml,line=3,col=5,title=ref%3Aunresolved::@ref="#x" points '
        "nowhere, fix it"
    )


def test_github_escapes_percent_and_newlines_in_messages() -> None:
    assert render(sample(), "github").splitlines()[1].endswith("::remote: 100%25%0Asee docs")


def test_github_escapes_commas_in_properties() -> None:
    report = Report([error("xml:malformed", "m", file="a,b.xml", line=1)], ["a,b.xml"])
    assert render(report, "github").startswith("::error file=a%2Cb.xml,")


def test_github_emits_every_finding() -> None:
    report = Report(
        [error("ref:unresolved", f"m{i}", file="a.xml", line=i + 1) for i in range(25)], ["a.xml"]
    )
    assert len(render(report, "github").splitlines()) == 25


def test_markdown_escapes_pipes() -> None:
    report = Report([error("ref:unresolved", "a | b", file="a.xml", line=1)], ["a.xml"])
    assert "a \\| b" in render(report, "markdown")


def test_summary_counts_errors_warnings_and_files() -> None:
    assert summary(sample()) == "3 files: 1 error, 1 warning in 2 files"


def test_summary_of_a_clean_run() -> None:
    assert summary(Report(files=["a.xml"])) == "1 file: no errors, no warnings"


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        render(sample(), "yaml")


def test_every_registered_rule_has_help_text() -> None:
    assert all(text.strip() for text in RULE_HELP.values())


def test_engine_rules_fall_back_to_their_prefix_help() -> None:
    assert rule_help("sch:ref-kind") == rule_help("sch:anything-else") != rule_help("rng:x")
