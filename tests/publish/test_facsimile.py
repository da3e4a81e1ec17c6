"""Manuscripts' facsimiles (issue 13): ``pb/@facs`` and ``facsimile/surface/graphic`` shown
where the image is a local file inside the document's folder, never when it is remote or
missing (a warning ``xslt:facsimile-unavailable`` instead).

HTML shows each page's image beside the page (linked to itself), EPUB copies it into the
book and declares it in the manifest, the text names it in a marker beside the page
number; surfaces that no page break points to are shown after the text.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.document import Document
from teikit.epub import epub_bytes

from conftest import DATA
from helpers import epubcheck, nu

PNG = DATA / "structures" / "figure1.png"
NS = {"h": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}

MANUSCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="en">
  <teiHeader><fileDesc>
    <titleStmt><title>Leaves</title></titleStmt>
    <publicationStmt><p>Test data.</p></publicationStmt>
    <sourceDesc><p>A notebook.</p></sourceDesc>
  </fileDesc></teiHeader>
  <facsimile>
    <surface xml:id="f1" n="1r"><graphic url="img/f1.png"/></surface>
    <surface xml:id="f2"><graphic url="https://example.org/f2.png"/></surface>
    <surface xml:id="f3"><graphic url="img/missing.png"/></surface>
    <surface xml:id="f4" n="cover"><graphic url="img/cover.png"/></surface>
    <surface xml:id="f5"><graphic url="../outside.png"/></surface>
  </facsimile>
  <text><body><div>
    <pb n="1r" facs="#f1"/><p>First page.</p>
    <pb n="1v" facs="#f2"/><p>Second page.</p>
    <pb n="2r" facs="#f3"/><p>Third page.</p>
    <pb n="2v" facs="img/f1.png"/><p>Fourth page.</p>
    <pb n="3r" facs="#f5"/><p>Fifth page.</p>
  </div></body></text>
</TEI>
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The manuscript with two local images (f1, the cover), one missing, one remote and
    one outside the document's folder (which exists, and must still not be used)."""
    work = tmp_path / "ms"
    (work / "img").mkdir(parents=True)
    shutil.copy(PNG, work / "img" / "f1.png")
    shutil.copy(PNG, work / "img" / "cover.png")
    shutil.copy(PNG, tmp_path / "outside.png")
    (work / "ms.xml").write_text(MANUSCRIPT, encoding="utf-8")
    return work


def test_html_shows_each_local_page_image_beside_its_page(folder: Path) -> None:
    result = teikit.load(folder / "ms.xml").to_html()
    tree = lhtml.document_fromstring(result.output.encode("utf-8"))
    shown = [
        (
            a.getprevious().get("id"),
            a.get("href"),
            a.find("img").get("src"),
            a.find("img").get("alt"),
        )
        for a in tree.xpath("//main//a[@class='facs']")
        if a.getprevious() is not None and a.getprevious().get("class") == "pb"
    ]
    assert shown == [
        ("page-1r", "img/f1.png", "img/f1.png", "Facsimile: Page 1r"),
        ("page-2v", "img/f1.png", "img/f1.png", "Facsimile: Page 2v"),
    ]


def test_html_never_names_a_remote_missing_or_outside_image(folder: Path) -> None:
    page = teikit.load(folder / "ms.xml").to_html().output
    for name in ("example.org", "missing.png", "outside.png"):
        assert name not in page


def test_unpaged_surfaces_are_shown_after_the_text(folder: Path) -> None:
    tree = lhtml.document_fromstring(teikit.load(folder / "ms.xml").to_html().output)
    (section,) = tree.xpath("//section[@id='tk-facsimile']")
    assert section.findtext("h2") == "Facsimile"
    assert [
        (f.find(".//img").get("src"), f.findtext("figcaption")) for f in section.iter("figure")
    ] == [("img/cover.png", "cover")]


def test_unavailable_images_are_one_located_warning(folder: Path) -> None:
    found = teikit.load(folder / "ms.xml").to_html().diagnostics
    warnings = [d for d in found if d.rule == "xslt:facsimile-unavailable"]
    assert [(d.severity.value, d.line) for d in warnings] == [("warning", 17)]
    assert warnings[0].message.startswith("3 facsimile image(s), the first 'https://example.org")


def test_a_page_may_name_its_surface_by_an_image_name(tmp_path: Path) -> None:
    # Schnitzler letters: pb/@facs is the graphic's url (an IIIF identifier, not a file)
    (tmp_path / "l.xml").write_text(
        MANUSCRIPT.replace('facs="#f1"', 'facs="img/f1.png"').replace(
            'facs="#f2"', 'facs="https://example.org/f2.png"'
        ),
        encoding="utf-8",
    )
    (tmp_path / "img").mkdir()
    shutil.copy(PNG, tmp_path / "img" / "f1.png")
    shutil.copy(PNG, tmp_path / "img" / "cover.png")
    tree = lhtml.document_fromstring(teikit.load(tmp_path / "l.xml").to_html().output)
    # f1 and f2 are the pages' surfaces, not shown again after the text
    assert tree.xpath("//section[@id='tk-facsimile']//img/@src") == ["img/cover.png"]


def test_epub_copies_and_declares_the_images_it_shows(folder: Path) -> None:
    data, found = epub_bytes(teikit.load(folder / "ms.xml"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    images = sorted(n for n in files if n.startswith("OEBPS/images/"))
    assert [files[n] for n in images] == [PNG.read_bytes()] * 2
    opf = etree.fromstring(files["OEBPS/content.opf"])
    declared = opf.xpath("//opf:item[starts-with(@href, 'images/')]/@href", namespaces=NS)
    assert sorted("OEBPS/" + h for h in declared) == images
    srcs = [
        src
        for name, body in files.items()
        if name.endswith(".xhtml")
        for src in etree.fromstring(body).xpath("//h:img/@src", namespaces=NS)
    ]
    assert sorted(set(srcs)) == [n.removeprefix("OEBPS/") for n in images]
    assert len(srcs) == 3  # two pages and the cover
    assert "OEBPS/facsimile.xhtml" in files
    assert b"example.org" not in b"".join(files.values())
    assert {d.rule for d in found} == {"xslt:facsimile-unavailable"}


def test_text_names_the_facsimile_in_a_marker_only(folder: Path) -> None:
    doc = teikit.load(folder / "ms.xml")
    marked = doc.to_text(page_markers=True).output
    assert "[1r] [Facsimile: img/f1.png]" in marked
    assert "[1v]" in marked and "[1v] [" not in marked
    assert "example.org" not in marked and "missing.png" not in marked
    assert "Facsimile" not in doc.to_text().output


def test_a_document_built_in_memory_shows_no_facsimile(folder: Path) -> None:
    doc = Document(etree.parse(str(folder / "ms.xml")))  # no path: no folder to trust
    assert "<img" not in doc.to_html().output


@pytest.mark.slow
def test_facsimile_outputs_pass_epubcheck_and_the_nu_checker(folder: Path, tmp_path: Path) -> None:
    doc = teikit.load(folder / "ms.xml")
    page = folder / "ms.html"
    page.write_text(doc.to_html().output, encoding="utf-8")
    book = tmp_path / "ms.epub"
    doc.to_epub(book)
    assert {p.name: epubcheck.problems(m) for p, m in epubcheck.check([book]).items()} == {
        "ms.epub": []
    }
    assert [str(d) for d in nu.errors([page])] == []
