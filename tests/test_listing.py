"""What the collection's index says of a document, on the header shapes of real corpora:
a letter edition's series title and date title, a play's persName with its translation and
authority id, a novel's catalogue-form author."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest

from teikit.document import load
from teikit.epub import epub_bytes
from teikit.listing import document_meta, index_page, page_lang

HEADER = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>
<titleStmt>{titles}</titleStmt><publicationStmt><p>P</p></publicationStmt>
<sourceDesc><bibl>{source}</bibl></sourceDesc></fileDesc>{profile}</teiHeader>
<text><body><p>T</p></body></text></TEI>"""


def _meta(tmp_path: Path, titles: str, source: str = "", profile: str = "") -> dict[str, object]:
    path = tmp_path / "doc.xml"
    path.write_text(HEADER.format(titles=titles, source=source, profile=profile), "utf-8")
    return document_meta(load(path))


def test_a_letter_is_listed_by_its_own_title_and_date_of_sending(tmp_path: Path) -> None:
    meta = _meta(
        tmp_path,
        '<title level="s">Briefwechsel</title>'
        '<title type="iso-date" when-iso="1891-05-30">1891-05-30</title>'
        '<title level="a">Beer-Hofmann an Schnitzler, 30. 5. 1891</title>'
        '<author ref="#p1">Beer-Hofmann, Richard</author>',
        source="<date>30/5 91</date>",
        profile='<profileDesc><correspDesc><correspAction type="sent">'
        '<date when="1891-05-30">30. 5. 1891</date></correspAction></correspDesc></profileDesc>',
    )
    assert meta == {
        "titles": ["Beer-Hofmann an Schnitzler, 30. 5. 1891"],
        "authors": ["Richard Beer-Hofmann"],
        "date": "1891-05-30",
    }


def test_a_play_lists_its_title_subtitle_and_translations_and_the_authors_name(
    tmp_path: Path,
) -> None:
    meta = _meta(
        tmp_path,
        '<title>Машенька</title><title xml:lang="en">Mashenka</title>'
        '<title type="sub">Пьеса в 3-х актах</title>'
        "<author><persName><forename>Александр</forename><forename>Николаевич</forename>"
        '<surname>Афиногенов</surname></persName><persName xml:lang="eng">Alexander '
        "Afinogenov</persName><idno type='wikidata'>Q729569</idno></author>",
    )
    assert meta["titles"] == ["Машенька", "Пьеса в 3-х актах", "Mashenka"]
    assert meta["authors"] == ["Александр Николаевич Афиногенов"]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Flaubert, Gustave (1821-1880)", "Gustave Flaubert"),
        ("Sand, George [Amantine Lucile Aurore Dupin] (1804-1876)", "George Sand"),
        ("Anonyme", "Anonyme"),
    ],
)
def test_a_catalogue_name_is_shown_as_a_reader_writes_it(
    tmp_path: Path, written: str, shown: str
) -> None:
    meta = _meta(tmp_path, f"<title>Roman</title><author>{written}</author>", "<date>1880</date>")
    assert (meta["authors"], meta["date"]) == ([shown], "1880")


PLAY = """<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:lang="ru"><teiHeader><fileDesc>
<titleStmt><title>Машенька</title></titleStmt><publicationStmt><publisher>DraCor</publisher>
</publicationStmt><sourceDesc><bibl type="digitalSource"><name>ru.wikisource.org</name>
</bibl></sourceDesc></fileDesc></teiHeader>
<standOff><listEvent>
  <event type="print" when="1941"><desc>"Пьеса написана в 1940 году"</desc></event>
  <event type="premiere" when="1941"><desc>Премьера</desc></event>
  <event type="written" when="1940"><desc>"Пьеса написана в 1940 году"</desc></event>
</listEvent></standOff>
<text><body><p>T</p></body></text></TEI>"""


def test_a_play_is_dated_by_its_standoff_events_as_its_epub_is(tmp_path: Path) -> None:
    """Cut from RusDraCor's afinogenov-mashenka: the play's dates are DraCor events, not
    header dates; the index showed no date for any of the 120 plays while each EPUB's
    dc:date had the year."""
    path = tmp_path / "play.xml"
    path.write_text(PLAY, "utf-8")
    doc = load(path)
    assert document_meta(doc)["date"] == "1940"  # the earliest: written before printed
    assert "<dc:date>1940</dc:date>" in _opf(doc)


