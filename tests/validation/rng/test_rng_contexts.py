"""Attributes reduced per element (:mod:`teikit.validation.rng.contexts`): each element
keeps only the attributes documents carry on it, and the verdicts stay the full
grammar's (libxml2, compiling both grammars, is the oracle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from teikit.validation.rng import contexts, grammar

RNG = "http://relaxng.org/ns/structure/1.0"

SHARED = f"""<grammar xmlns="{RNG}" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="doc"/></start>
  <define name="doc"><element name="doc"><ref name="global"/>
    <zeroOrMore><choice><ref name="p"/><ref name="q"/></choice></zeroOrMore></element></define>
  <define name="p"><element name="p"><ref name="global"/><text/></element></define>
  <define name="q"><element name="q"><ref name="global"/>
    <attribute name="who"><data type="token"/></attribute></element></define>
  <define name="global"><ref name="id"/><ref name="rend"/></define>
  <define name="id"><optional><attribute name="id"><data type="NCName"/></attribute></optional>
  </define>
  <define name="rend"><optional><attribute name="rend"><value>bold</value></attribute>
  </optional></define>
</grammar>"""


@pytest.fixture()
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> grammar.Grammar:
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path))
    found = grammar.index(SHARED.encode(), "shared", str(tmp_path / "shared.rng"))
    assert isinstance(found, grammar.Grammar)
    return found


def _reduced_for(shared: grammar.Grammar, *texts: str) -> etree.RelaxNG:
    """The grammar reduced, attributes per element, to what ``texts`` use."""
    on: dict[str, set[str]] = {}
    names: set[str] = set()
    for text in texts:
        for el in etree.fromstring(text).iter():
            names.add(el.tag)
            on.setdefault(el.tag, set()).update(el.attrib)
    attrs = frozenset(a for found in on.values() for a in found)
    kept = {e: frozenset(a) for e, a in on.items()}
    return etree.RelaxNG(etree.fromstring(shared.reduced(frozenset(names), attrs, kept)))


@pytest.mark.parametrize(
    "text",
    [
        '<doc id="d"><p rend="bold">t</p><q who="a"/></doc>',
        '<doc rend="bold"><p id="x">t</p></doc>',
        '<doc><p rend="italic">t</p></doc>',
        "<doc><q/></doc>",
        '<doc><q who="a" rend="bold" id="1"/></doc>',
        '<doc><p who="a">t</p></doc>',
    ],
)
def test_a_grammar_reduced_per_element_gives_the_full_grammars_verdict(
    shared: grammar.Grammar, text: str
) -> None:
    full = etree.RelaxNG(etree.fromstring(SHARED.encode()))
    doc = etree.fromstring(text)
    assert _reduced_for(shared, text).validate(doc) == full.validate(doc)


def test_an_element_keeps_only_the_attributes_carried_on_it(shared: grammar.Grammar) -> None:
    reduced = _reduced_for(shared, '<doc><p rend="bold">t</p></doc>')
    assert reduced.validate(etree.fromstring('<doc><p rend="bold">t</p></doc>'))
    assert not reduced.validate(etree.fromstring('<doc rend="bold"><p>t</p></doc>'))


def test_defines_that_reach_attributes_and_no_element_are_found(
    shared: grammar.Grammar,
) -> None:
    bodies = {name: shared.body(name) for name in shared.defines}
    assert contexts.attribute_defines(bodies) == {
        "global": frozenset({"id", "rend"}),
        "id": frozenset({"id"}),
        "rend": frozenset({"rend"}),
    }
