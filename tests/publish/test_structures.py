"""The structures of other people's TEI (issue 13), one fixture each in tests/data/structures:
a letter, a dictionary, a manuscript page with a critical apparatus, an inscription (Leiden
conventions) and an article (figure, table, lists, links, bibliography, quotations).

Each fixture has a golden text output (NAME.txt beside it); the HTML and EPUB facts are
asserted one per test.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.epub import epub_bytes

from conftest import DATA
from helpers.wordcheck import html_reading, integrity, source_words, text_reading

HERE = DATA / "structures"
NAMES = ["letter", "dictionary", "manuscript", "inscription", "article"]
XHTML = {"h": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}


def html(name: str) -> lhtml.HtmlElement:
    page = teikit.load(HERE / f"{name}.xml").to_html().output
    return lhtml.document_fromstring(page.encode("utf-8"))


def visible(el: lhtml.HtmlElement) -> str:
    return " ".join(el.text_content().split())


@pytest.mark.parametrize("name", NAMES)
def test_golden_text(name: str) -> None:
    expected = (HERE / f"{name}.txt").read_text(encoding="utf-8")
    assert teikit.load(HERE / f"{name}.xml").to_text().output == expected


@pytest.mark.parametrize("name", NAMES)
def test_no_word_fused_or_split(name: str) -> None:
    doc = teikit.load(HERE / f"{name}.xml")
    words = source_words(doc.tree.getroot())
    for output in (text_reading(doc.to_text().output), html_reading(doc.to_html().output)):
        found = integrity(words, output)
        assert (found.fused, found.split, found.examples) == (0, 0, [])


@pytest.mark.parametrize("name", NAMES)
def test_every_internal_link_has_its_target(name: str) -> None:
    tree = html(name)
    ids = set(tree.xpath("//@id"))
    targets = {h[1:] for h in tree.xpath("//a/@href") if h.startswith("#")}
    assert targets - ids == set()


# ----- letters ----------------------------------------------------------------------------


def test_letter_shows_the_correspondence_as_a_header_block() -> None:
    [block] = html("letter").xpath("//header//div[@class='corresp']")
    assert [visible(p) for p in block] == [
        "Von: Hermann Bahr, Wien, 24. 12. 1899",
        "An: Arthur Schnitzler, Wien",
    ]


def test_letter_title_is_the_letter_and_the_series_stands_apart() -> None:
    tree = html("letter")
    assert tree.findtext(".//h1") == "Hermann Bahr an Arthur Schnitzler, 24. 12. 1899"
    assert tree.xpath("//p[@class='series']/text()") == ["Reihe: Briefwechsel (Beispiel)"]


def test_letter_author_in_display_form() -> None:
    assert html("letter").xpath("//p[@class='author']/text()") == ["Hermann Bahr"]


def test_letter_address_lines_are_lines() -> None:
    lines = html("letter").xpath("//*[contains(@class, 'tei-addrLine')]")
    assert [visible(x) for x in lines] == ["Herrn", "Arthur Schnitzler", "Wien"]


# ----- dictionaries -----------------------------------------------------------------------


def test_dictionary_entry_per_block() -> None:
    assert len(html("dictionary").xpath("//div[contains(@class, 'tei-entry')]")) == 2


def test_dictionary_senses_are_numbered_when_there_are_several() -> None:
    assert html("dictionary").xpath("//span[@class='sense-n']/text()") == ["1. ", "2. "]


def test_dictionary_translations_have_no_quotation_marks() -> None:
    [entry] = html("dictionary").xpath("//div[@id='aqueste']")
    assert visible(entry) == "aqueste aˈkeste pronoun masculine aquest"


def test_dictionary_cross_reference_links_to_the_entry() -> None:
    assert html("dictionary").xpath("//span[contains(@class,'tei-xr')]/a/@href") == ["#aqueste"]


# ----- manuscripts and apparatus ----------------------------------------------------------


def test_apparatus_entries_are_visible_with_sigla_and_om() -> None:
    entries = html("manuscript").xpath("//section[@class='apparatus']//li")
    assert [visible(e) for e in entries] == [
        "1:1 quick] A swift B; om. Cpr ↩",
        "1:2 over] A B above Cpr (in the margin) — A later hand. ↩",
    ]


def test_apparatus_marks_link_both_ways() -> None:
    tree = html("manuscript")
    for mark in tree.xpath("//a[@class='app-ref']"):
        [entry] = tree.xpath("//li[@id=$i]", i=mark.get("href")[1:])
        assert entry.xpath(".//a[@class='backlink']/@href") == ["#" + mark.get("id")]


def test_page_break_shows_its_local_facsimile() -> None:
    tree = html("manuscript")
    assert tree.xpath("//a[@class='facs']/@href") == ["figure1.png"]
    assert tree.xpath("//a[@class='facs']/img/@src") == ["figure1.png"]


def test_transcription_marks_are_styled() -> None:
    tree = html("manuscript")
    assert tree.xpath("//del/text()") == ["writen"] and tree.xpath("//ins/text()") == ["written"]
    assert (
        tree.xpath("//span[contains(@class,'tei-supplied')]/text()") == ["[", "]"]
        or visible(tree.xpath("//span[contains(@class,'tei-supplied')]")[0]) == "[one]"
    )


# ----- inscriptions -----------------------------------------------------------------------


def test_inscription_follows_leiden_conventions() -> None:
    text = teikit.load(HERE / "inscription.xml").to_text().output
    # a dot below each unclear letter (NFC: "ṛ" and "ọ" are letters of their own); each lb
    # begins a line of the inscription
    assert "I(ovi) O(ptimo) M(aximo)\nsac[rum] p\u0323\u1e5b\u1ecd salute\n[…] fecit" in text


# ----- articles ---------------------------------------------------------------------------


def test_figure_image_with_alt_text_from_figdesc() -> None:
    [img] = html("article").xpath("//figure/img")
    assert (img.get("src"), img.get("alt")) == ("figure1.png", "Un rectangle orange sur fond blanc")
    assert html("article").xpath("//figcaption/text()") == ["Figure 1. Un carré"]


def test_table_keeps_rows_columns_and_labels() -> None:
    tree = html("article")
    assert tree.xpath("//table//th/text()") == ["Élément", "Masse", "Note"]
    assert tree.xpath("//td[@rowspan='2']/text()") == ["stable"]
    assert tree.xpath("//td[@colspan='2']/text()") == ["Polonium, 209"]


def test_lists_by_type() -> None:
    tree = html("article")
    assert tree.xpath("//div[contains(@class,'type-bulleted')]/ul/li/text()") == ["un", "deux"]
    assert tree.xpath("//div[contains(@class,'type-ordered')]/ol/li/text()") == [
        "premier",
        "second",
    ]
    assert tree.xpath("//dl[@class='gloss']/dt/text()") == ["Ra", "Po"]


def test_refs_link_when_the_target_exists_and_warn_otherwise() -> None:
    result = teikit.load(HERE / "article.xml").to_html()
    tree = lhtml.document_fromstring(result.output.encode("utf-8"))
    links = tree.xpath("//p//a/@href")
    assert links == ["#fig1", "#tab1", "https://example.org/", "#results"]
    assert [d.rule for d in result.diagnostics] == ["xslt:unresolved-target"]


def test_quotation_marks_of_the_language_only_where_the_source_has_none() -> None:
    [p] = html("article").xpath("//section[@id='intro']/p")
    assert "Elle dit «\u00a0bonjour\u00a0» et « déjà marqué »." in p.text_content()


def test_epub_carries_the_figure_image_in_its_manifest(tmp_path: Path) -> None:
    data, found = epub_bytes(teikit.load(HERE / "article.xml"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("OEBPS/content.opf"))
        items = opf.xpath("//opf:item[@media-type='image/png']/@href", namespaces=XHTML)
        assert items == ["images/img-001.png"]
        assert z.read("OEBPS/images/img-001.png") == (HERE / "figure1.png").read_bytes()
    assert found == [] or all(d.rule != "epub:image-missing" for d in found)
