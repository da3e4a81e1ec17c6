"""Plays (issue 13): the speaker (``sp/@who``) links to the cast list entry when the cast
list has one for that speaker (``castItem``/``role`` with that ``xml:id``, or one whose
``@corresp`` names the person), else to the person's index entry; the index counts the
speeches, also those whose ``@who`` names a role that corresponds to the person."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.epub import epub_bytes

from helpers import epubcheck, nu

NS = {"h": "http://www.w3.org/1999/xhtml"}

PLAY = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt><title>A play</title></titleStmt>
      <publicationStmt><p>Test data.</p></publicationStmt>
      <sourceDesc><p>Written for teikit's tests.</p></sourceDesc>
    </fileDesc>
    <profileDesc><particDesc><listPerson>
      <person xml:id="anna"><persName>Anna</persName></person>
      <person xml:id="boris"><persName>Boris</persName></person>
      <person xml:id="vera"><persName>Vera</persName></person>
    </listPerson></particDesc></profileDesc>
  </teiHeader>
  <text>
    <front>
      <castList>
        <head>Persons</head>
        <castItem><role xml:id="role-anna" corresp="#anna">Anna</role>, a doctor</castItem>
        <castItem xml:id="cast-boris" corresp="#boris"><role>Boris</role>, her brother</castItem>
        <castItem><role>Vera</role>, a neighbour</castItem>
      </castList>
    </front>
    <body>
      <div type="act"><head>Act one</head>
        <sp who="#role-anna"><speaker>Anna</speaker><p>Who is there?</p></sp>
        <sp who="#boris"><speaker>Boris</speaker><p>Me.</p></sp>
        <sp who="#vera"><speaker>Vera</speaker><p>And me.</p></sp>
        <sp who="#anna"><speaker>Anna</speaker><p>Come in.</p></sp>
      </div>
    </body>
  </text>
</TEI>
"""


@pytest.fixture
def play(tmp_path: Path) -> Path:
    (tmp_path / "play.xml").write_text(PLAY, encoding="utf-8")
    return tmp_path / "play.xml"


def page(path: Path) -> lhtml.HtmlElement:
    return lhtml.document_fromstring(teikit.load(path).to_html().output.encode("utf-8"))


def test_speakers_link_to_their_cast_entry_else_to_the_index(play: Path) -> None:
    tree = page(play)
    links = tree.xpath("//p[contains(@class, 'tei-speaker')]/a/@href")
    assert links == ["#role-anna", "#cast-boris", "#idx-vera", "#role-anna"]
    ids = set(tree.xpath("//@id"))
    assert {h[1:] for h in links} <= ids
    # the cast entries are in the cast list
    assert tree.xpath("//*[@id='role-anna']/ancestor::div[contains(@class, 'tei-castList')]")
    assert tree.xpath("//*[@id='cast-boris']/ancestor::div[contains(@class, 'tei-castList')]")


def test_the_index_counts_every_speech_of_a_person_even_through_a_role(play: Path) -> None:
    tree = page(play)
    counts = {
        li.get("id"): li.xpath("string(a[@class='speeches'])")
        for li in tree.xpath("//section[@id='tk-index']//li")
    }
    assert counts == {
        "idx-anna": "speeches: 2",
        "idx-boris": "speeches: 1",
        "idx-vera": "speeches: 1",
    }


def test_epub_speakers_link_across_documents(play: Path) -> None:
    data, _ = epub_bytes(teikit.load(play))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist() if n.endswith(".xhtml")}
    ids = {
        f"{name.removeprefix('OEBPS/')}#{i}"
        for name, body in files.items()
        for i in etree.fromstring(body).xpath("//@id")
    }
    hrefs = [
        href
        for body in files.values()
        for href in etree.fromstring(body).xpath(
            "//h:p[contains(@class, 'tei-speaker')]/h:a/@href", namespaces=NS
        )
    ]
    assert [h.split("#")[1] for h in hrefs] == ["role-anna", "cast-boris", "idx-vera", "role-anna"]
    assert set(hrefs) <= ids


@pytest.mark.slow
def test_play_outputs_pass_epubcheck_and_the_nu_checker(play: Path, tmp_path: Path) -> None:
    doc = teikit.load(play)
    html = tmp_path / "play.html"
    html.write_text(doc.to_html().output, encoding="utf-8")
    book = tmp_path / "play.epub"
    doc.to_epub(book)
    assert {p.name: epubcheck.problems(m) for p, m in epubcheck.check([book]).items()} == {
        "play.epub": []
    }
    assert [str(d) for d in nu.errors([html])] == []