def test_a_play_is_dated_by_its_earliest_event_in_whatever_order_they_come(
    tmp_path: Path,
) -> None:
    """RusDraCor's bulgakov-dni-turbinyh lists its 1955 printing before its 1926 premiere
    and was dated 1955 (19 plays by a printing decades after the writing: Sumarokov's
    farce of 1750 as 1950)."""
    path = tmp_path / "play.xml"
    events = (
        '<event type="print" when="1955"><desc/></event><event type="premiere" '
        'when="1926-10-05"><desc/></event><event type="written" when="1925"><desc/></event>'
    )
    start, end = PLAY.index("<listEvent>") + len("<listEvent>"), PLAY.index("</listEvent>")
    path.write_text(PLAY[:start] + events + PLAY[end:], "utf-8")
    doc = load(path)
    assert document_meta(doc)["date"] == "1925"
    assert "<dc:date>1925</dc:date>" in _opf(doc)


def test_an_event_without_a_date_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "play.xml"
    path.write_text(PLAY.replace('type="written" when="1940"', 'type="written"'), "utf-8")
    assert document_meta(load(path))["date"] == "1941"  # not the undated event's text


def test_the_index_page_is_in_nfc() -> None:
    """Three RusDraCor headers spell "й" as "и" + combining breve ("Чайка"): the Nu
    checker warned on the index page, as it had on the documents' own pages."""
    decomposed = "Чаи\u0306ка"
    page = index_page({"chaika.xml": {"meta": {"titles": [decomposed]}, "outputs": {}}})
    assert unicodedata.is_normalized("NFC", page)
    assert "<td>Чайка</td>" in page


GAY = """<bibl type="digitalSource"><publisher>Project Gutenberg</publisher><idno>17757</idno>
<date>2006</date></bibl><bibl type="printSource"><title>Ellenore. 1ère série</title>
<publisher>Michel Lévy</publisher><date>1864</date></bibl><bibl type="firstEdition">
<title>Ellenore</title><date>{first}</date></bibl>"""


@pytest.mark.parametrize(("first", "dated"), [("1844", "1844"), ("", "1864")])
def test_a_novel_is_dated_by_its_first_edition_not_its_digitisation(
    tmp_path: Path, first: str, dated: str
) -> None:
    """Cut from ELTeC's FRA01801_Gay: the dates came in document order, so the digital
    source's 2006 dated "Ellénore" (1844) in the index and the EPUB (10 of the 20 novels
    got their digitisation's or print source's year)."""
    path = tmp_path / "novel.xml"
    path.write_text(
        "<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader><fileDesc><titleStmt>"
        "<title>Ellenore</title></titleStmt><publicationStmt><p>P</p></publicationStmt>"
        f"<sourceDesc>{GAY.format(first=first)}</sourceDesc></fileDesc></teiHeader>"
        "<text><body><p>T</p></body></text></TEI>",
        "utf-8",
    )
    doc = load(path)
    assert document_meta(doc)["date"] == dated  # without a first edition: the print source
    assert f"<dc:date>{dated}</dc:date>" in _opf(doc)


def test_a_range_of_years_dates_the_book_by_its_first(tmp_path: Path) -> None:
    """FRA01301_Flaubert: the first edition "1869-1870" is no W3C date; the print source's
    1880 was taken instead. The index shows the date as written."""
    path = tmp_path / "novel.xml"
    path.write_text(
        "<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader><fileDesc><titleStmt>"
        "<title>L'Éducation sentimentale</title></titleStmt><publicationStmt><p>P</p>"
        "</publicationStmt><sourceDesc><bibl type='printSource'><date>1880</date></bibl>"
        "<bibl type='firstEdition'><date>1869-1870</date></bibl></sourceDesc></fileDesc>"
        "</teiHeader><text><body><p>T</p></body></text></TEI>",
        "utf-8",
    )
    doc = load(path)
    assert document_meta(doc)["date"] == "1869-1870"
    assert "<dc:date>1869</dc:date>" in _opf(doc)


def _opf(doc: object) -> str:
    data, _ = epub_bytes(doc)  # type: ignore[arg-type]
    return zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/content.opf").decode()


def test_the_language_is_read_back_from_the_documents_page(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text('<!DOCTYPE HTML><html xmlns="http://www.w3.org/1999/xhtml" lang="de-AT">')
    assert page_lang([tmp_path / "a.epub", page]) == "de-AT"
    assert page_lang([tmp_path / "a.txt"]) == ""
    assert page_lang([tmp_path / "missing.html"]) == ""
