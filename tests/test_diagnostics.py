"""The diagnostic model and the one exit policy."""

from __future__ import annotations

import pickle
import re

from teikit.diagnostics import Diagnostic, Report, Severity, error, one_line


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
    back = pickle.loads(pickle.dumps(d))
    assert type(back) is Diagnostic and back == d and back.xpath == "/tei:TEI[1]"


def test_one_line_leaves_no_control_character_and_changes_nothing_else() -> None:
    """Every code point of the first planes (and the line separators), alone and amid
    text: a control character or line break is escaped, whatever else the text holds
    (unprintable but harmless characters such as NO-BREAK SPACE take the slow path), and
    any other text comes back unchanged."""
    control = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
    for code in [*range(0x3000), 0x2028, 0x2029, 0xFEFF, 0xE000, 0x1F600]:
        for text in (chr(code), f"a\u00a0{chr(code)}b", f"ok: {chr(code)}"):
            shown = one_line(text)
            assert not control.search(shown), hex(code)
            assert (shown == text) is (not control.search(text)), hex(code)
