"""The XSD engine: rule codes, concise located messages, one compile per schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from teikit.diagnostics import TeikitError
from teikit.document import load
from teikit.validation.xsd import XSD

from conftest import DATA as TESTS_DATA

DATA = TESTS_DATA / "validation"


@pytest.fixture(scope="module")
def findings() -> list:
    return XSD.compile(DATA / "mini.xsd").validate(load(DATA / "xsd-cases.xml"))


def test_a_valid_document_has_no_findings() -> None:
    assert XSD.compile(DATA / "mini.xsd").validate(load(DATA / "xsd-ok.xml")) == []


def test_rule_codes_by_kind(findings: list) -> None:
    assert sorted((d.line, d.rule) for d in findings) == [
        (2, "xsd:attribute-missing"),
        (5, "xsd:datatype"),
        (6, "xsd:attribute-unexpected"),
        (7, "xsd:content"),  # the <div> out of place, not its parent <body> (line 4)
    ]


def test_messages_are_teikits_words_with_names_as_written(findings: list) -> None:
    # before: "missing required attribute 'version'. (at /TEI)", "attribute n='zero':
    # invalid literal for int() with base 10: 'zero'.", "'colour' attribute not allowed
    # for element.", "Unexpected child with tag '{http://www.tei-c.org/ns/1.0}div' at
    # position 3."
    assert sorted((d.line, d.message) for d in findings) == [
        (2, "<TEI> needs the attribute @version."),
        (5, '@n="zero" on <p> is not valid: use a whole number 1 or more, such as 3.'),
        (6, "@colour is not allowed on <p>."),
        (7, "<div> is not allowed here in <body>."),
    ]


def test_a_foreign_attribute_keeps_its_prefix(tmp_path: Path) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(
        '<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:x="urn:x" version="1"><text><body>'
        '<p x:colour="red">x</p></body></text></TEI>'
    )
    [d] = XSD.compile(DATA / "mini.xsd").validate(load(doc))
    assert d.message == "@x:colour (namespace urn:x) is not allowed on <p>."


def test_a_shape_not_known_keeps_xmlschemas_words_without_clark_names() -> None:
    from teikit.validation.xsd_words import names

    assert names("'{http://www.tei-c.org/ns/1.0}teiCorpus' is odd; {}x too") == (
        "'teiCorpus (namespace http://www.tei-c.org/ns/1.0)' is odd; x too"
    )


def test_messages_are_one_line(findings: list) -> None:
    assert all("\n" not in d.message for d in findings)


def test_findings_carry_an_xpath(findings: list) -> None:
    assert {d.xpath for d in findings if d.line == 6} == {
        "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[2]"
    }


def test_a_schema_is_compiled_once_per_process() -> None:
    assert XSD.compile(DATA / "mini.xsd") is XSD.compile(str(DATA / "mini.xsd"))


def test_a_broken_schema_cannot_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xsd"
    bad.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element/></xs:schema>'
    )
    with pytest.raises(TeikitError):
        XSD.compile(bad)
