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
        (4, "xsd:content"),
        (5, "xsd:datatype"),
        (6, "xsd:attribute-unexpected"),
    ]


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
