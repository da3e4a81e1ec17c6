"""Element, XPath and line map onto each other in both directions."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.document import load
from teikit.loading import parse_bytes
from teikit.locations import element_at, element_at_line, line_finder, locate, locate_all, xpath_of

DOC = (
    b'<TEI xmlns="http://www.tei-c.org/ns/1.0">\n<text>\n<body>\n<p>a</p>\n<p>b</p>\n'
    b"</body>\n</text>\n</TEI>"
)


def tree():  # noqa: ANN201 - an lxml tree
    return parse_bytes(DOC, "m.xml")


def test_xpath_of_uses_the_tei_prefix_and_positions() -> None:
    p2 = tree().getroot()[0][0][1]
    assert xpath_of(p2) == "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[2]"


def test_element_at_reads_saxon_q_notation() -> None:
    t = tree()
    ns = "Q{http://www.tei-c.org/ns/1.0}"
    found = element_at(t, f"/{ns}TEI[1]/{ns}text[1]/{ns}body[1]/{ns}p[2]/@n")
    assert found is t.getroot()[0][0][1]


def test_element_at_inverts_xpath_of() -> None:
    t = tree()
    p2 = t.getroot()[0][0][1]
    assert element_at(t, xpath_of(p2)) is p2


def test_element_at_line_finds_the_element_starting_there() -> None:
    assert element_at_line(tree(), 5).text == "b"


MIXED = (
    b'<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:m="http://www.w3.org/1998/Math/MathML">'
    b"<text><body><div><p>a<hi>b</hi><!-- c --><hi>d</hi></p><m:math><m:mi>x</m:mi></m:math>"
    b'<p><lb/>e<foreign xmlns="">f</foreign><lb/></p><?pi x?><p/></div></body></text></TEI>'
)


def test_element_at_inverts_xpath_of_for_every_element_of_a_mixed_document() -> None:
    # positional steps are walked child by child (not by lxml's XPath, which is linear
    # per step in the siblings); the walk must agree with XPath on every element,
    # foreign namespaces, no namespace, comments and PIs among the siblings included
    t = parse_bytes(MIXED, "m.xml")
    for el in t.getroot().iter(etree.Element):
        path = xpath_of(el)
        assert element_at(t, path) is el, path
        if "*:" not in path:  # XPath 2.0's any-namespace step; lxml reads XPath 1.0
            assert t.xpath(path, namespaces={"tei": "http://www.tei-c.org/ns/1.0"}) == [el]


def test_element_at_finds_nothing_past_the_last_sibling_or_under_another_root() -> None:
    t = tree()
    assert element_at(t, "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[3]") is None
    assert element_at(t, "/tei:TEI[2]") is None
    assert element_at(t, "/tei:teiCorpus[1]/tei:TEI[1]") is None
    assert element_at(t, "/TEI[1]") is None  # no namespace: another element


def test_element_at_still_reads_paths_that_are_not_positional() -> None:
    t = tree()
    assert element_at(t, "/tei:TEI/tei:text/tei:body/tei:p[2]") is t.getroot()[0][0][1]
    assert element_at(t, "//tei:p[last()]") is t.getroot()[0][0][1]


def test_element_at_answers_from_the_tree_it_is_given_not_the_last_one_walked() -> None:
    first, second = tree(), tree()
    path = "/tei:TEI[1]/tei:text[1]/tei:body[1]/tei:p[2]"
    assert element_at(first, path) is first.getroot()[0][0][1]
    assert element_at(second, path) is second.getroot()[0][0][1]
    assert element_at(first, path) is first.getroot()[0][0][1]


def test_locate_all_agrees_with_locate_on_every_element_in_any_order() -> None:
    # the batch form works each ancestor out once (and counts a long list's children
    # once); it must give what locate gives one element at a time
    t = parse_bytes(MIXED.replace(b"<p/>", b"<p/>" * 30), "m.xml")
    elements = list(t.getroot().iter(etree.Element))
    for order in (elements, elements[::-1]):
        expected = [(locate(el, "d.xml")["file"], xpath_of(el)) for el in order]
        assert locate_all(order, "d.xml") == expected
        assert locate_all(order, "d.xml", bases=False) == expected  # none to look for


def test_locate_all_reports_an_included_part_on_its_own_file(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "part.xml").write_bytes(b'<div xmlns="http://www.tei-c.org/ns/1.0"><p/></div>')
    main = tmp_path / "main.xml"
    main.write_bytes(
        b'<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<text><body><p/><div xml:base="/etc/"><p/></div><xi:include href="part.xml"/>'
        b"</body></text></TEI>"
    )
    root = load(main).tree.getroot()
    elements = list(root.iter(etree.Element))
    files = [file for file, _ in locate_all(elements, str(main))]
    assert files == [locate(el, str(main))["file"] for el in elements]
    assert [Path(f).name for f in files] == ["main.xml"] * 6 + ["part.xml"] * 2


def test_line_finder_answers_as_element_at_line_for_every_line() -> None:
    """The one-walk finder (many findings of one report) and the per-line question
    agree on every line, before the first element, between elements and past the last,
    and on lines where several elements start (the last of them)."""
    tree = etree.ElementTree(
        etree.fromstring(
            b'<TEI xmlns="http://www.tei-c.org/ns/1.0">\n<text>\n\n<body><p>a</p><p>b</p>\n'
            b"<!-- c -->\n<p>\n<hi>x</hi></p>\n\n</body></text></TEI>"
        )
    )
    at = line_finder(tree)
    for line in range(0, 14):
        slow = None
        for el in tree.getroot().iter():
            if isinstance(el.tag, str) and el.sourceline is not None and el.sourceline <= line:
                if slow is None or el.sourceline >= (slow.sourceline or 0):
                    slow = el
        assert at(line) is slow, line
        assert element_at_line(tree, line) is slow, line
    assert at(4) is not None and at(4).text == "b"  # two <p> start on line 4: the last
