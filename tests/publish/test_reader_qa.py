"""What a demanding reader found in the outputs of the shared corpora (issue 13, second
look): each test is one defect seen in a real file, reduced to a small document written
here (the corpus it came from is named), so that it stays fixed without the corpora."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree
from lxml import html as lhtml

import teikit
from teikit.loading import parse_bytes

from helpers.wordcheck import dangling_links

HEAD = """<TEI xmlns="http://www.tei-c.org/ns/1.0"{lang}><teiHeader><fileDesc><titleStmt>
{titles}</titleStmt><publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc>
</fileDesc></teiHeader><text>{front}<body>{body}</body>{back}</text></TEI>"""


def tei(
    body: str = "<p>x</p>",
    *,
    titles: str = "<title>T</title>",
    lang: str = "",
    front: str = "",
    back: str = "",
) -> teikit.Document:
    xml = HEAD.format(
        body=body,
        titles=titles,
        front=f"<front>{front}</front>" if front else "",
        back=f"<back>{back}</back>" if back else "",
        lang=f' xml:lang="{lang}"' if lang else "",
    )
    return teikit.Document(parse_bytes(xml.encode(), "mem.xml"))


def page(doc: teikit.Document) -> lhtml.HtmlElement:
    return lhtml.document_fromstring(doc.to_html().output.encode())


def test_a_division_without_a_heading_is_no_section() -> None:
    """Nu warned "Section lacks heading" 709 times over the corpora (every Schnitzler
    letter's div type="writingSession", ELTeC's div type="notes", DraCor's scenes)."""
    tree = page(tei('<div type="writingSession"><p>Lieber Arthur!</p></div>'))
    assert tree.xpath("//main//section[not(.//h1|.//h2|.//h3|.//h4|.//h5|.//h6)]") == []
    assert tree.xpath("//main//div[contains(@class, 'type-writingSession')]/p")


def test_an_authority_form_author_shows_as_forename_surname() -> None:
    """ELTeC writes every author as an authority heading: "Flaubert, Gustave (1821-1880)"
    was shown as "Gustave (1821-1880) Flaubert", and "Gréville, Henry [Alice Marie Céleste
    Fleury, dite Durand] (1842-1902)" was not turned round at all."""
    from teikit.epub import epub_bytes

    for source, display, filing in [
        ("Flaubert, Gustave (1821-1880)", "Gustave Flaubert", "Flaubert, Gustave"),
        (
            "Gréville, Henry [Alice Marie Céleste Fleury, dite Durand] (1842-1902)",
            "Henry Gréville",
            "Gréville, Henry",
        ),
        ("Sand, George [Amantine Lucile Aurore Dupin] (1804-1876)", "George Sand", "Sand, George"),
        ("Molière", "Molière", "Molière"),
    ]:
        doc = tei(titles=f"<title>T</title><author>{source}</author>", lang="fr")
        assert page(doc).xpath("//header//p[@class='author']/text()") == [display]
        assert f"\n{display}\n" in teikit.transform(doc, "text").output
        data, _ = epub_bytes(doc)
        opf = zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/content.opf").decode()
        assert f">{display}</dc:creator>" in opf and f">{filing}</meta>" in opf


def test_a_doc_title_that_repeats_the_header_is_shown_once() -> None:
    """99 of DraCor's plays open their front with a docTitle (no titlePage) that repeats
    the header's title and subtitle: every output showed the title twice."""
    doc = tei(
        titles='<title type="main">Машенька</title><title type="sub">Пьеса в 3-х актах</title>',
        front='<docTitle><titlePart type="main">Машенька</titlePart>'
        '<titlePart type="sub">Пьеса в 3-х актах</titlePart></docTitle>',
        lang="ru",
    )
    assert teikit.transform(doc, "text").output.count("Машенька") == 1
    assert teikit.transform(doc, "text", {"title-block": "false"}).output.count("Машенька") == 1
    assert page(doc).text_content().count("Машенька") == 2  # the <title> and the h1
    different = tei(
        titles="<title>Модная лавка</title>",
        front="<docTitle><titlePart>Урок дочкам</titlePart></docTitle>",
    )
    assert "Урок дочкам" in teikit.transform(different, "text").output
    # one that holds a note stays, or the note loses its mark (Lermontov's "Menschen und
    # Leidenschaften": its back-link dangled)
    noted = tei(
        titles="<title>T</title>",
        front="<docTitle><titlePart>T<note>Люди и страсти.</note></titlePart></docTitle>",
    )
    assert dangling_links(noted.to_html().output) == []


ENTRY = """<entry><form><orth>Achaia</orth></form>
<sense n="1">
  <cit type="trans">
    <quote>Achaea</quote>
  </cit>
  <cit type="trans">
    <quote>Achaia</quote>
  </cit>
</sense></entry>
<entry><form><orth>aqueste</orth></form><sense><cit><quote type="trans">aquest</quote></cit>
</sense></entry>"""


def test_translations_are_separated_by_a_semicolon_without_a_space_before_it() -> None:
    """FreeDict lat-eng (pretty-printed): "1. Achaea ; Achaia" in every output."""
    doc = tei(ENTRY, lang="la")
    assert "Achaea; Achaia" in teikit.transform(doc, "text").output
    assert "Achaea; Achaia" in " ".join(page(doc).text_content().split())


def test_a_quote_typed_as_a_translation_has_no_quotation_marks() -> None:
    """FreeDict oci-cat marks the translation on the quote (quote type="trans"), not on the
    cit: every one of its 16,679 translations was put in quotation marks."""
    doc = tei(ENTRY, lang="oc")
    assert "aqueste aquest" in teikit.transform(doc, "text").output
    assert "aqueste aquest" in " ".join(page(doc).text_content().split())


CALLED = """<div><head>Un</head><p>Elle est folle »<ref target="#N2">{2}</ref>. Et puis.</p></div>
<div><head>Deux</head><p>Voir <ref target="#N3">[1]</ref> et <ref target="#N3">ceci</ref>.</p>
</div>"""
CALLED_BACK = """<div type="notes"><note xml:id="N2">Elle dit.</note>
<note xml:id="N3">Un sortilège.</note></div>"""


def test_a_note_called_by_a_pointer_has_its_mark_where_the_pointer_is() -> None:
    """ELTeC's endnotes: <ref target="#N2">{2}</ref> in the text, the note in
    back/div[@type='notes']. The notes' marks were piled up at the end of the text
    ("[1] [2] … [12]" on a line of the text output) and their back-links led there."""
    doc = tei(CALLED, back=CALLED_BACK, lang="fr")
    tree = page(doc)
    refs = tree.xpath("//main//a[contains(@class, 'noteref')]")
    assert [(a.get("id"), a.get("href"), a.text_content()) for a in refs] == [
        ("noteref-1", "#note-1", "1"),
        ("noteref-2", "#note-2", "2"),
    ]
    assert [a.get("href") for a in tree.xpath("//a[@class='backlink']")] == [
        "#noteref-1",
        "#noteref-2",
    ]
    assert tree.xpath("//a[text()='ceci']/@href") == ["#note-2"]
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "folle »[1]. Et puis." in text and "Voir [2] et ceci." in text
    assert "\n[1] Elle dit.\n" in text and "[1] [2]" not in text


def test_in_an_epub_a_called_note_is_in_the_file_of_its_pointer() -> None:
    """The back-link of a note is "#noteref-N" in the note's own file: the note goes with
    the pointer that calls it, or its back-link dangles."""
    from teikit.epub import epub_bytes

    data, _ = epub_bytes(tei(CALLED, back=CALLED_BACK, lang="fr"))
    book = zipfile.ZipFile(io.BytesIO(data))
    for name in book.namelist():
        if name.endswith(".xhtml"):
            part = lhtml.fromstring(book.read(name))
            ids = set(part.xpath("//@id"))
            for href in part.xpath("//a/@href"):
                assert not href.startswith("#") or href[1:] in ids, (name, href)
            if "noteref-1" in ids:
                assert "note-1" in ids


REGISTER = """<listPerson><person xml:id="pmb10863"><persName><forename>Richard</forename>
<surname>Beer-Hofmann</surname></persName><birth><date when="1866-07-11">1866-07-11</date>
<settlement ref="#pmb50"><placeName type="pref">Wien</placeName><location><geo>48,208333
16,373056</geo></location></settlement></birth><death><date when="1945-09-26">1945-09-26</date>
</death><note type="references">Briefe 1891</note></person></listPerson>
<listPlace><place xml:id="pmb50"><placeName>Wien</placeName><location><geo>48,208333
16,373056</geo></location></place></listPlace>
<listBibl><bibl xml:id="pmb31357"><title type="main">Episode</title></bibl></listBibl>"""
LETTER = """<div><p>Lieber <rs type="person" ref="#pmb10863">Richard</rs>, aus
<rs type="place" ref="#pmb50">Wien</rs> die <rs type="work" ref="#pmb31357">Episode</rs>.</p>
</div>"""


def test_a_register_in_the_back_is_the_index_not_running_text() -> None:
    """Every Schnitzler letter keeps its registers (listPerson, listPlace) in back: they
    were printed as running text with geographic coordinates ("Richard Beer-Hofmann
    1866-07-11 Wien 48,208333 16,373056 …"), their names counted as mentions, and the
    letter's names linked to nothing."""
    doc = tei(LETTER, back=REGISTER, lang="de")
    result = doc.to_html()
    tree = lhtml.document_fromstring(result.output.encode())
    assert "48,208333" not in tree.text_content()
    assert tree.xpath("//main//a[text()='Richard']/@href") == ["#idx-pmb10863"]
    [entry] = tree.xpath("//li[@id='idx-pmb10863']")
    assert " ".join(entry.text_content().split()).startswith("Richard Beer-Hofmann (1866–1945)")
    # a place named inside the register is no mention of Wien: one backlink, the letter's
    assert len(tree.xpath("//li[@id='idx-pmb50']//a[@role='doc-backlink']")) == 1
    # nor is a note of the register's entry a note of the text (its back-link dangled)
    assert tree.xpath("//*[@id='tk-notes']") == []
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "48,208333" not in text and "\nRichard Beer-Hofmann (1866–1945)\n" in text


def test_a_name_pointing_to_a_bibliography_entry_links_to_it() -> None:
    """Schnitzler's rs type="work" point to a bibl of back/listBibl: 892 warnings "names no
    person, place or organisation" over 150 letters, and no link."""
    result = tei(LETTER, back=REGISTER, lang="de").to_html()
    tree = lhtml.document_fromstring(result.output.encode())
    assert tree.xpath("//main//a[text()='Episode']/@href") == ["#pmb31357"]
    assert [d.code for d in result.diagnostics] == []


def test_a_register_name_written_surname_first_reads_forename_surname() -> None:
    """Schnitzler's register: "<surname>Schnitzler</surname><forename>Arthur</forename>"
    was listed as "Schnitzler Arthur" among "Richard Beer-Hofmann" and the others."""
    person = (
        '<listPerson><person xml:id="p1"><persName><surname>Schnitzler</surname>'
        "<forename>Arthur</forename></persName></person></listPerson>"
    )
    doc = tei('<p><rs ref="#p1">A.</rs></p>', back=person, lang="de")
    assert page(doc).xpath("//li[@id='idx-p1']/span[@class='entry']/text()") == [
        "Arthur Schnitzler"
    ]


def test_build_reports_each_stylesheet_warning_once(tmp_path: Path) -> None:
    """The HTML page and the EPUB come from the same stylesheet, so `teikit build` printed
    each of its warnings twice (8 lines for the 4 names of one line of a Schnitzler
    letter)."""
    from teikit.publish import build

    src = tmp_path / "w.xml"
    xml = HEAD.format(
        body='<p><ref target="#nowhere">a</ref> <ref target="#nowhere">b</ref></p>',
        titles="<title>T</title>",
        front="",
        back="",
        lang="",
    )
    src.write_text(xml, encoding="utf-8")
    report, _ = build(src, tmp_path / "out", force=True)
    found = [d for d in report.diagnostics if d.rule == "xslt:unresolved-target"]
    assert sorted(d.xpath[-6:] for d in found) == ["ref[1]", "ref[2]"]


def test_outputs_are_in_unicode_normalization_form_c() -> None:
    """Some DraCor titles write "й" as "и" and a combining breve (Chekhov's "Чайка"): the
    Nu checker warned on 11 pages, and a search for the word did not find it."""
    decomposed = "Чаи\u0306ка"
    doc = tei(f"<p>{decomposed}</p>", titles=f"<title>{decomposed}</title>", lang="ru")
    outputs = [doc.to_html().output, teikit.transform(doc, "text").output]
    assert all("Чайка" in out and decomposed not in out for out in outputs)


def test_right_to_left_text_has_its_direction() -> None:
    """An Arabic document had lang="ar" and no dir: browsers and reading systems set it
    left to right (punctuation at the wrong end, lines aligned left), and the EPUB's pages
    turned the wrong way. A left-to-right passage in it (and a Hebrew one in an English
    document) needs dir too."""
    from teikit.epub import epub_bytes

    body = (
        '<p>قال أبو محمد: الحب.</p><p xml:lang="en">hello <foreign xml:lang="he">שלום</foreign></p>'
    )
    doc = tei(body, lang="ar")
    tree = page(doc)
    assert tree.get("dir") == "rtl"
    assert tree.xpath("//p[@lang='en']/@dir") == ["ltr"]
    assert tree.xpath("//*[@lang='he']/@dir") == ["rtl"]
    data, _ = epub_bytes(doc)
    book = zipfile.ZipFile(io.BytesIO(data))
    assert 'page-progression-direction="rtl"' in book.read("OEBPS/content.opf").decode()
    pages = [n for n in book.namelist() if n.endswith(".xhtml")]
    assert all(lhtml.fromstring(book.read(n)).get("dir") == "rtl" for n in pages)
    english = page(tei('<p>x <foreign xml:lang="he">שלום</foreign></p>', lang="en"))
    assert english.get("dir") is None and english.xpath("//*[@lang='he']/@dir") == ["rtl"]


def test_cjk_compatibility_ideographs_are_kept() -> None:
    """NFC replaces a CJK compatibility ideograph by its unified form: a glyph variant an
    edition may mean (found by the property test with "\\U0002f800")."""
    doc = tei("<p>\U0002f800 \uf900 Чаи\u0306ка</p>", lang="ko")
    assert "\U0002f800 \uf900 Чайка" in teikit.transform(doc, "text").output


def _with_source(source: str) -> teikit.Document:
    xml = HEAD.format(body="<p>x</p>", titles="<title>T</title>", front="", back="", lang="")
    return teikit.Document(
        parse_bytes(xml.replace("<sourceDesc><p/></sourceDesc>", source).encode(), "mem.xml")
    )


def test_the_source_line_keeps_the_fields_of_a_structured_source_apart() -> None:
    """A manuscript's msIdentifier gave "Source: WienÖNBCod. 123"; ELTeC's print source
    "Bourget, Paul (1852-1935) Laurence Albani Plon-Nourrit 1919" (fields run together)."""
    ms = _with_source(
        "<sourceDesc><msDesc><msIdentifier><settlement>Wien</settlement>"
        "<repository>ÖNB</repository><idno>Cod. 123</idno></msIdentifier></msDesc></sourceDesc>"
    )
    assert "Source: Wien, ÖNB, Cod. 123\n" in teikit.transform(ms, "text").output
    book = _with_source(
        '<sourceDesc><bibl type="printSource">\n<author>Bourget, Paul (1852-1935)</author>\n'
        "<title>Laurence Albani</title>\n<publisher>Plon-Nourrit</publisher>\n<date>1919</date>"
        "\n</bibl></sourceDesc>"
    )
    assert "Source: Paul Bourget. Laurence Albani. Plon-Nourrit, 1919\n" in (
        teikit.transform(book, "text").output
    )
    prose = _with_source(
        "<sourceDesc><bibl><author>A</author>: <title>B</title>, 1900</bibl></sourceDesc>"
    )
    assert "Source: A: B, 1900\n" in teikit.transform(prose, "text").output


def test_cjk_quotation_marks_and_heading_underlines() -> None:
    """Japanese got English quotation marks (“名前”), and a text heading of four Han
    characters, eight columns wide, was underlined with four "="."""
    doc = tei("<div><head>學而第一</head><p><q>名前</q>はまだ無い。</p></div>", lang="ja")
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "學而第一\n========\n" in text and "「名前」はまだ無い。" in text
    assert "「名前」" in page(doc).text_content()


def test_witness_sigla_are_the_ids_unless_the_witness_is_a_siglum() -> None:
    """Witnesses described by a name ("Oxoniensis", "Sangermanensis") got mixed sigla:
    "lepidum] Oxoniensis G" (the name when it had at most 12 letters, else the id)."""
    xml = HEAD.format(
        body='<l>Cui dono <app><lem wit="#O #G">lepidum</lem><rdg wit="#R">lepidem</rdg></app></l>',
        titles="<title>T</title>",
        front="",
        back="",
        lang="",
    ).replace(
        "<sourceDesc><p/></sourceDesc>",
        '<sourceDesc><listWit><witness xml:id="O">Oxoniensis</witness><witness xml:id="G">'
        'Sangermanensis</witness><witness xml:id="R">Romanus</witness></listWit></sourceDesc>',
    )
    doc = teikit.Document(parse_bytes(xml.encode(), "mem.xml"))
    assert "lepidum] O G lepidem R" in teikit.transform(doc, "text").output


def test_an_apparatus_apart_from_the_text_is_the_apparatus() -> None:
    """EpiDoc keeps the apparatus in div type="apparatus" (listApp, app/@loc = the line):
    its lemmas were printed as a paragraph of the text and its entries keyed by the
    division's number ("3 Feliculae]" for line 2)."""
    doc = tei(
        '<div type="edition"><ab><lb n="1"/>Dis Manibus <lb n="2"/>Iuliae Felicul<gap/></ab>'
        '</div><div type="translation"><p>To the spirits</p></div>'
        '<div type="apparatus"><listApp><app loc="2"><lem>Feliculae</lem>'
        "<rdg>Felicitas</rdg></app></listApp></div>",
        lang="la",
    )
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "\n2 Feliculae] Felicitas\n" in text and "\nFeliculae\n" not in text
    html = doc.to_html().output
    assert dangling_links(html) == []
    assert "2 Feliculae] Felicitas" in " ".join(page(doc).text_content().split())


EPIDOC = """<div type="edition" xml:space="preserve" xml:lang="la">
<ab>
<lb n="1"/>Dis Manibus
<lb n="2"/>Iuliae Felicul<gap reason="lost" extent="unknown" unit="character"/>
<lb n="3"/>vix<lb n="4" break="no"/>it annis XXV
</ab>
</div>"""


def test_an_inscription_keeps_its_lines_and_not_the_template_whitespace() -> None:
    """EpiDoc's template sets xml:space="preserve" on the edition: the page showed a blank
    line between the inscription's lines (source newline and lb both broke the line), and
    the text output ran the lines together as one."""
    doc = tei(EPIDOC, lang="en")
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert text == "Dis Manibus\nIuliae Felicul[…]\nvixit annis XXV\n"
    tree = page(doc)
    assert "preserve" not in tree.xpath("string(//div[contains(@class, 'type-edition')]/@class)")
    assert len(tree.xpath("//main//br")) == 3


def test_a_long_run_of_entries_is_cut_into_epub_documents() -> None:
    """A FreeDict dictionary (no divisions) was one XHTML file of up to 5 MB (oci-cat):
    reading systems load such a file slowly or not at all, and its contents had one
    entry, "Text"."""
    from teikit.epub import epub_bytes

    entries = "".join(
        f'<entry><form><orth>w{i:04d}</orth></form><sense><cit type="trans"><quote>t{i}'
        "</quote></cit></sense></entry>"
        for i in range(900)
    )
    data, _ = epub_bytes(tei(entries, lang="en"))
    book = zipfile.ZipFile(io.BytesIO(data))
    parts = [n for n in book.namelist() if "/part-" in n]
    assert len(parts) == 3
    nav = lhtml.fromstring(book.read("OEBPS/nav.xhtml"))
    titles = nav.xpath("//nav[@id='toc' or contains(@*, 'toc')]//a/text()")
    assert titles[1:] == ["w0000 – w0399", "w0400 – w0799", "w0800 – w0899"]


def test_an_inscriptions_erasure_and_surplus_follow_leiden() -> None:
    """An erased name (del rend="erasure": a damnatio memoriae) vanished from the text of
    an inscription; Leiden shows it in double brackets, and superfluous letters in braces."""
    doc = tei(
        '<div type="edition"><ab><lb n="1"/><del rend="erasure">Domitiano</del> fecit '
        "<surplus>et</surplus> filiae</ab></div>",
        lang="la",
    )
    assert "⟦Domitiano⟧ fecit {et} filiae" in teikit.transform(doc, "text").output
    assert "⟦Domitiano⟧ fecit {et} filiae" in " ".join(page(doc).text_content().split())


def test_a_line_break_between_chinese_characters_is_no_space() -> None:
    """Chinese and Japanese have no spaces between words: a newline of the source or an
    lb between two of their characters put one in ("不亦說乎？ 有朋自遠方來")."""
    doc = tei(
        "<p>學而時習之，\n  不亦說乎？<lb/>有朋自遠方來，\n  <lb/>\n  不亦樂乎？</p>"
        '<p xml:lang="en">two\nwords<lb/>apart</p>',
        lang="zh-Hant",
    )
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "學而時習之，不亦說乎？有朋自遠方來，不亦樂乎？\n" in text
    assert "two words apart" in text
    assert "學而時習之，不亦說乎？" in page(doc).text_content()


def _opf(doc: teikit.Document) -> str:
    from teikit.epub import epub_bytes

    data, _ = epub_bytes(doc)
    return zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/content.opf").decode()


def test_the_epub_carries_the_date_of_the_work() -> None:
    """No EPUB had a dc:date, so a reading system's library showed no year for Chekhov's
    "Чайка" (DraCor: standOff event type="print" when="1896"), a Schnitzler letter (its
    correspAction sent) or an ELTeC novel (its first edition's date)."""
    play = tei(lang="ru").tree.getroot()
    play.append(
        etree.fromstring(
            '<standOff xmlns="http://www.tei-c.org/ns/1.0"><listEvent>'
            '<event type="print" when="1896"><desc/></event></listEvent></standOff>'
        )
    )
    assert "<dc:date>1896</dc:date>" in _opf(teikit.Document(play.getroottree()))
    xml = HEAD.format(body="<p>x</p>", titles="<title>T</title>", front="", back="", lang="")
    letter = xml.replace(
        "</fileDesc>",
        '</fileDesc><profileDesc><correspDesc><correspAction type="sent">'
        '<date when="1891-05-30">30. 5. 1891</date></correspAction></correspDesc></profileDesc>',
    )
    opf = _opf(teikit.Document(parse_bytes(letter.encode(), "mem.xml")))
    assert "<dc:date>1891-05-30</dc:date>" in opf
    novel = _with_source(
        '<sourceDesc><bibl type="firstEdition"><title>L</title><date>1919</date></bibl>'
        "</sourceDesc>"
    )
    assert "<dc:date>1919</dc:date>" in _opf(novel)
    assert "<dc:date>" not in _opf(tei())


def test_the_fields_of_a_bibliographic_entry_are_separate_words() -> None:
    """A bibl made of fields alone (Schnitzler's back/listBibl, written compactly) ran its
    fields together: "<title>Episode</title><author>Schnitzler, Arthur</author>" read
    "EpisodeSchnitzler"; a bibl with its own punctuation stays as written."""
    doc = tei(
        "<listBibl><bibl><title>Episode</title><author>Schnitzler, Arthur</author></bibl>"
        "<bibl><author>A</author>: <title>B</title></bibl></listBibl>"
    )
    for out in (teikit.transform(doc, "text").output, page(doc).text_content()):
        assert "Episode. Schnitzler, Arthur" in " ".join(out.split()) and "A: B" in out


def test_the_index_of_persons_is_sorted_by_surname() -> None:
    """The index of a Schnitzler letter was sorted by forename: "Arthur Schnitzler",
    "Charlotte Wolf", "Emil Wolf", "Hugo von Hofmannsthal", "Paul Goldmann"…"""
    people = "".join(
        f'<person xml:id="p{i}"><persName><forename>{f}</forename><surname>{s}</surname>'
        "</persName></person>"
        for i, (f, s) in enumerate([("Arthur", "Schnitzler"), ("Hugo", "Hofmannsthal")])
    )
    doc = tei(
        '<p><rs ref="#p0">A</rs> <rs ref="#p1">H</rs> <rs ref="#p2">Z</rs></p>',
        back=f'{"<listPerson>"}{people}<person xml:id="p2"><persName>Zola</persName></person>'
        "</listPerson>",
        lang="de",
    )
    entries = page(doc).xpath("//section[@id='tk-index']//li/span[@class='entry']/text()")
    assert entries == ["Hugo Hofmannsthal", "Arthur Schnitzler", "Zola"]


def test_a_conjecture_names_who_made_it() -> None:
    """A reading that is a conjecture (rdg resp="#Scaliger", no witness) was printed with
    no attribution: "namque] O nam tu"."""
    doc = tei(
        '<l><app><lem wit="#O">namque</lem><rdg resp="#Scaliger" type="conjecture">nam tu'
        "</rdg></app> tu solebas</l>",
        lang="la",
    )
    assert "namque] O nam tu Scaliger" in teikit.transform(doc, "text").output


def test_a_called_note_does_not_repeat_its_mark() -> None:
    """ELTeC's Gay writes the mark in the note too (<note xml:id="N1">[1] Elle a épousé…
    </note>, called by <ref target="#N1">[1]</ref>): the notes read "1. [1] Elle a…"."""
    doc = tei(
        '<p>Une statue.<ref target="#N1">[1]</ref></p>',
        back='<div type="notes"><note xml:id="N1">[1] Elle a épousé depuis M. O\'Connor.</note>'
        "</div>",
        lang="fr",
    )
    text = teikit.transform(doc, "text", {"title-block": "false"}).output
    assert "\n[1] Elle a épousé" in text
    [note] = page(doc).xpath("//li[@id='note-1']")
    assert " ".join(note.text_content().split()).startswith("1. Elle a épousé")
