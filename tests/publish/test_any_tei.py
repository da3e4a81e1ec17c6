"""Publishing other people's TEI (issue 13): words kept whole, metadata read right, labels
in the document's language, parameters checked. Small documents written here, one fact
per test; the corpora are measured in test_corpus_outputs.py."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from lxml import etree

import teikit
from teikit.diagnostics import UsageError
from teikit.epub import _zip, epub_bytes, identifier
from teikit.loading import parse_bytes

from helpers.wordcheck import html_reading, integrity, source_words, text_reading

HEAD = """<TEI xmlns="http://www.tei-c.org/ns/1.0"{lang}><teiHeader><fileDesc><titleStmt>
{titles}</titleStmt><publicationStmt>{pub}</publicationStmt><sourceDesc><p/></sourceDesc>
</fileDesc>{profile}</teiHeader><text><body>{body}</body></text></TEI>"""


def tei(
    body: str = "<p>x</p>",
    *,
    titles: str = "<title>T</title>",
    pub: str = "<p/>",
    lang: str = "",
    profile: str = "",
) -> teikit.Document:
    xml = HEAD.format(
        body=body,
        titles=titles,
        pub=pub,
        profile=profile,
        lang=f' xml:lang="{lang}"' if lang else "",
    )
    return teikit.Document(parse_bytes(xml.encode(), "mem.xml"))


def text_of(doc: teikit.Document) -> str:
    return teikit.transform(doc, "text", {"title-block": "false"}).output


# ----- one word-boundary rule -----------------------------------------------------------


def test_address_lines_are_separate_words() -> None:
    doc = tei(
        "<opener><address><addrLine>Albert</addrLine><addrLine>Ehrenstein</addrLine>"
        "</address></opener><p>x</p>"
    )
    assert "Albert" in text_of(doc).split() and "Ehrenstein" in text_of(doc).split()


def test_space_element_separates_words() -> None:
    doc = tei('<p>Weihnachtsnummer<space unit="chars" quantity="1"/>etwas</p>')
    assert "Weihnachtsnummer etwas" in text_of(doc)
    assert "Weihnachtsnummer etwas" in " ".join(html_reading(doc.to_html().output).split())


def test_break_no_joins_and_swallows_layout_whitespace() -> None:
    doc = tei('<p>Ge<lb break="no"/>\n      schichte und Ge\n<pb break="no" n="2"/>\n  danke</p>')
    assert text_of(doc).split() == ["Geschichte", "und", "Gedanke"]


def test_subst_ignores_layout_whitespace_between_its_children() -> None:
    doc = tei("<p>Ge<subst>\n  <del>s</del>\n  <add>z</add>\n</subst>eit</p>")
    assert text_of(doc).split() == ["Gezeit"]


def test_inline_elements_do_not_separate_words() -> None:
    doc = tei('<p><hi rend="initial">D</hi>er Tag</p>')
    assert text_of(doc).split() == ["Der", "Tag"]


def test_a_break_beside_punctuation_adds_no_space() -> None:
    doc = tei(
        "<p>x</p><castList><castItem><role>Маша</role>, <roleDesc>дочь</roleDesc>"
        "</castItem></castList>"
    )
    assert "Маша, дочь" in text_of(doc)


def test_a_closer_written_as_prose_keeps_its_words_whole() -> None:
    """Cut from Schnitzler's L01794: the long s and the unclear ending are parts of words
    (the outputs read "be s tem Gru s s … ergeb ener" while closers' children were units)."""
    doc = tei(
        '<p>x</p><closer>mit be<c rendition="#langesS">s</c>tem Gru<c rendition="#langesS">'
        's</c>s Ihr<space unit="chars" quantity="1"/><c rendition="#langesS">s</c>ehr '
        "ergeb<unclear>ener</unclear><lb/><signed>A. S.</signed></closer>"
    )
    words = "mit bestem Gruss Ihr sehr ergebener A. S.".split()
    assert text_of(doc).split()[1:] == words
    assert html_reading(doc.to_html().output).split()[-len(words) :] == words
    source = source_words(doc.tree.getroot())
    assert source[1:] == ["mit", "bestem", "Gruss", "Ihr", "sehr", "ergebener", "A", "S"]


def test_a_closer_keeps_its_lines() -> None:
    """Cut from Schnitzler's L00150 (44 line breaks in 40 letters' openers and closers):
    the closing formula ran into one line in the text and the HTML; a paragraph's lb is
    only the source's line end and still reflows in the text."""
    doc = tei(
        "<p>Ein<lb/>Satz.</p><closer>Herzlich<c>s</c>te Grüße!<lb/>Prost Neujahr!<lb/>"
        "Ihr sehr ergeb.<lb/><signed>Karl Kraus,</signed></closer>"
    )
    assert text_of(doc) == (
        "Ein Satz.\n\nHerzlichste Grüße!\nProst Neujahr!\nIhr sehr ergeb.\nKarl Kraus,\n"
    )
    page = doc.to_html().output
    assert "Herzlich<span" in page and "Grüße!<br> Prost Neujahr!<br> Ihr sehr ergeb." in page


def test_a_letterhead_closer_keeps_its_units_apart() -> None:
    doc = tei("<p>x</p><closer><seg>Dr.</seg><seg>Arthur</seg><seg>Schnitzler</seg></closer>")
    assert text_of(doc).split()[1:] == ["Dr.", "Arthur", "Schnitzler"]


def test_a_ref_without_content_shows_its_target_as_a_ptr_does() -> None:
    """Cut from Schnitzler's L04210 (some 140 such refs over the 150 letters): the
    reference vanished, "am  verfasst", "trafen ()"; a ref with words keeps its words."""
    doc = tei(
        '<p>x</p><p>Sie trafen (<ref type="schnitzler-tagebuch" subtype="date-only" '
        'target="1899-05-13"/>), siehe <ref target="https://example.org/a"/> und '
        '<ref target="https://example.org/b">den Brief</ref>.</p>'
    )
    assert text_of(doc).split("\n")[2] == (
        "Sie trafen (1899-05-13), siehe https://example.org/a und den Brief."
    )
    page = doc.to_html().output
    assert "(<span" in page and ">1899-05-13</span>)" in page
    assert 'href="https://example.org/a" class="tei-ref">https://example.org/a</a>' in page
    assert 'href="https://example.org/b" class="tei-ref">den Brief</a>' in page


def test_an_empty_ref_calling_a_note_is_its_mark() -> None:
    """Cut from ELTeC's FRA02202_Gouraud (7 calls in 3 novels): the HTML and EPUB link
    to the note had no text (nothing to see or click), the text had no mark."""
    xml = HEAD.format(
        body="<p>Elle conduisit Pierre au poêle\n  <ref target='#N01'/>, l'aida.</p>",
        titles="<title>T</title>",
        pub="<p/>",
        profile="",
        lang=' xml:lang="fr"',
    ).replace(
        "</body>",
        "</body><back><div type='notes'><note xml:id='N01'>On appelle poêle l'endroit bien "
        "chauffé.</note></div></back>",
    )
    doc = teikit.Document(parse_bytes(xml.encode(), "mem.xml"))
    assert "Elle conduisit Pierre au poêle [1], l'aida." in text_of(doc)
    assert 'aria-label="Note 1"><sup>1</sup></a>, l' in doc.to_html().output


def test_the_fields_of_a_register_entry_are_punctuated() -> None:
    """Cut from Schnitzler's L00150 (the works register, 244 such entries in the 150
    letters): the fields ran together, "Anatol Arthur Schnitzler: Anatol. … 1893 Anatol
    Schnitzler, Arthur Hofmannsthal, Hugo von", names and titles not told apart."""
    doc = tei(
        '<p>x</p><listBibl><bibl xml:id="pmb29935">\n  <title type="main">Anatol</title>\n'
        '  <title type="werk">Arthur Schnitzler: Anatol. Berlin 1892, vordatiert auf 1893.'
        '</title><title type="merge">Anatol</title>\n  <author ref="pmb2121">Schnitzler, '
        'Arthur</author><author ref="pmb11740">Hofmannsthal, Hugo von</author>\n</bibl>'
        "</listBibl>"
    )
    entry = (
        "Anatol. Arthur Schnitzler: Anatol. Berlin 1892, vordatiert auf 1893. Anatol. "
        "Schnitzler, Arthur; Hofmannsthal, Hugo von"
    )
    assert text_of(doc).split("\n\n")[1] == entry + "\n"
    assert entry in " ".join(html_reading(doc.to_html().output).split())


def test_an_empty_character_element_is_announced_not_silently_dropped() -> None:
    """Cut from Schnitzler's L03343 (30 such elements in 150 letters): "nicht, <c
    rendition='#kaufmannsund'/> sende" read "nicht,  sende" with no word of why."""
    doc = tei(
        '<p>nicht, <c rendition="#kaufmannsund"/> sende <c rendition="#dots" n="3"/> und '
        '<c rendition="#langesS">s</c>o</p>'
    )
    for diagnostics in (teikit.transform(doc, "html").diagnostics, epub_bytes(doc)[1]):
        found = [d for d in diagnostics if "character" in d.rule]
        assert [(d.rule, d.severity.name) for d in found] == [
            ("xslt:character-unavailable", "WARNING")
        ]
        assert found[0].message.startswith('2 empty <c>/<g> element(s), the first rendition="#k')


def test_a_text_born_digital_is_dated_by_its_publication() -> None:
    """FreeDict's eng-swh: no EPUB date though the dictionary says when it was published
    (its source is described in prose); a digitised text keeps its source's date or none,
    never its digital edition's."""
    pub = '<publisher>FreeDict</publisher><date when="2017-12-03">Dec 03, 2017</date>'
    assert "<dc:date>2017-12-03</dc:date>" in _opf(tei(pub=pub))
    digitised = tei(pub=pub).tree.getroot()
    source = digitised.find(".//{http://www.tei-c.org/ns/1.0}sourceDesc")
    source[:] = [etree.fromstring('<bibl xmlns="http://www.tei-c.org/ns/1.0">A print</bibl>')]
    assert "<dc:date>" not in _opf(teikit.Document(digitised.getroottree()))


def _opf(doc: teikit.Document) -> str:
    return zipfile.ZipFile(io.BytesIO(epub_bytes(doc)[0])).read("OEBPS/content.opf").decode()


def test_dictionary_entries_keep_every_word() -> None:
    body = "".join(
        f'<entry><form><orth>w{i}</orth></form><sense><cit type="trans">'
        f"<quote>t{i}</quote></cit></sense></entry>"
        for i in range(3)
    )
    doc = tei(body)
    found = integrity(source_words(doc.tree.getroot()), text_reading(text_of(doc)))
    assert (found.fused, found.split) == (0, 0)
    assert text_of(doc).split() == ["w0", "t0", "w1", "t1", "w2", "t2"]


# ----- metadata ---------------------------------------------------------------------------


def test_the_title_is_not_the_series_title() -> None:
    doc = tei(titles='<title level="s">Briefwechsel</title><title level="a">A an B</title>')
    assert "<title>A an B</title>" in doc.to_html().output


def test_the_correspondents_are_named_as_the_title_block_names_them() -> None:
    """Cut from Schnitzler's L00150: "Von: Kraus, Karl, 31. 12. 1892, Wien" (the authority
    form's comma ran into the line's own) under a title block saying "Karl Kraus"."""
    doc = tei(
        lang="de",
        profile='<profileDesc><correspDesc><correspAction type="sent"><persName ref="#p1">'
        'Kraus, Karl</persName><date when="1892-12-31">31. 12. 1892</date><placeName>Wien'
        '</placeName></correspAction><correspAction type="received"><persName>Hofmannsthal, '
        "Hugo von</persName><orgName>Burgtheater</orgName></correspAction></correspDesc>"
        "</profileDesc>",
    )
    text = teikit.transform(doc, "text").output
    assert "Von: Karl Kraus, 31. 12. 1892, Wien\nAn: Hugo von Hofmannsthal, Burgtheater\n" in text
    assert "Von: Karl Kraus, 31. 12. 1892, Wien" in doc.to_html().output


@pytest.mark.parametrize(
    ("code", "html"),
    [("deu", "de"), ("fre", "fr"), ("rus", "ru"), ("de-AT", "de-AT"), ("grc", "grc")],
)
def test_html_lang_is_bcp47(code: str, html: str) -> None:
    assert f'lang="{html}"' in tei(lang=code).to_html().output.split(">", 2)[1]


def test_the_language_falls_back_to_lang_usage() -> None:
    doc = tei(profile='<profileDesc><langUsage><language ident="fr"/></langUsage></profileDesc>')
    assert 'lang="fr"' in doc.to_html().output.split(">", 2)[1]


@pytest.mark.parametrize(
    ("lang", "label"),
    [("de", "Anmerkungen"), ("fr", "Notes"), ("ru", "Примечания"), ("tlh", "Notes")],
)
def test_labels_follow_the_document_language(lang: str, label: str) -> None:
    doc = tei("<p>a<note>n</note></p>", lang=lang)
    assert f'<h2 id="tk-notes-h">{label}</h2>' in doc.to_html().output


def test_ui_lang_parameter_picks_the_labels() -> None:
    doc = tei("<p>a<note>n</note></p>", lang="ru")
    assert '<h2 id="tk-notes-h">Anmerkungen</h2>' in doc.to_html({"ui-lang": "de"}).output


def test_an_unknown_ui_lang_is_a_usage_error_naming_the_allowed_values() -> None:
    with pytest.raises(UsageError, match="en, ru, de, fr"):
        teikit.transform(tei(), "html", {"ui-lang": "xx"})


def test_no_empty_contents() -> None:
    assert "tk-toc" not in tei("<p>no divisions</p>").to_html().output


def test_a_placeholder_idno_is_not_the_identifier() -> None:
    a = tei("<p>one</p>", pub='<idno type="handle">XXXX</idno>')
    b = tei("<p>two</p>", pub='<idno type="handle">XXXX</idno>')
    assert identifier(a) != identifier(b)


def test_a_real_idno_gives_a_stable_identifier() -> None:
    pub = '<idno type="handle">https://hdl.handle.net/21.11115/0000-000E-6B31-3</idno>'
    assert identifier(tei("<p>one</p>", pub=pub)) == identifier(tei("<p>two</p>", pub=pub))


def test_zip_timestamps_after_2107_are_clamped() -> None:
    data = _zip(
        {"mimetype": b"application/epub+zip", "a": b"x"}, dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time[0] for i in z.infolist()} == {2107}


def test_an_epub_of_a_document_dated_2200_builds() -> None:
    doc = tei(pub='<date when="2200-01-01">2200</date>')
    data, _ = epub_bytes(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("OEBPS/content.opf"))
    assert re.search("2200-01-01", etree.tostring(opf, encoding="unicode"))


def _opf(doc: teikit.Document) -> str:
    with zipfile.ZipFile(io.BytesIO(epub_bytes(doc)[0])) as z:
        return z.read("OEBPS/content.opf").decode("utf-8")


def test_accessibility_claimed_when_its_checks_pass() -> None:
    opf = _opf(tei("<p>x</p>", lang="en"))
    assert "EPUB Accessibility 1.1 - WCAG 2.1 Level AA" in opf


def test_no_accessibility_claim_for_an_image_without_a_text_alternative() -> None:
    opf = _opf(tei('<figure><graphic url="x.png"/></figure>', lang="en"))
    assert "WCAG" not in opf and ">textual,visual<" in opf


def test_no_accessibility_claim_without_a_language() -> None:
    assert "WCAG" not in _opf(tei("<p>x</p>"))
