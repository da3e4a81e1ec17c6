"""What the edition's outputs tell a reader about its names and pages (issue 15).

The renderers' own tests (tests/publish) prove the mechanics on many documents; these tests
read the edition's index and metadata and compare them with the edition's standOff and
page breaks, entry by entry.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.epub import epub_bytes

NS = {"tei": "http://www.tei-c.org/ns/1.0"}
OPF = {"opf": "http://www.idpf.org/2007/opf"}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def words(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


@pytest.fixture(scope="module")
def index(edition: teikit.Document) -> dict[str, str]:
    """Each index entry's text by the entity's xml:id."""
    page = lhtml.document_fromstring(edition.to_html().output.encode("utf-8"))
    return {
        li.get("id").removeprefix("idx-"): words(li)
        for li in page.xpath("//section[@id='tk-index']//li[starts-with(@id, 'idx-')]")
    }


@pytest.fixture(scope="module")
def opf(edition: teikit.Document) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(epub_bytes(edition)[0])) as book:
        return etree.fromstring(book.read("OEBPS/content.opf"))


def entities(edition: teikit.Document) -> list[etree._Element]:
    return edition.xpath("//tei:standOff//*[self::tei:person or self::tei:place or self::tei:org]")


def test_the_index_gives_each_entitys_description(
    edition: teikit.Document, index: dict[str, str]
) -> None:
    """The description (the table's note) follows the name; Громан's "economist, Menshevik
    trial 1931" was in the TEI but in no output."""
    described = {
        e.get(XML_ID): words(e.xpath("tei:note[not(@type = 'editorial')]", namespaces=NS)[0])
        for e in entities(edition)
        if e.xpath("tei:note[not(@type = 'editorial')]", namespaces=NS)
    }
    assert len(described) >= 5
    missing = {key: note for key, note in described.items() if note not in index[key]}
    assert not missing


def test_an_editorial_note_on_an_entity_is_not_its_description(index: dict[str, str]) -> None:
    """vkpb_cc's note says why the edition added it; the index is no place for that."""
    assert "authority table" not in index["vkpb_cc"]


def test_the_index_lists_every_other_name_of_an_entity(
    edition: teikit.Document, index: dict[str, str]
) -> None:
    """Variants and abbreviations alike: 11 of the 13 Comintern mentions read «Коминтерн…»,
    and the entry showed only «Коммунистический Интернационал»."""
    missing = [
        (e.get(XML_ID), words(name))
        for e in entities(edition)
        for name in e.xpath("*[@type = 'variant' or @type = 'abbreviation']", namespaces=NS)
        if words(name) not in index[e.get(XML_ID)]
    ]
    assert not missing
    assert "Коминтерн" in index["comintern"]


def test_the_epub_calls_its_pages_nothing_but_what_page_break_source_says(
    opf: etree._Element,
) -> None:
    """pb/@edRef ties the page breaks to the transcription: the accessibility summary must
    not call them the source edition's pages."""
    summary = opf.xpath(
        "string(//opf:meta[@property='schema:accessibilitySummary'])", namespaces=OPF
    )
    source = opf.xpath("string(//opf:meta[@property='pageBreakSource'])", namespaces=OPF)
    assert "page breaks" in summary.lower() and "source edition" not in summary
    assert source == "страницы транскрипции «Проблемы развития СССР»"
