"""The derivative validator on small grammars: the same errors at the same places as
jing (one JVM for every case), and the verdicts libxml2 gives."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import Document
from teikit.validation.rng import RelaxNG
from teikit.validation.rng.builder import Builder
from teikit.validation.rng.derivative import Derivatives
from teikit.validation.rng.patterns import SchemaError
from teikit.validation.rng.validator import walk

from conftest import require_command
from helpers.jing import java_env

XSD = "http://www.w3.org/2001/XMLSchema-datatypes"

GRAMMAR = f"""<grammar xmlns="http://relaxng.org/ns/structure/1.0"
    xmlns:x="urn:x" datatypeLibrary="{XSD}">
  <start><ref name="doc"/></start>
  <define name="doc"><element name="doc"><oneOrMore><ref name="sec"/></oneOrMore>
    <optional><element name="x:note"><text/></element></optional></element></define>
  <define name="sec"><element name="sec">
    <optional><attribute name="id"><data type="ID"/></attribute></optional>
    <attribute name="n"><data type="integer"/></attribute>
    <optional><attribute name="type"><choice><value>part</value><value>chapter</value>
    </choice></attribute></optional>
    <ref name="head"/><zeroOrMore><ref name="p"/></zeroOrMore></element></define>
  <define name="head"><element name="head"><text/></element></define>
  <define name="p"><element name="p">
    <optional><attribute name="ref"><data type="IDREF"/></attribute></optional>
    <optional><attribute name="when"><data type="date"/></attribute></optional>
    <mixed><zeroOrMore><choice><ref name="hi"/><ref name="num"/></choice></zeroOrMore>
    </mixed></element></define>
  <define name="hi"><element name="hi"><text/></element></define>
  <define name="num"><element name="num"><data type="decimal"/></element></define>
  <define name="meta"><element name="meta"><interleave><element name="a"><empty/></element>
    <element name="b"><empty/></element></interleave></element></define>
