"""The critical apparatus keyed to the lemma (issue 13): each entry carries the section
reference (the enclosing divisions' ``@n``, else their head's ``@n``, else their position)
and the line (``l/@n``, else the line beginnings ``lb`` of the section: the last one's
``@n`` or their count), in HTML, EPUB and text; the text has an apparatus block after each
top-level division."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.epub import epub_bytes

NS = {"h": "http://www.w3.org/1999/xhtml"}

EDITION = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader><fileDesc>
    <titleStmt><title>Keyed</title></titleStmt>
    <publicationStmt><p>Test data.</p></publicationStmt>
    <sourceDesc><listWit>
      <witness xml:id="A">A</witness><witness xml:id="B">B</witness>
    </listWit></sourceDesc>
  </fileDesc></teiHeader>
  <text><body>
    <div n="I"><head>Book one</head>
      <div n="2"><head>Chapter two</head>
        <p><lb/>first <app><lem wit="#A">line</lem><rdg wit="#B">lyne</rdg></app>
           <lb/>second line <lb/>third <app><lem wit="#A">line</lem><rdg wit="#B"/></app></p>
      </div>
      <div><head n="3">Chapter three</head>
        <p>Opening words <lb n="7"/>seventh
          <app><lem wit="#A">line</lem><rdg wit="#B">row</rdg></app></p>
      </div>
    </div>
    <div><head>Book two</head>
      <lg><l n="12">a <app><lem wit="#A">verse</lem><rdg wit="#B">song</rdg></app></l></lg>
      <div><head>Untitled</head>
        <p>No lines: <app><lem wit="#A">here</lem><rdg wit="#B">there</rdg></app></p></div>
    </div>
  </body></text>
</TEI>
"""

KEYS = ["I.2:1", "I.2:3", "I.3:7", "2:12", "2.1"]


@pytest.fixture
def edition(tmp_path: Path) -> teikit.Document:
    (tmp_path / "keyed.xml").write_text(EDITION, encoding="utf-8")
    return teikit.load(tmp_path / "keyed.xml")


def test_html_entries_are_keyed_by_section_and_line(edition: teikit.Document) -> None:
    tree = lhtml.document_fromstring(edition.to_html().output.encode("utf-8"))
    entries = tree.xpath("//section[@class='apparatus']//li")
    assert [e.findtext("span[@class='entry-n']") for e in entries] == KEYS
    assert " ".join(entries[1].text_content().split()) == "I.2:3 line] A om. B ↩"


def test_text_has_a_keyed_apparatus_block_after_each_book(edition: teikit.Document) -> None:
    text = edition.to_text().output
    first, second = text.split("Book two")
    assert first.split("Apparatus")[1].split() == (
        "I.2:1 line] A lyne B I.2:3 line] A om. B I.3:7 line] A row B".split()
    )
    assert (
        second.split("Apparatus")[1].split() == "2:12 verse] A song B 2.1 here] A there B".split()
    )


def test_epub_entries_carry_the_same_keys(edition: teikit.Document) -> None:
    data, _ = epub_bytes(edition)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        bodies = [z.read(n) for n in sorted(z.namelist()) if n.endswith(".xhtml")]
    keys = [
        key
        for body in bodies
        for key in etree.fromstring(body).xpath(
            "//h:section[@class='apparatus']//h:span[@class='entry-n']/text()", namespaces=NS
        )
    ]
    assert sorted(keys) == sorted(KEYS)


def test_the_hover_title_carries_the_key_too(edition: teikit.Document) -> None:
    tree = lhtml.document_fromstring(edition.to_html().output.encode("utf-8"))
    titles = [t.split(" ", 1)[0] for t in tree.xpath("//main//*[contains(@class, 'app')]/@title")]
    assert titles == KEYS
