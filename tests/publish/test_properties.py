"""Property: for any small TEI document, text and HTML never fail and never lose a word.

Documents are generated with nested divisions, paragraphs, highlighting, names, choices,
notes, verse, speeches, lists, page breaks and elements no stylesheet knows, filled with
random Unicode letters and punctuation (Cyrillic included). Sibling elements are kept
apart by spaces, so a "word" is unambiguous: the expected words are those of the reading
text (the corrected side of each choice) and must all occur in both outputs.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lhtml

import teikit

from helpers.wordcheck import nfc

T = "{http://www.tei-c.org/ns/1.0}"
CYRILLIC = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЯ", min_size=1, max_size=9)
UNICODE = st.text(alphabet=st.characters(categories=("L", "N", "P")), min_size=1, max_size=9)
WORDS = st.lists(st.one_of(CYRILLIC, UNICODE), min_size=1, max_size=5).map(" ".join)


def el(tag: str, *children: etree._Element | str) -> etree._Element:
    """An element whose text and child elements are separated by spaces."""
    e = etree.Element(tag if tag.startswith("{") else T + tag)
    e.text = " "
    for child in children:
        if isinstance(child, str):
            if len(e):
                e[-1].tail = (e[-1].tail or " ") + child + " "
            else:
                e.text += child + " "
        else:
            e.append(child)
            child.tail = " "
    return e


def inline(depth: int) -> st.SearchStrategy[etree._Element | str]:
    leaf = st.one_of(
        WORDS,
        WORDS.map(lambda w: el("persName", w)),
        st.tuples(WORDS, WORDS).map(lambda p: el("choice", el("sic", p[0]), el("corr", p[1]))),
        WORDS.map(lambda w: el("note", w)),
        WORDS.map(lambda w: el("mysteryInline", w)),
        WORDS.map(lambda w: el("{urn:x-other}thing", w)),
        st.integers(1, 99).map(lambda n: etree.Element(T + "pb", n=str(n))),
    )
    if depth <= 0:
        return leaf
    nested = st.lists(inline(depth - 1), min_size=1, max_size=3)
    return st.one_of(
        leaf, nested.map(lambda c: el("hi", *c)), nested.map(lambda c: el("quote", *c))
    )


PHRASES = st.lists(inline(2), min_size=1, max_size=4)


def blocks(depth: int) -> st.SearchStrategy[etree._Element]:
    p = PHRASES.map(lambda c: el("p", *c))
    lg = st.lists(PHRASES.map(lambda c: el("l", *c)), min_size=1, max_size=3).map(
        lambda ls: el("lg", *ls)
    )
    sp = st.tuples(
        WORDS,
        st.lists(
            st.one_of(p, WORDS.map(lambda w: el("stage", w)), PHRASES.map(lambda c: el("l", *c))),
            min_size=1,
            max_size=3,
        ),
    ).map(lambda t: el("sp", el("speaker", t[0]), *t[1]))
    items = st.lists(PHRASES.map(lambda c: el("item", *c)), min_size=1, max_size=3).map(
        lambda its: el("list", *its)
    )
    unknown = st.lists(p, min_size=1, max_size=2).map(lambda ps: el("mysteryBlock", *ps))
    leaf = st.one_of(p, lg, sp, items, unknown)
    if depth <= 0:
        return leaf
    div = st.tuples(st.none() | WORDS, st.lists(blocks(depth - 1), min_size=1, max_size=3)).map(
        lambda t: el("div", *([el("head", t[0])] if t[0] else []), *t[1])
    )
    return st.one_of(leaf, div)


def document(body: list[etree._Element]) -> teikit.Document:
    header = el(
        "teiHeader",
        el(
            "fileDesc",
            el("titleStmt", el("title", "Случайный")),
            el("publicationStmt", el("p", "x")),
            el("sourceDesc", el("p", "y")),
        ),
    )
    root = el("TEI", header, el("text", el("body", *body)))
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "ru")
    return teikit.Document(etree.ElementTree(etree.fromstring(etree.tostring(root))))


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def expected(doc: teikit.Document) -> Counter[str]:
    """Words of the reading text: everything in <text> but the sic side of a choice."""
    text = doc.xpath("//tei:text")[0]
    return tokens(
        nfc(  # as the outputs spell it (Gurmukhi "ਲ਼" is "ਲ" and a nukta in NFC)
            " ".join(
                s
                for s in text.xpath(
                    ".//text()[not(ancestor::tei:sic)]", namespaces={"tei": T[1:-1]}
                )
            )
        )
    )


def missing_words(want: Counter[str], got: Counter[str]) -> dict[str, int]:
    return {w: n - got[w] for w, n in want.items() if got[w] < n}


def html_tokens(page: str) -> Counter[str]:
    tree = lhtml.document_fromstring(page.encode("utf-8"))
    for ref in tree.xpath("//*[contains(@class, 'noteref')]"):
        ref.text, ref.tail = " " + (ref.text or ""), " " + (ref.tail or "")
    body = tree.find("body")
    return tokens(body.text_content() + " " + " ".join(body.xpath(".//@title")))


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(st.lists(blocks(2), min_size=1, max_size=3))
def test_text_keeps_every_word(body: list[etree._Element]) -> None:
    doc = document(body)
    assert missing_words(expected(doc), tokens(doc.to_text().output)) == {}


@SETTINGS
@given(st.lists(blocks(2), min_size=1, max_size=3))
def test_html_keeps_every_word(body: list[etree._Element]) -> None:
    doc = document(body)
    assert missing_words(expected(doc), html_tokens(doc.to_html().output)) == {}


@SETTINGS
@given(st.lists(blocks(1), min_size=1, max_size=2), st.integers(0, 40))
def test_wrapping_keeps_the_words_in_order(body: list[etree._Element], width: int) -> None:
    doc = document(body)
    assert doc.to_text(width=width).output.split() == doc.to_text().output.split()
