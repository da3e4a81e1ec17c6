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
XHTML = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
TITLE = "Проблемы развития СССР"
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
def book(edition: teikit.Document) -> dict[str, etree._Element]:
    """The EPUB's package and content documents, parsed, by their name under OEBPS/."""
    with zipfile.ZipFile(io.BytesIO(epub_bytes(edition)[0])) as epub:
        return {
            name.removeprefix("OEBPS/"): etree.fromstring(epub.read(name))
            for name in epub.namelist()
            if name.endswith((".xhtml", ".opf"))
        }


@pytest.fixture(scope="module")
def opf(book: dict[str, etree._Element]) -> etree._Element:
    return book["content.opf"]


def spine(book: dict[str, etree._Element]) -> list[str]:
    opf = book["content.opf"]
    hrefs = {i.get("id"): i.get("href") for i in opf.xpath("//opf:item", namespaces=OPF)}
    return [hrefs[r] for r in opf.xpath("//opf:itemref/@idref", namespaces=OPF)]


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


def test_the_epub_has_one_title_block_the_texts_own_title_page(
    book: dict[str, etree._Element],
) -> None:
    """title.xhtml repeated the title as an h1 above the source and licence lines, before
    the text's own title page: the reader saw the title twice."""
    order = spine(book)
    titles = [
        (name, " ".join("".join(h1.itertext()).split()))
        for name in order
        for h1 in book[name].xpath("//h:h1", namespaces=XHTML)
        if TITLE in "".join(h1.itertext())
    ]
    assert titles == [(order[0], TITLE)]
    assert book[order[0]].xpath("//h:div[@class='tei-titlePage']", namespaces=XHTML)
    landmark = book["nav.xhtml"].xpath(
        "//h:nav[@epub:type='landmarks']//h:a[@epub:type='titlepage']/@href", namespaces=XHTML
    )
    assert landmark == [order[0]]


def test_the_epub_imprint_follows_the_title_page_with_source_licence_and_pages(
    book: dict[str, etree._Element],
) -> None:
    order = spine(book)
    (imprint,) = [n for n in order if book[n].xpath("//*[@epub:type='imprint']", namespaces=XHTML)]
    assert order.index(imprint) == 1
    lines = [words(p) for p in book[imprint].xpath("//h:p", namespaces=XHTML)]
    assert [line.split(":", 1)[0] for line in lines[:3]] == [
        "Источник",
        "Лицензия",
        "Номера страниц",
    ]
