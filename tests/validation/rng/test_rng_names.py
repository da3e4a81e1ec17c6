"""Names in RelaxNG messages (issue 12): written as the document writes them, never in
Clark notation, with the namespace said once when it is not the one an editor assumes;
JSON's ``expected`` keeps names a program can resolve."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.diagnostics import Diagnostic
from teikit.document import load
from teikit.validation.rng import RelaxNG
from teikit.validation.rng.naming import Namer, expected_elements, scope
from teikit.validation.rng.patterns import QName

TEI = "http://www.tei-c.org/ns/1.0"
ELTEC = "http://distantreading.net/eltec/ns"
EXAMPLES = "http://www.tei-c.org/ns/Examples"

DOC = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>
<title>t</title></titleStmt><publicationStmt><p>p</p></publicationStmt><sourceDesc><p>s</p>
</sourceDesc></fileDesc></teiHeader><text><body>
{body}
</body></text></TEI>"""


def _diagnostics(tmp_path: Path, tei_all: Path, body: str) -> list[Diagnostic]:
    path = tmp_path / "doc.xml"
    path.write_text(DOC.format(body=body), encoding="utf-8")
    return list(RelaxNG.compile(tei_all).validate(load(path)))


def test_a_foreign_element_in_its_own_default_namespace_is_said_to_be_foreign(
    tmp_path: Path, tei_all: Path
) -> None:
    # the ELTeC case: before, "<authorGender> is not allowed here; here <p> may contain
    # <{http://www.tei-c.org/ns/1.0}c>, …": no sign it is not TEI, and Clark notation
    [d] = _diagnostics(tmp_path, tei_all, f'<p>a <authorGender xmlns="{ELTEC}" key="M"/></p>')
    assert d.message == (
        f"<authorGender> (namespace {ELTEC}) is not allowed here; here <p> may contain "
        "<c>, <g>, <l>, <m>, <q>, <s>, <w>, <am> and 199 more."
    )
    # JSON: TEI names as the document writes them at that point, the rest resolvable
    assert "abbr" in d.expected and f"{{{EXAMPLES}}}egXML" in d.expected


def test_an_element_in_no_namespace_is_sent_to_the_tei_one(tmp_path: Path, tei_all: Path) -> None:
    [d] = _diagnostics(tmp_path, tei_all, '<p xmlns="">a</p>')[:1]
    assert d.message == (
        f"<p> (no namespace) is not allowed here: did you mean <p> (namespace {TEI})?"
    )
    assert "{" not in d.message and "p" in d.expected


def test_a_tei_element_where_another_namespace_is_expected(tmp_path: Path, tei_all: Path) -> None:
    [d] = _diagnostics(tmp_path, tei_all, "<p>An example: <egXML>x</egXML></p>")
    assert d.message == (
        f"<egXML> is not allowed here: did you mean <egXML> (namespace {EXAMPLES})?"
    )


def test_a_prefixed_foreign_element_keeps_its_prefix(tmp_path: Path, tei_all: Path) -> None:
    [d] = _diagnostics(tmp_path, tei_all, f'<p xmlns:e="{ELTEC}">a <e:x/></p>')
    assert d.message.startswith(f"<e:x> (namespace {ELTEC}) is not allowed here; here <p> ")


def test_a_prefixed_foreign_attribute_keeps_its_prefix(tmp_path: Path, tei_all: Path) -> None:
    [d] = _diagnostics(tmp_path, tei_all, f'<p xmlns:e="{ELTEC}" e:key="M">a</p>')
    assert d.message.startswith(f"@e:key (namespace {ELTEC}) is not allowed on <p>; it may ")
    assert "xml:id" in d.expected and "rend" in d.expected


def _tree(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def test_a_namespace_is_said_once_in_a_message() -> None:
    root = _tree(f'<TEI xmlns="{TEI}"><a xmlns="{ELTEC}"/><b xmlns="{ELTEC}"/></TEI>')
    n = Namer(root)
    assert [n.element(k) for k in root] == [f"<a> (namespace {ELTEC})", "<b>"]
    assert n.element(root) == "<TEI>"


def test_expected_names_are_bare_in_tei_prefixed_where_declared_else_said() -> None:
    root = _tree(f'<TEI xmlns="{TEI}" xmlns:e="{ELTEC}"><p/></TEI>')
    names = [QName(TEI, "title"), QName(ELTEC, "size"), QName(EXAMPLES, "egXML")]
    listing = Namer(root).expected(names, scope(root[0]))
    assert listing == f"<egXML> (namespace {EXAMPLES}), <title>, <e:size>"
    assert expected_elements(tuple(names), scope(root[0])) == (
        "e:size",
        "title",
        f"{{{EXAMPLES}}}egXML",
    )


def test_a_document_in_no_namespace_assumes_none() -> None:
    root = _tree("<doc><sec/></doc>")
    assert Namer(root).element(root[0]) == "<sec>"
    assert Namer(root).each([QName("", "head")], scope(root)) == ["<head>"]
