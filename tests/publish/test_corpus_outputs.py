"""Every file of ../shared/corpora (RusDraCor plays, Schnitzler letters, FreeDict
dictionaries, ELTeC novels) and of teikit's own fixtures publishes (issue 13, "done when"):

- all three formats build;
- epubcheck finds no error and no warning in any EPUB (one JVM for all of them);
- the Nu checker finds no error in any HTML page (one run for all of them);
- text, HTML and EPUB keep >= 99.5 % of the letters of the reading text (each file);
- no word is fused or split (tests/helpers/wordcheck.py) in any of the three, counted per
  corpus: 0;
- no ``#`` link of an HTML page dangles.

"Every file" is checked, not assumed: a test compares the files published with every XML
and TEI file below ../shared/corpora (the header-only teiCorpus descriptor of RusDraCor
included). The files are published in a pool of two processes; each worker measures its files and
returns numbers, so the parent holds no document. Marked slow: about ten minutes of CI
(measured numbers are printed; see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import DATA, EDITION, missing
from helpers.wordcheck import (
    dangling_links,
    epub_reading,
    html_reading,
    html_title_block,
    integrity,
    letters_kept,
    source_words,
    text_reading,
)

MIN_LETTERS = 0.995
CORPORA = {
    "rusdracor": ("rusdracor/tei/*.xml", "rusdracor/corpus.xml"),
    "schnitzler-briefe": ("schnitzler-briefe/letters/*.xml",),
    "freedict": ("freedict/*/*.tei",),
    "eltec-fra": ("eltec-fra/novels/*.xml",),
}


def publish_one(args: tuple[str, str, str]) -> dict[str, object]:
    """Load one file, make all three outputs, measure them (runs in a worker)."""
    corpus, src, out_dir = args
    import teikit
    from teikit.epub import epub_bytes

    try:
        doc = teikit.load(src)
        words = source_words(doc.tree.getroot())
        reading = source_words(doc.tree.getroot(), registers=False)
        # the reading text without the lines made from the header (title, dates)
        text = teikit.transform(doc, "text", {"title-block": "false"}).output
        page = doc.to_html().output
        data, _ = epub_bytes(doc)
    except Exception as exc:  # a failure is the finding, reported by the test
        return {"corpus": corpus, "name": src, "error": repr(exc)[:500]}
    # the folder too: two fixtures are called letter.xml, two article.xml
    stem = f"{corpus}--{Path(src).parent.name}--{Path(src).stem}"
    (Path(out_dir) / f"{stem}.epub").write_bytes(data)
    (Path(out_dir) / f"{stem}.html").write_text(page, encoding="utf-8")
    in_text, in_html = text_reading(text), html_reading(page)
    in_epub, epub_title = epub_reading(data)
    t, h, e = (integrity(words, x) for x in (in_text, in_html, in_epub))
    return {
        "corpus": corpus,
        "name": f"{Path(src).parent.name}/{Path(src).name}",
        "error": None,
        "text": letters_kept(reading, in_text),
        "html": letters_kept(reading, f"{in_html} {html_title_block(page)}"),
        "epub": letters_kept(reading, f"{in_epub} {epub_title}"),
        "fused": t.fused + h.fused + e.fused,
        "split": t.split + h.split + e.split,
        "examples": (t.examples + h.examples + e.examples)[:4],
        "dangling": dangling_links(page),
    }


@pytest.fixture(scope="module")
def sources(shared: Path) -> list[tuple[str, str]]:
    found = [
        (corpus, str(p))
        for corpus, patterns in CORPORA.items()
        for pattern in patterns
        for p in sorted((shared / "corpora").glob(pattern))
    ]
    fixtures = [p for p in sorted((DATA / "outputs").glob("*.xml")) if p.stem != "xinclude-part"]
    found += [
        ("teikit", str(p))
        for p in [
            EDITION,
            *fixtures,
            *sorted((DATA / "structures").glob("*.xml")),
            *sorted((DATA / "tei-kinds").glob("*.xml")),
        ]
    ]
    if len({c for c, _ in found}) < 5:
        missing("the four shared corpora")
    return found


@pytest.fixture(scope="module")
def published(
    sources: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, object]], Path]:
    out = tmp_path_factory.mktemp("corpus-outputs")
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(publish_one, [(c, s, str(out)) for c, s in sources], chunksize=4)
    print(f"\npublished {len(results)} files in {time.perf_counter() - start:.0f} s")
    return results, out


@pytest.mark.slow
def test_every_file_builds_in_all_three_formats(
    published: tuple[list[dict[str, object]], Path], sources: list[tuple[str, str]]
) -> None:
    results, _ = published
    assert len(results) == len(sources) >= 317
    assert {str(r["name"]): r["error"] for r in results if r["error"]} == {}


@pytest.mark.slow
def test_every_file_of_the_shared_corpora_is_published(
    shared: Path, sources: list[tuple[str, str]]
) -> None:
    """No sample: every XML and TEI file below ../shared/corpora is among the sources."""
    every = {
        str(p)
        for p in (shared / "corpora").rglob("*")
        if p.suffix in {".xml", ".tei"} and p.is_file()
    }
    assert every - {s for c, s in sources if c != "teikit"} == set()
    assert len(every) == 302


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "html", "epub"])
def test_outputs_keep_the_letters_of_the_reading_text(
    published: tuple[list[dict[str, object]], Path], fmt: str
) -> None:
    results = [r for r in published[0] if not r["error"]]
    worst = min(results, key=lambda r: float(str(r[fmt])))
    print(f"\n{fmt}: lowest share of letters kept {float(str(worst[fmt])):.4f} ({worst['name']})")
    assert {
        str(r["name"]): round(float(str(r[fmt])), 4)
        for r in results
        if float(str(r[fmt])) < MIN_LETTERS
    } == {}


@pytest.mark.slow
def test_no_word_is_fused_or_split_in_any_corpus(
    published: tuple[list[dict[str, object]], Path],
) -> None:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    examples: dict[str, object] = {}
    for r in published[0]:
        if r["error"]:
            continue
        counts = per[str(r["corpus"])]
        counts[0] += int(str(r["fused"]))
        counts[1] += int(str(r["split"]))
        if r["examples"]:
            examples[str(r["name"])] = r["examples"]
    print("\nfused/split per corpus:", dict(per))
    assert ({c: tuple(n) for c, n in per.items() if n != [0, 0]}, examples) == ({}, {})


@pytest.mark.slow
def test_no_internal_link_dangles(published: tuple[list[dict[str, object]], Path]) -> None:
    assert {
        str(r["name"]): r["dangling"] for r in published[0] if not r["error"] and r["dangling"]
    } == {}


@pytest.mark.slow
def test_every_epub_passes_epubcheck(published: tuple[list[dict[str, object]], Path]) -> None:
    from helpers.epubcheck import check, problems

    epubs = sorted(published[1].glob("*.epub"))
    assert len(epubs) == len(published[0])
    start = time.perf_counter()
    found = check(epubs)
    print(f"\nepubcheck: {len(epubs)} EPUBs in {time.perf_counter() - start:.0f} s")
    assert {p.name: problems(f) for p, f in found.items() if problems(f)} == {}


@pytest.mark.slow
def test_every_html_page_passes_the_nu_checker(
    published: tuple[list[dict[str, object]], Path],
) -> None:
    from helpers.nu import errors as nu_errors

    pages = sorted(published[1].glob("*.html"))
    assert len(pages) == len(published[0])
    start = time.perf_counter()
    errors = nu_errors(pages)
    print(f"\nNu: {len(pages)} pages in {time.perf_counter() - start:.0f} s")
    assert errors == []


@pytest.mark.slow
def test_epub_identifiers_are_unique_per_document(shared: Path) -> None:
    """26 of the letters share the placeholder idno "XXXX"; their EPUBs must not."""
    import teikit
    from teikit.epub import identifier

    letters = sorted((shared / "corpora" / "schnitzler-briefe" / "letters").glob("*.xml"))
    ids = [identifier(teikit.load(p)) for p in letters]
    assert len(ids) == len(set(ids)) == 150
