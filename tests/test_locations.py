"""Element, XPath and line map onto each other in both directions."""

from __future__ import annotations

from teikit.loading import parse_bytes
from teikit.locations import element_at, element_at_line, xpath_of

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
