"""The diagnostic model and the one exit policy."""

from __future__ import annotations

import pickle

from teikit.diagnostics import Diagnostic, Report, Severity, error


def test_text_form_is_file_line_col_severity_rule_message() -> None:
    assert str(error("ref:unresolved", "m", file="a.xml", line=3, column=2)) == (
        "a.xml:3:2: error [ref:unresolved] m"
    )


def test_a_clean_report_exits_0() -> None:
    assert Report(files=["a.xml"]).exit_code == 0


def test_warnings_alone_exit_0() -> None:
    assert Report([Diagnostic(Severity.WARNING, "schema:version", "m")]).exit_code == 0


def test_errors_exit_1() -> None:
    assert Report([error("ref:unresolved", "m")]).exit_code == 1


def test_an_input_error_exits_2_even_with_other_findings() -> None:
    assert Report([error("ref:unresolved", "m")], input_error=True).exit_code == 2


def test_merge_keeps_each_file_once() -> None:
    report = Report(files=["a.xml"])
    report.merge(Report(files=["a.xml", "b.xml"]))
    assert report.files == ["a.xml", "b.xml"]


def test_diagnostics_survive_pickling_for_worker_processes() -> None:
    d = error("xsd:content", "m", file="a.xml", line=1, xpath="/tei:TEI[1]")
    assert pickle.loads(pickle.dumps(d)) == d
