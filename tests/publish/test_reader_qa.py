"""What a demanding reader found in the outputs of the shared corpora (issue 13, second
look): each test is one defect seen in a real file, reduced to a small document written
here (the corpus it came from is named), so that it stays fixed without the corpora."""

from __future__ import annotations

import io
import zipfile

from lxml import html as lhtml

import teikit
from teikit.loading import parse_bytes

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
