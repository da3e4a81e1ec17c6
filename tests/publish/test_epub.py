"""EPUB 3: epubcheck-clean, reproducible, navigable, with Dublin Core and a11y metadata.

epubcheck 5 runs through the shared adapter (tests/helpers/epubcheck.py): one JVM for
every EPUB of the session.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import teikit
from teikit.epub import _zip, epub_bytes

from conftest import DATA
from helpers import epubcheck

OUT = DATA / "outputs"
FIXTURES = ["editorial", "drama", "verse", "prefixed", "xinclude-main"]
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "h": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


@pytest.fixture(scope="module")
def book(edition: teikit.Document) -> bytes:
    return epub_bytes(edition)[0]


@pytest.fixture(scope="module")
def files(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture(scope="module")
def opf(files: dict[str, bytes]) -> etree._Element:
    return etree.fromstring(files["OEBPS/content.opf"])


def meta(opf: etree._Element, prop: str) -> list[str]:
    return opf.xpath("//opf:meta[@property=$p]/text()", namespaces=NS, p=prop)


@pytest.mark.slow
def test_epubcheck_edition_no_errors_no_warnings(book: bytes, output_dir: Path) -> None:
    paths = [output_dir / "edition.epub"]
    paths[0].write_bytes(book)
    for name in FIXTURES:
        paths.append(output_dir / f"{name}.epub")
        teikit.load(OUT / f"{name}.xml").to_epub(paths[-1])
    results = epubcheck.check(paths)
    assert {p.name: epubcheck.problems(m) for p, m in results.items()} == {
        p.name: [] for p in paths
    }


def test_rebuild_is_byte_identical(edition: teikit.Document, book: bytes) -> None:
    assert epub_bytes(teikit.load(edition.path))[0] == book


def test_source_date_epoch_sets_modified_and_zip_times(
    edition: teikit.Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = epub_bytes(edition)[0]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("OEBPS/content.opf"))
        stamps = {i.date_time for i in z.infolist()}
    assert meta(opf, "dcterms:modified") == ["2023-11-14T22:13:20Z"]
    assert stamps == {(2023, 11, 14, 22, 13, 20)}


def test_modified_defaults_to_the_latest_revision(
    opf: etree._Element, edition: teikit.Document
) -> None:
    latest = max(edition.xpath("//tei:revisionDesc//tei:change/@when"))
    assert meta(opf, "dcterms:modified") == [f"{latest}T00:00:00Z"]


def test_modified_uses_the_latest_change_not_the_first() -> None:
    data = epub_bytes(teikit.load(OUT / "editorial.xml"))[0]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert meta(etree.fromstring(z.read("OEBPS/content.opf")), "dcterms:modified") == [
            "2021-05-06T00:00:00Z"
        ]


def test_mimetype_is_first_and_stored(book: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        first = z.infolist()[0]
        assert (first.filename, first.compress_type, z.read(first)) == (
            "mimetype",
            zipfile.ZIP_STORED,
            b"application/epub+zip",
        )
        assert book[30:38] == b"mimetype" and not first.extra


def test_entries_have_fixed_permissions(book: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        assert {i.external_attr >> 16 for i in z.infolist()} == {0o100644}


def test_dublin_core_metadata(opf: etree._Element) -> None:
    dc = {
        name: opf.xpath(f"//dc:{name}/text()", namespaces=NS)
        for name in ("identifier", "title", "creator", "language", "source", "rights")
    }
    assert dc["identifier"][0].startswith("urn:uuid:")
    assert (dc["title"], dc["creator"], dc["language"]) == (
        ["Проблемы развития СССР"],
        ["Лев Троцкий"],
        ["ru"],
    )
    assert "Бюллетень оппозиции" in dc["source"][0] and "CC0" in dc["rights"][0]


def test_creator_has_file_as_refinement(opf: etree._Element) -> None:
    creator_id = opf.xpath("//dc:creator/@id", namespaces=NS)[0]
    (file_as,) = opf.xpath(
        "//opf:meta[@refines=$r][@property='file-as']/text()", namespaces=NS, r=f"#{creator_id}"
    )
    assert file_as.startswith("Троцкий, Лев")


def test_identifier_is_stable_and_derived_from_idno() -> None:
    data = epub_bytes(teikit.load(OUT / "editorial.xml"))[0]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("OEBPS/content.opf"))
    expected = uuid.uuid5(uuid.NAMESPACE_URL, "teikit:idno:teikit-test-editorial")
    assert opf.xpath("//dc:identifier/text()", namespaces=NS) == [f"urn:uuid:{expected}"]


def test_accessibility_metadata(opf: etree._Element) -> None:
    assert meta(opf, "schema:accessMode") == ["textual"]
    assert meta(opf, "schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "pageNavigation", "readingOrder"} <= set(
        meta(opf, "schema:accessibilityFeature")
    )
    assert meta(opf, "schema:accessibilityHazard") == ["none"]
    assert meta(opf, "schema:accessibilitySummary")
    assert meta(opf, "pageBreakSource") == ["страницы транскрипции «Проблемы развития СССР»"]
    assert meta(opf, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]


def test_one_content_document_per_top_level_division(
    opf: etree._Element, edition: teikit.Document
) -> None:
    parts = [h for h in opf.xpath("//opf:item/@href", namespaces=NS) if h.startswith("part-")]
    tops = edition.xpath("//tei:text/tei:front | //tei:text/tei:body/tei:div | //tei:text/tei:back")
    assert len(parts) == len(tops) == 7


def nav(files: dict[str, bytes], kind: str) -> etree._Element:
    tree = etree.fromstring(files["OEBPS/nav.xhtml"])
    return tree.xpath("//h:nav[@epub:type=$k]", namespaces=NS, k=kind)[0]


def resolves(files: dict[str, bytes], href: str) -> bool:
    name, _, fragment = href.partition("#")
    doc = etree.fromstring(files[f"OEBPS/{name}"])
    return not fragment or bool(doc.xpath("//*[@id=$i]", i=fragment))


def test_nav_has_toc_landmarks_and_page_list(files: dict[str, bytes]) -> None:
    toc = nav(files, "toc").xpath(".//h:a/@href", namespaces=NS)
    landmarks = nav(files, "landmarks").xpath(".//h:a/@epub:type", namespaces=NS)
    pages = nav(files, "page-list").xpath(".//h:a", namespaces=NS)
    assert len(toc) > 7 and {"toc", "bodymatter"} <= set(landmarks)
    # page 21 of the transcription holds no text: no marker, no page-list entry
    assert [a.text for a in pages] == [str(n) for n in range(1, 21)]


def test_every_nav_link_resolves(files: dict[str, bytes]) -> None:
    hrefs = etree.fromstring(files["OEBPS/nav.xhtml"]).xpath("//h:a/@href", namespaces=NS)
    assert all(resolves(files, h) for h in hrefs)


def test_page_breaks_are_marked_for_reading_systems(files: dict[str, bytes]) -> None:
    breaks = [
        el
        for name, data in files.items()
        if name.endswith(".xhtml")
        for el in etree.fromstring(data).xpath("//*[@epub:type='pagebreak']", namespaces=NS)
    ]
    assert len(breaks) == 20
    assert all(b.get("role") == "doc-pagebreak" and b.get("aria-label") for b in breaks)


def test_name_links_cross_documents(files: dict[str, bytes]) -> None:
    index = etree.fromstring(files["OEBPS/names.xhtml"])
    backlinks = index.xpath("//h:span[@class='backlinks']/h:a/@href", namespaces=NS)
    assert backlinks and all(resolves(files, h) for h in backlinks)


def test_notes_are_endnotes_with_noterefs() -> None:
    data = epub_bytes(teikit.load(OUT / "editorial.xml"))[0]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        docs = [etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")]
    refs = [a for d in docs for a in d.xpath("//h:a[@epub:type='noteref']", namespaces=NS)]
    notes = [li for d in docs for li in d.xpath("//h:li[@epub:type='endnote']", namespaces=NS)]
    assert len(refs) == len(notes) == 1 and refs[0].get("role") == "doc-noteref"


def test_to_epub_writes_the_file(tmp_path: Path) -> None:
    out = teikit.load(OUT / "verse.xml").to_epub(tmp_path / "v.epub")
    assert zipfile.is_zipfile(out.output)


def test_fallback_date_is_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    from teikit.epub import FALLBACK_DATE, modified_date

    assert (
        modified_date(teikit.load(OUT / "verse.xml"))
        == FALLBACK_DATE
        == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )


@pytest.mark.parametrize("inner", ["<p>text</p>", "<p>text <x:y>in x</x:y></p>"])
def test_content_documents_carry_only_their_own_namespaces(inner: str) -> None:
    """A content document is serialised in place inside the bundle: the bundle's
    namespace never leaks into it, nor does any other an ancestor declares, and one
    its content uses stays declared (the document parses)."""
    from teikit.epub import _xhtml

    bundle = etree.fromstring(
        '<b:bundle xmlns:b="urn:x-teikit:bundle" xmlns:x="urn:example:x"'
        ' xmlns="http://www.w3.org/1999/xhtml"><b:doc><html><body>'
        f"{inner}</body></html></b:doc></b:bundle>"
    )
    out = _xhtml(bundle[0][0])
    start = out[out.index(b"<html") : out.index(b">", out.index(b"<html"))]
    assert b"xmlns:b=" not in out
    assert (b"xmlns:x=" in out) == ("x:y" in inner)
    assert b'xmlns="http://www.w3.org/1999/xhtml"' in start
    assert etree.fromstring(out.split(b"\n", 2)[2]).tag == "{http://www.w3.org/1999/xhtml}html"


def test_the_container_is_laid_out_byte_for_byte_as_zipfile_writes_it() -> None:
    """teikit deflates the members on two threads and writes the zip itself; a reader
    must get what ``zipfile`` would have written: the same bytes, member for member."""
    files = {
        "mimetype": b"application/epub+zip",
        "OEBPS/b.xhtml": "<p>é</p>".encode() * 5000,
        "OEBPS/a.css": b"p { margin: 0 }\n",
        "OEBPS/images/caf\u00e9.png": bytes(range(256)) * 40,
        "OEBPS/empty.txt": b"",
    }
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in ["mimetype"] + sorted(n for n in files if n != "mimetype"):
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(info, files[name], compresslevel=9 if name != "mimetype" else None)
    assert _zip(files, when) == buffer.getvalue()
