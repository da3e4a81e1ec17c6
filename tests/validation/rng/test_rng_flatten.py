"""Schemas of several grammars (``externalRef``, ``parentRef``, nested ``grammar``,
``include`` of a file that refers further, a pattern as the root) are explained by the
derivative walk: the errors where jing puts them, in teikit's words, not libxml2's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from teikit.document import Document
from teikit.validation.rng import RelaxNG
from teikit.validation.rng.flatten import single_grammar
from teikit.validation.rng.patterns import SchemaError

from helpers import jing

RNG = "http://relaxng.org/ns/structure/1.0"

#: file name → text; "main.rng" of each schema is the one validated against.
SCHEMAS: dict[str, dict[str, str]] = {
    "external": {
        "main.rng": f'<grammar xmlns="{RNG}"><start><element name="doc"><oneOrMore>'
        '<externalRef href="parts/sec.rng"/></oneOrMore></element></start></grammar>',
        "parts/sec.rng": f'<element name="sec" xmlns="{RNG}"><element name="head"><text/>'
        '</element><zeroOrMore><element name="p"><text/></element></zeroOrMore></element>',
    },
    "parent": {
        "main.rng": f'<grammar xmlns="{RNG}"><start><element name="doc"><ref name="body"/>'
        '</element></start><define name="p"><element name="p"><text/></element></define>'
        '<define name="body"><element name="body"><grammar><start><oneOrMore>'
        '<ref name="sec"/></oneOrMore></start><define name="sec"><element name="sec">'
        '<element name="head"><text/></element><zeroOrMore><parentRef name="p"/>'
        '</zeroOrMore><optional><ref name="p"/></optional></element></define>'
        '<define name="p"><element name="note"><attribute name="n"/></element></define>'
        "</grammar></element></define></grammar>",
    },
    "namespaced": {
        "main.rng": f'<grammar xmlns="{RNG}" ns="urn:a"><start><element name="doc">'
        '<externalRef href="item.rng" ns="urn:b"/><zeroOrMore><grammar><start>'
        '<element name="more"><parentRef name="leaf"/></element></start></grammar>'
        '</zeroOrMore></element></start><define name="leaf"><element name="leaf">'
        "<empty/></element></define></grammar>",
        "item.rng": f'<element name="item" xmlns="{RNG}" xmlns:c="urn:c"><attribute '
        'name="c:kind"><choice><value>x</value><value>y</value></choice></attribute>'
        '<data type="integer" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes"/>'
        "</element>",
    },
    "pattern-root": {
        "main.rng": f'<element name="div" xmlns="{RNG}"><zeroOrMore><element name="head">'
        '<text/></element></zeroOrMore><oneOrMore><element name="p"><text/></element>'
        "</oneOrMore></element>",
    },
    "included": {
        "main.rng": f'<grammar xmlns="{RNG}"><include href="base.rng"><define name="item">'
        '<element name="entry"><externalRef href="label.rng"/></element></define></include>'
        "</grammar>",
        "base.rng": f'<grammar xmlns="{RNG}"><start><element name="list"><oneOrMore>'
        '<ref name="item"/></oneOrMore></element></start><define name="item">'
        '<element name="item"><text/></element></define></grammar>',
        "label.rng": f'<grammar xmlns="{RNG}"><start><element name="label"><text/></element>'
        "</start></grammar>",
    },
}

#: (schema, document, the messages teikit gives, in order)
CASES: list[tuple[str, str, list[str]]] = [
    (
        "external",
        "<doc>\n<sec><head>h</head><p>a</p></sec>\n<sec>\n<p>b</p></sec>\n</doc>",
        ["<sec> needs a <head> before this <p>."],
    ),
    (
        "external",
        "<doc>\n<sec><head>h</head><p>a</p>\n<head>late</head></sec>\n</doc>",
        ["<head> is not allowed after <head> in <sec>; here <sec> may contain <p>."],
    ),
    ("external", "<doc>\n<sec><head>h</head></sec>\n</doc>", []),
    (
        "external",
        "<doc>\n</doc>",
        ["<doc> needs a <sec> before </doc>."],
    ),
    (
        "parent",
        '<doc><body>\n<sec><head>h</head><p>a</p><note n="1"/></sec>\n</body></doc>',
        [],
    ),
    (
        "parent",
        '<doc><body>\n<sec><head>h</head><p n="1">a</p></sec>\n</body></doc>',
        ["@n is not allowed on <p>, which takes no attributes."],
    ),
    (
        "parent",
        "<doc><body>\n<sec><head>h</head><note>a</note></sec>\n</body></doc>",
        [
            "<note> needs the attribute @n.",
            'Text "a" is not allowed in <note>, which is always empty: remove it or move it out.',
        ],
    ),
    (
        "namespaced",
        '<doc xmlns="urn:a"><item xmlns="urn:b" xmlns:c="urn:c" c:kind="x">3</item>\n'
        "<more><leaf/></more></doc>",
        [],
    ),
    (
        "namespaced",
        '<doc xmlns="urn:a"><item xmlns="urn:b" xmlns:c="urn:c" c:kind="z">three</item>\n'
        "<more><leaf/><leaf/></more></doc>",
        [
            '@c:kind="z" (namespace urn:c) on <item> (namespace urn:b) is not valid: use one '
            'of "x", "y".',
            'The content "three" of <item> (namespace urn:b) is not valid: use a whole number '
            "such as 42.",
            "<leaf> is not allowed after <leaf> in <more>, which may contain nothing more here.",
        ],
    ),
    (
        "pattern-root",
        "<div><p>a</p><p>b</p>\n<head>h</head></div>",
        ["<head> must come before the first <p> of this <div>."],
    ),
    (
        "included",
        "<list>\n<entry><label>a</label></entry>\n<item>b</item>\n<entry>c</entry>\n</list>",
        [
            "<item> is not a known element; here <list> may contain <entry>.",
            'Text "c" is not allowed directly in <entry>; wrap it in an element allowed '
            "here, such as <label>.",
            "<entry> needs a <label> before </entry>.",
        ],
    ),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flatten")
    for name, files in SCHEMAS.items():
        for file, text in files.items():
            path = root / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for i, (name, text, _) in enumerate(CASES):
        (root / name / f"d{i}.xml").write_text(text, encoding="utf-8")
    return root


def _mine(folder: Path, i: int) -> list[tuple[int, int, str]]:
    name = CASES[i][0]
    path = folder / name / f"d{i}.xml"
    doc = Document(etree.parse(str(path)), path)
    schema = RelaxNG.compile(folder / name / "main.rng")
    return [(d.line, d.column, d.message) for d in schema.validate(doc)]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_the_messages_are_the_walks(folder: Path, i: int) -> None:
    assert [m for _, _, m in _mine(folder, i)] == CASES[i][2]


def test_errors_are_where_jing_puts_them(folder: Path) -> None:
    for name in SCHEMAS:
        docs = [folder / name / f"d{i}.xml" for i, case in enumerate(CASES) if case[0] == name]
        found = jing.check(folder / name / "main.rng", docs)
        for doc in docs:
            i = int(doc.stem[1:])
            theirs = sorted({(d.line, d.column) for d in found[doc]})
            assert sorted({(line, col) for line, col, _ in _mine(folder, i)}) == theirs, doc


@pytest.mark.parametrize("i", range(len(CASES)))
def test_verdicts_equal_libxml2s(folder: Path, i: int) -> None:
    name = CASES[i][0]
    schema = etree.RelaxNG(etree.parse(str(folder / name / "main.rng")))
    assert schema.validate(etree.parse(str(folder / name / f"d{i}.xml"))) == (not CASES[i][2])


def test_nested_defines_are_renamed_apart_and_lifted(folder: Path) -> None:
    path = folder / "parent" / "main.rng"
    root = etree.fromstring(single_grammar(path.read_bytes(), str(path)))
    ns = {"r": RNG}
    assert root.xpath("count(//r:grammar)", namespaces=ns) == 1
    assert root.xpath("count(//r:parentRef)", namespaces=ns) == 0
    names = sorted(
        str(n) for n in root.xpath("r:define/@name | r:div/r:define/@name", namespaces=ns)
    )
    assert names == ["body", "g1:p", "g1:sec", "g1:start", "p"]


def test_a_file_outside_the_schema_folder_is_refused(tmp_path: Path) -> None:
    inner = tmp_path / "in"
    inner.mkdir()
    (tmp_path / "out.rng").write_text(f'<element name="x" xmlns="{RNG}"><empty/></element>')
    main = inner / "main.rng"
    main.write_text(
        f'<grammar xmlns="{RNG}"><start><externalRef href="../out.rng"/></start></grammar>'
    )
    with pytest.raises(SchemaError, match="outside"):
        single_grammar(main.read_bytes(), str(main))


def test_an_external_loop_ends(tmp_path: Path) -> None:
    main = tmp_path / "main.rng"
    main.write_text(
        f'<element name="x" xmlns="{RNG}"><optional><externalRef href="main.rng"/>'
        "</optional></element>"
    )
    with pytest.raises(SchemaError, match="one too many"):
        single_grammar(main.read_bytes(), str(main))


def test_no_message_is_libxml2s(folder: Path) -> None:
    libxml2_words = re.compile(r"Expecting|Did not expect|Extra element|Invalid attribute")
    for i in range(len(CASES)):
        assert not any(libxml2_words.search(m) for _, _, m in _mine(folder, i))
