"""Errors in XIncluded files, at scale: a ``teiCorpus`` that includes 40 seeded
multi-error mutants of real letters and plays, validated against tei_all as one tree;
each error must be named in its own file at the line and column jing gives when run on
that file alone.

IDs are the one thing that differs by nature (an assembled corpus shares one ID space,
so a mutant's duplicated ``xml:id`` may meet an ID of another file): ID findings are
left out on both sides.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from teikit.document import load
from teikit.validation.rng import RelaxNG

from conftest import ROOT, require_command

sys.path.insert(0, str(ROOT / "benchmarks"))
import faults  # noqa: E402

pytestmark = pytest.mark.slow

TEI = "http://www.tei-c.org/ns/1.0"
XI = "http://www.w3.org/2001/XInclude"
ID_RULES = ("rng:duplicate-id", "rng:idref-unresolved")


def _corpus(parts: list[Path], folder: Path) -> Path:
    includes = "\n".join(f'  <xi:include href="{p.name}"/>' for p in parts)
    corpus = folder / "corpus.xml"
    corpus.write_text(
        f'<teiCorpus xmlns="{TEI}" xmlns:xi="{XI}">\n  <teiHeader><fileDesc><titleStmt>'
        "<title>Mutants</title></titleStmt><publicationStmt><p>Tests.</p></publicationStmt>"
        "<sourceDesc><p>Seeded faults.</p></sourceDesc></fileDesc></teiHeader>\n"
        f"{includes}\n</teiCorpus>\n",
        encoding="utf-8",
    )
    return corpus


@pytest.fixture(scope="module")
def compared(
    shared: Path, tei_all: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]]:
    require_command("java")
    corpora = shared / "corpora"
    letters = sorted((corpora / "schnitzler-briefe" / "letters").glob("*.xml"))[:60:2]
    plays = sorted((corpora / "rusdracor" / "tei").glob("*.xml"), key=lambda p: p.stat().st_size)
    folder = tmp_path_factory.mktemp("xinclude-mutants")
    made = faults.generate([*letters, *plays[:10]], 40, folder, seed=11)
    jing = faults.jing_errors(tei_all, [m.path for m in made])
    theirs = {
        (Path(file).name, line, col)
        for file, found in jing.items()
        for line, col, message in found
        if "ID" not in message
    }
    doc = load(_corpus([m.path for m in made], folder))
    ours = {
        (Path(d.file).name, d.line, d.column)
        for d in RelaxNG.compile(tei_all).validate(doc)
        if d.rule not in ID_RULES
    }
    return theirs, ours


def test_the_corpus_has_many_errors_in_its_parts(
    compared: tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]],
) -> None:
    theirs, _ = compared
    assert len(theirs) >= 100
    assert len({file for file, _, _ in theirs}) >= 30


def test_each_error_is_in_its_own_file_where_jing_puts_it(
    compared: tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]],
) -> None:
    theirs, ours = compared
    recall = len(theirs & ours) / len(theirs)
    precision = len(theirs & ours) / len(ours)
    assert recall >= 0.97, sorted(theirs - ours)[:20]
    assert precision >= 0.97, sorted(ours - theirs)[:20]


def test_no_error_is_left_in_the_corpus_file(
    compared: tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]],
) -> None:
    _, ours = compared
    assert not [place for place in ours if place[0] == "corpus.xml"]