</grammar>
"""

CASES = {
    "valid": '<doc>\n<sec n="1"><head>h</head><p>t <hi>x</hi> <num>2.5</num></p></sec>\n</doc>',
    "unknown": '<doc>\n<sec n="1"><head>h</head><p>x<bogus/></p>\n<p>y</p></sec>\n</doc>',
    "elsewhere": '<doc>\n<sec n="1"><head>h</head><p>a</p>\n<head>late</head></sec>\n</doc>',
    "not-yet": '<doc>\n<sec n="1">\n<p>no head</p></sec>\n</doc>',
    "incomplete": '<doc>\n<sec n="1">\n</sec>\n</doc>',
    "text": '<doc>\n<sec n="1"><head>h</head>stray\n<p>a</p></sec>\n</doc>',
    "attribute": '<doc>\n<sec n="1" rnd="x"><head>h</head></sec>\n</doc>',
    "attribute-near": '<doc>\n<sec n="1"><head>h</head><p whn="1843-07-10">d</p></sec>\n</doc>',
    "missing-attribute": "<doc>\n<sec><head>h</head></sec>\n</doc>",
    "datatype": '<doc>\n<sec n="one"><head>h</head><p when="10 July 1843">d</p></sec>\n</doc>',
    "closed-list": '<doc>\n<sec n="1" type="Part"><head>h</head></sec>\n</doc>',
    "typed-content": '<doc>\n<sec n="1"><head>h</head><p><num>two</num></p></sec>\n</doc>',
    "value-beside-elements": '<doc>\n<sec n="1"><head>h</head><p><num>2<hi/>\n5</num></p>'
    "</sec>\n</doc>",
    "ids": '<doc>\n<sec n="1" id="a"><head>h</head></sec>\n<sec n="2" id="a"><head>h</head>'
    '<p ref="nowhere">r</p></sec>\n</doc>',
    "several": '<doc>\n<sec n="x"><p>a</p>\n<hi>b</hi></sec>\n<sec n="2" id="q"/>\n</doc>',
    "namespaced": '<doc xmlns:x="urn:x">\n<sec n="1"><head>h</head></sec>\n<x:nte>n</x:nte>\n'
    "</doc>",
    "nested": '<doc>\n<sec n="1"><head>h<hi>no</hi></head>\n<p><hi>a<hi>b</hi></hi></p></sec>'
    "\n</doc>",
}


@pytest.fixture(scope="module")
def schema_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("walk")
    path = folder / "s.rng"
    path.write_text(GRAMMAR, encoding="utf-8")
    for name, text in CASES.items():
        (folder / f"{name}.xml").write_text(text, encoding="utf-8")
    return path


@cache
def _jing(schema: Path) -> dict[str, list[tuple[int, int]]]:
    pyjing = Path(sys.executable).with_name("pyjing")
    files = [str(schema.parent / f"{name}.xml") for name in CASES]
    out = subprocess.run(
        [str(pyjing), str(schema), *files],
        capture_output=True,
        text=True,
        check=False,
        env=java_env(),
    ).stdout
    found: dict[str, list[tuple[int, int]]] = {name: [] for name in CASES}
    for line in out.splitlines():
        m = re.match(r"^(.+?):(\d+):(\d+): error", line)
        if m:
            found[Path(m[1]).stem].append((int(m[2]), int(m[3])))
    return found


def _mine(schema: Path, name: str) -> list[tuple[int, int, str, str]]:
    path = schema.parent / f"{name}.xml"
    doc = Document(etree.parse(str(path)), path)
    return [(d.line, d.column, d.rule, d.message) for d in RelaxNG.compile(schema).validate(doc)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_errors_are_where_jing_puts_them(schema_path: Path, name: str) -> None:
    require_command("java")
    jing = _jing(schema_path)[name]
    mine = [(line, column) for line, column, _, _ in _mine(schema_path, name)]
    assert sorted(set(mine)) == sorted(set(jing))


@pytest.mark.parametrize("name", sorted(CASES))
def test_verdicts_equal_libxml2s(schema_path: Path, name: str) -> None:
    path = schema_path.parent / f"{name}.xml"
    libxml2 = etree.RelaxNG(etree.parse(str(schema_path))).validate(etree.parse(str(path)))
    d = Derivatives(Builder(schema_path.read_bytes(), str(schema_path)))
    assert libxml2 == (not walk(d, etree.parse(str(path)).getroot()))


def _messages(schema: Path, name: str) -> list[str]:
    return [message for _, _, _, message in _mine(schema, name)]


def test_an_unknown_attribute_lists_those_still_allowed(schema_path: Path) -> None:
    assert _messages(schema_path, "attribute") == [
        "@rnd is not allowed on <sec>; it may have @id, @type."
    ]


def test_a_misspelt_attribute_gets_a_suggestion(schema_path: Path) -> None:
    assert _messages(schema_path, "attribute-near") == [
        "@whn is not allowed on <p>: did you mean @when?"
    ]


def test_a_missing_child_is_named_with_where_it_goes(schema_path: Path) -> None:
    assert _messages(schema_path, "not-yet") == ["<sec> needs a <head> before this <p>."]
    assert _messages(schema_path, "incomplete") == ["<sec> needs a <head> before </sec>."]


def test_an_element_allowed_earlier_says_where_it_goes(tmp_path: Path) -> None:
    schema = tmp_path / "div.rng"
    schema.write_text(
        '<element name="div" xmlns="http://relaxng.org/ns/structure/1.0"><zeroOrMore>'
        '<element name="head"><text/></element></zeroOrMore><oneOrMore><element name="p">'
        "<text/></element></oneOrMore></element>",
        encoding="utf-8",
    )
    with pytest.raises(SchemaError):  # no <grammar>: the derivative walk is not used
        Builder(schema.read_bytes())
    grammar = tmp_path / "g.rng"
    grammar.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="div">'
        '<zeroOrMore><element name="head"><text/></element></zeroOrMore><oneOrMore>'
        '<element name="p"><text/></element></oneOrMore></element></start></grammar>',
        encoding="utf-8",
    )
    doc = tmp_path / "d.xml"
    doc.write_text("<div><p>a</p><p>b</p>\n<head>h</head></div>", encoding="utf-8")
    found = RelaxNG.compile(grammar).validate(Document(etree.parse(str(doc)), doc))
    assert [d.message for d in found] == ["<head> must come before the first <p> of this <div>."]


def test_a_bad_date_is_explained_with_an_example(schema_path: Path) -> None:
    messages = _messages(schema_path, "datatype")
    assert '@n="one" on <sec> is not valid: use a whole number such as 42.' in messages
    assert (
        '@when="10 July 1843" on <p> is not valid: use an ISO 8601 date such as 1843-07-10.'
    ) in messages


def test_a_value_off_a_closed_list_suggests_the_near_one(schema_path: Path) -> None:
    assert _messages(schema_path, "closed-list") == [
        '@type="Part" on <sec> is not valid: did you mean "part"?'
    ]


def test_a_duplicate_id_is_reported_at_both_places(schema_path: Path) -> None:
    found = [(line, rule) for line, _, rule, _ in _mine(schema_path, "ids")]
    assert found == [(3, "rng:duplicate-id"), (2, "rng:duplicate-id"), (3, "rng:idref-unresolved")]


def test_a_namespaced_name_keeps_its_prefix(schema_path: Path) -> None:
    assert _messages(schema_path, "namespaced") == [
        "<x:nte> (namespace urn:x) is not allowed here: did you mean <x:note>?"
    ]


def test_an_unknown_element_is_reported_once_and_skipped(schema_path: Path) -> None:
    found = _mine(schema_path, "unknown")
    assert [(line, rule) for line, _, rule, _ in found] == [(2, "rng:element-not-allowed")]
    assert found[0][3] == "<bogus> is not a known element; here <p> may contain <hi>, <num>."


def test_an_included_grammar_with_overrides_and_combine_is_walked(tmp_path: Path) -> None:
    require_command("java")
    (tmp_path / "base.rng").write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><ref name="doc"/></start>'
        '<define name="doc"><element name="doc"><oneOrMore><ref name="item"/></oneOrMore>'
        '</element></define><define name="item"><element name="item"><text/></element>'
        "</define></grammar>",
        encoding="utf-8",
    )
    main = tmp_path / "main.rng"
    main.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><include href="base.rng">'
        '<define name="item"><element name="entry"><attribute name="n"/><text/></element>'
        '</define></include><define name="doc" combine="choice"><element name="list">'
        "<empty/></element></define></grammar>",
        encoding="utf-8",
    )
    doc = tmp_path / "d.xml"
    doc.write_text(
        '<doc>\n<entry n="1">a</entry>\n<item>b</item>\n<entry>c</entry>\n</doc>', encoding="utf-8"
    )
    pyjing = Path(sys.executable).with_name("pyjing")
    out = subprocess.run(
        [str(pyjing), str(main), str(doc)],
        capture_output=True,
        text=True,
        check=False,
        env=java_env(),
    ).stdout
    jing = sorted((int(m[1]), int(m[2])) for m in re.finditer(r":(\d+):(\d+): error", out))
    found = RelaxNG.compile(main).validate(Document(etree.parse(str(doc)), doc))
    assert sorted((d.line, d.column) for d in found) == jing
    assert [d.rule for d in found] == ["rng:element-not-allowed", "rng:attribute-missing"]


def test_attributes_are_refused_by_name_only_where_no_wildcard_admits_them(
    tmp_path: Path,
) -> None:
    # an unknown attribute is refused from the set of names the element's attribute
    # patterns list (not by walking each pattern); a wildcard (anyName, nsName) admits
    # names no set lists, so a name outside the set must still be tried against it
    grammar = tmp_path / "g.rng"
    grammar.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="doc">'
        '<optional><attribute name="n"/></optional><element name="any"><zeroOrMore>'
        "<attribute><nsName ns='urn:x'/></attribute></zeroOrMore><text/></element>"
        "<element name=\"none\"><optional><attribute name='n'/></optional><text/></element>"
        "</element></start></grammar>",
        encoding="utf-8",
    )
    doc = tmp_path / "d.xml"
    doc.write_text(
        '<doc xmlns:x="urn:x" n="1" m="2"><any x:a="1" x:b="2" c="3">t</any>'
        '<none n="1" x:a="1">t</none></doc>',
        encoding="utf-8",
    )
    found = RelaxNG.compile(grammar).validate(Document(etree.parse(str(doc)), doc))
    named = sorted(d.message.split(" ")[0] for d in found)
    assert named == ["@c", "@m", "@x:a"], [d.message for d in found]
