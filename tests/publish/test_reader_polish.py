"""Reader polish of issue 13 that its audit (2 Dec) found untested or incomplete: dark mode,
index entries with the same label told apart, a register entry's note as its description,
the sigla of every reading marked alike, a biblStruct read as a citation."""

from __future__ import annotations

import re

from lxml import html as lhtml

import teikit
from teikit.loading import parse_bytes

from conftest import DATA

HEAD = """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="de"><teiHeader><fileDesc>
<titleStmt><title>T</title></titleStmt><publicationStmt><p/></publicationStmt>
<sourceDesc><p/></sourceDesc></fileDesc></teiHeader><text><body>{body}</body>
<back>{back}</back></text></TEI>"""


def page(body: str, back: str = "") -> lhtml.HtmlElement:
    doc = teikit.Document(parse_bytes(HEAD.format(body=body, back=back).encode(), "mem.xml"))
    return lhtml.document_fromstring(doc.to_html().output.encode())


def index_entries(persons: str) -> list[str]:
    ids = re.findall(r'xml:id="(\w+)"', persons)
    body = "<p>" + " ".join(f'<persName ref="#{i}">{i}</persName>' for i in ids) + "</p>"
    tree = page(body, f"<listPerson>{persons}</listPerson>")
    return [
        " ".join(li.text_content().split()).split(" — ")[0]
        for li in tree.xpath("//li[starts-with(@id, 'idx-')]")
    ]


def test_html_has_dark_colours_when_the_reader_asks_for_them() -> None:
    css = page("<p>x</p>").xpath("string(//style)")
    [dark] = re.findall(r"@media \(prefers-color-scheme: dark\) \{(.*?)\n\}", css, re.S)
    assert "--paper:" in dark and "--ink:" in dark


def test_entries_with_the_same_name_and_description_are_told_apart() -> None:
    same = "<persName>Johann Strauss</persName><occupation>Komponist</occupation>"
    entries = index_entries(
        f'<person xml:id="p1">{same}</person><person xml:id="p2">{same}</person>'
    )
    assert len(set(entries)) == 2, entries


def test_entries_with_the_same_name_are_told_apart_by_what_is_known() -> None:
    entries = index_entries(
        '<person xml:id="a1"><persName>Karl Kraus</persName><birth when="1874"/></person>'
        '<person xml:id="a2"><persName>Karl Kraus</persName></person>'
        '<person xml:id="a3"><persName>Anna</persName></person>'
    )
    assert entries == ["Anna", "Karl Kraus (1874–)", "Karl Kraus (a2)"]


def test_a_register_entrys_note_describes_it() -> None:
    entries = index_entries(
        '<person xml:id="p1"><persName>Johann Strauss</persName><note>Komponist</note></person>'
    )
    assert entries == ["Johann Strauss Komponist"]


def test_the_sigla_of_every_reading_are_marked_as_sigla() -> None:
    tree = lhtml.document_fromstring(
        teikit.load(DATA / "structures" / "manuscript.xml").to_html().output.encode()
    )
    [first, _] = tree.xpath("//section[@class='apparatus']//li")
    assert first.xpath(".//span[@class='wit']/text()") == ["A", "B", "Cpr"]


def test_a_bibl_struct_reads_as_a_citation() -> None:
    struct = (
        "<listBibl><biblStruct><monogr><author>Becquerel</author><title>Sur les radiations"
        "</title><imprint><pubPlace>Paris</pubPlace><publisher>Gauthier</publisher>"
        "<date>1896</date></imprint></monogr></biblStruct></listBibl>"
    )
    [item] = page(struct).xpath("//li")
    assert " ".join(item.text_content().split()) == (
        "Becquerel. Sur les radiations, Paris, Gauthier, 1896"
    )
