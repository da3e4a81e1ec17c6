"""The Schematron engine: each feature of ISO Schematron that teikit compiles to XSLT 3.0,
checked on a small document whose lines are known (tests/data/schematron/doc.xml:
p n=1 on line 6, the empty p n=2 on line 7, p n=x with a date on line 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

import teikit
from teikit.diagnostics import Severity, TeikitError
from teikit.validation.schematron import Schematron

from conftest import CASES, ROOT
from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "schematron"
DOC = DATA / "doc.xml"
SCH = 'xmlns:sch="http://purl.oclc.org/dsdl/schematron"'
TEI = '<sch:ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>'


def run(body: str, phase: str = "#DEFAULT", attrs: str = "") -> list[teikit.Diagnostic]:
    text = f'<sch:schema {SCH} queryBinding="xslt2" {attrs}>{TEI}{body}</sch:schema>'
    return Schematron.from_string(text, phase=phase).validate(teikit.load(DOC))


def test_failed_assert_is_an_error_with_the_assert_id_as_rule_code() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:p">'
        '<sch:assert id="p-text" test="normalize-space()">empty</sch:assert>'
        "</sch:rule></sch:pattern>"
    )
    assert [(d.severity, d.rule, d.line) for d in found] == [(Severity.ERROR, "sch:p-text", 7)]


def test_report_fires_when_its_test_is_true() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:p">'
        '<sch:report id="bold" test="@rend = \'bold\'">bold</sch:report>'
        "</sch:rule></sch:pattern>"
    )
    assert [d.line for d in found] == [8]


def test_value_of_and_name_fill_the_message() -> None:
    found = run(
        "<sch:pattern><sch:rule context=\"tei:p[@n = 'x']\">"
        '<sch:assert id="n" test="@n castable as xs:integer"><sch:name/> has n='
        '<sch:value-of select="@n"/></sch:assert></sch:rule></sch:pattern>'
    )
    assert found[0].message == "p has n=x"


@pytest.mark.parametrize(
    "role,severity",
    [
        ("warning", Severity.WARNING),
        ("nonfatal", Severity.WARNING),
        ("info", Severity.INFO),
        ("fatal", Severity.ERROR),
        ("error", Severity.ERROR),
    ],
)
def test_role_sets_the_severity(role: str, severity: Severity) -> None:
    found = run(
        f'<sch:pattern><sch:rule context="tei:p[@n = 1]"><sch:report role="{role}" '
        'test="true()">r</sch:report></sch:rule></sch:pattern>'
    )
    assert [d.severity for d in found] == [severity]


def test_only_the_first_matching_rule_of_a_pattern_fires() -> None:
    found = run(
        "<sch:pattern>"
        '<sch:rule context="tei:p[@n = 1]"><sch:report id="first" test="true()">1'
        "</sch:report></sch:rule>"
        '<sch:rule context="tei:p"><sch:report id="second" test="true()">2'
        "</sch:report></sch:rule></sch:pattern>"
    )
    assert sorted((d.line, d.rule) for d in found) == [
        (6, "sch:first"),
        (7, "sch:second"),
        (8, "sch:second"),
    ]


def test_rules_of_different_patterns_fire_on_the_same_node() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:p[@n = 1]"><sch:report id="a" '
        'test="true()">a</sch:report></sch:rule></sch:pattern>'
        '<sch:pattern><sch:rule context="tei:p[@n = 1]"><sch:report id="b" '
        'test="true()">b</sch:report></sch:rule></sch:pattern>'
    )
    assert sorted(d.rule for d in found) == ["sch:a", "sch:b"]


def test_lets_at_schema_pattern_and_rule_level_are_visible_in_a_rule() -> None:
    found = run(
        '<sch:let name="total" value="count(//tei:p)"/>'
        '<sch:pattern><sch:let name="empty" value="count(//tei:p[not(node())])"/>'
        '<sch:rule context="tei:body"><sch:let name="mine" value="count(tei:p)"/>'
        '<sch:report id="counts" test="true()"><sch:value-of select="$total"/>/'
        '<sch:value-of select="$empty"/>/<sch:value-of select="$mine"/></sch:report>'
        "</sch:rule></sch:pattern>"
    )
    assert [d.message for d in found] == ["3/1/3"]


def test_attribute_context_is_located_at_its_element() -> None:
    found = run(
        '<sch:pattern><sch:rule context="@rend"><sch:report id="rend" test="true()">r'
        "</sch:report></sch:rule></sch:pattern>"
    )
    assert [(d.line, d.xpath) for d in found] == [
        (8, "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[3]/@rend")
    ]


def test_location_carries_file_and_readable_xpath() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:date"><sch:report id="d" test="true()">d'
        "</sch:report></sch:rule></sch:pattern>"
    )
    assert (found[0].file.endswith("doc.xml"), found[0].xpath) == (
        True,
        "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[3]/tei:date[1]",
    )


def test_subject_moves_the_location() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:body"><sch:report id="s" test="true()" '
        'subject="tei:p[2]">s</sch:report></sch:rule></sch:pattern>'
    )
    assert [d.line for d in found] == [7]


PHASED = (
    '<sch:phase id="only-a"><sch:active pattern="a"/></sch:phase>'
    '<sch:pattern id="a"><sch:rule context="tei:body"><sch:report test="true()">a'
    "</sch:report></sch:rule></sch:pattern>"
    '<sch:pattern id="b"><sch:rule context="tei:body"><sch:report test="true()">b'
    "</sch:report></sch:rule></sch:pattern>"
)


def test_a_named_phase_runs_only_its_active_patterns() -> None:
    assert [d.rule for d in run(PHASED, phase="only-a")] == ["sch:a"]


def test_phase_all_runs_every_pattern() -> None:
    assert sorted(d.rule for d in run(PHASED, phase="#ALL")) == ["sch:a", "sch:b"]


def test_default_phase_follows_the_schema_default_phase() -> None:
    assert [d.rule for d in run(PHASED, attrs='defaultPhase="only-a"')] == ["sch:a"]


def test_unknown_phase_cannot_run() -> None:
    with pytest.raises(TeikitError, match="No sch:phase with id 'nope'"):
        run(PHASED, phase="nope")


def test_rule_code_falls_back_to_rule_then_pattern_then_position() -> None:
    found = run(
        '<sch:pattern id="pat"><sch:rule id="rul" context="tei:p[@n = 1]">'
        '<sch:report test="true()">r</sch:report></sch:rule></sch:pattern>'
        '<sch:pattern id="pat2"><sch:rule context="tei:p[@n = 1]">'
        '<sch:report test="true()">p</sch:report></sch:rule></sch:pattern>'
        '<sch:pattern><sch:rule context="tei:p[@n = 1]">'
        '<sch:report test="true()">g</sch:report></sch:rule></sch:pattern>'
    )
    assert sorted(d.rule for d in found) == ["sch:p3-r1-a1", "sch:pat2", "sch:rul"]


def test_abstract_pattern_is_instantiated_with_its_parameters() -> None:
    found = run(
        '<sch:pattern abstract="true" id="needs"><sch:rule context="$el">'
        '<sch:assert id="needs-attr" test="$attr">missing</sch:assert></sch:rule>'
        "</sch:pattern>"
        '<sch:pattern is-a="needs" id="p-rend"><sch:param name="el" value="tei:p"/>'
        '<sch:param name="attr" value="@rend"/></sch:pattern>'
    )
    assert [d.line for d in found] == [6, 7]


def test_abstract_rule_is_extended() -> None:
    found = run(
        '<sch:pattern><sch:rule abstract="true" id="has-n">'
        '<sch:assert id="n-int" test="@n castable as xs:integer">n</sch:assert>'
        '</sch:rule><sch:rule context="tei:p"><sch:extends rule="has-n"/></sch:rule>'
        "</sch:pattern>"
    )
    assert [(d.line, d.rule) for d in found] == [(8, "sch:n-int")]


def test_diagnostics_are_appended_to_the_message() -> None:
    found = run(
        '<sch:pattern><sch:rule context="tei:p[@n = 2]">'
        '<sch:assert test="node()" diagnostics="fix">Empty.</sch:assert></sch:rule>'
        '</sch:pattern><sch:diagnostics><sch:diagnostic id="fix">Write text in p '
        '<sch:value-of select="@n"/>.</sch:diagnostic></sch:diagnostics>'
    )
    assert [d.message for d in found] == ["Empty. Write text in p 2."]


def test_xsl_functions_of_the_schema_are_available() -> None:
    found = run(
        '<xsl:function xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        'xmlns:f="urn:f" name="f:twice" as="xs:integer"><xsl:param name="i" '
        'as="xs:integer"/><xsl:sequence select="2 * $i"/></xsl:function>'
        '<sch:ns prefix="f" uri="urn:f"/>'
        '<sch:pattern><sch:rule context="tei:p[@n = 2]"><sch:report id="f" '
        'test="f:twice(xs:integer(@n)) = 4">f</sch:report></sch:rule></sch:pattern>'
    )
    assert [d.line for d in found] == [7]


def test_a_broken_xpath_cannot_compile_and_says_so() -> None:
    with pytest.raises(TeikitError) as info:
        run(
            '<sch:pattern><sch:rule context="tei:p"><sch:assert test="((">x</sch:assert>'
            "</sch:rule></sch:pattern>"
        )
    assert info.value.diagnostic is not None and info.value.diagnostic.rule == "sch:schema-invalid"


def test_a_file_that_is_not_schematron_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.sch"
    path.write_text("<schema/>")
    with pytest.raises(TeikitError, match="not an ISO Schematron schema"):
        Schematron.compile(path)


def test_compile_is_cached_per_path_and_content() -> None:
    sch = ROOT / "schemas" / "teikit.sch"
    assert Schematron.compile(sch) is Schematron.compile(sch)


def test_rules_embedded_in_old_namespace_run_from_rng() -> None:
    found = Schematron.from_rng(DATA / "embedded.rng").validate(teikit.load(DOC))
    assert [(d.line, d.rule) for d in found] == [(7, "sch:old-namespace")]


def test_tei_all_embedded_datable_constraint_fires(tei_all: Path) -> None:
    """tei_all.rng's att.datable.w3c rule: @when with @from/@to (role nonfatal)."""
    found = Schematron.from_rng(tei_all).validate(teikit.load(DOC))
    assert [(d.line, d.severity) for d in found if "att-datable-w3c-when" in d.rule] == [
        (8, Severity.WARNING)
    ]


def test_teikit_sch_reports_ref_kind_on_the_line_of_the_name() -> None:
    case = CASES / "sch_ref-kind" / "ref-kind.xml"
    sch = ROOT / "schemas" / "teikit.sch"
    found = Schematron.compile(sch).validate(teikit.load(case))
    assert [(d.rule, d.line) for d in found if d.rule == "sch:ref-kind"] == [("sch:ref-kind", 35)]
