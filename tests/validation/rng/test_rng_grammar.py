"""The grammar index, its nodes and its simplification, on small grammars (libxml2, which
compiles both the original and the reduced grammar, is the oracle)."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from lxml import etree

from teikit.validation.rng import grammar, nodes, simplify
from teikit.validation.rng.nodes import Node

RNG = "http://relaxng.org/ns/structure/1.0"

SMALL = f"""<grammar xmlns="{RNG}" xmlns:x="urn:x"
    datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="doc"/></start>
  <div>
    <define name="doc"><element name="doc"><ref name="atts"/>
      <zeroOrMore><choice><ref name="p"/><ref name="rel"/><ref name="x"/></choice></zeroOrMore>
    </element></define>
  </div>
  <define name="atts"><optional><attribute name="type"><choice><value>a&lt;b</value>
    <value>c&amp;"d"</value></choice></attribute></optional></define>
  <define name="p"><element name="p"><text/></element></define>
  <define name="rel"><element name="rel"><oneOrMore><ref name="rel"/></oneOrMore>
    </element></define>
  <define name="x"><element name="x:note"><data type="token"/></element></define>
</grammar>"""


@pytest.fixture()
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> grammar.Grammar:
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path))
    found = grammar.index(SMALL.encode(), "small", str(tmp_path / "small.rng"))
    assert isinstance(found, grammar.Grammar)
    return found


def test_a_node_survives_the_disk_form() -> None:
    node = Node("value", (("type", "token"),), (("x", "urn:x"),), 'a<b&"c"', (), "")
    tree = Node("choice", kids=(node, Node("empty")))
    assert nodes.from_plain(marshal.loads(marshal.dumps(nodes.plain(tree)))) == tree


def test_values_are_escaped_by_construction(small: grammar.Grammar) -> None:
    written = small.reduced(frozenset({"doc"}))
    values = etree.fromstring(written).findall(f".//{{{RNG}}}value")
    assert sorted(v.text for v in values) == ["a<b", 'c&"d"']


def test_the_cached_index_equals_the_fresh_one(small: grammar.Grammar, tmp_path: Path) -> None:
    again = grammar.index(b"", "small", "")  # from the disk cache: no bytes needed
    assert isinstance(again, grammar.Grammar)
    assert again.reduced(frozenset({"doc", "p"})) == small.reduced(frozenset({"doc", "p"}))


def test_an_element_that_can_only_contain_itself_is_not_productive(small: grammar.Grammar) -> None:
    known = {name: small.body(name) for name in ("doc", "atts", "p", "rel", "x")}
    refs = {name: small.defines[name].refs for name in known}
    assert simplify.productive(known, refs, None) == {"doc", "atts", "p", "x"}


def test_a_reduced_grammar_gives_the_full_grammars_verdicts(small: grammar.Grammar) -> None:
    full = etree.RelaxNG(etree.fromstring(SMALL.encode()))
    docs = [
        '<doc type="a&lt;b"><p>t</p></doc>',
        "<doc><p>t</p><p/></doc>",
        '<doc type="e"/>',
        "<doc><rel/></doc>",
        '<doc xmlns:x="urn:x"><x:note>n</x:note></doc>',
        "<doc>text</doc>",
    ]
    for text in docs:
        doc = etree.fromstring(text)
        names = frozenset(e.tag for e in doc.iter())
        reduced = etree.RelaxNG(etree.fromstring(small.reduced(names)))
        assert reduced.validate(doc) == full.validate(doc), text


def test_groups_are_spliced_and_empty_dropped() -> None:
    group = Node("group", kids=(Node("empty"), Node("ref", name="a")))
    assert simplify.sequence((group, Node("text"))) == (Node("ref", name="a"), Node("text"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f'<element xmlns="{RNG}" name="a"><empty/></element>', "its root is not <grammar>"),
        (f'<grammar xmlns="{RNG}"><include href="x.rng"/></grammar>', "it uses <include>"),
        (
            f'<grammar xmlns="{RNG}"><start><ref name="a"/></start><define name="a" '
            'combine="choice"><empty/></define></grammar>',
            "it combines defines",
        ),
    ],
)
def test_a_schema_that_cannot_be_reduced_says_why(
    text: str, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEIKIT_CACHE_DIR", str(tmp_path))
    found = grammar.index(text.encode(), reason, "")
    assert isinstance(found, grammar.Whole) and found.reason == reason
