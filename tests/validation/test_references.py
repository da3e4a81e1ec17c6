"""The reference check on documents built for one fact each."""

from __future__ import annotations

from pathlib import Path

from teikit.document import Document, load
from teikit.loading import parse_bytes
from teikit.validation.references import check

HEAD = b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body>'
TAIL = b"</body></text></TEI>"


def rules(body: bytes, path: Path | None = None) -> list[str]:
    doc = Document(parse_bytes(HEAD + body + TAIL, str(path or "mem.xml")), path)
    return [d.rule for d in check(doc)]


def test_a_resolving_pointer_is_fine() -> None:
    assert rules(b'<p xml:id="a"><ref target="#a">x</ref></p>') == []


def test_a_dangling_pointer_is_unresolved() -> None:
    assert rules(b'<p><ref target="#a">x</ref></p>') == ["ref:unresolved"]


def test_every_token_of_a_list_is_checked() -> None:
    assert rules(b'<p xml:id="a"><sp who="#a #b #c"/></p>') == ["ref:unresolved"] * 2


def test_absolute_uris_are_not_followed() -> None:
    assert rules(b'<p><ref target="https://example.org/#x urn:x:y mailto:a@b.c">x</ref></p>') == []


def test_facs_and_key_are_not_pointers_here() -> None:
    assert rules(b'<p facs="page1.png" key="k"><name key="#nothing">x</name></p>') == []


def test_relation_participants_are_checked() -> None:
    assert rules(b'<p xml:id="a"><relation name="r" active="#a" passive="#b"/></p>') == [
        "ref:unresolved"
    ]


def test_the_message_names_the_fix() -> None:
    doc = Document(parse_bytes(HEAD + b'<p><ref target="#a">x</ref></p>' + TAIL, "m.xml"))
    assert 'add xml:id="a"' in check(doc)[0].message


def test_the_diagnostic_has_line_and_xpath() -> None:
    doc = Document(parse_bytes(HEAD + b'<p>\n<ref target="#a">x</ref></p>' + TAIL, "m.xml"))
    d = check(doc)[0]
    assert (d.line, d.xpath) == (2, "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[1]/tei:ref[1]")


def test_a_bare_name_that_is_an_id_suggests_the_hash(tmp_path: Path) -> None:
    doc = Document(
        parse_bytes(
            HEAD + b'<p xml:id="a"><ref target="a">x</ref></p>' + TAIL, str(tmp_path / "d.xml")
        ),
        tmp_path / "d.xml",
    )
    assert "did you mean '#a'" in check(doc)[0].message


def test_a_pointer_into_another_local_file_is_followed(tmp_path: Path) -> None:
    (tmp_path / "other.xml").write_bytes(
        b'<list xmlns="http://www.tei-c.org/ns/1.0"><item xml:id="there"/></list>'
    )
    assert rules(
        b'<p><ref target="other.xml#there">x</ref><ref target="other.xml#gone">y</ref></p>',
        tmp_path / "d.xml",
    ) == ["ref:unresolved"]


def test_prefix_definitions_expand_before_checking() -> None:
    header = (
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><encodingDesc>'
        b'<listPrefixDef><prefixDef ident="p" matchPattern="(\\w+)" '
        b'replacementPattern="#$1"/></listPrefixDef></encodingDesc></teiHeader>'
        b'<text><body><p xml:id="a"><ref target="p:a p:b">x</ref></p>' + TAIL
    )
    assert [d.rule for d in check(Document(parse_bytes(header, "m.xml")))] == ["ref:unresolved"]


def test_an_undeclared_prefix_is_reported() -> None:
    assert rules(b'<p><persName ref="wd:Q1">x</persName></p>') == ["ref:bad-prefix"]


def test_duplicate_ids_are_reported_once_per_repeat() -> None:
    assert rules(b'<p xml:id="a"/><p xml:id="a"/><p xml:id="a"/>') == ["ref:duplicate-id"] * 2


def test_an_elements_pointers_are_followed_in_a_fixed_order_whatever_their_order() -> None:
    # the attributes are read in one go (not one lookup per pointer attribute); the
    # findings keep the order of POINTER_ATTRIBUTES, not the order written
    doc = Document(
        parse_bytes(HEAD + b'<p><ref target="#t" ref="#r" ana="#a"/></p>' + TAIL, "m.xml")
    )
    assert [d.message.split('"')[1] for d in check(doc)] == ["#r", "#t", "#a"]


def test_duplicates_come_first_and_every_finding_is_placed(tmp_path: Path) -> None:
    path = tmp_path / "d.xml"
    path.write_bytes(
        HEAD
        + b'<p xml:id="a"/>\n<p xml:id="a">\n  <ref target="#b"/></p>'
        + b"<list>"
        + b"".join(b'<item><ref target="#m%d"/></item>' % i for i in range(20))
        + b"</list>"
        + TAIL
    )
    found = check(Document(parse_bytes(path.read_bytes(), str(path)), path))
    assert [d.rule for d in found] == ["ref:duplicate-id"] + ["ref:unresolved"] * 21
    assert (found[0].line, found[0].column, found[0].xpath) == (
        2,
        15,
        "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[2]",
    )
    assert (found[1].line, found[1].column) == (3, 21)
    assert found[-1].xpath.endswith("/tei:list[1]/tei:item[20]/tei:ref[1]")
    assert {d.file for d in found} == {found[0].file} and found[0].file.endswith("d.xml")


def test_a_finding_in_an_included_part_is_on_the_parts_file(tmp_path: Path) -> None:
    # the part's top carries only the xml:base XInclude gave it; a base the document
    # wrote itself moves nothing (issue 10)
    (tmp_path / "part.xml").write_bytes(
        b'<div xmlns="http://www.tei-c.org/ns/1.0">\n<p><ref target="#gone"/></p></div>'
    )
    main = tmp_path / "main.xml"
    main.write_bytes(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<teiHeader/><text><body><div xml:base="/etc/"><ref target="#a"/></div>\n'
        b'<xi:include href="part.xml"/></body></text></TEI>'
    )
    found = check(load(main))
    assert [(Path(d.file).name, d.line, d.column) for d in found] == [
        ("main.xml", 1, 149),
        ("part.xml", 2, 25),
    ]
