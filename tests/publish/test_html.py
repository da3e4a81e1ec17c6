"""HTML output: a valid, navigable, accessible page for the edition and for any TEI."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml

import teikit

from conftest import DATA
from helpers import nu
from helpers.browser import chromium

OUT = DATA / "outputs"
FIXTURES = ["editorial", "drama", "verse", "prefixed", "xinclude-main"]
TEI = {"tei": "http://www.tei-c.org/ns/1.0"}


def parse(text: str) -> lhtml.HtmlElement:
    return lhtml.document_fromstring(text.encode("utf-8"))


@pytest.fixture(scope="module")
def page(edition: teikit.Document) -> str:
    return edition.to_html().output


@pytest.fixture(scope="module")
def tree(page: str) -> lhtml.HtmlElement:
    return parse(page)


def fixture_html(name: str) -> lhtml.HtmlElement:
    return parse(teikit.load(OUT / f"{name}.xml").to_html().output)


def ids(tree: lhtml.HtmlElement) -> set[str]:
    return set(tree.xpath("//@id"))


@pytest.mark.slow
def test_nu_checker_finds_no_errors(page: str, output_dir: Path) -> None:
    files = [output_dir / "edition.html"]
    files[0].write_text(page, encoding="utf-8")
    for name in FIXTURES:
        files.append(output_dir / f"{name}.html")
        files[-1].write_text(teikit.load(OUT / f"{name}.xml").to_html().output, encoding="utf-8")
    assert [str(d) for d in nu.errors(files)] == []


def test_lang_comes_from_the_document(tree: lhtml.HtmlElement) -> None:
    assert tree.get("lang") == "ru"


def test_title_and_author_meta_come_from_the_header(tree: lhtml.HtmlElement) -> None:
    assert tree.findtext(".//title") == "Проблемы развития СССР"
    assert tree.xpath("//meta[@name='author']/@content") == ["Лев Троцкий"]


def test_page_has_landmarks(tree: lhtml.HtmlElement) -> None:
    assert [len(tree.xpath(f"//body/{tag}")) for tag in ("nav", "main", "footer")] == [1, 1, 1]


def test_one_title_block_the_texts_own_title_page(tree: lhtml.HtmlElement) -> None:
    """The edition has a titlePage: it is the title block; no second one from the header."""
    assert [" ".join(h.text_content().split()) for h in tree.xpath("//h1")] == [
        "Проблемы развития СССР"
    ]
    assert tree.xpath("//header") == []
    assert len(tree.xpath("//*[contains(@class, 'tei-docAuthor')]")) == 1


def test_contents_links_resolve_to_ids(tree: lhtml.HtmlElement, edition: teikit.Document) -> None:
    targets = [h[1:] for h in tree.xpath("//nav[@id='tk-toc']//a/@href")]
    heads = edition.xpath("//tei:text//tei:div[tei:head]")
    assert len(targets) >= len(heads) and set(targets) <= ids(tree)


def test_every_part_and_section_is_in_the_contents(
    tree: lhtml.HtmlElement, edition: teikit.Document
) -> None:
    wanted = {
        d.get("{http://www.w3.org/XML/1998/namespace}id")
        for d in edition.xpath("//tei:text//tei:div[tei:head]")
    }
    assert wanted <= {h[1:] for h in tree.xpath("//nav[@id='tk-toc']//a/@href")}


def test_every_name_links_to_an_index_entry_that_links_back(
    tree: lhtml.HtmlElement, edition: teikit.Document
) -> None:
    mentions = tree.xpath("//main//*[contains(concat(' ', @class, ' '), ' name ')]")
    assert len(mentions) == len(
        edition.xpath(
            "//tei:text//*[@ref][self::tei:persName or "
            "self::tei:placeName or self::tei:orgName "
            "or self::tei:rs]"
        )
    )
    for a in (m for m in mentions if m.tag == "a"):
        [entry] = tree.xpath("//li[@id=$i]", i=a.get("href")[1:])
        assert page_of(tree, a.get("id")) in entry.xpath(".//span[@class='backlinks']/a/text()")


def page_of(tree: lhtml.HtmlElement, mention_id: str) -> str:
    """The label of the page a mention stands on (the last page marker before it)."""
    [el] = tree.xpath("//*[@id=$i]", i=mention_id)
    return str(el.xpath("(preceding::a[@class='pb'])[last()]/text()")[0]).strip("[]")


def test_the_index_lists_each_page_once(tree: lhtml.HtmlElement) -> None:
    for entry in tree.xpath("//section[@id='tk-index']//li"):
        pages = entry.xpath(".//span[@class='backlinks']/a/text()")
        assert len(pages) == len(set(pages)), entry.get("id")


def test_nested_names_are_mentions_too(tree: lhtml.HtmlElement, edition: teikit.Document) -> None:
    """A name inside a name (Совнаркома РСФСР) cannot be a link inside a link; it is a
    span with its own id, and the index still links back to it."""
    nested = tree.xpath("//a[contains(@class, 'name')]//span[contains(@class, 'name')]")
    assert nested
    names = edition.xpath(
        "//tei:text//*[@ref][self::tei:persName or self::tei:placeName "
        "or self::tei:orgName or self::tei:name or self::tei:rs]"
    )
    for span in nested:  # mention m-N is the N-th name of the text
        ref = names[int(span.get("id").removeprefix("m-")) - 1].get("ref").split()[0]
        [entry] = tree.xpath("//li[@id=$i]", i="idx-" + ref.lstrip("#"))
        assert page_of(tree, span.get("id")) in entry.xpath(".//span[@class='backlinks']/a/text()")


def test_index_links_to_wikidata(tree: lhtml.HtmlElement, edition: teikit.Document) -> None:
    qids = {q.strip() for q in edition.xpath("//tei:standOff//tei:idno[@type='wikidata']/text()")}
    links = {h.rsplit("/", 1)[1] for h in tree.xpath("//a[@class='wikidata']/@href")}
    assert qids and qids == links


def test_page_markers_one_to_twenty_one(tree: lhtml.HtmlElement) -> None:
    markers = tree.xpath("//a[@class='pb']")
    # page 21 of the transcription is empty: no marker
    assert [m.get("id") for m in markers] == [f"page-{n}" for n in range(1, 21)]
    assert all(
        m.text_content() == f"[{n}]" and m.get("aria-label") for n, m in enumerate(markers, 1)
    )


def test_corrections_show_corr_with_sic_in_title(
    tree: lhtml.HtmlElement, edition: teikit.Document
) -> None:
    choices = edition.xpath("//tei:text//tei:choice[tei:sic and tei:corr]")
    shown = tree.xpath("//span[contains(@class, 'choice')]")
    assert len(choices) == len(shown) > 0
    for choice, span in zip(choices, shown, strict=True):
        sic = " ".join("".join(choice.find("tei:sic", TEI).itertext()).split())
        corr = " ".join("".join(choice.find("tei:corr", TEI).itertext()).split())
        assert (" ".join(span.text_content().split()), span.get("title").endswith(sic)) == (
            corr,
            True,
        )
        assert span.get("tabindex") == "0"


def test_notes_link_both_ways() -> None:
    tree = fixture_html("editorial")
    ref = tree.xpath("//a[@role='doc-noteref']")[0]
    note = tree.xpath("//li[@id=$i]", i=ref.get("href")[1:])[0]
    assert note.xpath(".//a[@role='doc-backlink']/@href") == ["#" + ref.get("id")]


def test_embedded_css_has_print_rules(page: str) -> None:
    assert "@media print" in page and "<script" not in page


@pytest.mark.parametrize(
    "element,html_class",
    [("orig/reg", "choice reg"), ("abbr/expan", "choice expan"), ("app", "app")],
)
def test_editorial_readings_have_hover_originals(element: str, html_class: str) -> None:
    spans = fixture_html("editorial").xpath(f"//span[contains(@class, '{html_class}')]")
    assert spans and all(s.get("title") for s in spans)


def test_app_shows_the_lemma_with_a_mark_to_its_visible_entry() -> None:
    tree = fixture_html("editorial")
    [app] = tree.xpath("//span[contains(@class, 'app')]")
    [mark] = app.xpath(".//a[@class='app-ref']")
    [entry] = tree.xpath(f"//li[@id='{mark.get('href').lstrip('#')}']")
    assert (app.text_content(), "beta" in app.get("title")) == ("alpha1", True)
    assert " ".join(entry.text_content().split()) == "1 alpha] A beta B ↩"


def test_gap_supplied_del_add_are_visible() -> None:
    tree = fixture_html("editorial")
    assert tree.xpath("string(//span[@class='tei-gap'])") == "[…]"
    assert tree.xpath("string(//span[contains(@class, 'tei-supplied')])") == "[restored]"
    assert (tree.findtext(".//del"), tree.findtext(".//ins")) == ("removed", "inserted")


def test_unknown_elements_keep_their_content() -> None:
    tree = fixture_html("editorial")
    assert tree.xpath("string(//*[@class='tei-mysteryElement'])") == "unknown words"
    assert tree.xpath("string(//*[@class='tei-frobnicate'])") == "nested block"


def test_xml_space_preserve_is_honoured() -> None:
    [ab] = fixture_html("editorial").xpath("//*[contains(@class, 'preserve')]")
    assert ab.text_content() == "keep   these    spaces"


def test_list_numbers_are_shown() -> None:
    labels = fixture_html("editorial").xpath("//span[@class='item-n']/text()")
    assert labels == ["1.", "2."]


def test_milestone_is_a_visible_separator() -> None:
    [m] = fixture_html("editorial").xpath("//*[@role='separator']")
    assert m.text_content() == "* * *"


def test_foreign_words_carry_their_language() -> None:
    assert fixture_html("editorial").xpath("//i[@lang='de']/text()") == ["deutscher Sprache"]


def test_drama_has_speakers_stage_directions_and_cast() -> None:
    tree = fixture_html("drama")
    assert [p.text_content() for p in tree.xpath("//p[contains(@class, 'tei-speaker')]")] == [
        "Маша.",
        "Иван",
    ]
    assert tree.xpath("//p[contains(@class, 'tei-speaker')]/a/@href") == ["#idx-masha", "#idx-ivan"]
    assert tree.xpath("//li[@id='idx-masha']/a[@class='speeches']/text()") == ["реплики: 1"]
    assert "Садится." in tree.xpath("//i[contains(@class, 'stage')]/text()")
    assert len(tree.xpath("//div[contains(@class, 'tei-castList')]//li")) == 2


def test_verse_lines_carry_their_numbers() -> None:
    tree = fixture_html("verse")
    assert tree.xpath("//div[contains(@class, 'tei-l')]/span[@class='lnum']/text()") == [
        "1",
        "2",
        "3",
        "4",
    ]


def test_prefixed_tei_is_rendered() -> None:
    tree = fixture_html("prefixed")
    assert (tree.get("lang"), tree.findtext(".//main//h2"), tree.findtext(".//b")) == (
        "de",
        "Kapitel eins",
        "fetter",
    )


def test_xincluded_content_is_rendered() -> None:
    tree = fixture_html("xinclude-main")
    assert "Words from the included file." in tree.text_content()


def test_document_without_language_is_und() -> None:
    doc = teikit.Document(
        etree.ElementTree(
            etree.fromstring(
                b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>x</p></body></text></TEI>'
            )
        )
    )
    assert parse(doc.to_html().output).get("lang") == "und"


@pytest.mark.slow
def test_chromium_follows_contents_and_name_links(page: str, output_dir: Path) -> None:
    """Open the page in headless Chromium (no network), follow a contents link and a
    name link and its back-link, and keep a screenshot for a human to look at."""
    path = output_dir / "edition.html"
    path.write_text(page, encoding="utf-8")
    with chromium() as browser:
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        tab.goto(path.as_uri())
        toc = tab.locator("nav#tk-toc a").nth(3)
        href = toc.get_attribute("href")
        toc.click()
        assert tab.evaluate("location.hash") == href
        top = tab.evaluate(f"document.getElementById('{href[1:]}').getBoundingClientRect().top")
        assert abs(top) < 5
        tab.screenshot(path=str(output_dir / "section.png"))
        name = tab.locator(f"section#{href[1:]} a.name").first
        mention = name.get_attribute("id")
        name.click()
        entry = tab.evaluate("location.hash")
        assert entry.startswith("#idx-")
        tab.locator(f"li{entry} a[href='#{mention}']").click()
        assert tab.evaluate("location.hash") == f"#{mention}"
        tab.screenshot(path=str(output_dir / "mention.png"))
    assert (output_dir / "section.png").stat().st_size > 10_000
