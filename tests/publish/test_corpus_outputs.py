"""Every RusDraCor play publishes: HTML, text and EPUB build, EPUBs pass epubcheck, HTML
pages pass the Nu checker, and the outputs keep the words of the TEI text.

"Words kept" is measured per file as the share of the word tokens of the TEI ``text``
(its string value: everything, including what an edition hides, such as sic readings or
deleted text; blocks and notes count as word boundaries) that occur in the output,
counted as multisets; HTML counts its visible text and its hover titles. The plays are
transformed in a pool of two processes; the EPUBs are checked afterwards in one JVM, the
HTML pages in one run of the Nu checker.
"""

from __future__ import annotations

import multiprocessing
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lhtml

from teikit.diagnostics import Severity

from helpers import epubcheck, nu

MIN_SHARE = 0.99

#: Elements that separate words whether or not the source has whitespace around them:
#: blocks, and notes (which every output moves away from their anchor).
BOUNDARIES = {"note", "p", "l", "lg", "sp", "speaker", "stage", "head", "item", "cell", "row",
              "div", "ab", "castItem", "castGroup", "roleDesc", "lb", "pb", "list", "trailer",
              "set", "castList", "docTitle", "titlePart", "byline", "front", "body", "back"}


def tokens(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in re.findall(r"\w+", text))


def words_of(el: object) -> str:
    """The string value of ``el``, with a space at every boundary element."""
    from lxml import etree

    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if not isinstance(node.tag, str):
            return
        boundary = etree.QName(node).localname in BOUNDARIES
        parts.append(" " if boundary else "")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        parts.append(" " if boundary else "")

    walk(el)  # type: ignore[arg-type]
    return "".join(parts)


def share(source: Counter[str], output: Counter[str]) -> float:
    total = sum(source.values())
    kept = sum(min(n, output[w]) for w, n in source.items())
    return kept / total if total else 1.0


def html_words(page: str) -> Counter[str]:
    tree = lhtml.document_fromstring(page.encode("utf-8"))
    # blocks and note references separate words, as a browser shows them ("word¹")
    for el in tree.xpath("//p | //div | //li | //section | //td | //th | //br | //blockquote"
                         " | //h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //figure"
                         " | //*[contains(@class, 'noteref')]"):
        el.text, el.tail = " " + (el.text or ""), " " + (el.tail or "")
    body = tree.find("body")
    titles = " ".join(body.xpath(".//@title"))
    return tokens(body.text_content() + " " + titles)


def publish_one(args: tuple[str, str]) -> dict[str, object]:
    """Load one play, make all three outputs, measure the words kept (runs in a worker)."""
    src, out_dir = args
    import teikit
    from teikit.epub import epub_bytes

    doc = teikit.load(src)
    source = tokens(" ".join(words_of(t) for t in
                             doc.xpath("//tei:text[not(ancestor::tei:text)]")))
    text = doc.to_text().output
    page = doc.to_html().output
    data, _ = epub_bytes(doc)
    epub = Path(out_dir) / f"{doc.name}.epub"
    epub.write_bytes(data)
    (Path(out_dir) / f"{doc.name}.html").write_text(page, encoding="utf-8")
    return {"name": doc.name, "text": share(source, tokens(text)),
            "html": share(source, html_words(page)), "epub": str(epub),
            "page": str(Path(out_dir) / f"{doc.name}.html")}


@pytest.fixture(scope="module")
def published(rusdracor: list[Path], tmp_path_factory: pytest.TempPathFactory
              ) -> list[dict[str, object]]:
    out = tmp_path_factory.mktemp("rusdracor-epub")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.map(publish_one, [(str(p), str(out)) for p in rusdracor], chunksize=4)


@pytest.mark.slow
def test_every_play_publishes(published: list[dict[str, object]],
                              rusdracor: list[Path]) -> None:
    assert len(published) == len(rusdracor) == 120


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "html"])
def test_outputs_keep_the_words_of_every_play(published: list[dict[str, object]],
                                              fmt: str) -> None:
    worst = min(published, key=lambda r: r[fmt])  # type: ignore[arg-type,return-value]
    print(f"\n{fmt}: minimum share of words kept {worst[fmt]:.4f} ({worst['name']})")
    low = {r["name"]: round(r[fmt], 4) for r in published  # type: ignore[call-overload]
           if r[fmt] < MIN_SHARE}  # type: ignore[operator]
    assert low == {}


@pytest.mark.slow
def test_every_epub_passes_epubcheck(published: list[dict[str, object]]) -> None:
    results = epubcheck.check([Path(str(r["epub"])) for r in published])
    warnings = sum(len(epubcheck.problems(m, Severity.WARNING)) for m in results.values())
    print(f"\nepubcheck: {len(results)} EPUBs, {warnings} warnings")
    errors = {p.name: epubcheck.problems(m, Severity.ERROR) for p, m in results.items()}
    assert {n: e for n, e in errors.items() if e} == {}


@pytest.mark.slow
def test_every_html_page_passes_the_nu_checker(published: list[dict[str, object]]) -> None:
    assert [str(d) for d in nu.errors([Path(str(r["page"])) for r in published])] == []
