"""libxml2's own RelaxNG report, the fallback for a schema the derivative walk does not
read (a file outside the schema's folder, a remote include): in teikit's words, never
libxml2's, each at a place in the file (libxml2 gives some checks line 0), and a summary
libxml2 adds on the line of a precise entry not said again."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from teikit.document import Document
from teikit.validation.rng import libxml

XSD = "http://www.w3.org/2001/XMLSchema-datatypes"
GRAMMAR = f"""<grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="{XSD}"
  ns="urn:t"><start><element name="doc"><attribute name="n"><data type="integer"/></attribute>
  <element name="head"><text/></element>
  <zeroOrMore><element name="p"><optional><attribute name="id"><data type="ID"/></attribute>
  </optional><optional><attribute name="t"><choice><value>a</value><value>b</value></choice>
  </attribute></optional><zeroOrMore><element name="hi"><empty/></element></zeroOrMore>
  </element></zeroOrMore>
  <optional><element name="num"><data type="decimal"/></element></optional>
  <optional><element name="both"><interleave><element name="a"><empty/></element>
  <element name="b"><empty/></element></interleave></element></optional>
  <optional><element name="lst"><list><oneOrMore><data type="integer"/></oneOrMore></list>
  </element></optional></element></start></grammar>"""

#: document (one tag a line) -> what the report must say, by (line, rule, message)
CASES = {
    '<doc xmlns="urn:t"><head/></doc>': [
        (
            1,
            "rng:invalid",
            "An attribute of <doc> is missing or not valid here: check its required "
            "attributes and their values.",
        )
    ],
    '<doc xmlns="urn:t" n="x"><head/></doc>': [
        (1, "rng:value-invalid", 'The value "x" is not a valid integer.')
    ],
    '<doc xmlns="urn:t" n="1" rnd="x"><head/></doc>': [
        (
            1,
            "rng:attribute-not-allowed",
            "@rnd is not allowed on <doc>, or its value is not valid there (a repeated ID, "
            "a value off its list or of the wrong type).",
        )
    ],
    '<doc xmlns="urn:t" n="1"><head/><zz/></doc>': [
        (
            3,
            "rng:element-not-allowed",
            "<zz> is not allowed here: move or remove it, or check its name and namespace.",
        )
    ],
    '<doc xmlns="urn:t" n="1"><head/>x<p/></doc>': [
        (
            1,
            "rng:text-not-allowed",
            "Text is not allowed in <doc> here: wrap it in an element allowed here, or remove it.",
        )
    ],
    '<doc xmlns="urn:t" n="1"><head/><num>x</num></doc>': [
        (3, "rng:value-invalid", 'The value "x" is not a valid decimal.')
    ],
    '<doc xmlns="urn:t" n="1"><head/><num><hi/></num></doc>': [
        (3, "rng:value-invalid", "<num> holds a value: it may not contain elements.")
    ],
    '<doc xmlns="urn:t" n="1"><head/><both><a/></both></doc>': [
        (3, "rng:element-missing", "A <b> is missing here: add it.")
    ],
    '<doc xmlns="urn:t" n="1"><head/><lst>1 x</lst></doc>': [
        (3, "rng:value-invalid", '"x" is not valid in this list, or one item too many.')
    ],
    '<dok xmlns="urn:t" n="1"><head/></dok>': [
        (1, "rng:element-not-allowed", "<dok> is not allowed here: <doc> is expected.")
    ],
    '<doc n="1"><head/></doc>': [(1, "rng:element-not-allowed", "<doc> needs its namespace here.")],
}

LIBXML2_WORDS = re.compile(
    r"Expecting|Did not expect|Extra element|Invalid attribute|failed to validate|"
    r"doesn't allow|Error validating|redefined|Datatype element"
)


def _report(text: str) -> list[tuple[int, str, str]]:
    schema = etree.RelaxNG(etree.fromstring(GRAMMAR))
    tree = etree.fromstring(text.replace("><", ">\n<")).getroottree()
    assert not schema.validate(tree)
    found = libxml.diagnostics(list(schema.error_log), Document(tree))
    return [(d.line, d.rule, d.message) for d in found]


@pytest.mark.parametrize("text", sorted(CASES))
def test_libxml2s_report_is_said_in_teikits_words(text: str) -> None:
    assert _report(text) == CASES[text]


def test_an_extra_element_in_an_interleave_is_placed_at_its_element() -> None:
    # libxml2 logs this entry at line 0, naming <a> only; the next entry stands where
    # libxml2 stopped: the second <a>, on line 6
    [(line, rule, message)] = _report(
        '<doc xmlns="urn:t" n="1"><head/><both><a/><b/><a/></both></doc>'
    )
    assert (line, rule, message) == (
        6,
        "rng:element-not-allowed",
        "<a> appears more often than allowed here.",
    )


def test_no_message_of_the_fallback_is_libxml2s() -> None:
    for text in CASES:
        assert not [m for _, _, m in _report(text) if LIBXML2_WORDS.search(m)]
